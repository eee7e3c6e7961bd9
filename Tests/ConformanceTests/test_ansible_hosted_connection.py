"""Issue 22 through a real third-party client: a partner allocates a hosted connection on its interconnect (boto3),
the customer's playbook confirms it with `community.aws.directconnect_confirm_connection` (DescribeConnections, then
ConfirmConnection only while `ordering`), a second run changes nothing, and `directconnect_virtual_interface` builds
a private virtual interface on it, attached to the customer's Direct Connect gateway."""

from __future__ import annotations

import pytest

import dxhelpers
from dxhelpers import make_client, random_account, unique_name

pytestmark = pytest.mark.third_party  # the SQLite pass only (pytest.ini)


@pytest.mark.slow
def test_a_playbook_confirms_a_hosted_connection_and_builds_a_private_interface_on_it(server, tmp_path):
    partner, customer = random_account(), random_account()
    partner_dx, customer_dx = make_client(server.url, account=partner), make_client(server.url, account=customer)
    parent = partner_dx.create_interconnect(interconnectName=unique_name("nni"), bandwidth="10Gbps",
                                            location="EqDC2")["interconnectId"]
    hosted = partner_dx.allocate_hosted_connection(connectionId=parent, ownerAccount=customer, bandwidth="1Gbps",
                                                   connectionName=unique_name("hosted"), vlan=612)["connectionId"]

    def play(task, module, args):
        return dxhelpers.ansible_task(server.url, customer, tmp_path, task, f"community.aws.{module}", args)

    confirmed = play("confirm", "directconnect_confirm_connection", {"connection_id": hosted})
    assert confirmed["changed"] is True
    assert confirmed["connection_state"] in ("pending", "available")
    assert dxhelpers.describe_connection(customer_dx, hosted)["connectionState"] == "available"
    again = play("confirm-again", "directconnect_confirm_connection", {"connection_id": hosted})
    assert (again["changed"], again["connection_state"]) == (False, "available")

    gateway = customer_dx.create_direct_connect_gateway(directConnectGatewayName=unique_name("gw"),
                                                        amazonSideAsn=64710)["directConnectGateway"][
        "directConnectGatewayId"]
    name = unique_name("hosted-vif")
    created = play("interface", "directconnect_virtual_interface", {
        "state": "present", "name": name, "id_to_associate": hosted, "public": False, "vlan": 612,
        "bgp_asn": 65612, "direct_connect_gateway_id": gateway})
    assert created["changed"] is True
    (interface,) = customer_dx.describe_virtual_interfaces(connectionId=hosted)["virtualInterfaces"]
    assert created["virtual_interface_id"] == interface["virtualInterfaceId"]
    assert (interface["virtualInterfaceName"], interface["vlan"], interface["asn"]) == (name, 612, 65612)
    assert (interface["directConnectGatewayId"], interface["virtualInterfaceState"]) == (gateway, "available")
    # The partner sees its hosted connection, not the customer's interface.
    (listed,) = partner_dx.describe_hosted_connections(connectionId=parent)["connections"]
    assert (listed["connectionId"], listed["connectionState"]) == (hosted, "available")
    assert partner_dx.describe_virtual_interfaces()["virtualInterfaces"] == []
