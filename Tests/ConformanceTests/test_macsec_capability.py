"""SPEC §3: MACsec capability, the location catalogue, and the create lifecycle."""

import pytest

from dxhelpers import (
    ALL_SPEEDS,
    CATALOGUE,
    CLIENT_ERROR,
    LONG_SETTLE,
    advance_clock,
    describe_connection,
    describe_interconnect,
    describe_lag,
    expect_error,
    keys_of,
    long_settle_server,
    make_client,
    random_account,
    speed_to_bandwidth,
    unique_name,
    visible_connection_ids,
    visible_interconnect_ids,
    visible_lag_ids,
    wait_connection_state,
    wait_interconnect_state,
)

# --------------------------------------------------------------------------------------
# DescribeLocations: the built-in catalogue
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("region", sorted(CATALOGUE))
def test_describe_locations_serves_the_catalogue_of_the_region(dx, account, region):
    locations = dx(account=account, region=region).describe_locations()["locations"]
    by_code = {loc["locationCode"]: loc for loc in locations}
    assert set(by_code) == set(CATALOGUE[region]), locations
    for code, (ports, macsec) in CATALOGUE[region].items():
        location = by_code[code]
        assert location["region"] == region
        assert isinstance(location.get("locationName"), str) and location["locationName"]
        assert sorted(location.get("availablePortSpeeds", [])) == sorted(ports), location
        assert sorted(location.get("availableMacSecPortSpeeds", [])) == sorted(macsec), location


@pytest.mark.parametrize("region", ["eu-west-3", "me-central-1"])
def test_describe_locations_is_empty_in_other_regions(dx, account, region):
    assert dx(account=account, region=region).describe_locations()["locations"] == []


def test_catalogue_has_locations_with_and_without_macsec(client):
    locations = client.describe_locations()["locations"]
    assert any(loc.get("availableMacSecPortSpeeds") for loc in locations)
    assert any(not loc.get("availableMacSecPortSpeeds") for loc in locations)
    for loc in locations:
        assert "1G" not in loc.get("availableMacSecPortSpeeds", []), "never MACsec on 1 Gbps"


# --------------------------------------------------------------------------------------
# CreateConnection with and without requestMACSec, across the whole catalogue
# --------------------------------------------------------------------------------------


def _catalogue_cases():
    for region, locations in sorted(CATALOGUE.items()):
        for code, (ports, macsec) in sorted(locations.items()):
            for speed in ALL_SPEEDS:
                yield pytest.param(region, code, speed, speed in ports, speed in macsec,
                                   id=f"{region}-{code}-{speed}")


@pytest.mark.parametrize("region, location, speed, has_port, has_macsec", list(_catalogue_cases()))
def test_create_connection_with_request_macsec_follows_the_catalogue(
    dx, account, region, location, speed, has_port, has_macsec
):
    regional = dx(account=account, region=region)
    call = lambda: regional.create_connection(  # noqa: E731
        location=location, bandwidth=speed_to_bandwidth(speed), connectionName=unique_name(), requestMACSec=True
    )
    if has_macsec:
        created = call()
        assert created["macSecCapable"] is True
        assert created["encryptionMode"] == "should_encrypt"
        assert created["portEncryptionStatus"] == "Encryption Down"
        assert keys_of(created) == []
    else:
        bandwidth = speed_to_bandwidth(speed)
        reason = (f"MACsec is not available for {bandwidth} ports at location {location}" if has_port
                  else f"Bandwidth {bandwidth} is not available at location {location}")
        expect_error(call, code=CLIENT_ERROR, contains=[reason])
        assert visible_connection_ids(regional) == set(), "a refused create must create nothing"


@pytest.mark.parametrize("region, location, speed, has_port, has_macsec", list(_catalogue_cases()))
def test_create_connection_without_macsec_needs_only_the_port_speed(
    dx, account, region, location, speed, has_port, has_macsec
):
    regional = dx(account=account, region=region)
    call = lambda: regional.create_connection(  # noqa: E731
        location=location, bandwidth=speed_to_bandwidth(speed), connectionName=unique_name()
    )
    if has_port:
        created = call()
        assert created["macSecCapable"] is False
        assert created["encryptionMode"] == "no_encrypt"
        assert created["location"] == location
        assert created["region"] == region
    else:
        expect_error(call, code=CLIENT_ERROR,
                     contains=[f"Bandwidth {speed_to_bandwidth(speed)} is not available at location {location}"])
        assert visible_connection_ids(regional) == set()


