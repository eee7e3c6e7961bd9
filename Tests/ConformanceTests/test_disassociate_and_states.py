"""SPEC §5: DisassociateMacSecKey, encryption modes, port status and the keys' life."""

import pytest

from dxhelpers import (
    ENCRYPTION_DOWN,
    ENCRYPTION_UP,
    LONG_SETTLE,
    advance_clock,
    associate_key,
    available_connection,
    ckns_of,
    create_connection,
    create_lag,
    describe_connection,
    describe_lag,
    expect_error,
    key_with_ckn,
    keys_of,
    long_settle_server,
    make_client,
    random_account,
    random_hex64,
    settle,
)


def _snapshot(client, connection_id):
    connection = describe_connection(client, connection_id)
    return {
        "connectionState": connection.get("connectionState"),
        "encryptionMode": connection.get("encryptionMode"),
        "portEncryptionStatus": connection.get("portEncryptionStatus"),
        "macSecKeys": keys_of(connection),
    }


def _lag_snapshot(client, lag_id):
    lag = describe_lag(client, lag_id)
    return {
        "lagState": lag.get("lagState"),
        "encryptionMode": lag.get("encryptionMode"),
        "macSecKeys": keys_of(lag),
        "members": sorted(
            (m["connectionId"], m.get("encryptionMode"), str(keys_of(m))) for m in lag["connections"]
        ),
    }


# --------------------------------------------------------------------------------------
# DisassociateMacSecKey
# --------------------------------------------------------------------------------------


def test_disassociate_returns_the_removed_key_as_disassociating(client):
    connection_id = create_connection(client)
    response, ckn, _ = associate_key(client, connection_id)
    secret_arn = response["macSecKeys"][0]["secretARN"]
    removed = client.disassociate_mac_sec_key(connectionId=connection_id, secretARN=secret_arn)
    assert removed["connectionId"] == connection_id
    matching = [k for k in removed["macSecKeys"] if k["secretARN"] == secret_arn]
    assert len(matching) == 1, removed
    assert matching[0]["state"] == "disassociating"
    assert matching[0]["ckn"].lower() == ckn


def test_disassociated_key_is_gone_on_the_next_read(client):
    connection_id = create_connection(client)
    response, _, _ = associate_key(client, connection_id)
    client.disassociate_mac_sec_key(connectionId=connection_id, secretARN=response["macSecKeys"][0]["secretARN"])
    assert keys_of(describe_connection(client, connection_id)) == []


def test_disassociate_keeps_the_other_keys_in_order(client):
    connection_id = create_connection(client)
    arns, ckns = [], []
    for _ in range(3):
        response, ckn, _ = associate_key(client, connection_id)
        arns.append(response["macSecKeys"][-1]["secretARN"])
        ckns.append(ckn)
    client.disassociate_mac_sec_key(connectionId=connection_id, secretARN=arns[1])
    assert ckns_of(describe_connection(client, connection_id)) == [ckns[0], ckns[2]]


def test_disassociate_without_secret_arn_is_refused(client, raw_client):
    connection_id = create_connection(client)
    associate_key(client, connection_id)
    before = _snapshot(client, connection_id)
    expect_error(lambda: raw_client.disassociate_mac_sec_key(connectionId=connection_id),
                 contains=["Missing required parameter secretARN"])
    assert _snapshot(client, connection_id) == before


def test_disassociate_without_connection_id_is_refused(client, raw_client):
    connection_id = create_connection(client)
    response, _, _ = associate_key(client, connection_id)
    before = _snapshot(client, connection_id)
    expect_error(lambda: raw_client.disassociate_mac_sec_key(secretARN=response["macSecKeys"][0]["secretARN"]),
                 contains=["Missing required parameter connectionId"])
    assert _snapshot(client, connection_id) == before


def test_disassociate_secret_that_is_on_another_target_is_refused(client):
    holder = create_connection(client)
    other = create_connection(client)
    response, _, _ = associate_key(client, holder)
    associate_key(client, other)
    secret_arn = response["macSecKeys"][0]["secretARN"]
    before_holder, before_other = _snapshot(client, holder), _snapshot(client, other)
    expect_error(lambda: client.disassociate_mac_sec_key(connectionId=other, secretARN=secret_arn),
                 contains=[other, f"is not associated with {other}"])
    assert _snapshot(client, holder) == before_holder
    assert _snapshot(client, other) == before_other


