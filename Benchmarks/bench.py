#!/usr/bin/env python3
"""dxlocal against moto, side by side, in one run (scripts/bench is the entry point).

Both servers run on loopback at the same time; every scenario drives one, then the other, with the same wrk
script and the same request sequence, so machine noise hits both alike and only the ratios are compared.

    bench.py run --dxlocal BIN --moto-server BIN [--smoke]
    bench.py shared-store --dxlocal BIN [--seconds N] [--concurrency C]
    bench.py ab --dxlocal BIN_A --dxlocal BIN_B [--rounds N] [--seconds N] [--postgres]
    bench.py profile --dxlocal BIN [--seconds N] [--concurrency C]

Standard library only: the driver runs with whatever Python has moto installed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

ACCESS_KEY = "AKIDEXAMPLEBENCH"  # not 12 digits: the default account on both servers
# One region per kind of data, so every scenario sees exactly the connections it was given.
ROTATION = ("us-east-1", "EqDC2")  # the MACsec connections whose keys rotate; describe by ID reads one
CREATE = ("us-west-1", "EqSV5")  # CreateConnection's scenario writes here
LISTED = ("us-west-2", "EqSe2")  # DescribeConnections with no filter lists these
FILL = ("eu-central-1", "EqFA5")  # dxlocal only: the rest of the connections the memory scenario holds


@dataclass(frozen=True)
class Profile:
    name: str
    seconds: int  # per wrk run
    macsec_connections: int
    listed_connections: int
    memory_connections: int  # dxlocal's total for the memory scenario


FULL = Profile("full", seconds=10, macsec_connections=1_000, listed_connections=10_000, memory_connections=100_000)
SMOKE = Profile("smoke", seconds=1, macsec_connections=128, listed_connections=200, memory_connections=1_000)

TARGETS = {  # scenario key -> minimum ratio dxlocal/moto (issue 6)
    "rotation": 25.0,
    "by-id": 50.0,
    "describe-all": 20.0,
}
RSS_TARGET_MIB = 150.0
STARTUP_TARGET_S = 1.0  # exec to listening with the memory scenario's connections (issue 17)
TAIL_TARGET = 10.0  # a write scenario's p99 at most this many times its p50 (issue 17)
WRITE_SCENARIOS = ("rotation", "create")


class BenchError(Exception):
    pass


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"bench: [{time.monotonic() - STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


# --- Servers ------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_ticks(stat_path: str) -> tuple[str, int, int]:
    """A process's or thread's `/proc/.../stat`: its name, and the user and system CPU time it used (clock ticks)."""
    stat = Path(stat_path).read_text()
    fields = stat.rsplit(")", 1)[1].split()
    return stat[stat.index("(") + 1:stat.rindex(")")], int(fields[11]), int(fields[12])


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def rss_mib(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        if not match:
            raise BenchError(f"no VmRSS for {self.name}")
        return int(match.group(1)) / 1024

    def cpu_seconds(self) -> float:
        """User and system CPU time the process has used so far."""
        _, user, system = cpu_ticks(f"/proc/{self.process.pid}/stat")
        return (user + system) / os.sysconf("SC_CLK_TCK")

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise BenchError(f"{self.name} exited with {self.process.returncode}:\n{tail}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


RUNNING: list[Server] = []


def wait_until_serving(server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        server.check_alive()
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise BenchError(f"{server.name} did not start listening on port {server.port}")


def start(label: str, command: list[str], work: Path, env: dict[str, str] | None = None) -> Server:
    """Starts a server on a free loopback port (`command` gets it through `{port}`) and waits until it listens."""
    port = free_port()
    log_path = work / f"{label}.log"
    process = subprocess.Popen([part.format(port=port) for part in command], stdout=log_path.open("w"),
                               stderr=subprocess.STDOUT, env=env)
    server = Server(label, process, port, log_path)
    RUNNING.append(server)
    wait_until_serving(server)
    return server


def start_dxlocal(binary: Path, work: Path, label: str) -> Server:
    # Default durability: SQLite in WAL mode with synchronous=FULL, as `dxlocal serve` runs out of the box.
    data = work / f"{label}-data"
    return start(label, [str(binary), "serve", "--port", "{port}", "--data-dir", str(data), "--log-level", "error"],
                 work)


def startup_seconds(binary: Path, work: Path, label: str) -> float:
    """Seconds from exec to the port accepting connections for `dxlocal serve` on the data directory of an earlier
    server of that label (its records already on disk), polled every 5 ms."""
    port = free_port()
    data = work / f"{label}-data"
    log_path = work / f"{label}-startup.log"
    began = time.monotonic()
    process = subprocess.Popen([str(binary), "serve", "--port", str(port), "--data-dir", str(data), "--log-level",
                                "error"], stdout=log_path.open("w"), stderr=subprocess.STDOUT)
    server = Server(f"{label}-startup", process, port, log_path)
    RUNNING.append(server)
    try:
        while time.monotonic() - began < 60:
            server.check_alive()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return time.monotonic() - began
            except OSError:
                time.sleep(0.005)
        raise BenchError(f"{label} did not start listening within 60 s")
    finally:
        RUNNING.remove(server)
        server.stop()


def start_moto(moto_server: Path, work: Path, label: str) -> Server:
    return start(label, [str(moto_server), "-H", "127.0.0.1", "-p", "{port}"], work)


def stop_all() -> None:
    while RUNNING:
        RUNNING.pop().stop()


# --- Requests outside the measured runs ---------------------------------------------------------------------------


def authorization(region: str, access_key: str = ACCESS_KEY) -> str:
    """SigV4's shape with no valid signature; an access key of 12 digits is that account on dxlocal."""
    return (
        f"AWS4-HMAC-SHA256 Credential={access_key}/20250101/{region}/directconnect/aws4_request, "
        f"SignedHeaders=host;x-amz-date, Signature={'0' * 64}"
    )


