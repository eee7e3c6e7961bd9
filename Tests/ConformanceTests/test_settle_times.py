"""SPEC 8: `--settle-time` times every kind's transitions, and `--settle-time-KIND` (or DXLOCAL_SETTLE_TIME_KIND)
one kind's over it: `connection` (connections, interconnects, LAGs), `key` (MACsec keys), `gateway` (Direct Connect
gateways), `association` (gateway associations: 2 s when neither flag is given, as Ansible needs)."""

from __future__ import annotations

import json
import socket
import subprocess

import pytest

import dxhelpers

HOUR = 3600


def scene(server):
    """A MACsec connection with a key just associated, and a gateway just created: their states as read back."""
    account = dxhelpers.random_account()
    client = dxhelpers.make_client(server.url, account)
    connection = client.create_connection(location="EqDC2", bandwidth="10Gbps", connectionName="c",
                                          requestMACSec=True)["connectionId"]
    client.associate_mac_sec_key(connectionId=connection, ckn=dxhelpers.random_hex64(),
                                 cak=dxhelpers.random_hex64())
    gateway = client.create_direct_connect_gateway(directConnectGatewayName="g")["directConnectGateway"]
    ec2 = dxhelpers._client("ec2", server.url, account, "us-east-1", dxhelpers.boto_config())
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
    association = client.create_direct_connect_gateway_association(
        directConnectGatewayId=gateway["directConnectGatewayId"], gatewayId=vgw)["directConnectGatewayAssociation"]

    def states() -> dict:
        port = dxhelpers.describe_connection(client, connection)
        return {
            "connection": port["connectionState"],
            "key": port["macSecKeys"][0]["state"],
            "gateway": client.describe_direct_connect_gateways(
                directConnectGatewayId=gateway["directConnectGatewayId"])["directConnectGateways"][0][
                "directConnectGatewayState"],
            "association": client.describe_direct_connect_gateway_associations(
                associationId=association["associationId"])["directConnectGatewayAssociations"][0][
                "associationState"],
        }

    return states


SETTLED = {"connection": "available", "key": "associated", "gateway": "available", "association": "associated"}


def test_a_kinds_own_time_overrides_the_time_of_every_kind(server_factory):
    server = server_factory.start(settle_time=HOUR, extra_args=(
        "--clock-control", "--settle-time-connection", "0", "--settle-time-key", "0"))
    states = scene(server)
    assert states() == {**SETTLED, "gateway": "pending", "association": "associating"}
    dxhelpers.advance_clock(server, HOUR + 1)
    assert states() == SETTLED


def test_associations_take_two_seconds_unless_a_time_is_given(server_factory):
    server = server_factory.start(extra_args=("--clock-control",))
    states = scene(server)
    assert states() == {**SETTLED, "association": "associating"}
    dxhelpers.advance_clock(server, 2)
    assert states() == SETTLED
    # --settle-time is every kind's time, this one's too; --settle-time-association is its own.
    assert scene(server_factory.start(settle_time=0))() == SETTLED
    own = server_factory.start(settle_time=0, extra_args=("--clock-control", "--settle-time-association", "5"))
    states = scene(own)
    assert states() == {**SETTLED, "association": "associating"}
    dxhelpers.advance_clock(own, 3)
    assert states() == {**SETTLED, "association": "associating"}
    dxhelpers.advance_clock(own, 2)
    assert states() == SETTLED


def test_one_kind_may_take_time_while_the_rest_settle_at_once(server_factory):
    server = server_factory.start(extra_args=("--clock-control", "--settle-time-key", str(HOUR)))
    states = scene(server)
    # A key's association holds its port pending meanwhile, as with --settle-time.
    assert states() == {"connection": "pending", "key": "associating", "gateway": "available",
                        "association": "associating"}
    dxhelpers.advance_clock(server, HOUR + 1)
    assert states() == SETTLED


def test_the_environment_sets_a_kinds_time_too(server_factory):
    server = server_factory.start(extra_args=("--clock-control",), env={"DXLOCAL_SETTLE_TIME_GATEWAY": str(HOUR),
                                                                         "DXLOCAL_SETTLE_TIME_ASSOCIATION": "0"})
    assert scene(server)() == {**SETTLED, "gateway": "pending"}


@pytest.mark.parametrize("args", [
    ("--settle-time-gateway", "-1"),
    ("--settle-time-key", "soon"),
    ("--settle-time-connection", "inf"),
    ("--settle-time-association", "-2"),
    ("--settle-time-proposal", "-1"),
    ("--settle-time-failover-test", "nan"),
])
def test_a_time_that_is_not_a_number_of_seconds_stops_the_start(dxlocal_bin, args):
    result = subprocess.run([str(dxlocal_bin), "serve", "--in-memory", "--port", "0", *args],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0, result.stdout
    assert args[0] in result.stderr or args[1] in result.stderr, result.stderr


@pytest.mark.parametrize("seconds", [-1, 1e300, 100 * 365.25 * 86400 + 1])
def test_the_clock_moves_forward_by_at_most_a_hundred_years_a_call(clock_server, seconds):
    """A refused move answers 400 and leaves the clock where it was; a timestamp written afterwards (a key's
    `startOn`) is still one the wire can spell."""
    client = dxhelpers.make_client(clock_server.url, account=dxhelpers.random_account())
    before = dxhelpers.advance_clock(clock_server, 0)
    response = dxhelpers.raw_request(clock_server.url, path="/_dxlocal/clock", content_type="application/json",
                                     body=json.dumps({"advanceSeconds": seconds}).encode())
    dxhelpers.assert_aws_error(response, 400, "ValidationException")
    assert dxhelpers.advance_clock(clock_server, 0) - before < 60
    for _ in range(3):
        dxhelpers.advance_clock(clock_server, 100 * 365.25 * 86400)
    connection = client.create_connection(location="EqDC2", bandwidth="10Gbps", connectionName="late",
                                          requestMACSec=True)["connectionId"]
    dxhelpers.advance_clock(clock_server, 1)
    key = client.associate_mac_sec_key(connectionId=connection, ckn=dxhelpers.random_hex64(),
                                       cak=dxhelpers.random_hex64())["macSecKeys"][0]
    assert key["startOn"].startswith("23"), key


def test_without_clock_control_the_clock_path_says_which_flag_serves_it(server):
    response = dxhelpers.raw_request(server.url, path="/_dxlocal/clock", content_type="application/json",
                                     body=json.dumps({"advanceSeconds": 60}).encode())
    error = dxhelpers.assert_aws_error(response, 404, "UnknownOperationException")
    assert "--clock-control" in error["message"] and "DXLOCAL_CLOCK_CONTROL" in error["message"], error


def test_a_port_in_use_stops_the_start_saying_so(dxlocal_bin):
    """Not NIO's `bind(...)` text: which address is taken, and what to do."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([str(dxlocal_bin), "serve", "--in-memory", "--host", "127.0.0.1", "--port", str(port)],
                                capture_output=True, text=True, timeout=60)
    assert result.returncode != 0, result.stdout
    assert f"Error: 127.0.0.1 port {port} is already in use" in result.stderr, result.stderr
    assert "--port" in result.stderr and "bind(" not in result.stderr
