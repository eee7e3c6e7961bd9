"""SPEC 12 through boto3: a MACsec port encrypts only while MKA between the AWS device and the customer's router is
secured. The customer router is configured through `/_dxlocal/mka/customer/{id}` (and `dxlocal router`); the MKA
clock is scaled (`--mka-time-scale 10`: hello 20 s, life 60 s) and moved with `--clock-control`, so nothing sleeps.
A rotation in the right order keeps `Encryption Up` throughout; removing the old key first drops it (and a
`must_encrypt` port with it); a CAK mismatch never secures; a CKN mismatch is ignored; a silent router expires after
the life time, and what the port carries goes down with it; a LAG follows its members; the pcap of the last MKPDUs opens in tshark as MKA."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

import dxhelpers
from dxhelpers import cli_env, random_hex64

SCALE = 10
HELLO = 2 * SCALE
LIFE = 6 * SCALE
KEY_SETTLE = 30


@pytest.fixture
def mka_server(server_factory):
    return server_factory.start(
        settle_time=0,
        extra_args=("--clock-control", "--mka-time-scale", str(SCALE), "--settle-time-key", str(KEY_SETTLE)),
    )


def operator(server, method, path, body=None) -> dxhelpers.RawResponse:
    data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    return dxhelpers.raw_request(server.url, method=method, path=path, body=data, content_type="application/json")


def set_customer(server, connection_id, keys, **extra) -> dict:
    body = {"keys": [{"ckn": ckn, "cak": cak} for ckn, cak in keys], **extra}
    response = operator(server, "PUT", f"/_dxlocal/mka/customer/{connection_id}", body)
    assert response.status == 200, response
    for _, cak in keys:
        assert cak.encode() not in response.body
    return response.json()


def mka(server, connection_id) -> dict:
    response = operator(server, "GET", f"/_dxlocal/mka/{connection_id}")
    assert response.status == 200, response
    return response.json()


def shown(dx, connection_id) -> tuple[str, str]:
    connection = dxhelpers.describe_connection(dx, connection_id)
    return connection["connectionState"], connection["portEncryptionStatus"]


def key() -> tuple[str, str]:
    return random_hex64(), random_hex64()


def macsec_connection(dx, bandwidth="10Gbps") -> str:
    return dx.create_connection(location="EqDC2", bandwidth=bandwidth, connectionName="mka",
                                requestMACSec=True)["connectionId"]


def associate(server, dx, connection_id, pair) -> None:
    dx.associate_mac_sec_key(connectionId=connection_id, ckn=pair[0], cak=pair[1])
    dxhelpers.advance_clock(server, KEY_SETTLE + 1)


def pcap_rows(server, connection_id, tmp_path) -> tuple[list[list[str]], str]:
    """The port's capture as tshark reads it: one row (protocol, CKN, distributed SAK, XPN) a frame, and -V's text."""
    tshark = shutil.which("tshark")
    assert tshark, "tshark (Debian's) is needed: scripts/test installs it"
    response = dxhelpers.raw_request(server.url, method="GET", path=f"/_dxlocal/mka/{connection_id}/pcap",
                                     content_type=None)
    assert response.status == 200, response
    assert response.header("Content-Type") == "application/vnd.tcpdump.pcap"
    path = tmp_path / f"{connection_id}.pcap"
    path.write_bytes(response.body)
    fields = subprocess.run([tshark, "-r", str(path), "-T", "fields", "-E", "separator=|", "-e", "_ws.col.Protocol",
                             "-e", "mka.cak_name", "-e", "mka.distributed_sak_set", "-e", "mka.xpn_set"],
                            capture_output=True, text=True, timeout=120, check=True).stdout
    detail = subprocess.run([tshark, "-r", str(path), "-V"], capture_output=True, text=True, timeout=120,
                            check=True).stdout
    return [line.split("|") for line in fields.splitlines()], detail


def assert_decodes_as_mka(rows, detail, ckns) -> None:
    assert rows, "the capture holds no frame"
    for row in rows:
        assert row[0] == "EAPOL-MKA", row
        assert row[1] in ckns, row
    for marker in ("Malformed", "ndecoded", "Expert Info (Warning", "Expert Info (Error"):
        assert marker not in detail


def test_matching_keys_secure_and_both_ends_are_shown(mka_server, tmp_path):
    dx = dxhelpers.make_client(mka_server.url, account=dxhelpers.random_account())
    connection = macsec_connection(dx)
    first = key()
    associate(mka_server, dx, connection, first)
    configured = set_customer(mka_server, connection, [first])
    assert configured["ckns"] == [first[0]] and configured["keyServerPriority"] == 16
    assert shown(dx, connection) == ("available", "Encryption Up")
    view = mka(mka_server, connection)
    assert (view["customerRouter"], view["secured"], view["portEncryptionStatus"]) == \
        ("configured", True, "Encryption Up")
    device, customer = view["device"], view["customer"]
    assert device["keyInUse"] == customer["keyInUse"] == first[0]
    (ours,), (theirs,) = device["participants"], customer["participants"]
    assert ours["livePeers"] == [theirs["memberIdentifier"]] and theirs["livePeers"] == [ours["memberIdentifier"]]
    # One key server, elected by both; 10 Gbps prefers GCM-AES-XPN-256, which the customer offers by default.
    assert ours["keyServer"] == theirs["keyServer"] and ours["isKeyServer"] != theirs["isKeyServer"]
    assert ours["cipherSuite"] == theirs["cipherSuite"] == "GCM-AES-XPN-256"
    assert ours["keyNumber"] == theirs["keyNumber"] and ours["securedSince"]
    # Hellos keep it secured; message numbers grow with them.
    dxhelpers.advance_clock(mka_server, 10 * HELLO)
    later = mka(mka_server, connection)
    assert later["secured"] is True
    assert later["device"]["participants"][0]["messageNumber"] >= ours["messageNumber"] + 10
    shown_config = operator(mka_server, "GET", f"/_dxlocal/mka/customer/{connection}")
    assert shown_config.json()["ckns"] == [first[0]]
    assert first[1].encode() not in shown_config.body and first[1].encode() not in json.dumps(later).encode()
    rows, detail = pcap_rows(mka_server, connection, tmp_path)
    assert_decodes_as_mka(rows, detail, {first[0]})
    assert "GCM-AES-XPN-256" in detail and first[1] not in detail


def test_a_cak_mismatch_never_secures_and_a_ckn_mismatch_is_ignored(mka_server):
    dx = dxhelpers.make_client(mka_server.url, account=dxhelpers.random_account())
    connection = macsec_connection(dx)
    aws = key()
    associate(mka_server, dx, connection, aws)
    set_customer(mka_server, connection, [(aws[0], random_hex64())])
    for _ in range(3):
        assert shown(dx, connection) == ("available", "Encryption Down")
        view = mka(mka_server, connection)
        assert view["secured"] is False
        assert view["device"]["participants"][0]["livePeers"] == []
        assert view["device"]["participants"][0]["potentialPeers"] == []
        dxhelpers.advance_clock(mka_server, LIFE)
    set_customer(mka_server, connection, [(random_hex64(), aws[1])])
    dxhelpers.advance_clock(mka_server, LIFE)
    assert shown(dx, connection) == ("available", "Encryption Down")
    view = mka(mka_server, connection)
    assert view["device"]["participants"][0]["livePeers"] == [] and "keyInUse" not in view["customer"]
    # The right pair secures at once.
    set_customer(mka_server, connection, [aws])
    assert shown(dx, connection) == ("available", "Encryption Up")


def test_a_rotation_in_the_right_order_keeps_encryption_up(mka_server, tmp_path):
    dx = dxhelpers.make_client(mka_server.url, account=dxhelpers.random_account())
    connection = macsec_connection(dx, bandwidth="100Gbps")
    old, new = key(), key()
    associate(mka_server, dx, connection, old)
    set_customer(mka_server, connection, [old])
    dx.update_connection(connectionId=connection, encryptionMode="must_encrypt")
    assert shown(dx, connection) == ("available", "Encryption Up")
    # The customer takes the new key first, then AWS; the device moves to it once its association settles.
    set_customer(mka_server, connection, [old, new])
    assert shown(dx, connection) == ("available", "Encryption Up")
    dx.associate_mac_sec_key(connectionId=connection, ckn=new[0], cak=new[1])
    assert mka(mka_server, connection)["device"]["keyInUse"] == old[0]
    dxhelpers.advance_clock(mka_server, KEY_SETTLE + 1)
    view = mka(mka_server, connection)
    assert (view["secured"], view["device"]["keyInUse"], view["customer"]["keyInUse"]) == (True, new[0], new[0])
    assert shown(dx, connection) == ("available", "Encryption Up")
    dx.disassociate_mac_sec_key(connectionId=connection, secretARN=_arn(dx, connection, old[0]))
    # `pending` while the key leaves (SPEC 4), encrypting all along.
    assert shown(dx, connection) == ("pending", "Encryption Up")
    dxhelpers.advance_clock(mka_server, KEY_SETTLE + 1)
    for _ in range(3):
        assert shown(dx, connection) == ("available", "Encryption Up")
        dxhelpers.advance_clock(mka_server, LIFE)
    set_customer(mka_server, connection, [new])
    dxhelpers.advance_clock(mka_server, LIFE)
    assert shown(dx, connection) == ("available", "Encryption Up")
    rows, detail = pcap_rows(mka_server, connection, tmp_path)
    assert_decodes_as_mka(rows, detail, {old[0], new[0]})
    # 100 Gbps: XPN only, and the XPN parameter set goes with its SAKs.
    assert any(len(row) > 3 and row[3] for row in rows)
    assert "GCM-AES-XPN-256" in detail


def must_encrypt_port(server, pair, router) -> tuple:
    """A MACsec connection holding `pair`, its customer router configured with `router`'s keys, then set to
    `must_encrypt`: its client and ID."""
    dx = dxhelpers.make_client(server.url, account=dxhelpers.random_account())
    connection = macsec_connection(dx)
    associate(server, dx, connection, pair)
    set_customer(server, connection, router)
    dx.update_connection(connectionId=connection, encryptionMode="must_encrypt")
    return dx, connection


def test_removing_the_old_key_first_drops_the_link_and_a_must_encrypt_port(mka_server, tmp_path):
    old, new = key(), key()
    dx, connection = must_encrypt_port(mka_server, old, router=[old])
    associate(mka_server, dx, connection, new)
    # The customer never got the new key: the device falls back to the old, working one.
    view = mka(mka_server, connection)
    assert (view["secured"], view["device"]["keyInUse"]) == (True, old[0])
    assert shown(dx, connection) == ("available", "Encryption Up")
    dx.disassociate_mac_sec_key(connectionId=connection, secretARN=_arn(dx, connection, old[0]))
    # The device drops the old key at once: no longer encrypting while the disassociation settles, then down.
    assert shown(dx, connection) == ("pending", "Encryption Down")
    dxhelpers.advance_clock(mka_server, KEY_SETTLE + 1)
    assert shown(dx, connection) == ("down", "Encryption Down")
    assert dxhelpers.describe_connection(dx, connection)["encryptionMode"] == "must_encrypt"
    dxhelpers.advance_clock(mka_server, LIFE + 1)
    assert shown(dx, connection) == ("down", "Encryption Down")
    # The customer catches up: the port comes back.
    set_customer(mka_server, connection, [new])
    assert shown(dx, connection) == ("available", "Encryption Up")
    assert mka(mka_server, connection)["device"]["keyInUse"] == new[0]
    rows, detail = pcap_rows(mka_server, connection, tmp_path)
    assert_decodes_as_mka(rows, detail, {old[0], new[0]})


def test_no_common_cipher_suite_never_secures(mka_server):
    dx = dxhelpers.make_client(mka_server.url, account=dxhelpers.random_account())
    connection = macsec_connection(dx, bandwidth="100Gbps")
    pair = key()
    associate(mka_server, dx, connection, pair)
    # 100 Gbps takes GCM-AES-XPN-256 only (reference mka.md 3): a router without it never installs a SAK.
    set_customer(mka_server, connection, [pair], cipherSuites=["GCM-AES-256"])
    dxhelpers.advance_clock(mka_server, LIFE)
    assert shown(dx, connection) == ("available", "Encryption Down")
    device = mka(mka_server, connection)["device"]["participants"][0]
    assert len(device["livePeers"]) == 1 and "securedSince" not in device
    set_customer(mka_server, connection, [pair], cipherSuites=["GCM-AES-256", "GCM-AES-XPN-256"])
    assert shown(dx, connection) == ("available", "Encryption Up")
    assert mka(mka_server, connection)["customer"]["participants"][0]["cipherSuite"] == "GCM-AES-XPN-256"


def test_a_silent_router_expires_after_the_life_time(mka_server):
    dx = dxhelpers.make_client(mka_server.url, account=dxhelpers.random_account())
    connection = macsec_connection(dx)
    pair = key()
    associate(mka_server, dx, connection, pair)
    set_customer(mka_server, connection, [pair])
    dx.update_connection(connectionId=connection, encryptionMode="must_encrypt")
    # What the port carries goes down with it: an interface and its BGP session.
    gateway = dx.create_direct_connect_gateway(directConnectGatewayName="mka", amazonSideAsn=64512)
    vif = dx.create_private_virtual_interface(connectionId=connection, newPrivateVirtualInterface={
        "virtualInterfaceName": "mka", "vlan": 101, "asn": 65000,
        "directConnectGatewayId": gateway["directConnectGateway"]["directConnectGatewayId"],
    })["virtualInterfaceId"]

    def interface() -> tuple[str, list[str]]:
        shown_vif = dx.describe_virtual_interfaces(virtualInterfaceId=vif)["virtualInterfaces"][0]
        return shown_vif["virtualInterfaceState"], [peer["bgpStatus"] for peer in shown_vif["bgpPeers"]]

    assert interface() == ("available", ["up"])
    set_customer(mka_server, connection, [])  # the router loses its keys and says nothing more
    view = mka(mka_server, connection)
    assert view["customer"]["participants"] == []
    assert len(view["device"]["participants"][0]["livePeers"]) == 1  # still live until the life time
    dxhelpers.advance_clock(mka_server, LIFE + 1)
    assert shown(dx, connection) == ("down", "Encryption Down")
    assert interface() == ("down", ["down"])
    assert mka(mka_server, connection)["device"]["participants"][0]["livePeers"] == []
    set_customer(mka_server, connection, [pair])
    assert shown(dx, connection) == ("available", "Encryption Up")
    assert interface() == ("available", ["up"])


def test_a_lag_follows_its_members(mka_server):
    dx = dxhelpers.make_client(mka_server.url, account=dxhelpers.random_account())
    lag = dx.create_lag(numberOfConnections=2, location="EqDC2", connectionsBandwidth="10Gbps", lagName="mka",
                        requestMACSec=True)
    lag_id = lag["lagId"]
    first, second = sorted(member["connectionId"] for member in lag["connections"])
    pair = key()
    dx.associate_mac_sec_key(connectionId=lag_id, ckn=pair[0], cak=pair[1])
    dxhelpers.advance_clock(mka_server, KEY_SETTLE + 1)
    dx.update_lag(lagId=lag_id, minimumLinks=2, encryptionMode="must_encrypt")
    set_customer(mka_server, first, [pair])
    set_customer(mka_server, second, [(pair[0], random_hex64())])
    members = {m["connectionId"]: (m["connectionState"], m["portEncryptionStatus"])
               for m in dxhelpers.describe_lag(dx, lag_id)["connections"]}
    assert members == {first: ("available", "Encryption Up"), second: ("down", "Encryption Down")}
    assert dxhelpers.describe_lag(dx, lag_id)["lagState"] == "down"
    assert shown(dx, second) == ("down", "Encryption Down")
    set_customer(mka_server, second, [pair])
    assert dxhelpers.describe_lag(dx, lag_id)["lagState"] == "available"
    assert shown(dx, second) == ("available", "Encryption Up")


def test_without_configuration_the_auto_customer_agrees_and_clearing_returns_to_it(mka_server):
    dx = dxhelpers.make_client(mka_server.url, account=dxhelpers.random_account())
    connection = macsec_connection(dx)
    pair = key()
    associate(mka_server, dx, connection, pair)
    assert shown(dx, connection) == ("available", "Encryption Up")
    assert mka(mka_server, connection)["customerRouter"] == "auto"
    set_customer(mka_server, connection, [key()])
    assert shown(dx, connection) == ("available", "Encryption Down")
    cleared = operator(mka_server, "DELETE", f"/_dxlocal/mka/customer/{connection}")
    assert cleared.status == 200, cleared
    assert shown(dx, connection) == ("available", "Encryption Up")
    missing = operator(mka_server, "GET", f"/_dxlocal/mka/customer/{connection}")
    assert missing.status == 404 and missing.json()["__type"] == "NotFoundException"
    assert connection in missing.json()["message"]


def test_with_no_customer_router_an_unconfigured_port_never_encrypts(server_factory):
    server = server_factory.start(settle_time=0, extra_args=("--customer-router", "none"))
    dx = dxhelpers.make_client(server.url, account=dxhelpers.random_account())
    connection = macsec_connection(dx)
    pair = key()
    dx.associate_mac_sec_key(connectionId=connection, ckn=pair[0], cak=pair[1])
    assert shown(dx, connection) == ("available", "Encryption Down")
    dx.update_connection(connectionId=connection, encryptionMode="must_encrypt")
    assert shown(dx, connection) == ("down", "Encryption Down")
    view = mka(server, connection)
    assert (view["customerRouter"], view["secured"]) == ("none", False) and "customer" not in view
    set_customer(server, connection, [pair])
    assert shown(dx, connection) == ("available", "Encryption Up")


@pytest.mark.parametrize("body, code, message", [
    ({}, "ValidationException", "Member keys is missing"),
    ({"keys": [{"ckn": "abc", "cak": "0" * 64}]}, "ValidationException", "keys[0].ckn"),
    ({"keys": [{"ckn": "a" * 64, "cak": "zz" * 32}]}, "ValidationException", "keys[0].cak"),
    ({"keys": [{"ckn": "a" * 64, "cak": "0" * 64}, {"ckn": "A" * 64, "cak": "1" * 64}]}, "ValidationException",
     "given twice"),
    ({"keys": [], "keyServerPriority": 256}, "ValidationException", "keyServerPriority"),
    ({"keys": [], "cipherSuites": ["GCM-AES-999"]}, "ValidationException", "GCM-AES-999"),
    ({"keys": [], "cipherSuites": []}, "ValidationException", "at least one"),
    ({"keys": [], "keyserverPriority": 1}, "SerializationException", "Member keyserverPriority is not known here"),
    ({"keys": [{"ckn": "a" * 64, "cak": "0" * 64, "fallback": True}]}, "SerializationException",
     "Member keys.[0].fallback is not known here"),
    (b"{not json", "SerializationException", "not valid JSON"),
])
def test_a_bad_configuration_is_refused_and_changes_nothing(mka_server, body, code, message):
    dx = dxhelpers.make_client(mka_server.url, account=dxhelpers.random_account())
    connection = macsec_connection(dx)
    pair = key()
    associate(mka_server, dx, connection, pair)
    response = operator(mka_server, "PUT", f"/_dxlocal/mka/customer/{connection}", body)
    assert response.status == 400, response
    assert response.json()["__type"] == code
    assert message in response.json()["message"], response.json()
    assert b"0" * 64 not in response.body
    assert operator(mka_server, "GET", f"/_dxlocal/mka/customer/{connection}").status == 404
    assert shown(dx, connection) == ("available", "Encryption Up")


def test_only_a_macsec_port_has_a_customer_router(mka_server):
    dx = dxhelpers.make_client(mka_server.url, account=dxhelpers.random_account())
    plain = dx.create_connection(location="EqDC2", bandwidth="10Gbps", connectionName="plain")["connectionId"]
    refused = operator(mka_server, "PUT", f"/_dxlocal/mka/customer/{plain}", {"keys": []})
    assert refused.status == 400 and "not MACsec capable" in refused.json()["message"]
    unknown = operator(mka_server, "PUT", "/_dxlocal/mka/customer/dxcon-nothere", {"keys": []})
    assert unknown.status == 404 and "dxcon-nothere" in unknown.json()["message"]
    assert operator(mka_server, "GET", "/_dxlocal/mka/dxcon-nothere").status == 404


def test_dxlocal_router_sets_shows_and_clears(mka_server, dxlocal_bin, tmp_path):
    account = dxhelpers.random_account()
    dx = dxhelpers.make_client(mka_server.url, account=account)
    connection = macsec_connection(dx)
    pair = key()
    associate(mka_server, dx, connection, pair)

    def router(*args, stdin=""):
        return subprocess.run([str(dxlocal_bin), "router", *args, "--connection-id", connection,
                               "--endpoint-url", mka_server.url, "--region", "us-east-1"],
                              env=cli_env(account, tmp_path), input=stdin, capture_output=True, text=True,
                              timeout=120)

    # Keys that hold no key are refused (only --no-keys configures none), whatever the line endings.
    for nothing in ("", "# only a comment\n", "# a comment\r\n\r\n"):
        empty = router("set", "--keys-file", "-", stdin=nothing)
        assert empty.returncode != 0 and "--no-keys" in empty.stderr, (nothing, empty.stderr)
    assert shown(dx, connection) == ("available", "Encryption Up")  # still the auto router's
    wrong = router("set", "--keys-file", "-", stdin=f"# a wrong CAK\r\n{pair[0]} {random_hex64()}\r\n")
    assert wrong.returncode == 0, wrong.stderr
    assert json.loads(wrong.stdout)["ckns"] == [pair[0]]
    assert shown(dx, connection) == ("available", "Encryption Down")
    cak_file = tmp_path / "cak"
    cak_file.write_text(pair[1] + "\n")
    right = router("set", "--ckn", pair[0], "--cak", f"file://{cak_file}", "--cipher-suite", "GCM-AES-256")
    assert right.returncode == 0, right.stderr
    assert pair[1] not in right.stdout + right.stderr
    assert json.loads(right.stdout)["cipherSuites"] == ["GCM-AES-256"]
    assert shown(dx, connection) == ("available", "Encryption Up")
    assert mka(mka_server, connection)["device"]["participants"][0]["cipherSuite"] == "GCM-AES-256"
    show = router("show")
    assert show.returncode == 0 and json.loads(show.stdout)["ckns"] == [pair[0]] and pair[1] not in show.stdout
    assert router("clear").returncode == 0
    missing = router("show")
    assert missing.returncode == 254 and "NotFoundException" in missing.stderr
    bad = router("set", "--ckn", "abc", "--cak", "-", stdin="0" * 64)
    assert bad.returncode == 254 and "ValidationException" in bad.stderr and "0" * 64 not in bad.stderr


def _arn(dx, connection_id, ckn) -> str:
    keys = dxhelpers.describe_connection(dx, connection_id)["macSecKeys"]
    return next(k["secretARN"] for k in keys if k["ckn"] == ckn)


@pytest.mark.parametrize("flag, value, message", [
    ("--customer-router", "maybe", "--customer-router must be auto or none"),
    ("--mka-time-scale", "0", "--mka-time-scale must be between 0.001 and 3600"),
    ("--mka-time-scale", "1e9", "--mka-time-scale must be between 0.001 and 3600"),
])
def test_bad_mka_options_are_refused_at_start(dxlocal_bin, flag, value, message):
    result = subprocess.run([str(dxlocal_bin), "serve", "--in-memory", "--port", "0", flag, value],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and message in result.stderr, result.stderr


def secured_port(server) -> tuple:
    """A MACsec connection with a key its configured customer holds, two hellos on: its client, its ID and the device's
    participant, secured."""
    dx = dxhelpers.make_client(server.url, account=dxhelpers.random_account())
    connection = macsec_connection(dx)
    pair = key()
    associate(server, dx, connection, pair)
    set_customer(server, connection, [pair])
    dxhelpers.advance_clock(server, 2 * HELLO)
    participant = mka(server, connection)["device"]["participants"][0]
    assert participant["securedSince"]
    return dx, connection, participant


def test_an_outage_stays_in_the_port_history_after_port_up(mka_server):
    """SPEC 11 and 12: after `port-up` the port's MKA is what followed the outage, not a past without it: through the
    outage the ends lost each other, so the port is not secured the instant it comes up; a hello later they secure a
    new SAK, secured since after the outage."""
    dx, connection, before = secured_port(mka_server)
    operator(mka_server, "POST", "/_dxlocal/simulate", {"connectionId": connection, "event": "port-down"})
    dxhelpers.advance_clock(mka_server, 2 * LIFE)
    operator(mka_server, "POST", "/_dxlocal/simulate", {"connectionId": connection, "event": "port-up"})
    up = mka(mka_server, connection)
    assert up["secured"] is False and up["device"]["participants"][0]["livePeers"] == []
    assert shown(dx, connection) == ("available", "Encryption Down")
    dxhelpers.advance_clock(mka_server, 2 * HELLO)
    after = mka(mka_server, connection)
    assert after["secured"] is True and shown(dx, connection) == ("available", "Encryption Up")
    again = after["device"]["participants"][0]
    assert again["securedSince"] > up["at"] and again["keyNumber"] != before["keyNumber"]


def test_in_no_encrypt_the_device_runs_no_mka(mka_server):
    """Reference `mka.md` §4.7: in `no_encrypt` the device runs no MKA. The view shows no participant on the device
    and nothing secured (never `secured` beside `Encryption Down`), the customer's participant loses its peer after
    the life time; back in `should_encrypt` the device starts afresh, a new participant that secures a new SAK as a
    newly associated key's does."""
    dx, connection, before = secured_port(mka_server)
    dx.update_connection(connectionId=connection, encryptionMode="no_encrypt")
    off = mka(mka_server, connection)
    assert (off["secured"], off["portEncryptionStatus"]) == (False, "Encryption Down")
    assert off["device"]["participants"] == [] and "keyInUse" not in off["device"]
    dxhelpers.advance_clock(mka_server, 2 * LIFE)
    assert mka(mka_server, connection)["customer"]["participants"][0]["livePeers"] == []
    assert shown(dx, connection) == ("available", "Encryption Down")
    dx.update_connection(connectionId=connection, encryptionMode="should_encrypt")
    back = mka(mka_server, connection)
    assert back["secured"] is True and shown(dx, connection) == ("available", "Encryption Up")
    again = back["device"]["participants"][0]
    # A new participant (member identifier), secured anew after the device stopped.
    assert again["memberIdentifier"] != before["memberIdentifier"]
    assert again["securedSince"] > off["at"]


def test_a_must_encrypt_port_down_for_mka_takes_the_key_that_brings_it_back(mka_server):
    """SPEC 4 check 6 refuses a port that is not available; one that reads `down` only because MKA has not secured it
    takes a key (our choice: the key its router holds is how it comes back), unlike one the operator holds down."""
    ours, theirs = key(), key()
    dx, connection = must_encrypt_port(mka_server, ours, router=[theirs])
    assert shown(dx, connection) == ("down", "Encryption Down")
    associate(mka_server, dx, connection, theirs)
    assert shown(dx, connection) == ("available", "Encryption Up")
    assert mka(mka_server, connection)["device"]["keyInUse"] == theirs[0]
