"""SPEC §1: every resource lives in exactly one (account, region) and is invisible elsewhere.

The owner is account 111111111111 in us-east-1. Observers: account 222222222222 in
us-east-1 (another account) and 111111111111 in us-west-2 (another region).
"""

import pytest

from dxhelpers import (
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
    random_hex64,
    unique_name,
    visible_connection_ids,
    visible_interconnect_ids,
    visible_lag_ids,
)

OWNER = ("111111111111", "us-east-1")
OBSERVERS = {
    "other-account": ("222222222222", "us-east-1", "EqDC2"),
    "other-region": ("111111111111", "us-west-2", "EqSe2"),
}


@pytest.fixture
def owner(dx):
    return dx(account=OWNER[0], region=OWNER[1])


@pytest.fixture(params=sorted(OBSERVERS))
def observer(request, dx):
    account, region, location = OBSERVERS[request.param]
    client = dx(account=account, region=region)
    client.home_location = location  # where the observer can create its own resources
    return client


@pytest.fixture
def owned(owner):
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
        "connection_arn": connection_arn(*reversed(OWNER), connection_id),
        "secret": response["macSecKeys"][0]["secretARN"],
        "ckn": ckn,
        "lag": lag["lagId"],
        "lag_arn": lag_arn(*reversed(OWNER), lag["lagId"]),
        "lag_secret": lag_response["macSecKeys"][0]["secretARN"],
        "lag_ckn": lag_ckn,
        "members": [m["connectionId"] for m in lag["connections"]],
        "interconnect": interconnect_id,
    }


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
# Describe* omit foreign resources
# --------------------------------------------------------------------------------------


def test_describe_connections_omits_foreign_connections(observer, owned):
    foreign = {owned["connection"], *owned["members"]}
    assert not (visible_connection_ids(observer) & foreign)
    for connection_id in foreign:
        assert visible_connection_ids(observer, connection_id) == set()


def test_describe_lags_omits_foreign_lags(observer, owned):
    assert owned["lag"] not in visible_lag_ids(observer)
    assert visible_lag_ids(observer, owned["lag"]) == set()


def test_describe_interconnects_omits_foreign_interconnects(observer, owned):
    assert owned["interconnect"] not in visible_interconnect_ids(observer)
    assert visible_interconnect_ids(observer, owned["interconnect"]) == set()


def test_owner_still_sees_everything(owner, owned):
    assert owned["connection"] in visible_connection_ids(owner)
    assert owned["lag"] in visible_lag_ids(owner)
    assert owned["interconnect"] in visible_interconnect_ids(owner)


# --------------------------------------------------------------------------------------
# Associate / Disassociate say "not found"
# --------------------------------------------------------------------------------------


def test_associate_key_on_foreign_connection_is_not_found(observer, owner, owned):
    expect_error(
        lambda: observer.associate_mac_sec_key(connectionId=owned["connection"], ckn=random_hex64(), cak=random_hex64()),
        contains=[f"Could not find Connection with ID {owned['connection']}"],
    )
    _assert_owner_unchanged(owner, owned)


def test_associate_key_on_foreign_lag_is_not_found(observer, owner, owned):
    expect_error(
        lambda: observer.associate_mac_sec_key(connectionId=owned["lag"], ckn=random_hex64(), cak=random_hex64()),
        contains=[f"Could not find Lag with ID {owned['lag']}"],
    )
    _assert_owner_unchanged(owner, owned)


def test_associate_foreign_secret_on_foreign_connection_is_not_found(observer, owner, owned):
    expect_error(
        lambda: observer.associate_mac_sec_key(connectionId=owned["connection"], secretARN=owned["lag_secret"]),
        contains=[f"Could not find Connection with ID {owned['connection']}"],
    )
    _assert_owner_unchanged(owner, owned)


def test_associate_foreign_secret_on_own_connection_is_refused(observer, owner, owned):
    mine = create_connection(observer, location=observer.home_location)
    expect_error(lambda: observer.associate_mac_sec_key(connectionId=mine, secretARN=owned["secret"]))
    assert keys_of(describe_connection(observer, mine)) == []
    _assert_owner_unchanged(owner, owned)


def test_disassociate_key_on_foreign_connection_is_not_found(observer, owner, owned):
    expect_error(
        lambda: observer.disassociate_mac_sec_key(connectionId=owned["connection"], secretARN=owned["secret"]),
        contains=[f"Could not find Connection with ID {owned['connection']}"],
    )
    expect_error(
        lambda: observer.disassociate_mac_sec_key(connectionId=owned["lag"], secretARN=owned["lag_secret"]),
        contains=[f"Could not find Lag with ID {owned['lag']}"],
    )
    _assert_owner_unchanged(owner, owned)


