"""SPEC §1: the JSON 1.1 wire protocol, region and account resolution, error shapes."""

import base64
import json
import os
import re
import uuid

import pytest

import dxhelpers
from dxhelpers import (
    CLIENT_ERROR,
    DEFAULT_ACCOUNT,
    LISTENING_RE,
    SM_INVALID_PARAMETER,
    SM_NOT_FOUND,
    UUID_RE,
    assert_aws_error,
    assert_aws_reply_headers,
    create_connection,
    describe_connection,
    dx_raw,
    expect_error,
    find_nulls,
    random_account,
    random_hex64,
    raw_request,
    sm_raw,
    unique_name,
)

# --------------------------------------------------------------------------------------
# The process contract
# --------------------------------------------------------------------------------------


def test_server_prints_exactly_one_listening_line(server):
    lines = [line for line in server.stdout_text().splitlines() if line.startswith("dxlocal listening on")]
    assert len(lines) == 1, lines
    assert LISTENING_RE.match(lines[0])


def test_an_ipv6_host_is_announced_as_a_url_clients_take(dxlocal_bin):
    """`--host ::1`: the listening line names the host in brackets, so that it is a URL boto3 takes as it is."""
    import subprocess

    process = subprocess.Popen([str(dxlocal_bin), "serve", "--in-memory", "--host", "::1", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        match = re.fullmatch(r"dxlocal listening on (http://\[::1\]:\d+)\n", line)
        assert match, line
        client = dxhelpers.make_client(match.group(1), account=dxhelpers.random_account())
        assert client.describe_locations()["locations"]
        # dxlocal's own client takes it too (it bracketed the bracketed host again: http://[[::1]]:PORT).
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID="111122223333", AWS_SECRET_ACCESS_KEY="x", AWS_MAX_ATTEMPTS="1",
                   AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        ours = subprocess.run([str(dxlocal_bin), "directconnect", "describe-locations", "--endpoint-url",
                               match.group(1), "--region", "us-east-1"], env=env, capture_output=True, text=True,
                              timeout=60)
        assert ours.returncode == 0 and json.loads(ours.stdout)["locations"], ours.stderr
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()


def test_health_endpoint_reports_the_version_and_the_store(server):
    resp = raw_request(server.url, method="GET", path="/_dxlocal/health", content_type=None)
    assert resp.status == 200, resp
    body = resp.json()
    assert body["status"] == "ok"
    assert re.fullmatch(r"\d+\.\d+\.\d+", body["version"]), body
    backend = "postgres" if os.environ.get("DXLOCAL_CONFORMANCE_DATABASE") else "sqlite"
    assert body["store"] == {"backend": backend, "status": "ok"}, body
    head = raw_request(server.url, method="HEAD", path="/_dxlocal/health", content_type=None)
    assert head.status == 200 and head.body == b"", head


def test_sigterm_stops_the_server_with_exit_code_zero(server_factory):
    extra = server_factory.start()
    assert raw_request(extra.url, method="GET", path="/_dxlocal/health", content_type=None).status == 200
    assert extra.stop() == 0


# --------------------------------------------------------------------------------------
# Success replies
# --------------------------------------------------------------------------------------


def test_success_reply_has_status_200_json_content_type_and_uuid_request_id(server):
    resp = dx_raw(server.url, "DescribeLocations", {})
    assert resp.status == 200, resp
    assert_aws_reply_headers(resp)
    assert isinstance(resp.json().get("locations"), list)


def test_every_reply_gets_its_own_request_id(server):
    first = dx_raw(server.url, "DescribeLocations", {}).header("x-amzn-RequestId")
    second = dx_raw(server.url, "DescribeLocations", {}).header("x-amzn-RequestId")
    assert first and second and first != second


def test_empty_body_counts_as_empty_object(server):
    resp = raw_request(server.url, target="OvertureService.DescribeLocations", body=b"")
    assert resp.status == 200, resp
    assert_aws_reply_headers(resp)
    codes = {loc["locationCode"] for loc in resp.json()["locations"]}
    assert "EqDC2" in codes


def test_boto3_sees_request_id_in_response_metadata(client):
    meta = client.describe_locations()["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 200
    assert UUID_RE.match(meta["RequestId"]), meta


def test_unset_members_are_omitted_not_null(server, account):
    created = dx_raw(
        server.url,
        "CreateConnection",
        {"location": "CSNY1", "bandwidth": "1Gbps", "connectionName": unique_name()},
        account=account,
    )
    assert created.status == 200, created
    assert_aws_reply_headers(created)
    created_body = created.json()
    assert find_nulls(created_body) == [], created.body
    connection_id = created_body["connectionId"]

    described = dx_raw(server.url, "DescribeConnections", {"connectionId": connection_id}, account=account)
    assert described.status == 200, described
    body = described.json()
    assert find_nulls(body) == [], described.body
    at = described.body.find(b"null")
    assert at < 0, ("null in the reply", described.body[max(0, at - 120):at + 120])
    (connection,) = body["connections"]
    assert connection["connectionId"] == connection_id
    # A connection without keys has no key in its keychain (omitted or empty, never null).
    assert connection.get("macSecKeys", []) == []


# --------------------------------------------------------------------------------------
# Error replies
# --------------------------------------------------------------------------------------


def test_client_error_body_has_type_and_message(server, account):
    resp = dx_raw(
        server.url,
        "AssociateMacSecKey",
        {"connectionId": "dxcon-zzzz9999", "ckn": "a" * 64, "cak": "b" * 64},
        account=account,
    )
    body = assert_aws_error(resp, 400, CLIENT_ERROR)
    assert set(body) <= {"__type", "message", "Message"}, body
    assert "dxcon-zzzz9999" in body["message"]


def test_malformed_json_is_serialization_exception(server):
    resp = raw_request(server.url, target="OvertureService.DescribeConnections", body=b'{"connectionId": ')
    assert_aws_error(resp, 400, "SerializationException")


def test_json_that_is_not_an_object_is_serialization_exception(server):
    resp = raw_request(server.url, target="OvertureService.DescribeConnections", body=b"[1, 2, 3]")
    assert_aws_error(resp, 400, "SerializationException")


def test_member_of_wrong_type_is_serialization_exception(server):
    resp = dx_raw(server.url, "DescribeConnections", {"connectionId": 5})
    assert_aws_error(resp, 400, "SerializationException")


def test_boolean_member_given_a_string_is_serialization_exception(server, account):
    resp = dx_raw(
        server.url,
        "CreateConnection",
        {"location": "EqDC2", "bandwidth": "10Gbps", "connectionName": unique_name(), "requestMACSec": "yes"},
        account=account,
    )
    assert_aws_error(resp, 400, "SerializationException")
    listed = dx_raw(server.url, "DescribeConnections", {}, account=account).json()
    assert listed.get("connections", []) == [], "a refused request must create nothing"


@pytest.mark.parametrize("target", ["OvertureService.NoSuchOperation", "NotAService.DescribeLocations"])
def test_unknown_target_is_unknown_operation_exception(server, target):
    resp = raw_request(server.url, target=target, body=b"{}")
    assert_aws_error(resp, 400, "UnknownOperationException")


def test_body_over_one_mebibyte_is_413_with_aws_error_body(server):
    filler = "x" * (1024 * 1024 + 512)
    body = json.dumps({"connectionId": filler}).encode()
    resp = raw_request(server.url, target="OvertureService.DescribeConnections", body=body)
    assert resp.status == 413, resp
    assert_aws_reply_headers(resp)
    parsed = resp.json()
    assert isinstance(parsed.get("__type"), str) and parsed["__type"], parsed
    assert isinstance(parsed.get("message"), str) and parsed["message"], parsed


def test_body_just_under_one_mebibyte_is_not_refused_for_size(server):
    filler = "x" * (1024 * 1024 - 200)
    body = json.dumps({"connectionId": filler}).encode()
    assert len(body) < 1024 * 1024
    resp = raw_request(server.url, target="OvertureService.DescribeConnections", body=body)
    assert resp.status != 413, resp
    assert_aws_reply_headers(resp)


def test_every_direct_connect_operation_of_the_model_is_served(server):
    """SPEC 7: all 63 operations answer, none with 501 NotImplemented (each is called with an empty body: a reply or
    a client error, never NotImplemented)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("directconnect")
    assert len(model.operation_names) == 63
    assert sorted(set(model.operation_names) - _served_operations(server, "directconnect", dx_raw)) == []


def test_an_operation_not_served_answers_501_naming_it(server):
    """Secrets Manager's operations outside SPEC 6 still answer NotImplemented, AWS-shaped."""
    resp = sm_raw(server.url, "RotateSecret", {"SecretId": "s"}, account=random_account())
    body = assert_aws_error(resp, 501, "NotImplemented")
    assert "RotateSecret" in body["message"]


# --------------------------------------------------------------------------------------
# Region and account
# --------------------------------------------------------------------------------------


def test_region_comes_from_the_signature_scope(dx, account):
    west = dx(account=account, region="us-west-1")
    codes = {loc["locationCode"] for loc in west.describe_locations()["locations"]}
    assert codes == {"EqSV5", "CSLA1"}
    connection_id = create_connection(west, location="EqSV5")
    connection = describe_connection(west, connection_id)
    assert connection["region"] == "us-west-1"


def test_unsigned_request_defaults_to_us_east_1(server):
    resp = dx_raw(server.url, "DescribeLocations", {})
    assert resp.status == 200, resp
    locations = resp.json()["locations"]
    assert {loc["locationCode"] for loc in locations} == {"EqDC2", "CSVA1", "CSNY1", "MKL50"}
    assert {loc["region"] for loc in locations} == {"us-east-1"}


def test_twelve_digit_access_key_is_the_account(client, account):
    created = client.create_connection(location="CSNY1", bandwidth="1Gbps", connectionName=unique_name())
    assert created["ownerAccount"] == account
    assert describe_connection(client, created["connectionId"])["ownerAccount"] == account


@pytest.mark.parametrize("access_key", ["AKIAIOSFODNN7EXAMPLE", "test", "12345678901", "1234567890123"])
def test_other_access_keys_map_to_the_default_account(dx, access_key):
    other = dx(account=access_key)
    created = other.create_connection(location="CSNY1", bandwidth="1Gbps", connectionName=unique_name())
    try:
        assert created["ownerAccount"] == DEFAULT_ACCOUNT
    finally:
        other.delete_connection(connectionId=created["connectionId"])


def test_resources_of_the_default_account_are_shared_by_non_numeric_keys(dx):
    first = dx(account="AKIAFIRSTEXAMPLE000")
    second = dx(account="test")
    connection_id = create_connection(first, macsec=False, location="CSNY1", bandwidth="1Gbps")
    try:
        assert describe_connection(second, connection_id)["ownerAccount"] == DEFAULT_ACCOUNT
    finally:
        first.delete_connection(connectionId=connection_id)


def test_error_reply_through_boto3_carries_code_and_uuid_request_id(client):
    error = expect_error(
        lambda: client.associate_mac_sec_key(connectionId="dxcon-abcd1234", ckn="a" * 64, cak="b" * 64),
        contains=["Could not find Connection with ID dxcon-abcd1234"],
    )
    uuid.UUID(error.response["ResponseMetadata"]["RequestId"])


# --------------------------------------------------------------------------------------
# Never null (SPEC §1): every operation served, a success and an error reply each, as raw JSON
# --------------------------------------------------------------------------------------


class RawWorld:
    """Raw, signed requests of one fresh account; every reply is checked as JSON before any client parses it."""

    def __init__(self, server, account, dx_client, sm_client):
        self.server = server
        self.url = server.url
        self.account = account
        self.client = dx_client
        self.secrets = sm_client
        self.checked: list[tuple[str, str, int]] = []  # (service, operation, status)

    def _check(self, service, operation, resp, status, code):
        if status == 200:
            assert resp.status == 200, f"{operation}: expected success, got {resp!r}"
            assert_aws_reply_headers(resp)
            body = resp.json() if resp.body.strip() else {}
            assert isinstance(body, dict), f"{operation}: the reply is not a JSON object: {resp.body[:300]!r}"
        else:
            body = assert_aws_error(resp, status, code)
        nulls = find_nulls(body)
        assert nulls == [], f"{operation} ({resp.status}) answered null at {nulls}: {resp.body[:2000]!r}"
        self.checked.append((service, operation, resp.status))
        return body

    def dx(self, operation, payload, status=200, code=CLIENT_ERROR):
        resp = dx_raw(self.url, operation, payload, account=self.account)
        return self._check("directconnect", operation, resp, status, code)

    def dx_body(self, operation, body: bytes, status, code):
        resp = raw_request(self.url, target=f"OvertureService.{operation}", body=body, account=self.account)
        return self._check("directconnect", operation, resp, status, code)

    def sm(self, operation, payload, status=200, code=SM_NOT_FOUND):
        resp = sm_raw(self.url, operation, payload, account=self.account)
        return self._check("secretsmanager", operation, resp, status, code)

    def arn(self, resource_id):
        kind = "dxlag" if resource_id.startswith("dxlag-") else "dxcon"
        return f"arn:aws:directconnect:us-east-1:{self.account}:{kind}/{resource_id}"


def _plain_connection(w, **extra):
    return w.dx("CreateConnection", {"location": "CSNY1", "bandwidth": "1Gbps", "connectionName": unique_name(),
                                     **extra})["connectionId"]


def _macsec_connection(w, **extra):
    return w.dx("CreateConnection", {"location": "EqDC2", "bandwidth": "10Gbps", "connectionName": unique_name(),
                                     "requestMACSec": True, **extra})["connectionId"]


def _lag(w, count=1, macsec=True, **extra):
    payload = {"numberOfConnections": count, "location": "EqDC2", "connectionsBandwidth": "10Gbps",
               "lagName": unique_name(), **extra}
    if macsec:
        payload["requestMACSec"] = True
    return w.dx("CreateLag", payload)


def _key(w, target):
    return w.dx("AssociateMacSecKey", {"connectionId": target, "ckn": random_hex64(), "cak": random_hex64()})


def _interconnect(w, **extra):
    return w.dx("CreateInterconnect", {"interconnectName": unique_name("ic"), "bandwidth": "1Gbps",
                                       "location": "CSNY1", **extra})["interconnectId"]


def _hosted_connection(w, parent, vlan, owner=None, **extra):
    return w.dx("AllocateHostedConnection", {"connectionId": parent, "ownerAccount": owner or w.account,
                                             "bandwidth": "500Mbps", "connectionName": unique_name("hc"),
                                             "vlan": vlan, **extra})


def _secret(w, **extra):
    payload = {"Name": unique_name("sec"), **extra}
    return w.sm("CreateSecret", payload)


MISSING_CONNECTION = "dxcon-zzzz9999"
MISSING_LAG = "dxlag-zzzz9999"


# Direct Connect: each scenario makes success replies with as many members unset as the operation
# allows (no tags, no LAG, no keys, a tag without a value, empty lists) and one error reply.

def _dx_describe_locations(w):
    w.dx("DescribeLocations", {})
    # DescribeLocations takes no input, so only a body that is not JSON can make it fail.
    w.dx_body("DescribeLocations", b'{"connectionId": ', status=400, code="SerializationException")


def _dx_create_connection(w):
    _plain_connection(w)
    _macsec_connection(w, tags=[{"key": "flag"}, {"key": "k", "value": "v"}])
    lag = _lag(w)
    _macsec_connection(w, lagId=lag["lagId"])
    w.dx("CreateConnection", {"location": "NOWHERE", "bandwidth": "1Gbps", "connectionName": "x"}, status=400)


def _dx_describe_connections(w):
    w.dx("DescribeConnections", {})  # an empty account
    plain = _plain_connection(w)
    keyed = _macsec_connection(w)
    _key(w, keyed)
    _lag(w, count=2)
    w.dx("DescribeConnections", {})
    w.dx("DescribeConnections", {"connectionId": plain})
    w.dx("DescribeConnections", {"connectionId": keyed})
    first = w.dx("DescribeConnections", {"maxResults": 1})
    w.dx("DescribeConnections", {"maxResults": 1, "nextToken": first["nextToken"]})
    w.dx("DescribeConnections", {"maxResults": 100})
    w.dx("DescribeConnections", {"connectionId": MISSING_CONNECTION}, status=400)


def _dx_update_connection(w):
    plain = _plain_connection(w)
    w.dx("UpdateConnection", {"connectionId": plain, "connectionName": unique_name()})
    w.dx("UpdateConnection", {"connectionId": plain})
    macsec = _macsec_connection(w)
    w.dx("UpdateConnection", {"connectionId": macsec, "encryptionMode": "must_encrypt"})
    _key(w, macsec)
    w.dx("UpdateConnection", {"connectionId": macsec, "encryptionMode": "should_encrypt"})
    member = _lag(w)["connections"][0]["connectionId"]
    w.dx("UpdateConnection", {"connectionId": member, "connectionName": unique_name()})
    w.dx("UpdateConnection", {"connectionId": MISSING_CONNECTION, "connectionName": "x"}, status=400)


def _dx_delete_connection(w):
    w.dx("DeleteConnection", {"connectionId": _plain_connection(w)})
    keyed = _macsec_connection(w)
    _key(w, keyed)
    w.dx("DeleteConnection", {"connectionId": keyed})
    w.dx("DeleteConnection", {"connectionId": _lag(w)["connections"][0]["connectionId"]})
    w.dx("DeleteConnection", {"connectionId": MISSING_CONNECTION}, status=400)


def _dx_create_interconnect(w):
    _interconnect(w)
    w.dx("CreateInterconnect", {"interconnectName": unique_name("ic"), "bandwidth": "10Gbps", "location": "EqDC2",
                                "requestMACSec": True, "tags": [{"key": "flag"}]})
    w.dx("CreateInterconnect", {"interconnectName": unique_name("ic"), "bandwidth": "10Gbps", "location": "EqDC2",
                                "lagId": _lag(w)["lagId"], "requestMACSec": True})
    w.dx("CreateInterconnect", {"interconnectName": "x", "bandwidth": "1Gbps", "location": "NOWHERE"}, status=400)


def _dx_describe_interconnects(w):
    w.dx("DescribeInterconnects", {})
    first = _interconnect(w)
    _interconnect(w)
    w.dx("DescribeInterconnects", {})
    w.dx("DescribeInterconnects", {"interconnectId": first})
    page = w.dx("DescribeInterconnects", {"maxResults": 1})
    w.dx("DescribeInterconnects", {"maxResults": 1, "nextToken": page["nextToken"]})
    w.dx("DescribeInterconnects", {"interconnectId": MISSING_CONNECTION}, status=400)


def _dx_delete_interconnect(w):
    w.dx("DeleteInterconnect", {"interconnectId": _interconnect(w)})
    w.dx("DeleteInterconnect", {"interconnectId": MISSING_CONNECTION}, status=400)


def _dx_create_lag(w):
    _lag(w, count=1, macsec=False)
    _lag(w, count=2, tags=[{"key": "flag"}], childConnectionTags=[{"key": "child"}])
    _lag(w, count=2, connectionId=_macsec_connection(w))
    w.dx("CreateLag", {"numberOfConnections": 9, "location": "EqDC2", "connectionsBandwidth": "10Gbps",
                       "lagName": "x"}, status=400)


def _dx_describe_lags(w):
    w.dx("DescribeLags", {})
    plain = _lag(w, macsec=False)["lagId"]
    keyed = _lag(w, count=2)["lagId"]
    _key(w, keyed)
    w.dx("DescribeLags", {})
    w.dx("DescribeLags", {"lagId": plain})
    w.dx("DescribeLags", {"lagId": keyed})
    page = w.dx("DescribeLags", {"maxResults": 1})
    w.dx("DescribeLags", {"maxResults": 1, "nextToken": page["nextToken"]})
    w.dx("DescribeLags", {"lagId": MISSING_LAG}, status=400)


def _dx_update_lag(w):
    lag_id = _lag(w, count=2)["lagId"]
    w.dx("UpdateLag", {"lagId": lag_id})
    w.dx("UpdateLag", {"lagId": lag_id, "lagName": unique_name()})
    w.dx("UpdateLag", {"lagId": lag_id, "minimumLinks": 1})
    w.dx("UpdateLag", {"lagId": lag_id, "encryptionMode": "must_encrypt"})
    w.dx("UpdateLag", {"lagId": MISSING_LAG, "lagName": "x"}, status=400)


def _dx_delete_lag(w):
    w.dx("DeleteLag", {"lagId": _lag(w, macsec=False)["lagId"]})
    keyed = _lag(w, count=2)["lagId"]
    _key(w, keyed)
    w.dx("DeleteLag", {"lagId": keyed})
    w.dx("DeleteLag", {"lagId": MISSING_LAG}, status=400)


def _dx_associate_connection_with_lag(w):
    lag_id = _lag(w)["lagId"]
    w.dx("AssociateConnectionWithLag", {"connectionId": _macsec_connection(w), "lagId": lag_id})
    w.dx("AssociateConnectionWithLag", {"connectionId": _plain_connection(w), "lagId": lag_id}, status=400)


def _dx_disassociate_connection_from_lag(w):
    lag = _lag(w, count=2)
    _key(w, lag["lagId"])
    w.dx("DisassociateConnectionFromLag", {"connectionId": lag["connections"][0]["connectionId"],
                                           "lagId": lag["lagId"]})
    w.dx("DisassociateConnectionFromLag", {"connectionId": _macsec_connection(w), "lagId": lag["lagId"]},
         status=400)


def _dx_associate_mac_sec_key(w):
    first = _macsec_connection(w)
    arn = _key(w, first)["macSecKeys"][-1]["secretARN"]
    _key(w, first)
    _key(w, _lag(w)["lagId"])
    w.dx("AssociateMacSecKey", {"connectionId": _macsec_connection(w), "secretARN": arn})
    w.dx("AssociateMacSecKey", {"connectionId": MISSING_CONNECTION, "ckn": random_hex64(), "cak": random_hex64()},
         status=400)


def _dx_disassociate_mac_sec_key(w):
    connection_id = _macsec_connection(w)
    arn = _key(w, connection_id)["macSecKeys"][-1]["secretARN"]
    w.dx("DisassociateMacSecKey", {"connectionId": connection_id, "secretARN": arn})
    w.dx("DisassociateMacSecKey", {"connectionId": connection_id, "secretARN": arn}, status=400)


def _dx_tag_resource(w):
    arn = w.arn(_plain_connection(w))
    w.dx("TagResource", {"resourceArn": arn, "tags": [{"key": "a", "value": "1"}, {"key": "flag"}]})
    w.dx("TagResource", {"resourceArn": w.arn(MISSING_CONNECTION), "tags": [{"key": "a"}]}, status=400)


def _dx_untag_resource(w):
    arn = w.arn(_lag(w)["lagId"])
    w.dx("TagResource", {"resourceArn": arn, "tags": [{"key": "a", "value": "1"}]})
    w.dx("UntagResource", {"resourceArn": arn, "tagKeys": ["a", "absent"]})
    w.dx("UntagResource", {"resourceArn": w.arn(MISSING_LAG), "tagKeys": ["a"]}, status=400)


def _dx_describe_tags(w):
    untagged = w.arn(_plain_connection(w))
    flagged = w.arn(_plain_connection(w, tags=[{"key": "flag"}]))
    lag = w.arn(_lag(w, tags=[{"key": "k", "value": "v"}])["lagId"])
    w.dx("DescribeTags", {"resourceArns": [untagged]})
    w.dx("DescribeTags", {"resourceArns": [untagged, flagged, lag]})
    gateway = _gateway(w, tags=[{"key": "flag"}])["directConnectGatewayId"]
    w.dx("DescribeTags", {"resourceArns": [f"arn:aws:directconnect::{w.account}:dx-gateway/{gateway}", untagged]})
    w.dx("DescribeTags", {"resourceArns": [w.arn(MISSING_CONNECTION)]}, status=400)


def _gateway(w, **extra) -> dict:
    return w.dx("CreateDirectConnectGateway", {"directConnectGatewayName": unique_name(), **extra})[
        "directConnectGateway"]


MISSING_GATEWAY = "00000000-0000-4000-8000-000000000000"


def _dx_create_direct_connect_gateway(w):
    _gateway(w)
    _gateway(w, amazonSideAsn=4200000000, tags=[{"key": "flag"}, {"key": "k", "value": "v"}])
    w.dx("CreateDirectConnectGateway", {"directConnectGatewayName": "x", "amazonSideAsn": 7224}, status=400)


def _dx_describe_direct_connect_gateways(w):
    w.dx("DescribeDirectConnectGateways", {})
    _gateway(w)
    tagged = _gateway(w, tags=[{"key": "flag"}])["directConnectGatewayId"]
    w.dx("DescribeDirectConnectGateways", {})
    w.dx("DescribeDirectConnectGateways", {"directConnectGatewayId": tagged})
    w.dx("DescribeDirectConnectGateways", {"directConnectGatewayId": MISSING_GATEWAY})
    page = w.dx("DescribeDirectConnectGateways", {"maxResults": 1})
    w.dx("DescribeDirectConnectGateways", {"maxResults": 1, "nextToken": page["nextToken"]})
    w.dx("DescribeDirectConnectGateways", {"nextToken": "x"}, status=400)


def _dx_update_direct_connect_gateway(w):
    gateway = _gateway(w)["directConnectGatewayId"]
    w.dx("UpdateDirectConnectGateway", {"directConnectGatewayId": gateway, "newDirectConnectGatewayName": "n"})
    w.dx("UpdateDirectConnectGateway", {"directConnectGatewayId": MISSING_GATEWAY,
                                        "newDirectConnectGatewayName": "n"}, status=400)


def _dx_delete_direct_connect_gateway(w):
    w.dx("DeleteDirectConnectGateway", {"directConnectGatewayId": _gateway(w)["directConnectGatewayId"]})
    w.dx("DeleteDirectConnectGateway", {"directConnectGatewayId": MISSING_GATEWAY}, status=400)


def _dx_describe_direct_connect_gateway_attachments(w):
    gateway = _gateway(w)["directConnectGatewayId"]
    w.dx("DescribeDirectConnectGatewayAttachments", {"directConnectGatewayId": gateway})
    w.dx("DescribeDirectConnectGatewayAttachments", {"directConnectGatewayId": gateway, "maxResults": 1})
    w.dx("DescribeDirectConnectGatewayAttachments", {}, status=400)
    w.dx("DescribeDirectConnectGatewayAttachments", {"directConnectGatewayId": MISSING_GATEWAY}, status=400)


def _attached_vgw(w, cidr="10.0.0.0/16") -> str:
    """A VPN gateway of the world's account attached to a new VPC, made through EC2 on the same port."""
    ec2 = dxhelpers._client("ec2", w.url, w.account, "us-east-1", dxhelpers.boto_config())
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
    return vgw


def _association(w, gateway=None, vgw=None, **extra) -> dict:
    gateway = gateway or _gateway(w)["directConnectGatewayId"]
    return w.dx("CreateDirectConnectGatewayAssociation", {
        "directConnectGatewayId": gateway, "gatewayId": vgw or _attached_vgw(w), **extra})["directConnectGatewayAssociation"]


def _dx_create_direct_connect_gateway_association(w):
    gateway = _gateway(w)["directConnectGatewayId"]
    vgw = _attached_vgw(w)
    _association(w, gateway, vgw)
    w.dx("CreateDirectConnectGatewayAssociation", {"directConnectGatewayId": gateway, "gatewayId": vgw}, status=400)
    w.dx("CreateDirectConnectGatewayAssociation", {"directConnectGatewayId": gateway}, status=400)


def _dx_describe_direct_connect_gateway_associations(w):
    association = _association(w, addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.9.0.0/16"}])
    gateway = association["directConnectGatewayId"]
    w.dx("DescribeDirectConnectGatewayAssociations", {"directConnectGatewayId": gateway})
    w.dx("DescribeDirectConnectGatewayAssociations", {"associationId": association["associationId"], "maxResults": 1})
    w.dx("DescribeDirectConnectGatewayAssociations", {"associationId": MISSING_GATEWAY})
    w.dx("DescribeDirectConnectGatewayAssociations", {}, status=400)
    w.dx("DescribeDirectConnectGatewayAssociations", {"associationId": ""}, status=400)


def _dx_update_direct_connect_gateway_association(w):
    association = _association(w)
    w.dx("UpdateDirectConnectGatewayAssociation", {"associationId": association["associationId"],
                                                    "addAllowedPrefixesToDirectConnectGateway": [{"cidr": "10.9.0.0/16"}]})
    w.dx("UpdateDirectConnectGatewayAssociation", {"associationId": MISSING_GATEWAY}, status=400)


def _dx_delete_direct_connect_gateway_association(w):
    association = _association(w)
    w.dx("DeleteDirectConnectGatewayAssociation", {"associationId": association["associationId"]})
    second = _association(w, vgw=_attached_vgw(w, "10.1.0.0/16"))
    w.dx("DeleteDirectConnectGatewayAssociation", {"directConnectGatewayId": second["directConnectGatewayId"],
                                                    "virtualGatewayId": second["associatedGateway"]["id"]})
    w.dx("DeleteDirectConnectGatewayAssociation", {"associationId": MISSING_GATEWAY}, status=400)


def _proposal_world(w):
    """A Direct Connect gateway of another account, and a proposal of the world's account to associate its VPN
    gateway with it: (the owner's raw world, the proposal)."""
    owner = RawWorld(w.server, random_account(), w.client, w.secrets)
    gateway = _gateway(owner)["directConnectGatewayId"]
    proposal = w.dx("CreateDirectConnectGatewayAssociationProposal", {
        "directConnectGatewayId": gateway, "directConnectGatewayOwnerAccount": owner.account,
        "gatewayId": _attached_vgw(w)})["directConnectGatewayAssociationProposal"]
    return owner, proposal


def _dx_create_direct_connect_gateway_association_proposal(w):
    _proposal_world(w)
    w.dx("CreateDirectConnectGatewayAssociationProposal", {
        "directConnectGatewayId": MISSING_GATEWAY, "directConnectGatewayOwnerAccount": random_account(),
        "gatewayId": "vgw-12345678"}, status=400)


def _dx_describe_direct_connect_gateway_association_proposals(w):
    w.dx("DescribeDirectConnectGatewayAssociationProposals", {})  # none yet
    owner, proposal = _proposal_world(w)
    w.dx("DescribeDirectConnectGatewayAssociationProposals", {"proposalId": proposal["proposalId"]})
    owner.dx("DescribeDirectConnectGatewayAssociationProposals", {"maxResults": 1})
    w.dx("DescribeDirectConnectGatewayAssociationProposals", {"nextToken": "bm90IGEgdG9rZW4="}, status=400)


def _dx_accept_direct_connect_gateway_association_proposal(w):
    owner, proposal = _proposal_world(w)
    accept = {"directConnectGatewayId": proposal["directConnectGatewayId"], "proposalId": proposal["proposalId"],
              "associatedGatewayOwnerAccount": w.account}
    owner.dx("AcceptDirectConnectGatewayAssociationProposal", accept)
    owner.dx("AcceptDirectConnectGatewayAssociationProposal", accept, status=400)
    w.checked += [entry for entry in owner.checked if entry[1] == "AcceptDirectConnectGatewayAssociationProposal"]


def _dx_delete_direct_connect_gateway_association_proposal(w):
    _, proposal = _proposal_world(w)
    w.dx("DeleteDirectConnectGatewayAssociationProposal", {"proposalId": proposal["proposalId"]})
    w.dx("DeleteDirectConnectGatewayAssociationProposal", {"proposalId": MISSING_GATEWAY}, status=400)


def _dx_describe_virtual_gateways(w):
    w.dx("DescribeVirtualGateways", {})  # none yet
    _attached_vgw(w)
    w.dx("DescribeVirtualGateways", {})
    w.dx_body("DescribeVirtualGateways", b"{", status=400, code="SerializationException")


# Virtual interfaces (issue 20): every kind, hosted ones in `confirming`, peers, tests and router configurations.
MISSING_VIF = "dxvif-none0000"


def _vif(w, connection=None, vlan=100, **extra) -> dict:
    connection = connection or _plain_connection(w)
    return w.dx("CreatePrivateVirtualInterface", {"connectionId": connection, "newPrivateVirtualInterface": {
        "virtualInterfaceName": unique_name(), "vlan": vlan, "asn": 65000,
        "directConnectGatewayId": _gateway(w)["directConnectGatewayId"], **extra}})


def _allocation(w, operation, member, **extra):
    connection = _plain_connection(w)
    return w.dx(operation, {"connectionId": connection, "ownerAccount": "999988887777",
                            member: {"virtualInterfaceName": unique_name(), "vlan": 5, "asn": 65000, **extra}})


def _dx_create_private_virtual_interface(w):
    _vif(w)
    _vif(w, addressFamily="ipv6", tags=[{"key": "flag"}])
    w.dx("CreatePrivateVirtualInterface", {"connectionId": "dxcon-none0000", "newPrivateVirtualInterface": {
        "virtualInterfaceName": "x", "vlan": 1, "asn": 1, "virtualGatewayId": "vgw-0123456789abcdef0"}}, status=400)


def _dx_create_public_virtual_interface(w):
    new = {"virtualInterfaceName": unique_name(), "vlan": 7, "asn": 65000, "amazonAddress": "203.0.113.1/30",
           "customerAddress": "203.0.113.2/30", "routeFilterPrefixes": [{"cidr": "198.51.100.0/24"}]}
    connection = _plain_connection(w)
    w.dx("CreatePublicVirtualInterface", {"connectionId": connection, "newPublicVirtualInterface": new})
    w.dx("CreatePublicVirtualInterface", {"connectionId": connection, "newPublicVirtualInterface": new},
         status=400)


def _dx_create_transit_virtual_interface(w):
    gateway = _gateway(w)["directConnectGatewayId"]
    connection = _plain_connection(w)
    new = {"virtualInterfaceName": unique_name(), "vlan": 8, "asn": 65000, "directConnectGatewayId": gateway}
    w.dx("CreateTransitVirtualInterface", {"connectionId": connection, "newTransitVirtualInterface": new})
    w.dx("CreateTransitVirtualInterface", {"connectionId": connection, "newTransitVirtualInterface": {
        **new, "vlan": 9, "mtu": 9001}}, status=400)


def _dx_allocate_private_virtual_interface(w):
    _allocation(w, "AllocatePrivateVirtualInterface", "newPrivateVirtualInterfaceAllocation")
    w.dx("AllocatePrivateVirtualInterface", {"connectionId": _plain_connection(w), "ownerAccount": w.account,
                                             "newPrivateVirtualInterfaceAllocation": {
                                                 "virtualInterfaceName": "x", "vlan": 1, "asn": 1}}, status=400)


def _dx_allocate_public_virtual_interface(w):
    _allocation(w, "AllocatePublicVirtualInterface", "newPublicVirtualInterfaceAllocation",
                amazonAddress="203.0.113.1/30", customerAddress="203.0.113.2/30",
                routeFilterPrefixes=[{"cidr": "198.51.100.0/24"}])
    connection = _plain_connection(w)
    w.dx("AllocatePublicVirtualInterface", {"connectionId": connection, "ownerAccount": "999988887777",
                                            "newPublicVirtualInterfaceAllocation": {
                                                "virtualInterfaceName": "x", "vlan": 5, "asn": 65000}}, status=400)


def _dx_allocate_transit_virtual_interface(w):
    _allocation(w, "AllocateTransitVirtualInterface", "newTransitVirtualInterfaceAllocation")
    w.dx("AllocateTransitVirtualInterface", {"connectionId": "dxcon-none0000", "ownerAccount": "999988887777",
                                             "newTransitVirtualInterfaceAllocation": {}}, status=400)


def _hosted(w, kind, **extra) -> str:
    """An interface another account allocates for the world's account, `confirming`."""
    partner = dxhelpers.random_account()
    connection = dx_raw(w.url, "CreateConnection", {"location": "CSNY1", "bandwidth": "1Gbps",
                                                    "connectionName": unique_name()}, account=partner).json()
    allocated = dx_raw(w.url, f"Allocate{kind}VirtualInterface", {
        "connectionId": connection["connectionId"], "ownerAccount": w.account,
        f"new{kind}VirtualInterfaceAllocation": {"virtualInterfaceName": unique_name(), "vlan": 5, "asn": 65000,
                                                 **extra}}, account=partner).json()
    return allocated.get("virtualInterface", allocated)["virtualInterfaceId"]


def _dx_confirm(w, kind, gateway: bool, **extra):
    operation = f"Confirm{kind}VirtualInterface"
    hosted = _hosted(w, kind, **extra)
    with_gateway = {"directConnectGatewayId": _gateway(w)["directConnectGatewayId"]} if gateway else {}
    w.dx(operation, {"virtualInterfaceId": hosted, **with_gateway})
    # Not `confirming` any more; then an interface that does not exist.
    w.dx(operation, {"virtualInterfaceId": hosted, **with_gateway}, status=400)
    w.dx(operation, {"virtualInterfaceId": MISSING_VIF, **with_gateway}, status=400)


def _dx_confirm_private_virtual_interface(w):
    _dx_confirm(w, "Private", gateway=True)


def _dx_confirm_public_virtual_interface(w):
    _dx_confirm(w, "Public", gateway=False, amazonAddress="203.0.113.1/30", customerAddress="203.0.113.2/30",
                routeFilterPrefixes=[{"cidr": "198.51.100.0/24"}])


def _dx_confirm_transit_virtual_interface(w):
    _dx_confirm(w, "Transit", gateway=True)


def _dx_describe_virtual_interfaces(w):
    w.dx("DescribeVirtualInterfaces", {})
    created = _vif(w)
    w.dx("DescribeVirtualInterfaces", {"virtualInterfaceId": created["virtualInterfaceId"]})
    w.dx("DescribeVirtualInterfaces", {"connectionId": created["connectionId"], "maxResults": 1})
    w.dx("DescribeVirtualInterfaces", {"maxResults": 0}, status=400)


def _dx_update_virtual_interface_attributes(w):
    created = _vif(w)
    w.dx("UpdateVirtualInterfaceAttributes", {"virtualInterfaceId": created["virtualInterfaceId"], "mtu": 9001})
    w.dx("UpdateVirtualInterfaceAttributes", {"virtualInterfaceId": created["virtualInterfaceId"], "mtu": 8500},
         status=400)


def _dx_associate_virtual_interface(w):
    created = _vif(w)
    w.dx("AssociateVirtualInterface", {"virtualInterfaceId": created["virtualInterfaceId"],
                                       "connectionId": _plain_connection(w)})
    w.dx("AssociateVirtualInterface", {"virtualInterfaceId": MISSING_VIF, "connectionId": created["connectionId"]},
         status=400)


def _dx_delete_virtual_interface(w):
    created = _vif(w)
    w.dx("DeleteVirtualInterface", {"virtualInterfaceId": created["virtualInterfaceId"]})
    w.dx("DeleteVirtualInterface", {"virtualInterfaceId": MISSING_VIF}, status=400)


def _dx_create_bgp_peer(w):
    created = _vif(w)
    new = {"asn": 65001, "addressFamily": "ipv6"}
    w.dx("CreateBGPPeer", {"virtualInterfaceId": created["virtualInterfaceId"], "newBGPPeer": new})
    w.dx("CreateBGPPeer", {"virtualInterfaceId": created["virtualInterfaceId"], "newBGPPeer": new}, status=400)


def _dx_delete_bgp_peer(w):
    created = _vif(w)
    interface_id = created["virtualInterfaceId"]
    w.dx("DeleteBGPPeer", {"virtualInterfaceId": interface_id, "bgpPeerId": created["bgpPeers"][0]["bgpPeerId"]},
         status=400)
    w.dx("CreateBGPPeer", {"virtualInterfaceId": interface_id, "newBGPPeer": {"asn": 1, "addressFamily": "ipv6"}})
    w.dx("DeleteBGPPeer", {"virtualInterfaceId": interface_id, "bgpPeerId": created["bgpPeers"][0]["bgpPeerId"]})


def _dx_start_bgp_failover_test(w):
    created = _vif(w)
    w.dx("StartBgpFailoverTest", {"virtualInterfaceId": created["virtualInterfaceId"]})
    w.dx("StartBgpFailoverTest", {"virtualInterfaceId": created["virtualInterfaceId"]}, status=400)


def _dx_stop_bgp_failover_test(w):
    created = _vif(w)
    w.dx("StopBgpFailoverTest", {"virtualInterfaceId": created["virtualInterfaceId"]}, status=400)
    w.dx("StartBgpFailoverTest", {"virtualInterfaceId": created["virtualInterfaceId"], "testDurationInMinutes": 1})
    w.dx("StopBgpFailoverTest", {"virtualInterfaceId": created["virtualInterfaceId"]})


def _dx_list_virtual_interface_test_history(w):
    w.dx("ListVirtualInterfaceTestHistory", {})
    created = _vif(w)
    w.dx("StartBgpFailoverTest", {"virtualInterfaceId": created["virtualInterfaceId"]})
    w.dx("ListVirtualInterfaceTestHistory", {"virtualInterfaceId": created["virtualInterfaceId"], "maxResults": 1})
    w.dx("ListVirtualInterfaceTestHistory", {"nextToken": "bogus"}, status=400)


def _dx_describe_router_configuration(w):
    created = _vif(w)
    w.dx("DescribeRouterConfiguration", {"virtualInterfaceId": created["virtualInterfaceId"]})
    w.dx("DescribeRouterConfiguration", {"virtualInterfaceId": created["virtualInterfaceId"],
                                         "routerTypeIdentifier": "PaloAltoNetworks-PA3000and5000series-PANOS803"})
    w.dx("DescribeRouterConfiguration", {"virtualInterfaceId": created["virtualInterfaceId"],
                                         "routerTypeIdentifier": "nope"}, status=400)



# Secrets Manager: the same, with secrets lacking a description, tags, a value or versions.

def _sm_create_secret(w):
    _secret(w, SecretString="v")
    _secret(w)  # no value: no version
    _secret(w, SecretBinary=base64.b64encode(b"\x00\x01").decode(), Description="d", Tags=[{"Key": "k", "Value": ""}])
    w.sm("CreateSecret", {"Name": "bad!name", "SecretString": "v"}, status=400, code=SM_INVALID_PARAMETER)


def _sm_describe_secret(w):
    bare = _secret(w)
    valued = _secret(w, SecretString="v")
    scheduled = _secret(w, SecretString="v")
    w.sm("DeleteSecret", {"SecretId": scheduled["ARN"], "RecoveryWindowInDays": 7})
    managed = _key(w, _macsec_connection(w))["macSecKeys"][-1]["secretARN"]
    w.sm("GetSecretValue", {"SecretId": valued["ARN"]})
    for secret_id in (bare["ARN"], valued["Name"], scheduled["ARN"], managed):
        w.sm("DescribeSecret", {"SecretId": secret_id})
    w.sm("DescribeSecret", {"SecretId": unique_name("absent")}, status=400)


def _sm_list_secrets(w):
    w.sm("ListSecrets", {})  # an empty account
    _secret(w)
    _secret(w, SecretString="v", Description="d", Tags=[{"Key": "k", "Value": "v"}])
    scheduled = _secret(w, SecretString="v")
    w.sm("DeleteSecret", {"SecretId": scheduled["ARN"]})
    _key(w, _macsec_connection(w))
    w.sm("ListSecrets", {})
    w.sm("ListSecrets", {"IncludePlannedDeletion": True})
    page = w.sm("ListSecrets", {"MaxResults": 1})
    w.sm("ListSecrets", {"MaxResults": 1, "NextToken": page["NextToken"]})
    w.sm("ListSecrets", {"Filters": [{"Key": "owning-service", "Values": ["directconnect"]}]})
    w.sm("ListSecrets", {"Filters": [{"Key": "no-such-key", "Values": ["x"]}]}, status=400,
         code=SM_INVALID_PARAMETER)


def _sm_get_secret_value(w):
    text = _secret(w, SecretString="v")
    binary = _secret(w, SecretBinary=base64.b64encode(b"\x00\x01").decode())
    w.sm("GetSecretValue", {"SecretId": text["ARN"]})
    w.sm("GetSecretValue", {"SecretId": binary["Name"]})
    w.sm("GetSecretValue", {"SecretId": text["ARN"], "VersionId": text["VersionId"]})
    w.sm("GetSecretValue", {"SecretId": _secret(w)["ARN"]}, status=400)


def _sm_put_secret_value(w):
    secret = _secret(w)
    w.sm("PutSecretValue", {"SecretId": secret["ARN"], "SecretString": "v"})
    w.sm("PutSecretValue", {"SecretId": secret["ARN"], "SecretBinary": base64.b64encode(b"\x02").decode()})
    w.sm("PutSecretValue", {"SecretId": unique_name("absent"), "SecretString": "v"}, status=400)


def _sm_update_secret(w):
    secret = _secret(w, SecretString="v")
    w.sm("UpdateSecret", {"SecretId": secret["ARN"], "Description": "d"})
    w.sm("UpdateSecret", {"SecretId": secret["ARN"], "SecretString": "w"})
    w.sm("UpdateSecret", {"SecretId": unique_name("absent"), "Description": "d"}, status=400)


def _sm_delete_secret(w):
    w.sm("DeleteSecret", {"SecretId": _secret(w, SecretString="v")["ARN"]})
    w.sm("DeleteSecret", {"SecretId": _secret(w)["ARN"], "ForceDeleteWithoutRecovery": True})
    w.sm("DeleteSecret", {"SecretId": unique_name("absent")}, status=400)


def _sm_restore_secret(w):
    secret = _secret(w, SecretString="v")
    w.sm("DeleteSecret", {"SecretId": secret["ARN"], "RecoveryWindowInDays": 7})
    w.sm("RestoreSecret", {"SecretId": secret["ARN"]})
    w.sm("RestoreSecret", {"SecretId": unique_name("absent")}, status=400)


def _sm_tag_resource(w):
    secret = _secret(w)
    w.sm("TagResource", {"SecretId": secret["ARN"], "Tags": [{"Key": "k", "Value": "v"}]})
    w.sm("TagResource", {"SecretId": unique_name("absent"), "Tags": [{"Key": "k", "Value": "v"}]}, status=400)


def _sm_untag_resource(w):
    secret = _secret(w, Tags=[{"Key": "k", "Value": "v"}])
    w.sm("UntagResource", {"SecretId": secret["ARN"], "TagKeys": ["k", "absent"]})
    w.sm("UntagResource", {"SecretId": unique_name("absent"), "TagKeys": ["k"]}, status=400)


def _dx_allocate_hosted_connection(w):
    parent = _interconnect(w)
    _hosted_connection(w, parent, 10)
    _hosted_connection(w, parent, 11, owner=random_account(), tags=[{"key": "flag"}])
    _hosted_connection(w, _lag(w, macsec=False)["lagId"], 10)
    w.dx("AllocateHostedConnection", {"connectionId": parent, "ownerAccount": w.account, "bandwidth": "500Mbps",
                                      "connectionName": "x", "vlan": 10}, status=400)


def _dx_allocate_connection_on_interconnect(w):
    parent = _interconnect(w)
    payload = {"interconnectId": parent, "ownerAccount": w.account, "bandwidth": "1Gbps", "connectionName": "x",
               "vlan": 5}
    w.dx("AllocateConnectionOnInterconnect", payload)
    w.dx("AllocateConnectionOnInterconnect", payload | {"interconnectId": MISSING_CONNECTION}, status=400)


def _dx_confirm_connection(w):
    hosted = _hosted_connection(w, _interconnect(w), 12)["connectionId"]
    w.dx("ConfirmConnection", {"connectionId": hosted})
    w.dx("ConfirmConnection", {"connectionId": hosted}, status=400)


def _dx_describe_hosted_connections(w):
    parent = _interconnect(w)
    w.dx("DescribeHostedConnections", {"connectionId": parent})
    _hosted_connection(w, parent, 20)
    _hosted_connection(w, parent, 21, owner=random_account())
    w.dx("DescribeHostedConnections", {"connectionId": parent})
    page = w.dx("DescribeHostedConnections", {"connectionId": parent, "maxResults": 1})
    w.dx("DescribeHostedConnections", {"connectionId": parent, "maxResults": 1, "nextToken": page["nextToken"]})
    w.dx("DescribeHostedConnections", {"connectionId": _lag(w, macsec=False)["lagId"]})
    w.dx("DescribeHostedConnections", {"connectionId": MISSING_CONNECTION}, status=400)


def _dx_describe_connections_on_interconnect(w):
    parent = _interconnect(w)
    w.dx("DescribeConnectionsOnInterconnect", {"interconnectId": parent})
    _hosted_connection(w, parent, 30)
    w.dx("DescribeConnectionsOnInterconnect", {"interconnectId": parent})
    w.dx("DescribeConnectionsOnInterconnect", {"interconnectId": MISSING_CONNECTION}, status=400)


def _dx_associate_hosted_connection(w):
    hosted = _hosted_connection(w, _interconnect(w), 40)["connectionId"]
    w.dx("AssociateHostedConnection", {"connectionId": hosted, "parentConnectionId": _interconnect(w)})
    w.dx("AssociateHostedConnection", {"connectionId": MISSING_CONNECTION, "parentConnectionId": _interconnect(w)},
         status=400)


def _dx_describe_loa(w):
    w.dx("DescribeLoa", {"connectionId": _plain_connection(w)})
    w.dx("DescribeLoa", {"connectionId": _lag(w)["lagId"], "providerName": "p", "loaContentType": "application/pdf"})
    w.dx("DescribeLoa", {"connectionId": _interconnect(w)})
    w.dx("DescribeLoa", {"connectionId": MISSING_CONNECTION}, status=400)


def _dx_describe_connection_loa(w):
    w.dx("DescribeConnectionLoa", {"connectionId": _plain_connection(w)})
    w.dx("DescribeConnectionLoa", {"connectionId": _interconnect(w)}, status=400)


def _dx_describe_interconnect_loa(w):
    w.dx("DescribeInterconnectLoa", {"interconnectId": _interconnect(w), "providerName": "p"})
    w.dx("DescribeInterconnectLoa", {"interconnectId": _plain_connection(w)}, status=400)


def _dx_confirm_customer_agreement(w):
    w.dx("ConfirmCustomerAgreement", {"agreementName": "dx-terms"})
    w.dx("ConfirmCustomerAgreement", {}, status=400)


def _dx_describe_customer_metadata(w):
    w.dx("DescribeCustomerMetadata", {})
    w.dx_body("DescribeCustomerMetadata", b'{"agreementName": ', status=400, code="SerializationException")


NEVER_NULL_SCENARIOS = {
    ("directconnect", "AllocateHostedConnection"): _dx_allocate_hosted_connection,
    ("directconnect", "AllocateConnectionOnInterconnect"): _dx_allocate_connection_on_interconnect,
    ("directconnect", "ConfirmConnection"): _dx_confirm_connection,
    ("directconnect", "DescribeHostedConnections"): _dx_describe_hosted_connections,
    ("directconnect", "DescribeConnectionsOnInterconnect"): _dx_describe_connections_on_interconnect,
    ("directconnect", "AssociateHostedConnection"): _dx_associate_hosted_connection,
    ("directconnect", "DescribeLoa"): _dx_describe_loa,
    ("directconnect", "DescribeConnectionLoa"): _dx_describe_connection_loa,
    ("directconnect", "DescribeInterconnectLoa"): _dx_describe_interconnect_loa,
    ("directconnect", "ConfirmCustomerAgreement"): _dx_confirm_customer_agreement,
    ("directconnect", "DescribeCustomerMetadata"): _dx_describe_customer_metadata,
    ("directconnect", "DescribeLocations"): _dx_describe_locations,
    ("directconnect", "CreateConnection"): _dx_create_connection,
    ("directconnect", "DescribeConnections"): _dx_describe_connections,
    ("directconnect", "UpdateConnection"): _dx_update_connection,
    ("directconnect", "DeleteConnection"): _dx_delete_connection,
    ("directconnect", "CreateInterconnect"): _dx_create_interconnect,
    ("directconnect", "DescribeInterconnects"): _dx_describe_interconnects,
    ("directconnect", "DeleteInterconnect"): _dx_delete_interconnect,
    ("directconnect", "CreateLag"): _dx_create_lag,
    ("directconnect", "DescribeLags"): _dx_describe_lags,
    ("directconnect", "UpdateLag"): _dx_update_lag,
    ("directconnect", "DeleteLag"): _dx_delete_lag,
    ("directconnect", "AssociateConnectionWithLag"): _dx_associate_connection_with_lag,
    ("directconnect", "DisassociateConnectionFromLag"): _dx_disassociate_connection_from_lag,
    ("directconnect", "AssociateMacSecKey"): _dx_associate_mac_sec_key,
    ("directconnect", "DisassociateMacSecKey"): _dx_disassociate_mac_sec_key,
    ("directconnect", "TagResource"): _dx_tag_resource,
    ("directconnect", "UntagResource"): _dx_untag_resource,
    ("directconnect", "DescribeTags"): _dx_describe_tags,
    ("directconnect", "CreateDirectConnectGateway"): _dx_create_direct_connect_gateway,
    ("directconnect", "DescribeDirectConnectGateways"): _dx_describe_direct_connect_gateways,
    ("directconnect", "UpdateDirectConnectGateway"): _dx_update_direct_connect_gateway,
    ("directconnect", "DeleteDirectConnectGateway"): _dx_delete_direct_connect_gateway,
    ("directconnect", "DescribeDirectConnectGatewayAttachments"): _dx_describe_direct_connect_gateway_attachments,
    ("directconnect", "CreateDirectConnectGatewayAssociation"): _dx_create_direct_connect_gateway_association,
    ("directconnect", "DescribeDirectConnectGatewayAssociations"): _dx_describe_direct_connect_gateway_associations,
    ("directconnect", "UpdateDirectConnectGatewayAssociation"): _dx_update_direct_connect_gateway_association,
    ("directconnect", "DeleteDirectConnectGatewayAssociation"): _dx_delete_direct_connect_gateway_association,
    ("directconnect", "DescribeVirtualGateways"): _dx_describe_virtual_gateways,
    ("directconnect", "CreateDirectConnectGatewayAssociationProposal"):
        _dx_create_direct_connect_gateway_association_proposal,
    ("directconnect", "DescribeDirectConnectGatewayAssociationProposals"):
        _dx_describe_direct_connect_gateway_association_proposals,
    ("directconnect", "AcceptDirectConnectGatewayAssociationProposal"):
        _dx_accept_direct_connect_gateway_association_proposal,
    ("directconnect", "DeleteDirectConnectGatewayAssociationProposal"):
        _dx_delete_direct_connect_gateway_association_proposal,
    ("directconnect", "CreatePrivateVirtualInterface"): _dx_create_private_virtual_interface,
    ("directconnect", "CreatePublicVirtualInterface"): _dx_create_public_virtual_interface,
    ("directconnect", "CreateTransitVirtualInterface"): _dx_create_transit_virtual_interface,
    ("directconnect", "AllocatePrivateVirtualInterface"): _dx_allocate_private_virtual_interface,
    ("directconnect", "AllocatePublicVirtualInterface"): _dx_allocate_public_virtual_interface,
    ("directconnect", "AllocateTransitVirtualInterface"): _dx_allocate_transit_virtual_interface,
    ("directconnect", "ConfirmPrivateVirtualInterface"): _dx_confirm_private_virtual_interface,
    ("directconnect", "ConfirmPublicVirtualInterface"): _dx_confirm_public_virtual_interface,
    ("directconnect", "ConfirmTransitVirtualInterface"): _dx_confirm_transit_virtual_interface,
    ("directconnect", "DescribeVirtualInterfaces"): _dx_describe_virtual_interfaces,
    ("directconnect", "UpdateVirtualInterfaceAttributes"): _dx_update_virtual_interface_attributes,
    ("directconnect", "AssociateVirtualInterface"): _dx_associate_virtual_interface,
    ("directconnect", "DeleteVirtualInterface"): _dx_delete_virtual_interface,
    ("directconnect", "CreateBGPPeer"): _dx_create_bgp_peer,
    ("directconnect", "DeleteBGPPeer"): _dx_delete_bgp_peer,
    ("directconnect", "StartBgpFailoverTest"): _dx_start_bgp_failover_test,
    ("directconnect", "StopBgpFailoverTest"): _dx_stop_bgp_failover_test,
    ("directconnect", "ListVirtualInterfaceTestHistory"): _dx_list_virtual_interface_test_history,
    ("directconnect", "DescribeRouterConfiguration"): _dx_describe_router_configuration,
    ("secretsmanager", "CreateSecret"): _sm_create_secret,
    ("secretsmanager", "DescribeSecret"): _sm_describe_secret,
    ("secretsmanager", "ListSecrets"): _sm_list_secrets,
    ("secretsmanager", "GetSecretValue"): _sm_get_secret_value,
    ("secretsmanager", "PutSecretValue"): _sm_put_secret_value,
    ("secretsmanager", "UpdateSecret"): _sm_update_secret,
    ("secretsmanager", "DeleteSecret"): _sm_delete_secret,
    ("secretsmanager", "RestoreSecret"): _sm_restore_secret,
    ("secretsmanager", "TagResource"): _sm_tag_resource,
    ("secretsmanager", "UntagResource"): _sm_untag_resource,
}


@pytest.mark.parametrize("service, operation", sorted(NEVER_NULL_SCENARIOS), ids=lambda part: part)
def test_no_reply_of_any_operation_carries_null(server, dx, sm, account, service, operation):
    w = RawWorld(server, account, dx(account=account), sm(account=account))
    NEVER_NULL_SCENARIOS[(service, operation)](w)
    statuses = [status for svc, op, status in w.checked if (svc, op) == (service, operation)]
    assert 200 in statuses, f"no success reply of {operation} was checked"
    assert any(status >= 400 for status in statuses), f"no error reply of {operation} was checked"


def _served_operations(server, service, raw) -> set[str]:
    """The operations of botocore's model of `service` that the server serves (anything but NotImplemented)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    served = set()
    account = random_account()
    for name in model.operation_names:
        resp = raw(server.url, name, {}, account=account)
        body = resp.json() if resp.body.strip() else {}
        if resp.status == 501 or str(body.get("__type", "")).split("#")[-1] in ("NotImplemented",
                                                                              "UnknownOperationException"):
            continue
        served.add(name)
    return served


def test_never_null_covers_every_operation_served(server):
    """A newly served operation without a never-null scenario above fails here, by name."""
    covered = {(svc, op) for svc, op in NEVER_NULL_SCENARIOS}
    served = {("directconnect", op) for op in _served_operations(server, "directconnect", dx_raw)}
    served |= {("secretsmanager", op) for op in _served_operations(server, "secretsmanager", sm_raw)}
    assert len(served) >= len(covered) // 2, f"the probe found almost nothing served: {sorted(served)}"
    assert sorted(served - covered) == [], "operations served without a never-null check"
    assert sorted(covered - served) == [], "never-null checks of operations the server does not serve"


@pytest.mark.parametrize("body", [b"[1, 2]", b"null", b"5", b'"text"'], ids=["array", "null", "number", "string"])
@pytest.mark.parametrize("service, operation", sorted(NEVER_NULL_SCENARIOS), ids=lambda part: part)
def test_a_body_that_is_json_but_not_an_object_is_serialization_exception(server, account, service, operation,
                                                                          body):
    """SPEC §1: the body is a JSON object; JSON of another kind is refused by every operation served,
    those without input members included."""
    prefix = "OvertureService" if service == "directconnect" else "secretsmanager"
    resp = raw_request(server.url, target=f"{prefix}.{operation}", body=body, account=account)
    reply = assert_aws_error(resp, 400, "SerializationException")
    assert find_nulls(reply) == [], resp.body
