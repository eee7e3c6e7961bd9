"""Crash safety: writes acknowledged before a SIGKILL are all there after a restart, and nothing is half-applied.

SQLite in WAL mode with synchronous=FULL: a transaction is on disk before its response is sent.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import threading
import time

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ConnectionClosedError, ReadTimeoutError
from urllib3.exceptions import ProtocolError

import dxhelpers

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]

ROUNDS = 10
WORKERS = 4
TRANSPORT_ERRORS = (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError, ProtocolError, ConnectionError,
                    OSError)


class Ledger:
    """What the server acknowledged, per kind of write."""

    def __init__(self):
        self.lock = threading.Lock()
        self.connections: dict[str, str] = {}      # id -> name acknowledged last
        self.keys: dict[str, set[str]] = {}        # connection id -> secret ARNs acknowledged associated
        self.removed: dict[str, set[str]] = {}     # connection id -> secret ARNs acknowledged disassociated
        self.removing: dict[str, set[str]] = {}    # disassociations sent but not (yet) acknowledged
        self.naming: dict[str, set[str]] = {}      # renames sent but not (yet) acknowledged


def worker(url: str, account: str, ledger: Ledger, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    dx = dxhelpers.make_client(url, account=account)
    while not stop.is_set():
        try:
            with ledger.lock:
                mine = list(ledger.connections)
            choice = rng.random()
            if not mine or choice < 0.3:
                name = f"crash-{seed}-{rng.randrange(1 << 30)}"
                created = dx.create_connection(location="EqDC2", bandwidth="10Gbps", connectionName=name,
                                               requestMACSec=True)
                with ledger.lock:
                    ledger.connections[created["connectionId"]] = name
            elif choice < 0.6:
                target = rng.choice(mine)
                keys = dx.associate_mac_sec_key(connectionId=target, ckn=dxhelpers.random_hex64(),
                                                cak=dxhelpers.random_hex64())["macSecKeys"]
                with ledger.lock:
                    ledger.keys.setdefault(target, set()).add(keys[-1]["secretARN"])
            elif choice < 0.8:
                target = rng.choice(mine)
                with ledger.lock:
                    associated = sorted(ledger.keys.get(target, set()) - ledger.removed.get(target, set()))
                if associated:
                    arn = rng.choice(associated)
                    with ledger.lock:
                        ledger.removing.setdefault(target, set()).add(arn)
                    dx.disassociate_mac_sec_key(connectionId=target, secretARN=arn)
                    with ledger.lock:
                        ledger.removed.setdefault(target, set()).add(arn)
            else:
                target = rng.choice(mine)
                name = f"renamed-{rng.randrange(1 << 30)}"
                with ledger.lock:
                    ledger.naming.setdefault(target, set()).add(name)
                dx.update_connection(connectionId=target, connectionName=name)
                with ledger.lock:
                    ledger.connections[target] = name
        except ClientError:
            continue  # a refusal (keychain full, ...) acknowledges nothing
        except TRANSPORT_ERRORS:
            return  # the server died under us: whatever was in flight is unacknowledged


def test_acknowledged_writes_survive_sigkill(server_factory, tmp_path):
    data_dir = tmp_path / "data"
    account = dxhelpers.random_account()
    ledger = Ledger()
    for round_number in range(ROUNDS):
        # Checkpoints every 20 commits, so that every round kills the server with checkpoints behind it and, as
        # likely as not, one under way (the default, 1,000, is more than a short round commits).
        server = server_factory.start(data_dir=data_dir, extra_args=("--checkpoint-commits", "20"))
        stop = threading.Event()
        threads = [threading.Thread(target=worker, args=(server.url, account, ledger, stop, round_number * 100 + i))
                   for i in range(WORKERS)]
        for thread in threads:
            thread.start()
        time.sleep(random.uniform(0.3, 1.5))
        server.kill()  # SIGKILL, mid-load
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

        with sqlite3.connect(data_dir / "dxlocal.sqlite") as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

        checker = server_factory.start(data_dir=data_dir)
        dx = dxhelpers.make_client(checker.url, account=account)
        sm = dxhelpers.make_sm_client(checker.url, account=account)
        described = {c["connectionId"]: c for c in dx.describe_connections()["connections"]}
        secrets = {s["ARN"] for s in sm.list_secrets(IncludePlannedDeletion=True)["SecretList"]}
        with ledger.lock:
            for connection_id, name in ledger.connections.items():
                assert connection_id in described, f"round {round_number}: acknowledged {connection_id} lost"
                # The last acknowledged name, or a rename that was sent but whose answer never came.
                assert described[connection_id]["connectionName"] in {name} | ledger.naming.get(connection_id, set())
            for connection_id, connection in described.items():
                present = {k["secretARN"] for k in connection["macSecKeys"]}
                acknowledged = ledger.keys.get(connection_id, set()) - ledger.removed.get(connection_id, set())
                # An acknowledged association is missing only if its disassociation was sent.
                lost = acknowledged - present
                assert lost <= ledger.removing.get(connection_id, set()), f"round {round_number}: lost {lost}"
                assert not (present & ledger.removed.get(connection_id, set())), \
                    f"round {round_number}: an acknowledged disassociation came back"
                # Never half-applied: every key's secret exists.
                assert present <= secrets, f"round {round_number}: a key without its secret"
                assert len(present) <= 3
        checker.stop()
    assert ledger.connections and any(ledger.keys.values()), "the load never got an answer: the test proved nothing"


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_a_checkpoint_interval_below_one_commit_is_refused(dxlocal_bin, tmp_path, value):
    result = subprocess.run([str(dxlocal_bin), "serve", "--port", "0", "--data-dir", str(tmp_path / "data"),
                             "--checkpoint-commits", value], capture_output=True, timeout=30)
    assert result.returncode != 0, f"--checkpoint-commits {value} was taken"
    assert b"checkpoint-commits" in result.stderr, result.stderr.decode()
    assert not (tmp_path / "data" / "dxlocal.sqlite").exists(), "the store was opened before the option was checked"
