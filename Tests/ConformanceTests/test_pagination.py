"""SPEC §1 paginated lists: DescribeConnections, DescribeLags, DescribeInterconnects.

Tokens are opaque (SPEC §1): a token shows nothing of the list's items, is bound to the account,
region and list it was made for, and any change to it makes it invalid, a client error
(DirectConnectClientException) whose message names nextToken.
"""

import base64
import binascii

import pytest

from dxhelpers import expect_error, random_account, unique_name

# A location with 1 Gbps ports in each region the tests page in.
HOME = {"us-east-1": "CSNY1", "us-west-2": "EqSe2"}


def _home(client):
    return HOME[client.meta.region_name]


def _make_connection(client):
    return client.create_connection(location=_home(client), bandwidth="1Gbps",
                                    connectionName=unique_name())["connectionId"]


def _make_lag(client):
    return client.create_lag(
        numberOfConnections=1, location=_home(client), connectionsBandwidth="1Gbps", lagName=unique_name()
    )["lagId"]


def _make_interconnect(client):
    return client.create_interconnect(
        interconnectName=unique_name("ic"), bandwidth="1Gbps", location=_home(client)
    )["interconnectId"]


KINDS = {
    "connections": (_make_connection, "describe_connections", "connections", "connectionId"),
    "lags": (_make_lag, "describe_lags", "lags", "lagId"),
    "interconnects": (_make_interconnect, "describe_interconnects", "interconnects", "interconnectId"),
}


def _pages(client, kind, page_size, between_pages=None, limit=50):
    _, operation, list_key, id_key = KINDS[kind]
    pages, token = [], None
    for _ in range(limit):
        kwargs = {"maxResults": page_size}
        if token:
            kwargs["nextToken"] = token
        response = getattr(client, operation)(**kwargs)
        page = [item[id_key] for item in response.get(list_key, [])]
        assert len(page) <= page_size, f"page of {len(page)} items with maxResults={page_size}"
        pages.append(page)
        token = response.get("nextToken")
        if not token:
            return pages
        if between_pages:
            between_pages()
    raise AssertionError(f"no last page after {limit} pages: {pages}")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_without_max_results_everything_comes_in_one_page(client, kind):
    make, operation, list_key, id_key = KINDS[kind]
    ids = {make(client) for _ in range(5)}
    response = getattr(client, operation)()
    assert {item[id_key] for item in response[list_key]} == ids
    assert "nextToken" not in response or not response["nextToken"]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_max_results_two_visits_every_item_exactly_once(client, kind):
    make = KINDS[kind][0]
    ids = {make(client) for _ in range(5)}
    pages = _pages(client, kind, 2)
    seen = [item for page in pages for item in page]
    assert sorted(seen) == sorted(ids), pages
    assert len(pages) >= 3


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_paging_is_stable_while_new_items_are_created(client, kind):
    make = KINDS[kind][0]
    originals = {make(client) for _ in range(6)}
    created_during = set()
    pages = _pages(client, kind, 2, between_pages=lambda: created_during.add(make(client)))
    seen = [item for page in pages for item in page]
    assert len(seen) == len(set(seen)), f"an item was visited twice: {pages}"
    assert originals <= set(seen), f"missed {originals - set(seen)}: {pages}"
    assert set(seen) <= originals | created_during


def test_paging_is_stable_while_items_are_deleted(client):
    ids = [_make_connection(client) for _ in range(6)]
    deleted = []

    def delete_one():
        # Delete something not yet seen, if any is left; the remaining items must still come once.
        for candidate in reversed(ids):
            if candidate not in deleted:
                client.delete_connection(connectionId=candidate)
                deleted.append(candidate)
                return

    pages = _pages(client, "connections", 2, between_pages=delete_one)
    seen = [item for page in pages for item in page]
    assert len(seen) == len(set(seen)), pages
    survivors = set(ids) - set(deleted)
    assert survivors <= set(seen), f"missed {survivors - set(seen)}: {pages}"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_invalid_next_token_is_a_client_error(client, kind):
    make, operation, _, _ = KINDS[kind]
    make(client)
    expect_error(lambda: getattr(client, operation)(maxResults=2, nextToken="not-a-real-token"),
                 contains=["nextToken"])


def test_max_results_larger_than_the_list_gives_one_page(client):
    ids = {_make_connection(client) for _ in range(3)}
    response = client.describe_connections(maxResults=100)
    assert {c["connectionId"] for c in response["connections"]} == ids
    assert not response.get("nextToken")


def test_empty_account_lists_nothing(client):
    response = client.describe_connections(maxResults=2)
    assert response.get("connections", []) == []
    assert not response.get("nextToken")


# --------------------------------------------------------------------------------------
# Opaque tokens: nothing readable in them, bound to account, region and list, tamper-evident
# --------------------------------------------------------------------------------------


