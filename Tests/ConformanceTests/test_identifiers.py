"""SPEC §2: identifiers, ARNs and the output members the real service fills."""

import pytest

from dxhelpers import (
    CLIENT_ERROR,
    CONNECTION_ID_RE,
    LAG_ID_RE,
    associate_key,
    connection_arn,
    create_connection,
    create_lag,
    describe_connection,
    describe_interconnect,
    describe_lag,
    expect_error,
    lag_arn,
    secret_arn_pattern,
    unique_name,
)

HAS_LOGICAL_REDUNDANCY = {"unknown", "yes", "no"}


def test_connection_id_is_dxcon_and_eight_lowercase_alphanumerics(client):
    created = client.create_connection(location="EqDC2", bandwidth="10Gbps", connectionName=unique_name())
    assert CONNECTION_ID_RE.match(created["connectionId"]), created["connectionId"]


def test_lag_id_is_dxlag_and_eight_lowercase_alphanumerics(client):
    created = create_lag(client, count=1, wait=False)
    assert LAG_ID_RE.match(created["lagId"]), created["lagId"]
    for member in created["connections"]:
        assert CONNECTION_ID_RE.match(member["connectionId"]), member


def test_interconnect_id_is_dxcon_and_eight_lowercase_alphanumerics(client):
    created = client.create_interconnect(interconnectName=unique_name("ic"), bandwidth="10Gbps", location="EqDC2")
    assert CONNECTION_ID_RE.match(created["interconnectId"]), created["interconnectId"]


def test_ids_are_random_not_derived_from_names(client):
    ids = [
        client.create_connection(location="CSNY1", bandwidth="1Gbps", connectionName="same-name")["connectionId"]
        for _ in range(8)
    ]
    assert len(set(ids)) == len(ids), ids
    for connection_id in ids:
        assert "same" not in connection_id and "name" not in connection_id
    # Random IDs do not share a common prefix after "dxcon-" the way counters or clocks would.
    assert len({connection_id[6:9] for connection_id in ids}) > 1, ids


def test_connection_arn_addresses_the_connection(client, account):
    connection_id = create_connection(client, macsec=False)
    arn = connection_arn("us-east-1", account, connection_id)
    client.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "test"}])
    (entry,) = client.describe_tags(resourceArns=[arn])["resourceTags"]
    assert entry["resourceArn"] == arn
    assert {"key": "env", "value": "test"} in entry["tags"]


def test_lag_arn_addresses_the_lag(client, account):
    lag_id = create_lag(client)["lagId"]
    arn = lag_arn("us-east-1", account, lag_id)
    client.tag_resource(resourceArn=arn, tags=[{"key": "kind", "value": "lag"}])
    (entry,) = client.describe_tags(resourceArns=[arn])["resourceTags"]
    assert entry["resourceArn"] == arn
    assert {"key": "kind", "value": "lag"} in entry["tags"]


@pytest.mark.parametrize(
    "make_arn",
    [
        lambda account, cid: f"arn:aws:directconnect:us-west-2:{account}:dxcon/{cid}",
        lambda account, cid: f"arn:aws:directconnect:us-east-1:210987654321:dxcon/{cid}",
        lambda account, cid: f"arn:aws:directconnect:us-east-1:{account}:dxlag/{cid}",
    ],
    ids=["wrong-region", "wrong-account", "wrong-resource-type"],
)
def test_arn_with_wrong_region_account_or_type_does_not_address_the_connection(client, account, make_arn):
    connection_id = create_connection(client, macsec=False)
    expect_error(lambda: client.tag_resource(resourceArn=make_arn(account, connection_id),
                                             tags=[{"key": "k", "value": "v"}]))
    assert describe_connection(client, connection_id).get("tags", []) == []


def _assert_device_fields(resource: dict, location: str) -> None:
    for field in ("awsDevice", "awsDeviceV2", "awsLogicalDeviceId"):
        value = resource.get(field)
        assert isinstance(value, str) and value, f"{field} missing in {resource!r}"
        assert location.lower() in value.lower(), f"{field}={value!r} is not derived from {location}"
    assert resource.get("hasLogicalRedundancy") in HAS_LOGICAL_REDUNDANCY, resource
    assert isinstance(resource.get("jumboFrameCapable"), bool), resource


