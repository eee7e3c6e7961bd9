"""Direct Connect gateways (SPEC 7 and 8, reference §3.3 and §5): global to their account, the ASN ranges, the
200-per-account limit, paging, tags on the region-less `dx-gateway` ARN, `deleting` then gone, the states
Terraform's waiters read (`pending` -> `available` on create; `deleting` -> gone on delete), and the attachments
of a gateway (none until virtual interfaces are served)."""

from __future__ import annotations

import json
import re

import pytest

import dxhelpers
from dxhelpers import expect_error, make_client, random_account, unique_name

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
MISSING = "00000000-0000-4000-8000-000000000000"


def gateway_arn(account: str, gateway_id: str) -> str:
    return f"arn:aws:directconnect::{account}:dx-gateway/{gateway_id}"


def listed(client, **kwargs) -> list[dict]:
    """Every gateway DescribeDirectConnectGateways lists, following nextToken."""
    gateways, token = [], None
    while True:
        page = client.describe_direct_connect_gateways(**kwargs, **({"nextToken": token} if token else {}))
        gateways += page["directConnectGateways"]
        token = page.get("nextToken")
        if not token:
            return gateways


def test_create_answers_the_gateway_available_with_the_default_asn(client, account):
    name = unique_name("gw")
    created = client.create_direct_connect_gateway(directConnectGatewayName=name)["directConnectGateway"]
    assert UUID.match(created["directConnectGatewayId"]), created
    assert {k: v for k, v in created.items() if k != "directConnectGatewayId"} == {
        "directConnectGatewayName": name,
        "amazonSideAsn": 64512,
        "ownerAccount": account,
        "directConnectGatewayState": "available",
        "tags": [],
    }
    assert listed(client, directConnectGatewayId=created["directConnectGatewayId"]) == [created]


def test_a_gateway_is_global_to_its_account_and_invisible_to_others(dx, account):
    east, west = dx(account=account, region="us-east-1"), dx(account=account, region="eu-west-2")
    gateway = east.create_direct_connect_gateway(directConnectGatewayName="global")["directConnectGateway"]
    gateway_id = gateway["directConnectGatewayId"]
    assert listed(west) == [gateway]
    assert listed(west, directConnectGatewayId=gateway_id) == [gateway]
    stranger = dx(account=random_account(), region="us-east-1")
    assert listed(stranger) == []
    assert listed(stranger, directConnectGatewayId=gateway_id) == []
    expect_error(lambda: stranger.delete_direct_connect_gateway(directConnectGatewayId=gateway_id),
                 contains=["does not exist", gateway_id])
    # Renamed from another region of the account, and deleted from a third.
    west.update_direct_connect_gateway(directConnectGatewayId=gateway_id, newDirectConnectGatewayName="renamed")
    assert listed(east)[0]["directConnectGatewayName"] == "renamed"
    dx(account=account, region="ap-southeast-2").delete_direct_connect_gateway(directConnectGatewayId=gateway_id)
    assert listed(east) == [] and listed(west) == []


@pytest.mark.parametrize("asn", [64512, 65000, 65534, 4200000000, 4294967294])
def test_a_private_asn_of_either_range_is_kept(client, asn):
    gateway = client.create_direct_connect_gateway(directConnectGatewayName="asn",
                                                   amazonSideAsn=asn)["directConnectGateway"]
    assert gateway["amazonSideAsn"] == asn
    assert listed(client, directConnectGatewayId=gateway["directConnectGatewayId"])[0]["amazonSideAsn"] == asn


@pytest.mark.parametrize("asn", [0, 1, 7224, 64511, 65535, 4199999999, 4294967295, -1])
def test_an_asn_outside_the_private_ranges_is_refused_and_nothing_is_created(client, asn):
    expect_error(lambda: client.create_direct_connect_gateway(directConnectGatewayName="asn", amazonSideAsn=asn),
                 contains=["amazonSideAsn", str(asn)])
    assert listed(client) == []


def test_a_name_is_required(raw_client):
    expect_error(lambda: raw_client.create_direct_connect_gateway(directConnectGatewayName=""),
                 contains=["directConnectGatewayName"])
    expect_error(lambda: raw_client.create_direct_connect_gateway(), contains=["directConnectGatewayName"])
    assert listed(raw_client) == []


def test_an_unknown_id_lists_nothing(client):
    assert listed(client, directConnectGatewayId=MISSING) == []
    assert listed(client, directConnectGatewayId="not-a-uuid") == []


def test_pages_list_every_gateway_once_in_order(client):
    made = sorted(client.create_direct_connect_gateway(directConnectGatewayName=f"g{n}")["directConnectGateway"][
        "directConnectGatewayId"] for n in range(5))
    first = client.describe_direct_connect_gateways(maxResults=2)
    assert len(first["directConnectGateways"]) == 2 and first["nextToken"]
    assert [g["directConnectGatewayId"] for g in listed(client, maxResults=2)] == made
    assert [g["directConnectGatewayId"] for g in listed(client)] == made
    expect_error(lambda: client.describe_direct_connect_gateways(nextToken="forged"), contains=["nextToken"])