def test_request_macsec_false_is_the_same_as_omitting_it(client):
    created = client.create_connection(
        location="EqDC2", bandwidth="10Gbps", connectionName=unique_name(), requestMACSec=False
    )
    assert created["macSecCapable"] is False
    assert created["encryptionMode"] == "no_encrypt"
    connection = wait_connection_state(client, created["connectionId"])
    assert connection["macSecCapable"] is False
    assert connection["encryptionMode"] == "no_encrypt"
    assert keys_of(connection) == []


def test_location_of_another_region_is_refused(client):
    expect_error(lambda: client.create_connection(location="EqSV5", bandwidth="10Gbps", connectionName=unique_name()),
                 contains=["Location EqSV5 is not a Direct Connect location in region us-east-1"])
    assert visible_connection_ids(client) == set()


def test_unknown_location_is_refused(client):
    expect_error(lambda: client.create_connection(location="NoSuch1", bandwidth="10Gbps", connectionName=unique_name()),
                 contains=["Location NoSuch1 is not a Direct Connect location"])
    assert visible_connection_ids(client) == set()


@pytest.mark.parametrize("bandwidth", ["10G", "5Gbps", "fast", "50Mbps"])
def test_unknown_bandwidth_string_is_refused(client, bandwidth):
    expect_error(lambda: client.create_connection(location="EqDC2", bandwidth=bandwidth, connectionName=unique_name()),
                 contains=[f"Bandwidth {bandwidth} is not a dedicated port speed"])
    assert visible_connection_ids(client) == set()


# --------------------------------------------------------------------------------------
# Lifecycle after create
# --------------------------------------------------------------------------------------


def test_new_connection_is_requested_then_available(client):
    created = client.create_connection(
        location="EqDC2", bandwidth="10Gbps", connectionName=unique_name(), requestMACSec=True
    )
    assert created["connectionState"] == "requested"
    # Settle time defaults to 0: the very next read sees `available`.
    connection = describe_connection(client, created["connectionId"])
    assert connection["connectionState"] == "available"
    assert connection["macSecCapable"] is True
    assert connection["encryptionMode"] == "should_encrypt"
    assert connection["portEncryptionStatus"] == "Encryption Down"
    assert keys_of(connection) == []


def test_new_lag_is_pending_then_available(client):
    created = client.create_lag(
        numberOfConnections=2,
        location="EqDC2",
        connectionsBandwidth="10Gbps",
        lagName=unique_name(),
        requestMACSec=True,
    )
    assert created["lagState"] == "pending"
    lag = describe_lag(client, created["lagId"])
    assert lag["lagState"] == "available"


# A server of its own with a settle time no test outlasts by accident and a movable clock
# (`--clock-control`): the transitional state is seen for certain, and the settled one is reached
# by moving the clock, never by sleeping.




@pytest.mark.slow
def test_with_settle_time_connection_stays_requested_until_it_passes(server_factory):
    server = long_settle_server(server_factory)
    slow = make_client(server.url, random_account())
    created = slow.create_connection(
        location="EqDC2", bandwidth="10Gbps", connectionName=unique_name(), requestMACSec=True
    )
    connection_id = created["connectionId"]
    assert created["connectionState"] == "requested"
    assert describe_connection(slow, connection_id)["connectionState"] == "requested"
    # Most of the settle time: still requested (the settle time, not any clock move, ends it).
    advance_clock(server, LONG_SETTLE - 60)
    assert describe_connection(slow, connection_id)["connectionState"] == "requested"
    advance_clock(server, 61)
    connection = describe_connection(slow, connection_id)
    assert connection["connectionState"] == "available"
    assert connection["macSecCapable"] is True
    assert connection["encryptionMode"] == "should_encrypt"


@pytest.mark.slow
def test_with_settle_time_lag_stays_pending_until_it_passes(server_factory):
    server = long_settle_server(server_factory)
    slow = make_client(server.url, random_account())
    created = slow.create_lag(
        numberOfConnections=1, location="EqDC2", connectionsBandwidth="10Gbps", lagName=unique_name()
    )
    lag_id = created["lagId"]
    assert created["lagState"] == "pending"
    assert describe_lag(slow, lag_id)["lagState"] == "pending"
    advance_clock(server, LONG_SETTLE - 60)
    assert describe_lag(slow, lag_id)["lagState"] == "pending"
    advance_clock(server, 61)
    assert describe_lag(slow, lag_id)["lagState"] == "available"


