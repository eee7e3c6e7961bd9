"""Real third-party clients of the EC2 slice (SPEC 9): amazon.aws' `ec2_transit_gateway`, `ec2_vpc_vgw` and
`ec2_vpc_net` modules, run by `ansible-playbook` against the built server. The VPC module finds a VPC by its name
and `cidr-block` filter and sets its DNS attributes one call at a time, waiting until each reads back. The transit gateway module reads a new gateway's `Tags` before it
tags it (EC2 lists an empty set) and, removing one, waits for it to read `deleted` and reads it back; the VPN gateway
module, moving a gateway to another VPC, waits until every attachment it lists reads `attached`. Every task must
succeed."""

from __future__ import annotations

import pytest

import dxhelpers
from dxhelpers import unique_name

pytestmark = pytest.mark.third_party  # the SQLite pass only (pytest.ini)


@pytest.mark.slow
def test_transit_gateway_module_creates_keeps_and_removes(server, account, tmp_path):
    ec2 = dxhelpers._client("ec2", server.url, account, "us-east-1", dxhelpers.boto_config())
    description = unique_name("tgw")
    present = {"state": "present", "description": description, "asn": 64600, "tags": {"team": "network"}}

    created = dxhelpers.ansible_task(server.url, account, tmp_path, "create", "amazon.aws.ec2_transit_gateway",
                                     present)
    assert created["changed"] is True
    (gateway,) = ec2.describe_transit_gateways()["TransitGateways"]
    assert gateway["TransitGatewayId"] == created["transit_gateway"]["transit_gateway_id"]
    assert gateway["Description"] == description and gateway["Options"]["AmazonSideAsn"] == 64600
    assert gateway["Tags"] == [{"Key": "team", "Value": "network"}]

    again = dxhelpers.ansible_task(server.url, account, tmp_path, "again", "amazon.aws.ec2_transit_gateway", present)
    assert again["changed"] is False
    assert [g["TransitGatewayId"] for g in ec2.describe_transit_gateways()["TransitGateways"]] == [
        gateway["TransitGatewayId"]]

    absent = {"state": "absent", "transit_gateway_id": gateway["TransitGatewayId"]}
    removed = dxhelpers.ansible_task(server.url, account, tmp_path, "remove", "amazon.aws.ec2_transit_gateway",
                                     absent)
    assert removed["changed"] is True
    (listed,) = ec2.describe_transit_gateways(TransitGatewayIds=[gateway["TransitGatewayId"]])["TransitGateways"]
    assert listed["State"] == "deleted"
    again = dxhelpers.ansible_task(server.url, account, tmp_path, "remove-again", "amazon.aws.ec2_transit_gateway",
                                   absent)
    assert again["changed"] is False


@pytest.mark.slow
def test_vpn_gateway_module_moves_a_gateway_to_another_vpc(server, account, tmp_path):
    ec2 = dxhelpers._client("ec2", server.url, account, "us-east-1", dxhelpers.boto_config())
    first, second = (ec2.create_vpc(CidrBlock=block)["Vpc"]["VpcId"] for block in ("10.30.0.0/16", "10.31.0.0/16"))
    name = unique_name("vgw")

    def gateway_in(vpc: str, task: str) -> dict:
        return dxhelpers.ansible_task(server.url, account, tmp_path, task, "amazon.aws.ec2_vpc_vgw", {
            "state": "present", "name": name, "type": "ipsec.1", "vpc_id": vpc, "wait_timeout": 60})

    created = gateway_in(first, "create")
    assert created["changed"] is True
    moved = gateway_in(second, "move")
    assert moved["changed"] is True
    assert moved["vgw"]["vpc_id"] == second
    (gateway,) = ec2.describe_vpn_gateways(Filters=[{"Name": "tag:Name", "Values": [name]}])["VpnGateways"]
    assert gateway["VpcAttachments"] == [{"VpcId": second, "State": "attached"}]
    assert gateway_in(second, "again")["changed"] is False


@pytest.mark.slow
def test_vpc_module_creates_changes_keeps_and_removes_a_vpc(server, account, tmp_path):
    ec2 = dxhelpers._client("ec2", server.url, account, "us-east-1", dxhelpers.boto_config())
    name = unique_name("net")
    present = {"state": "present", "name": name, "cidr_block": "10.40.0.0/16", "dns_hostnames": True,
               "dns_support": True, "tags": {"team": "network"}}

    def attributes(vpc: str) -> tuple[bool, bool]:
        return tuple(ec2.describe_vpc_attribute(VpcId=vpc, Attribute=f"enableDns{a}")[f"EnableDns{a}"]["Value"]
                     for a in ("Support", "Hostnames"))

    created = dxhelpers.ansible_task(server.url, account, tmp_path, "create", "amazon.aws.ec2_vpc_net", present)
    assert created["changed"] is True
    vpc = created["vpc"]["id"]
    (described,) = ec2.describe_vpcs()["Vpcs"]
    assert described["VpcId"] == vpc and described["CidrBlock"] == "10.40.0.0/16"
    assert sorted((t["Key"], t["Value"]) for t in described["Tags"]) == [("Name", name), ("team", "network")]
    assert attributes(vpc) == (True, True)

    again = dxhelpers.ansible_task(server.url, account, tmp_path, "again", "amazon.aws.ec2_vpc_net", present)
    assert (again["changed"], again["vpc"]["id"]) == (False, vpc)
    changed = dxhelpers.ansible_task(server.url, account, tmp_path, "change", "amazon.aws.ec2_vpc_net",
                                     {**present, "dns_hostnames": False, "dns_support": False})
    assert (changed["changed"], changed["vpc"]["id"]) == (True, vpc)
    assert attributes(vpc) == (False, False)

    removed = dxhelpers.ansible_task(server.url, account, tmp_path, "remove", "amazon.aws.ec2_vpc_net",
                                     {"state": "absent", "name": name, "cidr_block": "10.40.0.0/16"})
    assert removed["changed"] is True
    assert ec2.describe_vpcs()["Vpcs"] == []
