"""SPEC §4: AssociateMacSecKey, every numbered check and the effect of success.

Every failing check is asserted through boto3 (code, HTTP status, a fragment of the message
that only that check produces, and the offending ID), and afterwards the target is described
to prove nothing changed. Each refusal is set up so that no other check could refuse it: a
test must fail when its rule is deleted from the server.
"""

import json

import pytest

from dxhelpers import (
    CLIENT_ERROR,
    assert_start_on_recent,
    associate_key,
    available_connection,
    ckns_of,
    create_connection,
    create_lag,
    describe_connection,
    describe_interconnect,
    describe_lag,
    expect_error,
    key_with_ckn,
    keys_of,
    long_settle_server,
    make_client,
    random_account,
    random_hex64,
    secret_arn_pattern,
    secret_names,
    settle,
    unique_name,
    wait_until,
)

# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _state(client, connection_id):
    """What a failed associate must leave untouched."""
    connection = describe_connection(client, connection_id)
    return {
        "connectionState": connection.get("connectionState"),
        "encryptionMode": connection.get("encryptionMode"),
        "portEncryptionStatus": connection.get("portEncryptionStatus"),
        "macSecKeys": keys_of(connection),
    }


def _lag_state(client, lag_id):
    lag = describe_lag(client, lag_id)
    return {
        "lagState": lag.get("lagState"),
        "encryptionMode": lag.get("encryptionMode"),
        "macSecKeys": keys_of(lag),
        "members": sorted((m["connectionId"], json.dumps(keys_of(m), sort_keys=True)) for m in lag["connections"]),
    }


def _donor_secret_arn(client):
    """A real managed secret ARN of this account (from a key on a separate connection)."""
    donor = create_connection(client)
    response, ckn, _ = associate_key(client, donor)
    return response["macSecKeys"][-1]["secretARN"], ckn










# --------------------------------------------------------------------------------------
# Check 1: connectionId missing or empty
# --------------------------------------------------------------------------------------


def test_check1_missing_connection_id_is_refused(client, raw_client):
    bystander = create_connection(client)
    before = _state(client, bystander)
    expect_error(lambda: raw_client.associate_mac_sec_key(ckn=random_hex64(), cak=random_hex64()),
                 contains=["Missing required parameter connectionId"])
    assert _state(client, bystander) == before


def test_check1_empty_connection_id_is_refused(client, raw_client):
    bystander = create_connection(client)
    before = _state(client, bystander)
    expect_error(lambda: raw_client.associate_mac_sec_key(connectionId="", ckn=random_hex64(), cak=random_hex64()),
                 contains=["Missing required parameter connectionId"])
    assert _state(client, bystander) == before


# --------------------------------------------------------------------------------------
# Check 2: secretARN xor (ckn and cak)
# --------------------------------------------------------------------------------------


def test_check2_neither_secret_arn_nor_ckn_cak_is_refused(client):
    connection_id = create_connection(client)
    before = _state(client, connection_id)
    expect_error(lambda: client.associate_mac_sec_key(connectionId=connection_id),
                 contains=[connection_id, "Provide either secretARN or both ckn and cak"])
    assert _state(client, connection_id) == before


@pytest.mark.parametrize("extra", ["ckn", "cak", "both"])
def test_check2_secret_arn_together_with_ckn_or_cak_is_refused(client, extra):
    secret_arn, _ = _donor_secret_arn(client)
    connection_id = create_connection(client)
    before = _state(client, connection_id)
    kwargs = {"connectionId": connection_id, "secretARN": secret_arn}
    if extra in ("ckn", "both"):
        kwargs["ckn"] = random_hex64()
    if extra in ("cak", "both"):
        kwargs["cak"] = random_hex64()
    expect_error(lambda: client.associate_mac_sec_key(**kwargs),
                 contains=[connection_id, "Provide either secretARN or a ckn and cak pair", "not both"])
    assert _state(client, connection_id) == before


def test_check2_ckn_without_cak_is_refused(client):
    connection_id = create_connection(client)
    before = _state(client, connection_id)
    expect_error(lambda: client.associate_mac_sec_key(connectionId=connection_id, ckn=random_hex64()),
                 contains=[connection_id, "ckn was given without its cak"])
    assert _state(client, connection_id) == before


