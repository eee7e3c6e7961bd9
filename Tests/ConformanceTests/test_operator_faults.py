"""Issue 18: the faults an operator meets. PostgreSQL stopped and started again under write load: requests fail
AWS-shaped while it is down, dxlocal recovers without a restart, and no acknowledged write is lost. The SQLite data
directory's disk full: writes are refused AWS-shaped, reads go on, nothing is corrupt, and writes resume once
space is freed. (A reset racing concurrent writes is test_reset's.)"""

from __future__ import annotations

import base64
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

import dxhelpers

ROOT = Path(__file__).resolve().parents[2]


class Writers:
    """Threads creating connections as fast as they are answered: every acknowledged ID, every refusal."""

    def __init__(self, url: str, account: str, threads: int = 4):
        self.url, self.account = url, account
        self.acknowledged: list[str] = []
        self.refusals: list[tuple[str, int]] = []
        self.unexpected: list[BaseException] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.write, args=(index,)) for index in range(threads)]

    def write(self, index: int) -> None:
        client = dxhelpers.make_client(self.url, account=self.account)
        number = 0
        while not self.stop.is_set():
            number += 1
            try:
                created = client.create_connection(location="EqDC2", bandwidth="1Gbps",
                                                   connectionName=f"w{index}-{number}")["connectionId"]
                with self.lock:
                    self.acknowledged.append(created)
            except ClientError as error:
                with self.lock:
                    self.refusals.append((error.response["Error"]["Code"],
                                          error.response["ResponseMetadata"]["HTTPStatusCode"]))
                time.sleep(0.05)
            except BaseException as error:  # noqa: BLE001 - a reply that is not AWS-shaped fails the test
                with self.lock:
                    self.unexpected.append(error)
                return

    def __enter__(self) -> "Writers":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def counts(self) -> tuple[int, int]:
        with self.lock:
            return len(self.acknowledged), len(self.refusals)

    def wait_for(self, predicate, description: str, timeout: float = 60.0) -> None:
        dxhelpers.wait_until(lambda: predicate(*self.counts()) or bool(self.unexpected), timeout=timeout,
                             description=description)
        assert not self.unexpected, self.unexpected


def all_connection_ids(url: str, account: str) -> set[str]:
    return {c["connectionId"] for c in dxhelpers.make_client(url, account=account).describe_connections()["connections"]}


def health(url: str) -> dxhelpers.RawResponse:
    return dxhelpers.raw_request(url, method="GET", path="/_dxlocal/health", content_type=None)


@pytest.mark.multi_instance
def test_postgresql_stopped_and_started_again_under_write_load(server_factory):
    cluster = tempfile.mkdtemp(prefix="dxlocal-pg-outage-")
    script = str(ROOT / "scripts" / "postgres-cluster")
    try:
        started = subprocess.run([script, "start", cluster], check=True, capture_output=True, text=True)
        url = started.stdout.strip().split("=", 1)[1]
        key = base64.b64encode(os.urandom(32)).decode()
        server = server_factory.start(database=url, env={"DXLOCAL_MASTER_KEY": key}, log_level="error")
        account = dxhelpers.random_account()
        with Writers(server.url, account) as writers:
            writers.wait_for(lambda ok, _: ok >= 20, "writes before the outage")
            subprocess.run([script, "stop", cluster], check=True, capture_output=True)
            before_outage = writers.counts()[1]
            writers.wait_for(lambda _, refused: refused >= before_outage + 8, "writes refused while it is down")
            down = health(server.url)
            assert down.status == 503 and down.json()["store"]["status"] == "unavailable", down
            subprocess.run([script, "resume", cluster], check=True, capture_output=True)
            resumed = writers.counts()[0]
            writers.wait_for(lambda ok, _: ok >= resumed + 20, "writes after PostgreSQL is back")
        assert not writers.unexpected, writers.unexpected
        # Every refusal is the service's own server exception, as AWS answers a fault of its own.
        assert {refusal for refusal in writers.refusals} <= {("DirectConnectServerException", 500)}, \
            set(writers.refusals)
        assert health(server.url).status == 200
        stored = all_connection_ids(server.url, account)
        missing = set(writers.acknowledged) - stored
        assert not missing, f"{len(missing)} acknowledged writes lost"
    finally:
        subprocess.run([script, "stop", cluster], capture_output=True)
        shutil.rmtree(cluster, ignore_errors=True)


@pytest.fixture
def small_disk():
    """A 16 MiB file system of its own (tmpfs, as root): its being full is the data directory's alone."""
    mount_point = Path(tempfile.mkdtemp(prefix="dxlocal-full-disk-"))
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount_point)],
                            capture_output=True, text=True)
    assert result.returncode == 0, f"cannot mount a small file system (root is needed): {result.stderr}"
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)
        shutil.rmtree(mount_point, ignore_errors=True)


def fill(directory: Path) -> Path:
    """Writes a file until the file system is full; the caller frees the space by removing it."""
    filler = directory / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 16, 512, 1):
            try:
                while True:
                    os.write(descriptor, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(descriptor)
    return filler


@pytest.mark.sqlite_only
def test_a_full_disk_refuses_writes_keeps_reads_and_recovers(server_factory, small_disk):
    data_dir = small_disk / "data"
    server = server_factory.start(data_dir=data_dir, log_level="error")
    account = dxhelpers.random_account()
    dx = dxhelpers.make_client(server.url, account=account)
    written = {dx.create_connection(location="EqDC2", bandwidth="1Gbps", connectionName=f"before{i}")["connectionId"]
               for i in range(20)}
    filler = fill(small_disk)

    with Writers(server.url, account, threads=2) as writers:
        writers.wait_for(lambda _, refused: refused >= 10, "writes refused on the full disk")
        # Reads go on, and show every write acknowledged so far.
        shown = all_connection_ids(server.url, account)
        assert written | set(writers.acknowledged) <= shown
        assert health(server.url).status == 200
        filler.unlink()
        resumed = writers.counts()[0]
        writers.wait_for(lambda ok, _: ok >= resumed + 20, "writes once space is freed")
    assert not writers.unexpected, writers.unexpected
    assert {refusal for refusal in writers.refusals} <= {("DirectConnectServerException", 500)}, \
        set(writers.refusals)
    acknowledged = written | set(writers.acknowledged)
    assert acknowledged <= all_connection_ids(server.url, account)

    # Nothing corrupt: SQLite's own check of the file, and a restart that reads back every acknowledged write.
    assert server.stop() == 0
    with sqlite3.connect(data_dir / "dxlocal.sqlite") as database:
        assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    again = server_factory.start(data_dir=data_dir, log_level="error")
    assert acknowledged <= all_connection_ids(again.url, account)
