"""Real third-party clients (issue 20): Ansible's `community.aws.directconnect_virtual_interface` and
`directconnect_link_aggregation_group` modules, run by `ansible-playbook` against the built server.

The first creates a private virtual interface on a MACsec connection, attached to a Direct Connect gateway associated
with a VPN gateway; a second run reports no change (the module finds it by name and connection); `state: absent`
deletes it. The second removes a LAG that still carries a virtual interface with `force_delete`,
`delete_with_disassociation` and `wait`: it sets the minimum links to 0, disassociates and deletes the members,
deletes the interfaces it lists by the LAG's ID, then deletes the LAG. (The module's retry of DeleteLag while
interfaces are `deleting` raises a TypeError in community.aws 10.0.0 (`in` over the ClientError), so it passes only
when the interfaces are `deleted` at once: the default settle time of 0 s gives that.)"""

from __future__ import annotations

import pytest

import dxhelpers
from dxhelpers import create_connection, create_lag, make_client, unique_name

pytestmark = pytest.mark.third_party  # the SQLite pass only (pytest.ini)


@pytest.mark.slow
def test_virtual_interface_module_creates_keeps_and_deletes(server, account, tmp_path):
    dx = make_client(server.url, account=account)
    ec2 = dxhelpers._client("ec2", server.url, account, "us-east-1", dxhelpers.boto_config())
    connection = create_connection(dx)
    dxhelpers.associate_key(dx, connection)
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
    gateway = dx.create_direct_connect_gateway(directConnectGatewayName=unique_name("gw"), amazonSideAsn=64700)[
        "directConnectGateway"]["directConnectGatewayId"]
    dx.create_direct_connect_gateway_association(directConnectGatewayId=gateway, gatewayId=vgw)
    name = unique_name("ansible-vif")
    present = {"state": "present", "name": name, "id_to_associate": connection, "public": False, "vlan": 321,
               "bgp_asn": 65123, "direct_connect_gateway_id": gateway}

    play = dxhelpers.ansible_module(server.url, account, tmp_path, "directconnect_virtual_interface")

    created = play("create", present)
    assert created["changed"] is True
    (interface,) = [v for v in dx.describe_virtual_interfaces(connectionId=connection)["virtualInterfaces"]
                    if v["virtualInterfaceName"] == name]
    assert created["virtual_interface_id"] == interface["virtualInterfaceId"]
    assert (interface["vlan"], interface["asn"], interface["directConnectGatewayId"]) == (321, 65123, gateway)
    assert created["virtual_interface_state"] == "available"
    (attachment,) = dx.describe_direct_connect_gateway_attachments(directConnectGatewayId=gateway)[
        "directConnectGatewayAttachments"]
    assert attachment["virtualInterfaceId"] == interface["virtualInterfaceId"]

    again = play("again", present)
    assert again["changed"] is False
    assert again["virtual_interface_id"] == interface["virtualInterfaceId"]
    assert len(dx.describe_virtual_interfaces(connectionId=connection)["virtualInterfaces"]) == 1

    removed = play("remove", {"state": "absent", "name": name, "id_to_associate": connection})
    assert removed["changed"] is True
    (gone,) = dx.describe_virtual_interfaces(virtualInterfaceId=interface["virtualInterfaceId"])["virtualInterfaces"]
    assert gone["virtualInterfaceState"] == "deleted"
    assert dx.describe_direct_connect_gateway_attachments(directConnectGatewayId=gateway)[
        "directConnectGatewayAttachments"] == []
    dx.delete_connection(connectionId=connection)


@pytest.mark.slow
def test_lag_module_force_deletes_a_lag_with_a_virtual_interface(server, account, tmp_path):
    dx = make_client(server.url, account=account)
    name = unique_name("ansible-lag")
    lag = create_lag(dx, count=2, name=name)["lagId"]
    members = [c["connectionId"] for c in dxhelpers.describe_lag(dx, lag)["connections"]]
    gateway = dx.create_direct_connect_gateway(directConnectGatewayName=unique_name("gw"), amazonSideAsn=64701)[
        "directConnectGateway"]["directConnectGatewayId"]
    interface = dx.create_transit_virtual_interface(connectionId=lag, newTransitVirtualInterface={
        "virtualInterfaceName": "on-lag", "vlan": 222, "asn": 65000, "directConnectGatewayId": gateway})[
        "virtualInterface"]["virtualInterfaceId"]
    try:
        dx.delete_lag(lagId=lag)
        raise AssertionError("DeleteLag should be refused while the LAG carries a virtual interface")
    except dx.exceptions.DirectConnectClientException as error:
        assert "until its Virtual Interfaces are deleted" in str(error)

    removed = dxhelpers.ansible_task(server.url, account, tmp_path, "remove-lag",
                                     "community.aws.directconnect_link_aggregation_group",
                                     {"state": "absent", "link_aggregation_group_id": lag, "force_delete": True,
                                      "delete_with_disassociation": True, "wait": True})
    assert removed["changed"] is True
    assert lag not in {item["lagId"] for item in dx.describe_lags()["lags"]}
    (deleted,) = dx.describe_virtual_interfaces(virtualInterfaceId=interface)["virtualInterfaces"]
    assert deleted["virtualInterfaceState"] == "deleted"
    assert not {c["connectionId"] for c in dx.describe_connections()["connections"]} & set(members)