def test_check2_cak_without_ckn_is_refused(client):
    connection_id = create_connection(client)
    before = _state(client, connection_id)
    cak = random_hex64()
    expect_error(lambda: client.associate_mac_sec_key(connectionId=connection_id, cak=cak),
                 contains=[connection_id, "cak was given without its ckn"], not_contains=[cak])
    assert _state(client, connection_id) == before


# --------------------------------------------------------------------------------------
# Check 3: CKN and CAK are exactly 64 hex characters
# --------------------------------------------------------------------------------------

BAD_HEX = {
    "63-chars": lambda: random_hex64()[:63],
    "65-chars": lambda: random_hex64() + "a",
    "non-hex-g": lambda: "g" + random_hex64()[1:],
    "space": lambda: random_hex64()[:63] + " ",
    "empty": lambda: "",
    "128-chars": lambda: random_hex64() + random_hex64(),
}


@pytest.mark.parametrize("bad", sorted(BAD_HEX))
def test_check3_malformed_ckn_is_refused(client, bad):
    connection_id = create_connection(client)
    before = _state(client, connection_id)
    cak = random_hex64()
    expect_error(
        lambda: client.associate_mac_sec_key(connectionId=connection_id, ckn=BAD_HEX[bad](), cak=cak),
        contains=[connection_id, f"The ckn for {connection_id} must be exactly 64 hexadecimal characters"],
        not_contains=[cak],
    )
    assert _state(client, connection_id) == before


@pytest.mark.parametrize("bad", sorted(BAD_HEX))
def test_check3_malformed_cak_is_refused_without_echoing_it(client, bad):
    connection_id = create_connection(client)
    before = _state(client, connection_id)
    cak = BAD_HEX[bad]()
    error = expect_error(
        lambda: client.associate_mac_sec_key(connectionId=connection_id, ckn=random_hex64(), cak=cak),
        contains=[connection_id, f"The cak for {connection_id} must be exactly 64 hexadecimal characters"],
    )
    if len(cak) >= 16:
        assert cak.lower() not in str(error.response).lower()
    assert _state(client, connection_id) == before


@pytest.mark.parametrize("case", ["upper", "mixed"])
def test_check3_both_cases_of_a_to_f_are_accepted(client, case):
    connection_id = create_connection(client)
    ckn, cak = random_hex64(), random_hex64()
    if case == "upper":
        ckn, cak = ckn.upper(), cak.upper()
    else:
        ckn = "".join(ch.upper() if i % 2 else ch for i, ch in enumerate(ckn))
        cak = "".join(ch.upper() if i % 3 else ch for i, ch in enumerate(cak))
    ckn = "ABCDEF" + ckn[6:]  # make sure the letters A-F really occur
    response = client.associate_mac_sec_key(connectionId=connection_id, ckn=ckn, cak=cak)
    assert key_with_ckn(response["macSecKeys"], ckn)["state"] == "associating"
    assert key_with_ckn(describe_connection(client, connection_id), ckn)["state"] == "associated"


# --------------------------------------------------------------------------------------
# Check 4: the target exists in this account and region
# --------------------------------------------------------------------------------------


def test_check4_unknown_connection_id(client):
    expect_error(
        lambda: client.associate_mac_sec_key(connectionId="dxcon-none0000", ckn=random_hex64(), cak=random_hex64()),
        contains=["Could not find Connection with ID dxcon-none0000"],
    )


def test_check4_unknown_lag_id(client):
    expect_error(
        lambda: client.associate_mac_sec_key(connectionId="dxlag-none0000", ckn=random_hex64(), cak=random_hex64()),
        contains=["Could not find Lag with ID dxlag-none0000"],
    )


def test_check4_deleted_connection_is_not_found(client):
    connection_id = create_connection(client)
    client.delete_connection(connectionId=connection_id)
    expect_error(
        lambda: client.associate_mac_sec_key(connectionId=connection_id, ckn=random_hex64(), cak=random_hex64()),
        contains=[f"Could not find Connection with ID {connection_id}"],
    )


