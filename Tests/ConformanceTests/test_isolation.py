"""SPEC §1: every resource lives in exactly one (account, region) and is invisible elsewhere.

The owner is a fresh account in us-east-1 (one per test). Observers: a fresh other account in
us-east-1 (another account) and the owner's account in us-west-2 (another region).

Every refused call names the resource as not found with the message the server gives for an ID
that does not exist (`Could not find Connection with ID <id>`, `Could not find Lag with ID <id>`,
`Could not find Interconnect with ID <id>`; an ARN of another scope: `Could not find a Direct
Connect resource with ARN <arn>`), and is followed by a check that nothing changed, in either
service, for the owner and for the observer (dxhelpers.account_snapshot): a refused association
leaves no secret behind, a refused tag no tag, a refused update no state.
"""

import pytest

from dxhelpers import (
    account_snapshot,
    associate_key,
    ckns_of,
    connection_arn,
    create_connection,
    create_lag,
    describe_connection,
    describe_interconnect,
    describe_lag,
    expect_error,
    keys_of,
    lag_arn,
    random_account,
    random_hex64,
    unique_name,
    visible_connection_ids,
    visible_interconnect_ids,
    visible_lag_ids,
)

OWNER_REGION = "us-east-1"
OBSERVERS = {
    # name: (same account as the owner?, region, a location of that region with MACsec at 10G)
    "other-account": (False, "us-east-1", "EqDC2"),
    "other-region": (True, "us-west-2", "EqSe2"),
}


def no_connection(resource_id):
    return f"Could not find Connection with ID {resource_id}"


def no_lag(resource_id):
    return f"Could not find Lag with ID {resource_id}"


def no_interconnect(resource_id):
    return f"Could not find Interconnect with ID {resource_id}"


def no_arn(arn):
    return f"Could not find a Direct Connect resource with ARN {arn}"


@pytest.fixture
def owner_account():
    return random_account()


@pytest.fixture
def owner(dx, owner_account):
    return dx(account=owner_account, region=OWNER_REGION)


@pytest.fixture
def owner_sm(sm, owner_account):
    return sm(account=owner_account, region=OWNER_REGION)


@pytest.fixture(params=sorted(OBSERVERS))
def observer(request, dx, sm, owner_account):
    same_account, region, location = OBSERVERS[request.param]
    account = owner_account if same_account else random_account()
    client = dx(account=account, region=region)
    client.home_location = location  # where the observer can create its own resources
    client.account = account
    client.sm = sm(account=account, region=region)
    return client


@pytest.fixture
def owned(owner, owner_account):
    """A MACsec connection with a key and a tag, a MACsec LAG with a key, an interconnect."""
    connection_id = create_connection(owner, tags=[{"key": "owner", "value": "one"}])
    response, ckn, _ = associate_key(owner, connection_id)
    lag = create_lag(owner, count=2)
    lag_response, lag_ckn, _ = associate_key(owner, lag["lagId"])
    interconnect_id = owner.create_interconnect(
        interconnectName=unique_name("ic"), bandwidth="10Gbps", location="EqDC2", requestMACSec=True
    )["interconnectId"]
    return {
        "connection": connection_id,
        "connection_arn": connection_arn(OWNER_REGION, owner_account, connection_id),
        "secret": response["macSecKeys"][0]["secretARN"],
        "ckn": ckn,
        "lag": lag["lagId"],
        "lag_arn": lag_arn(OWNER_REGION, owner_account, lag["lagId"]),
        "lag_secret": lag_response["macSecKeys"][0]["secretARN"],
        "lag_ckn": lag_ckn,
        "members": [m["connectionId"] for m in lag["connections"]],
        "interconnect": interconnect_id,
    }


def _world(owner, owner_sm, observer) -> dict:
    """Both scopes, both services: what a refused call must leave exactly as it was."""
    return {"owner": account_snapshot(owner, owner_sm), "observer": account_snapshot(observer, observer.sm)}


