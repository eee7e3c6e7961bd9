"""SPEC 9 and 10: the EC2 slice on the same port, through boto3's and the AWS CLI's EC2 clients (the Query protocol:
form bodies, XML answers, EC2's `<Response><Errors>` form and codes): VPCs, VPN gateways and their attachments,
transit gateways and their attachments; EC2's quotas, filters, pages and DryRun; isolation by account and region;
and a refused request changes nothing."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree

import pytest
from botocore.exceptions import ClientError

import dxhelpers
from dxhelpers import expect_error, random_account, run_service_cli

VPC_ID = re.compile(r"^vpc-[0-9a-f]{17}$")
VGW_ID = re.compile(r"^vgw-[0-9a-f]{17}$")
TGW_ID = re.compile(r"^tgw-[0-9a-f]{17}$")


def ec2_client(server, account, region="us-east-1", validate=True):
    return dxhelpers._client("ec2", server.url, account, region, dxhelpers.boto_config(validate))


@pytest.fixture
def ec2(server, account):
    return ec2_client(server, account)


def holdings(ec2) -> dict:
    return {
        "vpcs": ec2.describe_vpcs()["Vpcs"],
        "vgws": ec2.describe_vpn_gateways()["VpnGateways"],
        "tgws": ec2.describe_transit_gateways()["TransitGateways"],
    }


def refused(ec2, call, code, status=400, contains=()):
    """`call` fails with EC2's `code` and the account's holdings are as they were."""
    before = holdings(ec2)
    expect_error(call, code=code, status=status, contains=contains)
    assert holdings(ec2) == before


# --- VPCs -------------------------------------------------------------------------------------------------------

def test_a_vpc_answers_pending_and_reads_available(ec2, account):
    vpc = ec2.create_vpc(CidrBlock="10.1.2.3/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "web-1"}]}])["Vpc"]
    assert VPC_ID.match(vpc["VpcId"])
    assert vpc["State"] == "pending"
    assert vpc["CidrBlock"] == "10.1.0.0/16"
    assert vpc["OwnerId"] == account
    assert vpc["InstanceTenancy"] == "default"
    assert vpc["IsDefault"] is False
    assert vpc["Tags"] == [{"Key": "Name", "Value": "web-1"}]
    (block,) = vpc["CidrBlockAssociationSet"]
    assert block["CidrBlock"] == "10.1.0.0/16" and block["CidrBlockState"] == {"State": "associated"}
    assert block["AssociationId"].startswith("vpc-cidr-assoc-")
    assert vpc["DhcpOptionsId"].startswith("dopt-")
    (described,) = ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"]
    assert described == {**vpc, "State": "available"}


@pytest.mark.parametrize("kwargs, code, words", [
    ({}, "MissingParameter", ["cidrBlock"]),
    ({"CidrBlock": "10.0.0.0"}, "InvalidParameterValue", ["not a valid CIDR block"]),
    ({"CidrBlock": "10.0.0.0/8"}, "InvalidVpc.Range", ["The CIDR '10.0.0.0/8' is invalid."]),
    ({"CidrBlock": "10.0.0.0/29"}, "InvalidVpc.Range", ["is invalid"]),
    ({"CidrBlock": "10.0.0.0/16", "AmazonProvidedIpv6CidrBlock": True}, "InvalidParameterValue", ["IPv6"]),
    ({"CidrBlock": "10.0.0.0/16", "InstanceTenancy": "host"}, "InvalidParameterValue", ["instanceTenancy"]),
    ({"CidrBlock": "10.0.0.0/16", "TagSpecifications": [{"ResourceType": "subnet", "Tags": []}]},
     "InvalidParameterValue", ["taggable resource type"]),
])
def test_a_bad_vpc_is_refused_with_ec2s_codes(ec2, kwargs, code, words):
    refused(ec2, lambda: ec2.create_vpc(**kwargs), code, contains=words)


def test_dry_run_checks_and_does_nothing(ec2):
    refused(ec2, lambda: ec2.create_vpc(CidrBlock="10.0.0.0/16", DryRun=True), "DryRunOperation", status=412,
            contains=["Request would have succeeded, but DryRun flag is set."])
    refused(ec2, lambda: ec2.create_vpc(CidrBlock="10.0.0.0/8", DryRun=True), "InvalidVpc.Range")


def test_five_vpcs_a_region_and_every_region_and_account_apart(server, ec2, account):
    ids = [ec2.create_vpc(CidrBlock=f"10.{n}.0.0/16")["Vpc"]["VpcId"] for n in range(5)]
    refused(ec2, lambda: ec2.create_vpc(CidrBlock="10.9.0.0/16"), "VpcLimitExceeded",
            contains=["maximum number of VPCs"])
    other_region = ec2_client(server, account, "eu-west-1")
    other_account = ec2_client(server, random_account())
    assert other_region.describe_vpcs()["Vpcs"] == []
    assert other_account.describe_vpcs()["Vpcs"] == []
    other_region.create_vpc(CidrBlock="10.9.0.0/16")
    expect_error(lambda: other_account.describe_vpcs(VpcIds=[ids[0]]), code="InvalidVpcID.NotFound")
    expect_error(lambda: other_account.delete_vpc(VpcId=ids[0]), code="InvalidVpcID.NotFound")


def test_describe_vpcs_filters_pages_and_names_what_is_missing(server, ec2, account):
    names = ["web-1", "web-2", "db", None, "web-3"]
    ids = []
    for n, name in enumerate(names):
        tags = [{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}]}] if name else []
        ids.append(ec2.create_vpc(CidrBlock=f"10.{n}.0.0/16", TagSpecifications=tags)["Vpc"]["VpcId"])

    def found(*filters):
        return {v["VpcId"] for v in ec2.describe_vpcs(Filters=[{"Name": n, "Values": v} for n, v in filters])["Vpcs"]}

    assert found(("tag:Name", ["web-*"])) == {ids[0], ids[1], ids[4]}
    assert found(("tag:Name", ["web-?", "db"]), ("cidr", ["10.2.0.0/16"])) == {ids[2]}
    assert found(("tag-key", ["Name"])) == set(ids) - {ids[3]}
    assert found(("vpc-id", [ids[3]]), ("state", ["available"]), ("owner-id", [account])) == {ids[3]}
    assert found(("is-default", ["true"])) == set()
    refused(ec2, lambda: found(("colour", ["red"])), "InvalidParameterValue", contains=["The filter 'colour' is invalid"])

    page = ec2.describe_vpcs(MaxResults=5)
    assert len(page["Vpcs"]) == 5 and "NextToken" not in page
    unchecked = ec2_client(server, account, validate=False)
    refused(ec2, lambda: unchecked.describe_vpcs(MaxResults=4), "InvalidParameterValue",
            contains=["between 5 and 1000"])
    refused(ec2, lambda: ec2.describe_vpcs(NextToken="bm90LWEtdG9rZW4="), "InvalidParameterValue",
            contains=["The token is invalid"])
    missing = "vpc-0123456789abcdef0"
    refused(ec2, lambda: ec2.describe_vpcs(VpcIds=[ids[0], missing]), "InvalidVpcID.NotFound",
            contains=[f"The vpc ID '{missing}' does not exist"])
    refused(ec2, lambda: ec2.describe_vpcs(VpcIds=[missing, "vpc-12345678"]), "InvalidVpcID.NotFound",
            contains=["do not exist"])
    refused(ec2, lambda: ec2.describe_vpcs(VpcIds=["subnet-12345678"]), "InvalidVpcID.Malformed")


# --- What Terraform's aws_vpc reads and changes besides (our choice, beyond SPEC 9) ------------------------------

ATTRIBUTES = ("enableDnsSupport", "enableDnsHostnames", "enableNetworkAddressUsageMetrics")


def attributes(ec2, vpc) -> dict:
    answers = {name: ec2.describe_vpc_attribute(VpcId=vpc, Attribute=name) for name in ATTRIBUTES}
    for name, answer in answers.items():
        assert answer["VpcId"] == vpc and set(answer) - {"ResponseMetadata"} == {"VpcId", name[0].upper() + name[1:]}
    return {name: answer[name[0].upper() + name[1:]]["Value"] for name, answer in answers.items()}


def test_a_vpcs_attributes_take_ec2s_defaults_and_change_one_at_a_time(server, ec2, account):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    other = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    defaults = {"enableDnsSupport": True, "enableDnsHostnames": False, "enableNetworkAddressUsageMetrics": False}
    assert attributes(ec2, vpc) == defaults
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableNetworkAddressUsageMetrics={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": False})
    changed = {"enableDnsSupport": False, "enableDnsHostnames": True, "enableNetworkAddressUsageMetrics": True}
    assert attributes(ec2, vpc) == changed
    assert attributes(ec2, other) == defaults

    def unchanged(call, code, words):
        expect_error(call, code=code, contains=words)
        assert (attributes(ec2, vpc), attributes(ec2, other)) == (changed, defaults)

    unchanged(lambda: ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True},
                                               EnableDnsHostnames={"Value": False}),
              "InvalidParameterCombination",
              ["Fields for multiple attribute types specified: enableDnsHostnames, enableDnsSupport"])
    unchanged(lambda: ec2.modify_vpc_attribute(VpcId=vpc), "MissingParameter", ["EnableDnsHostnames"])
    missing = "vpc-0123456789abcdef0"
    unchanged(lambda: ec2.modify_vpc_attribute(VpcId=missing, EnableDnsSupport={"Value": True}),
              "InvalidVpcID.NotFound", [f"The vpc ID '{missing}' does not exist"])
    unchanged(lambda: ec2.modify_vpc_attribute(VpcId="subnet-12345678", EnableDnsSupport={"Value": True}),
              "InvalidVpcID.Malformed", ["subnet-12345678"])
    unchanged(lambda: ec2.describe_vpc_attribute(VpcId=vpc, Attribute="enableIpv6"), "InvalidParameterValue",
              ["enableIpv6", "Unknown attribute"])
    unchanged(lambda: ec2.describe_vpc_attribute(VpcId=missing, Attribute="enableDnsSupport"),
              "InvalidVpcID.NotFound", [missing])
    stranger = ec2_client(server, random_account())
    unchanged(lambda: stranger.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True}),
              "InvalidVpcID.NotFound", [vpc])
    unchanged(lambda: ec2_client(server, account, "eu-west-1").describe_vpc_attribute(
        VpcId=vpc, Attribute="enableDnsSupport"), "InvalidVpcID.NotFound", [vpc])


def test_a_dedicated_vpc_changes_to_default_tenancy_only(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", InstanceTenancy="dedicated")["Vpc"]["VpcId"]
    refused(ec2, lambda: ec2.modify_vpc_tenancy(VpcId=vpc, InstanceTenancy="dedicated"),
            "InvalidParameterValue", contains=["can only be changed to default"])
    assert ec2.modify_vpc_tenancy(VpcId=vpc, InstanceTenancy="default")["ReturnValue"] is True
    (described,) = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]
    assert described["InstanceTenancy"] == "default"
    assert ec2.modify_vpc_tenancy(VpcId=vpc, InstanceTenancy="default")["ReturnValue"] is True
    refused(ec2, lambda: ec2.modify_vpc_tenancy(VpcId="vpc-0123456789abcdef0", InstanceTenancy="default"),
            "InvalidVpcID.NotFound")


def test_every_vpc_has_a_main_route_table_a_default_acl_and_a_default_security_group(server, ec2, account):
    vpcs = [ec2.create_vpc(CidrBlock=f"10.{n}.0.0/16")["Vpc"]["VpcId"] for n in range(3)]
    # What Terraform's aws_vpc asks for each VPC, with its filters.
    tables, acls, groups = {}, {}, {}
    for n, vpc in enumerate(vpcs):
        (tables[vpc],) = ec2.describe_route_tables(Filters=[
            {"Name": "association.main", "Values": ["true"]}, {"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
        (acls[vpc],) = ec2.describe_network_acls(Filters=[
            {"Name": "default", "Values": ["true"]}, {"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"]
        (groups[vpc],) = ec2.describe_security_groups(Filters=[
            {"Name": "group-name", "Values": ["default"]}, {"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"]
        table, acl, group = tables[vpc], acls[vpc], groups[vpc]
        assert re.fullmatch(r"rtb-[0-9a-f]{17}", table["RouteTableId"])
        (association,) = table["Associations"]
        assert association["Main"] is True and association["RouteTableId"] == table["RouteTableId"]
        assert re.fullmatch(r"rtbassoc-[0-9a-f]{17}", association["RouteTableAssociationId"])
        assert association["AssociationState"] == {"State": "associated"}
        assert table["Routes"] == [{"DestinationCidrBlock": f"10.{n}.0.0/16", "GatewayId": "local",
                                    "Origin": "CreateRouteTable", "State": "active"}]
        assert (table["VpcId"], table["OwnerId"], table["PropagatingVgws"], table["Tags"]) == (vpc, account, [], [])
        assert re.fullmatch(r"acl-[0-9a-f]{17}", acl["NetworkAclId"])
        assert (acl["IsDefault"], acl["VpcId"], acl["OwnerId"], acl["Associations"]) == (True, vpc, account, [])
        assert sorted((e["Egress"], e["RuleNumber"], e["RuleAction"], e["Protocol"], e["CidrBlock"])
                      for e in acl["Entries"]) == [
            (False, 100, "allow", "-1", "0.0.0.0/0"), (False, 32767, "deny", "-1", "0.0.0.0/0"),
            (True, 100, "allow", "-1", "0.0.0.0/0"), (True, 32767, "deny", "-1", "0.0.0.0/0")]
        sg = group["GroupId"]
        assert re.fullmatch(r"sg-[0-9a-f]{17}", sg)
        assert (group["GroupName"], group["Description"], group["VpcId"], group["OwnerId"]) == (
            "default", "default VPC security group", vpc, account)
        assert group["SecurityGroupArn"] == f"arn:aws:ec2:us-east-1:{account}:security-group/{sg}"
        (inbound,) = group["IpPermissions"]
        assert inbound["IpProtocol"] == "-1" and inbound["IpRanges"] == []
        assert inbound["UserIdGroupPairs"] == [{"GroupId": sg, "UserId": account}]
        (outbound,) = group["IpPermissionsEgress"]
        assert outbound["IpProtocol"] == "-1" and outbound["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    for found in (tables, acls, groups):
        assert len({json.dumps(v, sort_keys=True) for v in found.values()}) == 3

    # By ID, every one, and each ID stays what it was.
    ids = {"rtb": [t["RouteTableId"] for t in tables.values()], "acl": [a["NetworkAclId"] for a in acls.values()],
           "sg": [g["GroupId"] for g in groups.values()]}
    assert ec2.describe_route_tables(RouteTableIds=ids["rtb"][:1])["RouteTables"] == [tables[vpcs[0]]]
    assert ec2.describe_network_acls(NetworkAclIds=ids["acl"][1:2])["NetworkAcls"] == [acls[vpcs[1]]]
    assert ec2.describe_security_groups(GroupIds=ids["sg"][2:])["SecurityGroups"] == [groups[vpcs[2]]]
    assert sorted(t["RouteTableId"] for t in ec2.describe_route_tables()["RouteTables"]) == sorted(ids["rtb"])
    assert {a["NetworkAclId"] for a in ec2.describe_network_acls(Filters=[
        {"Name": "entry.rule-number", "Values": ["32767"]}])["NetworkAcls"]} == set(ids["acl"])
    assert ec2.describe_route_tables(Filters=[
        {"Name": "route.destination-cidr-block", "Values": ["10.2.0.0/16"]}])["RouteTables"] == [tables[vpcs[2]]]
    assert ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["web"]}])["SecurityGroups"] == []
    assert ec2.describe_route_tables(Filters=[{"Name": "association.main", "Values": ["false"]}])["RouteTables"] == []

    # EC2's codes for what is not there or not an ID, and the default VPC that dxlocal's accounts do not have.
    missing = "rtb-0123456789abcdef0"
    refused(ec2, lambda: ec2.describe_route_tables(RouteTableIds=[ids["rtb"][0], missing]),
            "InvalidRouteTableID.NotFound", contains=[f"The routeTable ID '{missing}' does not exist"])
    refused(ec2, lambda: ec2.describe_route_tables(RouteTableIds=["vpc-12345678"]), "InvalidRouteTableId.Malformed")
    refused(ec2, lambda: ec2.describe_network_acls(NetworkAclIds=["acl-0123456789abcdef0"]),
            "InvalidNetworkAclID.NotFound", contains=["The networkAcl ID 'acl-0123456789abcdef0' does not exist"])
    refused(ec2, lambda: ec2.describe_security_groups(GroupIds=["sg-0123456789abcdef0"]), "InvalidGroup.NotFound",
            contains=["The security group 'sg-0123456789abcdef0' does not exist"])
    refused(ec2, lambda: ec2.describe_security_groups(GroupIds=["sg-12345678", "sg-87654321"]),
            "InvalidGroup.NotFound", contains=["The security groups 'sg-12345678, sg-87654321' do not exist"])
    unchecked = ec2_client(server, account, validate=False)
    refused(ec2, lambda: unchecked.describe_route_tables(MaxResults=101), "InvalidParameterValue",
            contains=["Parameter must be between 5 and 100."])
    assert len(ec2.describe_route_tables(MaxResults=100)["RouteTables"]) == 3
    refused(ec2, lambda: unchecked.describe_security_groups(MaxResults=1001), "InvalidParameterValue",
            contains=["Parameter must be between 5 and 1000."])
    refused(ec2, lambda: ec2.describe_security_groups(GroupIds=["default"]), "InvalidGroupId.Malformed")
    refused(ec2, lambda: ec2.describe_security_groups(GroupNames=["default"]), "VPCIdNotSpecified",
            contains=["No default VPC for this user"])
    refused(ec2, lambda: ec2.describe_network_acls(Filters=[{"Name": "colour", "Values": ["red"]}]),
            "InvalidParameterValue", contains=["The filter 'colour' is invalid"])
    stranger = ec2_client(server, random_account())
    assert stranger.describe_route_tables()["RouteTables"] == []
    expect_error(lambda: stranger.describe_security_groups(GroupIds=ids["sg"][:1]), code="InvalidGroup.NotFound")
    assert ec2_client(server, account, "eu-west-1").describe_network_acls()["NetworkAcls"] == []

    # They go with their VPC.
    ec2.delete_vpc(VpcId=vpcs[0])
    assert sorted(t["RouteTableId"] for t in ec2.describe_route_tables()["RouteTables"]) == sorted(ids["rtb"][1:])
    expect_error(lambda: ec2.describe_network_acls(NetworkAclIds=ids["acl"][:1]), code="InvalidNetworkAclID.NotFound")


def test_a_main_route_table_propagates_the_vpn_gateway_attached_to_its_vpc(server, ec2, account):
    vpc, other = (ec2.create_vpc(CidrBlock=block)["Vpc"]["VpcId"] for block in ("10.0.0.0/16", "10.1.0.0/16"))
    gateway = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]

    def main_table(of: str) -> dict:
        (table,) = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [of]}])["RouteTables"]
        return table

    table, other_table = main_table(vpc)["RouteTableId"], main_table(other)["RouteTableId"]
    # Terraform's aws_vpn_gateway_route_propagation retries this code until the attachment is there.
    refused(ec2, lambda: ec2.enable_vgw_route_propagation(GatewayId=gateway, RouteTableId=table),
            "Gateway.NotAttached", contains=[gateway, vpc])
    ec2.attach_vpn_gateway(VpnGatewayId=gateway, VpcId=vpc)
    refused(ec2, lambda: ec2.enable_vgw_route_propagation(GatewayId=gateway, RouteTableId=other_table),
            "Gateway.NotAttached", contains=[gateway, other])
    ec2.enable_vgw_route_propagation(GatewayId=gateway, RouteTableId=table)
    ec2.enable_vgw_route_propagation(GatewayId=gateway, RouteTableId=table)
    assert main_table(vpc)["PropagatingVgws"] == [{"GatewayId": gateway}]
    assert main_table(other)["PropagatingVgws"] == []
    assert main_table(vpc)["Routes"] == [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local",
                                          "Origin": "CreateRouteTable", "State": "active"}]

    missing_table, missing_gateway = "rtb-0123456789abcdef0", "vgw-0123456789abcdef0"
    for call, code, words in [
        (lambda: ec2.enable_vgw_route_propagation(GatewayId=gateway, RouteTableId=missing_table),
         "InvalidRouteTableID.NotFound", [missing_table]),
        (lambda: ec2.disable_vgw_route_propagation(GatewayId=missing_gateway, RouteTableId=table),
         "InvalidVpnGatewayID.NotFound", [missing_gateway]),
        (lambda: ec2.disable_vgw_route_propagation(GatewayId=gateway, RouteTableId=vpc),
         "InvalidRouteTableId.Malformed", [vpc]),
        (lambda: ec2.enable_vgw_route_propagation(GatewayId=table, RouteTableId=table),
         "InvalidVpnGatewayID.Malformed", [table]),
        (lambda: ec2_client(server, random_account()).disable_vgw_route_propagation(
            GatewayId=gateway, RouteTableId=table), "InvalidRouteTableID.NotFound", [table]),
    ]:
        refused(ec2, call, code, contains=words)
        assert main_table(vpc)["PropagatingVgws"] == [{"GatewayId": gateway}]

    ec2.disable_vgw_route_propagation(GatewayId=gateway, RouteTableId=table)
    assert main_table(vpc)["PropagatingVgws"] == []
    ec2.disable_vgw_route_propagation(GatewayId=gateway, RouteTableId=table)
    # A gateway detached from the VPC is propagated no more.
    ec2.enable_vgw_route_propagation(GatewayId=gateway, RouteTableId=table)
    ec2.detach_vpn_gateway(VpnGatewayId=gateway, VpcId=vpc)
    assert main_table(vpc)["PropagatingVgws"] == []


# --- VPN gateways -----------------------------------------------------------------------------------------------

def test_a_gateway_attaches_to_one_vpc_and_a_vpc_takes_one_gateway(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    other_vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    created = ec2.create_vpn_gateway(Type="ipsec.1", AmazonSideAsn=65000)["VpnGateway"]
    assert VGW_ID.match(created["VpnGatewayId"])
    assert created == {"AmazonSideAsn": 65000, "VpnGatewayId": created["VpnGatewayId"], "State": "available",
                       "Type": "ipsec.1", "VpcAttachments": []}
    vgw = created["VpnGatewayId"]
    second = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]
    assert second["AmazonSideAsn"] == 64512

    attached = ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)["VpcAttachment"]
    assert attached == {"VpcId": vpc, "State": "attaching"}
    (described,) = ec2.describe_vpn_gateways(VpnGatewayIds=[vgw])["VpnGateways"]
    assert described["VpcAttachments"] == [{"VpcId": vpc, "State": "attached"}]
    by_vpc = ec2.describe_vpn_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc]}])["VpnGateways"]
    assert [g["VpnGatewayId"] for g in by_vpc] == [vgw]

    refused(ec2, lambda: ec2.attach_vpn_gateway(VpcId=other_vpc, VpnGatewayId=vgw),
            "VpnGatewayAttachmentLimitExceeded", contains=[vgw, vpc])
    refused(ec2, lambda: ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=second["VpnGatewayId"]),
            "VpnGatewayAttachmentLimitExceeded", contains=[vpc, vgw])
    refused(ec2, lambda: ec2.delete_vpc(VpcId=vpc), "DependencyViolation", contains=["has dependencies"])
    refused(ec2, lambda: ec2.delete_vpn_gateway(VpnGatewayId=vgw), "IncorrectState",
            contains=["The VPN gateway is in use."])
    refused(ec2, lambda: ec2.detach_vpn_gateway(VpcId=other_vpc, VpnGatewayId=vgw),
            "InvalidVpnGatewayAttachment.NotFound", contains=[vgw, other_vpc])
    refused(ec2, lambda: ec2.attach_vpn_gateway(VpcId="vpc-12345678", VpnGatewayId=vgw), "InvalidVpcID.NotFound")

    ec2.detach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
    (detached,) = ec2.describe_vpn_gateways(VpnGatewayIds=[vgw])["VpnGateways"]
    assert detached["VpcAttachments"] == [{"VpcId": vpc, "State": "detached"}]
    # Attached again, to its VPC or another, the gateway lists the new attachment alone (Terraform reads the first
    # one of the VPC it looks for; amazon.aws' ec2_vpc_vgw waits for every one listed to read attached).
    for _ in range(2):
        ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
        (again,) = ec2.describe_vpn_gateways(VpnGatewayIds=[vgw])["VpnGateways"]
        assert again["VpcAttachments"] == [{"VpcId": vpc, "State": "attached"}]
        ec2.detach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
    ec2.attach_vpn_gateway(VpcId=other_vpc, VpnGatewayId=vgw)
    (moved,) = ec2.describe_vpn_gateways(VpnGatewayIds=[vgw])["VpnGateways"]
    assert moved["VpcAttachments"] == [{"VpcId": other_vpc, "State": "attached"}]
    ec2.detach_vpn_gateway(VpcId=other_vpc, VpnGatewayId=vgw)
    ec2.delete_vpn_gateway(VpnGatewayId=vgw)
    ec2.delete_vpc(VpcId=vpc)
    refused(ec2, lambda: ec2.describe_vpn_gateways(VpnGatewayIds=[vgw]), "InvalidVpnGatewayID.NotFound",
            contains=[f"The vpnGateway ID '{vgw}' does not exist"])


@pytest.mark.parametrize("kwargs, code", [
    ({"Type": "ipsec.2"}, "InvalidParameterValue"),
    ({"Type": "ipsec.1", "AmazonSideAsn": 64511}, "InvalidParameterValue"),
    ({"Type": "ipsec.1", "AmazonSideAsn": 4294967295}, "InvalidParameterValue"),
])
def test_a_bad_vpn_gateway_is_refused(ec2, kwargs, code):
    refused(ec2, lambda: ec2.create_vpn_gateway(**kwargs), code)


def test_five_vpn_gateways_a_region(ec2):
    for _ in range(5):
        ec2.create_vpn_gateway(Type="ipsec.1")
    refused(ec2, lambda: ec2.create_vpn_gateway(Type="ipsec.1"), "VpnGatewayLimitExceeded")


# --- Transit gateways -------------------------------------------------------------------------------------------

def test_a_transit_gateway_takes_ec2s_defaults_and_reads_deleted_once_deleted(ec2, account):
    created = ec2.create_transit_gateway(Description="core", TagSpecifications=[
        {"ResourceType": "transit-gateway", "Tags": [{"Key": "Name", "Value": "core"}]}])["TransitGateway"]
    tgw = created["TransitGatewayId"]
    assert TGW_ID.match(tgw)
    assert created["State"] == "pending"
    assert created["TransitGatewayArn"] == f"arn:aws:ec2:us-east-1:{account}:transit-gateway/{tgw}"
    assert created["OwnerId"] == account and created["Description"] == "core"
    options = created["Options"]
    route_table = options["AssociationDefaultRouteTableId"]
    assert route_table.startswith("tgw-rtb-") and options["PropagationDefaultRouteTableId"] == route_table
    assert {k: v for k, v in options.items() if not k.endswith("RouteTableId")} == {
        "AmazonSideAsn": 64512, "AutoAcceptSharedAttachments": "disable", "DefaultRouteTableAssociation": "enable",
        "DefaultRouteTablePropagation": "enable", "VpnEcmpSupport": "enable", "DnsSupport": "enable",
        "SecurityGroupReferencingSupport": "disable", "MulticastSupport": "disable"}
    (described,) = ec2.describe_transit_gateways(TransitGatewayIds=[tgw])["TransitGateways"]
    assert described == {**created, "State": "available"}
    by_asn = ec2.describe_transit_gateways(Filters=[{"Name": "options.amazon-side-asn", "Values": ["64512"]}])
    assert [g["TransitGatewayId"] for g in by_asn["TransitGateways"]] == [tgw]
    refused(ec2, lambda: ec2.create_transit_gateway(Options={"DnsSupport": "maybe"}), "InvalidParameterValue",
            contains=["enable or disable"])
    # Untagged, a described gateway lists an empty set of tags, as EC2 does (amazon.aws reads `Tags` so).
    plain = ec2.create_transit_gateway()["TransitGateway"]
    assert "Tags" not in plain
    (plain_described,) = ec2.describe_transit_gateways(TransitGatewayIds=[plain["TransitGatewayId"]])[
        "TransitGateways"]
    assert plain_described["Tags"] == []

    assert ec2.delete_transit_gateway(TransitGatewayId=tgw)["TransitGateway"]["State"] == "deleting"
    # Deleted, it is still listed (EC2 lists a deleted gateway for a while; amazon.aws' module waits for `deleted`
    # and reads it back), and no other call finds it.
    (deleted,) = ec2.describe_transit_gateways(TransitGatewayIds=[tgw])["TransitGateways"]
    assert deleted == {**described, "State": "deleted"}
    by_state = ec2.describe_transit_gateways(Filters=[{"Name": "state", "Values": ["deleted"]}])["TransitGateways"]
    assert [g["TransitGatewayId"] for g in by_state] == [tgw]
    refused(ec2, lambda: ec2.delete_transit_gateway(TransitGatewayId=tgw), "InvalidTransitGatewayID.NotFound")
    refused(ec2, lambda: ec2.create_tags(Resources=[tgw], Tags=[{"Key": "k", "Value": "v"}]),
            "InvalidTransitGatewayID.NotFound")
    assert ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [tgw]}])["Tags"] == []


def test_a_deleted_transit_gateway_is_listed_for_15_minutes_and_associated_never(clock_server, account):
    ec2 = ec2_client(clock_server, account)
    dx = dxhelpers.make_client(clock_server.url, account=account)
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    ec2.delete_transit_gateway(TransitGatewayId=tgw)
    gateway = dx.create_direct_connect_gateway(directConnectGatewayName="after", amazonSideAsn=65000)[
        "directConnectGateway"]["directConnectGatewayId"]
    with pytest.raises(ClientError) as caught:
        dx.create_direct_connect_gateway_association(directConnectGatewayId=gateway, gatewayId=tgw,
                                                     addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.0.0.0/16"}])
    assert caught.value.response["Error"]["Message"] == f"The TransitGateway {tgw} does not exist."
    dxhelpers.advance_clock(clock_server, 15 * 60 - 5)
    assert [g["State"] for g in ec2.describe_transit_gateways()["TransitGateways"]] == ["deleted"]
    dxhelpers.advance_clock(clock_server, 10)
    assert ec2.describe_transit_gateways()["TransitGateways"] == []
    refused(ec2, lambda: ec2.describe_transit_gateways(TransitGatewayIds=[tgw]), "InvalidTransitGatewayID.NotFound",
            contains=[tgw, "was deleted or does not exist"])


def test_transit_gateway_attachments_start_empty_and_name_what_is_missing(ec2):
    assert ec2.describe_transit_gateway_attachments()["TransitGatewayAttachments"] == []
    expect_error(lambda: ec2.describe_transit_gateway_attachments(
        TransitGatewayAttachmentIds=["tgw-attach-0123456789abcdef0"]), code="InvalidTransitGatewayAttachmentID.NotFound")
    expect_error(lambda: ec2.describe_transit_gateway_attachments(Filters=[{"Name": "nope", "Values": ["x"]}]),
                 code="InvalidParameterValue")


# --- Tags -------------------------------------------------------------------------------------------------------

def tags_of(ec2, vpc, vgw, tgw) -> list[dict]:
    (v,) = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]
    (g,) = ec2.describe_vpn_gateways(VpnGatewayIds=[vgw])["VpnGateways"]
    (t,) = ec2.describe_transit_gateways(TransitGatewayIds=[tgw])["TransitGateways"]
    return [{tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])} for resource in (v, g, t)]


def test_create_and_delete_tags_change_the_slices_resources_all_or_nothing(ec2):
    """CreateTags and DeleteTags (our choice beyond SPEC 9: Terraform changes the tags of its EC2 resources with
    them) on VPCs, VPN gateways and transit gateways, EC2's rules for values and deletions, one request all or
    nothing."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    vgw = ec2.create_vpn_gateway(Type="ipsec.1", TagSpecifications=[
        {"ResourceType": "vpn-gateway", "Tags": [{"Key": "Name", "Value": "old"}]}])["VpnGateway"]["VpnGatewayId"]
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    ec2.create_tags(Resources=[vpc, vgw, tgw], Tags=[{"Key": "Name", "Value": "new"}, {"Key": "team", "Value": ""}])
    assert tags_of(ec2, vpc, vgw, tgw) == [{"Name": "new", "team": ""}] * 3
    assert [g["VpnGatewayId"] for g in ec2.describe_vpn_gateways(
        Filters=[{"Name": "tag:Name", "Values": ["new"]}])["VpnGateways"]] == [vgw]

    missing = "vpc-0123456789abcdef0"
    refused(ec2, lambda: ec2.create_tags(Resources=[vgw, missing], Tags=[{"Key": "x", "Value": "y"}]),
            "InvalidVpcID.NotFound", contains=[missing])
    refused(ec2, lambda: ec2.create_tags(Resources=[vgw, "i-0123456789abcdef0"], Tags=[{"Key": "x", "Value": "y"}]),
            "InvalidID", contains=["i-0123456789abcdef0"])
    refused(ec2, lambda: ec2.create_tags(Resources=[vgw], Tags=[{"Key": "aws:x", "Value": "y"}]),
            "InvalidParameterValue", contains=["reserved"])
    refused(ec2, lambda: ec2.create_tags(Resources=[vgw] * 1001, Tags=[{"Key": "x", "Value": "y"}]),
            "InvalidParameterValue", contains=["at most 1000 resources"])
    refused(ec2, lambda: ec2.create_tags(Resources=[vgw], Tags=[{"Key": f"k{n}", "Value": "v"} for n in range(49)]),
            "TagLimitExceeded")
    assert tags_of(ec2, vpc, vgw, tgw) == [{"Name": "new", "team": ""}] * 3

    # A value given deletes only a tag of that value ("" included); none given, whatever its value; no tags, all.
    ec2.delete_tags(Resources=[vpc, vgw], Tags=[{"Key": "Name", "Value": "other"}, {"Key": "team", "Value": ""}])
    assert tags_of(ec2, vpc, vgw, tgw) == [{"Name": "new"}, {"Name": "new"}, {"Name": "new", "team": ""}]
    ec2.delete_tags(Resources=[vpc], Tags=[{"Key": "Name"}])
    ec2.delete_tags(Resources=[tgw])
    assert tags_of(ec2, vpc, vgw, tgw) == [{}, {"Name": "new"}, {}]
    refused(ec2, lambda: ec2.delete_tags(Resources=[vgw, "tgw-0123456789abcdef0"]), "InvalidTransitGatewayID.NotFound")
    assert tags_of(ec2, vpc, vgw, tgw) == [{}, {"Name": "new"}, {}]


