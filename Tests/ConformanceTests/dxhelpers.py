"""Helpers shared by the dxlocal conformance tests.

Everything here talks to a real `dxlocal serve` process through real clients (boto3,
botocore's signer with http.client, the AWS CLI). Fixtures live in conftest.py; this
module holds the plain functions and the server handle so test modules can import them.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import string
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO_ROOT / ".build" / "debug" / "dxlocal"

DEFAULT_ACCOUNT = "123456789012"
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
CLIENT_ERROR = "DirectConnectClientException"

CONNECTION_ID_RE = re.compile(r"^dxcon-[a-z0-9]{8}$")
LAG_ID_RE = re.compile(r"^dxlag-[a-z0-9]{8}$")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
START_ON_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
LISTENING_RE = re.compile(r"^dxlocal listening on (http://127\.0\.0\.1:(\d+))\s*$", re.MULTILINE)

# The settle time of the shared `settle_server` fixture (seconds).
SETTLE_SECONDS = 2

ENCRYPTION_UP = "Encryption Up"
ENCRYPTION_DOWN = "Encryption Down"

# The built-in location catalogue the server ships (DescribeLocations).
CATALOGUE = {
    "us-east-1": {
        "EqDC2": (["1G", "10G", "100G", "400G"], ["10G", "100G", "400G"]),
        "CSVA1": (["1G", "10G", "100G"], ["10G", "100G"]),
        "CSNY1": (["1G", "10G"], []),
        "MKL50": (["1G", "10G"], []),
    },
    "us-west-1": {
        "EqSV5": (["1G", "10G", "100G"], ["10G", "100G"]),
        "CSLA1": (["1G", "10G"], []),
    },
    "us-west-2": {
        "EqSe2": (["1G", "10G", "100G"], ["10G", "100G"]),
    },
    "eu-central-1": {
        "EqFA5": (["1G", "10G", "100G", "400G"], ["10G", "100G", "400G"]),
    },
    "ap-southeast-1": {
        "EqSG2": (["1G", "10G", "100G"], ["10G", "100G"]),
        "GSS52": (["1G", "10G"], []),
    },
    "us-east-2": {
        "EQC50": (["1G", "10G", "100G", "400G"], ["10G", "100G", "400G"]),
    },
    "sa-east-1": {
        "TIVIT": (["1G", "10G", "100G"], ["10G", "100G"]),
        "TNDB": (["1G", "10G", "100G"], ["10G", "100G"]),
    },
    "eu-west-1": {
        "EirCL": (["1G", "10G"], ["10G"]),
        "EqLD5": (["1G", "10G", "100G"], ["10G", "100G"]),
        "TCSH": (["1G", "10G"], ["10G"]),
    },
    "ap-northeast-1": {
        "EqOS1": (["1G", "10G", "100G"], ["10G", "100G"]),
        "EqTY2": (["1G", "10G", "100G"], ["10G", "100G"]),
    },
    "ap-northeast-2": {
        "LGKNX": (["1G", "10G"], []),
        "LGU57": (["1G", "10G", "100G"], ["10G", "100G"]),
    },
    "ap-south-1": {
        "NMBL2-MMR-1A": (["1G", "10G"], ["10G"]),
    },
    "ap-southeast-2": {
        "EqSY3": (["1G", "10G", "100G"], ["10G", "100G"]),
    },
}
ALL_SPEEDS = ["1G", "10G", "100G", "400G"]


def speed_to_bandwidth(speed: str) -> str:
    """"10G" -> "10Gbps" (the spelling CreateConnection takes)."""
    return speed + "bps"


# --------------------------------------------------------------------------------------
# The binary and the server process
# --------------------------------------------------------------------------------------


def dxlocal_binary() -> Path:
    """The server binary; fails the test (never skips) when it is missing."""
    path = Path(os.environ.get("DXLOCAL_BIN") or DEFAULT_BIN)
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(
            f"dxlocal binary not found or not executable at {path} "
            f"(build it with `swift build` or point DXLOCAL_BIN at it)",
            pytrace=False,
        )
    return path


# One master key for every server of a test session on a shared database.
SHARED_MASTER_KEY = base64.b64encode(os.urandom(32)).decode()


class DxServer:
    """One `dxlocal serve` process on 127.0.0.1 with an ephemeral port."""

    _counter = 0

    def __init__(
        self,
        binary: Path,
        log_dir: Path,
        *,
        data_dir: Path | None = None,
        settle_time: float | None = None,
        log_level: str | None = None,
        extra_args: tuple[str, ...] = (),
        startup_timeout: float = 30.0,
        env: dict[str, str] | None = None,
        database: str | None = None,
    ):
        DxServer._counter += 1
        # The PostgreSQL pass of scripts/test runs every server on the shared store, except a server that moves the
        # clock: the clock is the store's (SPEC 8), so it gets a database of its own, the same at each start on one
        # data directory, and no other test's server reads its clock.
        shared = os.environ.get("DXLOCAL_CONFORMANCE_DATABASE")
        if database is None and shared and "--clock-control" in extra_args:
            database = own_database_url(shared, key=str(data_dir) if data_dir is not None else None)
        database = database or shared
        self.binary = binary
        self.data_dir = data_dir
        self.settle_time = settle_time
        self.log_level = log_level
        self.args = [str(binary), "serve", "--host", "127.0.0.1", "--port", "0"]
        if database is not None:
            self.args += ["--database", database]
            # Instances on one database must share the master key.
            env = {"DXLOCAL_MASTER_KEY": SHARED_MASTER_KEY, **(env or {})}
        if data_dir is not None:
            self.args += ["--data-dir", str(data_dir)]
        elif database is None:
            self.args += ["--in-memory"]
        if settle_time is not None:
            self.args += ["--settle-time", _format_number(settle_time)]
        if log_level is not None:
            self.args += ["--log-level", log_level]
        self.args += list(extra_args)
        # Extra environment variables for the process (e.g. DXLOCAL_MASTER_KEY); None keeps ours.
        self.env = None if env is None else {**os.environ, **env}
        log_dir.mkdir(parents=True, exist_ok=True)
        stem = f"dxlocal-{os.getpid()}-{DxServer._counter}"
        self.stdout_path = log_dir / f"{stem}.stdout"
        self.stderr_path = log_dir / f"{stem}.stderr"
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None
        self.port: int | None = None
        self.returncode: int | None = None

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> "DxServer":
        if self.data_dir is not None:
            Path(self.data_dir).mkdir(parents=True, exist_ok=True)
        out = open(self.stdout_path, "wb")
        err = open(self.stderr_path, "wb")
        try:
            self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=self.env)
        except OSError as exc:
            pytest.fail(f"could not start {self.args}: {exc}", pytrace=False)
        finally:
            out.close()
            err.close()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            match = LISTENING_RE.search(self.stdout_text())
            if match:
                self.url = match.group(1)
                self.port = int(match.group(2))
                return self
            if self.proc.poll() is not None:
                self.returncode = self.proc.returncode
                pytest.fail(
                    f"dxlocal exited with {self.proc.returncode} before listening\n"
                    f"command: {' '.join(self.args)}\n"
                    f"stdout:\n{self.stdout_text()[-4000:]}\nstderr:\n{self.stderr_text()[-4000:]}",
                    pytrace=False,
                )
            time.sleep(0.05)
        self.kill()
        pytest.fail(
            f"dxlocal did not print 'dxlocal listening on http://127.0.0.1:PORT' within "
            f"{self.startup_timeout:.0f} s\ncommand: {' '.join(self.args)}\n"
            f"stdout:\n{self.stdout_text()[-4000:]}\nstderr:\n{self.stderr_text()[-4000:]}",
            pytrace=False,
        )
        return self  # unreachable

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM and wait; returns the exit code. Kills and fails if it does not stop."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError(f"dxlocal (pid {self.proc.pid}) ignored SIGTERM for {timeout} s; killed")
        self.returncode = self.proc.returncode
        return self.returncode

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def ensure_stopped(self) -> None:
        """Finalizer: never leaves a process behind, whatever happened."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.stop(timeout=10)
        except AssertionError:
            pass
        finally:
            self.kill()

    # -- output -------------------------------------------------------------------------

    def stdout_text(self) -> str:
        return _read_text(self.stdout_path)

    def stderr_text(self) -> str:
        return _read_text(self.stderr_path)

    def output_bytes(self) -> bytes:
        return _read_bytes(self.stdout_path) + b"\n" + _read_bytes(self.stderr_path)


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _read_text(path: Path) -> str:
    return _read_bytes(path).decode("utf-8", errors="replace")