def test_update_renames_and_answers_the_gateway(client):
    gateway_id = client.create_direct_connect_gateway(directConnectGatewayName="old")["directConnectGateway"][
        "directConnectGatewayId"]
    updated = client.update_direct_connect_gateway(directConnectGatewayId=gateway_id,
                                                   newDirectConnectGatewayName="new")["directConnectGateway"]
    assert updated["directConnectGatewayName"] == "new" and updated["directConnectGatewayState"] == "available"
    assert listed(client, directConnectGatewayId=gateway_id) == [updated]
    expect_error(lambda: client.update_direct_connect_gateway(directConnectGatewayId=MISSING,
                                                              newDirectConnectGatewayName="x"),
                 contains=["does not exist", MISSING])


def test_update_without_a_new_name_is_refused_and_changes_nothing(raw_client):
    gateway = raw_client.create_direct_connect_gateway(directConnectGatewayName="kept")["directConnectGateway"]
    expect_error(lambda: raw_client.update_direct_connect_gateway(
        directConnectGatewayId=gateway["directConnectGatewayId"], newDirectConnectGatewayName=""),
        contains=["newDirectConnectGatewayName"])
    assert listed(raw_client) == [gateway]


def test_delete_answers_deleting_and_the_gateway_is_gone(client):
    gateway = client.create_direct_connect_gateway(directConnectGatewayName="bye")["directConnectGateway"]
    gateway_id = gateway["directConnectGatewayId"]
    deleted = client.delete_direct_connect_gateway(directConnectGatewayId=gateway_id)["directConnectGateway"]
    assert deleted == {**gateway, "directConnectGatewayState": "deleting"}
    assert listed(client) == [] and listed(client, directConnectGatewayId=gateway_id) == []
    # Terraform's delete matches "does not exist" on a gateway already gone.
    expect_error(lambda: client.delete_direct_connect_gateway(directConnectGatewayId=gateway_id),
                 contains=["does not exist"])
    expect_error(lambda: client.update_direct_connect_gateway(directConnectGatewayId=gateway_id,
                                                              newDirectConnectGatewayName="x"),
                 contains=["does not exist"])


def test_an_account_holds_at_most_200_gateways(client, account):
    for n in range(200):
        client.create_direct_connect_gateway(directConnectGatewayName=f"g{n}")
    error = expect_error(lambda: client.create_direct_connect_gateway(directConnectGatewayName="one too many"),
                         contains=["200"])
    assert account in dxhelpers.error_message(error)
    gateways = listed(client)
    assert len(gateways) == 200
    # A page holds at most 100, whatever maxResults asks.
    page = client.describe_direct_connect_gateways(maxResults=1000)
    assert len(page["directConnectGateways"]) == 100 and page["nextToken"]
    client.delete_direct_connect_gateway(directConnectGatewayId=gateways[0]["directConnectGatewayId"])
    client.create_direct_connect_gateway(directConnectGatewayName="room again")
    assert len(listed(client)) == 200
    # Another account has its own 200.
    other = make_client(client.meta.endpoint_url, random_account())
    other.create_direct_connect_gateway(directConnectGatewayName="mine")


def test_tags_on_the_global_gateway_arn(dx, account):
    client = dx(account=account, region="us-west-2")
    gateway_id = client.create_direct_connect_gateway(
        directConnectGatewayName="tagged", tags=[{"key": "env", "value": "prod"}, {"key": "flag"}]
    )["directConnectGateway"]["directConnectGatewayId"]
    arn = gateway_arn(account, gateway_id)
    assert listed(client)[0]["tags"] == [{"key": "env", "value": "prod"}, {"key": "flag"}]
    client.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "test"}, {"key": "team", "value": "net"}])
    client.untag_resource(resourceArn=arn, tagKeys=["flag"])
    expected = [{"key": "env", "value": "test"}, {"key": "team", "value": "net"}]
    # The ARN has no region: every region of the account reads the same tags.
    other_region = dx(account=account, region="eu-central-1")
    assert other_region.describe_tags(resourceArns=[arn])["resourceTags"] == [{"resourceArn": arn, "tags": expected}]
    assert listed(other_region)[0]["tags"] == expected
    stranger = dx(account=random_account())
    expect_error(lambda: stranger.describe_tags(resourceArns=[arn]))
    expect_error(lambda: client.describe_tags(resourceArns=[gateway_arn(account, MISSING)]),
                 contains=["does not exist"])


def test_a_bad_tag_list_on_create_is_the_client_error_and_creates_nothing(client):
    # The operation's model names no tag exception: DirectConnectClientException.
    expect_error(lambda: client.create_direct_connect_gateway(
        directConnectGatewayName="dup", tags=[{"key": "k", "value": "1"}, {"key": "k", "value": "2"}]),
        contains=["k"])
    expect_error(lambda: client.create_direct_connect_gateway(
        directConnectGatewayName="many", tags=[{"key": f"k{n}"} for n in range(51)]), contains=["50"])
    assert listed(client) == []


