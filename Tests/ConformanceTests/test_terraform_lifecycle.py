"""The call sequence Terraform's AWS provider makes for `aws_dx_connection` with
`request_macsec = true`, `encryption_mode = "must_encrypt"` and an
`aws_dx_macsec_key_association` (create, read, update, destroy), through boto3."""

import pytest

from dxhelpers import (
    ENCRYPTION_DOWN,
    ENCRYPTION_UP,
    SETTLE_SECONDS,
    assert_start_on_recent,
    random_hex64,
    secret_arn_pattern,
    wait_until,
)


def _read_connection(client, connection_id):
    (connection,) = client.describe_connections(connectionId=connection_id)["connections"]
    return connection


def _terraform_lifecycle(client, account):
    # data "aws_dx_location": pick a location that offers MACsec at 10G.
    locations = client.describe_locations()["locations"]
    location = next(loc for loc in locations if "10G" in loc.get("availableMacSecPortSpeeds", []))
    assert location["locationCode"] in ("EqDC2", "CSVA1")

    # resource "aws_dx_connection": create, then wait until available.
    created = client.create_connection(
        location=location["locationCode"],
        bandwidth="10Gbps",
        connectionName="tf-macsec",
        requestMACSec=True,
        tags=[{"key": "Name", "value": "tf-macsec"}],
    )
    connection_id = created["connectionId"]
    assert created["connectionState"] in ("requested", "pending", "available")
    connection = wait_until(
        lambda: (lambda c: c if c["connectionState"] == "available" else None)(_read_connection(client, connection_id)),
        timeout=SETTLE_SECONDS + 10,
        description="connection available",
    )
    assert connection["macSecCapable"] is True
    assert connection["encryptionMode"] == "should_encrypt"

    # resource "aws_dx_macsec_key_association": associate, then read the key from the end.
    ckn, cak = random_hex64(), random_hex64()
    associated = client.associate_mac_sec_key(connectionId=connection_id, ckn=ckn, cak=cak)
    assert associated["connectionId"] == connection_id
    new_key = associated["macSecKeys"][-1]
    assert new_key["ckn"].lower() == ckn
    secret_arn = new_key["secretARN"]
    assert secret_arn_pattern("us-east-1", account, ckn).match(secret_arn), secret_arn
    assert_start_on_recent(new_key["startOn"])

    def key_associated():
        keys = _read_connection(client, connection_id).get("macSecKeys", [])
        return keys and keys[-1]["secretARN"] == secret_arn and keys[-1]["state"] == "associated"

    wait_until(key_associated, timeout=SETTLE_SECONDS + 10, description="key associated")

    # Update encryption_mode to must_encrypt (the connection must be available again first).
    wait_until(lambda: _read_connection(client, connection_id)["connectionState"] == "available",
               timeout=SETTLE_SECONDS + 10)
    updated = client.update_connection(connectionId=connection_id, encryptionMode="must_encrypt")
    assert updated["encryptionMode"] == "must_encrypt"
    connection = _read_connection(client, connection_id)
    assert connection["encryptionMode"] == "must_encrypt"
    assert connection["portEncryptionStatus"] == ENCRYPTION_UP

    # Destroy the key association; the destroy check expects the key gone.
    removed = client.disassociate_mac_sec_key(connectionId=connection_id, secretARN=secret_arn)
    assert [k["state"] for k in removed["macSecKeys"] if k["secretARN"] == secret_arn] == ["disassociating"]
    wait_until(
        lambda: not any(k["secretARN"] == secret_arn for k in _read_connection(client, connection_id).get("macSecKeys", [])),
        timeout=SETTLE_SECONDS + 10,
        description="key gone",
    )
    connection = _read_connection(client, connection_id)
    assert connection["encryptionMode"] == "should_encrypt", "last key removed from must_encrypt"
    assert connection["portEncryptionStatus"] == ENCRYPTION_DOWN

    # Destroy the connection.
    wait_until(lambda: _read_connection(client, connection_id)["connectionState"] == "available",
               timeout=SETTLE_SECONDS + 10)
    deleted = client.delete_connection(connectionId=connection_id)
    assert deleted["connectionState"] == "deleted"
    assert connection_id not in {c["connectionId"] for c in client.describe_connections()["connections"]}


def test_terraform_macsec_lifecycle(client, account):
    _terraform_lifecycle(client, account)


@pytest.mark.slow
def test_terraform_macsec_lifecycle_with_settle_time(dx, account, settle_server):
    _terraform_lifecycle(dx(account=account, server=settle_server), account)