def _read_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return b""


class ServerFactory:
    """Starts servers with options and stops every one of them on `stop_all`."""

    def __init__(self, binary: Path, base_dir: Path):
        self.binary = binary
        self.base_dir = Path(base_dir)
        self.servers: list[DxServer] = []

    def start(
        self,
        *,
        data_dir: Path | None = None,
        settle_time: float | None = None,
        log_level: str | None = None,
        extra_args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
        database: str | None = None,
    ) -> DxServer:
        server = DxServer(
            self.binary,
            self.base_dir / "logs",
            data_dir=data_dir,
            settle_time=settle_time,
            log_level=log_level,
            extra_args=extra_args,
            env=env,
            database=database,
        )
        self.servers.append(server)
        return server.start()

    def stop_all(self) -> None:
        for server in self.servers:
            server.ensure_stopped()


# --------------------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------------------


def boto_config(validate: bool = True, pool: int = 10) -> Config:
    return Config(
        max_pool_connections=pool,
        retries={"total_max_attempts": 1, "mode": "standard"},
        parameter_validation=validate,
        connect_timeout=5,
        read_timeout=30,
    )


# One boto3 session for every client: a new session loads and parses the service models again (most of the suite's
# time went there), while clients of one session share them. Made at the first client, after conftest has cleared
# the developer's AWS configuration; client creation is not thread-safe, hence the lock.
_SESSION: boto3.session.Session | None = None
_SESSION_LOCK = threading.Lock()


