"""dxlocal: AWS Direct Connect (with MACsec) as a local service.

This package carries the `dxlocal` binary (linked with the Swift standard library, so no Swift toolchain is
needed) and a pytest plugin. `binary()` names the binary; `start()` runs a server for as long as you keep it.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import re
import signal
import subprocess
import threading
import weakref
from pathlib import Path

__all__ = ["binary", "start", "Server"]

_LISTENING = re.compile(rb"^dxlocal listening on (http://\S+)\s*$")


def binary() -> str:
    """The path of the bundled `dxlocal` binary (or `DXLOCAL_BIN` when set)."""
    override = os.environ.get("DXLOCAL_BIN")
    if override:
        return override
    path = Path(__file__).resolve().parent / "bin" / "dxlocal"
    if not path.is_file():
        raise RuntimeError(f"the dxlocal binary is missing from this installation ({path})")
    return str(path)


# Every server still running when Python exits is stopped then (a `Server` dropped without `stop()`).
_running: "weakref.WeakSet[Server]" = weakref.WeakSet()
atexit.register(lambda: [server.stop() for server in list(_running)])


def _die_with_parent() -> None:
    """In the child before `exec`: the kernel sends it SIGTERM when the thread that started it ends, so that a test
    run killed outright (SIGTERM from `timeout` or a CI runner, SIGKILL) leaves no server behind. Used only when the
    main thread starts the server (it ends with the process; another thread may end while its server is kept)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        pass


class Server:
    """A `dxlocal serve` process and the endpoint it listens on."""

    def __init__(self, process: subprocess.Popen, endpoint: str, readers: list[threading.Thread] = ()) -> None:
        self.process = process
        self.endpoint = endpoint
        self._readers = list(readers)
        _running.add(self)

    def stop(self, timeout: float = 10) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # The readers end with the process's output; then its pipes are closed (no ResourceWarning).
        for reader in self._readers:
            reader.join(timeout)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        _running.discard(self)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start(*arguments: str, timeout: float = 30) -> Server:
    """Starts `dxlocal serve ARGUMENTS` (default: in memory, on a free port) and waits until it listens."""
    arguments = arguments or ("--in-memory", "--port", "0")
    process = subprocess.Popen(
        [binary(), "serve", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        preexec_fn=_die_with_parent if threading.current_thread() is threading.main_thread() else None,
    )
    listening = threading.Event()
    endpoint: list[str] = []
    output: list[bytes] = []

    def drain(stream, watch: bool) -> None:
        # Both pipes are read to their end, so that the server never blocks on a full one.
        for line in stream:
            match = _LISTENING.match(line) if watch and not endpoint else None
            if match:
                endpoint.append(match.group(1).decode())
                listening.set()
            elif not endpoint and len(output) < 200:
                output.append(line)
        listening.set()

    readers = [
        threading.Thread(target=drain, args=(process.stdout, True), name="dxlocal-stdout", daemon=True),
        threading.Thread(target=drain, args=(process.stderr, False), name="dxlocal-stderr", daemon=True),
    ]
    for reader in readers:
        reader.start()
    listening.wait(timeout)
    if not endpoint:
        process.kill()
        process.wait()
        # Both readers have read to the end before the refusal is put together: its reason is the last they read.
        for reader in readers:
            reader.join(5)
        for stream in (process.stdout, process.stderr):
            stream.close()
        said = b"".join(output).decode(errors="replace")[-2000:]
        raise RuntimeError(f"dxlocal serve did not start (exit {process.returncode}): {said}")
    return Server(process, endpoint[0], readers)
