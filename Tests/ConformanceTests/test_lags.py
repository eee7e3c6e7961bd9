"""LAGs and deletion: SPEC §3 (shared MACsec capability), §4 rule 7 context, §5 deletes,
and the decided behaviours of CreateLag, Associate/DisassociateConnectionWithLag and Delete*."""

import pytest

from dxhelpers import (
    CONNECTION_ID_RE,
    account_snapshot,
    associate_key,
    ckns_of,
    create_connection,
    create_lag,
    describe_connection,
    describe_lag,
    expect_error,
    keys_of,
    unique_name,
    visible_connection_ids,
    visible_interconnect_ids,
    visible_lag_ids,
)

MACSEC_MISMATCH = "and lag should be requested MacSec at the same time"


def _not_found(resource_id: str) -> str:
    kind = {"dxcon": "Connection", "dxlag": "Lag"}[resource_id.split("-")[0]]
    return f"Could not find {kind} with ID {resource_id}"


@pytest.fixture
def snapshot(client, secrets_client):
    """snapshot() -> both services' view of the test's account and region (dxhelpers.account_snapshot)."""
    return lambda: account_snapshot(client, secrets_client)


def _member_ids(lag: dict) -> set[str]:
    return {member["connectionId"] for member in lag.get("connections", [])}


# --------------------------------------------------------------------------------------
# CreateLag
# --------------------------------------------------------------------------------------


def test_create_lag_creates_its_members(client):
    created = client.create_lag(
        numberOfConnections=2,
        location="EqDC2",
        connectionsBandwidth="10Gbps",
        lagName=unique_name(),
        requestMACSec=True,
    )
    assert created["lagState"] == "pending"
    assert created["numberOfConnections"] == 2
    members = created["connections"]
    assert len(members) == 2
    assert [m["connectionState"] for m in members] == ["requested", "requested"]  # SPEC 3, as CreateConnection
    for member in members:
        assert CONNECTION_ID_RE.match(member["connectionId"])
        assert member["lagId"] == created["lagId"]
        assert member["location"] == "EqDC2"
        assert member["bandwidth"] == "10Gbps"
        assert member["macSecCapable"] is True
    lag = describe_lag(client, created["lagId"])
    assert lag["lagState"] == "available"
    assert _member_ids(lag) == {m["connectionId"] for m in members}
    for member in members:
        assert describe_connection(client, member["connectionId"])["lagId"] == created["lagId"]


def test_create_lag_with_connection_id_converts_that_connection(client):
    existing = create_connection(client)
    created = client.create_lag(
        numberOfConnections=3,
        location="EqDC2",
        connectionsBandwidth="10Gbps",
        lagName=unique_name(),
        connectionId=existing,
        requestMACSec=True,
    )
    member_ids = {m["connectionId"] for m in created["connections"]}
    assert existing in member_ids
    assert len(member_ids) == 3
    # SPEC 3: the new members answer `requested` in the create response; the one it starts from as it stands.
    assert {m["connectionId"]: m["connectionState"] for m in created["connections"]} == {
        m: ("available" if m == existing else "requested") for m in member_ids}
    assert describe_connection(client, existing)["lagId"] == created["lagId"]
    assert visible_connection_ids(client) == member_ids
    lag = describe_lag(client, created["lagId"])
    assert lag["numberOfConnections"] == 3
    assert _member_ids(lag) == member_ids


@pytest.mark.parametrize("bandwidth, maximum", [("1Gbps", 4), ("10Gbps", 4), ("100Gbps", 2), ("400Gbps", 2)])
def test_create_lag_up_to_the_member_maximum(client, bandwidth, maximum):
    created = create_lag(client, count=maximum, bandwidth=bandwidth, macsec=False)
    assert len(created["connections"]) == maximum


