"""The rate-limiter seam: what every HTTP attempt asks before it is sent and tells after.

The core calls a :class:`RateLimiter` around each attempt, of the API, API v1.1, the
artifacts host and storage alike::

    permit = await limiter.acquire(host, max_wait=policy.max_wait)
    try:
        response = await transport.send(request)
    finally:
        await limiter.release(permit, Answer(...))   # or Answer(status=None) on failure

``acquire`` waits for the host's gate (closed after a 429), its pace and a concurrency slot.
A wait longer than ``max_wait`` fails at once with :class:`~aiocircle.RateLimitError`,
without sending. ``release`` gives the slot back and reports what the host answered, so
every 429 closes its host's gate and informs its pace, retried or not, and rate-limit headers
can shape the pace before any 429.

:class:`aiocircle.Throttle` is the default, in-process implementation; a limiter shared
across processes implements the same two methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import attrs


@attrs.frozen(kw_only=True)
class Answer:
    """What one attempt got back, as a limiter needs to know it."""

    status: int | None
    """The HTTP status, or ``None`` when no answer came (connection error, timeout)."""
    wait: float | None = None
    """For a 429: seconds the host asked us to wait (``Retry-After``, or the client's
    backoff when the host did not say)."""
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    """The response headers (rate-limit headers among them); empty without an answer."""


@attrs.frozen
class Permit:
    """A turn to send one attempt to ``host``, held from ``acquire`` to ``release``."""

    host: str
    """``scheme://host:port`` of the attempt."""
    token: object = attrs.field(default=None, eq=False, repr=False)
    """Whatever the limiter needs to find this permit again (opaque to the core)."""


@runtime_checkable
class RateLimiter(Protocol):
    """Pacing, cooldown and concurrency for HTTP attempts, per host."""

    async def acquire(self, host: str, *, max_wait: float) -> Permit:
        """Wait for a turn to send to ``host``.

        Raises :class:`~aiocircle.RateLimitError` at once, sending nothing, when the
        host's gate stays closed longer than ``max_wait`` seconds.
        """
        ...

    async def release(self, permit: Permit, answer: Answer) -> None:
        """The attempt holding ``permit`` ended with ``answer``; free its slot."""
        ...
