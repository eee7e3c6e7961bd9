"""Terraform itself (not a replay of its calls): the README's `provider "aws"` block, read from the README, applies,
plans no change and destroys a MACsec connection with a key, a LAG, a gateway, a private interface with a second
BGP peer, a partner's hosted interface accepted into the gateway, a VPN gateway attached to an `aws_vpc` (read back
by the `aws_vpc` data source, its main route table, default network ACL and security group with it) whose main
route table propagates the gateway's routes, and a transit
gateway, each associated with a Direct Connect gateway, every taggable one tagged (the EC2 gateways' tags and the
VPC's DNS hostnames changed in place by a second apply); a second test applies, changes in place and destroys the provider's other Direct Connect
resources and data sources. The provider
builds the ARNs it tags and reads tags by from the account it knows, and the README's block skips asking for it
(`skip_requesting_account_id`), so those ARNs carry no account (our choice: the caller's account stands in).

Needs `terraform` on the PATH and the hashicorp/aws provider in a filesystem mirror (DXLOCAL_TF_PROVIDER_MIRROR,
/opt/tf-plugins by default): scripts/test checks both before the suites and fails when either is missing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import dxhelpers

pytestmark = pytest.mark.third_party

MIRROR = Path(os.environ.get("DXLOCAL_TF_PROVIDER_MIRROR", "/opt/tf-plugins"))
README = Path(__file__).resolve().parents[2] / "README.md"
README_ENDPOINT = "http://127.0.0.1:4587"
CUSTOMER = "111122223333"  # the README block's access key, so its account
PARTNER = "444455556666"
CKN = "0123456789abcdef" * 4
CAK = "fedcba9876543210" * 4


def readme_provider_block() -> str:
    """The `provider "aws"` block the README gives for Terraform, as written there."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("- **Terraform** (AWS provider):"):]
    match = re.search(r"```hcl\n(.*?)```", section, re.S)
    assert match, "README: no ```hcl block after the Terraform bullet"
    block = "\n".join(line[2:] if line.startswith("  ") else line for line in match.group(1).splitlines())
    assert block.lstrip().startswith('provider "aws" {') and README_ENDPOINT in block, block
    assert f'access_key                  = "{CUSTOMER}"' in block, block
    return block


FIRST_EC2_TAGS = ('{ Name = "tf-vgw", keep = "yes" }', '{ Name = "tf-tgw" }')
# Changed in place: Terraform deletes the tags that go (DeleteTags) and sets the rest (CreateTags).
SECOND_EC2_TAGS = ('{ Name = "tf-vgw-2", added = "yes" }', '{}')


def providers(url: str, customer: str = CUSTOMER, partner: str = PARTNER) -> str:
    """The README's provider block for `customer`, and the same block aliased `partner` for `partner`."""
    readme = readme_provider_block().replace(README_ENDPOINT, url).replace(f'"{CUSTOMER}"', f'"{customer}"')
    other = readme.replace('provider "aws" {', 'provider "aws" {\n  alias = "partner"', 1).replace(
        f'"{customer}"', f'"{partner}"')
    return f"""
terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws" }}
  }}
}}

{readme}

{other}
"""