def test_connection_fills_realistic_members(client, account):
    tags = [{"key": "team", "value": "net"}]
    created = client.create_connection(
        location="EqDC2", bandwidth="10Gbps", connectionName="primary", requestMACSec=True, tags=tags
    )
    connection = describe_connection(client, created["connectionId"])
    for resource in (created, connection):
        assert resource["ownerAccount"] == account
        assert resource["region"] == "us-east-1"
        assert resource["location"] == "EqDC2"
        assert resource["bandwidth"] == "10Gbps"
        assert resource["connectionName"] == "primary"
        assert isinstance(resource.get("vlan"), int), resource
        assert resource["tags"] == tags
        assert resource["macSecCapable"] is True
        assert resource["encryptionMode"] == "should_encrypt"
        assert resource["portEncryptionStatus"] == "Encryption Down"
        _assert_device_fields(resource, "EqDC2")
    assert connection["connectionState"] == "available"


def test_lag_fills_realistic_members(client, account):
    tags = [{"key": "team", "value": "net"}]
    created = create_lag(client, count=2, tags=tags, name="bundle")
    lag = describe_lag(client, created["lagId"])
    for resource in (created, lag):
        assert resource["ownerAccount"] == account
        assert resource["region"] == "us-east-1"
        assert resource["location"] == "EqDC2"
        assert resource["connectionsBandwidth"] == "10Gbps"
        assert resource["lagName"] == "bundle"
        assert resource["numberOfConnections"] == 2
        assert isinstance(resource.get("minimumLinks"), int), resource
        assert isinstance(resource.get("allowsHostedConnections"), bool), resource
        assert resource["tags"] == tags
        assert resource["macSecCapable"] is True
        assert resource["encryptionMode"] == "should_encrypt"
        _assert_device_fields(resource, "EqDC2")
    assert len(lag["connections"]) == 2
    for member in lag["connections"]:
        assert member["ownerAccount"] == account
        assert member["region"] == "us-east-1"
        assert member["location"] == "EqDC2"
        assert member["bandwidth"] == "10Gbps"
        _assert_device_fields(member, "EqDC2")


def test_interconnect_fills_realistic_members(client):
    tags = [{"key": "team", "value": "partner"}]
    created = client.create_interconnect(
        interconnectName="ic-one", bandwidth="100Gbps", location="CSVA1", tags=tags, requestMACSec=True
    )
    interconnect = describe_interconnect(client, created["interconnectId"])
    for resource in (created, interconnect):
        assert resource["region"] == "us-east-1"
        assert resource["location"] == "CSVA1"
        assert resource["bandwidth"] == "100Gbps"
        assert resource["interconnectName"] == "ic-one"
        assert resource["tags"] == tags
        assert resource["macSecCapable"] is True
        assert resource["encryptionMode"] == "should_encrypt"
        assert resource["portEncryptionStatus"] == "Encryption Down"
        _assert_device_fields(resource, "CSVA1")


def test_device_names_follow_the_location(dx, account):
    west = dx(account=account, region="us-west-1")
    connection = describe_connection(west, create_connection(west, location="CSLA1", bandwidth="1Gbps", macsec=False))
    _assert_device_fields(connection, "CSLA1")


@pytest.mark.parametrize("region, location", [("us-east-1", "EqDC2"), ("us-west-2", "EqSe2")])
def test_managed_secret_arn_has_name_region_account_and_six_char_suffix(dx, account, region, location):
    regional = dx(account=account, region=region)
    connection_id = create_connection(regional, location=location)
    response, ckn, _ = associate_key(regional, connection_id)
    (key,) = response["macSecKeys"]
    assert secret_arn_pattern(region, account, ckn).match(key["secretARN"]), key["secretARN"]


def test_managed_secret_arns_differ_between_keys(client):
    connection_id = create_connection(client)
    first, _, _ = associate_key(client, connection_id)
    second, _, _ = associate_key(client, connection_id)
    arns = [key["secretARN"] for key in second["macSecKeys"]]
    assert len(arns) == 2 and arns[0] != arns[1]
    assert first["macSecKeys"][0]["secretARN"] == arns[0]


def test_unknown_connection_id_is_refused_naming_it(client):
    expect_error(lambda: client.update_connection(connectionId="dxcon-nope0000", connectionName="x"),
                 code=CLIENT_ERROR, contains=["dxcon-nope0000"])


def test_describe_connections_by_a_lags_id_finds_no_connection(client):
    """A LAG's ID names no connection: DescribeConnections says so, not that the LAG is missing (it exists)."""
    lag_id = create_lag(client, count=1)["lagId"]
    expect_error(lambda: client.describe_connections(connectionId=lag_id),
                 code=CLIENT_ERROR, contains=[f"Could not find Connection with ID {lag_id}"])
    assert client.describe_lags(lagId=lag_id)["lags"][0]["lagId"] == lag_id