def _session() -> boto3.session.Session:
    global _SESSION
    if _SESSION is None:
        _SESSION = boto3.session.Session()
    return _SESSION


def _client(service: str, url: str, account: str, region: str, config: Config):
    with _SESSION_LOCK:
        return _session().client(
            service,
            endpoint_url=url,
            region_name=region,
            aws_access_key_id=account,
            aws_secret_access_key="x",
            config=config,
        )


def make_client(url: str, account: str = DEFAULT_ACCOUNT, region: str = "us-east-1", validate: bool = True,
                pool: int = 10):
    return _client("directconnect", url, account, region, boto_config(validate, pool))


def make_sm_client(url: str, account: str = DEFAULT_ACCOUNT, region: str = "us-east-1", validate: bool = True):
    """A boto3 Secrets Manager client of `account` in `region` (same port as Direct Connect)."""
    return _client("secretsmanager", url, account, region, boto_config(validate))


def test_database_url() -> str:
    """The PostgreSQL database scripts/test starts for the multi-instance tests (DXLOCAL_TEST_DATABASE)."""
    url = os.environ.get("DXLOCAL_TEST_DATABASE")
    if not url:
        pytest.fail("DXLOCAL_TEST_DATABASE is not set: scripts/test starts a PostgreSQL cluster and sets it",
                    pytrace=False)
    return url


def own_store_server(server_factory, **kwargs):
    """A server whose store no other test shares: a reset or a state import of everything must not reach their
    records. On the PostgreSQL pass, a database of its own."""
    shared = os.environ.get("DXLOCAL_CONFORMANCE_DATABASE")
    if not shared:
        return server_factory.start(**kwargs)
    return server_factory.start(database=own_database_url(shared), **kwargs)


_OWN_DATABASES: dict[str, str] = {}


def own_database_url(shared: str, key: str | None = None) -> str:
    """A new database in the cluster of `shared`; the same one again for the same `key` (a data directory)."""
    if key is not None and key in _OWN_DATABASES:
        return _OWN_DATABASES[key]
    tool = shutil.which("psql")
    assert tool, "psql is needed for a database of the test's own"
    name = f"own_{secrets.token_hex(4)}"
    subprocess.run([tool, shared, "-v", "ON_ERROR_STOP=1", "-c", f"CREATE DATABASE {name}"], check=True,
                   capture_output=True)
    url = shared.rsplit("/", 1)[0] + "/" + name
    if key is not None:
        _OWN_DATABASES[key] = url
    return url


def random_account() -> str:
    """A fresh 12-digit account so tests sharing a server never see each other's resources."""
    while True:
        account = "9" + "".join(secrets.choice(string.digits) for _ in range(11))
        if account not in ("111111111111", "222222222222", DEFAULT_ACCOUNT):
            return account


def random_hex64(upper: bool = False) -> str:
    value = secrets.token_hex(32)
    return value.upper() if upper else value


def unique_name(prefix: str = "conf") -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


# --------------------------------------------------------------------------------------
# Raw HTTP
# --------------------------------------------------------------------------------------


class RawResponse:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self) -> str:
        return f"RawResponse({self.status}, {self.headers}, {self.body[:500]!r})"