def _assert_owner_unchanged(owner, owned):
    connection = describe_connection(owner, owned["connection"])
    assert connection["connectionState"] == "available"
    assert connection["connectionName"]
    assert connection["encryptionMode"] == "should_encrypt"
    assert ckns_of(connection) == [owned["ckn"]]
    assert connection["tags"] == [{"key": "owner", "value": "one"}]
    lag = describe_lag(owner, owned["lag"])
    assert lag["lagState"] == "available"
    assert lag["encryptionMode"] == "should_encrypt"
    assert ckns_of(lag) == [owned["lag_ckn"]]
    assert {m["connectionId"] for m in lag["connections"]} == set(owned["members"])
    assert describe_interconnect(owner, owned["interconnect"])["interconnectState"] != "deleted"


# --------------------------------------------------------------------------------------
# The snapshot sees what it must compare
# --------------------------------------------------------------------------------------


def test_snapshot_holds_every_owned_resource_and_secret(owner, owner_sm, owned):
    """account_snapshot is not vacuous: it holds the owner's ports, tags and both managed secrets."""
    snapshot = account_snapshot(owner, owner_sm)
    assert {c["connectionId"] for c in snapshot["connections"]} == {owned["connection"], *owned["members"]}
    assert [lag["lagId"] for lag in snapshot["lags"]] == [owned["lag"]]
    assert [i["interconnectId"] for i in snapshot["interconnects"]] == [owned["interconnect"]]
    assert snapshot["tags"][owned["connection_arn"]] == [{"key": "owner", "value": "one"}]
    assert set(snapshot["secrets"]) == {owned["secret"], owned["lag_secret"]}
    assert [e["ARN"] for e in snapshot["secret_list"]] == sorted([owned["secret"], owned["lag_secret"]])
    assert all(s["OwningService"] == "directconnect" for s in snapshot["secrets"].values())


# --------------------------------------------------------------------------------------
# Describe* omit foreign resources
# --------------------------------------------------------------------------------------


def test_describe_connections_omits_foreign_connections(observer, owned):
    foreign = {owned["connection"], *owned["members"]}
    assert not (visible_connection_ids(observer) & foreign)
    for connection_id in foreign:
        expect_error(lambda: observer.describe_connections(connectionId=connection_id),
                     contains=[no_connection(connection_id)])


def test_describe_lags_omits_foreign_lags(observer, owned):
    assert owned["lag"] not in visible_lag_ids(observer)
    expect_error(lambda: observer.describe_lags(lagId=owned["lag"]), contains=[no_lag(owned["lag"])])


def test_describe_interconnects_omits_foreign_interconnects(observer, owned):
    assert owned["interconnect"] not in visible_interconnect_ids(observer)
    expect_error(lambda: observer.describe_interconnects(interconnectId=owned["interconnect"]),
                 contains=[no_interconnect(owned["interconnect"])])


def test_owner_still_sees_everything(owner, owned):
    assert owned["connection"] in visible_connection_ids(owner)
    assert owned["lag"] in visible_lag_ids(owner)
    assert owned["interconnect"] in visible_interconnect_ids(owner)


# --------------------------------------------------------------------------------------
# Associate / Disassociate say "not found"
# --------------------------------------------------------------------------------------


def test_associate_key_on_foreign_connection_is_not_found(observer, owner, owner_sm, owned):
    before = _world(owner, owner_sm, observer)
    for target in (owned["connection"], owned["interconnect"]):
        expect_error(
            lambda: observer.associate_mac_sec_key(connectionId=target, ckn=random_hex64(), cak=random_hex64()),
            contains=[no_connection(target)],
        )
    assert _world(owner, owner_sm, observer) == before, "a refused association changed something (a secret?)"
    _assert_owner_unchanged(owner, owned)


def test_associate_key_on_foreign_lag_is_not_found(observer, owner, owner_sm, owned):
    before = _world(owner, owner_sm, observer)
    expect_error(
        lambda: observer.associate_mac_sec_key(connectionId=owned["lag"], ckn=random_hex64(), cak=random_hex64()),
        contains=[no_lag(owned["lag"])],
    )
    assert _world(owner, owner_sm, observer) == before, "a refused association changed something (a secret?)"
    _assert_owner_unchanged(owner, owned)


def test_associate_the_owners_ckn_on_a_foreign_connection_is_not_found(observer, owner, owner_sm, owned):
    """The owner's own CKN (whose managed secret exists in the owner's scope) changes nothing either."""
    before = _world(owner, owner_sm, observer)
    expect_error(
        lambda: observer.associate_mac_sec_key(connectionId=owned["connection"], ckn=owned["lag_ckn"],
                                               cak=random_hex64()),
        contains=[no_connection(owned["connection"])],
    )
    assert _world(owner, owner_sm, observer) == before
    _assert_owner_unchanged(owner, owned)


