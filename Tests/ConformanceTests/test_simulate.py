"""SPEC 11: `POST /_dxlocal/simulate` makes a port go down and come up again, found by its ID in any account and
region: the connection reads `down` and stops encrypting, a LAG with fewer members up than its minimum links reads
`down`, what a port carries (virtual interfaces, a partner's hosted connections) goes down with it, and `port-up`
brings every state back; a virtual interface's `bgp-down` makes it `down` with its peers' BGP
down, and `bgp-up` brings it back. A port still settling, an unknown ID or a body it cannot read is refused and
changes nothing; a reset takes simulated states away with the records."""

from __future__ import annotations

import json

import pytest

import dxhelpers


def simulate(server, body, headers=None) -> dxhelpers.RawResponse:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return dxhelpers.raw_request(server.url, path="/_dxlocal/simulate", body=data, headers=headers,
                                 content_type="application/json")


def test_a_port_goes_down_and_comes_up_again(server):
    account = dxhelpers.random_account()
    dx = dxhelpers.make_client(server.url, account=account, region="us-west-2")
    connection = dx.create_connection(location="EqSe2", bandwidth="10Gbps", connectionName="sim",
                                      requestMACSec=True)["connectionId"]
    dx.associate_mac_sec_key(connectionId=connection, ckn=dxhelpers.random_hex64(), cak=dxhelpers.random_hex64())
    assert dxhelpers.describe_connection(dx, connection)["portEncryptionStatus"] == "Encryption Up"

    response = simulate(server, {"connectionId": connection, "event": "port-down"})
    assert response.status == 200, response
    assert response.json() == {"connectionId": connection, "ownerAccount": account, "region": "us-west-2",
                               "connectionState": "down", "portEncryptionStatus": "Encryption Down"}
    shown = dxhelpers.describe_connection(dx, connection)
    assert (shown["connectionState"], shown["portEncryptionStatus"]) == ("down", "Encryption Down")
    # The key stays associated: the link is down, not the key.
    assert [key["state"] for key in shown["macSecKeys"]] == ["associated"]
    # SPEC 4, check 6: a port held down takes no key meanwhile.
    dxhelpers.expect_error(lambda: dx.associate_mac_sec_key(connectionId=connection, ckn=dxhelpers.random_hex64(),
                                                            cak=dxhelpers.random_hex64()),
                           contains=[f"The port is not in available state to associate the key for account {account}"])
    assert dxhelpers.describe_connection(dx, connection)["macSecKeys"] == shown["macSecKeys"]
    # Down again changes nothing; up brings it back.
    assert simulate(server, {"connectionId": connection, "event": "port-down"}).json()["connectionState"] == "down"
    assert simulate(server, {"connectionId": connection, "event": "port-up"}).json()["connectionState"] == "available"
    shown = dxhelpers.describe_connection(dx, connection)
    assert (shown["connectionState"], shown["portEncryptionStatus"]) == ("available", "Encryption Up")
    dx.associate_mac_sec_key(connectionId=connection, ckn=dxhelpers.random_hex64(), cak=dxhelpers.random_hex64())


def test_a_lag_goes_down_below_its_minimum_links(server):
    dx = dxhelpers.make_client(server.url, account=dxhelpers.random_account())
    lag = dx.create_lag(numberOfConnections=2, location="EqDC2", connectionsBandwidth="10Gbps", lagName="sim")
    lag_id = lag["lagId"]
    first, second = sorted(member["connectionId"] for member in lag["connections"])
    dx.update_lag(lagId=lag_id, minimumLinks=2)
    down = simulate(server, {"connectionId": first, "event": "port-down"}).json()
    assert (down["lagId"], down["lagState"]) == (lag_id, "down")
    shown = dxhelpers.describe_lag(dx, lag_id)
    assert shown["lagState"] == "down"
    assert {m["connectionId"]: m["connectionState"] for m in shown["connections"]} == \
        {first: "down", second: "available"}
    dx.update_lag(lagId=lag_id, minimumLinks=1)
    assert dxhelpers.describe_lag(dx, lag_id)["lagState"] == "available"
    simulate(server, {"connectionId": second, "event": "port-down"})
    assert dxhelpers.describe_lag(dx, lag_id)["lagState"] == "down"
    simulate(server, {"connectionId": first, "event": "port-up"})
    assert dxhelpers.describe_lag(dx, lag_id)["lagState"] == "available"