@pytest.mark.parametrize("bandwidth, too_many", [("10Gbps", 5), ("100Gbps", 3), ("400Gbps", 3)])
def test_create_lag_above_the_member_maximum_is_refused(client, snapshot, bandwidth, too_many):
    existing = create_connection(client, bandwidth=bandwidth)
    before = snapshot()
    maximum = too_many - 1
    for extra in ({}, {"connectionId": existing}):
        expect_error(lambda: client.create_lag(
            numberOfConnections=too_many, location="EqDC2", connectionsBandwidth=bandwidth, lagName=unique_name(),
            requestMACSec=True, **extra,
        ), contains=[f"numberOfConnections must be between 1 and {maximum} for {bandwidth} lags"])
    assert visible_lag_ids(client) == set()
    assert visible_connection_ids(client) == {existing}
    assert snapshot() == before


def test_lag_members_share_the_lag_macsec_capability(client):
    lag = describe_lag(client, create_lag(client, count=2, macsec=True)["lagId"])
    for member in lag["connections"]:
        connection = describe_connection(client, member["connectionId"])
        assert connection["macSecCapable"] is True
        assert connection["encryptionMode"] == lag["encryptionMode"] == "should_encrypt"
    plain = describe_lag(client, create_lag(client, count=2, macsec=False)["lagId"])
    for member in plain["connections"]:
        connection = describe_connection(client, member["connectionId"])
        assert connection["macSecCapable"] is False
        assert connection["encryptionMode"] == "no_encrypt"


# --------------------------------------------------------------------------------------
# AssociateConnectionWithLag / DisassociateConnectionFromLag
# --------------------------------------------------------------------------------------


def test_associate_connection_with_lag(client):
    lag_id = create_lag(client, count=1)["lagId"]
    connection_id = create_connection(client)
    response = client.associate_connection_with_lag(connectionId=connection_id, lagId=lag_id)
    assert response["connectionId"] == connection_id
    assert response["lagId"] == lag_id
    assert describe_connection(client, connection_id)["lagId"] == lag_id
    assert connection_id in _member_ids(describe_lag(client, lag_id))


def _devices(resource: dict) -> tuple[str, str, str]:
    return resource["awsDevice"], resource["awsDeviceV2"], resource["awsLogicalDeviceId"]


def test_refusals_name_only_ids_that_exist_and_what_they_are(client, snapshot):
    """A refused CreateLag makes no LAG, so its message names none; an operation that takes a connection, given a
    LAG's ID, says no connection has it (the LAG is there: Terraform reads "Could not find Lag" as gone)."""
    elsewhere = client.create_connection(location="CSVA1", bandwidth="10Gbps", connectionName=unique_name())[
        "connectionId"]
    lag_id = client.create_lag(numberOfConnections=1, location="EqDC2", connectionsBandwidth="10Gbps",
                               lagName=unique_name())["lagId"]
    before = snapshot()
    expect_error(lambda: client.create_lag(numberOfConnections=2, location="EqDC2", connectionsBandwidth="10Gbps",
                                           lagName=unique_name(), connectionId=elsewhere),
                 contains=[f"Connection {elsewhere} must be at location EqDC2 with bandwidth 10Gbps to join the new "
                           "lag"], not_contains=["dxlag-"])
    for call in (lambda: client.update_connection(connectionId=lag_id, connectionName="x"),
                 lambda: client.confirm_connection(connectionId=lag_id),
                 lambda: client.associate_connection_with_lag(connectionId=lag_id, lagId=lag_id),
                 lambda: client.disassociate_connection_from_lag(connectionId=lag_id, lagId=lag_id),
                 lambda: client.create_lag(numberOfConnections=1, location="EqDC2", connectionsBandwidth="10Gbps",
                                           lagName=unique_name(), connectionId=lag_id),
                 lambda: client.delete_connection(connectionId=lag_id),
                 lambda: client.associate_hosted_connection(connectionId=lag_id, parentConnectionId=lag_id)):
        expect_error(call, contains=[f"Could not find Connection with ID {lag_id}"])
    assert snapshot() == before