def test_describe_tags_lists_filters_and_pages_the_tags_of_the_slice(ec2, server):
    """DescribeTags, as Terraform reads the tags of a transit gateway it changed: by resource ID and key, EC2's
    filters, pages of 5 to 1000; another account's or region's tags are not listed."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    ec2.create_tags(Resources=[vpc, vgw, tgw], Tags=[{"Key": "Name", "Value": "n"}, {"Key": "env", "Value": "test"}])
    ec2.create_tags(Resources=[vgw], Tags=[{"Key": f"k{n}", "Value": str(n)} for n in range(6)])
    ec2_client(server, dxhelpers.random_account()).create_vpc(CidrBlock="10.1.0.0/16")
    everything = ec2.describe_tags()["Tags"]
    assert len(everything) == 12
    assert [(t["ResourceId"], t["Key"]) for t in everything] == sorted((t["ResourceId"], t["Key"]) for t in everything)
    assert {"Key": "env", "ResourceId": tgw, "ResourceType": "transit-gateway", "Value": "test"} in everything
    by_resource = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [tgw]}])["Tags"]
    assert [(t["Key"], t["Value"]) for t in by_resource] == [("Name", "n"), ("env", "test")]
    by_type = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["vpn-gateway"]},
                                         {"Name": "key", "Values": ["k*"]}])["Tags"]
    assert [t["Key"] for t in by_type] == [f"k{n}" for n in range(6)]
    assert [t["ResourceId"] for t in ec2.describe_tags(Filters=[{"Name": "value", "Values": ["test"]}])["Tags"]] == \
        sorted([vpc, vgw, tgw])
    pages, token = [], None
    while True:
        reply = ec2.describe_tags(MaxResults=5, **({"NextToken": token} if token else {}))
        pages.append(reply["Tags"])
        token = reply.get("NextToken")
        if not token:
            break
    assert [len(page) for page in pages] == [5, 5, 2] and sum(pages, []) == everything
    refused(ec2, lambda: ec2.describe_tags(Filters=[{"Name": "colour", "Values": ["x"]}]), "InvalidParameterValue")
    refused(ec2, lambda: ec2.describe_tags(MaxResults=4), "InvalidParameterValue")


# --- The protocol -----------------------------------------------------------------------------------------------

def post_form(server, body: str, account=None):
    return dxhelpers.raw_request(server.url, body=body.encode(), account=account,
                                 content_type="application/x-www-form-urlencoded; charset=utf-8")


def xml_error(resp) -> tuple[str, str, str]:
    assert resp.header("Content-Type").startswith("text/xml"), resp.headers
    root = ElementTree.fromstring(resp.body)
    assert root.tag == "Response"
    return root.findtext("Errors/Error/Code"), root.findtext("Errors/Error/Message"), root.findtext("RequestID")


@pytest.mark.parametrize("body, status, code", [
    ("Action=Bogus&Version=2016-11-15", 400, "InvalidAction"),
    ("Version=2016-11-15", 400, "MissingAction"),
    ("Action=CreateSubnet&Version=2016-11-15&VpcId=vpc-12345678&CidrBlock=10.0.0.0%2F24", 501, "NotImplemented"),
    ("Action=CreateVpc&Version=2016-11-15&CidrBlock=%ZZ", 400, "MalformedQueryString"),
    ("Action=CreateVpc&Version=2016-11-15&CidrBlock=a&CidrBlock=b", 400, "MalformedQueryString"),
    ("Action=DescribeVpcs&Version=2016-11-15&MaxResults=lots", 400, "InvalidParameterValue"),
])
def test_errors_take_ec2s_xml_form_with_the_request_id(server, account, body, status, code):
    resp = post_form(server, body, account)
    assert resp.status == status, resp
    found, message, request_id = xml_error(resp)
    assert found == code, resp.body
    assert message
    assert request_id == resp.header("x-amzn-RequestId")
    assert dxhelpers.UUID_RE.match(request_id)


@pytest.mark.parametrize("parameters, unrecognized", [
    # ModifyVpcAttribute has no DryRun: a dry run that changed the VPC would be the worst answer.
    ("Action=ModifyVpcAttribute&VpcId={vpc}&EnableDnsSupport.Value=false&DryRun=true", "DryRun"),
    ("Action=ModifyVpcAttribute&VpcId={vpc}&EnableDnsSupport.Value=false&EnableDnsSupport.Valu=true", "Valu"),
    ("Action=ModifyVpcAttribute&VpcId={vpc}&EnableDnsSupport.Value.1=false", "1"),
    ("Action=DescribeVpcs&Filter.1.Name=vpc-id&Filter.1.Values.1={vpc}", "Values"),
    ("Action=DescribeVpcs&VpcId.0={vpc}", "0"),
    ("Action=DeleteTags&ResourceId.1={vpc}&Tag.2.Key=drop", "2"),
    ("Action=DescribeVpcs&VpcId.2={vpc}", "2"),
    ("Action=DescribeVpcs&vpcId.1={vpc}", "vpcId"),
    ("Action=CreateVpc&CidrBlock=10.9.0.0%2F16&Ipv6CidrBlockNetworkBorderGroupX=a", "Ipv6CidrBlockNetworkBorderGroupX"),
])
def test_a_parameter_the_action_does_not_have_is_refused_naming_it(server, ec2, account, parameters, unrecognized):
    """EC2 answers `UnknownParameter` ("The parameter X is not recognized", X the first part of the name it does not
    know) rather than ignoring what a client meant; a list's index after a gap is not read, so it is refused too."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    before = (holdings(ec2), attributes(ec2, vpc))
    resp = post_form(server, parameters.format(vpc=vpc) + "&Version=2016-11-15", account)
    found, message, _ = xml_error(resp)
    assert (resp.status, found, message) == (400, "UnknownParameter", f"The parameter {unrecognized} is not recognized")
    assert (holdings(ec2), attributes(ec2, vpc)) == before
    # EC2's common parameters (a body signed with Signature Version 4 or 2 names its signature's) are taken.
    ok = post_form(server, f"Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1={vpc}"
                           "&X-Amz-Security-Token=t&X-Amz-Date=20261208T000000Z&SignatureVersion=2&Timestamp=t", account)
    assert ok.status == 200 and vpc.encode() in ok.body