def test_a_lag_down_for_its_members_held_down_takes_no_key(server):
    """SPEC 4, check 6 on a LAG: below its minimum links for members the operator holds down it is not available."""
    account = dxhelpers.random_account()
    dx = dxhelpers.make_client(server.url, account=account)
    lag = dx.create_lag(numberOfConnections=1, location="EqDC2", connectionsBandwidth="10Gbps", lagName="sim",
                        requestMACSec=True)
    lag_id, (member,) = lag["lagId"], [m["connectionId"] for m in lag["connections"]]
    dx.update_lag(lagId=lag_id, minimumLinks=1)
    simulate(server, {"connectionId": member, "event": "port-down"})
    assert dxhelpers.describe_lag(dx, lag_id)["lagState"] == "down"
    dxhelpers.expect_error(lambda: dx.associate_mac_sec_key(connectionId=lag_id, ckn=dxhelpers.random_hex64(),
                                                            cak=dxhelpers.random_hex64()),
                           contains=[f"The port is not in available state to associate the key for account {account}"])
    assert dxhelpers.describe_lag(dx, lag_id).get("macSecKeys", []) == []
    simulate(server, {"connectionId": member, "event": "port-up"})
    keys = dx.associate_mac_sec_key(connectionId=lag_id, ckn=dxhelpers.random_hex64(),
                                    cak=dxhelpers.random_hex64())["macSecKeys"]
    assert len(keys) == 1


def test_a_port_still_settling_cannot_go_down(settle_server):
    dx = dxhelpers.make_client(settle_server.url, account=dxhelpers.random_account())
    connection = dx.create_connection(location="EqDC2", bandwidth="1Gbps", connectionName="new")["connectionId"]
    state = dxhelpers.describe_connection(dx, connection)["connectionState"]
    assert state in ("requested", "pending")
    error = dxhelpers.assert_aws_error(simulate(settle_server, {"connectionId": connection, "event": "port-down"}),
                                       400, "ValidationException")
    assert "available" in error["message"]
    assert dxhelpers.describe_connection(dx, connection)["connectionState"] in ("requested", "pending", "available")


@pytest.mark.parametrize("body, status, code, words", [
    (b"{", 400, "SerializationException", "not valid JSON"),
    (b"[]", 400, "SerializationException", "JSON object"),
    (b'{"connectionId": "CONNECTION"}', 400, "SerializationException", "event"),
    (b'{"connectionId": "CONNECTION", "event": "unplugged"}', 400, "ValidationException", "port-down or port-up"),
    (b'{"connectionId": "CONNECTION", "event": "port-down", "delay": 5}', 400, "SerializationException",
     "Member delay is not known here"),
    (b'{"connectionId": "CONNECTION", "event": "bgp-down"}', 400, "ValidationException", "port-down or port-up"),
    (b'{"connectionId": "CONNECTION", "virtualInterfaceId": "dxvif-ffffffff", "event": "port-down"}', 400,
     "ValidationException", "exactly one"),
    (b'{"event": "port-down"}', 400, "ValidationException", "exactly one"),
    (b'{"connectionId": "dxcon-ffffffff", "event": "port-down"}', 404, "NotFoundException", "dxcon-ffffffff"),
    (b'{"virtualInterfaceId": "dxvif-ffffffff", "event": "bgp-down"}', 404, "NotFoundException", "dxvif-ffffffff"),
    (b'{"virtualInterfaceId": "dxvif-ffffffff", "event": "port-down"}', 400, "ValidationException", "bgp-down"),
])
def test_a_call_it_refuses_changes_nothing(server, body, status, code, words):
    dx = dxhelpers.make_client(server.url, account=dxhelpers.random_account())
    connection = dx.create_connection(location="EqDC2", bandwidth="1Gbps", connectionName="x")["connectionId"]
    error = dxhelpers.assert_aws_error(simulate(server, body.replace(b"CONNECTION", connection.encode())),
                                       status, code)
    assert words in error["message"], error
    assert dxhelpers.describe_connection(dx, connection)["connectionState"] == "available"