def test_disassociate_unknown_secret_arn_is_refused(client, account):
    connection_id = create_connection(client)
    associate_key(client, connection_id)
    before = _snapshot(client, connection_id)
    bogus = (f"arn:aws:secretsmanager:us-east-1:{account}:secret:"
             f"directconnect!prod/us-east-1/directconnect/{random_hex64()}-Xy12Zw")
    expect_error(lambda: client.disassociate_mac_sec_key(connectionId=connection_id, secretARN=bogus),
                 contains=[connection_id, f"is not associated with {connection_id}"])
    assert _snapshot(client, connection_id) == before


def test_disassociate_twice_is_refused_the_second_time(client):
    connection_id = create_connection(client)
    response, _, _ = associate_key(client, connection_id)
    secret_arn = response["macSecKeys"][0]["secretARN"]
    client.disassociate_mac_sec_key(connectionId=connection_id, secretARN=secret_arn)
    expect_error(lambda: client.disassociate_mac_sec_key(connectionId=connection_id, secretARN=secret_arn),
                 contains=[connection_id, f"is not associated with {connection_id}"])
    assert keys_of(describe_connection(client, connection_id)) == []


def test_disassociate_on_unknown_connection_is_not_found(client, account):
    arn = f"arn:aws:secretsmanager:us-east-1:{account}:secret:directconnect!prod/us-east-1/directconnect/x-Ab12Cd"
    expect_error(lambda: client.disassociate_mac_sec_key(connectionId="dxcon-gone1234", secretARN=arn),
                 contains=["Could not find Connection with ID dxcon-gone1234"])


def test_disassociate_on_unknown_lag_is_not_found(client, account):
    arn = f"arn:aws:secretsmanager:us-east-1:{account}:secret:directconnect!prod/us-east-1/directconnect/x-Ab12Cd"
    expect_error(lambda: client.disassociate_mac_sec_key(connectionId="dxlag-gone1234", secretARN=arn),
                 contains=["Could not find Lag with ID dxlag-gone1234"])


def test_disassociate_on_lag_removes_the_key_from_every_member(client):
    lag_id = create_lag(client, count=2)["lagId"]
    first, first_ckn, _ = associate_key(client, lag_id)
    _, second_ckn, _ = associate_key(client, lag_id)
    client.disassociate_mac_sec_key(connectionId=lag_id, secretARN=first["macSecKeys"][0]["secretARN"])
    lag = describe_lag(client, lag_id)
    assert ckns_of(lag) == [second_ckn]
    for member in lag["connections"]:
        assert ckns_of(member) == [second_ckn]
        assert ckns_of(describe_connection(client, member["connectionId"])) == [second_ckn]


def test_managed_secret_outlives_its_key_and_moves_to_another_target(client):
    first = create_connection(client)
    second = create_connection(client)
    response, ckn, _ = associate_key(client, first)
    secret_arn = response["macSecKeys"][0]["secretARN"]
    client.disassociate_mac_sec_key(connectionId=first, secretARN=secret_arn)
    moved = client.associate_mac_sec_key(connectionId=second, secretARN=secret_arn)
    assert moved["macSecKeys"][-1]["secretARN"] == secret_arn
    assert moved["macSecKeys"][-1]["state"] == "associating"
    assert key_with_ckn(describe_connection(client, second), ckn)["state"] == "associated"
    assert keys_of(describe_connection(client, first)) == []


def test_managed_secret_can_move_from_connection_to_lag(client):
    connection_id = create_connection(client)
    lag_id = create_lag(client, count=1)["lagId"]
    response, ckn, _ = associate_key(client, connection_id)
    secret_arn = response["macSecKeys"][0]["secretARN"]
    client.disassociate_mac_sec_key(connectionId=connection_id, secretARN=secret_arn)
    client.associate_mac_sec_key(connectionId=lag_id, secretARN=secret_arn)
    assert ckns_of(describe_lag(client, lag_id)) == [ckn]


# --------------------------------------------------------------------------------------
# Encryption modes
# --------------------------------------------------------------------------------------