def test_a_lag_and_its_members_are_on_one_device(client):
    """A LAG's connections all end on one Direct Connect endpoint (the API reference): a LAG made from a connection is
    on that connection's device, with its new members; a connection, an interconnect or a virtual interface joining
    a LAG moves onto the LAG's (our choice: AWS refuses a connection on another endpoint; here every port has its
    own)."""
    existing = create_connection(client, macsec=False)
    on_existing = _devices(describe_connection(client, existing))
    created = client.create_lag(numberOfConnections=2, location="EqDC2", connectionsBandwidth="10Gbps",
                                lagName=unique_name(), connectionId=existing)
    lag = describe_lag(client, created["lagId"])
    assert _devices(created) == _devices(lag) == on_existing
    assert [_devices(m) for m in created["connections"]] == [on_existing] * 2
    assert [_devices(describe_connection(client, m["connectionId"])) for m in lag["connections"]] == [on_existing] * 2

    joining = create_connection(client, macsec=False)
    gateway = client.create_direct_connect_gateway(directConnectGatewayName=unique_name("gw"), amazonSideAsn=64512)
    vif = client.create_private_virtual_interface(connectionId=joining, newPrivateVirtualInterface={
        "virtualInterfaceName": unique_name("vif"), "vlan": 70, "asn": 65000,
        "directConnectGatewayId": gateway["directConnectGateway"]["directConnectGatewayId"],
    })["virtualInterfaceId"]
    assert _devices(describe_connection(client, joining)) != on_existing
    answered = client.associate_connection_with_lag(connectionId=joining, lagId=lag["lagId"])
    assert _devices(answered) == _devices(describe_connection(client, joining)) == on_existing
    moved = client.describe_virtual_interfaces(virtualInterfaceId=vif)["virtualInterfaces"][0]
    assert (moved["connectionId"], moved["awsDeviceV2"], moved["awsLogicalDeviceId"]) == (
        lag["lagId"], on_existing[1], on_existing[2])

    interconnect_lag = create_lag(client, count=1, macsec=False)
    interconnect = client.create_interconnect(interconnectName=unique_name(), bandwidth="10Gbps", location="EqDC2",
                                              lagId=interconnect_lag["lagId"])
    assert _devices(interconnect) == _devices(describe_lag(client, interconnect_lag["lagId"]))


def test_associate_connection_with_lag_at_another_location_is_refused(client, snapshot):
    lag_id = create_lag(client, count=1, location="EqDC2")["lagId"]
    associate_key(client, lag_id)
    connection_id = create_connection(client, location="CSVA1")
    before = snapshot()
    expect_error(lambda: client.associate_connection_with_lag(connectionId=connection_id, lagId=lag_id),
                 contains=[f"Connection {connection_id} must be at location EqDC2 with bandwidth 10Gbps "
                           f"to join lag {lag_id}"])
    assert "lagId" not in describe_connection(client, connection_id)
    assert connection_id not in _member_ids(describe_lag(client, lag_id))
    assert snapshot() == before


def test_associate_connection_with_lag_of_another_bandwidth_is_refused(client, snapshot):
    lag_id = create_lag(client, count=1, bandwidth="10Gbps")["lagId"]
    connection_id = create_connection(client, bandwidth="100Gbps")
    before = snapshot()
    expect_error(lambda: client.associate_connection_with_lag(connectionId=connection_id, lagId=lag_id),
                 contains=[f"Connection {connection_id} must be at location EqDC2 with bandwidth 10Gbps "
                           f"to join lag {lag_id}"])
    assert "lagId" not in describe_connection(client, connection_id)
    assert connection_id not in _member_ids(describe_lag(client, lag_id))
    assert snapshot() == before


def test_macsec_connection_to_plain_lag_is_refused_with_the_mismatch_message(client, snapshot):
    lag_id = create_lag(client, count=1, macsec=False)["lagId"]
    connection_id = create_connection(client, macsec=True)
    before = snapshot()
    expect_error(lambda: client.associate_connection_with_lag(connectionId=connection_id, lagId=lag_id),
                 contains=[f"Connection {connection_id} {MACSEC_MISMATCH}"])
    assert "lagId" not in describe_connection(client, connection_id)
    assert connection_id not in _member_ids(describe_lag(client, lag_id))
    assert snapshot() == before


