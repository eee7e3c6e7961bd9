"""State in --data-dir survives SIGTERM and a new start (SPEC §5: state is a function of
stored timestamps and the clock; §6: managed secrets and their encryption key persist)."""

import time

import pytest

from dxhelpers import (
    SETTLE_SECONDS,
    associate_key,
    ckns_of,
    connection_arn,
    create_connection,
    create_lag,
    describe_connection,
    describe_lag,
    key_with_ckn,
    keys_of,
    make_client,
    random_account,
    unique_name,
)

pytestmark = pytest.mark.slow


def _restart(server_factory, server, **options):
    assert server.stop() == 0, f"dxlocal exited with {server.returncode} on SIGTERM:\n{server.stderr_text()[-3000:]}"
    return server_factory.start(data_dir=server.data_dir, **options)


def _comparable_connection(connection):
    keep = ("connectionId", "connectionName", "connectionState", "region", "location", "bandwidth", "lagId",
            "ownerAccount", "macSecCapable", "encryptionMode", "portEncryptionStatus", "awsDevice", "awsDeviceV2",
            "awsLogicalDeviceId", "tags", "macSecKeys")
    return {k: connection.get(k) for k in keep}


def _comparable_lag(lag):
    keep = ("lagId", "lagName", "lagState", "location", "connectionsBandwidth", "numberOfConnections",
            "ownerAccount", "macSecCapable", "encryptionMode", "tags", "macSecKeys")
    result = {k: lag.get(k) for k in keep}
    result["members"] = sorted(_comparable_connection(m)["connectionId"] for m in lag.get("connections", []))
    return result


def test_state_survives_a_restart(server_factory, tmp_path):
    account = random_account()
    first = server_factory.start(data_dir=tmp_path / "data")
    client = make_client(first.url, account)

    plain = create_connection(client, macsec=False, tags=[{"key": "env", "value": "prod"}])
    macsec = create_connection(client)
    keyed, ckn, _ = associate_key(client, macsec)
    client.update_connection(connectionId=macsec, encryptionMode="must_encrypt")
    lag = create_lag(client, count=2, tags=[{"key": "bundle", "value": "yes"}])
    lag_key, lag_ckn, _ = associate_key(client, lag["lagId"])
    interconnect = client.create_interconnect(interconnectName=unique_name("ic"), bandwidth="10Gbps",
                                              location="EqDC2")["interconnectId"]

    before_connections = {c["connectionId"]: _comparable_connection(c)
                          for c in client.describe_connections()["connections"]}
    before_lag = _comparable_lag(describe_lag(client, lag["lagId"]))
    before_tags = client.describe_tags(resourceArns=[connection_arn("us-east-1", account, plain)])["resourceTags"]

    second = _restart(server_factory, first)
    client = make_client(second.url, account)

    after_connections = {c["connectionId"]: _comparable_connection(c)
                         for c in client.describe_connections()["connections"]}
    assert after_connections == before_connections
    assert _comparable_lag(describe_lag(client, lag["lagId"])) == before_lag
    assert client.describe_tags(resourceArns=[connection_arn("us-east-1", account, plain)])["resourceTags"] \
        == before_tags
    assert interconnect in {i["interconnectId"] for i in client.describe_interconnects()["interconnects"]}

    key = key_with_ckn(describe_connection(client, macsec), ckn)
    assert key == {**keyed["macSecKeys"][0], "state": "associated"}, "secretARN, ckn and startOn persist"
    lag_now = describe_lag(client, lag["lagId"])
    assert ckns_of(lag_now) == [lag_ckn]
    assert keys_of(lag_now)[0]["secretARN"] == lag_key["macSecKeys"][0]["secretARN"]
    assert keys_of(lag_now)[0]["startOn"] == lag_key["macSecKeys"][0]["startOn"]
    for member in lag_now["connections"]:
        assert member["lagId"] == lag["lagId"]
        assert ckns_of(member) == [lag_ckn]


def test_managed_secret_survives_a_restart_and_can_be_associated_again(server_factory, tmp_path):
    account = random_account()
    first = server_factory.start(data_dir=tmp_path / "data")
    client = make_client(first.url, account)
    connection_id = create_connection(client)
    response, ckn, _ = associate_key(client, connection_id)
    secret_arn = response["macSecKeys"][0]["secretARN"]

    second = _restart(server_factory, first)
    client = make_client(second.url, account)
    client.disassociate_mac_sec_key(connectionId=connection_id, secretARN=secret_arn)
    assert keys_of(describe_connection(client, connection_id)) == []
    again = client.associate_mac_sec_key(connectionId=connection_id, secretARN=secret_arn)
    assert again["macSecKeys"][-1]["secretARN"] == secret_arn
    assert again["macSecKeys"][-1]["ckn"].lower() == ckn

    # And once more across a second restart, onto a new target.
    third = _restart(server_factory, second)
    client = make_client(third.url, account)
    other = create_connection(client)
    client.disassociate_mac_sec_key(connectionId=connection_id, secretARN=secret_arn)
    client.associate_mac_sec_key(connectionId=other, secretARN=secret_arn)
    assert key_with_ckn(describe_connection(client, other), ckn)["state"] == "associated"


def test_deleted_resources_stay_deleted_after_restart(server_factory, tmp_path):
    account = random_account()
    first = server_factory.start(data_dir=tmp_path / "data")
    client = make_client(first.url, account)
    kept = create_connection(client)
    gone = create_connection(client)
    lag_id = create_lag(client, count=1)["lagId"]
    client.delete_connection(connectionId=gone)
    client.delete_lag(lagId=lag_id)

    second = _restart(server_factory, first)
    client = make_client(second.url, account)
    assert {c["connectionId"] for c in client.describe_connections()["connections"]} == {kept}
    assert client.describe_lags()["lags"] == []


def test_key_settles_across_a_restart(server_factory, tmp_path):
    """State is derived from stored timestamps: a key associated before a stop is
    `associated` once the settle time has passed, whichever process reads it."""
    account = random_account()
    first = server_factory.start(data_dir=tmp_path / "data", settle_time=SETTLE_SECONDS)
    client = make_client(first.url, account)
    connection_id = create_connection(client)
    response, ckn, _ = associate_key(client, connection_id)
    associated_at = time.monotonic()
    assert response["macSecKeys"][-1]["state"] == "associating"
    assert first.stop() == 0
    remaining = SETTLE_SECONDS + 0.5 - (time.monotonic() - associated_at)
    if remaining > 0:
        time.sleep(remaining)
    second = server_factory.start(data_dir=first.data_dir, settle_time=SETTLE_SECONDS)
    client = make_client(second.url, account)
    connection = describe_connection(client, connection_id)
    assert key_with_ckn(connection, ckn)["state"] == "associated"
    assert connection["connectionState"] == "available"

