"""`--auth sigv4`: requests signed by boto3 and the AWS CLI are verified as AWS verifies them."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError

import dxhelpers

KEY, SECRET, ACCOUNT = "AKIDDXLOCALTEST", "dxlocal-test-secret", "210987654321"
TEMP_KEY, TEMP_SECRET, TEMP_ACCOUNT, TOKEN = "ASIADXLOCALTEST", "temporary-secret", "121212121212", "session-token-1"


@pytest.fixture
def signed_server(server_factory, tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text(f"# test callers\n{KEY} {SECRET} {ACCOUNT}\n{TEMP_KEY} {TEMP_SECRET} {TEMP_ACCOUNT} {TOKEN}\n")
    return server_factory.start(extra_args=("--auth", "sigv4", "--credentials-file", str(credentials)))


def client(server, key=KEY, secret=SECRET, token=None, service="directconnect", region="us-west-2"):
    import boto3
    return boto3.session.Session().client(
        service, endpoint_url=server.url, region_name=region, aws_access_key_id=key,
        aws_secret_access_key=secret, aws_session_token=token, config=dxhelpers.boto_config())


def sign(url, body: bytes, *, key=KEY, secret=SECRET, when=None, target="OvertureService.DescribeConnections",
         service="directconnect", content_type="application/x-amz-json-1.1"):
    """An independent SigV4 signer (standard library only) for requests boto3 will not make (EC2's Query form with
    `target=None` and its content type)."""
    when = when or datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = when.strftime("%Y%m%dT%H%M%SZ"), when.strftime("%Y%m%d")
    host = url.split("//", 1)[1].rstrip("/")
    headers = {"content-type": content_type, "host": host, "x-amz-date": amz_date}
    if target:
        headers["x-amz-target"] = target
    names = sorted(headers)
    canonical = "\n".join(["POST", "/", "", "".join(f"{n}:{headers[n]}\n" for n in names), ";".join(names),
                           hashlib.sha256(body).hexdigest()])
    scope = f"{day}/us-east-1/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (day, "us-east-1", service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={key}/{scope}, SignedHeaders={';'.join(names)}, "
                                f"Signature={signature}")
    del headers["host"]
    return headers


def post(url, body: bytes, headers) -> dxhelpers.RawResponse:
    return dxhelpers.raw_request(url, body=body, headers=headers, content_type=None)


def test_requests_signed_by_boto3_are_let_in_as_the_files_account(signed_server):
    dx = client(signed_server)
    created = dx.create_connection(location="EqSe2", bandwidth="10Gbps", connectionName="signed")
    assert created["ownerAccount"] == ACCOUNT
    assert created["region"] == "us-west-2"
    assert client(signed_server, service="secretsmanager").list_secrets()["SecretList"] == []


def test_session_credentials_need_their_token(signed_server):
    assert client(signed_server, TEMP_KEY, TEMP_SECRET, TOKEN).describe_connections()["connections"] == []
    for token in (None, "another-token"):
        with pytest.raises(ClientError) as caught:
            client(signed_server, TEMP_KEY, TEMP_SECRET, token).describe_connections()
        assert caught.value.response["Error"]["Code"] == "UnrecognizedClientException"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


@pytest.mark.parametrize("key, secret, code", [
    (KEY, "wrong-secret", "InvalidSignatureException"),
    ("AKIDUNKNOWN", SECRET, "UnrecognizedClientException"),
])
def test_bad_credentials_are_refused_with_awss_codes(signed_server, key, secret, code):
    with pytest.raises(ClientError) as caught:
        client(signed_server, key, secret).describe_connections()
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_an_unsigned_request_is_missing_its_token(signed_server):
    response = post(signed_server.url, b"{}", {"Content-Type": "application/x-amz-json-1.1",
                                               "X-Amz-Target": "OvertureService.DescribeLocations"})
    dxhelpers.assert_aws_error(response, 403, "MissingAuthenticationTokenException")


def test_health_needs_a_caller_from_the_credentials_file_too(signed_server):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    def signed(method: str, key: str, secret: str) -> dict:
        request = AWSRequest(method=method, url=signed_server.url + "/_dxlocal/health", data=b"")
        SigV4Auth(Credentials(key, secret), "directconnect", "us-east-1").add_auth(request)
        return dict(request.headers.items())

    for method in ("GET", "HEAD"):
        unsigned = dxhelpers.raw_request(signed_server.url, method=method, path="/_dxlocal/health",
                                         content_type=None)
        assert unsigned.status == 403, unsigned
        stranger = dxhelpers.raw_request(signed_server.url, method=method, path="/_dxlocal/health",
                                         content_type=None, headers=signed(method, "AKIDSTRANGER", "nope"))
        assert stranger.status == 403, stranger
    dxhelpers.assert_aws_error(
        dxhelpers.raw_request(signed_server.url, method="GET", path="/_dxlocal/health", content_type=None),
        403, "MissingAuthenticationTokenException")
    ok = dxhelpers.raw_request(signed_server.url, method="GET", path="/_dxlocal/health", content_type=None,
                               headers=signed("GET", KEY, SECRET))
    assert ok.status == 200 and ok.json()["status"] == "ok", ok
    head = dxhelpers.raw_request(signed_server.url, method="HEAD", path="/_dxlocal/health", content_type=None,
                                 headers=signed("HEAD", KEY, SECRET))
    assert head.status == 200 and head.body == b"", head


def test_a_malformed_authorization_header_is_an_incomplete_signature(signed_server):
    response = post(signed_server.url, b"{}", {"Content-Type": "application/x-amz-json-1.1",
                                               "X-Amz-Target": "OvertureService.DescribeLocations",
                                               "Authorization": "AWS4-HMAC-SHA256 Signature=00"})
    dxhelpers.assert_aws_error(response, 403, "IncompleteSignatureException")


def test_one_changed_byte_of_the_body_is_refused_and_changes_nothing(signed_server):
    dx = client(signed_server, region="us-east-1")  # the region the independent signer signs for
    body = json.dumps({"location": "EqDC2", "bandwidth": "10Gbps", "connectionName": "tamper"}).encode()
    headers = sign(signed_server.url, body, target="OvertureService.CreateConnection")
    before = dx.describe_connections()["connections"]
    response = post(signed_server.url, body.replace(b"tamper", b"tamped"), headers)
    dxhelpers.assert_aws_error(response, 403, "InvalidSignatureException")
    assert dx.describe_connections()["connections"] == before
    assert post(signed_server.url, body, headers).status == 200


def test_a_request_signed_more_than_fifteen_minutes_ago_is_expired(signed_server):
    body = b"{}"
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=16)
    response = post(signed_server.url, body, sign(signed_server.url, body, when=old))
    error = dxhelpers.assert_aws_error(response, 403, "InvalidSignatureException")
    assert error["message"].startswith("Signature expired")
    recent = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    assert post(signed_server.url, body, sign(signed_server.url, body, when=recent)).status == 200


@pytest.mark.parametrize("target, signed_for, expected", [
    ("OvertureService.DescribeConnections", "secretsmanager", "directconnect"),
    ("OvertureService.DescribeConnections", "bogus", "directconnect"),
    ("secretsmanager.ListSecrets", "directconnect", "secretsmanager"),
])
def test_a_request_signed_for_another_service_is_refused(signed_server, target, signed_for, expected):
    """AWS refuses a signature whose credential scope names another service, however well it is computed."""
    response = post(signed_server.url, b"{}", sign(signed_server.url, b"{}", target=target, service=signed_for))
    error = dxhelpers.assert_aws_error(response, 403, "InvalidSignatureException")
    assert error["message"] == f"Credential should be scoped to correct service: '{expected}'. "
    assert post(signed_server.url, b"{}", sign(signed_server.url, b"{}", target=target, service=expected)).status == 200


def test_an_operator_call_signed_for_a_service_not_served_is_refused(signed_server):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    for service, status in (("s3", 403), ("secretsmanager", 200), ("ec2", 200)):
        request = AWSRequest(method="GET", url=signed_server.url + "/_dxlocal/health", data=b"")
        SigV4Auth(Credentials(KEY, SECRET), service, "us-east-1").add_auth(request)
        response = dxhelpers.raw_request(signed_server.url, method="GET", path="/_dxlocal/health",
                                         content_type=None, headers=dict(request.headers.items()))
        assert response.status == status, (service, response)
        if status == 403:
            error = dxhelpers.assert_aws_error(response, 403, "InvalidSignatureException")
            assert error["message"] == "Credential should be scoped to correct service: 'directconnect'. "


def test_an_ec2_request_signed_for_another_service_is_refused(signed_server):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = b"Action=DescribeVpcs&Version=2016-11-15"
    for service, status in (("directconnect", 403), ("ec2", 200)):
        request = AWSRequest(method="POST", url=signed_server.url + "/", data=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        SigV4Auth(Credentials(KEY, SECRET), service, "us-east-1").add_auth(request)
        response = dxhelpers.raw_request(signed_server.url, body=body, headers=dict(request.headers.items()),
                                         content_type=None)
        assert response.status == status, response
        if status == 403:
            assert b"<Message>Credential should be scoped to correct service: &apos;ec2&apos;. </Message>" \
                in response.body, response.body


def test_ec2_refuses_signatures_with_its_own_codes(signed_server):
    """EC2's Query API answers a refused signature with EC2's codes and statuses, not the JSON services'."""
    url, body = signed_server.url, b"Action=DescribeVpcs&Version=2016-11-15"
    form = "application/x-www-form-urlencoded; charset=utf-8"

    def signed(**changes):
        return sign(url, body, service="ec2", target=None, content_type=form, **changes)

    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=16)
    cases = [
        ({"Content-Type": form}, 403, "MissingAuthenticationToken"),
        ({"Content-Type": form, "Authorization": "AWS4-HMAC-SHA256 Signature=00"}, 400, "IncompleteSignature"),
        (signed(key="AKIDUNKNOWN"), 401, "AuthFailure"),
        (signed(secret="wrong-secret"), 403, "SignatureDoesNotMatch"),
        (signed(when=old), 400, "RequestExpired"),
    ]
    for headers, status, code in cases:
        response = post(url, body, headers)
        assert response.status == status and f"<Code>{code}</Code>".encode() in response.body, (code, response)
    assert post(url, body, signed()).status == 200
    with pytest.raises(ClientError) as caught:
        client(signed_server, "AKIDUNKNOWN", SECRET, service="ec2").describe_vpcs()
    assert caught.value.response["Error"]["Code"] == "AuthFailure"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 401


