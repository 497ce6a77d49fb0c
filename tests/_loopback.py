"""A scripted HTTP server on 127.0.0.1 and a fake clock, for tests of the real transport."""

from __future__ import annotations

import asyncio
import heapq
import json
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
from aiohttp import web


@attrs.define
class Reply:
    status: int = 200
    body: Any = attrs.field(factory=dict)
    headers: dict[str, str] = attrs.field(factory=dict)
    delay: float = 0.0

    def to_response(self) -> web.Response:
        if isinstance(self.body, str | bytes):
            text = self.body if isinstance(self.body, bytes) else self.body.encode()
            return web.Response(status=self.status, body=text, headers=self.headers)
        return web.Response(
            status=self.status,
            body=json.dumps(self.body).encode(),
            headers={"Content-Type": "application/json", **self.headers},
        )


@attrs.define
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    at: float
    query_string: str = ""


class FakeClock:
    """Monotonic and wall time that only move when someone sleeps."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class VirtualClock:
    """Time that jumps to the earliest sleeper's wake-up once every ready task has run.

    Unlike :class:`FakeClock`, concurrent sleepers wake in order of their wake-up times,
    each seeing the time it asked for, so spacing between concurrent tasks is exact.
    """

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = 0
        self._driver: asyncio.Task[None] | None = None

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        loop = asyncio.get_running_loop()
        woken: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), self._count, woken))
        self._count += 1
        if self._driver is None or self._driver.done():
            self._driver = loop.create_task(self._drive())
        await woken

    async def _drive(self) -> None:
        while self._sleepers:
            for _ in range(50):  # let every task that is ready run (and maybe sleep) first
                await asyncio.sleep(0)
            wake, _, woken = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake)
            if not woken.done():
                woken.set_result(None)


class ScriptedServer:
    """Answers each path from a queue of scripted replies, then with its default reply."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.script: dict[str, deque[Reply]] = defaultdict(deque)
        self.default: dict[str, Reply] = {}
        self.seen: list[Seen] = []
        self.in_flight = 0
        self.peak_in_flight = 0
        self.clock = clock
        self.base_url = ""

    def queue(self, path: str, *replies: Reply) -> None:
        self.script[path].extend(replies)

    def count(self, path: str) -> int:
        return sum(1 for s in self.seen if s.path == path)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(
            Seen(
                request.method,
                request.path,
                dict(request.query),
                dict(request.headers),
                self.clock.now if self.clock else time.monotonic(),
                request.query_string,
            )
        )
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            queued = self.script.get(request.path)
            reply = queued.popleft() if queued else self.default.get(request.path, Reply())
            if reply.delay:
                await asyncio.sleep(reply.delay)
            return reply.to_response()
        finally:
            self.in_flight -= 1


@asynccontextmanager
async def scripted_server(clock: FakeClock | None = None) -> AsyncIterator[ScriptedServer]:
    server = ScriptedServer(clock)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server._handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.base_url = f"http://127.0.0.1:{port}/api/v2"
    try:
        yield server
    finally:
        await runner.cleanup()
