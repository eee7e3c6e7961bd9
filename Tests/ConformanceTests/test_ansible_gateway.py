"""A real third-party client (issue 19): Ansible's `community.aws.directconnect_gateway` module, run by
`ansible-playbook` (the `ansible` package from PyPI, which bundles community.aws) against the built server. It creates
a Direct Connect gateway with a VPN gateway association (it must read the association `associating` right after
creating it, which the 2 s default of associations gives), a second run reports no change, and `state: absent`
removes the association (the module polls until the list is empty) and then the gateway. Every task must succeed."""

from __future__ import annotations

from pathlib import Path

import pytest

import dxhelpers
from dxhelpers import make_client, unique_name

pytestmark = pytest.mark.third_party  # the SQLite pass only (pytest.ini)


def run_play(server, account: str, tmp_path: Path, name: str, module_args: dict) -> dict:
    return dxhelpers.ansible_task(server.url, account, tmp_path, name, "community.aws.directconnect_gateway",
                                  module_args)


@pytest.mark.slow
def test_directconnect_gateway_module_creates_keeps_and_removes(server, account, tmp_path):
    ec2 = dxhelpers._client("ec2", server.url, account, "us-east-1", dxhelpers.boto_config())
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
    dx = make_client(server.url, account=account)
    name = unique_name("ansible")
    present = {"state": "present", "name": name, "amazon_asn": "65000", "virtual_gateway_id": vgw}

    created = run_play(server, account, tmp_path, "create", present)
    assert created["changed"] is True
    (gateway,) = [g for g in dx.describe_direct_connect_gateways()["directConnectGateways"]
                  if g["directConnectGatewayName"] == name]
    gateway_id = gateway["directConnectGatewayId"]
    assert created["direct_connect_gateway_id"] == gateway_id
    assert gateway["amazonSideAsn"] == 65000
    (association,) = dx.describe_direct_connect_gateway_associations(directConnectGatewayId=gateway_id)[
        "directConnectGatewayAssociations"]
    assert association["virtualGatewayId"] == vgw
    assert association["associationState"] in ("associating", "associated")

    again = run_play(server, account, tmp_path, "again", present)
    assert again["changed"] is False
    assert [g["directConnectGatewayId"] for g in dx.describe_direct_connect_gateways()["directConnectGateways"]
            if g["directConnectGatewayName"] == name] == [gateway_id]
    assert [a["associationId"] for a in dx.describe_direct_connect_gateway_associations(
        directConnectGatewayId=gateway_id)["directConnectGatewayAssociations"]] == [association["associationId"]]

    # The module finds the gateway to remove by its name even then (find_dx_gateway matches on `name`): without it
    # the play succeeds and removes nothing, against AWS as here.
    run_play(server, account, tmp_path, "remove", {"state": "absent", "name": name,
                                                   "direct_connect_gateway_id": gateway_id})
    assert dx.describe_direct_connect_gateway_associations(associationId=association["associationId"])[
        "directConnectGatewayAssociations"] == []
    assert dx.describe_direct_connect_gateways(directConnectGatewayId=gateway_id)["directConnectGateways"] == []