def test_plain_connection_to_macsec_lag_is_refused_with_the_mismatch_message(client, snapshot):
    lag_id = create_lag(client, count=1, macsec=True)["lagId"]
    associate_key(client, lag_id)
    connection_id = create_connection(client, macsec=False)
    before = snapshot()
    expect_error(lambda: client.associate_connection_with_lag(connectionId=connection_id, lagId=lag_id),
                 contains=[f"Connection {connection_id} {MACSEC_MISMATCH}"])
    assert "lagId" not in describe_connection(client, connection_id)
    assert connection_id not in _member_ids(describe_lag(client, lag_id))
    assert snapshot() == before


def test_associate_connection_beyond_the_member_maximum_is_refused(client, snapshot):
    lag_id = create_lag(client, count=2, bandwidth="100Gbps")["lagId"]
    associate_key(client, lag_id)
    connection_id = create_connection(client, bandwidth="100Gbps")
    before = snapshot()
    expect_error(lambda: client.associate_connection_with_lag(connectionId=connection_id, lagId=lag_id),
                 contains=[f"Lag {lag_id} already has the maximum of 2 connections"])
    assert "lagId" not in describe_connection(client, connection_id)
    assert len(describe_lag(client, lag_id)["connections"]) == 2
    assert snapshot() == before


def test_a_member_of_another_lag_moves_unless_that_lag_would_fall_below_its_minimum_links(client, snapshot):
    """The API reference: a connection of another LAG may be re-associated, unless that LAG would fall below its
    minimum links; it then shows its new LAG's keys. Associating a member with its own LAG is refused."""
    first = create_lag(client, count=2)
    members = sorted(_member_ids(first))
    associate_key(client, first["lagId"])
    second = create_lag(client, count=1)
    before = snapshot()
    expect_error(lambda: client.associate_connection_with_lag(connectionId=members[0], lagId=first["lagId"]),
                 contains=[f"Connection {members[0]} is already a member of lag {first['lagId']}"])
    assert snapshot() == before
    client.update_lag(lagId=first["lagId"], minimumLinks=2)
    before = snapshot()
    expect_error(lambda: client.associate_connection_with_lag(connectionId=members[0], lagId=second["lagId"]),
                 contains=[f"Connection {members[0]} cannot leave lag {first['lagId']}",
                           "below its minimum links of 2"])
    assert snapshot() == before
    client.update_lag(lagId=first["lagId"], minimumLinks=1)
    moved = client.associate_connection_with_lag(connectionId=members[0], lagId=second["lagId"])
    assert moved["lagId"] == second["lagId"]
    assert _member_ids(describe_lag(client, first["lagId"])) == {members[1]}
    assert _member_ids(describe_lag(client, second["lagId"])) == _member_ids(second) | {members[0]}
    assert ckns_of(describe_connection(client, members[0])) == []
    assert len(ckns_of(describe_connection(client, members[1]))) == 1


def test_a_connection_holding_keys_takes_the_lags_keys_when_it_joins(client, secrets_client):
    """The user guide's MACsec considerations for LAGs: adding a connection to a LAG disassociates its keys and gives
    it the LAG's; a LAG made from a connection disassociates its keys too. Their secrets stay (SPEC 5)."""
    lag_id = create_lag(client, count=1)["lagId"]
    _, lag_ckn, _ = associate_key(client, lag_id)
    connection_id = create_connection(client)
    own, own_ckn, _ = associate_key(client, connection_id)
    own_arn = own["macSecKeys"][-1]["secretARN"]
    joined = client.associate_connection_with_lag(connectionId=connection_id, lagId=lag_id)
    assert joined["lagId"] == lag_id
    assert ckns_of(joined) == ckns_of(describe_connection(client, connection_id)) == [lag_ckn]
    assert secrets_client.describe_secret(SecretId=own_arn)["ARN"] == own_arn
    # A LAG made from a connection with keys: the new LAG has none yet, nor does the member.
    starting = create_connection(client)
    started, _, _ = associate_key(client, starting)
    created = client.create_lag(numberOfConnections=1, location="EqDC2", connectionsBandwidth="10Gbps",
                                lagName=unique_name(), connectionId=starting, requestMACSec=True)
    assert [m["connectionId"] for m in created["connections"]] == [starting]
    assert ckns_of(describe_lag(client, created["lagId"])) == ckns_of(describe_connection(client, starting)) == []
    started_arn = started["macSecKeys"][-1]["secretARN"]
    assert secrets_client.describe_secret(SecretId=started_arn)["ARN"] == started_arn
    # A member reads its LAG's keys: each on its own again shows that it kept none of its own.
    client.disassociate_connection_from_lag(connectionId=starting, lagId=created["lagId"])
    assert ckns_of(describe_connection(client, starting)) == []
    client.disassociate_connection_from_lag(connectionId=connection_id, lagId=lag_id)
    assert ckns_of(describe_connection(client, connection_id)) == []
    assert own_ckn not in str(client.describe_connections())


