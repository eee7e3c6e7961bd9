"""SPEC 8: `--settle-time` times every kind's transitions, and `--settle-time-KIND` (or DXLOCAL_SETTLE_TIME_KIND)
one kind's over it: `connection` (connections, interconnects, LAGs), `key` (MACsec keys), `gateway` (Direct Connect
gateways)."""

from __future__ import annotations

import subprocess

import pytest

import dxhelpers

HOUR = 3600


def scene(server):
    """A MACsec connection with a key just associated, and a gateway just created: their states as read back."""
    client = dxhelpers.make_client(server.url, dxhelpers.random_account())
    connection = client.create_connection(location="EqDC2", bandwidth="10Gbps", connectionName="c",
                                          requestMACSec=True)["connectionId"]
    client.associate_mac_sec_key(connectionId=connection, ckn=dxhelpers.random_hex64(),
                                 cak=dxhelpers.random_hex64())
    gateway = client.create_direct_connect_gateway(directConnectGatewayName="g")["directConnectGateway"]

    def states() -> dict:
        port = dxhelpers.describe_connection(client, connection)
        return {
            "connection": port["connectionState"],
            "key": port["macSecKeys"][0]["state"],
            "gateway": client.describe_direct_connect_gateways(
                directConnectGatewayId=gateway["directConnectGatewayId"])["directConnectGateways"][0][
                "directConnectGatewayState"],
        }

    return states


SETTLED = {"connection": "available", "key": "associated", "gateway": "available"}


def test_a_kinds_own_time_overrides_the_time_of_every_kind(server_factory):
    server = server_factory.start(settle_time=HOUR, extra_args=(
        "--clock-control", "--settle-time-connection", "0", "--settle-time-key", "0"))
    states = scene(server)
    assert states() == {**SETTLED, "gateway": "pending"}
    dxhelpers.advance_clock(server, HOUR + 1)
    assert states() == SETTLED


def test_one_kind_may_take_time_while_the_rest_settle_at_once(server_factory):
    server = server_factory.start(extra_args=("--clock-control", "--settle-time-key", str(HOUR)))
    states = scene(server)
    # A key's association holds its port pending meanwhile, as with --settle-time.
    assert states() == {"connection": "pending", "key": "associating", "gateway": "available"}
    dxhelpers.advance_clock(server, HOUR + 1)
    assert states() == SETTLED


def test_the_environment_sets_a_kinds_time_too(server_factory):
    server = server_factory.start(extra_args=("--clock-control",), env={"DXLOCAL_SETTLE_TIME_GATEWAY": str(HOUR)})
    assert scene(server)() == {**SETTLED, "gateway": "pending"}


@pytest.mark.parametrize("args", [
    ("--settle-time-gateway", "-1"),
    ("--settle-time-key", "soon"),
    ("--settle-time-connection", "inf"),
])
def test_a_time_that_is_not_a_number_of_seconds_stops_the_start(dxlocal_bin, args):
    result = subprocess.run([str(dxlocal_bin), "serve", "--in-memory", "--port", "0", *args],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0, result.stdout
    assert args[0] in result.stderr or args[1] in result.stderr, result.stderr
