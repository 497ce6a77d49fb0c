"""``cci.usage.download``: a usage export part cut short is resumed with ``Range`` (or, where
the server ignores it, re-read and the known bytes skipped); no byte is yielded twice and the
token never reaches the storage host. A real aiohttp server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from _loopback import FakeClock
from aiohttp import web

from aiocircle import CircleCI, RetryPolicy, ServerError

BODY = bytes(range(256)) * 400  # 100 KB


class Storage:
    """Serves BODY; the first answer stops after `cut` bytes. Honours `Range` if `ranges`."""

    def __init__(self, *, cut: int, ranges: bool) -> None:
        self.cut = cut
        self.ranges = ranges
        self.seen: list[tuple[str | None, str | None]] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        wanted = request.headers.get("Range")
        self.seen.append((wanted, request.headers.get("Circle-Token")))
        start = 0
        status = 200
        if wanted and self.ranges:
            start = int(wanted.removeprefix("bytes=").rstrip("-"))
            status = 206
        response = web.StreamResponse(status=status)
        response.content_length = len(BODY) - start
        if status == 206:
            response.headers["Content-Range"] = f"bytes {start}-{len(BODY) - 1}/{len(BODY)}"
        await response.prepare(request)
        if len(self.seen) == 1:
            await response.write(BODY[: self.cut])
            assert request.transport is not None
            request.transport.close()
            return response
        await response.write(BODY[start:])
        return response


@pytest.fixture(params=[True, False], ids=["range", "no-range"])
async def storage(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Storage, str]]:
    store = Storage(cut=30_000, ranges=request.param)
    app = web.Application()
    app.router.add_get("/part.csv.gz", store.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield store, f"http://127.0.0.1:{port}/part.csv.gz"
    await runner.cleanup()


async def test_a_part_cut_short_resumes_and_no_byte_comes_twice(
    storage: tuple[Storage, str],
) -> None:
    store, url = storage
    clock = FakeClock()
    retry = RetryPolicy(max_attempts=3, backoff_base=0.5, backoff_cap=1.0)
    async with CircleCI(
        "secret-token", base_url="https://circleci.com/api/v2", retry=retry, clock=clock
    ) as cci:
        got = b"".join([chunk async for chunk in cci.usage.download(url)])

    assert got == BODY
    assert len(store.seen) == 2
    assert store.seen[0] == (None, None)
    assert store.seen[1][0] == "bytes=30000-"  # asked for the rest, whatever came back
    assert all(token is None for _, token in store.seen)  # storage never gets the token
    assert len(clock.sleeps) == 1  # one backoff, on the client's clock


async def test_a_part_that_keeps_failing_raises_after_the_retries() -> None:
    calls = 0

    async def broken(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        return web.Response(status=503, text="busy")

    app = web.Application()
    app.router.add_get("/part.csv.gz", broken)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        retry = RetryPolicy(max_attempts=2, backoff_base=0.5, backoff_cap=1.0)
        async with CircleCI(
            "secret-token", base_url="https://circleci.com/api/v2", retry=retry, clock=FakeClock()
        ) as cci:
            with pytest.raises(ServerError, match="503"):
                async for _ in cci.usage.download(f"http://127.0.0.1:{port}/part.csv.gz"):
                    pass
    finally:
        await runner.cleanup()
    assert calls == 2