def test_associate_connection_with_unknown_lag_is_refused(client, snapshot):
    connection_id = create_connection(client)
    lag_id = create_lag(client, count=1)["lagId"]
    before = snapshot()
    expect_error(lambda: client.associate_connection_with_lag(connectionId=connection_id, lagId="dxlag-none0000"),
                 contains=[_not_found("dxlag-none0000")])
    expect_error(lambda: client.associate_connection_with_lag(connectionId="dxcon-none0000", lagId=lag_id),
                 contains=[_not_found("dxcon-none0000")])
    assert "lagId" not in describe_connection(client, connection_id)
    assert snapshot() == before


def test_disassociate_a_connection_that_is_not_a_member_is_refused(client, snapshot):
    created = create_lag(client, count=1)
    lag_id = created["lagId"]
    associate_key(client, lag_id)
    other = create_lag(client, count=1)
    outsider = create_connection(client)
    before = snapshot()
    expect_error(lambda: client.disassociate_connection_from_lag(connectionId=outsider, lagId=lag_id),
                 contains=[f"Connection {outsider} is not a member of lag {lag_id}"])
    stranger = other["connections"][0]["connectionId"]
    expect_error(lambda: client.disassociate_connection_from_lag(connectionId=stranger, lagId=lag_id),
                 contains=[f"Connection {stranger} is not a member of lag {lag_id}"])
    member = created["connections"][0]["connectionId"]
    expect_error(lambda: client.disassociate_connection_from_lag(connectionId=member, lagId="dxlag-none0000"),
                 contains=[_not_found("dxlag-none0000")])
    expect_error(lambda: client.disassociate_connection_from_lag(connectionId="dxcon-none0000", lagId=lag_id),
                 contains=[_not_found("dxcon-none0000")])
    assert snapshot() == before


def test_disassociate_connection_from_lag(client):
    created = create_lag(client, count=2)
    lag_id = created["lagId"]
    member_id = created["connections"][0]["connectionId"]
    response = client.disassociate_connection_from_lag(connectionId=member_id, lagId=lag_id)
    assert response["connectionId"] == member_id
    assert "lagId" not in response
    assert "lagId" not in describe_connection(client, member_id)
    assert member_id not in _member_ids(describe_lag(client, lag_id))


def test_joined_connection_reports_the_lag_keys_and_mode(client):
    lag_id = create_lag(client, count=1)["lagId"]
    _, ckn, _ = associate_key(client, lag_id)
    client.update_lag(lagId=lag_id, encryptionMode="must_encrypt")
    connection_id = create_connection(client)
    client.associate_connection_with_lag(connectionId=connection_id, lagId=lag_id)
    joined = describe_connection(client, connection_id)
    assert ckns_of(joined) == [ckn]
    assert joined["encryptionMode"] == "must_encrypt"


# --------------------------------------------------------------------------------------
# Keys and modes on LAG members
# --------------------------------------------------------------------------------------


