"""Concurrency slots, the per-host rate-limit cooldown, and pacing after a 429.

One ``Throttle`` per client (the default rate limiter, see :mod:`aiocircle.limiter`); every
HTTP attempt, of the API and of downloads, goes through :meth:`acquire` and :meth:`release`:

1. **Pacing.** Until a host answers 429 its requests are not paced. The first 429 sets
   a pace for that host: the rate of answers it gave over the last moments, less a
   margin. Each later 429 takes the lower of the pace and the rate the host really
   answered at since its gate last reopened as the host's ceiling, and sets the pace a
   tenth below it. Without a 429 the pace rises: by 10 % a second while no ceiling is
   known (a first measure is often low), by 0.5 % a second after that. So the client
   settles just under a limit CircleCI does not publish instead of hitting it again and
   again (increase gently, decrease firmly, as TCP does).
2. **Concurrency.** At most ``max_concurrency`` attempts hold a slot at once.
3. **Cooldown.** A 429 closes the gate of its host until its ``Retry-After`` is over.
   The gate is checked after taking a slot (a gate checked before waiting for a slot
   lets queued requests through after a 429); a request that finds it closed gives its
   slot back, sleeps, and queues for a pacing turn again, so waiters do not all wake
   into the reopened gate at once. A waiting request holds no slot and no connection.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import attrs

from .errors import RateLimitError
from .limiter import Answer, Permit

_WINDOW = 2.0
"""Seconds of recent answers the first pace is measured over."""
_MARGIN = 0.9
_DECREASE = 0.9
_CAUTIOUS_INCREASE = 1.005
"""Growth per second below a known ceiling."""
_PROBING_INCREASE = 1.10
"""Growth per second while no ceiling is known."""
_MIN_RATE = 0.5
_UNPACED = 1000.0
"""A pace this fast limits nothing CircleCI allows: past it, pacing lapses."""
_MIN_SAMPLE = 4
_MIN_SPAN = 0.5


@attrs.define
class _Host:
    reopens_at: float = 0.0
    rate: float | None = None
    """Attempts per second once paced; ``None`` until the host's first 429."""
    paced_since: float = 0.0
    ceiling: float | None = None
    """Where the last 429 put the host's limit: the lower of the pace and what it answered."""
    next_start: float = 0.0
    answers: deque[float] = attrs.field(factory=lambda: deque(maxlen=4096))


class Throttle:
    """The default :class:`~aiocircle.limiter.RateLimiter`: pacing, ``max_concurrency``
    slots and a cooldown gate per host, in this process.

    ``clock`` (monotonic seconds) and ``sleep`` are injectable so tests are exact.
    """

    def __init__(
        self,
        max_concurrency: int = 16,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, not {max_concurrency}")
        self._slots = asyncio.Semaphore(max_concurrency)
        self._hosts: dict[str, _Host] = {}
        self._clock = clock
        self._sleep = sleep

    def _host(self, host: str) -> _Host:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _Host()
        return state

    def cooldown(self, host: str, seconds: float) -> None:
        """A 429 from ``host``: close its gate for ``seconds`` and slow its pace."""
        state = self._host(host)
        now = self._clock()
        # 429s to requests sent before the gate closed tell nothing new: the pace changes
        # once per closing, not once per request that was in flight.
        already_closed = now < state.reopens_at
        last_reopened = state.reopens_at
        state.reopens_at = max(state.reopens_at, now + seconds)
        state.next_start = max(state.next_start, state.reopens_at)
        if already_closed:
            return
        current = self.rate(host)
        measured = self._measured(state, now, last_reopened)
        if current is not None:
            # A pace that grew past what the host really answered is cut from the latter.
            state.ceiling = current if measured is None else min(current, measured)
            state.rate = max(_MIN_RATE, state.ceiling * _DECREASE)
        elif measured is not None:
            state.rate = max(_MIN_RATE, measured * _MARGIN)
        else:
            return  # too little seen to measure a pace; the cooldown alone must do
        state.paced_since = state.reopens_at

    @staticmethod
    def _measured(state: _Host, now: float, last_reopened: float) -> float | None:
        """Answers per second since the gate last reopened (at most the last two seconds),
        or ``None`` with too little seen to tell: a closed gate is no measure of the host."""
        since = max(now - _WINDOW, last_reopened)
        recent = [t for t in state.answers if t > since]
        if len(recent) < _MIN_SAMPLE or now - since < _MIN_SPAN / 2:
            return None
        return len(recent) / max(now - recent[0], _MIN_SPAN)

    def answered(self, host: str) -> None:
        """``host`` answered (anything but a 429); recent answers measure its pace."""
        self._host(host).answers.append(self._clock())

    def remaining(self, host: str) -> float:
        """Seconds until the gate for ``host`` reopens (0 when open)."""
        state = self._hosts.get(host)
        return 0.0 if state is None else max(0.0, state.reopens_at - self._clock())

    def rate(self, host: str) -> float | None:
        """The pace for ``host`` in attempts per second now, or ``None`` when unpaced."""
        state = self._hosts.get(host)
        if state is None or state.rate is None:
            return None
        elapsed = max(0.0, self._clock() - state.paced_since)
        growth = _PROBING_INCREASE if state.ceiling is None else _CAUTIOUS_INCREASE
        exponent = elapsed * math.log(growth)
        if exponent > math.log(_UNPACED / state.rate):
            return None  # long without a 429: the pace has lapsed (and cannot overflow)
        return state.rate * math.exp(exponent)

    async def acquire(self, host: str, *, max_wait: float = float("inf")) -> Permit:
        """Wait for the host's pace, a slot and its open gate (see the module docstring).

        A gate that stays closed longer than ``max_wait`` raises :class:`RateLimitError`
        at once, before anything is sent.
        """
        state = self._host(host)
        while True:
            self._refuse_if_longer(host, max_wait)
            rate = self.rate(host)
            if rate is not None:
                now = self._clock()
                start = max(now, state.next_start)
                state.next_start = start + 1.0 / rate
                if start > now:
                    await self._sleep(start - now)
            await self._slots.acquire()
            wait = self.remaining(host)
            if wait <= 0:
                return Permit(host)
            self._slots.release()
            self._refuse_if_longer(host, max_wait)
            await self._sleep(wait)

    async def release(self, permit: Permit, answer: Answer) -> None:
        """Free the slot of ``permit``; a 429 closes the host's gate, other answers pace it."""
        self._slots.release()
        if answer.status == 429:
            self.cooldown(permit.host, answer.wait or 0.0)
        elif answer.status is not None:
            self.answered(permit.host)

    def _refuse_if_longer(self, host: str, max_wait: float) -> None:
        wait = self.remaining(host)
        if wait > max_wait:
            raise RateLimitError(
                429,
                f"not sent: {host} asked for {wait:.1f}s more of cooldown, over max_wait",
                method="",
                path=host,
                retry_after=wait,
            )

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Hold one slot for an attempt to ``host``; the answer counts as a plain success."""
        permit = await self.acquire(host)
        try:
            yield
        finally:
            await self.release(permit, Answer(status=200))