def test_removing_the_last_key_in_must_encrypt_sets_should_encrypt(client):
    connection_id = create_connection(client)
    response, _, _ = associate_key(client, connection_id)
    assert client.update_connection(connectionId=connection_id, encryptionMode="must_encrypt")["encryptionMode"] \
        == "must_encrypt"
    client.disassociate_mac_sec_key(connectionId=connection_id, secretARN=response["macSecKeys"][0]["secretARN"])
    assert describe_connection(client, connection_id)["encryptionMode"] == "should_encrypt"


def test_removing_a_key_that_is_not_the_last_keeps_must_encrypt(client):
    connection_id = create_connection(client)
    first, _, _ = associate_key(client, connection_id)
    associate_key(client, connection_id)
    client.update_connection(connectionId=connection_id, encryptionMode="must_encrypt")
    client.disassociate_mac_sec_key(connectionId=connection_id, secretARN=first["macSecKeys"][0]["secretARN"])
    assert describe_connection(client, connection_id)["encryptionMode"] == "must_encrypt"


@pytest.mark.parametrize("mode", ["should_encrypt", "no_encrypt"])
def test_removing_the_last_key_leaves_other_modes_alone(client, mode):
    connection_id = create_connection(client)
    response, _, _ = associate_key(client, connection_id)
    client.update_connection(connectionId=connection_id, encryptionMode=mode)
    client.disassociate_mac_sec_key(connectionId=connection_id, secretARN=response["macSecKeys"][0]["secretARN"])
    assert describe_connection(client, connection_id)["encryptionMode"] == mode


def test_removing_the_last_key_of_a_must_encrypt_lag_sets_should_encrypt_everywhere(client):
    lag_id = create_lag(client, count=2)["lagId"]
    response, _, _ = associate_key(client, lag_id)
    client.update_lag(lagId=lag_id, encryptionMode="must_encrypt")
    client.disassociate_mac_sec_key(connectionId=lag_id, secretARN=response["macSecKeys"][0]["secretARN"])
    lag = describe_lag(client, lag_id)
    assert lag["encryptionMode"] == "should_encrypt"
    for member in lag["connections"]:
        assert describe_connection(client, member["connectionId"])["encryptionMode"] == "should_encrypt"


@pytest.mark.parametrize("mode", ["no_encrypt", "should_encrypt", "must_encrypt"])
def test_update_connection_accepts_the_three_modes(client, mode):
    connection_id = create_connection(client)
    associate_key(client, connection_id)
    updated = client.update_connection(connectionId=connection_id, encryptionMode=mode)
    assert updated["connectionId"] == connection_id
    assert updated["encryptionMode"] == mode
    assert describe_connection(client, connection_id)["encryptionMode"] == mode


@pytest.mark.parametrize("mode", ["MUST_ENCRYPT", "encrypt", "", "must-encrypt"])
def test_update_connection_refuses_other_modes(client, mode):
    connection_id = create_connection(client)
    before = _snapshot(client, connection_id)
    expect_error(lambda: client.update_connection(connectionId=connection_id, encryptionMode=mode),
                 contains=[f"Encryption mode {mode} is not valid for {connection_id}"])
    assert _snapshot(client, connection_id) == before


def test_update_connection_mode_on_non_macsec_connection_is_refused(client):
    connection_id = create_connection(client, macsec=False)
    before = _snapshot(client, connection_id)
    expect_error(lambda: client.update_connection(connectionId=connection_id, encryptionMode="should_encrypt"),
                 contains=[f"{connection_id} is not MACsec capable"])
    assert _snapshot(client, connection_id) == before


def test_update_connection_name_works_without_macsec(client):
    connection_id = create_connection(client, macsec=False)
    updated = client.update_connection(connectionId=connection_id, connectionName="renamed")
    assert updated["connectionName"] == "renamed"
    assert describe_connection(client, connection_id)["connectionName"] == "renamed"
    assert describe_connection(client, connection_id)["encryptionMode"] == "no_encrypt"


def test_update_lag_mode_applies_to_every_member(client):
    lag_id = create_lag(client, count=3)["lagId"]
    associate_key(client, lag_id)
    updated = client.update_lag(lagId=lag_id, encryptionMode="must_encrypt")
    assert updated["encryptionMode"] == "must_encrypt"
    lag = describe_lag(client, lag_id)
    assert lag["encryptionMode"] == "must_encrypt"
    assert len(lag["connections"]) == 3
    for member in lag["connections"]:
        assert member["encryptionMode"] == "must_encrypt"
        assert describe_connection(client, member["connectionId"])["encryptionMode"] == "must_encrypt"


