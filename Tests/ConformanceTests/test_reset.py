"""SPEC 11: `POST /_dxlocal/reset`, and the moto and LocalStack paths existing fixtures call, wipe every account and
region (or only the accounts named) in one step; a body the server cannot read is refused, AWS-shaped, and changes
nothing; writes racing a reset leave nothing from before it; with `--auth sigv4` only a caller from the credentials
file may reset."""

from __future__ import annotations

import os
import threading

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

import dxhelpers

RESET_PATHS = ["/_dxlocal/reset", "/moto-api/reset", "/_localstack/state/reset"]
REGIONS = ["us-east-1", "us-west-2"]
LOCATIONS = {"us-east-1": "EqDC2", "us-west-2": "EqSe2"}


def own_server(server_factory, **kwargs):
    """A server of the test's own store whose associations settle at once, so that what is compared before and after
    a reset is not a clock's reading."""
    return dxhelpers.own_store_server(server_factory, extra_args=("--settle-time-association", "0"), **kwargs)


def populate(server, account: str, region: str) -> dict:
    """A MACsec connection with a key (and so a managed secret), a LAG and a tag."""
    dx = dxhelpers.make_client(server.url, account=account, region=region)
    connection = dx.create_connection(location=LOCATIONS[region], bandwidth="10Gbps", connectionName="reset",
                                      requestMACSec=True)["connectionId"]
    dx.associate_mac_sec_key(connectionId=connection, ckn=dxhelpers.random_hex64(), cak=dxhelpers.random_hex64())
    lag = dx.create_lag(numberOfConnections=1, location=LOCATIONS[region], connectionsBandwidth="10Gbps",
                        lagName="reset")
    dx.tag_resource(resourceArn=f"arn:aws:directconnect:{region}:{account}:dxcon/{connection}",
                    tags=[{"key": "k", "value": "v"}])
    gateway = dx.create_direct_connect_gateway(directConnectGatewayName="reset-" + region)["directConnectGateway"]
    # EC2's gateways and an association of each kind (the transit one makes an EC2 attachment).
    ec2 = dxhelpers._client("ec2", server.url, account, region, dxhelpers.boto_config())
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
    dx.create_direct_connect_gateway_association(directConnectGatewayId=gateway["directConnectGatewayId"],
                                                 gatewayId=vgw)
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    transit = dx.create_direct_connect_gateway(directConnectGatewayName="reset-transit-" + region,
                                               amazonSideAsn=65000)["directConnectGateway"]
    dx.create_direct_connect_gateway_association(directConnectGatewayId=transit["directConnectGatewayId"],
                                                 gatewayId=tgw,
                                                 addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.1.0.0/16"}])
    return {"connection": connection, "lag": lag["lagId"]}


def holdings(server, account: str, region: str) -> dict:
    """Everything an account has in a region, as its clients see it."""
    return dxhelpers.server_snapshot(server.url, account, region)


def reset(server, path: str = "/_dxlocal/reset", body: bytes = b"", headers=None) -> dxhelpers.RawResponse:
    return dxhelpers.raw_request(server.url, path=path, body=body, headers=headers,
                                 content_type="application/json" if body else None)


@pytest.mark.parametrize("path", RESET_PATHS)
def test_a_reset_wipes_every_account_and_region(server_factory, path):
    server = own_server(server_factory)
    accounts = [dxhelpers.random_account(), dxhelpers.random_account()]
    made = {(account, region): populate(server, account, region) for account in accounts for region in REGIONS}
    assert all(holdings(server, *place)["connections"] for place in made)
    assert all(holdings(server, *place)["transit_gateway_attachments"] for place in made)

    response = reset(server, path)
    assert response.status == 200, response
    assert response.json() == {"status": "ok"}
    for (account, region), ids in made.items():
        assert holdings(server, account, region) == dxhelpers.EMPTY_SNAPSHOT
        dx = dxhelpers.make_client(server.url, account=account, region=region)
        with pytest.raises(ClientError) as caught:
            dx.describe_connections(connectionId=ids["connection"])
        assert caught.value.response["Error"]["Code"] == "DirectConnectClientException"
    # The server goes on: the same account starts again from nothing.
    again = populate(server, accounts[0], REGIONS[0])
    connections = holdings(server, accounts[0], REGIONS[0])["connections"]
    assert again["connection"] in [c["connectionId"] for c in connections]
    assert all(c["connectionId"] == again["connection"] or c.get("lagId") == again["lag"] for c in connections)


def test_a_reset_of_named_accounts_leaves_every_other_account_as_it_was(server_factory):
    server = own_server(server_factory)
    wiped, kept = dxhelpers.random_account(), dxhelpers.random_account()
    for account in (wiped, kept):
        for region in REGIONS:
            populate(server, account, region)
    before = {region: holdings(server, kept, region) for region in REGIONS}

    response = reset(server, body=f'{{"accounts": ["{wiped}"]}}'.encode())
    assert response.status == 200, response
    for region in REGIONS:
        assert holdings(server, wiped, region) == dxhelpers.EMPTY_SNAPSHOT
        assert holdings(server, kept, region) == before[region]


def cross_account_scene(server, partner: str, customer: str) -> dict:
    """What two accounts make together: the partner's interface allocated to the customer and confirmed onto the
    customer's Direct Connect gateway; the partner's virtual private and transit gateways, proposed to that gateway
    and accepted (an association each, the transit one with its EC2 attachment), and a third proposal left
    requested."""
    partner_dx = dxhelpers.make_client(server.url, account=partner)
    customer_dx = dxhelpers.make_client(server.url, account=customer)
    ec2 = dxhelpers._client("ec2", server.url, partner, "us-east-1", dxhelpers.boto_config())
    connection = partner_dx.create_connection(location="EqDC2", bandwidth="10Gbps",
                                              connectionName="partner")["connectionId"]
    gateway = customer_dx.create_direct_connect_gateway(directConnectGatewayName="customer",
                                                        amazonSideAsn=65000)["directConnectGateway"]
    gateway_id = gateway["directConnectGatewayId"]
    interface = partner_dx.allocate_private_virtual_interface(
        connectionId=connection, ownerAccount=customer, newPrivateVirtualInterfaceAllocation={
            "virtualInterfaceName": "hosted", "vlan": 10, "asn": 65001})["virtualInterfaceId"]
    customer_dx.confirm_private_virtual_interface(virtualInterfaceId=interface, directConnectGatewayId=gateway_id)
    vgws = []
    for index in range(2):
        vpc = ec2.create_vpc(CidrBlock=f"10.{index}.0.0/16")["Vpc"]["VpcId"]
        vgws.append(ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"])
        ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgws[-1])
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    # A gateway never mixes virtual private and transit gateways: the transit one has a gateway of its own.
    transit_id = customer_dx.create_direct_connect_gateway(directConnectGatewayName="customer-transit",
                                                           amazonSideAsn=65002)["directConnectGateway"][
        "directConnectGatewayId"]
    proposals = [partner_dx.create_direct_connect_gateway_association_proposal(
        directConnectGatewayId=on, directConnectGatewayOwnerAccount=customer, gatewayId=target,
        **({"addAllowedPrefixesToDirectConnectGateway": [{"cidr": "10.9.0.0/16"}]} if target == tgw else {}))
        ["directConnectGatewayAssociationProposal"] for on, target in
        ((gateway_id, vgws[0]), (transit_id, tgw), (gateway_id, vgws[1]))]
    for proposal in proposals[:2]:
        customer_dx.accept_direct_connect_gateway_association_proposal(
            directConnectGatewayId=proposal["directConnectGatewayId"], proposalId=proposal["proposalId"],
            associatedGatewayOwnerAccount=partner)
    for gateway in (gateway_id, transit_id):
        assert len(customer_dx.describe_direct_connect_gateway_associations(
            directConnectGatewayId=gateway)["directConnectGatewayAssociations"]) == 1
    assert ec2.describe_transit_gateway_attachments()["TransitGatewayAttachments"]
    return {"connection": connection, "gateways": [gateway_id, transit_id], "interface": interface}


def exported(server) -> str:
    response = dxhelpers.raw_request(server.url, method="GET", path="/_dxlocal/state", content_type=None)
    assert response.status == 200, response
    return response.body.decode()


@pytest.mark.parametrize("reset_partner", [True, False], ids=["partner", "customer"])
def test_a_reset_of_one_account_leaves_nothing_of_it_in_another(server_factory, reset_partner):
    """An account reset takes what the account made in other accounts' scopes and what names it there: after it no
    record names the account, and nothing left blocks the other account's deletions."""
    server = own_server(server_factory)
    partner, customer = dxhelpers.random_account(), dxhelpers.random_account()
    scene = cross_account_scene(server, partner, customer)
    wiped, kept = (partner, customer) if reset_partner else (customer, partner)
    response = reset(server, body=f'{{"accounts": ["{wiped}"]}}'.encode())
    assert response.status == 200, response

    assert wiped not in exported(server)
    assert holdings(server, wiped, "us-east-1") == dxhelpers.EMPTY_SNAPSHOT
    dx = dxhelpers.make_client(server.url, account=kept)
    assert dx.describe_virtual_interfaces()["virtualInterfaces"] == []
    if reset_partner:
        # The customer's gateways have nothing attached, associated or proposed any more, and go.
        assert dx.describe_direct_connect_gateway_association_proposals()[
            "directConnectGatewayAssociationProposals"] == []
        for gateway in scene["gateways"]:
            assert dx.describe_direct_connect_gateway_attachments(
                directConnectGatewayId=gateway)["directConnectGatewayAttachments"] == []
            assert dx.describe_direct_connect_gateway_associations(
                directConnectGatewayId=gateway)["directConnectGatewayAssociations"] == []
            dx.delete_direct_connect_gateway(directConnectGatewayId=gateway)
    else:
        # The partner's gateways are associated with nothing, and its connection carries nothing.
        ec2 = dxhelpers._client("ec2", server.url, partner, "us-east-1", dxhelpers.boto_config())
        assert ec2.describe_transit_gateway_attachments()["TransitGatewayAttachments"] == []
        assert dx.describe_direct_connect_gateway_association_proposals()[
            "directConnectGatewayAssociationProposals"] == []
        for vgw in ec2.describe_vpn_gateways()["VpnGateways"]:
            assert dx.describe_direct_connect_gateway_associations(
                associatedGatewayId=vgw["VpnGatewayId"])["directConnectGatewayAssociations"] == []
        dx.delete_connection(connectionId=scene["connection"])


def test_a_reset_of_one_account_keeps_what_another_made_alone(server_factory):
    """What a reset sweeps outside the accounts it names is only what names their records: another account's
    failover test history outlives its interface (a year) and stays, though no interface of its is stored."""
    server = dxhelpers.own_store_server(server_factory, extra_args=("--clock-control",))
    kept, wiped = dxhelpers.random_account(), dxhelpers.random_account()
    dx = dxhelpers.make_client(server.url, account=kept)
    gateway, _, interface = dxhelpers.private_interface_site(dx, "kept")
    tested = interface(10)["virtualInterfaceId"]
    dx.start_bgp_failover_test(virtualInterfaceId=tested, testDurationInMinutes=1)
    dx.delete_virtual_interface(virtualInterfaceId=tested)
    dxhelpers.advance_clock(server, 1_000)
    interface(11)  # the deleted interface's record goes with this write, past its 15 minutes
    history = dx.list_virtual_interface_test_history()["virtualInterfaceTestHistory"]
    assert [test["virtualInterfaceId"] for test in history] == [tested]
    attachments = dx.describe_direct_connect_gateway_attachments(directConnectGatewayId=gateway)[
        "directConnectGatewayAttachments"]
    dxhelpers.make_client(server.url, account=wiped).create_connection(location="EqDC2", bandwidth="1Gbps",
                                                                       connectionName="wiped")

    assert reset(server, body=f'{{"accounts": ["{wiped}"]}}'.encode()).status == 200
    assert dx.list_virtual_interface_test_history()["virtualInterfaceTestHistory"] == history
    assert dx.describe_direct_connect_gateway_attachments(directConnectGatewayId=gateway)[
        "directConnectGatewayAttachments"] == attachments


@pytest.mark.parametrize("body, code, words", [
    (b"{", "SerializationException", "not valid JSON"),
    (b"[]", "SerializationException", "JSON object"),
    (b'{"accounts": "123456789012"}', "SerializationException", "accounts"),
    (b'{"accounts": [123456789012]}', "SerializationException", "accounts"),
    (b'{"accounts": []}', "ValidationException", "at least one account"),
    (b'{"accounts": ["12345"]}', "ValidationException", "12-digit"),
    (b'{"accounts": ["123456789012"], "accounts": []}', "SerializationException", "more than once"),
    # A misspelt member is refused, not read as "every account".
    (b'{"account": ["123456789012"]}', "SerializationException", "Member account is not known here"),
])
def test_a_reset_it_cannot_read_is_refused_and_changes_nothing(server_factory, account, body, code, words):
    server = own_server(server_factory)
    populate(server, account, "us-east-1")
    before = holdings(server, account, "us-east-1")
    response = reset(server, body=body)
    error = dxhelpers.assert_aws_error(response, 400, code)
    assert words in error["message"], error
    assert holdings(server, account, "us-east-1") == before


def test_writes_racing_a_reset_leave_nothing_from_before_it(server_factory):
    server = own_server(server_factory)
    account = dxhelpers.random_account()
    dx = dxhelpers.make_client(server.url, account=account)
    answered_before: set[str] = set()
    lock = threading.Lock()
    reset_sent = threading.Event()
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(index: int) -> None:
        client = dxhelpers.make_client(server.url, account=account)
        try:
            number = 0
            while not stop.is_set():
                sent_before_reset = not reset_sent.is_set()
                created = client.create_connection(location="EqDC2", bandwidth="1Gbps",
                                                   connectionName=f"w{index}-{number}")["connectionId"]
                number += 1
                if sent_before_reset and not reset_sent.is_set():
                    with lock:
                        answered_before.add(created)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    while True:
        with lock:
            if len(answered_before) >= 40:
                break
        assert not errors, errors
    reset_sent.set()
    response = reset(server)
    stop.set()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert response.status == 200, response
    remaining = {c["connectionId"] for c in dx.describe_connections()["connections"]}
    assert answered_before, "no write was answered before the reset"
    assert not remaining & answered_before, f"{len(remaining & answered_before)} connections outlived the reset"


def test_with_sigv4_only_a_caller_from_the_credentials_file_may_reset(server_factory, tmp_path):
    key, secret, account = "AKIDRESETTEST", "reset-test-secret", "345678901234"
    credentials = tmp_path / "credentials"
    credentials.write_text(f"{key} {secret} {account}\n")
    server = server_factory.start(extra_args=("--auth", "sigv4", "--credentials-file", str(credentials)))
    import boto3
    dx = boto3.session.Session().client("directconnect", endpoint_url=server.url, region_name="us-east-1",
                                        aws_access_key_id=key, aws_secret_access_key=secret,
                                        config=dxhelpers.boto_config())
    dx.create_connection(location="EqDC2", bandwidth="10Gbps", connectionName="signed")

    unsigned = reset(server)
    dxhelpers.assert_aws_error(unsigned, 403, "MissingAuthenticationTokenException")
    stranger = AWSRequest(method="POST", url=server.url + "/_dxlocal/reset", data=b"", headers={})
    SigV4Auth(Credentials("AKIDSTRANGER", "not-in-the-file"), "directconnect", "us-east-1").add_auth(stranger)
    refused = reset(server, headers=dict(stranger.headers.items()))
    assert refused.status == 403, refused
    assert len(dx.describe_connections()["connections"]) == 1

    signed = AWSRequest(method="POST", url=server.url + "/_dxlocal/reset", data=b"", headers={})
    SigV4Auth(Credentials(key, secret), "directconnect", "us-east-1").add_auth(signed)
    response = reset(server, headers=dict(signed.headers.items()))
    assert response.status == 200, response
    assert dx.describe_connections()["connections"] == []