def test_members_report_the_lag_keys_and_encryption_mode(client):
    lag_id = create_lag(client, count=2)["lagId"]
    _, ckn, _ = associate_key(client, lag_id)
    client.update_lag(lagId=lag_id, encryptionMode="must_encrypt")
    lag = describe_lag(client, lag_id)
    for member in lag["connections"]:
        connection = describe_connection(client, member["connectionId"])
        assert ckns_of(connection) == [ckn]
        assert keys_of(connection) == keys_of(lag)
        assert connection["encryptionMode"] == "must_encrypt"


def test_update_connection_encryption_mode_on_a_member_is_refused(client, snapshot):
    created = create_lag(client, count=2)
    associate_key(client, created["lagId"])
    member_id = created["connections"][0]["connectionId"]
    before = snapshot()
    expect_error(lambda: client.update_connection(connectionId=member_id, encryptionMode="must_encrypt"),
                 contains=[f"Connection {member_id} is a member of lag {created['lagId']}: "
                           f"set the encryption mode on the lag"])
    assert describe_connection(client, member_id)["encryptionMode"] == "should_encrypt"
    assert describe_lag(client, created["lagId"])["encryptionMode"] == "should_encrypt"
    assert snapshot() == before


# --------------------------------------------------------------------------------------
# Deletion
# --------------------------------------------------------------------------------------


def test_delete_connection_returns_deleted_and_it_disappears(client):
    connection_id = create_connection(client)
    deleted = client.delete_connection(connectionId=connection_id)
    assert deleted["connectionId"] == connection_id
    assert deleted["connectionState"] == "deleted"
    assert connection_id not in visible_connection_ids(client)
    assert connection_id not in visible_connection_ids(client, connection_id)


def test_delete_unknown_connection_is_refused(client, snapshot):
    connection_id = create_connection(client)
    associate_key(client, connection_id)
    interconnect_id = client.create_interconnect(
        interconnectName=unique_name("ic"), bandwidth="10Gbps", location="EqDC2"
    )["interconnectId"]
    before = snapshot()
    expect_error(lambda: client.delete_connection(connectionId="dxcon-none0000"),
                 contains=[_not_found("dxcon-none0000")])
    # An interconnect is not a connection: DeleteConnection does not find it.
    expect_error(lambda: client.delete_connection(connectionId=interconnect_id),
                 contains=[_not_found(interconnect_id)])
    assert snapshot() == before


def test_delete_lag_deletes_its_members(client):
    created = create_lag(client, count=3)
    lag_id = created["lagId"]
    member_ids = {m["connectionId"] for m in created["connections"]}
    bystander = create_connection(client)
    deleted = client.delete_lag(lagId=lag_id)
    assert deleted["lagId"] == lag_id
    assert deleted["lagState"] in ("deleting", "deleted")
    assert lag_id not in visible_lag_ids(client)
    assert lag_id not in visible_lag_ids(client, lag_id)
    assert visible_connection_ids(client) == {bystander}
    for member_id in member_ids:
        assert member_id not in visible_connection_ids(client, member_id)


def test_delete_unknown_lag_is_refused(client, snapshot):
    associate_key(client, create_lag(client, count=1)["lagId"])
    before = snapshot()
    expect_error(lambda: client.delete_lag(lagId="dxlag-none0000"), contains=[_not_found("dxlag-none0000")])
    assert snapshot() == before


def test_delete_interconnect_returns_deleted_and_it_disappears(client):
    interconnect_id = client.create_interconnect(
        interconnectName=unique_name("ic"), bandwidth="10Gbps", location="EqDC2"
    )["interconnectId"]
    deleted = client.delete_interconnect(interconnectId=interconnect_id)
    assert deleted["interconnectState"] == "deleted"
    assert interconnect_id not in visible_interconnect_ids(client)
    assert interconnect_id not in visible_interconnect_ids(client, interconnect_id)


def test_delete_unknown_interconnect_is_refused(client, snapshot):
    connection_id = create_connection(client)
    associate_key(client, connection_id)
    before = snapshot()
    expect_error(lambda: client.delete_interconnect(interconnectId="dxcon-none0000"),
                 contains=["Could not find Interconnect with ID dxcon-none0000"])
    # A connection is not an interconnect: DeleteInterconnect does not find it.
    expect_error(lambda: client.delete_interconnect(interconnectId=connection_id),
                 contains=[f"Could not find Interconnect with ID {connection_id}"])
    assert snapshot() == before