def test_check4_deleted_lag_is_not_found(client):
    lag_id = create_lag(client)["lagId"]
    client.delete_lag(lagId=lag_id)
    expect_error(
        lambda: client.associate_mac_sec_key(connectionId=lag_id, ckn=random_hex64(), cak=random_hex64()),
        contains=[f"Could not find Lag with ID {lag_id}"],
    )


def test_check4_connection_of_another_account_is_not_found(dx, client):
    other = dx(account="333333333333")
    foreign = create_connection(other)
    before = _state(other, foreign)
    expect_error(
        lambda: client.associate_mac_sec_key(connectionId=foreign, ckn=random_hex64(), cak=random_hex64()),
        contains=[f"Could not find Connection with ID {foreign}"],
    )
    assert _state(other, foreign) == before


def test_check4_connection_of_another_region_is_not_found(dx, account):
    west = dx(account=account, region="us-west-2")
    east = dx(account=account, region="us-east-1")
    foreign = create_connection(west, location="EqSe2")
    before = _state(west, foreign)
    expect_error(
        lambda: east.associate_mac_sec_key(connectionId=foreign, ckn=random_hex64(), cak=random_hex64()),
        contains=[f"Could not find Connection with ID {foreign}"],
    )
    assert _state(west, foreign) == before


# --------------------------------------------------------------------------------------
# Check 5: the target is MACsec-capable
# --------------------------------------------------------------------------------------


def test_check5_connection_without_macsec_is_refused(client):
    connection_id = create_connection(client, macsec=False)
    before = _state(client, connection_id)
    expect_error(
        lambda: client.associate_mac_sec_key(connectionId=connection_id, ckn=random_hex64(), cak=random_hex64()),
        contains=[f"{connection_id} is not MACsec capable"],
    )
    assert _state(client, connection_id) == before


def test_check5_lag_without_macsec_is_refused(client):
    lag_id = create_lag(client, macsec=False)["lagId"]
    before = _lag_state(client, lag_id)
    expect_error(
        lambda: client.associate_mac_sec_key(connectionId=lag_id, ckn=random_hex64(), cak=random_hex64()),
        contains=[f"{lag_id} is not MACsec capable"],
    )
    assert _lag_state(client, lag_id) == before


def test_check5_interconnect_without_macsec_is_refused(client):
    interconnect_id = client.create_interconnect(
        interconnectName=unique_name("ic"), bandwidth="10Gbps", location="EqDC2"
    )["interconnectId"]
    expect_error(
        lambda: client.associate_mac_sec_key(connectionId=interconnect_id, ckn=random_hex64(), cak=random_hex64()),
        contains=[f"{interconnect_id} is not MACsec capable"],
    )
    assert keys_of(describe_interconnect(client, interconnect_id)) == []


# --------------------------------------------------------------------------------------
# Check 6: the target is available (a clock-controlled server with a long settle time)
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_check6_requested_connection_is_refused(server_factory):
    server = long_settle_server(server_factory)
    account = random_account()
    slow = make_client(server.url, account)
    connection_id = slow.create_connection(
        location="EqDC2", bandwidth="10Gbps", connectionName=unique_name(), requestMACSec=True
    )["connectionId"]
    assert describe_connection(slow, connection_id)["connectionState"] == "requested"
    expect_error(
        lambda: slow.associate_mac_sec_key(connectionId=connection_id, ckn=random_hex64(), cak=random_hex64()),
        contains=[f"The port is not in available state to associate the key for account {account}", connection_id],
    )
    connection = describe_connection(slow, connection_id)
    assert connection["connectionState"] == "requested"
    assert keys_of(connection) == []
    settle(server)
    connection = describe_connection(slow, connection_id)
    assert connection["connectionState"] == "available"
    assert keys_of(connection) == [], "the refused key must not appear once the port is available"
    # Once available, the same request is accepted: it was the state that refused it.
    _, ckn, _ = associate_key(slow, connection_id)
    assert ckns_of(describe_connection(slow, connection_id)) == [ckn]