def test_with_sigv4_only_a_caller_from_the_credentials_file_may_simulate(server_factory, tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text("AKIDSIMULATE simulate-secret 678901234567\n")
    server = server_factory.start(extra_args=("--auth", "sigv4", "--credentials-file", str(credentials)))
    response = simulate(server, {"connectionId": "dxcon-ffffffff", "event": "port-down"})
    dxhelpers.assert_aws_error(response, 403, "MissingAuthenticationTokenException")


def test_a_virtual_interfaces_bgp_goes_down_and_comes_up_again(server):
    account = dxhelpers.random_account()
    dx = dxhelpers.make_client(server.url, account=account, region="eu-central-1")
    connection = dx.create_connection(location="EqFA5", bandwidth="10Gbps", connectionName="sim")["connectionId"]
    gateway = dx.create_direct_connect_gateway(directConnectGatewayName="sim")["directConnectGateway"][
        "directConnectGatewayId"]
    created = dx.create_private_virtual_interface(connectionId=connection, newPrivateVirtualInterface={
        "virtualInterfaceName": "sim", "vlan": 10, "asn": 65000, "directConnectGatewayId": gateway})
    interface_id = created["virtualInterfaceId"]

    response = simulate(server, {"virtualInterfaceId": interface_id, "event": "bgp-down"})
    assert response.status == 200, response
    assert response.json() == {"virtualInterfaceId": interface_id, "ownerAccount": account, "region": "eu-central-1",
                               "connectionId": connection, "virtualInterfaceState": "down", "bgpStatus": ["down"]}
    (shown,) = dx.describe_virtual_interfaces(virtualInterfaceId=interface_id)["virtualInterfaces"]
    assert shown["virtualInterfaceState"] == "down"
    assert [(p["bgpPeerState"], p["bgpStatus"]) for p in shown["bgpPeers"]] == [("available", "down")]

    response = simulate(server, {"virtualInterfaceId": interface_id, "event": "bgp-up"})
    assert response.json()["virtualInterfaceState"] == "available"
    assert response.json()["bgpStatus"] == ["up"]
    (shown,) = dx.describe_virtual_interfaces(virtualInterfaceId=interface_id)["virtualInterfaces"]
    assert [p["bgpStatus"] for p in shown["bgpPeers"]] == ["up"]
    # A deleted interface's BGP takes no event.
    dx.delete_virtual_interface(virtualInterfaceId=interface_id)
    error = dxhelpers.assert_aws_error(simulate(server, {"virtualInterfaceId": interface_id, "event": "bgp-down"}),
                                       400, "ValidationException")
    assert "deleted" in error["message"]


def test_a_port_down_takes_down_its_interfaces_and_a_partners_hosted_connections(server):
    """A port's event reaches what it carries: the interfaces of a connection, and the hosted connections of a
    partner's interconnect (in their customer's account) with their interfaces; port-up brings them all back."""
    partner, customer = dxhelpers.random_account(), dxhelpers.random_account()
    partner_dx = dxhelpers.make_client(server.url, account=partner)
    dx = dxhelpers.make_client(server.url, account=customer)
    nni = partner_dx.create_interconnect(interconnectName="nni", bandwidth="10Gbps", location="EqDC2")[
        "interconnectId"]
    hosted = partner_dx.allocate_hosted_connection(connectionId=nni, ownerAccount=customer, bandwidth="1Gbps",
                                                   connectionName="hosted", vlan=70)["connectionId"]
    dx.confirm_connection(connectionId=hosted)
    gateway = dx.create_direct_connect_gateway(directConnectGatewayName="sim")["directConnectGateway"][
        "directConnectGatewayId"]
    on_hosted = dx.create_private_virtual_interface(connectionId=hosted, newPrivateVirtualInterface={
        "virtualInterfaceName": "h", "vlan": 70, "asn": 65000, "directConnectGatewayId": gateway})["virtualInterfaceId"]

    def states():
        (interface,) = dx.describe_virtual_interfaces(virtualInterfaceId=on_hosted)["virtualInterfaces"]
        return (dxhelpers.describe_connection(dx, hosted)["connectionState"], interface["virtualInterfaceState"],
                [peer["bgpStatus"] for peer in interface["bgpPeers"]])

    assert states() == ("available", "available", ["up"])
    assert simulate(server, {"connectionId": nni, "event": "port-down"}).status == 200
    assert states() == ("down", "down", ["down"])
    # The hosted connection is a VLAN on the partner's port: it cannot come up on its own while that port is down.
    error = dxhelpers.assert_aws_error(simulate(server, {"connectionId": hosted, "event": "port-up"}), 400,
                                       "ValidationException")
    assert f"hosted connection on {nni}, whose port is down" in error["message"], error
    assert states() == ("down", "down", ["down"])
    assert simulate(server, {"connectionId": nni, "event": "port-up"}).status == 200
    assert states() == ("available", "available", ["up"])


def test_a_hosted_connection_not_yet_confirmed_is_named_ordering(server):
    partner, customer = dxhelpers.random_account(), dxhelpers.random_account()
    partner_dx = dxhelpers.make_client(server.url, account=partner)
    nni = partner_dx.create_interconnect(interconnectName="nni", bandwidth="10Gbps", location="EqDC2")[
        "interconnectId"]
    hosted = partner_dx.allocate_hosted_connection(connectionId=nni, ownerAccount=customer, bandwidth="1Gbps",
                                                   connectionName="hosted", vlan=71)["connectionId"]
    error = dxhelpers.assert_aws_error(simulate(server, {"connectionId": hosted, "event": "port-down"}), 400,
                                       "ValidationException")
    assert f"{hosted} is ordering" in error["message"], error
