"""SPEC 1: a fault of the server (here: its PostgreSQL store failing under it) reaches real clients as the service's
own server exception, 500, with a request ID that the server's log carries beside the cause; the cause never
reaches the wire, and the server serves again once the store does.

Runs in the PostgreSQL pass of scripts/test (marker `multi_instance`, which needs DXLOCAL_TEST_DATABASE).
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import subprocess

import pytest
from botocore.exceptions import ClientError

import dxhelpers

pytestmark = pytest.mark.multi_instance


def psql(url: str, sql: str) -> None:
    tool = shutil.which("psql")
    assert tool, "psql (from PostgreSQL's client package) is needed to break the store on purpose"
    subprocess.run([tool, url, "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True)


def test_a_store_failure_is_a_server_exception_with_a_logged_request_id(server_factory):
    url = dxhelpers.test_database_url()
    fresh = f"faults_{secrets.token_hex(4)}"
    psql(url, f"CREATE DATABASE {fresh}")
    fresh_url = url.rsplit("/", 1)[0] + "/" + fresh
    key = base64.b64encode(os.urandom(32)).decode()
    server = server_factory.start(database=fresh_url, env={"DXLOCAL_MASTER_KEY": key}, log_level="error")
    account = dxhelpers.random_account()
    dx = dxhelpers.make_client(server.url, account=account)
    sm = dxhelpers.make_sm_client(server.url, account=account)
    connection_id = dx.create_connection(location="EqDC2", bandwidth="10Gbps", connectionName="faults",
                                         requestMACSec=True)["connectionId"]
    ckn, cak = dxhelpers.random_hex64(), dxhelpers.random_hex64()

    healthy = dxhelpers.raw_request(server.url, method="GET", path="/_dxlocal/health", content_type=None)
    assert healthy.status == 200 and healthy.json()["store"] == {"backend": "postgres", "status": "ok"}, healthy
    psql(fresh_url, "ALTER TABLE records RENAME TO records_away")
    try:
        # SPEC 11: the health check says the store cannot be reached, with 503.
        sick = dxhelpers.raw_request(server.url, method="GET", path="/_dxlocal/health", content_type=None)
        assert sick.status == 503, sick
        assert sick.json()["status"] == "unavailable"
        assert sick.json()["store"] == {"backend": "postgres", "status": "unavailable"}
        faults = []
        for call in (
            lambda: dx.describe_connections(connectionId=connection_id),
            lambda: dx.associate_mac_sec_key(connectionId=connection_id, ckn=ckn, cak=cak),
            lambda: sm.list_secrets(),
        ):
            with pytest.raises(ClientError) as caught:
                call()
            faults.append(caught.value.response)
    finally:
        psql(fresh_url, "ALTER TABLE records_away RENAME TO records")

    codes = [(f["Error"]["Code"], f["ResponseMetadata"]["HTTPStatusCode"]) for f in faults]
    assert codes == [("DirectConnectServerException", 500)] * 2 + [("InternalServiceError", 500)], codes
    log = server.stderr_text() + server.stdout_text()
    for fault in faults:
        request_id = fault["ResponseMetadata"]["RequestId"]
        assert request_id, fault
        # The log line of the fault names the request and the cause; the reply names neither the table nor the SQL.
        lines = [line for line in log.splitlines() if request_id in line]
        assert any("server fault" in line and "store failure" in line for line in lines), (request_id, log)
        message = fault["Error"]["Message"]
        assert "records" not in message and "relation" not in message and "SELECT" not in message, message
    assert cak not in log and cak.upper() not in log

    # Nothing was applied, and the server serves again as soon as its store does.
    described = dx.describe_connections(connectionId=connection_id)["connections"][0]
    assert described.get("macSecKeys", []) == []
    keys = dx.associate_mac_sec_key(connectionId=connection_id, ckn=ckn, cak=cak)["macSecKeys"]
    assert [k["ckn"].lower() for k in keys] == [ckn]
