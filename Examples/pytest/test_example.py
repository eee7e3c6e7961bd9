"""A small test suite that uses dxlocal through its pytest plugin only: no server started by hand, no endpoint
written down. `scripts/test` runs it from a fresh virtual environment with the wheel `scripts/package` built."""

import secrets
import shutil
import subprocess

import pytest
from botocore.exceptions import ClientError


def test_a_key_is_associated_and_its_secret_is_real(directconnect_client, secretsmanager_client):
    connection = directconnect_client.create_connection(
        location="EqDC2", bandwidth="10Gbps", connectionName="primary", requestMACSec=True
    )
    keys = directconnect_client.associate_mac_sec_key(
        connectionId=connection["connectionId"], ckn=secrets.token_hex(32), cak=secrets.token_hex(32)
    )["macSecKeys"]
    assert keys[0]["state"] == "associating"
    secret = secretsmanager_client.describe_secret(SecretId=keys[0]["secretARN"])
    assert secret["ARN"] == keys[0]["secretARN"]


def test_every_test_starts_on_an_empty_server(directconnect_client):
    # The test above created a connection; the plugin reset the server before this one.
    assert directconnect_client.describe_connections()["connections"] == []


def test_an_invalid_cak_is_refused_as_aws_refuses_it(directconnect_client):
    connection = directconnect_client.create_connection(
        location="EqDC2", bandwidth="10Gbps", connectionName="primary", requestMACSec=True
    )
    with pytest.raises(ClientError) as refused:
        directconnect_client.associate_mac_sec_key(
            connectionId=connection["connectionId"], ckn=secrets.token_hex(32), cak="not hex"
        )
    assert refused.value.response["Error"]["Code"] == "DirectConnectClientException"


def test_accounts_do_not_see_each_other(dxlocal_client):
    mine = dxlocal_client("directconnect", account="111122223333")
    theirs = dxlocal_client("directconnect", account="444455556666")
    mine.create_connection(location="EqDC2", bandwidth="10Gbps", connectionName="mine")
    assert theirs.describe_connections()["connections"] == []


def test_the_dxlocal_command_is_on_the_path():
    path = shutil.which("dxlocal")
    assert path is not None
    version = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.strip()