@pytest.mark.parametrize("mode", ["bogus", "NO_ENCRYPT"])
def test_update_lag_refuses_other_modes(client, mode):
    lag_id = create_lag(client, count=1)["lagId"]
    before = _lag_snapshot(client, lag_id)
    expect_error(lambda: client.update_lag(lagId=lag_id, encryptionMode=mode),
                 contains=[f"Encryption mode {mode} is not valid for {lag_id}"])
    assert _lag_snapshot(client, lag_id) == before


def test_update_lag_mode_on_non_macsec_lag_is_refused(client):
    lag_id = create_lag(client, count=1, macsec=False)["lagId"]
    before = _lag_snapshot(client, lag_id)
    expect_error(lambda: client.update_lag(lagId=lag_id, encryptionMode="must_encrypt"),
                 contains=[f"{lag_id} is not MACsec capable"])
    assert _lag_snapshot(client, lag_id) == before


# --------------------------------------------------------------------------------------
# portEncryptionStatus
# --------------------------------------------------------------------------------------


def test_port_encryption_status_follows_mode_and_keys(client):
    connection_id = create_connection(client)

    def status():
        return describe_connection(client, connection_id)["portEncryptionStatus"]

    assert status() == ENCRYPTION_DOWN
    response, _, _ = associate_key(client, connection_id)
    assert status() == ENCRYPTION_UP
    client.update_connection(connectionId=connection_id, encryptionMode="no_encrypt")
    assert status() == ENCRYPTION_DOWN
    client.update_connection(connectionId=connection_id, encryptionMode="must_encrypt")
    assert status() == ENCRYPTION_UP
    client.disassociate_mac_sec_key(connectionId=connection_id, secretARN=response["macSecKeys"][0]["secretARN"])
    assert status() == ENCRYPTION_DOWN


def test_port_encryption_status_of_lag_members(client):
    lag_id = create_lag(client, count=2)["lagId"]
    associate_key(client, lag_id)
    for member in describe_lag(client, lag_id)["connections"]:
        assert describe_connection(client, member["connectionId"])["portEncryptionStatus"] == ENCRYPTION_UP
    client.update_lag(lagId=lag_id, encryptionMode="no_encrypt")
    for member in describe_lag(client, lag_id)["connections"]:
        assert describe_connection(client, member["connectionId"])["portEncryptionStatus"] == ENCRYPTION_DOWN


# --------------------------------------------------------------------------------------
# Deleting targets removes keys; secrets stay
# --------------------------------------------------------------------------------------


def test_deleting_a_connection_removes_its_keys_but_not_the_secret(client):
    doomed = create_connection(client)
    response, ckn, _ = associate_key(client, doomed)
    secret_arn = response["macSecKeys"][0]["secretARN"]
    deleted = client.delete_connection(connectionId=doomed)
    assert deleted["connectionState"] == "deleted"
    survivor = create_connection(client)
    client.associate_mac_sec_key(connectionId=survivor, secretARN=secret_arn)
    assert ckns_of(describe_connection(client, survivor)) == [ckn]


def test_deleting_a_lag_removes_its_keys_but_not_the_secret(client):
    lag_id = create_lag(client, count=2)["lagId"]
    response, ckn, _ = associate_key(client, lag_id)
    secret_arn = response["macSecKeys"][0]["secretARN"]
    client.delete_lag(lagId=lag_id)
    survivor = create_connection(client)
    client.associate_mac_sec_key(connectionId=survivor, secretARN=secret_arn)
    assert ckns_of(describe_connection(client, survivor)) == [ckn]


# --------------------------------------------------------------------------------------
# Transitions with a settle time: each test runs a server of its own with a settle time no test
# outlasts by accident and a movable clock (`--clock-control`), so the transitional state is seen
# for certain and the settled state is reached by moving the clock, never by sleeping.
# --------------------------------------------------------------------------------------









