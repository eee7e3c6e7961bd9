"""SPEC §1 paginated lists: DescribeConnections, DescribeLags, DescribeInterconnects."""

import pytest

from dxhelpers import expect_error, unique_name


def _make_connection(client):
    return client.create_connection(location="CSNY1", bandwidth="1Gbps", connectionName=unique_name())["connectionId"]


def _make_lag(client):
    return client.create_lag(
        numberOfConnections=1, location="CSNY1", connectionsBandwidth="1Gbps", lagName=unique_name()
    )["lagId"]


def _make_interconnect(client):
    return client.create_interconnect(
        interconnectName=unique_name("ic"), bandwidth="1Gbps", location="CSNY1"
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
    expect_error(lambda: getattr(client, operation)(maxResults=2, nextToken="not-a-real-token"))


def test_max_results_larger_than_the_list_gives_one_page(client):
    ids = {_make_connection(client) for _ in range(3)}
    response = client.describe_connections(maxResults=100)
    assert {c["connectionId"] for c in response["connections"]} == ids
    assert not response.get("nextToken")


def test_empty_account_lists_nothing(client):
    response = client.describe_connections(maxResults=2)
    assert response.get("connections", []) == []
    assert not response.get("nextToken")