def raw_request(
    url: str,
    *,
    method: str = "POST",
    path: str = "/",
    target: str | None = None,
    body: bytes | str | None = b"",
    headers: dict[str, str] | None = None,
    account: str | None = None,
    region: str = "us-east-1",
    content_type: str | None = JSON_CONTENT_TYPE,
    timeout: float = 30.0,
) -> RawResponse:
    """Send one request with http.client; SigV4-signed when `account` is given."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    body = body or b""
    hdrs: dict[str, str] = {}
    if content_type is not None:
        hdrs["Content-Type"] = content_type
    if target is not None:
        hdrs["X-Amz-Target"] = target
    hdrs.update(headers or {})
    if account is not None:
        request = AWSRequest(method=method, url=url.rstrip("/") + path, data=body, headers=hdrs)
        SigV4Auth(Credentials(account, "x"), "directconnect", region).add_auth(request)
        hdrs = {k: v for k, v in request.headers.items()}
    parsed = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        try:
            conn.request(method, path, body=body if method != "GET" else None, headers=hdrs)
        except (BrokenPipeError, ConnectionResetError):
            # The server may answer (e.g. 413) before it has read the whole body.
            pass
        resp = conn.getresponse()
        data = resp.read()
        return RawResponse(resp.status, {k: v for k, v in resp.getheaders()}, data)
    finally:
        conn.close()


def dx_raw(url: str, operation: str, payload=None, **kwargs) -> RawResponse:
    body = b"" if payload is None else json.dumps(payload).encode("utf-8")
    return raw_request(url, target=f"OvertureService.{operation}", body=body, **kwargs)


def sm_raw(url: str, operation: str, payload=None, **kwargs) -> RawResponse:
    """One raw Secrets Manager request (`X-Amz-Target: secretsmanager.<operation>`), signed when `account` is
    given."""
    body = b"" if payload is None else json.dumps(payload).encode("utf-8")
    return raw_request(url, target=f"secretsmanager.{operation}", body=body, **kwargs)


def assert_aws_reply_headers(resp: RawResponse) -> None:
    request_id = resp.header("x-amzn-RequestId")
    assert request_id is not None, f"no x-amzn-RequestId header in {resp!r}"
    assert UUID_RE.match(request_id), f"x-amzn-RequestId {request_id!r} is not a UUID"
    uuid.UUID(request_id)
    content_type = resp.header("Content-Type") or ""
    assert content_type.split(";")[0].strip() == JSON_CONTENT_TYPE, f"content type {content_type!r}"


def assert_aws_error(resp: RawResponse, status: int, code: str) -> dict:
    assert resp.status == status, f"expected HTTP {status}, got {resp!r}"
    assert_aws_reply_headers(resp)
    body = resp.json()
    assert isinstance(body, dict), body
    error_type = body.get("__type", "")
    assert error_type.split("#")[-1] == code, f"expected __type {code}, got {body!r}"
    assert isinstance(body.get("message"), str) and body["message"], f"no message in {body!r}"
    return body


def find_nulls(value, path: str = "$") -> list[str]:
    """JSON paths whose value is null."""
    found = []
    if value is None:
        found.append(path)
    elif isinstance(value, dict):
        for key, item in value.items():
            found += find_nulls(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += find_nulls(item, f"{path}[{index}]")
    return found


# --------------------------------------------------------------------------------------
# Errors and waiting
# --------------------------------------------------------------------------------------


def expect_error(
    call,
    code: str = CLIENT_ERROR,
    status: int = 400,
    contains: tuple[str, ...] | list[str] = (),
    not_contains: tuple[str, ...] | list[str] = (),
) -> ClientError:
    """Run `call`; it must raise ClientError with this code, HTTP status and message parts."""
    with pytest.raises(ClientError) as info:
        call()
    error = info.value.response.get("Error", {})
    meta = info.value.response.get("ResponseMetadata", {})
    assert error.get("Code") == code, f"expected {code}, got {info.value.response!r}"
    assert meta.get("HTTPStatusCode") == status, f"expected HTTP {status}, got {info.value.response!r}"
    message = error.get("Message", "") or ""
    for part in contains:
        assert part in message, f"message {message!r} does not contain {part!r}"
    for part in not_contains:
        if not part:
            continue
        assert part.lower() not in message.lower(), f"message {message!r} must not contain {part!r}"
    request_id = meta.get("RequestId", "")
    assert UUID_RE.match(request_id or ""), f"error reply without a UUID request id: {meta!r}"
    return info.value


def error_message(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Message", "") or ""


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.1, description: str = "condition"):
    """Poll `predicate` until it returns something truthy; returns that value."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {description}; last value: {last!r}")
        time.sleep(interval)


# --------------------------------------------------------------------------------------
# Direct Connect shortcuts
# --------------------------------------------------------------------------------------


def private_interface_site(dx, name: str):
    """A Direct Connect gateway and a 1 Gbps connection of `dx`'s account named `name`, and a function that makes a
    private interface on the connection, attached to the gateway: `interface(vlan, name)` answers the create's
    reply."""
    gateway = dx.create_direct_connect_gateway(directConnectGatewayName=name)["directConnectGateway"][
        "directConnectGatewayId"]
    connection = dx.create_connection(location="EqDC2", bandwidth="1Gbps", connectionName=name)["connectionId"]

    def interface(vlan: int, interface_name: str = "vif") -> dict:
        return dx.create_private_virtual_interface(connectionId=connection, newPrivateVirtualInterface={
            "virtualInterfaceName": interface_name, "vlan": vlan, "asn": 65000, "directConnectGatewayId": gateway})

    return gateway, connection, interface


def describe_connection(client, connection_id: str) -> dict:
    connections = client.describe_connections(connectionId=connection_id)["connections"]
    matching = [c for c in connections if c["connectionId"] == connection_id]
    assert len(matching) == 1, f"expected exactly one {connection_id}, got {connections!r}"
    return matching[0]


def describe_lag(client, lag_id: str) -> dict:
    lags = client.describe_lags(lagId=lag_id)["lags"]
    matching = [lag for lag in lags if lag["lagId"] == lag_id]
    assert len(matching) == 1, f"expected exactly one {lag_id}, got {lags!r}"
    return matching[0]


def describe_interconnect(client, interconnect_id: str) -> dict:
    items = client.describe_interconnects(interconnectId=interconnect_id)["interconnects"]
    matching = [i for i in items if i["interconnectId"] == interconnect_id]
    assert len(matching) == 1, f"expected exactly one {interconnect_id}, got {items!r}"
    return matching[0]


def visible_connection_ids(client, connection_id: str | None = None) -> set[str]:
    """IDs DescribeConnections shows; a not-found error for a specific ID counts as none."""
    try:
        if connection_id is None:
            items = client.describe_connections()["connections"]
        else:
            items = client.describe_connections(connectionId=connection_id)["connections"]
    except ClientError as exc:
        if connection_id is not None and exc.response["Error"]["Code"] == CLIENT_ERROR:
            return set()
        raise
    return {c["connectionId"] for c in items}


