"""Paginators over next_page_token, on a real loopback server."""

from __future__ import annotations

import pytest
from _loopback import Reply, ScriptedServer, scripted_server

from aiocircle import CircleCI, NotFoundError, PaginationError, RetryPolicy

PATH = "/api/v2/project/gh/org/repo/pipeline"


def pipeline(number: int) -> dict[str, object]:
    return {
        "id": f"00000000-0000-0000-0000-{number:012d}",
        "number": number,
        "project_slug": "gh/org/repo",
        "created_at": "2025-03-01T10:00:00.123Z",
        "errors": [],
        "state": "created",
        "trigger": {
            "type": "webhook",
            "received_at": "2025-03-01T10:00:00Z",
            "actor": {"login": "octo", "avatar_url": "https://a/x.png"},
        },
    }


def page(numbers: list[int], token: str | None) -> Reply:
    return Reply(body={"items": [pipeline(n) for n in numbers], "next_page_token": token})


@pytest.fixture
async def server() -> ScriptedServer:
    async with scripted_server() as srv:
        yield srv  # type: ignore[misc]


def client(server: ScriptedServer) -> CircleCI:
    return CircleCI("tok", base_url=server.base_url, retry=RetryPolicy(max_attempts=1))


async def test_iterates_every_item_across_pages_sending_each_token(server: ScriptedServer) -> None:
    server.queue(PATH, page([9, 8], "t2"), page([7, 6], "t3"), page([5], None))
    async with client(server) as cci:
        numbers = [p.number async for p in cci.pipelines.list("gh/org/repo", branch="main")]
    assert numbers == [9, 8, 7, 6, 5]
    assert [s.query for s in server.seen] == [
        {"branch": "main"},
        {"branch": "main", "page-token": "t2"},
        {"branch": "main", "page-token": "t3"},
    ]


async def test_pages_yields_whole_pages_with_their_tokens(server: ScriptedServer) -> None:
    server.queue(PATH, page([3, 2], "next"), page([1], None))
    async with client(server) as cci:
        pages = [p async for p in cci.pipelines.list("gh/org/repo").pages()]
    assert [([i.number for i in p.items], p.next_page_token) for p in pages] == [
        ([3, 2], "next"),
        ([1], None),
    ]


async def test_collect_max_items_stops_fetching_once_it_has_enough(server: ScriptedServer) -> None:
    server.queue(PATH, page([9, 8], "t2"), page([7, 6], "t3"), page([5], None))
    async with client(server) as cci:
        got = await cci.pipelines.list("gh/org/repo").collect(max_items=3)
    assert [p.number for p in got] == [9, 8, 7]
    assert len(server.seen) == 2


async def test_collect_everything_and_first(server: ScriptedServer) -> None:
    server.queue(PATH, page([2], "t2"), page([1], None), page([4], None), page([], None))
    async with client(server) as cci:
        assert [p.number for p in await cci.pipelines.list("gh/org/repo").collect()] == [2, 1]
        first = await cci.pipelines.list("gh/org/repo").first()
        assert first is not None and first.number == 4
        assert await cci.pipelines.list("gh/org/repo").first() is None


async def test_paginator_is_lazy(server: ScriptedServer) -> None:
    async with client(server) as cci:
        cci.pipelines.list("gh/org/repo")
    assert server.seen == []


async def test_repeated_token_raises_instead_of_looping(server: ScriptedServer) -> None:
    server.queue(PATH, page([3], "same"), page([2], "same"), page([1], "same"))
    async with client(server) as cci:
        seen: list[int] = []
        with pytest.raises(PaginationError, match="same"):
            async for p in cci.pipelines.list("gh/org/repo"):
                seen.append(p.number)
    assert seen == [3, 2]
    assert len(server.seen) == 2


async def test_404_on_page_two_raises_not_found(server: ScriptedServer) -> None:
    server.queue(PATH, page([3], "t2"), Reply(404, {"message": "Project not found"}))
    async with client(server) as cci:
        with pytest.raises(NotFoundError, match="Project not found"):
            await cci.pipelines.list("gh/org/repo").collect()


async def test_negative_max_items_refused(server: ScriptedServer) -> None:
    async with client(server) as cci:
        with pytest.raises(ValueError):
            await cci.pipelines.list("gh/org/repo").collect(max_items=-1)