def _first_token(client, kind, page_size=1) -> str:
    _, operation, _, _ = KINDS[kind]
    token = getattr(client, operation)(maxResults=page_size).get("nextToken")
    assert token, f"{operation}(maxResults={page_size}) gave no nextToken; the test needs a second page"
    return token


def _decodings(token: str) -> list[bytes]:
    """The token as sent and every way it decodes: base64 (standard and URL-safe, padded or not), hex."""
    forms = [token.encode()]
    padded = token + "=" * (-len(token) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        for candidate in (token, padded):
            try:
                forms.append(decode(candidate.encode()))
            except (binascii.Error, ValueError):
                pass
    try:
        forms.append(bytes.fromhex(token))
    except ValueError:
        pass
    return forms


def _revealed(token: str, ids) -> list[str]:
    """IDs (or their random part) readable in the token or in any decoding of it."""
    found = []
    for form in _decodings(token):
        lowered = form.lower()
        for item in ids:
            for needle in (item, item.split("-", 1)[1]):
                if needle.lower().encode() in lowered:
                    found.append(f"{needle} in {form[:80]!r}")
    return sorted(set(found))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_tokens_reveal_no_id_and_page_through_every_item_exactly_once(client, kind):
    make, operation, list_key, id_key = KINDS[kind]
    ids = {make(client) for _ in range(5)}
    for page_size in (1, 2, 3):
        seen, token, tokens = [], None, []
        for _ in range(10):
            response = getattr(client, operation)(maxResults=page_size, **({"nextToken": token} if token else {}))
            page = [item[id_key] for item in response.get(list_key, [])]
            assert len(page) <= page_size
            seen += page
            token = response.get("nextToken")
            if not token:
                break
            tokens.append(token)
            assert _revealed(token, seen) == [], f"the token shows what was served: {token!r}"
            assert _revealed(token, ids) == [], f"the token shows an item of the list: {token!r}"
        assert sorted(seen) == sorted(ids), f"maxResults={page_size}: {seen}"
        if page_size < len(ids):
            assert tokens, f"maxResults={page_size} over {len(ids)} items gave no nextToken"


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("where", ["other-account", "other-region"])
def test_token_of_another_account_or_region_is_refused(dx, account, kind, where):
    make, operation, list_key, id_key = KINDS[kind]
    owner = dx(account=account)
    theirs = {make(owner) for _ in range(3)}
    token = _first_token(owner, kind)
    other = dx(account=random_account()) if where == "other-account" else dx(account=account, region="us-west-2")
    mine = {make(other) for _ in range(3)}
    expect_error(lambda: getattr(other, operation)(maxResults=1, nextToken=token), contains=["nextToken"])
    expect_error(lambda: getattr(other, operation)(nextToken=token), contains=["nextToken"])
    # Both still page through their own lists.
    assert {item[id_key] for item in getattr(other, operation)()[list_key]} == mine
    assert {item[id_key] for item in getattr(owner, operation)()[list_key]} == theirs
    assert getattr(owner, operation)(maxResults=1, nextToken=token)[list_key]


@pytest.mark.parametrize("source, target", [(a, b) for a in sorted(KINDS) for b in sorted(KINDS) if a != b],
                         ids=lambda kind: kind)
def test_token_of_another_list_is_refused(client, source, target):
    for kind in (source, target):
        for _ in range(3):
            KINDS[kind][0](client)
    token = _first_token(client, source)
    operation = KINDS[target][1]
    expect_error(lambda: getattr(client, operation)(maxResults=1, nextToken=token), contains=["nextToken"])


def _changed(token: str, position: int) -> str:
    """The token with the character at `position` replaced by a digit of another value in every
    encoding a token could use (base64, base64url, base32, hex)."""
    replacement = "7" if token[position] != "7" else "3"
    return token[:position] + replacement + token[position + 1:]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_token_with_one_character_changed_is_refused(client, kind):
    make, operation, list_key, _ = KINDS[kind]
    for _ in range(4):
        make(client)
    token = _first_token(client, kind)
    significant = len(token.rstrip("="))
    # Every character whose every bit is data (the last one before the padding may carry unused bits).
    positions = range(max(1, significant - 1))
    for position in positions:
        tampered = _changed(token, position)
        assert tampered != token
        expect_error(lambda: getattr(client, operation)(maxResults=1, nextToken=tampered), contains=["nextToken"])
    for broken in (token[:-4], token + "AAAA", token[::-1]):
        expect_error(lambda: getattr(client, operation)(maxResults=1, nextToken=broken), contains=["nextToken"])
    # The untouched token still works: the refusals were about the changes.
    assert getattr(client, operation)(maxResults=1, nextToken=token)[list_key]
