"""SPEC 11: `dxlocal serve --seed FILE` creates a declarative scene at start (JSON or YAML: accounts, regions,
connections, LAGs, Direct Connect gateways, keys, fixed IDs), through the operations a client calls, into an empty store only (so every seeded server here has a
store of its own). A seed the service would refuse stops the start with a message naming the place in the file,
never a key."""

from __future__ import annotations

import json
import subprocess

import pytest

import dxhelpers

ACCOUNT, OTHER = "111122223333", "444455556666"
CKN, CAK = "0" * 63 + "1", "1234567890" * 6 + "abcd"  # all digits, leading zeros: YAML must keep them strings
GATEWAY = "5f294f92-bafb-4011-916d-9b0b00000001"

YAML_SEED = f"""
accounts:
  "{ACCOUNT}":
    us-east-1:
      connections:
        - connectionId: dxcon-seed0001
          connectionName: primary
          location: EqDC2
          bandwidth: 10Gbps
          requestMACSec: true
          tags: [{{key: team, value: "007"}}]
          macSecKeys:
            - ckn: {CKN}
              cak: {CAK}
        - connectionName: spare
          location: CSNY1
          bandwidth: 1Gbps
      lags:
        - lagId: dxlag-seed0001
          lagName: core
          location: EqDC2
          numberOfConnections: 2
          connectionsBandwidth: 10Gbps
          requestMACSec: true
      directConnectGateways:
        - directConnectGatewayId: {GATEWAY}
          directConnectGatewayName: core-gw
          amazonSideAsn: 4200000000
          tags: [{{key: team, value: net}}]
        - directConnectGatewayName: spare-gw
  "{OTHER}":
    eu-central-1:
      connections:
        - {{connectionName: theirs, location: EqFA5, bandwidth: 10Gbps}}
"""


