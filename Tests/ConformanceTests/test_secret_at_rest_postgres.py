"""SPEC §6 on the shared PostgreSQL store: the plaintext CAK is never written to the database.

Runs only in the PostgreSQL pass of scripts/test (DXLOCAL_CONFORMANCE_DATABASE set; the SQLite
pass deselects it with `-m "not postgres_only"`). It never skips: run without a database it
fails, and without pg_dump/psql it fails.

A server on the database associates MACsec keys every way a CAK can reach the store (on
connections and a LAG, both cases of hex, re-used by CKN+CAK and by ARN, scheduled for deletion
and restored, refused associations that carry a CAK), then every table of the database is dumped
as text with the cluster's own pg_dump and searched for each CAK in every encoding
dxhelpers.hex_needles gives (lower and upper hex, raw 32 bytes, base64 of each), also in any case
and inside bytea values. The same search must find each CKN (stored in plaintext, by design), so
the search cannot pass by searching nothing.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess

import pytest
from botocore.exceptions import ClientError

from dxhelpers import (
    SHARED_MASTER_KEY,
    associate_key,
    create_connection,
    create_lag,
    hex_needles,
    postgres_tool,
    random_hex64,
)

pytestmark = [pytest.mark.postgres_only]

BYTEA_RE = re.compile(rb"\\\\x([0-9a-fA-F]{2,})")  # a bytea value in pg_dump's COPY text: \\x<hex>


def _database() -> str:
    url = os.environ.get("DXLOCAL_CONFORMANCE_DATABASE")
    if not url:
        pytest.fail("this test searches the PostgreSQL store and needs DXLOCAL_CONFORMANCE_DATABASE "
                    "(the PostgreSQL pass of scripts/test); the SQLite pass deselects it with "
                    "-m 'not postgres_only'", pytrace=False)
    return url


def _run(tool: str, *args: str) -> bytes:
    result = subprocess.run([str(postgres_tool(tool)), *args], capture_output=True, timeout=300,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, f"{tool} {' '.join(args)} exited {result.returncode}:\n" \
                                   f"{result.stderr.decode(errors='replace')[-3000:]}"
    return result.stdout


def _tables(url: str) -> list[str]:
    out = _run("psql", "--no-psqlrc", "--tuples-only", "--no-align", "--dbname", url, "--command",
               "SELECT schemaname || '.' || tablename FROM pg_tables "
               "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")
    return [line.strip() for line in out.decode().splitlines() if line.strip()]


def _dump(url: str) -> bytes:
    """Every table of the database, schema and rows, as pg_dump's plain text; bytea values decoded and
    appended, so bytes stored in binary columns are searched as bytes too."""
    dump = _run("pg_dump", "--format=plain", "--no-owner", "--no-privileges", "--encoding=UTF8", "--dbname", url)
    decoded = b"".join(bytes.fromhex(m.group(1).decode()[: len(m.group(1)) // 2 * 2]) for m in BYTEA_RE.finditer(dump))
    return dump + b"\n" + decoded


def _hits(blob: bytes, needles: list[bytes]) -> list[str]:
    lowered = blob.lower()
    hits = []
    for needle in needles:
        if needle in blob or (needle.isascii() and len(needle) >= 32 and needle.lower() in lowered):
            hits.append(f"{needle[:20]!r}...")
    return hits


def _refused(call) -> None:
    with pytest.raises(ClientError):
        call()


def test_no_plaintext_cak_in_any_table_of_the_postgres_store(server, dx, sm, account):
    url = _database()
    assert "--database" in server.args, f"the server does not run on the database: {server.args}"
    client, secrets_client = dx(account=account), sm(account=account)

    stored: list[tuple[str, str]] = []  # (ckn, cak) pairs that reached the store
    refused_caks: list[str] = []
    first, second = create_connection(client), create_connection(client)
    lag_id = create_lag(client, count=2)["lagId"]
    for target, upper in ((first, False), (first, True), (second, False), (lag_id, True)):
        response, ckn, cak = associate_key(client, target, cak=random_hex64(upper=upper))
        stored.append((ckn, cak))
    arns = {}
    for connection in client.describe_connections()["connections"] + client.describe_lags()["lags"]:
        for key in connection.get("macSecKeys", []):
            arns[key["ckn"].lower()] = key["secretARN"]
    # The same pair again on another target re-uses the managed secret (the server opens the sealed value).
    third = create_connection(client)
    client.associate_mac_sec_key(connectionId=third, ckn=stored[0][0], cak=stored[0][1])
    # By ARN, after a disassociation; a secret scheduled for deletion and restored.
    client.disassociate_mac_sec_key(connectionId=second, secretARN=arns[stored[2][0]])
    client.associate_mac_sec_key(connectionId=second, secretARN=arns[stored[2][0]])
    secrets_client.delete_secret(SecretId=arns[stored[1][0]], RecoveryWindowInDays=7)
    secrets_client.restore_secret(SecretId=arns[stored[1][0]])
    # Refused associations carrying well-formed CAKs: a known CKN with another CAK, an unknown target.
    for call in (
        lambda cak: client.associate_mac_sec_key(connectionId=create_connection(client), ckn=stored[0][0], cak=cak),
        lambda cak: client.associate_mac_sec_key(connectionId="dxcon-none0000", ckn=random_hex64(), cak=cak),
    ):
        cak = random_hex64()
        refused_caks.append(cak)
        _refused(lambda: call(cak))

    tables = _tables(url)
    assert "public.records" in tables, tables
    dump = _dump(url)
    for table in tables:
        assert f"COPY {table} ".encode() in dump, f"the dump lacks the rows of {table}"

    # The search finds what is stored in plaintext: the CKNs, the secret ARNs, the account.
    assert account.encode() in dump, "this test's rows are not in the dump"
    for ckn, _ in stored:
        assert _hits(dump, [ckn.encode()]), f"the CKN {ckn} (stored in plaintext) was not found: the search is blind"
    for arn in arns.values():
        assert arn.encode() in dump, f"{arn} not in the dump"

    # ...and no CAK, in any encoding, nor the master key.
    cak_needles = [needle for _, cak in stored for needle in hex_needles(cak)]
    cak_needles += [needle for cak in refused_caks for needle in hex_needles(cak)]
    assert len(cak_needles) == 6 * (len(stored) + len(refused_caks))
    assert _hits(dump, cak_needles) == [], "a plaintext CAK is in the PostgreSQL store"
    master = [SHARED_MASTER_KEY.encode(), base64.b64decode(SHARED_MASTER_KEY)]
    assert _hits(dump, master) == [], "the master key is in the PostgreSQL store"