@pytest.mark.slow
def test_check6_pending_after_an_association_refuses_another(server_factory):
    server = long_settle_server(server_factory)
    account = random_account()
    slow = make_client(server.url, account)
    connection_id = available_connection(slow, server)
    response, first_ckn, _ = associate_key(slow, connection_id)
    assert [(k["ckn"].lower(), k["state"]) for k in response["macSecKeys"]] == [(first_ckn, "associating")]
    connection = describe_connection(slow, connection_id)
    assert connection["connectionState"] == "pending"
    assert key_with_ckn(connection, first_ckn)["state"] == "associating"
    before = _state(slow, connection_id)
    second_ckn = random_hex64()
    expect_error(
        lambda: slow.associate_mac_sec_key(connectionId=connection_id, ckn=second_ckn, cak=random_hex64()),
        contains=[f"The port is not in available state to associate the key for account {account}", connection_id],
    )
    assert _state(slow, connection_id) == before
    settle(server)
    connection = describe_connection(slow, connection_id)
    assert connection["connectionState"] == "available"
    assert [(k["ckn"].lower(), k["state"]) for k in keys_of(connection)] == [(first_ckn, "associated")]
    # Once available again, the second key is accepted.
    associate_key(slow, connection_id, ckn=second_ckn)
    assert ckns_of(describe_connection(slow, connection_id)) == [first_ckn, second_ckn]


@pytest.mark.slow
def test_check6_pending_lag_is_refused(server_factory):
    server = long_settle_server(server_factory)
    account = random_account()
    slow = make_client(server.url, account)
    created = create_lag(slow, count=1, wait=False)
    lag_id = created["lagId"]
    assert created["lagState"] == "pending"
    assert describe_lag(slow, lag_id)["lagState"] == "pending"
    expect_error(
        lambda: slow.associate_mac_sec_key(connectionId=lag_id, ckn=random_hex64(), cak=random_hex64()),
        contains=[f"The port is not in available state to associate the key for account {account}", lag_id],
    )
    assert keys_of(describe_lag(slow, lag_id)) == []
    settle(server)
    lag = describe_lag(slow, lag_id)
    assert lag["lagState"] == "available"
    assert keys_of(lag) == []
    _, ckn, _ = associate_key(slow, lag_id)
    assert ckns_of(describe_lag(slow, lag_id)) == [ckn]


# --------------------------------------------------------------------------------------
# Check 7: keys go on the LAG, not on its members
# --------------------------------------------------------------------------------------


def test_check7_lag_member_is_refused(client):
    lag = create_lag(client, count=2)
    lag_id = lag["lagId"]
    member_id = lag["connections"][0]["connectionId"]
    before_lag = _lag_state(client, lag_id)
    before_member = _state(client, member_id)
    expect_error(
        lambda: client.associate_mac_sec_key(connectionId=member_id, ckn=random_hex64(), cak=random_hex64()),
        contains=[member_id, f"is a member of lag {lag_id}"],
    )
    assert _state(client, member_id) == before_member
    assert _lag_state(client, lag_id) == before_lag


def test_check7_lag_member_is_refused_also_by_secret_arn(client):
    secret_arn, _ = _donor_secret_arn(client)
    lag = create_lag(client, count=1)
    lag_id = lag["lagId"]
    member_id = lag["connections"][0]["connectionId"]
    before = _state(client, member_id)
    before_lag = _lag_state(client, lag_id)
    expect_error(lambda: client.associate_mac_sec_key(connectionId=member_id, secretARN=secret_arn),
                 contains=[member_id, f"is a member of lag {lag_id}"])
    assert _state(client, member_id) == before
    assert _lag_state(client, lag_id) == before_lag


# --------------------------------------------------------------------------------------
# Check 8: at most three keys associating or associated
# --------------------------------------------------------------------------------------


def test_check8_fourth_key_is_refused(client):
    connection_id = create_connection(client)
    for _ in range(3):
        associate_key(client, connection_id)
    before = _state(client, connection_id)
    assert len(before["macSecKeys"]) == 3
    expect_error(
        lambda: client.associate_mac_sec_key(connectionId=connection_id, ckn=random_hex64(), cak=random_hex64()),
        contains=[f"{connection_id} already has 3 MACsec keys"],
    )
    assert _state(client, connection_id) == before