def test_associate_foreign_secret_on_foreign_connection_is_not_found(observer, owner, owner_sm, owned):
    before = _world(owner, owner_sm, observer)
    expect_error(
        lambda: observer.associate_mac_sec_key(connectionId=owned["connection"], secretARN=owned["lag_secret"]),
        contains=[no_connection(owned["connection"])],
    )
    expect_error(
        lambda: observer.associate_mac_sec_key(connectionId=owned["lag"], secretARN=owned["secret"]),
        contains=[no_lag(owned["lag"])],
    )
    assert _world(owner, owner_sm, observer) == before
    _assert_owner_unchanged(owner, owned)


def test_associate_foreign_secret_on_own_connection_is_refused(observer, owner, owner_sm, owned):
    mine = create_connection(observer, location=observer.home_location)
    before = _world(owner, owner_sm, observer)
    for arn in (owned["secret"], owned["lag_secret"]):
        expect_error(lambda: observer.associate_mac_sec_key(connectionId=mine, secretARN=arn),
                     contains=[f"The secret {arn} was not found", mine])
    assert keys_of(describe_connection(observer, mine)) == []
    assert _world(owner, owner_sm, observer) == before
    _assert_owner_unchanged(owner, owned)


def test_the_owners_ckn_in_another_scope_is_another_secret(observer, owner, owner_sm, owned):
    """Associating the owner's CKN on the observer's own connection makes the observer's own secret;
    the owner's secret and keys stay as they were."""
    mine = create_connection(observer, location=observer.home_location)
    owner_before = account_snapshot(owner, owner_sm)
    response = observer.associate_mac_sec_key(connectionId=mine, ckn=owned["ckn"], cak=random_hex64())
    theirs = response["macSecKeys"][-1]["secretARN"]
    assert theirs != owned["secret"]
    assert f":{observer.account}:" in theirs and f":{observer.meta.region_name}:" in theirs, theirs
    assert ckns_of(describe_connection(observer, mine)) == [owned["ckn"]]
    assert [e["ARN"] for e in account_snapshot(observer, observer.sm)["secret_list"]] == [theirs]
    assert account_snapshot(owner, owner_sm) == owner_before


def test_disassociate_key_on_foreign_connection_is_not_found(observer, owner, owner_sm, owned):
    before = _world(owner, owner_sm, observer)
    expect_error(
        lambda: observer.disassociate_mac_sec_key(connectionId=owned["connection"], secretARN=owned["secret"]),
        contains=[no_connection(owned["connection"])],
    )
    expect_error(
        lambda: observer.disassociate_mac_sec_key(connectionId=owned["lag"], secretARN=owned["lag_secret"]),
        contains=[no_lag(owned["lag"])],
    )
    expect_error(
        lambda: observer.disassociate_mac_sec_key(connectionId=owned["members"][0], secretARN=owned["lag_secret"]),
        contains=[no_connection(owned["members"][0])],
    )
    assert _world(owner, owner_sm, observer) == before
    _assert_owner_unchanged(owner, owned)


def test_disassociate_foreign_secret_from_own_connection_is_refused(observer, owner, owner_sm, owned):
    mine = create_connection(observer, location=observer.home_location)
    associate_key(observer, mine)
    before = _world(owner, owner_sm, observer)
    expect_error(lambda: observer.disassociate_mac_sec_key(connectionId=mine, secretARN=owned["secret"]),
                 contains=[f"The secret {owned['secret']} is not associated with {mine}"])
    assert _world(owner, owner_sm, observer) == before
    _assert_owner_unchanged(owner, owned)


# --------------------------------------------------------------------------------------
# Update / Delete say "not found"
# --------------------------------------------------------------------------------------


def test_update_foreign_connection_is_not_found(observer, owner, owner_sm, owned):
    before = _world(owner, owner_sm, observer)
    for target in (owned["connection"], owned["members"][0], owned["interconnect"]):
        for change in ({"connectionName": "hijacked"}, {"encryptionMode": "must_encrypt"},
                       {"encryptionMode": "no_encrypt"}, {}):
            expect_error(lambda: observer.update_connection(connectionId=target, **change),
                         contains=[no_connection(target)])
    assert _world(owner, owner_sm, observer) == before
    _assert_owner_unchanged(owner, owned)


