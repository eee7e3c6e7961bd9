"""A start that cannot serve ends with its reason and exit status 1; it never waits for ever and never listens
(`dxlocal serve`'s own refusals, our choice: AWS has nothing to compare).

Before, a server given a PostgreSQL URL nobody answers at neither listened nor ended (the connection pool tried
again for ever and logged each failure at info level), and a data directory that could not be a folder was
refused in Foundation's raw words.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time

import pytest

from dxhelpers import SHARED_MASTER_KEY


def serve(dxlocal_bin, *args: str, env: dict[str, str] | None = None, timeout: float = 30):
    """Runs `dxlocal serve --port 0 ARGS` to its end: the finished process and how long it ran."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DXLOCAL_")}
    environment.update({"DXLOCAL_MASTER_KEY": SHARED_MASTER_KEY, **(env or {})})
    started = time.monotonic()
    result = subprocess.run([str(dxlocal_bin), "serve", "--port", "0", *args], capture_output=True, text=True,
                            timeout=timeout, env=environment)
    return result, time.monotonic() - started


def closed_port() -> int:
    """A local TCP port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_database_ends_the_start_with_the_reason(dxlocal_bin):
    port = closed_port()
    result, took = serve(dxlocal_bin, "--database", f"postgres://dx:hunter2secret@127.0.0.1:{port}/dx",
                         "--database-wait", "1.5")
    assert result.returncode == 1, (result.returncode, result.stderr)
    # The reason in a few words as the last line (it carried the store's error type and NIO's debug texts:
    # `Error: StoreError.unavailable: ... Connection errors: SingleConnectionFailure(target: [IPv4]127.0.0.1/...`).
    assert result.stderr.splitlines()[-1] == (f"Error: cannot reach PostgreSQL at postgres://dx@127.0.0.1:{port}/dx"
                                              f" (tried for 1.5 seconds): 127.0.0.1:{port}: Connection refused")
    # Each failed try is a warning, with the reason, while the start waits.
    assert "warning" in result.stderr and "PostgreSQL does not answer yet" in result.stderr, result.stderr
    assert "hunter2secret" not in result.stderr + result.stdout
    assert "listening" not in result.stdout
    assert took >= 1.5, f"gave up after {took:.2f} s of a 1.5 s wait"


def test_an_ipv6_database_address_is_connected_to(dxlocal_bin):
    """The brackets of an IPv6 address are the URL's, not the host's (they were resolved as a name: "cannot resolve
    [::1]")."""
    with socket.socket(socket.AF_INET6) as probe:
        probe.bind(("::1", 0))
        port = probe.getsockname()[1]
    result, _ = serve(dxlocal_bin, "--database", f"postgres://dx@[::1]:{port}/dx", "--database-wait", "0")
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[-1] == (f"Error: cannot reach PostgreSQL at postgres://dx@[::1]:{port}/dx"
                                              f" (tried for 0.0 seconds): [::1]:{port}: Connection refused")


def test_a_database_that_takes_the_connection_and_never_answers_ends_the_start_in_time(dxlocal_bin):
    """Each try is bounded by what is left of the wait (postgres-nio's own bound is 10 s)."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        result, took = serve(dxlocal_bin, "--database", f"postgres://dx@127.0.0.1:{port}/dx", "--database-wait", "1")
    assert result.returncode == 1, result.stderr
    assert f"at postgres://dx@127.0.0.1:{port}/dx (tried for 1.0 seconds)" in result.stderr, result.stderr
    assert took < 8, f"the start took {took:.1f} s of a 1 s wait"


def test_a_database_without_tls_ends_a_start_that_requires_it_at_once(dxlocal_bin):
    """sslmode=require against a server that answers the TLS request with "N" (no TLS): a refusal that a second try
    will not change, so no waiting (it was tried for the whole wait)."""
    import threading

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def refuse_tls():
            listener.settimeout(30)
            try:
                while True:
                    connection, _ = listener.accept()
                    with connection:
                        connection.recv(8)  # the SSLRequest
                        connection.sendall(b"N")
                        connection.recv(1024)
            except OSError:
                return

        threading.Thread(target=refuse_tls, daemon=True).start()
        result, _ = serve(dxlocal_bin, "--database", f"postgres://dx@127.0.0.1:{port}/dx?sslmode=require",
                          "--database-wait", "120", timeout=60)
    assert result.returncode == 1, result.stderr
    assert "PostgreSQL does not offer TLS, which sslmode=require asks for" in result.stderr, result.stderr
    assert "tried for" not in result.stderr and "does not answer yet" not in result.stderr, result.stderr


def test_the_wait_comes_from_the_environment_too(dxlocal_bin):
    port = closed_port()
    result, _ = serve(dxlocal_bin, env={"DXLOCAL_DATABASE": f"postgres://dx@127.0.0.1:{port}/dx",
                                        "DXLOCAL_DATABASE_WAIT": "0"})
    assert result.returncode == 1, result.stderr
    assert f"at postgres://dx@127.0.0.1:{port}/dx (tried for 0.0 seconds)" in result.stderr, result.stderr


@pytest.mark.parametrize("value", ["-1", "soon", "nan", "100000"])
def test_a_wait_that_is_not_a_number_of_seconds_is_refused(dxlocal_bin, value):
    result, _ = serve(dxlocal_bin, "--database", "postgres://dx@127.0.0.1:1/dx", "--database-wait", value)
    assert result.returncode == 64, (result.returncode, result.stderr)
    assert "--database-wait" in result.stderr or "database-wait" in result.stderr, result.stderr
    assert "cannot reach" not in result.stderr, "the value was checked only after a connection was tried"


@pytest.mark.postgres_only
@pytest.mark.parametrize("change,state", [("user", "28000"), ("database", "3D000")])
def test_a_database_that_refuses_ends_the_start_at_once(dxlocal_bin, change, state):
    """A login or a database PostgreSQL refuses will not be taken a second later: no waiting for it."""
    shared = os.environ.get("DXLOCAL_CONFORMANCE_DATABASE")
    if not shared:
        pytest.fail("needs DXLOCAL_CONFORMANCE_DATABASE (the PostgreSQL pass of scripts/test)", pytrace=False)
    scheme, rest = shared.split("://", 1)
    login, place = rest.split("@", 1)
    if change == "user":
        url = f"{scheme}://nobody_{os.getpid()}@{place}"
    else:
        url = f"{scheme}://{login}@{place.rsplit('/', 1)[0]}/missing_{os.getpid()}"
    # A wait longer than the subprocess' timeout: a start that waited would fail the test by its timeout.
    result, _ = serve(dxlocal_bin, "--database", url, "--database-wait", "120", timeout=60)
    assert result.returncode == 1, result.stderr
    assert f"PostgreSQL refused (SQL state {state})" in result.stderr, result.stderr
    assert "tried for" not in result.stderr and "does not answer yet" not in result.stderr, result.stderr


@pytest.mark.sqlite_only
def test_a_data_directory_that_is_a_file_is_refused_and_left_alone(dxlocal_bin, tmp_path):
    target = tmp_path / "data"
    target.write_text("not a folder")
    result, _ = serve(dxlocal_bin, "--data-dir", str(target))
    assert result.returncode == 1, result.stderr
    assert f"the data directory {target} is a file, not a folder" in result.stderr, result.stderr
    assert target.read_text() == "not a folder"

    below = target / "inside"
    result, _ = serve(dxlocal_bin, "--data-dir", str(below))
    assert result.returncode == 1, result.stderr
    assert f"cannot make the data directory {below}: Not a directory" in result.stderr, result.stderr
    assert "NSCocoaErrorDomain" not in result.stderr and "listening" not in result.stdout