# --------------------------------------------------------------------------------------
# CreateLag and CreateInterconnect with requestMACSec
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("location, bandwidth", [("EqDC2", "10Gbps"), ("EqDC2", "400Gbps"), ("CSVA1", "100Gbps")])
def test_create_lag_with_request_macsec_at_macsec_speed(client, location, bandwidth):
    created = client.create_lag(
        numberOfConnections=1,
        location=location,
        connectionsBandwidth=bandwidth,
        lagName=unique_name(),
        requestMACSec=True,
    )
    assert created["macSecCapable"] is True
    assert created["encryptionMode"] == "should_encrypt"
    assert keys_of(created) == []
    for member in created["connections"]:
        assert member["macSecCapable"] is True
        assert member["encryptionMode"] == "should_encrypt"
        assert member["portEncryptionStatus"] == "Encryption Down"


@pytest.mark.parametrize("location, bandwidth", [("EqDC2", "1Gbps"), ("CSNY1", "10Gbps"), ("MKL50", "1Gbps")])
def test_create_lag_with_request_macsec_without_macsec_is_refused(client, location, bandwidth):
    expect_error(
        lambda: client.create_lag(
            numberOfConnections=1,
            location=location,
            connectionsBandwidth=bandwidth,
            lagName=unique_name(),
            requestMACSec=True,
        ),
        contains=[f"MACsec is not available for {bandwidth} ports at location {location}"],
    )
    assert visible_lag_ids(client) == set()
    assert visible_connection_ids(client) == set()


def test_create_lag_without_macsec(client):
    created = client.create_lag(
        numberOfConnections=2, location="CSNY1", connectionsBandwidth="10Gbps", lagName=unique_name()
    )
    assert created["macSecCapable"] is False
    assert created["encryptionMode"] == "no_encrypt"
    for member in created["connections"]:
        assert member["macSecCapable"] is False
        assert member["encryptionMode"] == "no_encrypt"


def test_create_lag_with_speed_the_location_lacks_is_refused(client):
    expect_error(lambda: client.create_lag(
        numberOfConnections=1, location="CSNY1", connectionsBandwidth="100Gbps", lagName=unique_name()
    ), contains=["Bandwidth 100Gbps is not available at location CSNY1"])
    assert visible_lag_ids(client) == set()


def test_create_interconnect_with_request_macsec(client):
    created = client.create_interconnect(
        interconnectName=unique_name("ic"), bandwidth="10Gbps", location="EqDC2", requestMACSec=True
    )
    assert created["macSecCapable"] is True
    assert created["encryptionMode"] == "should_encrypt"
    assert created["portEncryptionStatus"] == "Encryption Down"
    assert keys_of(created) == []
    interconnect = wait_interconnect_state(client, created["interconnectId"])
    assert interconnect["macSecCapable"] is True


@pytest.mark.parametrize("location, bandwidth", [("EqDC2", "1Gbps"), ("CSNY1", "10Gbps")])
def test_create_interconnect_with_request_macsec_without_macsec_is_refused(client, location, bandwidth):
    expect_error(lambda: client.create_interconnect(
        interconnectName=unique_name("ic"), bandwidth=bandwidth, location=location, requestMACSec=True
    ), contains=[f"MACsec is not available for {bandwidth} ports at location {location}"])
    assert visible_interconnect_ids(client) == set()


def test_create_interconnect_without_macsec(client):
    created = client.create_interconnect(interconnectName=unique_name("ic"), bandwidth="1Gbps", location="CSNY1")
    assert created["macSecCapable"] is False
    assert created["encryptionMode"] == "no_encrypt"
    assert describe_interconnect(client, created["interconnectId"])["macSecCapable"] is False


def test_create_interconnect_at_location_of_another_region_is_refused(client):
    expect_error(lambda: client.create_interconnect(
        interconnectName=unique_name("ic"), bandwidth="10Gbps", location="EqFA5"
    ), contains=["Location EqFA5 is not a Direct Connect location in region us-east-1"])
    assert visible_interconnect_ids(client) == set()