def test_update_foreign_lag_is_not_found(observer, owner, owner_sm, owned):
    before = _world(owner, owner_sm, observer)
    for change in ({"encryptionMode": "must_encrypt"}, {"lagName": "hijacked"}, {"minimumLinks": 1}, {}):
        expect_error(lambda: observer.update_lag(lagId=owned["lag"], **change), contains=[no_lag(owned["lag"])])
    assert _world(owner, owner_sm, observer) == before
    _assert_owner_unchanged(owner, owned)


def test_delete_foreign_connection_is_not_found(observer, owner, owner_sm, owned):
    before = _world(owner, owner_sm, observer)
    for target in (owned["connection"], owned["members"][0], owned["interconnect"]):
        expect_error(lambda: observer.delete_connection(connectionId=target), contains=[no_connection(target)])
    assert _world(owner, owner_sm, observer) == before
    _assert_owner_unchanged(owner, owned)


def test_delete_foreign_lag_is_not_found(observer, owner, owner_sm, owned):
    before = _world(owner, owner_sm, observer)
    expect_error(lambda: observer.delete_lag(lagId=owned["lag"]), contains=[no_lag(owned["lag"])])
    assert _world(owner, owner_sm, observer) == before
    _assert_owner_unchanged(owner, owned)


def test_delete_foreign_interconnect_is_not_found(observer, owner, owner_sm, owned):
    before = _world(owner, owner_sm, observer)
    expect_error(lambda: observer.delete_interconnect(interconnectId=owned["interconnect"]),
                 contains=[no_interconnect(owned["interconnect"])])
    assert _world(owner, owner_sm, observer) == before
    _assert_owner_unchanged(owner, owned)


# --------------------------------------------------------------------------------------
# LAG membership says "not found"
# --------------------------------------------------------------------------------------


@pytest.fixture
def observers_own(observer):
    """The observer's own MACsec connection and a one-member MACsec LAG, where it can make them."""
    location = observer.home_location
    lag = create_lag(observer, count=1, location=location)
    return {
        "connection": create_connection(observer, location=location),
        "lag": lag["lagId"],
        "member": lag["connections"][0]["connectionId"],
    }


def test_joining_own_connection_to_a_foreign_lag_is_not_found(observer, owner, owner_sm, owned, observers_own):
    before = _world(owner, owner_sm, observer)
    mine = observers_own["connection"]
    expect_error(lambda: observer.associate_connection_with_lag(connectionId=mine, lagId=owned["lag"]),
                 contains=[no_lag(owned["lag"])])
    assert _world(owner, owner_sm, observer) == before
    assert "lagId" not in describe_connection(observer, mine)
    _assert_owner_unchanged(owner, owned)


def test_joining_a_foreign_connection_to_any_lag_is_not_found(observer, owner, owner_sm, owned, observers_own):
    before = _world(owner, owner_sm, observer)
    for connection_id in (owned["connection"], owned["interconnect"]):
        for lag_id in (observers_own["lag"], owned["lag"]):
            expect_error(
                lambda: observer.associate_connection_with_lag(connectionId=connection_id, lagId=lag_id),
                contains=[no_connection(connection_id)],
            )
    assert _world(owner, owner_sm, observer) == before
    _assert_owner_unchanged(owner, owned)


def test_removing_a_foreign_member_is_not_found(observer, owner, owner_sm, owned, observers_own):
    before = _world(owner, owner_sm, observer)
    member = owned["members"][0]
    for lag_id in (owned["lag"], observers_own["lag"]):
        expect_error(lambda: observer.disassociate_connection_from_lag(connectionId=member, lagId=lag_id),
                     contains=[no_connection(member)])
    assert _world(owner, owner_sm, observer) == before
    _assert_owner_unchanged(owner, owned)


def test_removing_own_connection_from_a_foreign_lag_is_not_found(observer, owner, owner_sm, owned, observers_own):
    before = _world(owner, owner_sm, observer)
    for connection_id in (observers_own["connection"], observers_own["member"]):
        expect_error(
            lambda: observer.disassociate_connection_from_lag(connectionId=connection_id, lagId=owned["lag"]),
            contains=[no_lag(owned["lag"])],
        )
    assert _world(owner, owner_sm, observer) == before
    assert describe_connection(observer, observers_own["member"])["lagId"] == observers_own["lag"]
    _assert_owner_unchanged(owner, owned)