def configuration(url: str, ec2_tags: tuple[str, str] = FIRST_EC2_TAGS, dns_hostnames: bool = True) -> str:
    return providers(url) + f"""
data "aws_dx_location" "here" {{
  location_code = "EqDC2"
}}

resource "aws_dx_connection" "c" {{
  name           = "tf-macsec"
  bandwidth      = "10Gbps"
  location       = data.aws_dx_location.here.location_code
  request_macsec = true
  tags           = {{ team = "net" }}
}}

resource "aws_dx_macsec_key_association" "k" {{
  connection_id = aws_dx_connection.c.id
  ckn           = "{CKN}"
  cak           = "{CAK}"
}}

resource "aws_dx_lag" "l" {{
  name                  = "tf-lag"
  connections_bandwidth = "10Gbps"
  location              = "EqDC2"
  tags                  = {{ tier = "core" }}
}}

resource "aws_dx_gateway" "g" {{
  name            = "tf-gateway"
  amazon_side_asn = "64512"
}}

resource "aws_dx_private_virtual_interface" "v" {{
  connection_id  = aws_dx_connection.c.id
  name           = "tf-vif"
  vlan           = 101
  address_family = "ipv4"
  bgp_asn        = 65000
  dx_gateway_id  = aws_dx_gateway.g.id
  tags           = {{ env = "test" }}
}}

resource "aws_dx_bgp_peer" "v6" {{
  virtual_interface_id = aws_dx_private_virtual_interface.v.id
  address_family       = "ipv6"
  bgp_asn              = 65001
}}

# The EC2 gateways Direct Connect connects to: a VPN gateway attached to a VPC, a transit gateway, each associated
# with a Direct Connect gateway.
resource "aws_vpc" "v" {{
  cidr_block           = "10.60.0.0/16"
  enable_dns_hostnames = {str(dns_hostnames).lower()}
  tags                 = {{ Name = "tf-vpc" }}
}}

data "aws_vpc" "v" {{
  id = aws_vpc.v.id
}}

resource "aws_vpn_gateway" "vgw" {{
  amazon_side_asn = 64620
  tags            = {ec2_tags[0]}
}}

resource "aws_vpn_gateway_attachment" "vgw" {{
  vpc_id         = aws_vpc.v.id
  vpn_gateway_id = aws_vpn_gateway.vgw.id
}}

resource "aws_vpn_gateway_route_propagation" "vgw" {{
  vpn_gateway_id = aws_vpn_gateway_attachment.vgw.vpn_gateway_id
  route_table_id = aws_vpc.v.main_route_table_id
}}

resource "aws_dx_gateway_association" "vgw" {{
  dx_gateway_id         = aws_dx_gateway.g.id
  associated_gateway_id = aws_vpn_gateway_attachment.vgw.vpn_gateway_id
}}

resource "aws_ec2_transit_gateway" "tgw" {{
  amazon_side_asn = 64600
  tags            = {ec2_tags[1]}
}}

resource "aws_dx_gateway" "transit" {{
  name            = "tf-transit"
  amazon_side_asn = "64513"
}}

resource "aws_dx_gateway_association" "tgw" {{
  dx_gateway_id         = aws_dx_gateway.transit.id
  associated_gateway_id = aws_ec2_transit_gateway.tgw.id
  allowed_prefixes      = ["10.200.0.0/16"]
}}

resource "aws_dx_connection" "partner" {{
  provider  = aws.partner
  name      = "tf-partner-port"
  bandwidth = "10Gbps"
  location  = "EqDC2"
}}

resource "aws_dx_hosted_private_virtual_interface" "hosted" {{
  provider         = aws.partner
  connection_id    = aws_dx_connection.partner.id
  owner_account_id = "{CUSTOMER}"
  name             = "tf-hosted"
  vlan             = 77
  address_family   = "ipv4"
  bgp_asn          = 65002
}}

resource "aws_dx_hosted_private_virtual_interface_accepter" "accepted" {{
  virtual_interface_id = aws_dx_hosted_private_virtual_interface.hosted.id
  dx_gateway_id        = aws_dx_gateway.g.id
  tags                 = {{ side = "customer" }}
}}

output "connection" {{ value = aws_dx_connection.c.id }}
output "lag" {{ value = aws_dx_lag.l.id }}
output "vif" {{ value = aws_dx_private_virtual_interface.v.id }}
output "hosted" {{ value = aws_dx_hosted_private_virtual_interface.hosted.id }}
output "vgw" {{ value = aws_vpn_gateway.vgw.id }}
output "tgw" {{ value = aws_ec2_transit_gateway.tgw.id }}
output "vpc" {{ value = aws_vpc.v.id }}
output "vpc_defaults" {{
  value = join(" ", [aws_vpc.v.main_route_table_id, aws_vpc.v.default_network_acl_id,
                     aws_vpc.v.default_security_group_id, data.aws_vpc.v.main_route_table_id])
}}
"""


