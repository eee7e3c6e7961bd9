"""Real third-party clients: Ansible's `community.aws.directconnect_connection` module, and the `present` side of
`directconnect_link_aggregation_group`, run by `ansible-playbook` (the `ansible` package from PyPI) against the built
server. (The LAG module's `absent` side is in test_ansible_virtual_interface.py.)

`directconnect_connection` finds a connection by name (DescribeConnections, skipping `deleted` ones) and creates it
with CreateConnection; a second run changes nothing; `link_aggregation_group` makes it call
AssociateConnectionWithLag, a different LAG DisassociateConnectionFromLag from the old one first, and none at all
DisassociateConnectionFromLag alone; a new
bandwidth with `forced_update` deletes the connection and creates another of the same name; `state: absent`
deletes it. `directconnect_link_aggregation_group` creates a LAG with its connections and then calls UpdateLag
(its name, and its minimum links when given), finds it again by name without a change, and updates the name and
the minimum links of a LAG given by ID. Every task must succeed, and each is checked against what boto3 reads
afterwards."""

from __future__ import annotations

import pytest

import dxhelpers
from dxhelpers import create_lag, describe_connection, describe_lag, make_client, unique_name

pytestmark = pytest.mark.third_party  # the SQLite pass only (pytest.ini)


def live_named(dx, name: str) -> list[dict]:
    return [c for c in dx.describe_connections()["connections"]
            if c["connectionName"] == name and c["connectionState"] != "deleted"]


@pytest.mark.slow
def test_connection_module_creates_keeps_moves_replaces_and_deletes(server, account, tmp_path):
    dx = make_client(server.url, account=account)
    name = unique_name("ansible-con")
    present = {"state": "present", "name": name, "location": "EqDC2", "bandwidth": "10Gbps"}

    play = dxhelpers.ansible_module(server.url, account, tmp_path, "directconnect_connection")

    created = play("create", present)
    assert created["changed"] is True
    (connection,) = live_named(dx, name)
    first = connection["connectionId"]
    assert created["connection"]["connection_id"] == first
    assert (connection["location"], connection["bandwidth"], connection["ownerAccount"]) == ("EqDC2", "10Gbps",
                                                                                            account)
    assert created["connection"]["connection_name"] == name

    again = play("again", present)
    assert (again["changed"], again["connection"]["connection_id"]) == (False, first)
    assert [c["connectionId"] for c in live_named(dx, name)] == [first]

    # Into a LAG, then into another: the module disassociates from the first before it associates with the second.
    lag_a = create_lag(dx, count=1, macsec=False)["lagId"]
    lag_b = create_lag(dx, count=1, macsec=False)["lagId"]
    joined = play("join", {**present, "link_aggregation_group": lag_a})
    assert joined["changed"] is True
    assert describe_connection(dx, first)["lagId"] == lag_a
    assert first in {c["connectionId"] for c in describe_lag(dx, lag_a)["connections"]}
    kept = play("join-again", {**present, "link_aggregation_group": lag_a})
    assert kept["changed"] is False
    moved = play("move", {**present, "link_aggregation_group": lag_b})
    assert moved["changed"] is True
    assert describe_connection(dx, first)["lagId"] == lag_b
    assert first not in {c["connectionId"] for c in describe_lag(dx, lag_a)["connections"]}
    assert first in {c["connectionId"] for c in describe_lag(dx, lag_b)["connections"]}
    assert moved["connection"]["lag_id"] == lag_b

    # Without link_aggregation_group the module takes the connection out of its LAG.
    left = play("leave", present)
    assert left["changed"] is True
    assert "lagId" not in describe_connection(dx, first)
    assert first not in {c["connectionId"] for c in describe_lag(dx, lag_b)["connections"]}

    # A new bandwidth without forced_update changes nothing; with it, the module deletes and creates again.
    slower = {"state": "present", "name": name, "location": "EqDC2", "bandwidth": "1Gbps"}
    unforced = play("unforced", slower)
    assert unforced["changed"] is False
    assert describe_connection(dx, first)["bandwidth"] == "10Gbps"
    replaced = play("replace", {**slower, "forced_update": True})
    assert replaced["changed"] is True
    (connection,) = live_named(dx, name)
    second = connection["connectionId"]
    assert second != first and connection["bandwidth"] == "1Gbps"
    assert replaced["connection"]["connection_id"] == second
    assert first not in {c["connectionId"] for c in dx.describe_connections()["connections"]}

    removed = play("remove", {"state": "absent", "name": name})
    assert removed["changed"] is True
    assert second not in {c["connectionId"] for c in dx.describe_connections()["connections"]}
    assert live_named(dx, name) == []
    gone = play("remove-again", {"state": "absent", "name": name})
    assert gone["changed"] is False


@pytest.mark.slow
def test_lag_module_creates_keeps_and_updates(server, account, tmp_path):
    dx = make_client(server.url, account=account)
    name = unique_name("ansible-lag")
    present = {"state": "present", "name": name, "location": "EqDC2", "bandwidth": "10Gbps", "num_connections": 2,
               "min_links": 1, "wait": True}

    play = dxhelpers.ansible_module(server.url, account, tmp_path, "directconnect_link_aggregation_group")

    created = play("create", present)
    assert created["changed"] is True
    (lag,) = [item for item in dx.describe_lags()["lags"] if item["lagName"] == name]
    lag_id = lag["lagId"]
    assert created["lag_id"] == lag_id
    assert (lag["location"], lag["connectionsBandwidth"], lag["minimumLinks"]) == ("EqDC2", "10Gbps", 1)
    assert len(lag["connections"]) == 2
    assert {describe_connection(dx, c["connectionId"])["lagId"] for c in lag["connections"]} == {lag_id}

    again = play("again", present)
    assert (again["changed"], again["lag_id"]) == (False, lag_id)
    assert [item["lagId"] for item in dx.describe_lags()["lags"] if item["lagName"] == name] == [lag_id]

    renamed = unique_name("ansible-lag")
    updated = play("update", {"state": "present", "link_aggregation_group_id": lag_id, "name": renamed,
                              "location": "EqDC2", "bandwidth": "10Gbps", "num_connections": 2, "min_links": 2})
    assert updated["changed"] is True
    lag = describe_lag(dx, lag_id)
    assert (lag["lagName"], lag["minimumLinks"]) == (renamed, 2)
    assert (updated["lag_name"], updated["minimum_links"]) == (renamed, 2)