def visible_lag_ids(client, lag_id: str | None = None) -> set[str]:
    try:
        items = client.describe_lags(lagId=lag_id)["lags"] if lag_id else client.describe_lags()["lags"]
    except ClientError as exc:
        if lag_id is not None and exc.response["Error"]["Code"] == CLIENT_ERROR:
            return set()
        raise
    return {lag["lagId"] for lag in items}


def visible_interconnect_ids(client, interconnect_id: str | None = None) -> set[str]:
    try:
        if interconnect_id:
            items = client.describe_interconnects(interconnectId=interconnect_id)["interconnects"]
        else:
            items = client.describe_interconnects()["interconnects"]
    except ClientError as exc:
        if interconnect_id is not None and exc.response["Error"]["Code"] == CLIENT_ERROR:
            return set()
        raise
    return {i["interconnectId"] for i in items}


def keys_of(resource: dict) -> list[dict]:
    return list(resource.get("macSecKeys") or [])


def ckns_of(resource: dict) -> list[str]:
    return [key["ckn"].lower() for key in keys_of(resource)]


def wait_connection_state(client, connection_id: str, state: str = "available", timeout: float = 15.0) -> dict:
    return wait_until(
        lambda: (lambda c: c if c.get("connectionState") == state else None)(describe_connection(client, connection_id)),
        timeout=timeout,
        description=f"{connection_id} to be {state}",
    )


def wait_lag_state(client, lag_id: str, state: str = "available", timeout: float = 15.0) -> dict:
    return wait_until(
        lambda: (lambda lag: lag if lag.get("lagState") == state else None)(describe_lag(client, lag_id)),
        timeout=timeout,
        description=f"{lag_id} to be {state}",
    )


def wait_interconnect_state(client, interconnect_id: str, state: str = "available", timeout: float = 15.0) -> dict:
    return wait_until(
        lambda: (lambda i: i if i.get("interconnectState") == state else None)(
            describe_interconnect(client, interconnect_id)
        ),
        timeout=timeout,
        description=f"{interconnect_id} to be {state}",
    )


def create_connection(
    client,
    *,
    location: str = "EqDC2",
    bandwidth: str = "10Gbps",
    macsec: bool = True,
    name: str | None = None,
    wait: bool = True,
    **extra,
) -> str:
    """Create a dedicated connection (MACsec-capable by default) and wait until available."""
    kwargs = dict(location=location, bandwidth=bandwidth, connectionName=name or unique_name("con"), **extra)
    if macsec:
        kwargs["requestMACSec"] = True
    created = client.create_connection(**kwargs)
    connection_id = created["connectionId"]
    if wait:
        wait_connection_state(client, connection_id, "available")
    return connection_id


def create_lag(
    client,
    *,
    count: int = 2,
    location: str = "EqDC2",
    bandwidth: str = "10Gbps",
    macsec: bool = True,
    name: str | None = None,
    wait: bool = True,
    **extra,
) -> dict:
    """Create a LAG; returns the CreateLag response (waits until the LAG is available)."""
    kwargs = dict(
        numberOfConnections=count,
        location=location,
        connectionsBandwidth=bandwidth,
        lagName=name or unique_name("lag"),
        **extra,
    )
    if macsec:
        kwargs["requestMACSec"] = True
    created = client.create_lag(**kwargs)
    if wait:
        wait_lag_state(client, created["lagId"], "available")
    return created


def associate_key(client, target_id: str, ckn: str | None = None, cak: str | None = None) -> tuple[dict, str, str]:
    """Associate a fresh (or given) CKN/CAK; returns (response, ckn, cak)."""
    ckn = ckn or random_hex64()
    cak = cak or random_hex64()
    response = client.associate_mac_sec_key(connectionId=target_id, ckn=ckn, cak=cak)
    return response, ckn, cak


def key_with_ckn(resource_or_keys, ckn: str) -> dict | None:
    keys = resource_or_keys if isinstance(resource_or_keys, list) else keys_of(resource_or_keys)
    for key in keys:
        if key["ckn"].lower() == ckn.lower():
            return key
    return None


def secret_arn_pattern(region: str, account: str, ckn: str) -> re.Pattern:
    """The managed secret's ARN; the CKN part is compared case-insensitively."""
    prefix = re.escape(f"arn:aws:secretsmanager:{region}:{account}:secret:directconnect!prod/{region}/directconnect/")
    return re.compile("^" + prefix + "(?i:" + re.escape(ckn) + ")" + r"-[A-Za-z0-9]{6}$")


def assert_start_on_recent(start_on: str, slack: timedelta = timedelta(minutes=2)) -> None:
    assert START_ON_RE.match(start_on), f"startOn {start_on!r} is not ISO-8601 UTC (YYYY-MM-DDTHH:MM:SSZ)"
    parsed = datetime.fromisoformat(start_on.replace("Z", "+00:00"))
    now = datetime.now(timezone.utc)
    assert now - slack <= parsed <= now + slack, f"startOn {start_on} is not close to now ({now.isoformat()})"