def terraform(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["terraform", *args], cwd=workdir, capture_output=True, text=True, timeout=900,
                            env={**os.environ, "TF_CLI_CONFIG_FILE": str(workdir / "terraform.rc"),
                                 "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "TF_INPUT": "0"})
    if check:
        assert result.returncode == 0, f"terraform {' '.join(args)}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


def tags(client, arn: str) -> dict:
    (resource,) = client.describe_tags(resourceArns=[arn])["resourceTags"]
    return {tag["key"]: tag["value"] for tag in resource.get("tags", [])}


def test_the_readmes_provider_block_applies_plans_nothing_and_destroys(server, tmp_path):
    assert shutil.which("terraform"), "terraform is not on the PATH (scripts/test checks for it)"
    assert (MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir(), f"no hashicorp/aws provider in {MIRROR}"
    (tmp_path / "terraform.rc").write_text(
        'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' % MIRROR)
    ec2 = dxhelpers._client("ec2", server.url, CUSTOMER, "us-east-1", dxhelpers.boto_config())
    (tmp_path / "main.tf").write_text(configuration(server.url))
    terraform(tmp_path, "init", "-no-color")
    terraform(tmp_path, "apply", "-auto-approve", "-no-color")
    outputs = {name: terraform(tmp_path, "output", "-raw", name).stdout for name in
               ("connection", "lag", "vif", "hosted", "vgw", "tgw", "vpc", "vpc_defaults")}

    # The VPC as aws_vpc made it and reads it: its attributes, and the defaults EC2 makes with it.
    vpc = outputs["vpc"]
    (described,) = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]
    assert (described["CidrBlock"], described["Tags"]) == ("10.60.0.0/16", [{"Key": "Name", "Value": "tf-vpc"}])

    def hostnames() -> bool:
        return ec2.describe_vpc_attribute(VpcId=vpc, Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"]

    assert hostnames() is True
    on_vpc = [{"Name": "vpc-id", "Values": [vpc]}]
    (table,) = ec2.describe_route_tables(Filters=on_vpc)["RouteTables"]
    (acl,) = ec2.describe_network_acls(Filters=on_vpc)["NetworkAcls"]
    (group,) = ec2.describe_security_groups(Filters=on_vpc)["SecurityGroups"]
    assert outputs["vpc_defaults"].split() == [table["RouteTableId"], acl["NetworkAclId"], group["GroupId"],
                                               table["RouteTableId"]]
    assert table["PropagatingVgws"] == [{"GatewayId": outputs["vgw"]}]
    (vgw,) = ec2.describe_vpn_gateways(VpnGatewayIds=[outputs["vgw"]])["VpnGateways"]
    assert vgw["VpcAttachments"] == [{"VpcId": vpc, "State": "attached"}]

    customer = dxhelpers.make_client(server.url, account=CUSTOMER)
    arn = f"arn:aws:directconnect:us-east-1:{CUSTOMER}"
    connection = dxhelpers.describe_connection(customer, outputs["connection"])
    assert [key["ckn"] for key in connection["macSecKeys"]] == [CKN]
    assert connection["portEncryptionStatus"] == "Encryption Up"
    assert tags(customer, f"{arn}:dxcon/{outputs['connection']}") == {"team": "net"}
    assert tags(customer, f"{arn}:dxlag/{outputs['lag']}") == {"tier": "core"}
    interfaces = {v["virtualInterfaceId"]: v for v in customer.describe_virtual_interfaces()["virtualInterfaces"]}
    assert set(interfaces) == {outputs["vif"], outputs["hosted"]}
    assert sorted(p["addressFamily"] for p in interfaces[outputs["vif"]]["bgpPeers"]) == ["ipv4", "ipv6"]
    assert tags(customer, f"{arn}:dxvif/{outputs['vif']}") == {"env": "test"}
    assert tags(customer, f"{arn}:dxvif/{outputs['hosted']}") == {"side": "customer"}
    assert {v["virtualInterfaceState"] for v in interfaces.values()} == {"available"}
    associations = {}
    for gateway in (outputs["vgw"], outputs["tgw"]):
        (associations[gateway],) = customer.describe_direct_connect_gateway_associations(
            associatedGatewayId=gateway)["directConnectGatewayAssociations"]
    assert {gateway: a["associationState"] for gateway, a in associations.items()} == {
        outputs["vgw"]: "associated", outputs["tgw"]: "associated"}
    assert associations[outputs["vgw"]]["allowedPrefixesToDirectConnectGateway"] == [{"cidr": "10.60.0.0/16"}]
    assert associations[outputs["tgw"]]["allowedPrefixesToDirectConnectGateway"] == [{"cidr": "10.200.0.0/16"}]
    assert CAK not in server.stderr_path.read_text(errors="replace") + server.stdout_path.read_text(errors="replace")

    plan = terraform(tmp_path, "plan", "-detailed-exitcode", "-no-color", check=False)
    assert plan.returncode == 0, f"the second plan wants changes:\n{plan.stdout[-4000:]}\n{plan.stderr[-2000:]}"

    def ec2_tags() -> tuple[dict, dict]:
        (vgw,) = ec2.describe_vpn_gateways(VpnGatewayIds=[outputs["vgw"]])["VpnGateways"]
        (tgw,) = ec2.describe_transit_gateways(TransitGatewayIds=[outputs["tgw"]])["TransitGateways"]
        return tuple({tag["Key"]: tag["Value"] for tag in gateway.get("Tags", [])} for gateway in (vgw, tgw))

    assert ec2_tags() == ({"Name": "tf-vgw", "keep": "yes"}, {"Name": "tf-tgw"})
    (tmp_path / "main.tf").write_text(configuration(server.url, SECOND_EC2_TAGS, dns_hostnames=False))
    terraform(tmp_path, "apply", "-auto-approve", "-no-color")
    assert ec2_tags() == ({"Name": "tf-vgw-2", "added": "yes"}, {})
    assert hostnames() is False
    assert [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]] == [vpc]
    plan = terraform(tmp_path, "plan", "-detailed-exitcode", "-no-color", check=False)
    assert plan.returncode == 0, f"the plan after the new tags wants changes:\n{plan.stdout[-4000:]}"

    terraform(tmp_path, "destroy", "-auto-approve", "-no-color")
    assert customer.describe_connections()["connections"] == []
    assert customer.describe_lags()["lags"] == []
    assert {v["virtualInterfaceState"] for v in customer.describe_virtual_interfaces()["virtualInterfaces"]} <= {
        "deleted"}
    partner = dxhelpers.make_client(server.url, account=PARTNER)
    assert partner.describe_connections()["connections"] == []
    assert customer.describe_direct_connect_gateways()["directConnectGateways"] == []
    assert [g["VpnGatewayId"] for g in ec2.describe_vpn_gateways()["VpnGateways"]] == []
    assert [g["TransitGatewayId"] for g in ec2.describe_transit_gateways()["TransitGateways"]
            if g["State"] != "deleted"] == []
    assert ec2.describe_vpcs()["Vpcs"] == []


def more_resources(url: str, customer: str, partner: str, name: str, changed: bool) -> str:
    """The resources the first test does not make: a connection joined to a LAG made from another, public and transit
    interfaces, a partner's hosted public and transit interfaces with their accepters, and the data sources; with
    `changed`, the transit interface's MTU and SiteLink, the tags and the LAG's name change in place."""
    mtu, sitelink, tag, lag = (8500, "true", "b", f"{name}-lag-2") if changed else (1500, "false", "a", f"{name}-lag")
    return providers(url, customer, partner) + f"""
resource "aws_dx_connection" "a" {{
  name      = "{name}-a"
  bandwidth = "10Gbps"
  location  = "EqDC2"
}}

resource "aws_dx_connection" "b" {{
  name      = "{name}-b"
  bandwidth = "10Gbps"
  location  = "EqDC2"
}}

resource "aws_dx_lag" "l" {{
  name                  = "{lag}"
  connections_bandwidth = "10Gbps"
  location              = "EqDC2"
  connection_id         = aws_dx_connection.a.id
  force_destroy         = true
  tags                  = {{ t = "{tag}" }}
}}

resource "aws_dx_connection_association" "b" {{
  connection_id = aws_dx_connection.b.id
  lag_id        = aws_dx_lag.l.id
}}

resource "aws_dx_connection" "c" {{
  name      = "{name}-c"
  bandwidth = "10Gbps"
  location  = "EqDC2"
}}

resource "aws_dx_gateway" "g" {{
  name            = "{name}-gw"
  amazon_side_asn = "64514"
}}

resource "aws_dx_public_virtual_interface" "pub" {{
  connection_id         = aws_dx_connection.c.id
  name                  = "{name}-pub"
  vlan                  = 4094
  address_family        = "ipv4"
  bgp_asn               = 65352
  customer_address      = "175.45.176.1/30"
  amazon_address        = "175.45.176.2/30"
  route_filter_prefixes = ["210.52.109.0/24", "175.45.176.0/22"]
  tags                  = {{ k = "{tag}" }}
}}

resource "aws_dx_transit_virtual_interface" "t" {{
  connection_id    = aws_dx_connection.c.id
  dx_gateway_id    = aws_dx_gateway.g.id
  name             = "{name}-transit"
  vlan             = 4093
  address_family   = "ipv4"
  bgp_asn          = 65352
  mtu              = {mtu}
  sitelink_enabled = {sitelink}
  tags             = {{ k = "{tag}" }}
}}

resource "aws_dx_connection" "p" {{
  provider  = aws.partner
  name      = "{name}-partner"
  bandwidth = "10Gbps"
  location  = "EqDC2"
}}

# The provider's own acceptance tests make the hosted interface wait for the gateway: destroying an accepter does
# nothing, so the interface must go before the gateway it is attached to.
resource "aws_dx_hosted_public_virtual_interface" "hp" {{
  provider              = aws.partner
  connection_id         = aws_dx_connection.p.id
  owner_account_id      = "{customer}"
  name                  = "{name}-hosted-pub"
  vlan                  = 4000
  address_family        = "ipv4"
  bgp_asn               = 65352
  customer_address      = "175.45.176.5/30"
  amazon_address        = "175.45.176.6/30"
  route_filter_prefixes = ["210.52.109.0/24"]
  depends_on            = [aws_dx_gateway.g]
}}

resource "aws_dx_hosted_public_virtual_interface_accepter" "hp" {{
  virtual_interface_id = aws_dx_hosted_public_virtual_interface.hp.id
  tags                 = {{ k = "{tag}" }}
}}

resource "aws_dx_hosted_transit_virtual_interface" "ht" {{
  provider         = aws.partner
  connection_id    = aws_dx_connection.p.id
  owner_account_id = "{customer}"
  name             = "{name}-hosted-transit"
  vlan             = 4001
  address_family   = "ipv4"
  bgp_asn          = 65353
  mtu              = 8500
  depends_on       = [aws_dx_gateway.g]
}}

resource "aws_dx_hosted_transit_virtual_interface_accepter" "ht" {{
  virtual_interface_id = aws_dx_hosted_transit_virtual_interface.ht.id
  dx_gateway_id        = aws_dx_gateway.g.id
  tags                 = {{ k = "{tag}" }}
}}

data "aws_dx_connection" "c" {{
  name = aws_dx_connection.c.name
}}

data "aws_dx_gateway" "g" {{
  name = aws_dx_gateway.g.name
}}

data "aws_dx_locations" "all" {{}}

data "aws_dx_router_configuration" "r" {{
  virtual_interface_id   = aws_dx_transit_virtual_interface.t.id
  router_type_identifier = "CiscoSystemsInc-2900SeriesRouters-IOS124"
}}

output "lag" {{ value = aws_dx_lag.l.id }}
output "joined" {{ value = aws_dx_connection_association.b.connection_id }}
output "transit" {{ value = aws_dx_transit_virtual_interface.t.id }}
output "data_connection" {{ value = data.aws_dx_connection.c.id }}
output "data_gateway" {{ value = data.aws_dx_gateway.g.id }}
output "gateway" {{ value = aws_dx_gateway.g.id }}
output "locations" {{ value = join(",", data.aws_dx_locations.all.location_codes) }}
output "router" {{ value = data.aws_dx_router_configuration.r.customer_router_config }}
"""


def test_more_resources_apply_change_in_place_and_destroy(server, tmp_path):
    """Terraform's other Direct Connect resources and data sources (its connection association, public and transit
    interfaces, hosted public and transit interfaces with accepters): apply, plan no change, change in place, plan
    no change, destroy, in accounts of their own."""
    customer, partner = dxhelpers.random_account(), dxhelpers.random_account()
    name = "tf-" + dxhelpers.unique_name("more")
    (tmp_path / "terraform.rc").write_text(
        'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' % MIRROR)
    (tmp_path / "main.tf").write_text(more_resources(server.url, customer, partner, name, changed=False))
    terraform(tmp_path, "init", "-no-color")
    terraform(tmp_path, "apply", "-auto-approve", "-no-color")
    outputs = {key: terraform(tmp_path, "output", "-raw", key).stdout for key in
               ("lag", "joined", "transit", "data_connection", "data_gateway", "gateway", "locations", "router")}
    dx = dxhelpers.make_client(server.url, account=customer)
    (lag,) = dx.describe_lags(lagId=outputs["lag"])["lags"]
    assert outputs["joined"] in [member["connectionId"] for member in lag["connections"]]
    assert len(lag["connections"]) == 2
    assert outputs["data_gateway"] == outputs["gateway"]
    assert "EqDC2" in outputs["locations"].split(",") and "interface" in outputs["router"].lower()
    interfaces = {v["virtualInterfaceName"]: v for v in dx.describe_virtual_interfaces()["virtualInterfaces"]}
    assert set(interfaces) == {f"{name}-pub", f"{name}-transit", f"{name}-hosted-pub", f"{name}-hosted-transit"}
    assert {v["virtualInterfaceState"] for v in interfaces.values()} <= {"available", "verifying", "pending"}
    assert interfaces[f"{name}-hosted-transit"]["directConnectGatewayId"] == outputs["gateway"]
    plan = terraform(tmp_path, "plan", "-detailed-exitcode", "-no-color", check=False)
    assert plan.returncode == 0, f"the second plan wants changes:\n{plan.stdout[-4000:]}"

    (tmp_path / "main.tf").write_text(more_resources(server.url, customer, partner, name, changed=True))
    terraform(tmp_path, "apply", "-auto-approve", "-no-color")
    (transit,) = dx.describe_virtual_interfaces(virtualInterfaceId=outputs["transit"])["virtualInterfaces"]
    assert (transit["mtu"], transit["siteLinkEnabled"], transit["tags"]) == (8500, True, [{"key": "k", "value": "b"}])
    assert dx.describe_lags(lagId=outputs["lag"])["lags"][0]["lagName"] == f"{name}-lag-2"
    plan = terraform(tmp_path, "plan", "-detailed-exitcode", "-no-color", check=False)
    assert plan.returncode == 0, f"the plan after the changes wants more:\n{plan.stdout[-4000:]}"

    terraform(tmp_path, "destroy", "-auto-approve", "-no-color")
    assert dx.describe_connections()["connections"] == []
    assert dx.describe_lags()["lags"] == []
    assert dx.describe_direct_connect_gateways()["directConnectGateways"] == []
    assert {v["virtualInterfaceState"] for v in dx.describe_virtual_interfaces()["virtualInterfaces"]} <= {"deleted"}
    assert dxhelpers.make_client(server.url, account=partner).describe_connections()["connections"] == []