def test_signatures_are_timed_by_the_callers_clock_when_the_service_clock_moves(server_factory, tmp_path):
    """With --clock-control the service's clock moves ahead (past a secret's recovery window), while callers go on
    signing with the time they read: the signature's 15 minutes are counted on the system's clock."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    credentials = tmp_path / "credentials"
    credentials.write_text(f"{KEY} {SECRET} {ACCOUNT}\n")
    server = server_factory.start(extra_args=("--auth", "sigv4", "--credentials-file", str(credentials),
                                              "--clock-control"))
    dx = client(server)
    for _ in range(2):
        body = json.dumps({"advanceSeconds": 8 * 86_400}).encode()
        request = AWSRequest(method="POST", url=server.url + "/_dxlocal/clock", data=body,
                             headers={"Content-Type": "application/json"})
        SigV4Auth(Credentials(KEY, SECRET), "directconnect", "us-east-1").add_auth(request)
        moved = dxhelpers.raw_request(server.url, path="/_dxlocal/clock", body=body,
                                      headers=dict(request.headers.items()), content_type=None)
        assert moved.status == 200, moved
        assert dx.describe_connections()["connections"] == []


def test_the_aws_cli_signs_its_way_in(signed_server, tmp_path):
    env = {**os.environ, "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET,
           "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    ok = subprocess.run([sys.executable, "-m", "awscli", "directconnect", "describe-locations", "--region",
                         "us-west-2", "--endpoint-url", signed_server.url, "--output", "json"],
                        env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert [l["locationCode"] for l in json.loads(ok.stdout)["locations"]] == ["EqSe2"]
    env["AWS_SECRET_ACCESS_KEY"] = "wrong"
    refused = subprocess.run([sys.executable, "-m", "awscli", "directconnect", "describe-locations", "--region",
                              "us-west-2", "--endpoint-url", signed_server.url], env=env, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode != 0
    assert "InvalidSignatureException" in refused.stderr