def test_check8_fourth_key_by_secret_arn_is_refused(client):
    secret_arn, _ = _donor_secret_arn(client)
    connection_id = create_connection(client)
    for _ in range(3):
        associate_key(client, connection_id)
    before = _state(client, connection_id)
    assert len(before["macSecKeys"]) == 3
    expect_error(lambda: client.associate_mac_sec_key(connectionId=connection_id, secretARN=secret_arn),
                 contains=[f"{connection_id} already has 3 MACsec keys"])
    assert _state(client, connection_id) == before


def test_check8_lag_keychain_also_holds_three(client):
    lag_id = create_lag(client, count=2)["lagId"]
    for _ in range(3):
        associate_key(client, lag_id)
    before = _lag_state(client, lag_id)
    assert len(before["macSecKeys"]) == 3
    expect_error(
        lambda: client.associate_mac_sec_key(connectionId=lag_id, ckn=random_hex64(), cak=random_hex64()),
        contains=[f"{lag_id} already has 3 MACsec keys"],
    )
    assert _lag_state(client, lag_id) == before


def test_check8_a_slot_frees_up_after_disassociation(client):
    connection_id = create_connection(client)
    responses = [associate_key(client, connection_id)[0] for _ in range(3)]
    oldest = responses[0]["macSecKeys"][0]["secretARN"]
    client.disassociate_mac_sec_key(connectionId=connection_id, secretARN=oldest)
    _, ckn, _ = associate_key(client, connection_id)
    keys = keys_of(describe_connection(client, connection_id))
    assert len(keys) == 3
    assert keys[-1]["ckn"].lower() == ckn


# --------------------------------------------------------------------------------------
# Check 9: the CKN is not already on the target (case-insensitive)
# --------------------------------------------------------------------------------------


def test_check9_same_ckn_twice_is_refused(client, secrets_client):
    # The very same CKN/CAK pair again: its managed secret exists and matches, so nothing but rule 9
    # stands in the way (a different CAK would be refused by the secret store instead).
    connection_id = create_connection(client)
    _, ckn, cak = associate_key(client, connection_id)
    before = _state(client, connection_id)
    secrets_before = sorted(secret_names(secrets_client))
    expect_error(
        lambda: client.associate_mac_sec_key(connectionId=connection_id, ckn=ckn, cak=cak),
        contains=[connection_id, f"is already associated with {connection_id}"],
        not_contains=[cak],
    )
    assert _state(client, connection_id) == before
    assert ckns_of(describe_connection(client, connection_id)) == [ckn]
    assert sorted(secret_names(secrets_client)) == secrets_before


def test_check9_same_ckn_in_other_case_is_refused(client, secrets_client):
    connection_id = create_connection(client)
    ckn = "abcdef" + random_hex64()[6:]
    _, _, cak = associate_key(client, connection_id, ckn=ckn)
    before = _state(client, connection_id)
    secrets_before = sorted(secret_names(secrets_client))
    expect_error(
        lambda: client.associate_mac_sec_key(connectionId=connection_id, ckn=ckn.upper(), cak=cak),
        contains=[connection_id, f"is already associated with {connection_id}"],
        not_contains=[cak],
    )
    assert _state(client, connection_id) == before
    assert ckns_of(describe_connection(client, connection_id)) == [ckn]
    assert sorted(secret_names(secrets_client)) == secrets_before


def test_check9_same_secret_arn_twice_is_refused(client):
    connection_id = create_connection(client)
    response, ckn, _ = associate_key(client, connection_id)
    secret_arn = response["macSecKeys"][0]["secretARN"]
    before = _state(client, connection_id)
    expect_error(lambda: client.associate_mac_sec_key(connectionId=connection_id, secretARN=secret_arn),
                 contains=[connection_id, f"is already associated with {connection_id}"])
    assert _state(client, connection_id) == before
    assert ckns_of(describe_connection(client, connection_id)) == [ckn]


