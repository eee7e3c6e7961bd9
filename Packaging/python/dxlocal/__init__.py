"""dxlocal: AWS Direct Connect (with MACsec) as a local service.

This package carries the `dxlocal` binary (linked with the Swift standard library, so no Swift toolchain is
needed) and a pytest plugin. `binary()` names the binary; `start()` runs a server for as long as you keep it.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
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


class Server:
    """A `dxlocal serve` process and the endpoint it listens on."""

    def __init__(self, process: subprocess.Popen, endpoint: str) -> None:
        self.process = process
        self.endpoint = endpoint

    def stop(self, timeout: float = 10) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start(*arguments: str, timeout: float = 30) -> Server:
    """Starts `dxlocal serve ARGUMENTS` (default: in memory, on a free port) and waits until it listens."""
    arguments = arguments or ("--in-memory", "--port", "0")
    process = subprocess.Popen(
        [binary(), "serve", *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
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
            elif not listening.is_set() and len(output) < 200:
                output.append(line)
        listening.set()

    threading.Thread(target=drain, args=(process.stdout, True), name="dxlocal-stdout", daemon=True).start()
    threading.Thread(target=drain, args=(process.stderr, False), name="dxlocal-stderr", daemon=True).start()
    listening.wait(timeout)
    if not endpoint:
        process.kill()
        process.wait()
        said = b"".join(output).decode(errors="replace")[-2000:]
        raise RuntimeError(f"dxlocal serve did not start (exit {process.returncode}): {said}")
    return Server(process, endpoint[0])