def test_a_reply_is_xml_with_the_request_id_in_its_envelope(server, account):
    resp = post_form(server, "Action=DescribeVpcs&Version=2016-11-15", account)
    assert resp.status == 200 and resp.header("Content-Type").startswith("text/xml"), resp
    root = ElementTree.fromstring(resp.body)
    namespace = "{http://ec2.amazonaws.com/doc/2016-11-15/}"
    assert root.tag == f"{namespace}DescribeVpcsResponse"
    assert root.findtext(f"{namespace}requestId") == resp.header("x-amzn-RequestId")
    # An EC2 action never answers as JSON, and a Direct Connect target never reaches EC2.
    assert dxhelpers.raw_request(server.url, target="EC2.DescribeVpcs", body=b"{}", account=account).status == 400


def test_the_aws_cli_drives_the_slice(server, account, tmp_path):
    def cli(*args):
        result = run_service_cli("ec2", server.url, account, tmp_path, *args)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if result.stdout.strip() else {}

    vpc = cli("create-vpc", "--cidr-block", "10.30.0.0/16")["Vpc"]["VpcId"]
    vgw = cli("create-vpn-gateway", "--type", "ipsec.1", "--amazon-side-asn", "65100")["VpnGateway"]["VpnGatewayId"]
    assert cli("attach-vpn-gateway", "--vpc-id", vpc, "--vpn-gateway-id", vgw)["VpcAttachment"]["State"] == "attaching"
    (gateway,) = cli("describe-vpn-gateways", "--filters", f"Name=attachment.vpc-id,Values={vpc}")["VpnGateways"]
    assert gateway["VpnGatewayId"] == vgw and gateway["AmazonSideAsn"] == 65100
    failed = run_service_cli("ec2", server.url, account, tmp_path, "delete-vpc", "--vpc-id", vpc)
    assert failed.returncode != 0 and "DependencyViolation" in failed.stderr
    cli("detach-vpn-gateway", "--vpc-id", vpc, "--vpn-gateway-id", vgw)
    cli("delete-vpn-gateway", "--vpn-gateway-id", vgw)
    cli("delete-vpc", "--vpc-id", vpc)
    assert cli("describe-vpcs")["Vpcs"] == []
    tgw = cli("create-transit-gateway", "--description", "cli")["TransitGateway"]
    assert tgw["State"] == "pending"
    listed = cli("describe-transit-gateways", "--transit-gateway-ids", tgw["TransitGatewayId"])["TransitGateways"]
    assert [t["State"] for t in listed] == ["available"]