def test_check9_same_pair_twice_on_a_lag_is_refused(client):
    lag_id = create_lag(client, count=2)["lagId"]
    _, ckn, cak = associate_key(client, lag_id)
    before = _lag_state(client, lag_id)
    expect_error(
        lambda: client.associate_mac_sec_key(connectionId=lag_id, ckn=ckn, cak=cak),
        contains=[lag_id, f"is already associated with {lag_id}"],
        not_contains=[cak],
    )
    assert _lag_state(client, lag_id) == before
    assert ckns_of(describe_lag(client, lag_id)) == [ckn]


def test_check9_same_key_on_another_target_is_fine(client):
    # Rule 9 is per target: the same CKN (through its managed secret, or as the same CKN/CAK pair)
    # may sit on several targets. This is also the control for the refusals above: the same pair is
    # accepted where rule 9 does not apply.
    first = create_connection(client)
    second = create_connection(client)
    third = create_connection(client)
    response, ckn, cak = associate_key(client, first)
    secret_arn = response["macSecKeys"][0]["secretARN"]
    by_arn = client.associate_mac_sec_key(connectionId=second, secretARN=secret_arn)
    assert [(k["secretARN"], k["state"]) for k in by_arn["macSecKeys"]] == [(secret_arn, "associating")]
    by_pair = client.associate_mac_sec_key(connectionId=third, ckn=ckn, cak=cak)
    assert [(k["secretARN"], k["state"]) for k in by_pair["macSecKeys"]] == [(secret_arn, "associating")]
    for target in (first, second, third):
        assert [(k["ckn"].lower(), k["state"]) for k in keys_of(describe_connection(client, target))] == \
            [(ckn, "associated")]


# --------------------------------------------------------------------------------------
# Check 10: secretARN must be a Direct Connect secret of this account and region
# --------------------------------------------------------------------------------------


def _assert_names_target_or_secret(error, connection_id, secret_arn):
    message = error.response["Error"]["Message"]
    assert connection_id in message or secret_arn in message, message


# The message of check 10 when the secret is not one of this account and region.
SECRET_NOT_FOUND = "was not found in account"


def test_check10_secret_of_another_account_is_refused(dx, client):
    owner = dx(account="444444444444")
    secret_arn, _ = _donor_secret_arn(owner)
    connection_id = create_connection(client)
    before = _state(client, connection_id)
    error = expect_error(lambda: client.associate_mac_sec_key(connectionId=connection_id, secretARN=secret_arn),
                         contains=[SECRET_NOT_FOUND])
    _assert_names_target_or_secret(error, connection_id, secret_arn)
    assert _state(client, connection_id) == before


def test_check10_secret_of_another_region_is_refused(dx, account):
    east = dx(account=account, region="us-east-1")
    west = dx(account=account, region="us-west-2")
    secret_arn, _ = _donor_secret_arn(east)
    connection_id = create_connection(west, location="EqSe2")
    before = _state(west, connection_id)
    error = expect_error(lambda: west.associate_mac_sec_key(connectionId=connection_id, secretARN=secret_arn),
                         contains=[SECRET_NOT_FOUND])
    _assert_names_target_or_secret(error, connection_id, secret_arn)
    assert _state(west, connection_id) == before


def test_check10_secret_arn_that_does_not_exist_is_refused(client, account):
    ckn = random_hex64()
    secret_arn = (f"arn:aws:secretsmanager:us-east-1:{account}:secret:"
                  f"directconnect!prod/us-east-1/directconnect/{ckn}-AbC123")
    connection_id = create_connection(client)
    before = _state(client, connection_id)
    error = expect_error(lambda: client.associate_mac_sec_key(connectionId=connection_id, secretARN=secret_arn),
                         contains=[SECRET_NOT_FOUND])
    _assert_names_target_or_secret(error, connection_id, secret_arn)
    assert _state(client, connection_id) == before


