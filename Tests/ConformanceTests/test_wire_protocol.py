"""SPEC §1: the JSON 1.1 wire protocol, region and account resolution, error shapes."""

import json
import uuid

import pytest

from dxhelpers import (
    CLIENT_ERROR,
    DEFAULT_ACCOUNT,
    LISTENING_RE,
    UUID_RE,
    assert_aws_error,
    assert_aws_reply_headers,
    create_connection,
    describe_connection,
    dx_raw,
    expect_error,
    find_nulls,
    raw_request,
    unique_name,
)

# --------------------------------------------------------------------------------------
# The process contract
# --------------------------------------------------------------------------------------


def test_server_prints_exactly_one_listening_line(server):
    lines = [line for line in server.stdout_text().splitlines() if line.startswith("dxlocal listening on")]
    assert len(lines) == 1, lines
    assert LISTENING_RE.match(lines[0])


def test_health_endpoint_returns_json_object(server):
    resp = raw_request(server.url, method="GET", path="/_dxlocal/health", content_type=None)
    assert resp.status == 200, resp
    assert isinstance(resp.json(), dict)


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
    assert b"null" not in described.body, described.body
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


@pytest.mark.parametrize(
    "operation, call",
    [
        ("CreateDirectConnectGateway", lambda c: c.create_direct_connect_gateway(directConnectGatewayName="gw")),
        ("DescribeVirtualInterfaces", lambda c: c.describe_virtual_interfaces()),
    ],
    ids=["CreateDirectConnectGateway", "DescribeVirtualInterfaces"],
)
def test_unimplemented_operation_answers_501_naming_it(client, operation, call):
    expect_error(lambda: call(client), code="NotImplemented", status=501, contains=[operation])


def test_unimplemented_operation_raw_reply_is_aws_shaped(server):
    resp = dx_raw(server.url, "DescribeVirtualInterfaces", {})
    body = assert_aws_error(resp, 501, "NotImplemented")
    assert "DescribeVirtualInterfaces" in body["message"]


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
