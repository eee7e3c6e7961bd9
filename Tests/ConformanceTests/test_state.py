"""SPEC 11: `GET /_dxlocal/state` exports everything as one versioned JSON document, secret values still sealed under
the master key; `PUT /_dxlocal/state` loads one (replacing everything, or `?mode=merge`), and refuses a document of
another version, one sealed under a key the server lacks, or one it cannot read, changing nothing then. A backup
taken so restores every account and region as its clients saw it."""

from __future__ import annotations

import base64
import json
import os

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import dxhelpers

REGIONS = {"us-east-1": "EqDC2", "us-west-2": "EqSe2"}


def operator(server, method: str, path: str = "/_dxlocal/state", body=None, headers=None) -> dxhelpers.RawResponse:
    data = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    return dxhelpers.raw_request(server.url, method=method, path=path, body=data, headers=headers,
                                 content_type="application/json" if data else None)


def export(server) -> bytes:
    response = operator(server, "GET")
    assert response.status == 200, response
    return response.body


def state_server(server_factory, **kwargs):
    """A server of the test's own store whose associations settle at once, so that what is compared before and after
    a state moves is not a clock's reading."""
    return dxhelpers.own_store_server(server_factory, extra_args=("--settle-time-association", "0"), **kwargs)


def populate(server, account: str, region: str) -> dict:
    """A MACsec connection with a key, a LAG, a tag, a secret of the account's own and a port held down."""
    dx = dxhelpers.make_client(server.url, account=account, region=region)
    sm = dxhelpers.make_sm_client(server.url, account=account, region=region)
    connection = dx.create_connection(location=REGIONS[region], bandwidth="10Gbps", connectionName="state",
                                      requestMACSec=True)["connectionId"]
    cak = dxhelpers.random_hex64()
    dx.associate_mac_sec_key(connectionId=connection, ckn=dxhelpers.random_hex64(), cak=cak)
    dx.create_lag(numberOfConnections=1, location=REGIONS[region], connectionsBandwidth="10Gbps", lagName="state")
    dx.tag_resource(resourceArn=dxhelpers.connection_arn(region, account, connection),
                    tags=[{"key": "k", "value": "v"}])
    gateway = dx.create_direct_connect_gateway(directConnectGatewayName="state-" + region, amazonSideAsn=4200000000,
                                               tags=[{"key": "k", "value": region}])["directConnectGateway"]
    # EC2's gateways and a transit gateway association, whose EC2 attachment travels with the state too.
    ec2 = dxhelpers._client("ec2", server.url, account, region, dxhelpers.boto_config())
    ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [
        {"Key": "Name", "Value": region}]}])
    tgw = ec2.create_transit_gateway(Description=region)["TransitGateway"]["TransitGatewayId"]
    dx.create_direct_connect_gateway_association(directConnectGatewayId=gateway["directConnectGatewayId"],
                                                 gatewayId=tgw,
                                                 addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.8.0.0/16"}])
    value = "state-secret-" + dxhelpers.random_hex64()
    sm.create_secret(Name="plain-" + region, SecretString=value)
    down = dx.create_connection(location=REGIONS[region], bandwidth="1Gbps", connectionName="down")["connectionId"]
    assert operator(server, "POST", "/_dxlocal/simulate", {"connectionId": down, "event": "port-down"}).status == 200
    return {"cak": cak, "value": value}


def holdings(server, account: str, region: str) -> dict:
    """Everything an account has in a region (reading the value moves LastAccessedDate, which is left out)."""
    sm = dxhelpers.make_sm_client(server.url, account=account, region=region)
    return {**dxhelpers.server_snapshot(server.url, account, region),
            "value": sm.get_secret_value(SecretId="plain-" + region)["SecretString"]}


def everything(server, accounts) -> dict:
    return {(account, region): holdings(server, account, region) for account in accounts for region in REGIONS}


@pytest.fixture
def master_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_an_export_loaded_again_restores_everything(server_factory, master_key):
    server = state_server(server_factory, env={"DXLOCAL_MASTER_KEY": master_key})
    accounts = [dxhelpers.random_account(), dxhelpers.random_account()]
    material = [populate(server, account, region) for account in accounts for region in REGIONS]
    rules = [{"operation": "DescribeLags", "latencyMs": 1}]
    operator(server, "POST", "/_dxlocal/faults", rules)
    before = everything(server, accounts)
    document = export(server)

    parsed = json.loads(document)
    assert parsed["version"] == 1 and isinstance(parsed["version"], int)
    assert len(parsed["masterKeyIds"]) == 1
    assert {record["kind"] for record in parsed["records"]} == {"connection", "lag", "gateway", "secret", "association",
                                                               "vpc", "transitGateway", "transitGatewayAttachment"}
    assert parsed["faults"] == [{"operation": "DescribeLags", "probability": 1, "latencyMs": 1}]
    for item in material:
        for needle in dxhelpers.hex_needles(item["cak"]) + [item["value"].encode()]:
            assert needle not in document, "key material in plaintext in the export"

    assert operator(server, "POST", "/_dxlocal/reset").status == 200
    assert operator(server, "GET", "/_dxlocal/faults").json() == []
    response = operator(server, "PUT", body=document)
    assert response.status == 200, response
    assert response.json() == {"status": "ok", "records": len(parsed["records"])}
    assert everything(server, accounts) == before
    assert operator(server, "GET", "/_dxlocal/faults").json() == parsed["faults"]
    # A second server with the same master key takes the same document: a backup restores elsewhere.
    other = state_server(server_factory, env={"DXLOCAL_MASTER_KEY": master_key})
    assert operator(other, "PUT", body=document).status == 200
    assert everything(other, accounts) == before


def test_a_document_sealed_under_another_key_is_refused(server_factory, master_key):
    source = state_server(server_factory, env={"DXLOCAL_MASTER_KEY": master_key})
    account = dxhelpers.random_account()
    populate(source, account, "us-east-1")
    document = export(source)
    target = state_server(server_factory,
                                        env={"DXLOCAL_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()})
    kept = dxhelpers.random_account()
    dxhelpers.make_client(target.url, account=kept).create_connection(location="EqDC2", bandwidth="1Gbps",
                                                                      connectionName="kept")
    before = export(target)
    error = dxhelpers.assert_aws_error(operator(target, "PUT", body=document), 400, "ValidationException")
    assert "master key" in error["message"], error
    assert json.loads(export(target))["records"] == json.loads(before)["records"]


def test_every_sealed_value_is_named_and_must_open(server_factory, master_key):
    """Not only secrets are sealed: a BGP auth key and a customer router's history are too. The export names their
    keys, and an import opens every sealed value before it takes the document: a document whose only sealed value is
    an auth key under another key, or a sealed value with one byte changed, is refused and changes nothing."""
    source = state_server(server_factory, env={"DXLOCAL_MASTER_KEY": master_key})
    account = dxhelpers.random_account()
    dx = dxhelpers.make_client(source.url, account=account)
    connection = dx.create_connection(location="EqDC2", bandwidth="1Gbps", connectionName="vif")["connectionId"]
    gateway = dx.create_direct_connect_gateway(directConnectGatewayName="g", amazonSideAsn=64513)[
        "directConnectGateway"]["directConnectGatewayId"]
    dx.create_private_virtual_interface(connectionId=connection, newPrivateVirtualInterface={
        "virtualInterfaceName": "v", "vlan": 10, "asn": 65000, "directConnectGatewayId": gateway})
    document = json.loads(export(source))
    assert len(document["masterKeyIds"]) == 1, document["masterKeyIds"]
    (interface,) = [r for r in document["records"] if r["kind"] == "vif"]
    peer = interface["record"]["peers"][0]

    target = state_server(server_factory, env={"DXLOCAL_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()})
    before = export(target)
    error = dxhelpers.assert_aws_error(operator(target, "PUT", body=json.dumps(document).encode()), 400,
                                       "ValidationException")
    assert f"master key {peer['masterKeyId']}" in error["message"], error
    assert json.loads(export(target))["records"] == json.loads(before)["records"]

    sealed = bytearray(base64.b64decode(peer["sealedAuthKey"]))
    sealed[-1] ^= 1
    peer["sealedAuthKey"] = base64.b64encode(bytes(sealed)).decode()
    before = export(source)
    error = dxhelpers.assert_aws_error(operator(source, "PUT", body=json.dumps(document).encode()), 400,
                                       "ValidationException")
    assert "does not open" in error["message"], error
    assert json.loads(export(source))["records"] == json.loads(before)["records"]
    assert dx.describe_virtual_interfaces()["virtualInterfaces"][0]["virtualInterfaceState"] == "available"


def test_merge_keeps_what_the_server_holds(server_factory, master_key):
    server = state_server(server_factory, env={"DXLOCAL_MASTER_KEY": master_key})
    first, second = dxhelpers.random_account(), dxhelpers.random_account()
    populate(server, first, "us-east-1")
    exported = holdings(server, first, "us-east-1")
    document = export(server)
    assert operator(server, "POST", "/_dxlocal/reset").status == 200
    populate(server, second, "us-west-2")
    kept = holdings(server, second, "us-west-2")
    response = operator(server, "PUT", "/_dxlocal/state?mode=merge", document)
    assert response.status == 200, response
    assert holdings(server, second, "us-west-2") == kept
    assert holdings(server, first, "us-east-1") == exported
    # Merging the same document again changes nothing.
    again = export(server)
    assert operator(server, "PUT", "/_dxlocal/state?mode=merge", document).status == 200
    assert json.loads(export(server))["records"] == json.loads(again)["records"]


def mutate(document: dict, change) -> bytes:
    copy = json.loads(json.dumps(document))
    change(copy)
    return json.dumps(copy).encode()


def first(document: dict, kind: str) -> dict:
    return next(record for record in document["records"] if record["kind"] == kind)


CASES = [
    ("not JSON", lambda d: None, b"{", "SerializationException", "not valid JSON"),
    ("another version", lambda d: d.update(version=2), None, "ValidationException", "version 1, not 2"),
    ("no version", lambda d: d.pop("version"), None, "SerializationException", "version"),
    ("no records", lambda d: d.pop("records"), None, "SerializationException", "records"),
    ("an unknown kind", lambda d: d["records"][0].update(kind="spaceship"), None, "ValidationException", "kind"),
    ("a bad account", lambda d: d["records"][0].update(account="12"), None, "ValidationException", "12-digit"),
    ("a bad region", lambda d: d["records"][0].update(region="Mars"), None, "ValidationException", "region"),
    ("an unreadable record", lambda d: d["records"][0].update(record={"id": 5}), None, "ValidationException",
     "cannot be read"),
    ("a repeated record", lambda d: d["records"].append(d["records"][0]), None, "ValidationException",
     "earlier record"),
    ("a bad fault rule", lambda d: d.update(faults=[{"probability": 3}]), None, "ValidationException",
     "probability"),
    # Records no request could have made (SPEC 2's ID forms; SPEC 7: gateways are global; SPEC 11: an ID names one
    # resource everywhere).
    ("an ID of another form", lambda d: first(d, "connection")["record"].update(id='DXCON-"x'), None,
     "ValidationException", "is not an ID of the form dxcon-"),
    ("an empty ID", lambda d: first(d, "vpc")["record"].update(id=""), None, "ValidationException",
     "is not an ID of the form vpc-"),
    ("a connection in a global scope", lambda d: first(d, "connection").update(region=""), None,
     "ValidationException", "belongs to a region"),
    ("a gateway in a region", lambda d: first(d, "gateway").update(region="us-east-1"), None, "ValidationException",
     "global scope"),
    ("a connection in two accounts", lambda d: d["records"].append({**first(d, "connection"),
                                                                    "account": "444455556666"}),
     None, "ValidationException", "one resource in every account and region"),
    ("a gateway in two accounts", lambda d: d["records"].append({**first(d, "gateway"), "account": "444455556666"}),
     None, "ValidationException", "one resource in every account and region"),
    ("a secret's ARN of another region", lambda d: first(d, "secret").update(region="us-west-2"), None,
     "ValidationException", "a secret's ARN must begin arn:aws:secretsmanager:us-west-2:"),
    # A clock offset no `POST /_dxlocal/clock` could have made.
    ("a clock offset behind", lambda d: d.update(clockOffsetSeconds=-1), None, "ValidationException",
     "clockOffsetSeconds must be at least 0"),
    ("a clock offset past 9999", lambda d: d.update(clockOffsetSeconds=1e12), None, "ValidationException",
     "clockOffsetSeconds must be at least 0"),
    ("a clock offset not a number", lambda d: d.update(clockOffsetSeconds="soon"), None, "SerializationException",
     "clockOffsetSeconds"),
    # A record that names another the document lacks: the LAG's member stays, its LAG goes.
    ("a LAG member without its LAG", lambda d: d.update(records=[r for r in d["records"] if r["kind"] != "lag"]),
     None, "ValidationException", "its lagId"),
]


@pytest.mark.parametrize("name, change, raw, code, words", CASES, ids=[case[0] for case in CASES])
def test_a_document_it_refuses_changes_nothing(server_factory, name, change, raw, code, words):
    server = state_server(server_factory)
    populate(server, dxhelpers.random_account(), "us-east-1")
    document = json.loads(export(server))
    before = export(server)
    body = raw if raw is not None else mutate(document, change)
    error = dxhelpers.assert_aws_error(operator(server, "PUT", body=body), 400, code)
    assert words in error["message"], error
    after = json.loads(export(server))
    assert after["records"] == json.loads(before)["records"]
    assert "clockOffsetSeconds" not in after
    dxhelpers.assert_aws_error(operator(server, "PUT", "/_dxlocal/state?mode=append", document), 400,
                               "ValidationException")


def test_the_clock_a_server_was_moved_to_stays_with_its_records(server_factory, tmp_path):
    """SPEC 8: states are stored instants read on the injected clock. The offset `POST /_dxlocal/clock` gives it is
    kept with the records: a restart, a reset and a document loaded elsewhere keep what had settled settled."""
    data = tmp_path / "clocked"
    args = ("--clock-control", "--settle-time", "60")
    server = server_factory.start(data_dir=data, extra_args=args)
    account = dxhelpers.random_account()
    dx = dxhelpers.make_client(server.url, account=account)
    connection = dx.create_connection(location="EqDC2", bandwidth="1Gbps", connectionName="c")["connectionId"]
    assert dxhelpers.describe_connection(dx, connection)["connectionState"] == "requested"
    dxhelpers.advance_clock(server, 120)
    assert dxhelpers.describe_connection(dx, connection)["connectionState"] == "available"
    document = json.loads(export(server))
    assert document["clockOffsetSeconds"] >= 120

    server.stop()
    server = server_factory.start(data_dir=data, extra_args=args)
    dx = dxhelpers.make_client(server.url, account=account)
    assert dxhelpers.describe_connection(dx, connection)["connectionState"] == "available"
    # A reset keeps the clock: time only runs forward.
    assert operator(server, "POST", "/_dxlocal/reset").status == 200
    assert json.loads(export(server))["clockOffsetSeconds"] == document["clockOffsetSeconds"]

    # Another server, without --clock-control, loading the document moves its clock as far. On PostgreSQL it gets a
    # database of its own: the offset it loads is its store's, and any server started later on the shared database
    # would read it (its clock two minutes ahead of every other test's).
    shared = os.environ.get("DXLOCAL_CONFORMANCE_DATABASE")
    fresh = server_factory.start(extra_args=("--settle-time", "60"),
                                 database=dxhelpers.own_database_url(shared) if shared else None)
    assert operator(fresh, "PUT", body=document).status == 200
    loaded = dxhelpers.make_client(fresh.url, account=account)
    assert dxhelpers.describe_connection(loaded, connection)["connectionState"] == "available"
    assert json.loads(export(fresh))["clockOffsetSeconds"] == document["clockOffsetSeconds"]


def test_with_sigv4_only_a_caller_from_the_credentials_file_may_export(server_factory, tmp_path):
    key, secret = "AKIDSTATETEST", "state-secret"
    credentials = tmp_path / "credentials"
    credentials.write_text(f"{key} {secret} 789012345678\n")
    server = server_factory.start(extra_args=("--auth", "sigv4", "--credentials-file", str(credentials)))
    dxhelpers.assert_aws_error(operator(server, "GET"), 403, "MissingAuthenticationTokenException")
    request = AWSRequest(method="GET", url=server.url + "/_dxlocal/state", data=b"", headers={})
    SigV4Auth(Credentials(key, secret), "directconnect", "us-east-1").add_auth(request)
    response = operator(server, "GET", headers=dict(request.headers.items()))
    assert response.status == 200, response
    assert json.loads(response.body)["version"] == 1


def test_a_merge_refuses_an_id_the_server_holds_in_another_account(server_factory):
    server = state_server(server_factory)
    owner, other = dxhelpers.random_account(), dxhelpers.random_account()
    populate(server, owner, "us-east-1")
    document = json.loads(export(server))
    before = export(server)
    moved = {**document, "records": [{**first(document, "connection"), "account": other}]}
    error = dxhelpers.assert_aws_error(operator(server, "PUT", "/_dxlocal/state?mode=merge", moved), 400,
                                       "ValidationException")
    assert f"account {owner}, region us-east-1 in this server already" in error["message"], error
    assert json.loads(export(server))["records"] == json.loads(before)["records"]


def test_a_record_naming_one_the_document_lacks_is_refused(server_factory):
    """A live virtual interface names its connection, a customer router its MACsec port: a document without them is
    refused, naming the record and the ID, and changes nothing; what the server holds answers for a merge. A deleted
    interface may outlive its connection, as on the service."""
    server = state_server(server_factory)
    account = dxhelpers.random_account()
    dx = dxhelpers.make_client(server.url, account=account)
    carrier = dxhelpers.create_connection(dx, macsec=False)
    gateway = dx.create_direct_connect_gateway(directConnectGatewayName="refs", amazonSideAsn=64600)[
        "directConnectGateway"]["directConnectGatewayId"]
    dx.create_private_virtual_interface(connectionId=carrier, newPrivateVirtualInterface={
        "virtualInterfaceName": "refs", "vlan": 101, "asn": 65000, "directConnectGatewayId": gateway})
    port = dxhelpers.create_connection(dx, macsec=True)
    ckn, cak = dxhelpers.random_hex64(), dxhelpers.random_hex64()
    assert operator(server, "PUT", f"/_dxlocal/mka/customer/{port}", {"keys": [{"ckn": ckn, "cak": cak}]}).status == 200
    # What the service's own operations leave must load again as it is: a LAG and its member, a hosted connection
    # of a partner's interconnect with an interface on it, an interface deleted with its connection.
    dx.create_lag(numberOfConnections=1, location="EqDC2", connectionsBandwidth="10Gbps", lagName="refs")
    partner = dxhelpers.make_client(server.url, account=dxhelpers.random_account())
    parent = partner.create_interconnect(interconnectName="refs", bandwidth="10Gbps", location="EqDC2")[
        "interconnectId"]
    hosted = partner.allocate_hosted_connection(connectionId=parent, ownerAccount=account, bandwidth="500Mbps",
                                                connectionName="refs", vlan=201)["connectionId"]
    dx.confirm_connection(connectionId=hosted)
    dx.create_private_virtual_interface(connectionId=hosted, newPrivateVirtualInterface={
        "virtualInterfaceName": "hosted", "vlan": 201, "asn": 65000, "directConnectGatewayId": gateway})
    short = dxhelpers.create_connection(dx, macsec=False)
    gone = dx.create_private_virtual_interface(connectionId=short, newPrivateVirtualInterface={
        "virtualInterfaceName": "gone", "vlan": 301, "asn": 65000, "directConnectGatewayId": gateway})
    dx.delete_virtual_interface(virtualInterfaceId=gone["virtualInterfaceId"])
    dx.delete_connection(connectionId=short)
    whole = export(server)
    assert operator(server, "PUT", body=whole).status == 200
    assert json.loads(export(server))["records"] == json.loads(whole)["records"]
    document = json.loads(whole)
    before = whole

    def without(identifier: str) -> dict:
        return {**document, "records": [r for r in document["records"]
                                         if not (r["kind"] == "connection" and r["record"]["id"] == identifier)]}

    def refused(body: dict, mode: str, words: str) -> None:
        error = dxhelpers.assert_aws_error(operator(server, "PUT", "/_dxlocal/state" + mode, body), 400,
                                           "ValidationException")
        assert words in error["message"], error
        assert json.loads(export(server))["records"] == json.loads(before)["records"]

    refused(without(carrier), "", f'its connectionId "{carrier}" names a connection or LAG of account {account}, '
            "region us-east-1, which the document does not hold")
    refused(without(port), "", f'its id "{port}" names a MACsec-capable dedicated connection')
    interface = next(r for r in document["records"] if r["kind"] == "vif" and r["record"]["connectionId"] == carrier)
    # A merge of the interface alone: its connection is on the server; one it names nowhere is refused.
    assert operator(server, "PUT", "/_dxlocal/state?mode=merge", {**document, "records": [interface]}).status == 200
    elsewhere = json.loads(json.dumps(interface))
    elsewhere["record"]["connectionId"] = "dxcon-zzzzzzzz"
    refused({**document, "records": [elsewhere]}, "?mode=merge", "neither the document nor this server holds")
    # Nor may a merge turn what the server's records name into something they cannot name: the interface's carrier
    # into an interconnect, the customer router's port into one without MACsec.
    for identifier, change, words in ((carrier, lambda r: r.update(kind="interconnect"), "as a connection or LAG"),
                                      (port, lambda r: r["port"].update(macSecCapable=False),
                                       "as a MACsec-capable dedicated connection")):
        record = json.loads(json.dumps(next(r for r in document["records"]
                                            if r["kind"] == "connection" and r["record"]["id"] == identifier)))
        change(record["record"])
        refused({**document, "records": [record]}, "?mode=merge", f"{words}, which the document's record is not")
    # Deleted, the interface no longer needs its connection.
    gone = without(carrier)
    next(r for r in gone["records"] if r["kind"] == "vif" and r["record"]["connectionId"] == carrier)["record"][
        "deletedAt"] = 1_000_000_000
    assert operator(server, "PUT", body=gone).status == 200
    assert carrier not in [c["connectionId"] for c in dx.describe_connections()["connections"]]


def test_a_merge_never_hands_out_a_peering_address_twice(server_factory):
    """SPEC 7: automatic peering addresses are never reused in an account and region; merging an older export must
    not take the scope's count of them back."""
    server = state_server(server_factory)
    dx = dxhelpers.make_client(server.url, account=dxhelpers.random_account())
    connection = dxhelpers.create_connection(dx, macsec=False)
    gateway = dx.create_direct_connect_gateway(directConnectGatewayName="pool", amazonSideAsn=64600)[
        "directConnectGateway"]["directConnectGatewayId"]

    def interface(vlan: int) -> str:
        return dx.create_private_virtual_interface(connectionId=connection, newPrivateVirtualInterface={
            "virtualInterfaceName": f"v{vlan}", "vlan": vlan, "asn": 65000,
            "directConnectGatewayId": gateway})["amazonAddress"]

    addresses = [interface(101)]
    older = export(server)
    addresses += [interface(102), interface(103)]
    assert operator(server, "PUT", "/_dxlocal/state?mode=merge", older).status == 200
    addresses.append(interface(104))
    assert len(set(addresses)) == 4, addresses


def test_after_a_fixture_is_loaded_a_seeded_server_names_new_resources_afresh(server_factory):
    """The README's fixture recipe under --random-seed: a reset starts the names again, so the names that made the
    fixture must not come again after it is loaded, in any account or region."""
    server = dxhelpers.own_store_server(server_factory, extra_args=("--random-seed", "7"))
    account = dxhelpers.random_account()
    east = dxhelpers.make_client(server.url, account=account, region="us-east-1")
    west = dxhelpers.make_client(server.url, account=account, region="eu-west-1")
    assert operator(server, "POST", "/_dxlocal/reset").status == 200
    # One request in the place of the PUT below, so that without the fix the names after the PUT are the fixture's.
    assert operator(server, "GET", "/_dxlocal/health").status == 200
    fixture_id = east.create_connection(location="EqDC2", bandwidth="10Gbps", connectionName="f")["connectionId"]
    fixture = export(server)
    names = []
    for _ in range(2):
        assert operator(server, "POST", "/_dxlocal/reset").status == 200
        assert operator(server, "PUT", body=fixture).status == 200
        names.append(west.create_connection(location="EqLD5", bandwidth="10Gbps",
                                            connectionName="t")["connectionId"])
    assert fixture_id not in names
    assert names[0] == names[1]  # the same fixture, the same names after it
    assert [c["connectionId"] for c in east.describe_connections()["connections"]] == [fixture_id]


def test_a_seeded_server_merging_one_document_twice_names_new_resources_afresh(server_factory):
    """A merge keeps what was made since the last one: the names after a second merge of the same document must not
    be those after the first, in any account (SPEC 11: an ID names one resource everywhere)."""
    server = dxhelpers.own_store_server(server_factory, extra_args=("--random-seed", "7"))
    first, second = dxhelpers.random_account(), dxhelpers.random_account()
    assert operator(server, "POST", "/_dxlocal/reset").status == 200
    dxhelpers.make_client(server.url, account=first).create_connection(location="EqDC2", bandwidth="10Gbps",
                                                                       connectionName="fixture")
    fixture = export(server)
    made = []
    for account in (first, second):
        assert operator(server, "PUT", "/_dxlocal/state?mode=merge", fixture).status == 200
        made.append(dxhelpers.make_client(server.url, account=account).create_connection(
            location="EqDC2", bandwidth="10Gbps", connectionName="after")["connectionId"])
    assert made[0] != made[1]
    # And the server's own export loads again.
    fresh = state_server(server_factory)
    assert operator(fresh, "PUT", body=export(server)).status == 200


def test_an_import_never_leaves_one_vlan_twice_on_a_connection(server_factory):
    """SPEC 7: a VLAN is unique on its connection. A merge bringing back an interface whose VLAN a newer one holds,
    or a document holding two live interfaces of one VLAN on one connection, is refused and changes nothing; an
    interface deleted since may share it."""
    server = state_server(server_factory)
    account = dxhelpers.random_account()
    dx = dxhelpers.make_client(server.url, account=account)
    _, _, interface = dxhelpers.private_interface_site(dx, "vlans")
    old = interface(101, "old")["virtualInterfaceId"]
    document = json.loads(export(server))
    dx.delete_virtual_interface(virtualInterfaceId=old)
    new = interface(101, "new")["virtualInterfaceId"]
    before = export(server)
    error = dxhelpers.assert_aws_error(operator(server, "PUT", "/_dxlocal/state?mode=merge", document), 400,
                                       "ValidationException")
    assert "both hold VLAN 101" in error["message"] and old in error["message"] and new in error["message"], error
    assert json.loads(export(server))["records"] == json.loads(before)["records"]

    # The server's own state, deleted interface and all, loads back.
    assert operator(server, "PUT", body=before).status == 200
    # A document of its own with both live is refused too.
    both = json.loads(before)
    (deleted,) = [r for r in both["records"] if r["kind"] == "vif" and r["record"]["id"] == old]
    deleted["record"].pop("deletedAt")
    error = dxhelpers.assert_aws_error(operator(server, "PUT", body=both), 400, "ValidationException")
    assert "both hold VLAN 101" in error["message"], error
    assert json.loads(export(server))["records"] == json.loads(before)["records"]


def test_a_document_from_a_server_whose_clock_moved_ahead_loads_as_it_was_made(server_factory, master_key):
    """An interface deleted on a server whose clock was moved a day ahead reads deleted on that clock; a server
    loading the document reads it on the same clock (the document's offset), so its VLAN, taken again since, is
    no clash."""
    env = {"DXLOCAL_MASTER_KEY": master_key}
    ahead = server_factory.start(extra_args=("--clock-control", "--settle-time-association", "0"), env=env)
    dxhelpers.advance_clock(ahead, 86_400)
    account = dxhelpers.random_account()
    dx = dxhelpers.make_client(ahead.url, account=account)
    _, connection, interface = dxhelpers.private_interface_site(dx, "ahead")
    old = interface(101)
    dx.delete_virtual_interface(virtualInterfaceId=old["virtualInterfaceId"])
    interface(101)
    document = export(ahead)
    fresh = state_server(server_factory, env=env)
    loaded = operator(fresh, "PUT", body=document)
    assert loaded.status == 200, loaded
    states = {i["virtualInterfaceId"]: i["virtualInterfaceState"] for i in dxhelpers.make_client(
        fresh.url, account=account).describe_virtual_interfaces(connectionId=connection)["virtualInterfaces"]}
    assert states[old["virtualInterfaceId"]] == "deleted" and sorted(states.values()) == ["available", "deleted"]