def test_check10_secret_arn_with_wrong_suffix_is_refused(client):
    secret_arn, _ = _donor_secret_arn(client)
    wrong = secret_arn[:-6] + ("ZZZZZZ" if not secret_arn.endswith("ZZZZZZ") else "YYYYYY")
    connection_id = create_connection(client)
    before = _state(client, connection_id)
    error = expect_error(lambda: client.associate_mac_sec_key(connectionId=connection_id, secretARN=wrong),
                         contains=[SECRET_NOT_FOUND])
    _assert_names_target_or_secret(error, connection_id, wrong)
    assert _state(client, connection_id) == before


def test_check10_garbage_secret_arn_is_refused(client):
    connection_id = create_connection(client)
    before = _state(client, connection_id)
    expect_error(lambda: client.associate_mac_sec_key(connectionId=connection_id, secretARN="not-an-arn"),
                 contains=[SECRET_NOT_FOUND, connection_id])
    assert _state(client, connection_id) == before


# --------------------------------------------------------------------------------------
# The effect of a successful association
# --------------------------------------------------------------------------------------


def test_associate_with_ckn_cak_returns_connection_id_and_keychain(client, account):
    connection_id = create_connection(client)
    ckn, cak = random_hex64(), random_hex64()
    response = client.associate_mac_sec_key(connectionId=connection_id, ckn=ckn, cak=cak)
    assert response["connectionId"] == connection_id
    (key,) = response["macSecKeys"]
    assert key["ckn"].lower() == ckn
    # SPEC 4: the key is appended `associating`, even with the default settle time of 0 ...
    assert key["state"] == "associating"
    assert secret_arn_pattern("us-east-1", account, ckn).match(key["secretARN"]), key["secretARN"]
    assert_start_on_recent(key["startOn"])
    # ... and the next read sees it settled (SPEC 5).
    assert key_with_ckn(describe_connection(client, connection_id), ckn)["state"] == "associated"


def test_associated_key_settles_immediately_by_default(client):
    connection_id = create_connection(client)
    response, ckn, _ = associate_key(client, connection_id)
    assert [k["state"] for k in response["macSecKeys"]] == ["associating"]
    connection = describe_connection(client, connection_id)
    (key,) = keys_of(connection)
    assert key["state"] == "associated"
    assert key["ckn"].lower() == ckn
    assert key["secretARN"] == response["macSecKeys"][0]["secretARN"]
    assert key["startOn"] == response["macSecKeys"][0]["startOn"]
    assert connection["connectionState"] == "available"


def test_new_key_is_appended_as_the_last_element(client):
    connection_id = create_connection(client)
    ckns = []
    for _ in range(3):
        response, ckn, _ = associate_key(client, connection_id)
        ckns.append(ckn)
        assert response["macSecKeys"][-1]["ckn"].lower() == ckn
        assert [k["ckn"].lower() for k in response["macSecKeys"]] == ckns, "response lists the whole keychain"
        # The new (last) key is answered `associating`; the older ones keep their own state.
        assert [k["state"] for k in response["macSecKeys"]] == ["associated"] * (len(ckns) - 1) + ["associating"]
        described = keys_of(describe_connection(client, connection_id))
        assert [k["ckn"].lower() for k in described] == ckns
        assert [k["state"] for k in described] == ["associated"] * len(ckns)


def test_older_keys_stay_after_rotation(client):
    connection_id = create_connection(client)
    first, first_ckn, _ = associate_key(client, connection_id)
    second, second_ckn, _ = associate_key(client, connection_id)
    assert [(k["ckn"].lower(), k["state"]) for k in second["macSecKeys"]] == \
        [(first_ckn, "associated"), (second_ckn, "associating")]
    keys = keys_of(describe_connection(client, connection_id))
    assert len(keys) == 2
    assert keys[0]["ckn"].lower() == first_ckn
    assert keys[0]["secretARN"] == first["macSecKeys"][0]["secretARN"]
    assert all(k["state"] == "associated" for k in keys)