def connection_arn(region: str, account: str, connection_id: str) -> str:
    return f"arn:aws:directconnect:{region}:{account}:dxcon/{connection_id}"


def lag_arn(region: str, account: str, lag_id: str) -> str:
    return f"arn:aws:directconnect:{region}:{account}:dxlag/{lag_id}"


def hex_needles(cak: str) -> list[bytes]:
    """Byte forms in which a plaintext CAK could leak: hex in both cases, raw, base64."""
    raw = bytes.fromhex(cak)
    return [
        cak.lower().encode(),
        cak.upper().encode(),
        raw,
        base64.b64encode(raw),
        base64.b64encode(cak.lower().encode()),
        base64.b64encode(cak.upper().encode()),
    ]


def files_containing(root: Path, needles: list[bytes]) -> list[str]:
    hits = []
    for path in sorted(Path(root).rglob("*")):
        if not path.is_file():
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for needle in needles:
            if needle and needle in data:
                hits.append(f"{path} contains {needle[:16]!r}...")
    return hits


# --------------------------------------------------------------------------------------
# AWS CLI
# --------------------------------------------------------------------------------------


def cli_env(account: str, tmp_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    config = Path(tmp_dir) / "aws-config"
    config.write_text("")
    env.update(
        AWS_ACCESS_KEY_ID=account,
        AWS_SECRET_ACCESS_KEY="x",
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(config),
        AWS_MAX_ATTEMPTS="1",
        AWS_RETRY_MODE="standard",
        AWS_PAGER="",
    )
    return env


def run_cli(url: str, account: str, tmp_dir: Path, *args: str, region: str = "us-east-1") -> subprocess.CompletedProcess:
    return run_service_cli("directconnect", url, account, tmp_dir, *args, region=region)


def run_service_cli(service: str, url: str, account: str, tmp_dir: Path, *args: str,
                    region: str = "us-east-1") -> subprocess.CompletedProcess:
    """`python -m awscli <service> <args>` against `url` as `account` in `region`."""
    command = [
        sys.executable,
        "-m",
        "awscli",
        service,
        *args,
        "--endpoint-url",
        url,
        "--region",
        region,
        "--output",
        "json",
    ]
    return subprocess.run(command, env=cli_env(account, tmp_dir), capture_output=True, text=True, timeout=120)


# --------------------------------------------------------------------------------------
# Secrets Manager, the server clock and the master key
# --------------------------------------------------------------------------------------

SM_NOT_FOUND = "ResourceNotFoundException"
SM_INVALID_PARAMETER = "InvalidParameterException"
SM_INVALID_REQUEST = "InvalidRequestException"
SM_EXISTS = "ResourceExistsException"
SM_ACCESS_DENIED = "AccessDeniedException"
OWNING_SERVICE_TAG = "aws:secretsmanager:owningService"


# A settle time no test can outlast by accident: transitional states stay until a test moves the server's clock
# (`--clock-control`, POST /_dxlocal/clock), so they are seen for certain and nothing sleeps.
LONG_SETTLE = 3600


def long_settle_server(server_factory):
    """A server of the test's own with LONG_SETTLE and a clock the test moves."""
    return server_factory.start(settle_time=LONG_SETTLE, extra_args=("--clock-control",))


def settle(server) -> None:
    """Moves the clock past the settle time of everything begun so far."""
    advance_clock(server, LONG_SETTLE + 1)


def available_connection(client, server) -> str:
    """A MACsec connection on a long-settle server, seen `requested`, then moved to `available`."""
    connection_id = client.create_connection(
        location="EqDC2", bandwidth="10Gbps", connectionName=unique_name(), requestMACSec=True
    )["connectionId"]
    assert describe_connection(client, connection_id)["connectionState"] == "requested"
    settle(server)
    assert describe_connection(client, connection_id)["connectionState"] == "available"
    return connection_id


def advance_clock(server: DxServer, seconds: float) -> float:
    """Moves a `--clock-control` server's clock forward; returns the server's new time (epoch seconds)."""
    resp = raw_request(
        server.url,
        path="/_dxlocal/clock",
        body=json.dumps({"advanceSeconds": seconds}),
        content_type="application/json",
    )
    assert resp.status == 200, f"POST /_dxlocal/clock failed: {resp!r}"
    return float(resp.json()["now"])


def master_key_ring(data_dir: Path) -> list[str]:
    """The base64 keys of `<data_dir>/master.key`, sealing key first."""
    text = (Path(data_dir) / "master.key").read_text()
    return [line.strip() for line in text.splitlines() if line.strip()]


def random_master_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def rotate_master_key(binary: Path, data_dir: Path, env: dict[str, str] | None = None,
                      timeout: float = 120.0) -> subprocess.CompletedProcess:
    """`dxlocal rotate-master-key --data-dir D`; `env` adds variables (e.g. DXLOCAL_MASTER_KEY)."""
    full_env = {k: v for k, v in os.environ.items() if k != "DXLOCAL_MASTER_KEY"}
    full_env.update(env or {})
    return subprocess.run(
        [str(binary), "rotate-master-key", "--data-dir", str(data_dir)],
        env=full_env, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
    )


def all_secrets(sm, **kwargs) -> list[dict]:
    """Every ListSecrets entry, following NextToken."""
    entries, token = [], None
    while True:
        page = sm.list_secrets(**kwargs, **({"NextToken": token} if token else {}))
        entries += page.get("SecretList", [])
        token = page.get("NextToken")
        if not token:
            return entries


def secret_names(sm, **kwargs) -> list[str]:
    return [entry["Name"] for entry in all_secrets(sm, **kwargs)]


# --------------------------------------------------------------------------------------
# "Nothing changed": a snapshot of everything one (account, region) holds in both services
# --------------------------------------------------------------------------------------

# Members of a secret's description that reading it may move; a refused write must not move anything else.
SNAPSHOT_VOLATILE_SECRET_FIELDS = ("LastAccessedDate",)


def _without_metadata(response: dict) -> dict:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def every_page(call, key: str, **kwargs) -> list:
    """Every item of a paged Direct Connect listing, following `nextToken`."""
    items, token = [], None
    while True:
        page = call(**kwargs, **({"nextToken": token} if token else {}))
        items += page[key]
        token = page.get("nextToken")
        if not token:
            return items


def account_snapshot(dx_client, sm_client, *, volatile: tuple[str, ...] = SNAPSHOT_VOLATILE_SECRET_FIELDS) -> dict:
    """Everything the clients' (account, region) holds, through the public API of both services:
    every connection, LAG (with its members), interconnect, Direct Connect gateway (the account's, global), virtual
    interface, gateway attachment and failover test as Describe* and List* show them, the tags of every
    connection, LAG and owned virtual interface as DescribeTags shows them, and every secret (scheduled ones included) as
    ListSecrets and DescribeSecret show it (never a value).

    Take it before and after a call that must change nothing and compare with `==`: a refused call
    that creates, changes or deletes anything in either service (a secret left behind by a refused
    association, a tag, a key, a state) makes the two differ. `dx_client` and `sm_client` must be of
    the same account and region.
    """
    assert dx_client.meta.region_name == sm_client.meta.region_name, "the two clients are of different regions"
    connections = sorted(_without_metadata(dx_client.describe_connections())["connections"],
                         key=lambda c: c["connectionId"])
    lags = sorted(dx_client.describe_lags()["lags"], key=lambda lag: lag["lagId"])
    for lag in lags:
        lag["connections"] = sorted(lag.get("connections", []), key=lambda c: c["connectionId"])
    interconnects = sorted(dx_client.describe_interconnects()["interconnects"], key=lambda i: i["interconnectId"])
    gateways = every_page(dx_client.describe_direct_connect_gateways, "directConnectGateways")
    associations = sorted(
        (association for gateway in gateways for association in dx_client.describe_direct_connect_gateway_associations(
            directConnectGatewayId=gateway["directConnectGatewayId"])["directConnectGatewayAssociations"]),
        key=lambda a: a["associationId"])
    proposals = sorted(dx_client.describe_direct_connect_gateway_association_proposals()[
        "directConnectGatewayAssociationProposals"], key=lambda p: p["proposalId"])
    interfaces = every_page(dx_client.describe_virtual_interfaces, "virtualInterfaces")
    attachments = sorted(
        (attachment for gateway in gateways for attachment in dx_client.describe_direct_connect_gateway_attachments(
            directConnectGatewayId=gateway["directConnectGatewayId"])["directConnectGatewayAttachments"]),
        key=lambda a: a["virtualInterfaceId"])
    tests = dx_client.list_virtual_interface_test_history()["virtualInterfaceTestHistory"]
    arns = [connection_arn(c["region"], c["ownerAccount"], c["connectionId"]) for c in connections]
    arns += [lag_arn(lag["region"], lag["ownerAccount"], lag["lagId"]) for lag in lags]
    arns += [f"arn:aws:directconnect:{v['region']}:{v['ownerAccount']}:dxvif/{v['virtualInterfaceId']}"
             for v in interfaces if v["ownerAccount"] == dx_client._request_signer._credentials.access_key]
    tags: dict[str, list] = {}
    for start in range(0, len(arns), 20):
        for entry in dx_client.describe_tags(resourceArns=arns[start:start + 20])["resourceTags"]:
            tags[entry["resourceArn"]] = entry.get("tags", [])
    return {
        "connections": connections,
        "lags": lags,
        "interconnects": interconnects,
        "gateways": gateways,
        "associations": associations,
        "proposals": proposals,
        "virtual_interfaces": interfaces,
        "attachments": attachments,
        "failover_tests": tests,
        "tags": tags,
        **secrets_snapshot(sm_client, volatile=volatile),
        **ec2_snapshot(dx_client),
    }


def ec2_snapshot(dx_client) -> dict:
    """The EC2 half of `account_snapshot`: the VPCs, VPN gateways, transit gateways and their attachments of the
    client's (account, region), through an EC2 client of the same endpoint and keys."""
    ec2 = _client("ec2", dx_client.meta.endpoint_url, dx_client._request_signer._credentials.access_key,
                  dx_client.meta.region_name, boto_config())
    return {
        "vpcs": sorted(ec2.describe_vpcs()["Vpcs"], key=lambda v: v["VpcId"]),
        "vpn_gateways": sorted(ec2.describe_vpn_gateways()["VpnGateways"], key=lambda g: g["VpnGatewayId"]),
        "transit_gateways": sorted(ec2.describe_transit_gateways()["TransitGateways"],
                                   key=lambda g: g["TransitGatewayId"]),
        "transit_gateway_attachments": sorted(
            ec2.describe_transit_gateway_attachments()["TransitGatewayAttachments"],
            key=lambda a: a["TransitGatewayAttachmentId"]),
    }


def server_snapshot(url: str, account: str, region: str) -> dict:
    """`account_snapshot` of one (account, region) of the server at `url`."""
    return account_snapshot(make_client(url, account=account, region=region),
                            make_sm_client(url, account=account, region=region))


# What `account_snapshot` gives for an (account, region) that holds nothing.
EMPTY_SNAPSHOT = {"connections": [], "lags": [], "interconnects": [], "gateways": [], "associations": [],
                  "proposals": [], "tags": {}, "secret_list": [], "secrets": {}, "vpcs": [], "vpn_gateways": [],
                  "transit_gateways": [], "transit_gateway_attachments": [], "virtual_interfaces": [],
                  "attachments": [], "failover_tests": []}


def secrets_snapshot(sm_client, *, volatile: tuple[str, ...] = SNAPSHOT_VOLATILE_SECRET_FIELDS) -> dict:
    """The Secrets Manager half of `account_snapshot`: every secret of the client's (account, region),
    scheduled ones included, as ListSecrets lists it and as DescribeSecret describes it (never a value)."""
    listed = sorted(all_secrets(sm_client, IncludePlannedDeletion=True), key=lambda e: e["ARN"])
    described = {}
    for entry in listed:
        description = _without_metadata(sm_client.describe_secret(SecretId=entry["ARN"]))
        described[entry["ARN"]] = {k: v for k, v in description.items() if k not in volatile}
    return {
        "secret_list": [{k: v for k, v in e.items() if k not in volatile} for e in listed],
        "secrets": described,
    }


# --------------------------------------------------------------------------------------
# PostgreSQL tools (the PostgreSQL pass of scripts/test)
# --------------------------------------------------------------------------------------


def postgres_tool(name: str) -> Path:
    """`pg_dump`, `psql`, ... of the installed PostgreSQL: from DXLOCAL_POSTGRES_BIN when set, else the PATH,
    else the newest /usr/lib/postgresql/<version>/bin (where scripts/postgres-cluster finds its server).
    Fails the test loudly when there is none."""
    import shutil

    candidates: list[Path] = []
    if os.environ.get("DXLOCAL_POSTGRES_BIN"):
        candidates.append(Path(os.environ["DXLOCAL_POSTGRES_BIN"]) / name)

    def version(path: Path) -> tuple:
        return tuple(int(part) for part in re.findall(r"\d+", path.parent.parent.name)) or (0,)

    candidates += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=version, reverse=True)
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(f"PostgreSQL tool {name} not found (looked in DXLOCAL_POSTGRES_BIN, /usr/lib/postgresql/*/bin "
                f"and the PATH); install PostgreSQL (scripts/postgres-cluster does)", pytrace=False)
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------------------
# Ansible
# --------------------------------------------------------------------------------------


