"""Tags (SPEC §1 error codes, §2 `tags` member): TagResource, UntagResource, DescribeTags."""

import pytest

from dxhelpers import (
    account_snapshot,
    associate_key,
    connection_arn,
    create_connection,
    create_lag,
    describe_connection,
    describe_lag,
    expect_error,
    lag_arn,
    unique_name,
)


@pytest.fixture
def snapshot(client, secrets_client):
    """snapshot() -> both services' view of the test's account and region (dxhelpers.account_snapshot)."""
    return lambda: account_snapshot(client, secrets_client)


def _tags_of(client, arn):
    entries = client.describe_tags(resourceArns=[arn])["resourceTags"]
    matching = [e for e in entries if e["resourceArn"] == arn]
    assert len(matching) == 1, entries
    return {t["key"]: t.get("value") for t in matching[0].get("tags", [])}


def test_tags_given_at_create_are_returned(client, account):
    tags = [{"key": "env", "value": "prod"}, {"key": "owner", "value": "net-team"}]
    created = client.create_connection(location="EqDC2", bandwidth="10Gbps", connectionName=unique_name(), tags=tags)
    assert created["tags"] == tags
    assert describe_connection(client, created["connectionId"])["tags"] == tags
    assert _tags_of(client, connection_arn("us-east-1", account, created["connectionId"])) == {
        "env": "prod", "owner": "net-team"}


def test_tag_resource_adds_and_overwrites(client, account):
    connection_id = create_connection(client, macsec=False, tags=[{"key": "a", "value": "1"}])
    arn = connection_arn("us-east-1", account, connection_id)
    client.tag_resource(resourceArn=arn, tags=[{"key": "a", "value": "2"}, {"key": "b", "value": "3"}])
    assert _tags_of(client, arn) == {"a": "2", "b": "3"}
    shown = {t["key"]: t.get("value") for t in describe_connection(client, connection_id)["tags"]}
    assert shown == {"a": "2", "b": "3"}


def test_tags_take_every_character_the_model_allows(client, account):
    """Keys and values of letters and numbers of any script, spaces and _ . : / = + - @ (the model's pattern)."""
    tags = [{"key": "Équipe réseau_1.a:b/c=d+e-f@g", "value": "東京 ٣ ok"}, {"key": "empty", "value": ""}]
    connection_id = create_connection(client, tags=tags)
    arn = connection_arn("us-east-1", account, connection_id)
    (resource,) = client.describe_tags(resourceArns=[arn])["resourceTags"]
    assert resource["tags"] == tags


def test_tag_without_value(client, account):
    connection_id = create_connection(client, macsec=False)
    arn = connection_arn("us-east-1", account, connection_id)
    client.tag_resource(resourceArn=arn, tags=[{"key": "flag"}])
    tags = _tags_of(client, arn)
    assert list(tags) == ["flag"]
    assert tags["flag"] in (None, "")


def test_untag_resource_removes_keys(client, account):
    connection_id = create_connection(
        client, macsec=False, tags=[{"key": "a", "value": "1"}, {"key": "b", "value": "2"}, {"key": "c", "value": "3"}]
    )
    arn = connection_arn("us-east-1", account, connection_id)
    client.untag_resource(resourceArn=arn, tagKeys=["a", "c", "not-there"])
    assert _tags_of(client, arn) == {"b": "2"}


def test_describe_tags_returns_one_entry_per_arn(client, account):
    connection_id = create_connection(client, macsec=False, tags=[{"key": "kind", "value": "con"}])
    lag_id = create_lag(client, count=1, macsec=False, tags=[{"key": "kind", "value": "lag"}])["lagId"]
    arns = [connection_arn("us-east-1", account, connection_id), lag_arn("us-east-1", account, lag_id)]
    entries = client.describe_tags(resourceArns=arns)["resourceTags"]
    by_arn = {e["resourceArn"]: e for e in entries}
    assert set(by_arn) == set(arns)
    assert by_arn[arns[0]]["tags"] == [{"key": "kind", "value": "con"}]
    assert by_arn[arns[1]]["tags"] == [{"key": "kind", "value": "lag"}]


