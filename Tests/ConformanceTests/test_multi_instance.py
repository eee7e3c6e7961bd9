"""Several dxlocal instances on one PostgreSQL database: one consistent state under concurrency (issue: shared store).

Runs in the PostgreSQL pass of scripts/test (marker `multi_instance`); needs DXLOCAL_TEST_DATABASE.
"""

from __future__ import annotations

import base64
import concurrent.futures as cf
import os
import re
import secrets
import shutil
import subprocess
import threading
from collections import Counter

import pytest
from botocore.exceptions import ClientError

import dxhelpers

pytestmark = pytest.mark.multi_instance


database_url = dxhelpers.test_database_url


@pytest.fixture
def pair(server_factory):
    """Two instances on the same database, sharing one master key."""
    return start_pair(server_factory)


def start_pair(server_factory, *, database: str | None = None, extra_args: tuple[str, ...] = ()):
    """Two instances on `database` (the test database unless given) with `extra_args`, sharing one master key."""
    url = database or database_url()
    env = {"DXLOCAL_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
    return tuple(server_factory.start(database=url, env=env, extra_args=extra_args) for _ in range(2))


def fresh_database_url() -> str:
    """A new, empty database in the test database's cluster."""
    return dxhelpers.own_database_url(database_url())


def at_once(calls) -> list:
    """Runs every call in `calls` at the same moment (one thread each, behind a barrier): each one's result, or the
    error's code and message."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            return call()
        except ClientError as error:
            return f'{error.response["Error"]["Code"]}: {error.response["Error"]["Message"]}'

    with cf.ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def clients(pair, account, service="directconnect"):
    make = dxhelpers.make_client if service == "directconnect" else dxhelpers.make_sm_client
    return [make(server.url, account=account, pool=64) for server in pair]


def outcome(call) -> str:
    try:
        call()
        return "ok"
    except ClientError as error:
        message = error.response["Error"]["Message"]
        if "already has 3 MACsec keys" in message:
            return "keychain full"
        if "already associated" in message:
            return "duplicate ckn"
        return f'{error.response["Error"]["Code"]}: {message}'


def test_racing_associations_across_instances_fill_the_keychain_exactly(pair):
    account = dxhelpers.random_account()
    a, b = clients(pair, account)
    connection_id = a.create_connection(location="EqDC2", bandwidth="10Gbps", connectionName="race",
                                        requestMACSec=True)["connectionId"]

    def associate(index: int) -> str:
        client = (a, b)[index % 2]
        return outcome(lambda: client.associate_mac_sec_key(
            connectionId=connection_id, ckn=secrets.token_hex(32), cak=secrets.token_hex(32)))

    with cf.ThreadPoolExecutor(32) as pool:
        results = Counter(pool.map(associate, range(32)))
    assert results == Counter({"ok": 3, "keychain full": 29}), results

    keys_a = dxhelpers.describe_connection(a, connection_id)["macSecKeys"]
    keys_b = dxhelpers.describe_connection(b, connection_id)["macSecKeys"]
    assert keys_a == keys_b
    assert len(keys_a) == 3
    # No orphaned secret: exactly the three associated keys' secrets exist.
    sm = dxhelpers.make_sm_client(pair[1].url, account=account)
    listed = sm.list_secrets(IncludePlannedDeletion=True,
                             Filters=[{"Key": "owning-service", "Values": ["directconnect"]}])["SecretList"]
    assert sorted(s["ARN"] for s in listed) == sorted(k["secretARN"] for k in keys_a)


def test_racing_the_same_ckn_across_instances_associates_it_once(pair):
    account = dxhelpers.random_account()
    a, b = clients(pair, account)
    connection_id = a.create_connection(location="EqDC2", bandwidth="10Gbps", connectionName="same-ckn",
                                        requestMACSec=True)["connectionId"]
    ckn, cak = secrets.token_hex(32), secrets.token_hex(32)

    def associate(index: int) -> str:
        client = (a, b)[index % 2]
        return outcome(lambda: client.associate_mac_sec_key(connectionId=connection_id, ckn=ckn, cak=cak))

    with cf.ThreadPoolExecutor(16) as pool:
        results = Counter(pool.map(associate, range(16)))
    assert results == Counter({"ok": 1, "duplicate ckn": 15}), results
    assert len(dxhelpers.describe_connection(b, connection_id)["macSecKeys"]) == 1


def test_racing_associations_on_a_lag_are_mirrored_on_every_member_from_both_instances(pair):
    account = dxhelpers.random_account()
    a, b = clients(pair, account)
    lag = a.create_lag(numberOfConnections=2, location="EqDC2", connectionsBandwidth="10Gbps",
                       lagName="race-lag", requestMACSec=True)
    lag_id = lag["lagId"]

    def associate(index: int) -> str:
        client = (a, b)[index % 2]
        return outcome(lambda: client.associate_mac_sec_key(
            connectionId=lag_id, ckn=secrets.token_hex(32), cak=secrets.token_hex(32)))

    with cf.ThreadPoolExecutor(16) as pool:
        results = Counter(pool.map(associate, range(16)))
    assert results == Counter({"ok": 3, "keychain full": 13}), results
    lag_keys = dxhelpers.describe_lag(b, lag_id)["macSecKeys"]
    assert len(lag_keys) == 3
    for member in lag["connections"]:
        for client in (a, b):
            assert dxhelpers.describe_connection(client, member["connectionId"])["macSecKeys"] == lag_keys


def test_a_thousand_connections_created_across_both_are_seen_identically_from_both(pair):
    account = dxhelpers.random_account()
    a, b = clients(pair, account)

    def create(index: int) -> str:
        client = (a, b)[index % 2]
        return client.create_connection(location="CSVA1", bandwidth="1Gbps",
                                        connectionName=f"bulk-{index}")["connectionId"]

    with cf.ThreadPoolExecutor(16) as pool:
        created = set(pool.map(create, range(1000)))
    assert len(created) == 1000

    def everything(client) -> list[dict]:
        return client.describe_connections()["connections"]

    seen_a, seen_b = everything(a), everything(b)
    assert {c["connectionId"] for c in seen_a} == created
    assert seen_a == seen_b
    # Paging from one instance and then the other visits each connection once.
    ids, token, turn = [], None, 0
    while True:
        kwargs = {"maxResults": 100} | ({"nextToken": token} if token else {})
        page = (a, b)[turn % 2].describe_connections(**kwargs)
        ids += [c["connectionId"] for c in page["connections"]]
        token, turn = page.get("nextToken"), turn + 1
        if not token:
            break
    assert sorted(ids) == sorted(created)


def test_instances_starting_together_on_a_new_database_migrate_it_once(server_factory):
    fresh_url = fresh_database_url()
    psql = shutil.which("psql")
    env = {"DXLOCAL_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
    with cf.ThreadPoolExecutor(4) as pool:
        servers = list(pool.map(lambda _: server_factory.start(database=fresh_url, env=env), range(4)))
    account = dxhelpers.random_account()
    created = dxhelpers.make_client(servers[0].url, account=account).create_connection(
        location="EqDC2", bandwidth="10Gbps", connectionName="after-migration")["connectionId"]
    for server in servers:
        client = dxhelpers.make_client(server.url, account=account)
        assert [c["connectionId"] for c in client.describe_connections()["connections"]] == [created]
    versions = subprocess.run([psql, fresh_url, "-At", "-c", "SELECT count(*), max(version) FROM dxlocal_schema"],
                              check=True, capture_output=True, text=True).stdout.strip()
    # One row: the four instances migrated the new database once, all the way to this build's schema.
    assert versions == f"1|{current_schema_version()}"


def current_schema_version() -> int:
    """SchemaVersion.current, as the Swift source declares it."""
    source = (dxhelpers.REPO_ROOT / "Sources" / "Storage" / "Store.swift").read_text()
    match = re.search(r"static let current = (\d+)", source)
    assert match, "SchemaVersion.current not found in Sources/Storage/Store.swift"
    return int(match.group(1))


def test_both_instances_replay_the_same_mka_link(pair):
    """SPEC 12: the link is computed from the stored records, so a customer router configured through one instance
    is seen by the other with the same participants (member identifiers, key server, SAK key number), secured on
    the same key; a bad rotation through one is an outage on both."""
    account = dxhelpers.random_account()
    a, b = clients(pair, account)
    connection = a.create_connection(location="EqDC2", bandwidth="10Gbps", connectionName="mka",
                                     requestMACSec=True)["connectionId"]
    old, new = (dxhelpers.random_hex64(), dxhelpers.random_hex64()), (dxhelpers.random_hex64(), dxhelpers.random_hex64())
    a.associate_mac_sec_key(connectionId=connection, ckn=old[0], cak=old[1])
    put = dxhelpers.raw_request(pair[0].url, method="PUT", path=f"/_dxlocal/mka/customer/{connection}",
                                body=f'{{"keys": [{{"ckn": "{old[0]}", "cak": "{old[1]}"}}]}}',
                                content_type="application/json")
    assert put.status == 200, put

    def view(server):
        response = dxhelpers.raw_request(server.url, method="GET", path=f"/_dxlocal/mka/{connection}",
                                         content_type=None)
        assert response.status == 200, response
        body = response.json()
        ends = {side: [(p["ckn"], p["memberIdentifier"], p.get("keyServer"), p.get("keyNumber"))
                       for p in body[side]["participants"]] for side in ("device", "customer")}
        return body["secured"], body["device"].get("keyInUse"), ends

    first, second = view(pair[0]), view(pair[1])
    assert first == second and first[:2] == (True, old[0])
    b.associate_mac_sec_key(connectionId=connection, ckn=new[0], cak=new[1])
    a.disassociate_mac_sec_key(connectionId=connection, secretARN=next(
        k["secretARN"] for k in dxhelpers.describe_connection(a, connection)["macSecKeys"] if k["ckn"] == old[0]))
    for client in (a, b):
        assert dxhelpers.describe_connection(client, connection)["portEncryptionStatus"] == "Encryption Down"
    assert view(pair[0]) == view(pair[1])


# What a write decides from records that are not there yet (the first pool of peering addresses, a free ID, room
# under a limit, a gateway no association names) must hold against a writer on the other instance deciding the same.


def test_racing_interfaces_on_a_new_account_draw_distinct_automatic_peering_addresses(pair):
    """SPEC 7: an automatic /30 is never reused within an account and region, though the account's pool does not
    exist until the first interface draws from it."""
    account = dxhelpers.random_account()
    a, b = clients(pair, account)
    ec2 = dxhelpers._client("ec2", pair[0].url, account, "us-east-1", dxhelpers.boto_config())
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
    connections = [a.create_connection(location="EqDC2", bandwidth="1Gbps", connectionName=f"peer-{index}")
                   ["connectionId"] for index in range(8)]

    def create(index: int):
        return lambda: (a, b)[index % 2].create_private_virtual_interface(
            connectionId=connections[index], newPrivateVirtualInterface={
                "virtualInterfaceName": f"vif-{index}", "vlan": 100, "asn": 65000, "virtualGatewayId": vgw})

    created = at_once([create(index) for index in range(8)])
    assert all(isinstance(answer, dict) for answer in created), created
    blocks = [answer["amazonAddress"] for answer in created]
    assert len(set(blocks)) == 8, blocks
    assert len({answer["customerAddress"] for answer in created}) == 8
    later = a.create_private_virtual_interface(
        connectionId=a.create_connection(location="EqDC2", bandwidth="1Gbps", connectionName="later")["connectionId"],
        newPrivateVirtualInterface={"virtualInterfaceName": "later", "vlan": 100, "asn": 65000,
                                    "virtualGatewayId": vgw})
    assert later["amazonAddress"] not in blocks


def test_racing_gateway_creations_stop_at_the_account_limit(pair):
    """SPEC 7: 200 Direct Connect gateways an account, with creations of both instances counting."""
    account = dxhelpers.random_account()
    a, b = clients(pair, account)
    with cf.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda index: a.create_direct_connect_gateway(directConnectGatewayName=f"gw-{index}"),
                      range(196)))
    answers = at_once([lambda index=index: (a, b)[index % 2].create_direct_connect_gateway(
        directConnectGatewayName=f"race-{index}") for index in range(8)])
    refused = f"DirectConnectClientException: Account {account} already has 200 Direct Connect gateways, the most " \
              "an account may have"
    assert Counter("ok" if isinstance(answer, dict) else answer for answer in answers) == \
        Counter({"ok": 4, refused: 4}), answers
    for client in (a, b):
        listed, token = [], None
        while True:
            page = client.describe_direct_connect_gateways(maxResults=100, **({"nextToken": token} if token else {}))
            listed += page["directConnectGateways"]
            token = page.get("nextToken")
            if not token:
                break
        assert len(listed) == 200


def test_seeded_instances_racing_never_hand_out_one_id_twice(server_factory):
    """README: a generated ID is never one a record already has, in any account or region, though two instances
    with the same --random-seed draw the same names: creations at the same moment get distinct IDs, and none is
    lost."""
    first, second = start_pair(server_factory, database=fresh_database_url(), extra_args=("--random-seed", "42"))
    for accounts in ((dxhelpers.random_account(), dxhelpers.random_account()), (dxhelpers.random_account(),) * 2):
        a = dxhelpers.make_client(first.url, account=accounts[0])
        b = dxhelpers.make_client(second.url, account=accounts[1])
        created = at_once([lambda: a.create_connection(location="EqDC2", bandwidth="1Gbps", connectionName="from-a"),
                           lambda: b.create_connection(location="EqDC2", bandwidth="1Gbps", connectionName="from-b")])
        assert all(isinstance(answer, dict) for answer in created), created
        ids = [answer["connectionId"] for answer in created]
        assert ids[0] != ids[1], ids
        for client, account in ((a, accounts[0]), (b, accounts[1])):
            held = {(c["connectionId"], c["connectionName"])
                    for c in client.describe_connections()["connections"]}
            mine = {(answer["connectionId"], answer["connectionName"]) for answer in created
                    if answer["ownerAccount"] == account}
            assert held == mine, (held, mine)


def test_external_gateway_racing_onto_many_direct_connect_gateways_is_associated_once(server_factory):
    """With `--ec2 external` no record stands for the virtual private or transit gateway, yet it joins one Direct
    Connect gateway only, whichever instance the racing associations reach."""
    first, second = start_pair(server_factory, extra_args=("--ec2", "external"))
    account = dxhelpers.random_account()
    a, b = clients((first, second), account)
    gateways = [a.create_direct_connect_gateway(directConnectGatewayName=f"gw-{index}")["directConnectGateway"]
                ["directConnectGatewayId"] for index in range(16)]
    for kind, target, extra, group in (
        ("VirtualGateway", {"virtualGatewayId": f"vgw-{secrets.token_hex(9)[:17]}"}, {}, gateways[:8]),
        ("TransitGateway", {"gatewayId": f"tgw-{secrets.token_hex(9)[:17]}"},
         {"addAllowedPrefixesToDirectConnectGateway": [{"cidr": "10.0.0.0/16"}]}, gateways[8:]),
    ):
        answers = at_once([lambda index=index, gateway=gateway: (a, b)[index % 2]
                           .create_direct_connect_gateway_association(directConnectGatewayId=gateway, **target, **extra)
                           for index, gateway in enumerate(group)])
        gateway_id = next(iter(target.values()))
        refused = f"DirectConnectClientException: {kind} {gateway_id} is already associated with another Direct " \
                  "Connect Gateway"
        assert Counter("ok" if isinstance(answer, dict) else answer for answer in answers) == \
            Counter({"ok": 1, refused: 7}), answers
        for client in (a, b):
            listed = client.describe_direct_connect_gateway_associations(associatedGatewayId=gateway_id)
            assert len(listed["directConnectGatewayAssociations"]) == 1


def test_a_clock_moved_through_one_instance_moves_for_every_instance(server_factory):
    """SPEC 8: the same answer from every instance. The offset `POST /_dxlocal/clock` gives is kept in the store, and
    each instance with --clock-control reads it: a connection settled on one is settled on the other."""
    first, second = start_pair(server_factory, database=fresh_database_url(),
                               extra_args=("--clock-control", "--settle-time", "60"))
    account = dxhelpers.random_account()
    a, b = clients((first, second), account)
    connection = a.create_connection(location="EqDC2", bandwidth="1Gbps", connectionName="timed")["connectionId"]
    for client in (a, b):
        assert dxhelpers.describe_connection(client, connection)["connectionState"] == "requested"
    moved_to = dxhelpers.advance_clock(first, 120)
    for client in (a, b):
        assert dxhelpers.describe_connection(client, connection)["connectionState"] == "available"
    # Moved again through the other, from the furthest of the two.
    assert dxhelpers.advance_clock(second, 60) >= moved_to + 60