# --------------------------------------------------------------------------------------
# Update / Delete / LAG membership / Tags say "not found"
# --------------------------------------------------------------------------------------


def test_update_foreign_connection_is_not_found(observer, owner, owned):
    expect_error(lambda: observer.update_connection(connectionId=owned["connection"], connectionName="hijacked"),
                 contains=[owned["connection"]])
    expect_error(lambda: observer.update_connection(connectionId=owned["connection"], encryptionMode="must_encrypt"),
                 contains=[owned["connection"]])
    _assert_owner_unchanged(owner, owned)


def test_update_foreign_lag_is_not_found(observer, owner, owned):
    expect_error(lambda: observer.update_lag(lagId=owned["lag"], encryptionMode="must_encrypt"),
                 contains=[owned["lag"]])
    _assert_owner_unchanged(owner, owned)


def test_delete_foreign_resources_is_not_found(observer, owner, owned):
    expect_error(lambda: observer.delete_connection(connectionId=owned["connection"]), contains=[owned["connection"]])
    expect_error(lambda: observer.delete_lag(lagId=owned["lag"]), contains=[owned["lag"]])
    expect_error(lambda: observer.delete_interconnect(interconnectId=owned["interconnect"]),
                 contains=[owned["interconnect"]])
    _assert_owner_unchanged(owner, owned)


def test_foreign_lag_membership_changes_are_not_found(observer, owner, owned):
    mine = create_connection(observer, location=observer.home_location)
    my_lag = create_lag(observer, count=1, location=observer.home_location)["lagId"]
    expect_error(lambda: observer.associate_connection_with_lag(connectionId=mine, lagId=owned["lag"]))
    expect_error(lambda: observer.associate_connection_with_lag(connectionId=owned["connection"], lagId=my_lag))
    expect_error(lambda: observer.disassociate_connection_from_lag(connectionId=owned["members"][0],
                                                                   lagId=owned["lag"]))
    assert "lagId" not in describe_connection(observer, mine)
    _assert_owner_unchanged(owner, owned)


def test_tagging_foreign_resources_is_not_found(observer, owner, owned):
    expect_error(lambda: observer.tag_resource(resourceArn=owned["connection_arn"],
                                               tags=[{"key": "owner", "value": "two"}]))
    expect_error(lambda: observer.tag_resource(resourceArn=owned["lag_arn"], tags=[{"key": "x", "value": "y"}]))
    expect_error(lambda: observer.untag_resource(resourceArn=owned["connection_arn"], tagKeys=["owner"]))
    _assert_owner_unchanged(owner, owned)
    assert describe_lag(owner, owned["lag"]).get("tags", []) == []


def test_describe_tags_does_not_reveal_foreign_tags(observer, owned):
    try:
        entries = observer.describe_tags(resourceArns=[owned["connection_arn"]])["resourceTags"]
    except observer.exceptions.DirectConnectClientException:
        return
    for entry in entries:
        assert {"key": "owner", "value": "one"} not in entry.get("tags", []), entries


def test_creating_into_foreign_resources_is_not_found(observer, owner, owned):
    """CreateLag converting a foreign connection, and new ports joining a foreign LAG, see nothing."""
    location = observer.home_location
    expect_error(lambda: observer.create_lag(numberOfConnections=1, location=location, connectionsBandwidth="10Gbps",
                                             lagName=unique_name("lag"), connectionId=owned["connection"],
                                             requestMACSec=True), contains=[owned["connection"]])
    expect_error(lambda: observer.create_connection(location=location, bandwidth="10Gbps",
                                                    connectionName=unique_name("c"), lagId=owned["lag"],
                                                    requestMACSec=True), contains=[owned["lag"]])
    expect_error(lambda: observer.create_interconnect(interconnectName=unique_name("ic"), bandwidth="10Gbps",
                                                      location=location, lagId=owned["lag"], requestMACSec=True),
                 contains=[owned["lag"]])
    assert owned["lag"] not in visible_lag_ids(observer)
    _assert_owner_unchanged(owner, owned)


def test_untagging_foreign_resources_is_not_found(observer, owner, owned):
    for arn in (owned["connection_arn"], owned["lag_arn"]):
        expect_error(lambda arn=arn: observer.untag_resource(resourceArn=arn, tagKeys=["owner"]))
    _assert_owner_unchanged(owner, owned)