def test_tags_on_a_lag_show_in_describe_lags(client, account):
    lag_id = create_lag(client, count=1)["lagId"]
    client.tag_resource(resourceArn=lag_arn("us-east-1", account, lag_id), tags=[{"key": "x", "value": "y"}])
    assert describe_lag(client, lag_id)["tags"] == [{"key": "x", "value": "y"}]


def test_duplicate_tag_keys_are_refused_and_change_nothing(client, account, snapshot):
    connection_id = create_connection(client, tags=[{"key": "keep", "value": "me"}])
    associate_key(client, connection_id)
    arn = connection_arn("us-east-1", account, connection_id)
    before = snapshot()
    expect_error(
        lambda: client.tag_resource(resourceArn=arn, tags=[{"key": "dup", "value": "1"}, {"key": "dup", "value": "2"}]),
        code="DuplicateTagKeysException", contains=["Tag key dup appears more than once"],
    )
    assert _tags_of(client, arn) == {"keep": "me"}
    assert snapshot() == before


@pytest.mark.parametrize("operation", ["create_connection", "create_lag", "create_interconnect"])
def test_duplicate_tag_keys_at_create_are_refused(client, snapshot, operation):
    associate_key(client, create_connection(client))
    before = snapshot()
    duplicates = [{"key": "dup", "value": "1"}, {"key": "dup", "value": "2"}]
    calls = {
        "create_connection": lambda: client.create_connection(
            location="EqDC2", bandwidth="10Gbps", connectionName=unique_name(), tags=duplicates),
        "create_lag": lambda: client.create_lag(
            numberOfConnections=1, location="EqDC2", connectionsBandwidth="10Gbps", lagName=unique_name(),
            tags=duplicates),
        "create_interconnect": lambda: client.create_interconnect(
            interconnectName=unique_name("ic"), location="EqDC2", bandwidth="10Gbps", tags=duplicates),
    }
    expect_error(calls[operation], code="DuplicateTagKeysException", contains=["Tag key dup appears more than once"])
    assert snapshot() == before


def test_fifty_tags_are_allowed(client, account):
    connection_id = create_connection(client, macsec=False)
    arn = connection_arn("us-east-1", account, connection_id)
    client.tag_resource(resourceArn=arn, tags=[{"key": f"k{i}", "value": str(i)} for i in range(50)])
    assert len(_tags_of(client, arn)) == 50


def test_more_than_fifty_tags_in_one_call_is_refused(client, account, snapshot):
    connection_id = create_connection(client, macsec=False)
    arn = connection_arn("us-east-1", account, connection_id)
    before = snapshot()
    expect_error(
        lambda: client.tag_resource(resourceArn=arn, tags=[{"key": f"k{i}", "value": "v"} for i in range(51)]),
        code="TooManyTagsException", contains=["At most 50 tags are allowed on a resource"],
    )
    assert _tags_of(client, arn) == {}
    assert snapshot() == before


@pytest.mark.parametrize("kind", ["connection", "lag"])
def test_going_over_fifty_tags_in_total_is_refused_and_changes_nothing(client, account, snapshot, kind):
    if kind == "connection":
        resource_id = create_connection(client)
        arn = connection_arn("us-east-1", account, resource_id)
    else:
        resource_id = create_lag(client, count=1)["lagId"]
        arn = lag_arn("us-east-1", account, resource_id)
    associate_key(client, resource_id)
    client.tag_resource(resourceArn=arn, tags=[{"key": f"k{i}", "value": "old"} for i in range(49)])
    before_tags = _tags_of(client, arn)
    before = snapshot()
    expect_error(
        lambda: client.tag_resource(
            resourceArn=arn, tags=[{"key": "k0", "value": "new"}, {"key": "x1", "value": "v"}, {"key": "x2", "value": "v"}]
        ),
        code="TooManyTagsException", contains=[f"{resource_id} would carry 51 tags; at most 50 are allowed"],
    )
    assert _tags_of(client, arn) == before_tags
    assert snapshot() == before


def test_overwriting_at_fifty_tags_is_not_too_many(client, account):
    connection_id = create_connection(client, macsec=False)
    arn = connection_arn("us-east-1", account, connection_id)
    client.tag_resource(resourceArn=arn, tags=[{"key": f"k{i}", "value": "old"} for i in range(50)])
    client.tag_resource(resourceArn=arn, tags=[{"key": "k7", "value": "new"}])
    tags = _tags_of(client, arn)
    assert len(tags) == 50 and tags["k7"] == "new"


