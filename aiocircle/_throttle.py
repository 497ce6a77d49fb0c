"""Concurrency slots, the per-host rate-limit cooldown, and the gradual reopening after it.

One ``Throttle`` per client. A request takes a slot per HTTP attempt and only then
checks the gate of its host:

- a 429 closes the gate for its ``Retry-After``; a request that finds it closed gives
  its slot back and sleeps until it reopens, so queued requests cannot slip through
  and a waiting request holds neither a slot nor a connection;
- when the gate reopens, the server has promised room for little more than one
  request, so the host's allowance of requests in flight drops to one and grows by one
  with each answer that is not a 429, back to ``max_concurrency`` (additive increase,
  as in TCP's congestion avoidance). Without it, every waiting request would wake at
  once and most would earn another 429.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager


class Throttle:
    """At most ``max_concurrency`` attempts in flight, and a cooldown gate per host."""

    def __init__(
        self,
        max_concurrency: int,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[object]],
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, not {max_concurrency}")
        self.max_concurrency = max_concurrency
        self._slots = asyncio.Semaphore(max_concurrency)
        self._reopens_at: dict[str, float] = {}
        self._allowance: dict[str, int] = {}
        self._in_flight: Counter[str] = Counter()
        self._room: dict[str, asyncio.Event] = {}
        self._clock = clock
        self._sleep = sleep

    def cooldown(self, host: str, seconds: float) -> None:
        """Close the gate for ``host`` for ``seconds`` (never shortening a longer cooldown)."""
        until = self._clock() + seconds
        if until > self._reopens_at.get(host, 0.0):
            self._reopens_at[host] = until
        self._allowance[host] = 1

    def answered(self, host: str) -> None:
        """A request to ``host`` got an answer that was not a 429: allow one more in flight."""
        allowance = self._allowance.get(host)
        if allowance is None:
            return
        if allowance + 1 >= self.max_concurrency:
            del self._allowance[host]
        else:
            self._allowance[host] = allowance + 1
        self._wake(host)

    def remaining(self, host: str) -> float:
        """Seconds until the gate for ``host`` reopens (0 when open)."""
        return max(0.0, self._reopens_at.get(host, 0.0) - self._clock())

    def allowance(self, host: str) -> int:
        """How many attempts to ``host`` may be in flight now."""
        return self._allowance.get(host, self.max_concurrency)

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Hold one concurrency slot for one HTTP attempt to ``host``."""
        while True:
            await self._slots.acquire()
            wait = self.remaining(host)
            if wait > 0:
                self._slots.release()
                await self._sleep(wait)
                continue
            if self._in_flight[host] < self.allowance(host):
                break
            room = self._room.setdefault(host, asyncio.Event())
            room.clear()
            self._slots.release()
            await room.wait()
        self._in_flight[host] += 1
        try:
            yield
        finally:
            self._in_flight[host] -= 1
            self._slots.release()
            self._wake(host)

    def _wake(self, host: str) -> None:
        room = self._room.get(host)
        if room is not None:
            room.set()
