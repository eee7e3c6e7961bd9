"""Fixtures for the dxlocal conformance suite.

The suite runs the real `dxlocal serve` binary (env DXLOCAL_BIN, default
`<repo>/.build/debug/dxlocal`) and talks to it only through real clients. A missing
binary fails every test loudly; it never skips.

Fixtures:
- `server`: one in-memory server for the whole session (tests keep apart by account).
- `settle_server`: one in-memory server with `--settle-time 2` for the state tests.
- `server_factory`: starts extra servers with options (data dir, settle time, log level);
  every server it started is stopped when the test ends, pass or fail.
- `account`: a fresh random 12-digit account ID per test.
- `dx`: client factory `dx(account=..., region=..., server=..., validate=True)`.
- `client`: a us-east-1 client of `account` on `server`.
- `sm`: Secrets Manager client factory `sm(account=..., region=..., server=..., validate=True)`.
- `secrets_client`: a us-east-1 Secrets Manager client of `account` on `server`.
- `clock_server`: a fresh in-memory server with `--clock-control` for this test alone.
"""

from __future__ import annotations

import os

import pytest

import dxhelpers
from dxhelpers import SETTLE_SECONDS, DxServer, ServerFactory


def pytest_configure(config):
    # Never read the developer's real AWS configuration or credentials.
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
                 "AWS_ENDPOINT_URL_DIRECT_CONNECT", "AWS_DEFAULT_REGION", "AWS_REGION"):
        os.environ.pop(name, None)
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


@pytest.fixture(scope="session")
def dxlocal_bin():
    return dxhelpers.dxlocal_binary()


@pytest.fixture(scope="session")
def _session_servers(dxlocal_bin, tmp_path_factory):
    factory = ServerFactory(dxlocal_bin, tmp_path_factory.mktemp("session-servers"))
    yield factory
    factory.stop_all()


@pytest.fixture(scope="session")
def server(_session_servers) -> DxServer:
    """The shared in-memory server (default settle time 0)."""
    return _session_servers.start()


@pytest.fixture(scope="session")
def settle_server(_session_servers) -> DxServer:
    """A shared in-memory server whose transitions take SETTLE_SECONDS."""
    return _session_servers.start(settle_time=SETTLE_SECONDS)


@pytest.fixture
def server_factory(dxlocal_bin, tmp_path, request):
    factory = ServerFactory(dxlocal_bin, tmp_path / "servers")
    request.addfinalizer(factory.stop_all)
    return factory


@pytest.fixture(scope="session")
def _client_cache():
    return {}


@pytest.fixture
def dx(server, _client_cache):
    """dx(account=..., region=..., server=..., validate=True) -> boto3 directconnect client."""

    def make(account: str = dxhelpers.DEFAULT_ACCOUNT, region: str = "us-east-1",
             server: DxServer | None = None, validate: bool = True):
        target = server if server is not None else _default_server
        key = (target.url, account, region, validate)
        if key not in _client_cache:
            _client_cache[key] = dxhelpers.make_client(target.url, account, region, validate)
        return _client_cache[key]

    _default_server = server
    return make


@pytest.fixture
def account() -> str:
    return dxhelpers.random_account()


@pytest.fixture
def client(dx, account):
    return dx(account=account)


@pytest.fixture
def raw_client(dx, account):
    """Same account, botocore's own parameter validation off (to send what boto3 refuses)."""
    return dx(account=account, validate=False)


@pytest.fixture
def sm(server, _client_cache):
    """sm(account=..., region=..., server=..., validate=True) -> boto3 secretsmanager client."""

    def make(account: str = dxhelpers.DEFAULT_ACCOUNT, region: str = "us-east-1",
             server: DxServer | None = None, validate: bool = True):
        target = server if server is not None else _default_server
        key = ("secretsmanager", target.url, account, region, validate)
        if key not in _client_cache:
            _client_cache[key] = dxhelpers.make_sm_client(target.url, account, region, validate)
        return _client_cache[key]

    _default_server = server
    return make


@pytest.fixture
def secrets_client(sm, account):
    return sm(account=account)


@pytest.fixture
def clock_server(server_factory) -> DxServer:
    """A server of its own whose clock the test may move forward (POST /_dxlocal/clock)."""
    return server_factory.start(extra_args=("--clock-control",))