@pytest.mark.parametrize("resource_id, message", [
    ("dxcon-none0000", "Could not find Connection with ID dxcon-none0000"),
    ("dxlag-none0000", "Could not find Lag with ID dxlag-none0000"),
])
def test_tag_untag_describe_unknown_resource_is_refused(client, account, snapshot, resource_id, message):
    connection_id = create_connection(client, tags=[{"key": "keep", "value": "me"}])
    associate_key(client, connection_id)
    kind = "dxcon" if resource_id.startswith("dxcon-") else "dxlag"
    arn = f"arn:aws:directconnect:us-east-1:{account}:{kind}/{resource_id}"
    before = snapshot()
    expect_error(lambda: client.tag_resource(resourceArn=arn, tags=[{"key": "a", "value": "b"}]), contains=[message])
    expect_error(lambda: client.untag_resource(resourceArn=arn, tagKeys=["keep"]), contains=[message])
    expect_error(lambda: client.describe_tags(resourceArns=[arn]), contains=[message])
    assert snapshot() == before


@pytest.mark.parametrize("arn", [
    "not-an-arn",
    "arn:aws:ec2:us-east-1:123456789012:instance/i-1234",
    "arn:aws:directconnect:us-east-1:{account}:dxvif/dxvif-ABCD1234",
    "arn:aws:directconnect:us-east-1:{account}:dxcon/dxcon-NONE0000",
    "arn:aws:directconnect:us-east-1:{account}:dxcon/dxlag-none0000",
])
def test_tag_malformed_or_foreign_arn_is_refused(client, account, snapshot, arn):
    arn = arn.format(account=account)
    associate_key(client, create_connection(client, tags=[{"key": "keep", "value": "me"}]))
    before = snapshot()
    message = f"Could not find a Direct Connect resource with ARN {arn}"
    expect_error(lambda: client.tag_resource(resourceArn=arn, tags=[{"key": "a", "value": "b"}]), contains=[message])
    expect_error(lambda: client.untag_resource(resourceArn=arn, tagKeys=["keep"]), contains=[message])
    expect_error(lambda: client.describe_tags(resourceArns=[arn]), contains=[message])
    assert snapshot() == before


@pytest.mark.parametrize("tag, message", [
    ({"key": "aws:owner", "value": "x"}, "Tag key aws:owner uses the reserved prefix aws:"),
    ({"key": "AWS:Owner", "value": "x"}, "Tag key AWS:Owner uses the reserved prefix aws:"),
    ({"key": "", "value": "x"}, "Every tag needs a key of 1 to 128 characters"),
    ({"key": "k" * 129, "value": "x"}, "Every tag needs a key of 1 to 128 characters"),
    ({"key": "long", "value": "v" * 257}, "The value of tag long is longer than 256 characters"),
    # The model's pattern of keys and values: letters, spaces, numbers and _ . : / = + - @.
    ({"key": "bad#key", "value": "x"}, "Tag bad#key may hold only letters, numbers, spaces and the characters"),
    ({"key": "fine-key", "value": "v$al<>"}, "Tag fine-key may hold only letters, numbers, spaces and the characters"),
], ids=["aws-prefix", "aws-prefix-upper", "empty-key", "long-key", "long-value", "key-pattern", "value-pattern"])
def test_invalid_tags_are_refused_and_change_nothing(dx, account, snapshot, tag, message):
    client = dx(account=account, validate=False)  # boto3 itself refuses some of these
    connection_id = create_connection(client, tags=[{"key": "keep", "value": "me"}])
    associate_key(client, connection_id)
    arn = connection_arn("us-east-1", account, connection_id)
    before = snapshot()
    expect_error(lambda: client.tag_resource(resourceArn=arn, tags=[{"key": "fine", "value": "1"}, tag]),
                 contains=[message])
    expect_error(lambda: client.create_connection(location="EqDC2", bandwidth="10Gbps",
                                                  connectionName=unique_name(), tags=[tag]), contains=[message])
    assert snapshot() == before