def write(tmp_path, text: str, name: str = "seed.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def start_refused(dxlocal_bin, seed_path) -> str:
    result = subprocess.run([str(dxlocal_bin), "serve", "--in-memory", "--port", "0", "--seed", str(seed_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0, result.stdout
    return result.stderr


def test_a_yaml_seed_creates_the_scene_with_its_fixed_ids(server_factory, tmp_path):
    server = dxhelpers.own_store_server(server_factory, extra_args=("--seed", str(write(tmp_path, YAML_SEED))))
    dx = dxhelpers.make_client(server.url, account=ACCOUNT)
    connections = {c["connectionName"]: c for c in dx.describe_connections()["connections"]}
    assert set(connections) == {"primary", "spare", "Requested Connection 1 for Lag dxlag-seed0001",
                                "Requested Connection 2 for Lag dxlag-seed0001"}
    primary = connections["primary"]
    assert primary["connectionId"] == "dxcon-seed0001"
    assert primary["connectionState"] == "available"
    assert primary["macSecCapable"] is True
    assert [(k["ckn"], k["state"]) for k in primary["macSecKeys"]] == [(CKN, "associated")]
    tags = dx.describe_tags(resourceArns=[f"arn:aws:directconnect:us-east-1:{ACCOUNT}:dxcon/dxcon-seed0001"])
    assert tags["resourceTags"][0]["tags"] == [{"key": "team", "value": "007"}]
    lag = dx.describe_lags(lagId="dxlag-seed0001")["lags"][0]
    assert lag["lagName"] == "core" and len(lag["connections"]) == 2
    assert {c["lagId"] for c in lag["connections"]} == {"dxlag-seed0001"}
    # The key's secret is a real one, as an association through the API makes it.
    secret = dxhelpers.make_sm_client(server.url, account=ACCOUNT).describe_secret(SecretId=primary["macSecKeys"][0]["secretARN"])
    assert secret["Name"].endswith(CKN)
    theirs = dxhelpers.make_client(server.url, account=OTHER, region="eu-central-1").describe_connections()
    assert [c["connectionName"] for c in theirs["connections"]] == ["theirs"]
    # Gateways are global: seeded under one region, seen from every region of the account, and from no other.
    gateways = dxhelpers.make_client(server.url, account=ACCOUNT, region="ap-south-1").describe_direct_connect_gateways()
    by_name = {g["directConnectGatewayName"]: g for g in gateways["directConnectGateways"]}
    assert set(by_name) == {"core-gw", "spare-gw"}
    assert by_name["core-gw"] == {"directConnectGatewayId": GATEWAY, "directConnectGatewayName": "core-gw",
                                  "amazonSideAsn": 4200000000, "ownerAccount": ACCOUNT,
                                  "directConnectGatewayState": "available", "tags": [{"key": "team", "value": "net"}]}
    assert by_name["spare-gw"]["amazonSideAsn"] == 64512
    other = dxhelpers.make_client(server.url, account=OTHER, region="eu-central-1")
    assert other.describe_direct_connect_gateways()["directConnectGateways"] == []


def test_a_json_seed_reads_the_same(server_factory, tmp_path):
    seed = {"accounts": {ACCOUNT: {"us-west-2": {"connections": [
        {"connectionId": "dxcon-json0001", "connectionName": "j", "location": "EqSe2", "bandwidth": "100Gbps",
         "requestMACSec": True, "macSecKeys": [{"ckn": CKN, "cak": CAK}]}]}}}}
    server = dxhelpers.own_store_server(server_factory,
                                        extra_args=("--seed", str(write(tmp_path, json.dumps(seed), "seed.json"))))
    found = dxhelpers.make_client(server.url, account=ACCOUNT, region="us-west-2").describe_connections()
    assert [(c["connectionId"], c["bandwidth"]) for c in found["connections"]] == [("dxcon-json0001", "100Gbps")]


@pytest.mark.sqlite_only
def test_a_store_that_holds_records_is_not_seeded_again(server_factory, tmp_path):
    seed = write(tmp_path, YAML_SEED)
    data_dir = tmp_path / "data"
    first = server_factory.start(data_dir=data_dir, extra_args=("--seed", str(seed)))
    before = dxhelpers.make_client(first.url, account=ACCOUNT).describe_connections()["connections"]
    assert first.stop() == 0
    again = server_factory.start(data_dir=data_dir, extra_args=("--seed", str(seed)))
    after = dxhelpers.make_client(again.url, account=ACCOUNT).describe_connections()["connections"]
    assert sorted(c["connectionId"] for c in after) == sorted(c["connectionId"] for c in before)
    # A reset empties the store; it does not seed it again.
    reply = dxhelpers.raw_request(again.url, method="POST", path="/_dxlocal/reset", body=b"", content_type=None)
    assert reply.status == 200
    assert dxhelpers.make_client(again.url, account=ACCOUNT).describe_connections()["connections"] == []


@pytest.mark.sqlite_only
def test_a_seed_refused_part_way_leaves_nothing_behind(server_factory, dxlocal_bin, tmp_path):
    """A seed applies whole or not at all: its first connection made, its second's key refused, the start stops
    and the data directory holds nothing, so that the mended seed is applied at the next start."""
    data_dir = tmp_path / "data"
    good = {"connectionId": "dxcon-good0001", "connectionName": "ok", "location": "EqDC2", "bandwidth": "10Gbps"}
    bad = {"connectionId": "dxcon-good0002", "connectionName": "bad", "location": "EqDC2", "bandwidth": "10Gbps",
           "requestMACSec": True, "macSecKeys": [{"ckn": CKN, "cak": "1234"}]}

    def seed(second: dict):
        return write(tmp_path, json.dumps({"accounts": {ACCOUNT: {"us-east-1": {"connections": [good, second]}}}}),
                     "seed.json")

    result = subprocess.run([str(dxlocal_bin), "serve", "--data-dir", str(data_dir), "--port", "0", "--seed",
                             str(seed(bad))], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "connections[1]" in result.stderr, result.stderr
    mended = server_factory.start(data_dir=data_dir, extra_args=("--seed", str(seed({**bad, "macSecKeys": [
        {"ckn": CKN, "cak": CAK}]}))))
    dx = dxhelpers.make_client(mended.url, account=ACCOUNT)
    connections = {c["connectionId"]: c for c in dx.describe_connections()["connections"]}
    assert sorted(connections) == ["dxcon-good0001", "dxcon-good0002"]
    assert [key["ckn"] for key in connections["dxcon-good0002"]["macSecKeys"]] == [CKN]


@pytest.mark.parametrize("seed, said", [
    ('{"accounts": {"111122223333": {"us-east-1": {"virtualInterfaces": []}}}}', "a seed does not take these yet"),
    ('{"accounts": {"1234": {}}}', "12-digit account ID"),
    ('{"accounts": {"111122223333": {"Moon-1": {}}}}', "not a region name"),
    ('{"things": 1}', "one member, accounts"),
    ('{"accounts": {"111122223333": {"us-east-1": {"connections": [{"connectionId": "dxcon-BAD", '
     '"connectionName": "a", "location": "EqDC2", "bandwidth": "10Gbps"}]}}}}', "is not a connection ID"),
    ('{"accounts": {"111122223333": {"us-east-1": {"directConnectGateways": [{"directConnectGatewayId": '
     '"5F294F92-BAFB-4011-916D-9B0B00000001", "directConnectGatewayName": "a"}]}}}}', "lower-case UUID"),
    ('{"accounts": {"111122223333": {"us-east-1": {"directConnectGateways": [{"directConnectGatewayId": '
     '"5f294f92-bafb-4011-916d-9b0b00000001", "directConnectGatewayName": "a"}]}, "us-west-2": '
     '{"directConnectGateways": [{"directConnectGatewayId": "5f294f92-bafb-4011-916d-9b0b00000001", '
     '"directConnectGatewayName": "b"}]}}}}', "already exists"),
    ('{"accounts": {"111122223333": {"us-east-1": {"directConnectGateways": [{"directConnectGatewayName": "a", '
     '"macSecKeys": []}]}}}}', "a gateway has no keys"),
    ('{"accounts": {"111122223333": {"us-east-1": {"directConnectGateways": [{"directConnectGatewayName": "a", '
     '"amazonSideAsn": 7224}]}}}}', "directConnectGateways[0]: DirectConnectClientException"),
    ('{"accounts": {"111122223333": {"us-east-1": {"connections": [{"connectionId": "dxcon-same0001", '
     '"connectionName": "a", "location": "EqDC2", "bandwidth": "10Gbps"}, {"connectionId": "dxcon-same0001", '
     '"connectionName": "b", "location": "EqDC2", "bandwidth": "10Gbps"}]}}}}', "already exists"),
    ('{"accounts": {"111122223333": {"us-east-1": {"connections": [{"connectionName": "a", "location": "Nowhere", '
     '"bandwidth": "10Gbps"}]}}}}', "connections[0]: DirectConnectClientException"),
    # A seed's misspelt member is refused, where a request's unknown member is ignored.
    ('{"accounts": {"111122223333": {"us-east-1": {"connections": [{"connectionID": "dxcon-seed0001", '
     '"connectionName": "a", "location": "EqDC2", "bandwidth": "10Gbps", "requestMacSec": true}]}}}}',
     "connections[0]: \"connectionID\" is not a member of CreateConnection's input"),
    ('{"accounts": {"111122223333": {"us-east-1": {"lags": [{"lagName": "a", "location": "EqDC2", '
     '"numberOfConnections": 1, "connectionsBandwidth": "10Gbps", "requestMacSec": true}]}}}}',
     "lags[0]: \"requestMacSec\" is not a member of CreateLag's input"),
    ('{"accounts": {"111122223333": {"us-east-1": {"directConnectGateways": [{"directConnectGatewayName": "a", '
     '"asn": 64512}]}}}}', "directConnectGateways[0]: \"asn\" is not a member of CreateDirectConnectGateway's input"),
])
def test_a_seed_the_service_would_refuse_stops_the_start(dxlocal_bin, tmp_path, seed, said):
    stderr = start_refused(dxlocal_bin, write(tmp_path, seed, "seed.json"))
    assert said in stderr, stderr


def test_no_message_of_a_refused_seed_holds_its_key(dxlocal_bin, tmp_path):
    secret = "9f" * 32
    # The service refuses the key (its CKN is too short); then YAML that cannot be read on the key's own line.
    refused = f"""accounts:
  "{ACCOUNT}":
    us-east-1:
      connections:
        - connectionName: a
          location: EqDC2
          bandwidth: 10Gbps
          requestMACSec: true
          macSecKeys: [{{ckn: "ab", cak: "{secret}"}}]
"""
    stderr = start_refused(dxlocal_bin, write(tmp_path, refused))
    assert "macSecKeys" in stderr or "DirectConnectClientException" in stderr, stderr
    assert secret not in stderr
    unreadable = f'accounts:\n  "{ACCOUNT}": {{us-east-1: [cak: "{secret}"\n'
    stderr = start_refused(dxlocal_bin, write(tmp_path, unreadable, "bad.yaml"))
    assert "not valid YAML" in stderr and "line" in stderr, stderr
    assert secret not in stderr
