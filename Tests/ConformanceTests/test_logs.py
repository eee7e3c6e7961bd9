"""SPEC 11: `--log-format json` writes one JSON object a line, with the time, level and message, and for each
request its ID (the reply's `x-amzn-RequestId`), service, operation, account, region, status and duration; no key
material at any level."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from botocore.exceptions import ClientError

import dxhelpers


def lines(server) -> list[dict]:
    text = server.stderr_text()
    parsed = []
    for line in text.splitlines():
        value = json.loads(line)  # every line is one JSON object
        assert isinstance(value, dict), line
        for member in ("time", "level", "message"):
            assert member in value, line
        datetime.fromisoformat(value["time"].replace("Z", "+00:00"))
        parsed.append(value)
    return parsed


@pytest.mark.parametrize("level", ["trace", "debug"])
def test_json_lines_carry_each_request_and_no_key_material(server_factory, level):
    server = server_factory.start(log_level=level, extra_args=("--log-format", "json"))
    account = dxhelpers.random_account()
    dx = dxhelpers.make_client(server.url, account=account, region="us-west-2")
    sm = dxhelpers.make_sm_client(server.url, account=account, region="us-west-2")
    connection = dx.create_connection(location="EqSe2", bandwidth="10Gbps", connectionName="logs",
                                      requestMACSec=True)
    cak, ckn = dxhelpers.random_hex64(), dxhelpers.random_hex64()
    dx.associate_mac_sec_key(connectionId=connection["connectionId"], ckn=ckn, cak=cak)
    secret_value = "log-secret-" + dxhelpers.random_hex64()
    sm.create_secret(Name=dxhelpers.unique_name("logs"), SecretString=secret_value)
    with pytest.raises(ClientError) as refused:
        dx.describe_connections(connectionId="dxcon-fffffff0")
    server.stop()

    requests = [line for line in lines(server) if line["message"] == "request"]
    created = [line for line in requests if line.get("operation") == "CreateConnection"]
    assert len(created) == 1, requests
    line = created[0]
    assert line["requestId"] == connection["ResponseMetadata"]["RequestId"]
    assert (line["service"], line["account"], line["region"], line["status"]) == \
        ("directconnect", account, "us-west-2", 200)
    assert isinstance(line["durationMs"], float) and line["durationMs"] > 0
    failed = [line for line in requests if line.get("requestId") == refused.value.response["ResponseMetadata"]["RequestId"]]
    assert len(failed) == 1 and failed[0]["status"] == 400 and failed[0]["code"] == "DirectConnectClientException"
    assert any(line.get("service") == "secretsmanager" and line.get("operation") == "CreateSecret"
               for line in requests)
    log = server.output_bytes()
    for needle in dxhelpers.hex_needles(cak) + [secret_value.encode()]:
        assert needle not in log, needle


def test_the_default_level_writes_no_line_a_request(server_factory):
    server = server_factory.start(extra_args=("--log-format", "json"))
    dxhelpers.make_client(server.url).describe_locations()
    server.stop()
    assert not [line for line in lines(server) if line["message"] == "request"]


def test_an_unknown_log_format_is_refused(dxlocal_bin, tmp_path):
    import subprocess
    result = subprocess.run([str(dxlocal_bin), "serve", "--in-memory", "--log-format", "xml"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "--log-format must be text or json" in result.stderr
