"""The pytest plugin of dxlocal (registered as `dxlocal` through the `pytest11` entry point).

Fixtures:
- `dxlocal_endpoint` (session): the URL of a dxlocal server, started once per test run from the bundled binary
  (`serve --in-memory --port 0`, so several runs never collide), or the one `DXLOCAL_ENDPOINT` names.
- Every test that uses it starts on an empty server: the plugin calls `POST /_dxlocal/reset` before it
  (ini option `dxlocal_reset = false` turns that off).
- `dxlocal_client(service, region_name=..., account=...)`: a boto3 client for that endpoint, signed as the
  account (a 12-digit access key ID is the account); `directconnect_client` and `secretsmanager_client` are two
  ready ones in the ini option `dxlocal_region` (default `us-east-1`) and account `111122223333`.

ini options: `dxlocal_args` (the arguments of `dxlocal serve`, shell-split; they replace the default ones),
`dxlocal_region`, `dxlocal_reset`. The clients and the reset sign as the account with the secret `dxlocal`, so that
a server run with `--auth sigv4` takes them when its credentials file holds `ACCOUNT dxlocal ACCOUNT`.
"""

from __future__ import annotations

import json
import os
import shlex
import urllib.error
import urllib.request

import pytest

from . import start

DEFAULT_ACCOUNT = "111122223333"
SECRET = "dxlocal"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("dxlocal_args", "arguments of `dxlocal serve` (default: --in-memory --port 0)", default="")
    parser.addini("dxlocal_region", "region of the ready clients", default="us-east-1")
    parser.addini("dxlocal_reset", "reset the server before every test that uses it", type="bool", default=True)


@pytest.fixture(scope="session")
def dxlocal_endpoint(pytestconfig: pytest.Config):
    given = os.environ.get("DXLOCAL_ENDPOINT")
    if given:
        yield given.rstrip("/")
        return
    arguments = shlex.split(pytestconfig.getini("dxlocal_args"))
    server = start(*arguments)
    try:
        yield server.endpoint
    finally:
        server.stop()


def reset(endpoint: str, accounts: list[str] | None = None, region: str = "us-east-1") -> None:
    """`POST /_dxlocal/reset`: every resource of every account (or of `accounts`) is deleted. Signed as the
    fixtures' clients sign when botocore is there (a server without `--auth sigv4` reads no signature)."""
    url = f"{endpoint}/_dxlocal/reset"
    body = json.dumps({"accounts": accounts} if accounts else {}).encode()
    headers = {"content-type": "application/json"}
    try:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        signed = AWSRequest(method="POST", url=url, data=body, headers=headers)
        SigV4Auth(Credentials(DEFAULT_ACCOUNT, SECRET), "directconnect", region).add_auth(signed)
        headers = dict(signed.headers.items())
    except ImportError:  # pragma: no cover - the plugin without boto3 resets unsigned
        pass
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30):
            pass
    except urllib.error.HTTPError as error:
        said = error.read().decode(errors="replace")[:500]
        raise RuntimeError(f"dxlocal reset answered {error.code}: {said}") from None


@pytest.fixture(autouse=True)
def _dxlocal_clean(request: pytest.FixtureRequest):
    if "dxlocal_endpoint" in request.fixturenames and request.config.getini("dxlocal_reset"):
        reset(request.getfixturevalue("dxlocal_endpoint"), region=request.config.getini("dxlocal_region"))
    yield


@pytest.fixture(scope="session")
def dxlocal_client(dxlocal_endpoint: str, pytestconfig: pytest.Config):
    try:
        import boto3
        from botocore.config import Config
    except ImportError as error:  # pragma: no cover - said plainly to the user
        raise RuntimeError("dxlocal_client needs boto3: pip install boto3") from error
    default_region = pytestconfig.getini("dxlocal_region")

    def client(service: str, region_name: str | None = None, account: str = DEFAULT_ACCOUNT):
        return boto3.client(
            service,
            endpoint_url=dxlocal_endpoint,
            region_name=region_name or default_region,
            aws_access_key_id=account,
            aws_secret_access_key=SECRET,
            config=Config(retries={"mode": "standard"}),
        )

    return client


@pytest.fixture
def directconnect_client(dxlocal_client):
    return dxlocal_client("directconnect")


@pytest.fixture
def secretsmanager_client(dxlocal_client):
    return dxlocal_client("secretsmanager")