def test_with_a_settle_time_terraforms_waiters_see_pending_then_available_and_deleting_then_gone(server_factory):
    server = dxhelpers.long_settle_server(server_factory)
    client = make_client(server.url, random_account())
    gateway = client.create_direct_connect_gateway(directConnectGatewayName="slow")["directConnectGateway"]
    gateway_id = gateway["directConnectGatewayId"]
    assert gateway["directConnectGatewayState"] == "pending"
    assert listed(client, directConnectGatewayId=gateway_id)[0]["directConnectGatewayState"] == "pending"
    dxhelpers.settle(server)
    assert listed(client, directConnectGatewayId=gateway_id)[0]["directConnectGatewayState"] == "available"
    assert client.delete_direct_connect_gateway(
        directConnectGatewayId=gateway_id)["directConnectGateway"]["directConnectGatewayState"] == "deleting"
    assert listed(client)[0]["directConnectGatewayState"] == "deleting"
    # Deleting again while it is deleting answers the same; a deleting gateway keeps its name.
    assert client.delete_direct_connect_gateway(
        directConnectGatewayId=gateway_id)["directConnectGateway"]["directConnectGatewayState"] == "deleting"
    expect_error(lambda: client.update_direct_connect_gateway(directConnectGatewayId=gateway_id,
                                                              newDirectConnectGatewayName="x"),
                 contains=["being deleted"])
    dxhelpers.settle(server)
    assert listed(client) == [] and listed(client, directConnectGatewayId=gateway_id) == []


@pytest.mark.sqlite_only
def test_gateways_survive_a_restart(server_factory, tmp_path):
    first = server_factory.start(data_dir=tmp_path / "data")
    account = random_account()
    client = make_client(first.url, account)
    gateway = client.create_direct_connect_gateway(directConnectGatewayName="durable", amazonSideAsn=4200000001,
                                                   tags=[{"key": "k", "value": "v"}])["directConnectGateway"]
    assert first.stop() == 0
    second = server_factory.start(data_dir=tmp_path / "data")
    assert listed(make_client(second.url, account, region="sa-east-1")) == [gateway]


def test_the_aws_cli_creates_describes_and_deletes_a_gateway(server, account, tmp_path):
    def cli(*args: str) -> dict:
        done = dxhelpers.run_cli(server.url, account, tmp_path, *args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}

    created = cli("create-direct-connect-gateway", "--direct-connect-gateway-name", "cli-gw",
                  "--amazon-side-asn", "65000")["directConnectGateway"]
    assert created["amazonSideAsn"] == 65000 and created["directConnectGatewayState"] == "available"
    gateway_id = created["directConnectGatewayId"]
    described = cli("describe-direct-connect-gateways", "--direct-connect-gateway-id", gateway_id)
    assert described["directConnectGateways"] == [created]
    cli("update-direct-connect-gateway", "--direct-connect-gateway-id", gateway_id,
        "--new-direct-connect-gateway-name", "cli-renamed")
    assert cli("delete-direct-connect-gateway", "--direct-connect-gateway-id",
               gateway_id)["directConnectGateway"]["directConnectGatewayName"] == "cli-renamed"
    assert cli("describe-direct-connect-gateways")["directConnectGateways"] == []
    refused = dxhelpers.run_cli(server.url, account, tmp_path, "delete-direct-connect-gateway",
                                "--direct-connect-gateway-id", gateway_id)
    assert refused.returncode != 0 and "DirectConnectClientException" in refused.stderr
    assert "does not exist" in refused.stderr


def test_attachments_need_a_gateway_or_a_virtual_interface(client):
    expect_error(lambda: client.describe_direct_connect_gateway_attachments(),
                 contains=["You must specify a Direct Connect gateway, a virtual interface, or both"])
    gateway_id = client.create_direct_connect_gateway(directConnectGatewayName="att")["directConnectGateway"][
        "directConnectGatewayId"]
    answer = client.describe_direct_connect_gateway_attachments(directConnectGatewayId=gateway_id)
    assert answer["directConnectGatewayAttachments"] == [] and "nextToken" not in answer
    assert client.describe_direct_connect_gateway_attachments(directConnectGatewayId=gateway_id, maxResults=1)[
        "directConnectGatewayAttachments"] == []
    expect_error(lambda: client.describe_direct_connect_gateway_attachments(directConnectGatewayId=MISSING),
                 contains=["does not exist", MISSING])
    expect_error(lambda: client.describe_direct_connect_gateway_attachments(virtualInterfaceId="dxvif-abcd1234"),
                 contains=["does not exist", "dxvif-abcd1234"])
    stranger = make_client(client.meta.endpoint_url, random_account())
    expect_error(lambda: stranger.describe_direct_connect_gateway_attachments(directConnectGatewayId=gateway_id),
                 contains=["does not exist"])