@pytest.mark.slow
def test_key_is_associating_and_target_pending_until_the_settle_time_passes(server_factory):
    server = long_settle_server(server_factory)
    slow = make_client(server.url, random_account())
    connection_id = available_connection(slow, server)
    response, ckn, _ = associate_key(slow, connection_id)
    assert [(k["ckn"].lower(), k["state"]) for k in response["macSecKeys"]] == [(ckn, "associating")]
    connection = describe_connection(slow, connection_id)
    assert key_with_ckn(connection, ckn)["state"] == "associating"
    assert connection["connectionState"] == "pending"
    assert connection["portEncryptionStatus"] == ENCRYPTION_DOWN, "no key is associated yet"
    # Most of the settle time: still transitional (the settle time, not any clock move, ends it).
    advance_clock(server, LONG_SETTLE - 60)
    connection = describe_connection(slow, connection_id)
    assert key_with_ckn(connection, ckn)["state"] == "associating"
    assert connection["connectionState"] == "pending"
    assert connection["portEncryptionStatus"] == ENCRYPTION_DOWN
    advance_clock(server, 61)
    settled = describe_connection(slow, connection_id)
    assert [(k["ckn"].lower(), k["state"]) for k in keys_of(settled)] == [(ckn, "associated")]
    assert settled["connectionState"] == "available"
    assert settled["portEncryptionStatus"] == ENCRYPTION_UP


@pytest.mark.slow
def test_disassociating_key_shows_until_the_settle_time_passes_then_disappears(server_factory):
    server = long_settle_server(server_factory)
    slow = make_client(server.url, random_account())
    connection_id = available_connection(slow, server)
    response, ckn, _ = associate_key(slow, connection_id)
    settle(server)
    connection = describe_connection(slow, connection_id)
    assert [(k["ckn"].lower(), k["state"]) for k in keys_of(connection)] == [(ckn, "associated")]
    assert connection["connectionState"] == "available"
    assert connection["portEncryptionStatus"] == ENCRYPTION_UP
    removed = slow.disassociate_mac_sec_key(connectionId=connection_id,
                                            secretARN=response["macSecKeys"][0]["secretARN"])
    assert [k["state"] for k in removed["macSecKeys"] if k["ckn"].lower() == ckn] == ["disassociating"]
    connection = describe_connection(slow, connection_id)
    assert [(k["ckn"].lower(), k["state"]) for k in keys_of(connection)] == [(ckn, "disassociating")]
    assert connection["connectionState"] == "pending"
    advance_clock(server, LONG_SETTLE - 60)
    connection = describe_connection(slow, connection_id)
    assert key_with_ckn(connection, ckn)["state"] == "disassociating"
    assert connection["connectionState"] == "pending"
    advance_clock(server, 61)
    gone = describe_connection(slow, connection_id)
    assert keys_of(gone) == []
    assert gone["connectionState"] == "available"
    assert gone["portEncryptionStatus"] == ENCRYPTION_DOWN


@pytest.mark.slow
def test_lag_and_members_go_pending_around_an_association(server_factory):
    server = long_settle_server(server_factory)
    slow = make_client(server.url, random_account())
    created = create_lag(slow, count=2, wait=False)
    lag_id = created["lagId"]
    assert describe_lag(slow, lag_id)["lagState"] == "pending"
    settle(server)
    assert describe_lag(slow, lag_id)["lagState"] == "available"
    response, ckn, _ = associate_key(slow, lag_id)
    assert [(k["ckn"].lower(), k["state"]) for k in response["macSecKeys"]] == [(ckn, "associating")]
    lag = describe_lag(slow, lag_id)
    assert lag["lagState"] == "pending"
    assert key_with_ckn(lag, ckn)["state"] == "associating"
    assert len(lag["connections"]) == 2
    for member in lag["connections"]:
        assert key_with_ckn(member, ckn)["state"] == "associating"
        assert key_with_ckn(describe_connection(slow, member["connectionId"]), ckn)["state"] == "associating"
    settle(server)
    lag = describe_lag(slow, lag_id)
    assert lag["lagState"] == "available"
    assert [(k["ckn"].lower(), k["state"]) for k in keys_of(lag)] == [(ckn, "associated")]
    for member in lag["connections"]:
        assert [(k["ckn"].lower(), k["state"]) for k in keys_of(member)] == [(ckn, "associated")]
        assert key_with_ckn(describe_connection(slow, member["connectionId"]), ckn)["state"] == "associated"