def ansible_playbook() -> str:
    found = shutil.which("ansible-playbook") or str(Path(sys.executable).with_name("ansible-playbook"))
    assert Path(found).exists(), "ansible-playbook is missing: the test command installs ansible from PyPI"
    return found


def ansible_module(url: str, account: str, tmp_path: Path, module: str):
    """`ansible_task` for one community.aws module: a function of a task's name and the module's arguments."""
    return lambda name, module_args: ansible_task(url, account, tmp_path, name, f"community.aws.{module}", module_args)


def ansible_task(url: str, account: str, tmp_path: Path, name: str, module: str, module_args: dict) -> dict:
    """One play of one task of `module` (a community.aws module) run by `ansible-playbook` against `url`; answers
    the task's result as the json callback reports it. The task must succeed."""
    connection = {"endpoint_url": url, "access_key": account, "secret_key": "unchecked-secret-key", "region": "us-east-1"}
    # A secret_key is masked in every result (no_log): one that never appears in an ID.
    playbook = [{
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "tasks": [{"name": name, module: {**module_args, **connection}}],
    }]
    path = tmp_path / f"{name}.yml"
    path.write_text(json.dumps(playbook))  # JSON is YAML
    env = {
        **os.environ,
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
        "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
    }
    result = subprocess.run([ansible_playbook(), "-i", "localhost,", str(path)], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, f"{name} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr}"
    report = json.loads(result.stdout)
    (task,) = report["plays"][0]["tasks"]
    outcome = task["hosts"]["localhost"]
    assert not outcome.get("failed"), outcome
    return outcome
