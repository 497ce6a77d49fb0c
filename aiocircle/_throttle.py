"""Concurrency slots and the per-host rate-limit cooldown.

One ``Throttle`` per client. A request takes a slot per HTTP attempt and only then
checks the cooldown gate: if a 429 has closed the gate for that host, the request
gives its slot back and sleeps until the gate opens, so queued requests cannot slip
through after a 429 and a waiting request holds neither a slot nor a connection.
"""

from __future__ import annotations

import asyncio
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
        self._clock = clock
        self._sleep = sleep

    def cooldown(self, host: str, seconds: float) -> None:
        """Close the gate for ``host`` for ``seconds`` (never shortening a longer cooldown)."""
        until = self._clock() + seconds
        if until > self._reopens_at.get(host, 0.0):
            self._reopens_at[host] = until

    def remaining(self, host: str) -> float:
        """Seconds until the gate for ``host`` reopens (0 when open)."""
        return max(0.0, self._reopens_at.get(host, 0.0) - self._clock())

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Hold one concurrency slot for one HTTP attempt to ``host``."""
        while True:
            await self._slots.acquire()
            wait = self.remaining(host)
            if wait <= 0:
                break
            self._slots.release()
            await self._sleep(wait)
        try:
            yield
        finally:
            self._slots.release()