class Client:
    """One keep-alive connection to a server, for seeding and checks."""

    def __init__(self, server: Server):
        self.server = server
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)

    def call(self, region: str, operation: str, body: dict, access_key: str = ACCESS_KEY) -> dict:
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"OvertureService.{operation}",
            "Authorization": authorization(region, access_key),
        }
        self.connection.request("POST", "/", body=json.dumps(body), headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise BenchError(f"{self.server.name}: {operation} answered {response.status}: {data[:300]!r}")
        return json.loads(data)

    def close(self) -> None:
        self.connection.close()


def key_material(*parts: int) -> str:
    return "".join(f"{part:016x}" for part in parts).ljust(64, "0")


# --- wrk --------------------------------------------------------------------------------------------------------


@dataclass
class Measurement:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx answers, socket errors and failures the script saw
    output: str = field(repr=False, default="")


def parse_duration_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise BenchError(f"cannot read wrk latency {text!r}")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(
    server: Server,
    script: str | None,
    args: list[str],
    concurrency: int,
    seconds: int,
    work: Path,
    path: str = "",
) -> Measurement:
    """One measurement: `script` with `args`, or without a script wrk's own GET of `path`."""
    threads = min(2, concurrency)
    command = ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "60s", "--latency"]
    command += ["-s", str(HERE / script), server.url, "--", *args] if script else [server.url + path]
    env = dict(os.environ, LUA_PATH=f"{HERE}/?.lua;;")
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=work)
    server.check_alive()
    output = result.stdout
    if result.returncode != 0:
        raise BenchError(f"wrk failed on {server.name} ({script}): {result.stderr.strip() or output}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p50 and p99 and total):
        raise BenchError(f"unexpected wrk output on {server.name} ({script}):\n{output}\n{result.stderr}")
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        errors += sum(int(n) for n in match.groups())
    if match := re.search(r"bench: failed (\d+)", output):
        errors = max(errors, int(match.group(1)))
    return Measurement(float(rps.group(1)), parse_duration_ms(p50.group(1)), parse_duration_ms(p99.group(1)),
                       int(total.group(1)), errors, output)


def create_exactly(server: Server, count: int, where: tuple[str, str], macsec: bool, prefix: str) -> None:
    """Creates exactly `count` connections, 16 requests in flight, on keep-alive connections."""
    asyncio.run(_create_exactly(server, count, where, macsec, prefix))


async def _create_exactly(server: Server, count: int, where: tuple[str, str], macsec: bool, prefix: str) -> None:
    next_number = iter(range(count))

    request_head = (
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
        f"X-Amz-Target: OvertureService.CreateConnection\r\nAuthorization: {authorization(where[0])}\r\n"
    )

    async def worker() -> None:
        connection = None
        try:
            for number in next_number:
                if connection is None:
                    connection = await asyncio.open_connection("127.0.0.1", server.port)
                reader, writer = connection
                body = json.dumps({"location": where[1], "bandwidth": "10Gbps",
                                   "connectionName": f"{prefix}-{number}", "requestMACSec": macsec}).encode()
                writer.write(f"{request_head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
                status = (await reader.readline()).split(b" ", 2)[1]
                length, close = None, False
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    name, value = name.strip().lower(), value.strip().lower()
                    if name == b"content-length":
                        length = int(value)
                    elif name == b"connection" and value == b"close":
                        close = True  # moto's server closes every connection after one answer
                if length is None:
                    raise BenchError(f"{server.name} answered without a Content-Length")
                answer = await reader.readexactly(length)
                if status != b"200":
                    raise BenchError(f"{server.name}: CreateConnection answered {status.decode()}: {answer[:300]!r}")
                if close:
                    writer.close()
                    connection = None
        finally:
            if connection is not None:
                connection[1].close()

    await asyncio.gather(*(worker() for _ in range(min(16, count))))


def connection_ids(server: Server, region: str) -> list[str]:
    client = Client(server)
    try:
        return [c["connectionId"] for c in client.call(region, "DescribeConnections", {})["connections"]]
    finally:
        client.close()


# --- The comparison -----------------------------------------------------------------------------------------------


@dataclass
class Row:
    key: str
    scenario: str
    concurrency: int
    dxlocal: Measurement
    moto: Measurement | None

    @property
    def ratio(self) -> float | None:
        if self.moto is None or self.moto.requests_per_second == 0:
            return None
        return self.dxlocal.requests_per_second / self.moto.requests_per_second


@dataclass
class MemoryRow:
    label: str
    dxlocal_mib: float
    dxlocal_connections: int
    moto_mib: float
    moto_connections: int


def seed_rotation(server: Server, profile: Profile, work: Path) -> Path:
    """MACsec connections, each with one key to start from; returns the file of their IDs."""
    create_exactly(server, profile.macsec_connections, ROTATION, True, "rotation")
    ids = connection_ids(server, ROTATION[0])
    if len(ids) != profile.macsec_connections:
        raise BenchError(f"{server.name} lists {len(ids)} MACsec connections, not {profile.macsec_connections}")
    client = Client(server)
    try:
        for number, connection_id in enumerate(ids, start=1):
            client.call(ROTATION[0], "AssociateMacSecKey", {
                "connectionId": connection_id,
                "ckn": key_material(0xFFFF, number),
                "cak": key_material(number, 0xFFFF),
            })
    finally:
        client.close()
    path = work / f"{server.name}-rotation-ids.txt"
    path.write_text("".join(f"{i}\n" for i in ids))
    return path


def resident_sets(servers: dict[str, Server]) -> dict[str, float]:
    """Each server's resident set after a second at rest, as a server between test runs would be: long enough for
    dxlocal to hand freed memory back to the system (it does so at most twice a second, after large replies)."""
    time.sleep(1)
    return {name: server.rss_mib() for name, server in servers.items()}


def compare(
    rows: list[Row],
    key: str,
    scenario: str,
    concurrency: int,
    servers: dict[str, Server],
    script: str,
    args: dict[str, list[str]],
    seconds: int,
    work: Path,
) -> None:
    """One scenario: dxlocal, then moto (when present), same script, same arguments but for server-given IDs."""
    results: dict[str, Measurement] = {}
    for name in ("dxlocal", "moto"):
        if name not in servers:
            continue
        log(f"{scenario}, concurrency {concurrency}: {name}")
        results[name] = wrk(servers[name], script, args[name], concurrency, seconds, work)
    rows.append(Row(key, scenario, concurrency, results["dxlocal"], results.get("moto")))


def run(options: argparse.Namespace) -> int:
    profile = SMOKE if options.smoke else FULL
    seconds = options.seconds or profile.seconds
    for tool in ("wrk",):
        if shutil.which(tool) is None:
            raise BenchError(f"{tool} is not installed")
    started = time.monotonic()
    load_before = os.getloadavg()
    rows: list[Row] = []
    startups: list[float] = []
    memory: list[MemoryRow] = []
    with tempfile.TemporaryDirectory(prefix="dxlocal-bench-") as tmp:
        work = Path(tmp)
        try:
            # Part 1: rotation, describe by ID, create, health; one dxlocal and one moto, fresh.
            servers = {
                "dxlocal": start_dxlocal(options.dxlocal, work, "dxlocal"),
                "moto": start_moto(options.moto_server, work, "moto"),
            }
            log(f"seeding {profile.macsec_connections} MACsec connections with one key each, on both servers")
            id_files = {name: seed_rotation(server, profile, work) for name, server in servers.items()}
            for salt, concurrency in enumerate((16, 64), start=1):
                compare(rows, "rotation", "key rotation (associate new, disassociate oldest)", concurrency, servers,
                        "rotate.lua",
                        {n: [ROTATION[0], str(id_files[n]), str(salt), str(min(2, concurrency))] for n in servers},
                        seconds, work)
            by_id = {}
            for name in servers:
                ids = id_files[name].read_text().split()
                by_id[name] = [ROTATION[0], "DescribeConnections", json.dumps({"connectionId": ids[len(ids) // 2]})]
            compare(rows, "by-id", "DescribeConnections by ID", 16, servers, "static.lua", by_id, seconds, work)
            compare(rows, "create", "CreateConnection", 16, servers, "create.lua",
                    {n: [CREATE[0], CREATE[1], "true", "load"] for n in servers}, seconds, work)
            log("health endpoint (dxlocal only: the HTTP ceiling)")
            health = wrk(servers["dxlocal"], None, [], 16, seconds, work, path="_dxlocal/health")
            rows.append(Row("health", "dxlocal health endpoint (HTTP ceiling)", 16, health, None))
            stop_all()

            # Part 2: describe-all and memory; fresh servers again.
            servers = {
                "dxlocal": start_dxlocal(options.dxlocal, work, "dxlocal-list"),
                "moto": start_moto(options.moto_server, work, "moto-list"),
            }
            log(f"seeding {profile.listed_connections} connections to list, on both servers")
            for name, server in servers.items():
                create_exactly(server, profile.listed_connections, LISTED, False, "listed")
            fill = profile.memory_connections - profile.listed_connections
            log(f"dxlocal: {fill} more connections, {profile.memory_connections} in all")
            create_exactly(servers["dxlocal"], fill, FILL, False, "fill")
            for name, server in servers.items():
                listed = len(connection_ids(server, LISTED[0]))
                if listed != profile.listed_connections:
                    raise BenchError(f"{name} lists {listed} connections, not {profile.listed_connections}")
            after_create = resident_sets(servers)
            body = {n: [LISTED[0], "DescribeConnections", "{}"] for n in servers}
            for concurrency in (1, 16):
                compare(rows, "describe-all", f"DescribeConnections, no filter, {profile.listed_connections:,}",
                        concurrency, servers, "static.lua", body, seconds, work)
            after_load = resident_sets(servers)
            memory.append(MemoryRow("RSS after creating the connections", after_create["dxlocal"],
                                    profile.memory_connections, after_create["moto"], profile.listed_connections))
            memory.append(MemoryRow("RSS after the describe-all load", after_load["dxlocal"],
                                    profile.memory_connections, after_load["moto"], profile.listed_connections))
            # Start-up: the same data directory, served again three times.
            listing_server = servers["dxlocal"]
            RUNNING.remove(listing_server)
            listing_server.stop()
            startups.extend(startup_seconds(options.dxlocal, work, "dxlocal-list") for _ in range(3))
            log("start-up with " + f"{profile.memory_connections:,} connections: "
                + ", ".join(f"{t:.2f} s" for t in startups))
        finally:
            stop_all()
    elapsed = time.monotonic() - started
    print(report(profile, seconds, rows, memory, startups, load_before, os.getloadavg(), elapsed))
    errors = [r for r in rows if r.dxlocal.errors or (r.moto and r.moto.errors)]
    for row in errors:
        log(f"{row.scenario} (c={row.concurrency}) had errors: dxlocal {row.dxlocal.errors}, "
            f"moto {row.moto.errors if row.moto else '-'}")
    if options.smoke:
        empty = [r for r in rows if r.dxlocal.requests == 0 or (r.moto and r.moto.requests == 0)]
        for row in empty:
            log(f"{row.scenario} (c={row.concurrency}) completed no requests")
        if errors or empty:
            return 1
        log(f"smoke run passed in {elapsed:.0f} s")
        return 0
    return 1 if errors else 0


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def fmt_ms(value: float) -> str:
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def report(profile: Profile, seconds: int, rows: list[Row], memory: list[MemoryRow], startups: list[float],
           load_before, load_after, elapsed: float) -> str:
    lines = []
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cpu = platform.processor() or platform.machine()
    try:
        model = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
        cpu = model.group(1).strip() if model else cpu
    except OSError:
        pass
    lines.append(f"dxlocal vs moto: {profile.name} run, {when}, {os.cpu_count()} cores ({cpu}), "
                 f"{seconds} s per measurement, wrk on the same machine")
    lines.append(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}; run took {elapsed:.0f} s")
    lines.append("")
    header = (f"| {'scenario':<52} | {'c':>3} | {'dxlocal req/s':>13} | {'p50 ms':>7} | {'p99 ms':>7} "
              f"| {'moto req/s':>10} | {'p50 ms':>7} | {'p99 ms':>7} | {'ratio':>7} |")
    lines.append(header)
    lines.append("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    for row in rows:
        moto = row.moto
        ratio = f"{row.ratio:.1f}x" if row.ratio is not None else "-"
        lines.append(
            f"| {row.scenario:<52} | {row.concurrency:>3} | {fmt_rate(row.dxlocal.requests_per_second):>13} "
            f"| {fmt_ms(row.dxlocal.p50_ms):>7} | {fmt_ms(row.dxlocal.p99_ms):>7} "
            f"| {(fmt_rate(moto.requests_per_second) if moto else '-'):>10} "
            f"| {(fmt_ms(moto.p50_ms) if moto else '-'):>7} | {(fmt_ms(moto.p99_ms) if moto else '-'):>7} "
            f"| {ratio:>7} |"
        )
    lines.append("")
    for entry in memory:
        lines.append(f"{entry.label}: dxlocal {entry.dxlocal_mib:,.1f} MiB with {entry.dxlocal_connections:,} "
                     f"connections; moto {entry.moto_mib:,.1f} MiB with {entry.moto_connections:,}")
    lines.append("")
    lines.append("targets (issue 6):")
    for key, minimum in TARGETS.items():
        for row in (r for r in rows if r.key == key):
            met = row.ratio is not None and row.ratio >= minimum
            lines.append(f"  {row.scenario}, c={row.concurrency}: {row.ratio or 0:.1f}x, target >= {minimum:.0f}x: "
                         f"{'met' if met else 'MISSED'}")
    if memory and profile is FULL:
        rss = memory[-1].dxlocal_mib
        verdict = "met" if rss <= RSS_TARGET_MIB else "MISSED"
        lines.append(f"  RSS at {profile.memory_connections:,} connections after the describe-all load: "
                     f"{rss:.1f} MiB, target <= {RSS_TARGET_MIB:.0f} MiB: {verdict}")
    lines.append("targets (issue 17):")
    for row in (r for r in rows if r.key in WRITE_SCENARIOS):
        tail = row.dxlocal.p99_ms / row.dxlocal.p50_ms if row.dxlocal.p50_ms else float("inf")
        lines.append(f"  {row.scenario}, c={row.concurrency}: p99 {tail:.1f}x p50, target <= {TAIL_TARGET:.0f}x: "
                     f"{'met' if tail <= TAIL_TARGET else 'MISSED'}")
    if startups:
        median = statistics.median(startups)
        lines.append(f"  start-up with {profile.memory_connections:,} connections (exec to listening, median of "
                     f"{len(startups)}: {', '.join(f'{t:.2f}' for t in startups)} s): {median:.2f} s, target <= "
                     f"{STARTUP_TARGET_S:.0f} s: {'met' if median <= STARTUP_TARGET_S else 'MISSED'}")
    return "\n".join(lines)


# --- One vs two instances on one PostgreSQL ------------------------------------------------------------------------


@contextlib.contextmanager
def postgres_cluster(work: Path):
    """A PostgreSQL cluster of scripts/postgres-cluster in `work`, for as long as the block runs; yields its URL."""
    cluster = work / "cluster"
    started = subprocess.run([str(REPO / "scripts" / "postgres-cluster"), "start", str(cluster)],
                             capture_output=True, text=True)
    if started.returncode != 0:
        raise BenchError(f"cannot start PostgreSQL: {started.stderr}")
    database = re.search(r"DXLOCAL_TEST_DATABASE=['\"]?([^'\"\s]+)", started.stdout)
    if not database:
        raise BenchError(f"unexpected postgres-cluster output: {started.stdout}")
    try:
        yield database.group(1)
    finally:
        stop_all()
        subprocess.run([str(REPO / "scripts" / "postgres-cluster"), "stop", str(cluster)], capture_output=True)


def create_database(url: str, name: str) -> str:
    """A new, empty database `name` on the cluster of `url`; answers its URL."""
    found = shutil.which("psql") or max(map(str, Path("/usr/lib/postgresql").glob("*/bin/psql")), default=None)
    if not found:
        raise BenchError("psql is missing (scripts/postgres-cluster installs PostgreSQL)")
    subprocess.run([found, url, "-v", "ON_ERROR_STOP=1", "-q", "-c", f"CREATE DATABASE {name}"], check=True,
                   capture_output=True)
    return url.rsplit("/", 1)[0] + "/" + name


def master_key_env() -> dict[str, str]:
    return dict(os.environ, DXLOCAL_MASTER_KEY=base64.b64encode(os.urandom(32)).decode())


def shared_store(options: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="dxlocal-bench-pg-") as tmp:
        work = Path(tmp)
        with postgres_cluster(work) as database:
            env = master_key_env()
            command = [str(options.dxlocal), "serve", "--port", "{port}", "--database", database,
                       "--log-level", "error"]
            servers = [start(label, command, work, env) for label in ("one", "two")]
            create_exactly(servers[0], 1000, ROTATION, False, "shared")
            ids = connection_ids(servers[0], ROTATION[0])
            args = [ROTATION[0], "DescribeConnections", json.dumps({"connectionId": ids[500]})]
            c = options.concurrency
            single = wrk(servers[0], "static.lua", args, c, options.seconds, work)
            half = max(1, c // 2)
            env_lua = dict(os.environ, LUA_PATH=f"{HERE}/?.lua;;")
            commands = [["wrk", "-t1", f"-c{half}", f"-d{options.seconds}s", "--latency", "-s",
                         str(HERE / "static.lua"), s.url, "--", *args] for s in servers]
            processes = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env_lua) for cmd in commands]
            outputs = [p.communicate()[0] for p in processes]
            pair = sum(float(re.search(r"Requests/sec:\s+([\d.]+)", o).group(1)) for o in outputs)
            p50 = re.search(r"^\s+50%\s+(\S+)", outputs[0], re.MULTILINE).group(1)
            p99 = re.search(r"^\s+99%\s+(\S+)", outputs[0], re.MULTILINE).group(1)
            print(f"{'setup (DescribeConnections by ID)':<34} {'req/s':>12} {'p50':>10} {'p99':>10}")
            print(f"{f'1 instance, c={c}':<34} {single.requests_per_second:>12.2f} "
                  f"{fmt_ms(single.p50_ms) + 'ms':>10} {fmt_ms(single.p99_ms) + 'ms':>10}")
            print(f"{f'2 instances, c={half} each':<34} {pair:>12.2f} {p50:>10} {p99:>10}")
            print(f"ratio two/one: {pair / single.requests_per_second:.2f}x  "
                  f"({os.cpu_count()} cores shared by PostgreSQL, instances and wrk)")
    return 0


def ab(options: argparse.Namespace) -> int:
    """Two dxlocal builds on the write path (key rotation), alternated in one run so that both see the same minutes:
    for each round and build, a fresh server with the 1,000 MACsec connections, then c=16 and c=64. With --smoke,
    one round of a second on 128 connections: proves the comparison still runs."""
    builds = options.dxlocal
    profile = SMOKE if options.smoke else FULL
    rounds = 1 if options.smoke else options.rounds
    seconds = options.seconds or profile.seconds
    if len(builds) != 2:
        raise BenchError("ab compares exactly two builds: --dxlocal A --dxlocal B")
    results: dict[tuple[int, int], list[float]] = {}
    # The server's CPU time (user + system) a request: steadier than req/s when the host's load changes between
    # rounds, as it does on this machine.
    cpu: dict[tuple[int, int], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="dxlocal-bench-ab-") as tmp, contextlib.ExitStack() as stack:
        work = Path(tmp)
        cluster = stack.enter_context(postgres_cluster(work)) if options.postgres else None
        env = master_key_env()
        for round_number in range(rounds):
            for index, binary in enumerate(builds):
                label = f"{'ab'[index]}{round_number}"
                if cluster:
                    # A database of its own for every server, so that each begins on an empty store.
                    server = start(label, [str(binary), "serve", "--port", "{port}", "--database",
                                           create_database(cluster, f"ab_{label}"), "--log-level", "error"], work, env)
                else:
                    server = start_dxlocal(binary, work, label)
                try:
                    log(f"round {round_number + 1}: build {'AB'[index]} ({binary})")
                    ids = seed_rotation(server, profile, work)
                    for salt, concurrency in enumerate((16, 64), start=1):
                        before = server.cpu_seconds()
                        measured = wrk(server, "rotate.lua", [ROTATION[0], str(ids), str(salt), "2"], concurrency,
                                       seconds, work)
                        used = server.cpu_seconds() - before
                        if measured.errors:
                            raise BenchError(f"{label}: {measured.errors} failed requests")
                        results.setdefault((index, concurrency), []).append(measured.requests_per_second)
                        cpu.setdefault((index, concurrency), []).append(used / max(1, measured.requests) * 1e6)
                finally:
                    stop_all()
    print(f"key rotation on {'PostgreSQL' if options.postgres else 'SQLite'}, req/s per round ({rounds} rounds of "
          f"{seconds} s, builds alternated, {profile.macsec_connections} connections)")
    for index, binary in enumerate(builds):
        for concurrency in (16, 64):
            rates = results[(index, concurrency)]
            print(f"  {'AB'[index]} c={concurrency:<3} " + "  ".join(f"{rate:>8,.0f}" for rate in rates)
                  + f"   mean {sum(rates) / len(rates):>8,.0f}   {binary}")
    for concurrency in (16, 64):
        a, b = (sum(results[(i, concurrency)]) / rounds for i in (0, 1))
        print(f"  B/A at c={concurrency}: {b / a:.2f}x")
    print("server CPU per request, microseconds (user + system)")
    for concurrency in (16, 64):
        a, b = (sum(cpu[(i, concurrency)]) / rounds for i in (0, 1))
        print(f"  c={concurrency:<3} A " + " ".join(f"{v:.0f}" for v in cpu[(0, concurrency)]) + f"  mean {a:.0f}"
              + "   B " + " ".join(f"{v:.0f}" for v in cpu[(1, concurrency)]) + f"  mean {b:.0f}   B/A {b / a:.2f}x")
    return 0


@dataclass(frozen=True)
class ThreadTimes:
    name: str
    user: int  # clock ticks
    system: int
    on_core: int  # nanoseconds (schedstat)
    waiting: int  # nanoseconds runnable but waiting for a core
    sleeps: int  # voluntary context switches


def thread_times(pid: int) -> dict[str, ThreadTimes]:
    """Each thread of `pid`, by thread ID."""
    threads = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        task = f"/proc/{pid}/task/{tid}"
        try:
            name, user, system = cpu_ticks(f"{task}/stat")
            on_core, waiting, _ = map(int, Path(f"{task}/schedstat").read_text().split())
            status = Path(f"{task}/status").read_text()
        except FileNotFoundError:
            continue  # the thread ended between the listing and the read
        sleeps = re.search(r"^voluntary_ctxt_switches:\s+(\d+)", status, re.MULTILINE)
        threads[tid] = ThreadTimes(name, user, system, on_core, waiting, int(sleeps.group(1)) if sleeps else 0)
    return threads


def batch_sizes(server: Server) -> tuple[float, float]:
    """The write loop's batches so far (`dxlocal_store_batch_size`): their count and the writes they held."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", "/_dxlocal/metrics")
        text = connection.getresponse().read().decode()
    finally:
        connection.close()
    values = {line.split("{")[0]: float(line.split()[-1]) for line in text.splitlines()
              if line.startswith(("dxlocal_store_batch_size_count", "dxlocal_store_batch_size_sum"))}
    return values.get("dxlocal_store_batch_size_count", 0.0), values.get("dxlocal_store_batch_size_sum", 0.0)


def machine_times() -> list[int]:
    """The first line of /proc/stat: user, nice, system, idle, iowait, irq, softirq, steal (clock ticks)."""
    return [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]


def profile_rotation(options: argparse.Namespace) -> int:
    """Where a key rotation request's time goes on one dxlocal (SQLite): its rate, the write loop's batches, each
    thread's CPU a request and its scheduler times (on a core, waiting for one, asleep), the machine's idle share.
    Figures of one run of `--seconds`: compare builds or settings with `ab`, not with this."""
    seconds = options.seconds or 6
    with tempfile.TemporaryDirectory(prefix="dxlocal-bench-profile-") as tmp:
        work = Path(tmp)
        server = start_dxlocal(options.dxlocal, work, "profile")
        try:
            ids = seed_rotation(server, FULL, work)
            wrk(server, "rotate.lua", [ROTATION[0], str(ids), "1", "2"], options.concurrency, 2, work)  # warm-up
            before, batches, machine_before = thread_times(server.process.pid), batch_sizes(server), machine_times()
            began = time.monotonic()
            measured = wrk(server, "rotate.lua", [ROTATION[0], str(ids), "2", "2"], options.concurrency, seconds,
                           work)
            elapsed = time.monotonic() - began
            after, batches_after = thread_times(server.process.pid), batch_sizes(server)
            machine = [b - a for a, b in zip(machine_before, machine_times())]
        finally:
            stop_all()
    if measured.errors:
        raise BenchError(f"{measured.errors} failed requests")
    requests = max(1, measured.requests)
    count, writes = (b - a for a, b in zip(batches, batches_after))
    print(f"key rotation c={options.concurrency}, {seconds} s: {measured.requests_per_second:,.0f} req/s, "
          f"p50 {measured.p50_ms} ms, p99 {measured.p99_ms} ms")
    print(f"  batches: {count / elapsed:,.0f} commits a second, {writes / max(1.0, count):.1f} writes a commit")
    tick = os.sysconf("SC_CLK_TCK")
    print("  thread: CPU a request (user + system); share of the run on a core / runnable, waiting for one / asleep; "
          "sleeps a request")
    rows = []
    for tid, now in after.items():
        if (then := before.get(tid)) is None:
            continue
        on, wait = (now.on_core - then.on_core) / elapsed / 1e7, (now.waiting - then.waiting) / elapsed / 1e7
        if on >= 1:
            rows.append((on, f"    {now.name:<16} {tid:>7} {(now.user - then.user) / tick / requests * 1e6:6.1f} + "
                             f"{(now.system - then.system) / tick / requests * 1e6:5.1f} µs   {on:5.1f} / "
                             f"{wait:5.1f} / {max(0.0, 100 - on - wait):5.1f} %   "
                             f"{(now.sleeps - then.sleeps) / requests:.2f}"))
    for _, row in sorted(rows, reverse=True):
        print(row)
    total = max(1, sum(machine))
    print(f"  machine: idle {machine[3] / total * 100:.1f} %, waiting for the disk {machine[4] / total * 100:.1f} %, "
          f"softirq {machine[6] / total * 100:.1f} %, steal {machine[7] / total * 100:.1f} %")
    return 0


def at_scale(options: argparse.Namespace) -> int:
    """Requests that read many records, on SQLite and on PostgreSQL, once a scope holds `--count` of each: a
    partner's interconnect carrying hosted connections of two other accounts (AllocateHostedConnection reads every
    one on the parent for its VLAN; DescribeHostedConnections lists them), and DescribeVirtualInterfaces over as
    many interfaces, each on a dedicated connection of its own (each carrier is read for what its MKA does to the
    interface). Sequential requests on one HTTP connection: a figure of the store's reads, not of throughput."""
    count = 20 if options.smoke else options.count
    if not 1 <= count <= 1990:
        # 50 Mbps each, with the ten timed at the end, on a 100 Gbps interconnect; a VLAN of their own each.
        raise BenchError("--count must be 1 to 1,990: the hosted connections must fit on one 100 Gbps interconnect")
    region, location = ROTATION
    partner, customers = "111111111111", ["222222222222", "333333333333"]
    rows = []

    def timed(call) -> float:
        began = time.monotonic()
        call()
        return time.monotonic() - began

    with tempfile.TemporaryDirectory(prefix="dxlocal-bench-scale-") as tmp:
        work = Path(tmp)
        with postgres_cluster(work) as cluster:
            env = master_key_env()
            backends = {
                "SQLite": [str(options.dxlocal), "serve", "--port", "{port}", "--data-dir", str(work / "data"),
                           "--log-level", "error"],
                "PostgreSQL": [str(options.dxlocal), "serve", "--port", "{port}", "--database",
                               create_database(cluster, "scale"), "--log-level", "error"],
            }
            for backend, command in backends.items():
                server = start(backend, command, work, env)
                client = Client(server)
                try:
                    def call(operation: str, body: dict) -> dict:
                        return client.call(region, operation, body, access_key=partner)

                    parent = call("CreateInterconnect", {"interconnectName": "nni", "bandwidth": "100Gbps",
                                                         "location": location})["interconnectId"]
                    gateway_id = ""
                    for index in range(count):
                        if index % 30 == 0:  # the most interfaces a Direct Connect gateway may have
                            gateway = call("CreateDirectConnectGateway", {"directConnectGatewayName": f"gw-{index}",
                                                                          "amazonSideAsn": 64512})
                            gateway_id = gateway["directConnectGateway"]["directConnectGatewayId"]
                        dedicated = call("CreateConnection", {"location": location, "bandwidth": "10Gbps",
                                                              "connectionName": f"dedicated-{index}"})
                        call("CreatePrivateVirtualInterface", {
                            "connectionId": dedicated["connectionId"],
                            "newPrivateVirtualInterface": {"virtualInterfaceName": f"vif-{index}", "vlan": 100,
                                                           "asn": 65000, "directConnectGatewayId": gateway_id}})

                    def allocate(vlan: int) -> None:
                        call("AllocateHostedConnection", {
                            "connectionId": parent, "ownerAccount": customers[vlan % len(customers)],
                            "bandwidth": "50Mbps", "connectionName": f"hosted-{vlan}", "vlan": vlan})

                    filling = sum(timed(lambda: allocate(vlan)) for vlan in range(2, 2 + count)) / count
                    at_count = statistics.median(timed(lambda: allocate(vlan)) for vlan in range(2 + count, 12 + count))
                    hosted = statistics.median(
                        timed(lambda: call("DescribeHostedConnections", {"connectionId": parent})) for _ in range(5))
                    interfaces = statistics.median(
                        timed(lambda: call("DescribeVirtualInterfaces", {})) for _ in range(5))
                    listed = call("DescribeHostedConnections", {"connectionId": parent})["connections"]
                    if len(listed) != count + 10:
                        raise BenchError(f"{backend}: {len(listed)} hosted connections listed, not {count + 10}")
                    if len(call("DescribeVirtualInterfaces", {})["virtualInterfaces"]) != count:
                        raise BenchError(f"{backend}: not {count} virtual interfaces listed")
                    rows.append((backend, filling, at_count, hosted, interfaces))
                finally:
                    client.close()
                    stop_all()
    print(f"{count} hosted connections on one interconnect (of two other accounts), {count} dedicated connections "
          f"with an interface each")
    print(f"{'store':<12} {'allocate, mean to fill':>23} {'allocate at the count':>22} {'describe hosted':>16} "
          f"{'describe interfaces':>20}")
    for backend, filling, at_count, hosted, interfaces in rows:
        print(f"{backend:<12} {filling * 1000:>20.1f} ms {at_count * 1000:>19.1f} ms {hosted * 1000:>13.1f} ms "
              f"{interfaces * 1000:>17.1f} ms")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    compare_parser = commands.add_parser("run", help="dxlocal against moto")
    compare_parser.add_argument("--dxlocal", type=Path, required=True)
    compare_parser.add_argument("--moto-server", type=Path, required=True)
    compare_parser.add_argument("--smoke", action="store_true", help="small data, a second per measurement")
    compare_parser.add_argument("--seconds", type=int, help="override the seconds per measurement")
    shared = commands.add_parser("shared-store", help="one vs two dxlocal instances on one PostgreSQL")
    shared.add_argument("--dxlocal", type=Path, required=True)
    shared.add_argument("--seconds", type=int, default=10)
    shared.add_argument("--concurrency", type=int, default=16)
    pair = commands.add_parser("ab", help="two dxlocal builds on key rotation, alternated in one run")
    pair.add_argument("--dxlocal", type=Path, action="append", required=True, help="give it twice: A, then B")
    pair.add_argument("--rounds", type=int, default=2)
    pair.add_argument("--seconds", type=int, help="seconds a measurement (default 10; 1 with --smoke)")
    pair.add_argument("--smoke", action="store_true", help="one round of a second on 128 connections")
    pair.add_argument("--postgres", action="store_true", help="on a PostgreSQL cluster of its own, not SQLite")
    probe = commands.add_parser("profile", help="where a key rotation request's time goes, on one dxlocal")
    probe.add_argument("--dxlocal", type=Path, required=True)
    probe.add_argument("--seconds", type=int, help="seconds of load (default 6)")
    probe.add_argument("--concurrency", type=int, default=16)
    scale = commands.add_parser("scale", help="requests that read many records, on SQLite and PostgreSQL")
    scale.add_argument("--dxlocal", type=Path, required=True)
    scale.add_argument("--count", type=int, default=1000)
    scale.add_argument("--smoke", action="store_true", help="20 of each")
    options = parser.parse_args()

    def interrupted(signum, _frame):
        stop_all()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    try:
        return {"run": run, "shared-store": shared_store, "ab": ab, "profile": profile_rotation,
                "scale": at_scale}[options.command](options)
    except BenchError as error:
        log(f"FAILED: {error}")
        return 1
    finally:
        stop_all()


if __name__ == "__main__":
    sys.exit(main())