def test_a_connection_joining_a_lag_takes_its_virtual_interfaces_along(client, snapshot):
    """AssociateConnectionWithLag re-associates the connection's virtual interfaces with the LAG (the API reference);
    a VLAN taken on the LAG refuses the join; a member that leaves leaves them with the LAG, but may not take the LAG
    below its minimum links."""
    lag_id = create_lag(client, count=1, macsec=False)["lagId"]
    connection_id = create_connection(client, macsec=False)
    gateway = client.create_direct_connect_gateway(directConnectGatewayName=unique_name("gw"), amazonSideAsn=64512)
    gateway_id = gateway["directConnectGateway"]["directConnectGatewayId"]

    def interface(carrier: str, vlan: int) -> str:
        return client.create_private_virtual_interface(connectionId=carrier, newPrivateVirtualInterface={
            "virtualInterfaceName": unique_name("vif"), "vlan": vlan, "asn": 65000,
            "directConnectGatewayId": gateway_id,
        })["virtualInterfaceId"]

    def carried(carrier: str) -> list[str]:
        shown = client.describe_virtual_interfaces(connectionId=carrier)["virtualInterfaces"]
        assert all(vif["connectionId"] == carrier for vif in shown)
        return sorted(vif["virtualInterfaceId"] for vif in shown)

    on_lag, moving = interface(lag_id, 60), interface(connection_id, 50)
    clashing = create_connection(client, macsec=False)
    interface(clashing, 60)
    before = snapshot()
    expect_error(lambda: client.associate_connection_with_lag(connectionId=clashing, lagId=lag_id),
                 contains=["Vlan 60 is already in use"])
    assert snapshot() == before
    client.associate_connection_with_lag(connectionId=connection_id, lagId=lag_id)
    assert carried(lag_id) == sorted([on_lag, moving])
    assert carried(connection_id) == []
    client.update_lag(lagId=lag_id, minimumLinks=2)
    before = snapshot()
    expect_error(lambda: client.disassociate_connection_from_lag(connectionId=connection_id, lagId=lag_id),
                 contains=[f"Connection {connection_id} cannot leave lag {lag_id}", "below its minimum links of 2"])
    assert snapshot() == before
    client.update_lag(lagId=lag_id, minimumLinks=0)
    client.disassociate_connection_from_lag(connectionId=connection_id, lagId=lag_id)
    assert "lagId" not in describe_connection(client, connection_id)
    assert carried(lag_id) == sorted([on_lag, moving])


def test_a_lag_below_its_minimum_links_is_down_with_what_it_carries(client):
    """The API reference: below its minimum links a LAG is not operational. A member deleted takes it below them:
    `down`, and its virtual interface with it; a member joining brings both back."""
    lag = create_lag(client, count=2, macsec=False)
    lag_id = lag["lagId"]
    gateway = client.create_direct_connect_gateway(directConnectGatewayName=unique_name("gw"), amazonSideAsn=64512)
    vif = client.create_private_virtual_interface(connectionId=lag_id, newPrivateVirtualInterface={
        "virtualInterfaceName": unique_name("vif"), "vlan": 80, "asn": 65000,
        "directConnectGatewayId": gateway["directConnectGateway"]["directConnectGatewayId"],
    })["virtualInterfaceId"]

    def states() -> tuple[str, str]:
        shown = client.describe_virtual_interfaces(virtualInterfaceId=vif)["virtualInterfaces"][0]
        return describe_lag(client, lag_id)["lagState"], shown["virtualInterfaceState"]

    assert client.update_lag(lagId=lag_id, minimumLinks=2)["lagState"] == "available"
    assert states() == ("available", "available")
    client.delete_connection(connectionId=lag["connections"][0]["connectionId"])
    assert states() == ("down", "down")
    client.associate_connection_with_lag(connectionId=create_connection(client, macsec=False), lagId=lag_id)
    assert states() == ("available", "available")
