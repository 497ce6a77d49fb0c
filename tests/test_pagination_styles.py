"""``cci.paginate`` in each of CircleCI's page styles, on a real loopback server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest
from _loopback import Reply, ScriptedServer, scripted_server

from aiocircle import (
    CircleCI,
    DecodeError,
    OffsetPages,
    PaginationError,
    RetryPolicy,
    TokenPages,
)


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    async with scripted_server() as srv:
        yield srv


def client(server: ScriptedServer) -> CircleCI:
    return CircleCI("tok", base_url=server.base_url, retry=RetryPolicy(max_attempts=1))


def token_page(ids: list[int], token: Any) -> Reply:
    return Reply(body={"items": [{"id": i} for i in ids], "next_page_token": token})


def array_page(ids: list[int]) -> Reply:
    return Reply(body=[{"id": i} for i in ids])


@attrs.frozen
class Item:
    id: int


async def test_page_token_style_follows_next_page_token_over_three_pages(
    server: ScriptedServer,
) -> None:
    path = "/api/v2/context"
    server.queue(path, token_page([1, 2], "b"), token_page([3], "c"), token_page([4], None))
    async with client(server) as cci:
        items = await cci.paginate("/context", params={"owner-slug": "gh/acme"}).collect()
    assert items == [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}]
    assert [s.query for s in server.seen] == [
        {"owner-slug": "gh/acme"},
        {"owner-slug": "gh/acme", "page-token": "b"},
        {"owner-slug": "gh/acme", "page-token": "c"},
    ]


async def test_sized_style_sends_page_size_on_every_page(server: ScriptedServer) -> None:
    path = "/api/v2/deploy/environments"
    server.queue(path, token_page([1], "b"), token_page([2], "c"), token_page([3], ""))
    async with client(server) as cci:
        pages = cci.paginate("/deploy/environments", model=Item, style=TokenPages.sized(1))
        items = [item.id async for item in pages]
    assert items == [1, 2, 3]
    assert [s.query for s in server.seen] == [
        {"page-size": "1"},
        {"page-size": "1", "page-token": "b"},
        {"page-size": "1", "page-token": "c"},
    ]


async def test_limited_style_sends_limit_on_every_page(server: ScriptedServer) -> None:
    path = "/api/v2/organizations/o/groups"
    server.queue(path, token_page([1, 2], "b"), token_page([3, 4], "c"), token_page([5], None))
    async with client(server) as cci:
        got = [
            [item["id"] for item in page.items]
            async for page in cci.paginate(
                "/organizations/o/groups", style=TokenPages.limited(2)
            ).pages()
        ]
    assert got == [[1, 2], [3, 4], [5]]
    assert [s.query for s in server.seen] == [
        {"limit": "2"},
        {"limit": "2", "page-token": "b"},
        {"limit": "2", "page-token": "c"},
    ]


async def test_offset_style_advances_by_items_received_until_an_empty_page(
    server: ScriptedServer,
) -> None:
    path = "/api/v2/owner/o/context/config/decision"
    server.queue(path, array_page([1, 2]), array_page([3, 4]), array_page([5]), array_page([]))
    async with client(server) as cci:
        paginator = cci.paginate(
            "/owner/o/context/config/decision", params={"branch": "main"}, style=OffsetPages()
        )
        pages = [page async for page in paginator.pages()]
    assert [[i["id"] for i in p.items] for p in pages] == [[1, 2], [3, 4], [5], []]
    assert [p.next_offset for p in pages] == [2, 4, 5, None]
    assert all(p.next_page_token is None for p in pages)
    assert [s.query for s in server.seen] == [
        {"branch": "main"},
        {"branch": "main", "offset": "2"},
        {"branch": "main", "offset": "4"},
        {"branch": "main", "offset": "5"},
    ]


@pytest.mark.parametrize(
    "style", [TokenPages(), TokenPages.sized(5), TokenPages.limited(5)], ids=repr
)
async def test_a_repeated_token_raises_in_every_token_style(
    server: ScriptedServer, style: TokenPages
) -> None:
    path = "/api/v2/things"
    server.queue(path, token_page([1], "a"), token_page([2], "b"), token_page([3], "a"))
    async with client(server) as cci:
        with pytest.raises(PaginationError, match="'a'"):
            await cci.paginate("/things", style=style).collect()
    assert len(server.seen) == 3


async def test_offset_style_raises_when_the_server_ignores_the_offset(
    server: ScriptedServer,
) -> None:
    path = "/api/v2/owner/o/context/config/decision"
    server.default[path] = array_page([1, 2])
    async with client(server) as cci:
        with pytest.raises(PaginationError, match="repeats"):
            await cci.paginate("/owner/o/context/config/decision", style=OffsetPages()).collect()
    assert len(server.seen) == 2


@pytest.mark.parametrize("token", [7, {"next": "x"}, ["x"], True], ids=repr)
async def test_a_next_page_token_of_the_wrong_type_raises_decode_error(
    server: ScriptedServer, token: Any
) -> None:
    server.queue("/api/v2/things", token_page([1], token))
    async with client(server) as cci:
        with pytest.raises(DecodeError, match="next_page_token must be a string"):
            await cci.paginate("/things").collect()


async def test_offset_style_rejects_a_body_that_is_not_an_array(server: ScriptedServer) -> None:
    server.queue("/api/v2/decisions", token_page([1], None))
    async with client(server) as cci:
        with pytest.raises(DecodeError, match="JSON array"):
            await cci.paginate("/decisions", style=OffsetPages()).collect()


async def test_without_a_model_an_item_that_is_not_an_object_raises_decode_error(
    server: ScriptedServer,
) -> None:
    server.queue("/api/v2/things", Reply(body={"items": ["x"], "next_page_token": None}))
    async with client(server) as cci:
        with pytest.raises(DecodeError, match="unexpected response shape"):
            await cci.paginate("/things").collect()


async def test_paginate_sends_nothing_until_iterated(server: ScriptedServer) -> None:
    async with client(server) as cci:
        cci.paginate("/things")
    assert server.seen == []


@pytest.mark.parametrize("size", [0, -1, True])
def test_a_page_size_that_is_not_positive_is_refused(size: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenPages.sized(size)
