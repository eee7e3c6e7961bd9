"""SPEC 11: fault rules. `POST /_dxlocal/faults` replaces the rules, `PATCH` adds to them, `GET` lists them and
`DELETE` clears them (or, with a body, removes the rules equal to those given, as LocalStack's chaos API does); a
request a rule matches waits its `latencyMs` and fails with its AWS-shaped error, as boto3 sees AWS's own errors.
`/_localstack/chaos/faults` takes LocalStack's payload. A refused body changes nothing; a reset clears the rules."""

from __future__ import annotations

import json
import time

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

import dxhelpers
from conftest import ServerFactory

FAULTS = "/_dxlocal/faults"
CHAOS = "/_localstack/chaos/faults"


@pytest.fixture(scope="module")
def fault_server(dxlocal_bin, tmp_path_factory):
    """A server of this module's own: fault rules act on every account, so no other test may meet them."""
    factory = ServerFactory(dxlocal_bin, tmp_path_factory.mktemp("fault-servers"))
    yield factory.start()
    factory.stop_all()


@pytest.fixture
def server(fault_server):
    """The module's server, with no rules before and after each test."""
    assert operator(fault_server, "DELETE").status == 200
    yield fault_server
    assert operator(fault_server, "DELETE").status == 200


def operator(server, method: str, path: str = FAULTS, body=None, headers=None) -> dxhelpers.RawResponse:
    data = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    return dxhelpers.raw_request(server.url, method=method, path=path, body=data, headers=headers,
                                 content_type="application/json")


def rules(server, path: str = FAULTS) -> list:
    response = operator(server, "GET", path)
    assert response.status == 200, response
    return response.json()


def no_retries(server, service: str = "directconnect", account: str = dxhelpers.DEFAULT_ACCOUNT,
               region: str = "us-east-1"):
    """A client that shows every failure as it came (the helpers' clients make one attempt)."""
    if service == "directconnect":
        return dxhelpers.make_client(server.url, account=account, region=region)
    return dxhelpers.make_sm_client(server.url, account=account, region=region)


def failure(call) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value


def test_a_rule_fails_the_operation_it_names_with_its_error_and_nothing_else(server):
    account = dxhelpers.random_account()
    dx = no_retries(server, account=account)
    response = operator(server, "POST", body=[
        {"service": "directconnect", "operation": "CreateConnection",
         "error": {"code": "DirectConnectClientException", "status": 400, "message": "injected"}},
    ])
    assert response.status == 200, response
    error = failure(lambda: dx.create_connection(location="EqDC2", bandwidth="1Gbps", connectionName="f"))
    assert error.response["Error"] == {"Code": "DirectConnectClientException", "Message": "injected"}
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.response["ResponseMetadata"]["RequestId"]
    # The failed write changed nothing, and other operations answer as before.
    assert dx.describe_connections()["connections"] == []
    assert dx.describe_locations()["locations"]
    operator(server, "DELETE")
    assert dx.create_connection(location="EqDC2", bandwidth="1Gbps", connectionName="f")["connectionId"]


def test_rules_match_by_service_account_and_region(server):
    target, other = dxhelpers.random_account(), dxhelpers.random_account()
    operator(server, "POST", body=[
        {"account": target, "region": "us-west-2", "error": {"code": "ThrottlingException"}},
        {"service": "secretsmanager", "operation": "ListSecrets", "error": {"code": "InternalServiceError"}},
    ])
    error = failure(lambda: no_retries(server, account=target, region="us-west-2").describe_locations())
    assert error.response["Error"]["Code"] == "ThrottlingException"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert no_retries(server, account=target, region="us-east-1").describe_locations()["locations"]
    assert no_retries(server, account=other, region="us-west-2").describe_locations()["locations"]
    error = failure(lambda: no_retries(server, "secretsmanager", account=other).list_secrets())
    assert error.response["Error"]["Code"] == "InternalServiceError"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert no_retries(server, account=other).describe_connections()["connections"] == []