# --------------------------------------------------------------------------------------
# Tags say "not found"
# --------------------------------------------------------------------------------------


def test_tagging_foreign_arns_is_not_found(observer, owner, owner_sm, owned):
    before = _world(owner, owner_sm, observer)
    for arn in (owned["connection_arn"], owned["lag_arn"]):
        expect_error(lambda: observer.tag_resource(resourceArn=arn, tags=[{"key": "owner", "value": "two"}]),
                     contains=[no_arn(arn)])
        expect_error(lambda: observer.tag_resource(resourceArn=arn, tags=[{"key": "new", "value": "tag"}]),
                     contains=[no_arn(arn)])
    assert _world(owner, owner_sm, observer) == before
    _assert_owner_unchanged(owner, owned)
    assert describe_lag(owner, owned["lag"]).get("tags", []) == []


def test_untagging_foreign_arns_is_not_found(observer, owner, owner_sm, owned):
    before = _world(owner, owner_sm, observer)
    for arn in (owned["connection_arn"], owned["lag_arn"]):
        expect_error(lambda: observer.untag_resource(resourceArn=arn, tagKeys=["owner"]), contains=[no_arn(arn)])
    assert _world(owner, owner_sm, observer) == before
    _assert_owner_unchanged(owner, owned)


def test_describe_tags_of_foreign_arns_is_not_found(observer, owner, owner_sm, owned):
    before = _world(owner, owner_sm, observer)
    for arn in (owned["connection_arn"], owned["lag_arn"]):
        expect_error(lambda: observer.describe_tags(resourceArns=[arn]), contains=[no_arn(arn)])
    assert _world(owner, owner_sm, observer) == before


def test_foreign_ids_in_the_observers_own_arns_are_not_found(observer, owner, owner_sm, owned):
    """The owner's IDs put into ARNs of the observer's own account and region name nothing there."""
    region, account = observer.meta.region_name, observer.account
    targets = [
        (connection_arn(region, account, owned["connection"]), no_connection(owned["connection"])),
        (connection_arn(region, account, owned["members"][0]), no_connection(owned["members"][0])),
        (lag_arn(region, account, owned["lag"]), no_lag(owned["lag"])),
    ]
    before = _world(owner, owner_sm, observer)
    for arn, message in targets:
        expect_error(lambda: observer.tag_resource(resourceArn=arn, tags=[{"key": "owner", "value": "two"}]),
                     contains=[message])
        expect_error(lambda: observer.untag_resource(resourceArn=arn, tagKeys=["owner"]), contains=[message])
        expect_error(lambda: observer.describe_tags(resourceArns=[arn]), contains=[message])
    assert _world(owner, owner_sm, observer) == before
    _assert_owner_unchanged(owner, owned)


# --------------------------------------------------------------------------------------
# Creating into foreign resources says "not found"
# --------------------------------------------------------------------------------------


def test_creating_into_foreign_resources_is_not_found(observer, owner, owner_sm, owned):
    """CreateLag converting a foreign connection, and new ports joining a foreign LAG, see nothing."""
    location = observer.home_location
    before = _world(owner, owner_sm, observer)
    expect_error(lambda: observer.create_lag(numberOfConnections=1, location=location, connectionsBandwidth="10Gbps",
                                             lagName=unique_name("lag"), connectionId=owned["connection"],
                                             requestMACSec=True), contains=[no_connection(owned["connection"])])
    expect_error(lambda: observer.create_connection(location=location, bandwidth="10Gbps",
                                                    connectionName=unique_name("c"), lagId=owned["lag"],
                                                    requestMACSec=True), contains=[no_lag(owned["lag"])])
    expect_error(lambda: observer.create_interconnect(interconnectName=unique_name("ic"), bandwidth="10Gbps",
                                                      location=location, lagId=owned["lag"], requestMACSec=True),
                 contains=[no_lag(owned["lag"])])
    assert _world(owner, owner_sm, observer) == before, "a refused create left something behind"
    _assert_owner_unchanged(owner, owned)
