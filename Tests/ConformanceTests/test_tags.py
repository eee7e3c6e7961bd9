"""Tags (SPEC §1 error codes, §2 `tags` member): TagResource, UntagResource, DescribeTags."""

import pytest

from dxhelpers import (
    connection_arn,
    create_connection,
    create_lag,
    describe_connection,
    describe_lag,
    expect_error,
    lag_arn,
    unique_name,
)


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


def test_duplicate_tag_keys_are_refused_and_change_nothing(client, account):
    connection_id = create_connection(client, macsec=False, tags=[{"key": "keep", "value": "me"}])
    arn = connection_arn("us-east-1", account, connection_id)
    expect_error(
        lambda: client.tag_resource(resourceArn=arn, tags=[{"key": "dup", "value": "1"}, {"key": "dup", "value": "2"}]),
        code="DuplicateTagKeysException",
    )
    assert _tags_of(client, arn) == {"keep": "me"}


def test_duplicate_tag_keys_at_create_are_refused(client):
    expect_error(
        lambda: client.create_connection(
            location="EqDC2", bandwidth="10Gbps", connectionName=unique_name(),
            tags=[{"key": "dup", "value": "1"}, {"key": "dup", "value": "2"}],
        ),
        code="DuplicateTagKeysException",
    )
    assert client.describe_connections()["connections"] == []


def test_fifty_tags_are_allowed(client, account):
    connection_id = create_connection(client, macsec=False)
    arn = connection_arn("us-east-1", account, connection_id)
    client.tag_resource(resourceArn=arn, tags=[{"key": f"k{i}", "value": str(i)} for i in range(50)])
    assert len(_tags_of(client, arn)) == 50


def test_more_than_fifty_tags_in_one_call_is_refused(client, account):
    connection_id = create_connection(client, macsec=False)
    arn = connection_arn("us-east-1", account, connection_id)
    expect_error(
        lambda: client.tag_resource(resourceArn=arn, tags=[{"key": f"k{i}", "value": "v"} for i in range(51)]),
        code="TooManyTagsException",
    )
    assert _tags_of(client, arn) == {}


def test_going_over_fifty_tags_in_total_is_refused_and_changes_nothing(client, account):
    connection_id = create_connection(client, macsec=False)
    arn = connection_arn("us-east-1", account, connection_id)
    client.tag_resource(resourceArn=arn, tags=[{"key": f"k{i}", "value": "old"} for i in range(49)])
    before = _tags_of(client, arn)
    expect_error(
        lambda: client.tag_resource(
            resourceArn=arn, tags=[{"key": "k0", "value": "new"}, {"key": "x1", "value": "v"}, {"key": "x2", "value": "v"}]
        ),
        code="TooManyTagsException",
    )
    assert _tags_of(client, arn) == before


def test_overwriting_at_fifty_tags_is_not_too_many(client, account):
    connection_id = create_connection(client, macsec=False)
    arn = connection_arn("us-east-1", account, connection_id)
    client.tag_resource(resourceArn=arn, tags=[{"key": f"k{i}", "value": "old"} for i in range(50)])
    client.tag_resource(resourceArn=arn, tags=[{"key": "k7", "value": "new"}])
    tags = _tags_of(client, arn)
    assert len(tags) == 50 and tags["k7"] == "new"


def test_tag_unknown_resource_is_refused(client, account):
    arn = connection_arn("us-east-1", account, "dxcon-none0000")
    expect_error(lambda: client.tag_resource(resourceArn=arn, tags=[{"key": "a", "value": "b"}]),
                 contains=["dxcon-none0000"])


@pytest.mark.parametrize("arn", ["not-an-arn", "arn:aws:ec2:us-east-1:123456789012:instance/i-1234"])
def test_tag_malformed_or_foreign_arn_is_refused(client, arn):
    expect_error(lambda: client.tag_resource(resourceArn=arn, tags=[{"key": "a", "value": "b"}]))