def test_an_error_without_a_status_has_the_status_aws_gives_its_code(server):
    operator(server, "POST", body=[
        {"operation": "DescribeLocations", "error": {}},
        {"operation": "DescribeConnections", "error": {"code": "DirectConnectServerException"}},
        {"operation": "DescribeLags", "error": {"code": "DirectConnectClientException"}},
    ])
    dx = no_retries(server)
    for call, code, status in [(dx.describe_locations, "ServiceUnavailable", 503),
                               (dx.describe_connections, "DirectConnectServerException", 500),
                               (dx.describe_lags, "DirectConnectClientException", 400)]:
        error = failure(call)
        assert (error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"]) == \
            (code, status)


def test_a_rule_without_an_error_only_delays(server):
    dx = no_retries(server)
    operator(server, "POST", body=[{"operation": "DescribeLocations", "latencyMs": 400}])
    started = time.monotonic()
    assert dx.describe_locations()["locations"]
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    dx.describe_connections()
    assert time.monotonic() - started < 0.4


def test_a_delayed_error_waits_first(server):
    dx = no_retries(server)
    operator(server, "POST", body=[{"operation": "DescribeLags", "latencyMs": 300,
                                    "error": {"code": "ThrottlingException"}}])
    started = time.monotonic()
    assert failure(dx.describe_lags).response["Error"]["Code"] == "ThrottlingException"
    assert time.monotonic() - started >= 0.3


def test_probability_decides_how_often_a_rule_fires(server):
    dx = no_retries(server)
    operator(server, "POST", body=[{"operation": "DescribeLocations", "probability": 0,
                                    "error": {"code": "ThrottlingException"}}])
    for _ in range(50):
        dx.describe_locations()
    operator(server, "POST", body=[{"operation": "DescribeLocations", "probability": 0.5,
                                    "error": {"code": "ThrottlingException"}}])
    failed = 0
    for _ in range(200):
        try:
            dx.describe_locations()
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ThrottlingException"
            failed += 1
    # Binomial(200, 0.5): outside 60..140 with a probability below 1e-8.
    assert 60 <= failed <= 140, failed


def test_botocore_retries_a_throttle_the_way_it_retries_aws(server):
    """A throttle that fires half the time is retried by botocore's standard mode until a call gets through."""
    operator(server, "POST", body=[{"operation": "DescribeLocations", "probability": 0.5,
                                    "error": {"code": "ThrottlingException"}}])
    config = Config(retries={"max_attempts": 30, "mode": "standard"})
    dx = dxhelpers._client("directconnect", server.url, dxhelpers.DEFAULT_ACCOUNT, "us-east-1", config)
    attempts = []
    dx.meta.events.register("before-send.directconnect.DescribeLocations", lambda **_: attempts.append(1))
    for _ in range(10):
        assert dx.describe_locations()["locations"]
    assert len(attempts) > 10, "no attempt failed: the rule never fired"


def test_post_replaces_patch_adds_get_lists_and_delete_clears(server):
    first = {"operation": "DescribeLags", "error": {"code": "ThrottlingException", "status": 400}}
    second = {"service": "secretsmanager", "latencyMs": 10}
    third = {"account": "111122223333", "probability": 0.25}
    assert operator(server, "POST", body=[first, second]).json() == [
        {"operation": "DescribeLags", "probability": 1, "error": {"code": "ThrottlingException", "status": 400}},
        {"service": "secretsmanager", "probability": 1, "latencyMs": 10},
    ]
    assert operator(server, "PATCH", body=[third]).json()[2] == {"account": "111122223333", "probability": 0.25}
    assert len(rules(server)) == 3
    assert operator(server, "POST", body=[third]).json() == [{"account": "111122223333", "probability": 0.25}]
    assert operator(server, "DELETE").json() == []
    assert rules(server) == []


def test_the_localstack_alias_speaks_localstacks_payload(server):
    # LocalStack: a rule without an error fails with 503 ServiceUnavailable; the status is `statusCode`.
    response = operator(server, "POST", CHAOS, body=[
        {"region": "us-west-2", "service": "directconnect"},
        {"operation": "ListSecrets", "error": {"statusCode": 400, "code": "ThrottlingException"}},
    ])
    assert response.status == 200, response
    listed = [
        {"service": "directconnect", "region": "us-west-2", "probability": 1,
         "error": {"code": "ServiceUnavailable", "statusCode": 503}},
        {"operation": "ListSecrets", "probability": 1, "error": {"code": "ThrottlingException", "statusCode": 400}},
    ]
    assert response.json() == listed
    assert rules(server, CHAOS) == listed
    assert rules(server)[0]["error"] == {"code": "ServiceUnavailable", "status": 503}
    error = failure(no_retries(server, region="us-west-2").describe_connections)
    assert (error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"]) == \
        ("ServiceUnavailable", 503)
    # LocalStack's DELETE removes the rules equal to those given, whatever defaults they leave out.
    remaining = operator(server, "DELETE", CHAOS, body=[{"region": "us-west-2", "service": "directconnect"}]).json()
    assert remaining == listed[1:]
    assert no_retries(server, region="us-west-2").describe_connections()["connections"] == []
    # `[{}]` fails every call there; `[]` none.
    operator(server, "POST", CHAOS, body=[{}])
    assert failure(no_retries(server).describe_locations).response["Error"]["Code"] == "ServiceUnavailable"
    operator(server, "POST", CHAOS, body=[])
    assert no_retries(server).describe_locations()["locations"]


@pytest.mark.parametrize("body, code, words", [
    (b"[", "SerializationException", "not valid JSON"),
    (b"{}", "SerializationException", "JSON array"),
    (b'[{"probability": "1"}]', "SerializationException", "probability"),
    (b'[{"service": "s3"}]', "ValidationException", "service"),
    (b'[{"service": "directconnect", "operation": "ListSecrets"}]', "ValidationException", "ListSecrets"),
    (b'[{"operation": "describeConnections"}]', "ValidationException", "describeConnections"),
    (b'[{"region": "US-EAST-1"}]', "ValidationException", "region"),
    (b'[{"account": "12345"}]', "ValidationException", "12-digit"),
    (b'[{"probability": 1.5}]', "ValidationException", "probability"),
    (b'[{"latencyMs": -1}]', "ValidationException", "latencyMs"),
    (b'[{"latencyMs": 300001}]', "ValidationException", "latencyMs"),
    (b'[{"error": {"status": 200}}]', "ValidationException", "status"),
    (b'[{"error": {"status": 400, "statusCode": 500}}]', "ValidationException", "differ"),
    (b'[{"error": {"code": "Bad Code"}}]', "ValidationException", "error.code"),
    (b'[{}, {"account": "x"}]', "ValidationException", "Fault rule 1"),
    # Misspelt members are refused, not read as a rule that fails everything.
    (b'[{"operaton": "AssociateMacSecKey"}]', "SerializationException", "Member [0].operaton is not known"),
    (b'[{"probabilty": 0.1}]', "SerializationException", "probabilty"),
    (b'[{"error": {"code": "Throttling", "statsCode": 500}}]', "SerializationException", "statsCode"),
])
@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_a_body_it_cannot_read_is_refused_and_changes_nothing(server, body, code, words, method):
    kept = [{"operation": "DescribeLags", "latencyMs": 1}]
    operator(server, "POST", body=kept)
    before = rules(server)
    response = operator(server, method, body=body)
    error = dxhelpers.assert_aws_error(response, 400, code)
    assert words in error["message"], error
    assert rules(server) == before


def test_a_replace_or_addition_needs_a_body(server):
    for method in ["POST", "PATCH"]:
        dxhelpers.assert_aws_error(operator(server, method), 400, "SerializationException")


def test_a_reset_clears_the_rules_of_what_it_wipes(server):
    kept, wiped = dxhelpers.random_account(), dxhelpers.random_account()
    operator(server, "POST", body=[{"account": kept, "latencyMs": 1}, {"account": wiped, "latencyMs": 2},
                                   {"latencyMs": 3}])
    reset = dxhelpers.raw_request(server.url, path="/_dxlocal/reset", body=json.dumps({"accounts": [wiped]}),
                                  content_type="application/json")
    assert reset.status == 200, reset
    assert [rule["latencyMs"] for rule in rules(server)] == [1, 3]
    reset = dxhelpers.raw_request(server.url, path="/moto-api/reset", body=b"", content_type=None)
    assert reset.status == 200, reset
    assert rules(server) == []


def test_with_sigv4_only_a_caller_from_the_credentials_file_may_set_faults(server_factory, tmp_path):
    key, secret, account = "AKIDFAULTTEST", "fault-test-secret", "456789012345"
    credentials = tmp_path / "credentials"
    credentials.write_text(f"{key} {secret} {account}\n")
    server = server_factory.start(extra_args=("--auth", "sigv4", "--credentials-file", str(credentials)))
    body = json.dumps([{"error": {"code": "ThrottlingException"}}]).encode()
    dxhelpers.assert_aws_error(operator(server, "POST", body=body), 403, "MissingAuthenticationTokenException")
    dxhelpers.assert_aws_error(operator(server, "GET"), 403, "MissingAuthenticationTokenException")

    def signed(method: str, data: bytes, credential: Credentials) -> dict:
        request = AWSRequest(method=method, url=server.url + FAULTS, data=data,
                             headers={"Content-Type": "application/json"})
        SigV4Auth(credential, "directconnect", "us-east-1").add_auth(request)
        return dict(request.headers.items())

    stranger = operator(server, "POST", body=body, headers=signed("POST", body, Credentials("AKIDX", "nope")))
    assert stranger.status == 403, stranger
    assert operator(server, "GET", headers=signed("GET", b"", Credentials(key, secret))).json() == []
    accepted = operator(server, "POST", body=body, headers=signed("POST", body, Credentials(key, secret)))
    assert accepted.status == 200, accepted
