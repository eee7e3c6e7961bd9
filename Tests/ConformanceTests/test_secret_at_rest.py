"""SPEC §6 (and §4): secret values at rest, and the master key's rotation.

A disk-backed, trace-logging server runs a workload through both services; afterwards no
CAK (lower hex, upper hex, raw 32 bytes, base64) and no user secret value appears in any
file of the data directory (the SQLite database with its -wal/-shm files included) or in
anything the server printed. Then `dxlocal rotate-master-key` re-seals everything under a
new key, with the generated key ring and with DXLOCAL_MASTER_KEY, and every value stays
readable through a running server, a restarted one, and Direct Connect.

The PostgreSQL store is searched the same way by test_secret_at_rest_postgres.py (postgres_only).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from dxhelpers import (
    ServerFactory,
    associate_key,
    ckns_of,
    create_connection,
    create_lag,
    describe_connection,
    describe_lag,
    dxlocal_binary,
    files_containing,
    hex_needles,
    key_with_ckn,
    make_client,
    make_sm_client,
    master_key_ring,
    random_account,
    random_hex64,
    random_master_key,
    raw_request,
    rotate_master_key,
    unique_name,
)

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]


# --------------------------------------------------------------------------------------
# Needles and searches
# --------------------------------------------------------------------------------------


def _string_needles(value: str) -> list[bytes]:
    raw = value.encode()
    return [raw, base64.b64encode(raw)]


def _binary_needles(value: bytes) -> list[bytes]:
    return [value, base64.b64encode(value)]


def _cak_needles(cak: str) -> list[bytes]:
    needles = hex_needles(cak)  # lower hex, upper hex, raw 32 bytes, base64 of each
    assert cak.lower().encode() in needles and cak.upper().encode() in needles and bytes.fromhex(cak) in needles
    return needles


def _data_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in Path(data_dir).rglob("*") if p.is_file())


def _hits(blob: bytes, needles: list[bytes], label: str) -> list[str]:
    lowered = blob.lower()
    hits = []
    for needle in needles:
        if needle and (needle in blob or (needle.isascii() and needle.lower() in lowered and len(needle) >= 32)):
            hits.append(f"{label} contains {needle[:20]!r}...")
    return hits


def _search_files(data_dir: Path, needles: list[bytes]) -> list[str]:
    hits = files_containing(data_dir, needles)
    for path in _data_files(data_dir):
        lowered = path.read_bytes().lower()
        for needle in needles:
            if needle.isascii() and len(needle) >= 32 and needle.lower() in lowered:
                hits.append(f"{path} contains (any case) {needle[:20]!r}...")
    return sorted(set(hits))


# --------------------------------------------------------------------------------------
# The workload
# --------------------------------------------------------------------------------------


class Workload:
    def __init__(self):
        self.caks: list[str] = []
        self.strings: list[str] = []
        self.binaries: list[bytes] = []
        # What must still read back: secret id -> {version id: value}
        self.expected: dict[str, dict[str, str | bytes]] = {}
        self.current: dict[str, str | bytes] = {}
        self.keys: list[dict] = []  # {"target": id, "arn": ..., "ckn": ..., "cak": ...}
        # BGP auth keys given by the user (also value needles): virtual interface id -> {peer family: key}
        self.auth_keys: dict[str, dict[str, str]] = {}
        # Customer routers configured (SPEC 12): port id -> the CKNs of its router, the first also AWS's key.
        self.routers: dict[str, list[str]] = {}
        self.account = random_account()

    def cak_needles(self) -> list[bytes]:
        return [n for cak in self.caks for n in _cak_needles(cak)]

    def value_needles(self) -> list[bytes]:
        return [n for value in self.strings for n in _string_needles(value)] + \
               [n for value in self.binaries for n in _binary_needles(value)]

    def needles(self) -> list[bytes]:
        return self.cak_needles() + self.value_needles()

    def string(self) -> str:
        value = "at-rest-" + secrets.token_hex(24)
        self.strings.append(value)
        return value

    def binary(self) -> bytes:
        value = secrets.token_bytes(40)
        self.binaries.append(value)
        return value

    def cak(self, upper: bool = False) -> str:
        cak = random_hex64(upper=upper)
        self.caks.append(cak)
        return cak


def _expect_refused(call) -> None:
    try:
        call()
    except ClientError:
        return
    raise AssertionError("the call should have been refused")


def run_workload(url: str, work: Workload) -> None:
    """Both services, every path a secret value can take, refusals included."""
    dx = make_client(url, work.account)
    sm = make_sm_client(url, work.account)

    # MACsec keys: on connections and a LAG, both cases of hex.
    first = create_connection(dx)
    second = create_connection(dx)
    lag_id = create_lag(dx, count=2)["lagId"]
    for target, upper in ((first, False), (first, True), (second, False), (lag_id, True)):
        cak = work.cak(upper)
        response, ckn, _ = associate_key(dx, target, cak=cak)
        work.keys.append({"target": target, "arn": response["macSecKeys"][-1]["secretARN"], "ckn": ckn, "cak": cak})
    # Refused associations that carry a well-formed CAK.
    _expect_refused(lambda: dx.associate_mac_sec_key(connectionId=first, ckn=work.keys[0]["ckn"], cak=work.cak()))
    _expect_refused(lambda: dx.associate_mac_sec_key(connectionId="dxcon-none0000", ckn=random_hex64(),
                                                     cak=work.cak()))
    # Disassociate, re-associate by ARN, schedule and restore a managed secret.
    moved = work.keys[2]
    dx.disassociate_mac_sec_key(connectionId=second, secretARN=moved["arn"])
    dx.associate_mac_sec_key(connectionId=second, secretARN=moved["arn"])
    sm.delete_secret(SecretId=work.keys[1]["arn"], RecoveryWindowInDays=7)
    _expect_refused(lambda: dx.associate_mac_sec_key(connectionId=second, secretARN=work.keys[1]["arn"]))
    sm.restore_secret(SecretId=work.keys[1]["arn"])
    _expect_refused(lambda: sm.get_secret_value(SecretId=work.keys[0]["arn"]))

    # User secrets: strings, binaries, versions, retries, refusals.
    for index in range(3):
        name = unique_name(f"user{index}")
        value = work.string()
        token = f"{secrets.token_hex(16)}-{index:04d}"
        created = sm.create_secret(Name=name, SecretString=value, ClientRequestToken=token)
        sm.create_secret(Name=name, SecretString=value, ClientRequestToken=token)  # a retry
        _expect_refused(lambda: sm.create_secret(Name=name, SecretString=work.string(), ClientRequestToken=token))
        work.expected[created["ARN"]] = {created["VersionId"]: value}
        newer = work.string()
        put = sm.put_secret_value(SecretId=name, SecretString=newer)
        work.expected[created["ARN"]][put["VersionId"]] = newer
        work.current[created["ARN"]] = newer
    binary_name = unique_name("userbin")
    blob = work.binary()
    created = sm.create_secret(Name=binary_name, SecretBinary=blob)
    work.expected[created["ARN"]] = {created["VersionId"]: blob}
    updated_value = work.binary()
    updated = sm.update_secret(SecretId=binary_name, SecretBinary=updated_value)
    work.expected[created["ARN"]][updated["VersionId"]] = updated_value
    work.current[created["ARN"]] = updated_value
    _expect_refused(lambda: sm.create_secret(Name=unique_name("both"), SecretString=work.string(),
                                             SecretBinary=work.binary()))
    _expect_refused(lambda: sm.create_secret(Name="bad!name", SecretString=work.string()))
    scheduled = sorted(work.expected)[0]
    sm.delete_secret(SecretId=scheduled, RecoveryWindowInDays=7)
    _expect_refused(lambda: sm.put_secret_value(SecretId=scheduled, SecretString=work.string()))
    sm.restore_secret(SecretId=scheduled)
    gone = sm.create_secret(Name=unique_name("gone"), SecretString=work.string())
    sm.delete_secret(SecretId=gone["ARN"], ForceDeleteWithoutRecovery=True)
    for arn, versions in work.expected.items():
        for version_id, value in versions.items():
            assert _read(sm, arn, version_id) == value
    # BGP auth keys the user gives: a private virtual interface's first peer, an IPv6 peer, a refused creation.
    gateway = dx.create_direct_connect_gateway(directConnectGatewayName=unique_name("gw"), amazonSideAsn=64600)[
        "directConnectGateway"]["directConnectGatewayId"]
    first_key, second_key = work.string(), work.string()
    interface = dx.create_private_virtual_interface(connectionId=first, newPrivateVirtualInterface={
        "virtualInterfaceName": unique_name("vif"), "vlan": 101, "asn": 65000, "authKey": first_key,
        "addressFamily": "ipv4", "directConnectGatewayId": gateway})["virtualInterfaceId"]
    dx.create_bgp_peer(virtualInterfaceId=interface, newBGPPeer={"asn": 65000, "authKey": second_key,
                                                                  "addressFamily": "ipv6"})
    work.auth_keys[interface] = {"ipv4": first_key, "ipv6": second_key}
    _expect_refused(lambda: dx.create_private_virtual_interface(connectionId=first, newPrivateVirtualInterface={
        "virtualInterfaceName": unique_name("vif"), "vlan": 101, "asn": 65000, "authKey": work.string(),
        "directConnectGatewayId": gateway}))
    # A customer router's CAKs (sealed in its history): one AWS also holds, so MKA secures, and one more; and a
    # refused configuration that carries a CAK.
    routed = create_connection(dx)
    shared = work.cak()
    _, shared_ckn, _ = associate_key(dx, routed, cak=shared)
    extra_ckn = random_hex64()
    configured = _put_router(url, routed, [(shared_ckn, shared), (extra_ckn, work.cak())])
    assert configured.status == 200, configured
    work.routers[routed] = [shared_ckn.lower(), extra_ckn]
    assert _put_router(url, routed, [("not-a-ckn", work.cak())]).status == 400
    sm.list_secrets()
    dx.describe_connections()
    dx.describe_lags()
    dx.describe_virtual_interfaces()


def _put_router(url: str, port: str, keys: list[tuple[str, str]]):
    body = json.dumps({"keys": [{"ckn": ckn, "cak": cak} for ckn, cak in keys]})
    return raw_request(url, method="PUT", path=f"/_dxlocal/mka/customer/{port}", body=body,
                       content_type="application/json")


def _read(sm, secret_id: str, version_id: str | None = None):
    got = sm.get_secret_value(SecretId=secret_id, **({"VersionId": version_id} if version_id else {}))
    return got["SecretString"] if "SecretString" in got else got["SecretBinary"]


def assert_values_readable(url: str, work: Workload) -> None:
    sm = make_sm_client(url, work.account)
    for arn, versions in work.expected.items():
        for version_id, value in versions.items():
            assert _read(sm, arn, version_id) == value, f"{arn} version {version_id}"
        assert _read(sm, arn) == work.current[arn]
    dx = make_client(url, work.account)
    for interface_id, keys in work.auth_keys.items():
        (interface,) = dx.describe_virtual_interfaces(virtualInterfaceId=interface_id)["virtualInterfaces"]
        assert {peer["addressFamily"]: peer["authKey"] for peer in interface["bgpPeers"]} == keys
    # A customer router's history opens: MKA replays it and secures the port on the key both ends hold.
    for port, ckns in work.routers.items():
        view = raw_request(url, method="GET", path=f"/_dxlocal/mka/{port}", content_type=None)
        assert view.status == 200, view
        assert (view.json()["secured"], view.json()["customer"]["keyInUse"]) == (True, ckns[0])
        assert describe_connection(dx, port)["portEncryptionStatus"] == "Encryption Up"


def assert_keys_usable(url: str, work: Workload) -> None:
    """Every key is still listed; a key can be moved off and back on by ARN."""
    dx = make_client(url, work.account)
    for key in work.keys:
        target = key["target"]
        holder = describe_lag(dx, target) if target.startswith("dxlag-") else describe_connection(dx, target)
        assert key_with_ckn(holder, key["ckn"])["secretARN"] == key["arn"]
    for key in (work.keys[0], work.keys[-1]):
        dx.disassociate_mac_sec_key(connectionId=key["target"], secretARN=key["arn"])
        again = dx.associate_mac_sec_key(connectionId=key["target"], secretARN=key["arn"])
        assert again["macSecKeys"][-1]["secretARN"] == key["arn"]
        assert again["macSecKeys"][-1]["ckn"].lower() == key["ckn"].lower()
    fresh = create_connection(dx)
    dx.associate_mac_sec_key(connectionId=fresh, secretARN=work.keys[2]["arn"])
    assert ckns_of(describe_connection(dx, fresh)) == [work.keys[2]["ckn"].lower()]


def assert_caks_open(url: str, work: Workload) -> None:
    """The stored CAKs still open: giving a stored CKN with its own CAK on a new target reuses the
    managed secret, which the server can only do by opening the sealed value and comparing."""
    dx = make_client(url, work.account)
    for key in (work.keys[0], work.keys[-1]):
        target = create_connection(dx)
        response = dx.associate_mac_sec_key(connectionId=target, ckn=key["ckn"], cak=key["cak"])
        assert response["macSecKeys"][-1]["secretARN"] == key["arn"]


# --------------------------------------------------------------------------------------
# Hygiene at rest
# --------------------------------------------------------------------------------------


class Scenario:
    pass


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    factory = ServerFactory(dxlocal_binary(), tmp_path_factory.mktemp("at-rest"))
    try:
        result = Scenario()
        result.data_dir = tmp_path_factory.mktemp("at-rest-data")
        result.work = Workload()
        server = factory.start(data_dir=result.data_dir, log_level="trace")
        result.server = server
        run_workload(server.url, result.work)
        result.files_while_running = [p.name for p in _data_files(result.data_dir)]
        result.cak_hits_while_running = _search_files(result.data_dir, result.work.cak_needles())
        result.value_hits_while_running = _search_files(result.data_dir, result.work.value_needles())
        assert server.stop() == 0, server.stderr_text()[-3000:]
        yield result
    finally:
        factory.stop_all()


def test_workload_left_state_on_disk(scenario):
    files = _data_files(scenario.data_dir)
    names = [p.name for p in files]
    assert "dxlocal.sqlite" in names, names
    blob = b"".join(p.read_bytes() for p in files)
    assert scenario.work.keys[0]["target"].encode() in blob, "state is not in the data directory"
    assert scenario.work.keys[0]["arn"].encode() in blob, "secrets are not in the data directory"


def test_no_cak_in_the_data_directory(scenario):
    assert scenario.cak_hits_while_running == [], \
        "CAK on disk while the server ran (files: %s)" % scenario.files_while_running
    assert _search_files(scenario.data_dir, scenario.work.cak_needles()) == []


def test_no_user_secret_value_in_the_data_directory(scenario):
    assert scenario.value_hits_while_running == [], \
        "secret value on disk while the server ran (files: %s)" % scenario.files_while_running
    assert _search_files(scenario.data_dir, scenario.work.value_needles()) == []


def test_no_cak_in_server_output(scenario):
    output = scenario.server.output_bytes()
    assert len(output.splitlines()) > 5, "trace logging produced almost nothing; the search would prove nothing"
    assert _hits(output, scenario.work.cak_needles(), "server output") == []


def test_no_user_secret_value_in_server_output(scenario):
    assert _hits(scenario.server.output_bytes(), scenario.work.value_needles(), "server output") == []


# --------------------------------------------------------------------------------------
# rotate-master-key with the generated key ring, while a server runs
# --------------------------------------------------------------------------------------


def test_rotate_master_key_while_serving(server_factory, tmp_path, dxlocal_bin):
    data_dir = tmp_path / "data"
    work = Workload()
    server = server_factory.start(data_dir=data_dir, log_level="trace")
    run_workload(server.url, work)
    ring_before = master_key_ring(data_dir)
    assert len(ring_before) == 1, ring_before
    assert len(base64.b64decode(ring_before[0])) == 32
    assert (data_dir / "master.key").stat().st_mode & 0o077 == 0, "the key ring is readable by others"

    rotated = rotate_master_key(dxlocal_bin, data_dir)
    assert rotated.returncode == 0, f"rotate-master-key exited {rotated.returncode}:\n{rotated.stderr.decode()}"
    ring_after = master_key_ring(data_dir)
    assert len(ring_after) == 1, f"the ring should hold exactly the new key, holds {len(ring_after)}"
    assert ring_after != ring_before
    assert len(base64.b64decode(ring_after[0])) == 32
    assert ring_before[0] not in (data_dir / "master.key").read_text()
    assert (data_dir / "master.key").stat().st_mode & 0o077 == 0, "the rotated key ring is readable by others"

    # The running server reads every value, and seals new ones under the new key.
    assert_values_readable(server.url, work)
    sm = make_sm_client(server.url, work.account)
    late = work.string()
    late_secret = sm.create_secret(Name=unique_name("late"), SecretString=late)
    work.expected[late_secret["ARN"]] = {late_secret["VersionId"]: late}
    work.current[late_secret["ARN"]] = late
    assert_values_readable(server.url, work)

    # Nothing of the values reached the disk or any output on the way.
    needles = work.needles()
    assert _search_files(data_dir, needles) == []
    assert _hits(rotated.stdout + rotated.stderr, needles, "rotate-master-key output") == []

    assert server.stop() == 0, server.stderr_text()[-3000:]
    assert _hits(server.output_bytes(), needles, "server output") == []
    restarted = server_factory.start(data_dir=data_dir)
    assert master_key_ring(data_dir) == ring_after
    assert_values_readable(restarted.url, work)
    assert_keys_usable(restarted.url, work)
    assert_caks_open(restarted.url, work)
    assert restarted.stop() == 0
    assert _search_files(data_dir, needles) == []


def test_rotate_master_key_during_concurrent_writes(server_factory, tmp_path, dxlocal_bin):
    """Values a server seals while a rotation runs are re-sealed too (the rotation repeats its pass
    until nothing is left under a retired key), so all of them open after the old key is gone."""
    data_dir = tmp_path / "data"
    account = random_account()
    server = server_factory.start(data_dir=data_dir)
    sm = make_sm_client(server.url, account)
    expected: dict[str, dict[str, str]] = {}
    names = [f"bulk/{i:03d}" for i in range(150)]
    for name in names:
        value = secrets.token_hex(12)
        created = sm.create_secret(Name=name, SecretString=value)
        expected[name] = {created["VersionId"]: value}
    ring_before = master_key_ring(data_dir)

    stop = threading.Event()
    writing = threading.Event()
    errors: list[BaseException] = []
    writes = [0]

    def writer():
        client = make_sm_client(server.url, account)
        try:
            while not stop.is_set():
                name = names[writes[0] % len(names)]
                value = secrets.token_hex(12)
                put = client.put_secret_value(SecretId=name, SecretString=value)
                expected[name][put["VersionId"]] = value
                writes[0] += 1
                if writes[0] == 5:
                    writing.set()
        except BaseException as exc:  # reported below
            errors.append(exc)
            writing.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(timeout=60), "the writer did not start"
        before = writes[0]
        rotated = rotate_master_key(dxlocal_bin, data_dir)
        during = writes[0] - before
    finally:
        stop.set()
        thread.join(timeout=120)
    assert not errors, f"a write failed during the rotation: {errors[0]!r}"
    assert during > 0, "no write overlapped the rotation; the test proved nothing"
    assert rotated.returncode == 0, rotated.stderr.decode()
    ring_after = master_key_ring(data_dir)
    assert len(ring_after) == 1 and ring_after != ring_before

    def check(url):
        client = make_sm_client(url, account)
        for name, versions in expected.items():
            for version_id, value in versions.items():
                got = client.get_secret_value(SecretId=name, VersionId=version_id)
                assert got["SecretString"] == value, (name, version_id)

    check(server.url)
    assert server.stop() == 0
    restarted = server_factory.start(data_dir=data_dir)
    check(restarted.url)


def test_rotate_master_key_twice(server_factory, tmp_path, dxlocal_bin):
    data_dir = tmp_path / "data"
    work = Workload()
    server = server_factory.start(data_dir=data_dir)
    run_workload(server.url, work)
    rings = [master_key_ring(data_dir)]
    for _ in range(2):
        rotated = rotate_master_key(dxlocal_bin, data_dir)
        assert rotated.returncode == 0, rotated.stderr.decode()
        rings.append(master_key_ring(data_dir))
        assert len(rings[-1]) == 1
        assert_values_readable(server.url, work)
    assert len({ring[0] for ring in rings}) == 3, "every rotation makes a new key"
    assert server.stop() == 0
    restarted = server_factory.start(data_dir=data_dir)
    assert_values_readable(restarted.url, work)
    assert_caks_open(restarted.url, work)


# --------------------------------------------------------------------------------------
# rotate-master-key with DXLOCAL_MASTER_KEY
# --------------------------------------------------------------------------------------


def test_rotate_master_key_from_the_environment(server_factory, tmp_path, dxlocal_bin):
    data_dir = tmp_path / "data"
    k1, k2 = random_master_key(), random_master_key()
    work = Workload()
    first = server_factory.start(data_dir=data_dir, env={"DXLOCAL_MASTER_KEY": k1})
    run_workload(first.url, work)
    assert first.stop() == 0, first.stderr_text()[-3000:]

    rotated = rotate_master_key(dxlocal_bin, data_dir, env={"DXLOCAL_MASTER_KEY": f"{k2},{k1}"})
    assert rotated.returncode == 0, f"rotate-master-key exited {rotated.returncode}:\n{rotated.stderr.decode()}"

    second = server_factory.start(data_dir=data_dir, env={"DXLOCAL_MASTER_KEY": k2})
    assert_values_readable(second.url, work)
    assert_keys_usable(second.url, work)
    assert_caks_open(second.url, work)
    assert second.stop() == 0

    # The operator's keys are the operator's: never written under the data directory.
    key_needles = [k.encode() for k in (k1, k2)] + [base64.b64decode(k) for k in (k1, k2)]
    assert _search_files(data_dir, key_needles) == []
    assert _search_files(data_dir, work.needles()) == []
    for server in (first, second):
        assert _hits(server.output_bytes(), key_needles + work.needles(), "server output") == []
    assert _hits(rotated.stdout + rotated.stderr, key_needles + work.needles(), "rotate output") == []


def test_old_environment_key_alone_no_longer_opens_rotated_values(server_factory, tmp_path, dxlocal_bin):
    """Proof that the rotation really re-sealed: after it, the retired key alone reads nothing."""
    data_dir = tmp_path / "data"
    k1, k2 = random_master_key(), random_master_key()
    account = random_account()
    first = server_factory.start(data_dir=data_dir, env={"DXLOCAL_MASTER_KEY": k1})
    sm = make_sm_client(first.url, account)
    value = "env-" + secrets.token_hex(16)
    sm.create_secret(Name="rotated", SecretString=value)
    assert first.stop() == 0

    assert rotate_master_key(dxlocal_bin, data_dir, env={"DXLOCAL_MASTER_KEY": f"{k2},{k1}"}).returncode == 0

    stale = server_factory.start(data_dir=data_dir, env={"DXLOCAL_MASTER_KEY": k1})
    with pytest.raises(ClientError) as info:
        make_sm_client(stale.url, account).get_secret_value(SecretId="rotated")
    assert value not in json.dumps(info.value.response, default=str)
    assert stale.stop() == 0

    fresh = server_factory.start(data_dir=data_dir, env={"DXLOCAL_MASTER_KEY": k2})
    assert make_sm_client(fresh.url, account).get_secret_value(SecretId="rotated")["SecretString"] == value