def test_associate_by_secret_arn_after_disassociation_reuses_the_secret(client):
    connection_id = create_connection(client)
    response, ckn, _ = associate_key(client, connection_id)
    key = response["macSecKeys"][0]
    client.disassociate_mac_sec_key(connectionId=connection_id, secretARN=key["secretARN"])
    again = client.associate_mac_sec_key(connectionId=connection_id, secretARN=key["secretARN"])
    (new_key,) = again["macSecKeys"]
    assert new_key["secretARN"] == key["secretARN"]
    assert new_key["ckn"].lower() == ckn
    assert new_key["state"] == "associating"
    assert key_with_ckn(describe_connection(client, connection_id), ckn)["state"] == "associated"


def test_associate_by_secret_arn_on_another_target(client):
    secret_arn, ckn = _donor_secret_arn(client)
    connection_id = create_connection(client)
    response = client.associate_mac_sec_key(connectionId=connection_id, secretARN=secret_arn)
    (key,) = response["macSecKeys"]
    assert key["secretARN"] == secret_arn
    assert key["ckn"].lower() == ckn
    assert key["state"] == "associating"
    assert_start_on_recent(key["startOn"])
    assert key_with_ckn(describe_connection(client, connection_id), ckn)["state"] == "associated"


def test_associate_on_lag_appears_on_every_member(client):
    lag = create_lag(client, count=3)
    lag_id = lag["lagId"]
    response, ckn, _ = associate_key(client, lag_id)
    assert response["connectionId"] == lag_id
    assert [(k["ckn"].lower(), k["state"]) for k in response["macSecKeys"]] == [(ckn, "associating")]
    lag_now = describe_lag(client, lag_id)
    assert ckns_of(lag_now) == [ckn]
    assert keys_of(lag_now)[0]["state"] == "associated"
    assert len(lag_now["connections"]) == 3
    for member in lag_now["connections"]:
        assert keys_of(member) == keys_of(lag_now), member
        assert ckns_of(describe_connection(client, member["connectionId"])) == [ckn]


def test_associate_on_macsec_interconnect(client):
    interconnect_id = client.create_interconnect(
        interconnectName=unique_name("ic"), bandwidth="10Gbps", location="EqDC2", requestMACSec=True
    )["interconnectId"]
    wait_until(lambda: describe_interconnect(client, interconnect_id)["interconnectState"] == "available")
    response, ckn, _ = associate_key(client, interconnect_id)
    assert response["connectionId"] == interconnect_id
    assert [(k["ckn"].lower(), k["state"]) for k in response["macSecKeys"]] == [(ckn, "associating")]
    interconnect = describe_interconnect(client, interconnect_id)
    assert [(k["ckn"].lower(), k["state"]) for k in keys_of(interconnect)] == [(ckn, "associated")]


def test_cak_never_appears_in_the_response(client):
    connection_id = create_connection(client)
    ckn, cak = random_hex64(), random_hex64()
    response = client.associate_mac_sec_key(connectionId=connection_id, ckn=ckn, cak=cak)
    text = json.dumps(response, default=str).lower()
    assert cak not in text
    assert "cak" not in {k.lower() for key in response["macSecKeys"] for k in key}
    described = json.dumps(client.describe_connections(connectionId=connection_id), default=str).lower()
    assert cak not in described


def test_associating_makes_encryption_up(client):
    connection_id = create_connection(client)
    assert describe_connection(client, connection_id)["portEncryptionStatus"] == "Encryption Down"
    associate_key(client, connection_id)
    assert describe_connection(client, connection_id)["portEncryptionStatus"] == "Encryption Up"


def test_associate_in_another_region_uses_that_region_in_the_secret(dx, account):
    frankfurt = dx(account=account, region="eu-central-1")
    connection_id = create_connection(frankfurt, location="EqFA5", bandwidth="400Gbps")
    response, ckn, _ = associate_key(frankfurt, connection_id)
    arn = response["macSecKeys"][0]["secretARN"]
    assert secret_arn_pattern("eu-central-1", account, ckn).match(arn), arn


def test_check_error_is_a_client_exception_with_status_400(client):
    error = expect_error(
        lambda: client.associate_mac_sec_key(connectionId="dxcon-zz00zz00", ckn=random_hex64(), cak=random_hex64())
    )
    assert error.response["Error"]["Code"] == CLIENT_ERROR
