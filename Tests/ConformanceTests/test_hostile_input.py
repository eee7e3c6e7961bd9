"""Hostile input: every malformed request gets an AWS-shaped 4xx, the server stays up, and nothing changes."""

from __future__ import annotations

import json

import pytest

import dxhelpers

TARGET = "OvertureService.DescribeConnections"


def send(server, body, *, target=TARGET, content_type=dxhelpers.JSON_CONTENT_TYPE, method="POST", path="/"):
    return dxhelpers.raw_request(server.url, method=method, path=path, target=target, body=body,
                                 content_type=content_type)


HOSTILE_BODIES = {
    "deeply nested arrays": "[" * 100_000 + "]" * 100_000,
    "deeply nested objects": '{"a":' * 20_000 + "1" + "}" * 20_000,
    "invalid UTF-8": b'{"connectionId":"\xff\xfe\xfd"}',
    "number out of range": '{"maxResults": 1e400}',
    "integer out of range": '{"maxResults": 99999999999999999999999999}',
    "fraction for an integer": '{"maxResults": 1.5}',
    "string for an integer": '{"maxResults": "ten"}',
    "object for a string": '{"connectionId": {"nested": true}}',
    "duplicate keys": '{"connectionId":"dxcon-aaaaaaaa","connectionId":"dxcon-bbbbbbbb"}',
    "null root": "null",
    "array root": "[]",
    "truncated": '{"connectionId": "dxcon-',
    "NUL byte": b'{"connectionId":"a\x00b"}',
}


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_hostile_bodies_are_refused_aws_shaped(server, client, name):
    before = client.describe_connections()["connections"]
    response = send(server, HOSTILE_BODIES[name])
    assert 400 <= response.status < 500, (name, response)
    error = dxhelpers.assert_aws_error(response, response.status, "SerializationException")
    assert len(error["message"]) <= 1100
    assert client.describe_connections()["connections"] == before
    assert send(server, "{}").status == 200, "the server must still answer"


def test_a_huge_string_is_answered_without_echoing_it(server):
    response = send(server, json.dumps({"connectionId": "x" * 900_000}))
    error = dxhelpers.assert_aws_error(response, 400, "DirectConnectClientException")
    assert error["message"].startswith("Could not find Connection with ID xxx")
    assert len(error["message"]) <= 1100


def test_a_huge_array_is_answered(server, client):
    arns = [f"arn:aws:directconnect:us-east-1:{dxhelpers.DEFAULT_ACCOUNT}:dxcon/dxcon-aaaaaaaa"] * 10_000
    response = send(server, json.dumps({"resourceArns": arns}), target="OvertureService.DescribeTags")
    dxhelpers.assert_aws_error(response, 400, "DirectConnectClientException")


def test_nulls_and_unknown_members_are_ignored(server):
    response = send(server, '{"connectionId": null, "maxResults": null, "futureMember": {"x": [1, 2]}}')
    assert response.status == 200
    assert "connections" in response.json()


def test_a_body_over_the_limit_is_refused(server):
    response = send(server, '{"connectionId":"' + "a" * (2 << 20) + '"}')
    dxhelpers.assert_aws_error(response, 413, "RequestEntityTooLargeException")


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json; charset=utf-8"])
def test_a_missing_or_wrong_content_type_is_refused(server, content_type):
    response = send(server, "{}", content_type=content_type)
    error = dxhelpers.assert_aws_error(response, 400, "SerializationException")
    assert "Content-Type" in error["message"]


@pytest.mark.parametrize("content_type", ["Application/X-Amz-Json-1.1", "APPLICATION/X-AMZ-JSON-1.1; Charset=UTF-8"])
def test_the_content_type_is_read_whatever_its_letter_case(server, content_type):
    # Media types ignore case (RFC 9110, 8.3.1).
    response = send(server, "{}", content_type=content_type)
    assert response.status == 200, response.body
    assert "connections" in response.json()


def test_a_form_content_type_in_capitals_is_ec2s_query_protocol(server):
    response = dxhelpers.raw_request(server.url, body="Action=DescribeVpcs&Version=2016-11-15",
                                     content_type="Application/X-WWW-Form-Urlencoded; charset=utf-8",
                                     account=dxhelpers.random_account())
    assert response.status == 200, response.body
    assert b"<DescribeVpcsResponse" in response.body


@pytest.mark.parametrize("method, path", [("GET", "/"), ("PUT", "/"), ("DELETE", "/"), ("POST", "/elsewhere"),
                                          ("GET", "/../../etc/passwd")])
def test_wrong_methods_and_paths_are_refused_aws_shaped(server, method, path):
    response = send(server, "{}" if method != "GET" else None, method=method, path=path)
    assert 400 <= response.status < 500
    dxhelpers.assert_aws_reply_headers(response)
    assert isinstance(response.json().get("__type"), str)


def test_a_bad_cak_is_never_echoed(server, client):
    connection = client.create_connection(location="EqDC2", bandwidth="10Gbps", connectionName="bad-cak",
                                          requestMACSec=True)
    secret_like = "f" * 63 + "Z"
    response = dxhelpers.dx_raw(server.url, "AssociateMacSecKey", {
        "connectionId": connection["connectionId"], "ckn": "a" * 64, "cak": secret_like}, account=dxhelpers.DEFAULT_ACCOUNT)
    dxhelpers.assert_aws_error(response, 400, "DirectConnectClientException")
    assert secret_like.encode() not in response.body
    assert secret_like.encode() not in server.output_bytes()
