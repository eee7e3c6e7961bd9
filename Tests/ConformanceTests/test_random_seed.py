"""SPEC 11: `dxlocal serve --random-seed N` makes generated IDs, ARN suffixes and request IDs repeatable; a full
reset starts the sequence again (our choice), an accounts-limited one does not; without a seed two servers differ.
Every server has a store of its own (a database of its own on the PostgreSQL pass): the names depend on what the
store holds, and a reset reaches everything."""

from __future__ import annotations

import subprocess

import pytest

import dxhelpers

ACCOUNT = "111122223333"


def scene(url: str, ckn: str = "ab" * 32) -> list[str]:
    """The names a short, sequential scene is given: connection and LAG IDs, a secret ARN, request IDs."""
    dx = dxhelpers.make_client(url, account=ACCOUNT)
    names = []
    created = dx.create_connection(location="EqDC2", bandwidth="10Gbps", connectionName="a", requestMACSec=True)
    names += [created["connectionId"], created["ResponseMetadata"]["RequestId"]]
    lag = dx.create_lag(location="EqDC2", numberOfConnections=1, connectionsBandwidth="10Gbps", lagName="l",
                        requestMACSec=True)
    names += [lag["lagId"], *(c["connectionId"] for c in lag["connections"])]
    keys = dx.associate_mac_sec_key(connectionId=created["connectionId"], ckn=ckn, cak="cd" * 32)
    names.append(keys["macSecKeys"][0]["secretARN"])
    return names


def reset(url: str, body: bytes = b"") -> None:
    reply = dxhelpers.raw_request(url, method="POST", path="/_dxlocal/reset", body=body, content_type=None)
    assert reply.status == 200, reply


def test_the_same_seed_gives_the_same_names_and_a_reset_starts_again(server_factory):
    first = dxhelpers.own_store_server(server_factory, extra_args=("--random-seed", "42"))
    second = dxhelpers.own_store_server(server_factory, extra_args=("--random-seed", "42"))
    names = scene(first.url)
    assert scene(second.url) == names
    assert len(set(names)) == len(names)
    # The sequence goes on: the same scene again (same account, region; another CKN, whose secret is new) gets
    # other names.
    again = scene(first.url, ckn="ef" * 32)
    assert not set(again) & set(names)
    # A full reset starts it from the seed again.
    reset(first.url)
    assert scene(first.url) == names
    # An accounts-limited reset does not (other accounts' records stay, and so does the sequence): the first server
    # goes on as a third one, fresh, that made the same calls.
    limited = b'{"accounts": ["111122223333"]}'
    reset(first.url, limited)
    third = dxhelpers.own_store_server(server_factory, extra_args=("--random-seed", "42"))
    assert scene(third.url) == names
    reset(third.url, limited)
    went_on = scene(first.url, ckn="ef" * 32)
    assert went_on == scene(third.url, ckn="ef" * 32)
    assert not set(went_on) & set(names)


def test_other_seeds_and_no_seed_give_other_names(server_factory):
    seeded = scene(dxhelpers.own_store_server(server_factory, extra_args=("--random-seed", "42")).url)
    other = scene(dxhelpers.own_store_server(server_factory, extra_args=("--random-seed", "43")).url)
    unseeded = [scene(dxhelpers.own_store_server(server_factory).url) for _ in range(2)]
    assert not set(seeded) & set(other)
    assert not set(unseeded[0]) & set(unseeded[1])


def test_a_seed_that_is_not_a_number_is_refused_at_start(dxlocal_bin):
    for seed in ("-1", "x", "18446744073709551616"):
        result = subprocess.run([str(dxlocal_bin), "serve", "--in-memory", "--port", "0", "--random-seed", seed],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode != 0 and "random-seed" in result.stderr, (seed, result.stderr)


@pytest.mark.sqlite_only
def test_a_restarted_seeded_server_never_gives_an_id_of_another_account_again(server_factory, tmp_path):
    """A restart with the same seed gives the same names again; a new resource's ID is then looked for in every
    account and region (SPEC 11: an ID names one resource everywhere), and the export stays loadable."""
    data_dir = tmp_path / "data"
    args = ("--random-seed", "7")
    first_account, second_account = dxhelpers.random_account(), dxhelpers.random_account()
    server = server_factory.start(data_dir=data_dir, extra_args=args)
    first = dxhelpers.make_client(server.url, account=first_account).create_connection(
        location="EqDC2", bandwidth="10Gbps", connectionName="before")["connectionId"]
    assert server.stop() == 0
    again = server_factory.start(data_dir=data_dir, extra_args=args)
    second = dxhelpers.make_client(again.url, account=second_account).create_connection(
        location="EqDC2", bandwidth="10Gbps", connectionName="after")["connectionId"]
    assert second != first
    document = dxhelpers.raw_request(again.url, method="GET", path="/_dxlocal/state", content_type=None).body
    fresh = dxhelpers.own_store_server(server_factory)
    loaded = dxhelpers.raw_request(fresh.url, method="PUT", path="/_dxlocal/state", body=document,
                                   content_type="application/json")
    assert loaded.status == 200, loaded.body
