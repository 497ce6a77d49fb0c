"""Slow start, header pacing, pacing after a 429, concurrency slots and the cooldown gate.

One ``Throttle`` per client (the default rate limiter, see :mod:`aiocircle.limiter`); every
HTTP attempt, of the API and of downloads, goes through :meth:`acquire` and :meth:`release`:

1. **Slow start.** A host the throttle knows nothing about gets at most 4 attempts in
   flight. Each answer other than a 429 widens its window by one, up to
   ``max_concurrency``, so the window doubles every round trip (as TCP's slow start does)
   and an unlimited host has all the slots after four; a 429 halves it (not below 4).
   The first volley at a cold host is 4 requests, not ``max_concurrency``.
2. **Header pacing.** When a host states its budget in rate-limit headers (any spelling
   :func:`~aiocircle.parse_budget` reads; the tightest limit wins), the requests it has
   left are spread evenly until its reset, starting at once, so that none is refused
   (:func:`~aiocircle.earliest_start`). Requests already in flight when a budget arrives
   count as spent from it. While a host's budget is live, the headers pace it and a 429
   only closes the gate (below).
3. **Pacing after a 429**, for hosts that state no budget. Until a host answers 429 its
   requests are not paced. The first 429 sets a pace for that host: the rate of answers
   it gave over the last moments, less a margin. Each later 429 takes the lower of the
   pace and the rate the host really answered at since its gate last reopened as the
   host's ceiling, and sets the pace a tenth below it. Without a 429 the pace rises: by
   10 % a second while no ceiling is known (a first measure is often low), by 0.5 % a
   second after that. So the client settles just under a limit the host does not publish
   instead of hitting it again and again (increase gently, decrease firmly, as TCP does).
4. **Concurrency.** At most ``max_concurrency`` attempts hold a slot at once, all hosts
   together. An attempt takes its place in its host's window first, so one waiting for
   a narrow window holds no slot.
5. **Cooldown.** A 429 closes the gate of its host until its ``Retry-After`` is over (a
   429 without one but with a spent budget: until the budget's reset).
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
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

import attrs

from ._ratelimit import Budget, earliest_start, parse_budget
from .errors import RateLimitError
from .limiter import Answer, Permit

INITIAL_WINDOW = 4
"""Attempts in flight at a host the throttle has no answer from yet (slow start). A first
window of 10 measured a few per cent faster on a short harvest, but it drained a small token
bucket (burst 10) in one volley, after which no answer shows the bucket refilling and header
pacing fell to 88 % of its rate (docs/benchmarks.md)."""

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
_SPREAD_SPAN = 1.0
"""Seconds: a stated reset longer than this is a window to spread requests over evenly;
a shorter one is a bucket's time to refill, paced by its answers as they come."""
_MIN_SAMPLE = 4
_MIN_SPAN = 0.5


@attrs.frozen
class _Ticket:
    """What a permit remembers of its host when it was given: the pace and the window."""

    cuts: int
    anchor: int


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
    window: int = INITIAL_WINDOW
    """Attempts this host may have in flight now (slow start widens it)."""
    holding: int = 0
    """Attempts holding a place in the window, from entering it to their release."""
    waiting: deque[asyncio.Future[None]] = attrs.field(factory=deque)
    """Attempts queued for a place in the window, oldest first."""
    started: int = 0
    """Attempts past their pacing turn and not yet released: possibly unseen by the host."""
    budget: Budget | None = None
    """The host's latest stated budget, read from its headers at ``budget_at``."""
    budget_at: float = 0.0
    budget_epoch: int = 0
    """Counts budgets read, so a sleeper knows a newer one came while it slept."""
    budget_spent: int = 0
    """Attempts started against ``budget`` (those in flight when it came included)."""
    cuts: int = 0
    """Counts the pace changes 429s made: turns planned before one are planned again."""
    anchor: int = 0
    """Counts the budgets that began a stated window (the first after each reset)."""
    anchor_remaining: int = 0
    anchor_reset_at: float = 0.0
    anchor_done: int = 0
    """Attempts started since the anchor budget and answered: the host counted them."""
    anchor_at: float = 0.0
    refill_rate: float | None = None
    """Requests per second the host's remaining grew by before its stated reset: a token
    bucket refilling as it goes, whose budget is spent as it refills, not spread until
    the reset (which a bucket states as the time until it is full, often in whole
    seconds: far too late)."""
    last_turn: float = -math.inf
    """The start planned last against a budget."""
    planned: int = 0
    """Attempts sleeping until their turn against ``budget``."""
    news: asyncio.Event = attrs.field(factory=asyncio.Event)
    """Set (and replaced) at every release: attempts waiting for a newer budget wake."""

    def tell(self) -> None:
        self.news.set()
        self.news = asyncio.Event()


class Throttle:
    """The default :class:`~aiocircle.limiter.RateLimiter`: pacing, ``max_concurrency``
    slots and a cooldown gate per host, in this process.

    ``initial_window`` is how many attempts a host it has no answer from yet gets in
    flight (slow start; ``initial_window=max_concurrency`` turns it off).
    ``clock`` (monotonic seconds) and ``sleep`` are injectable so tests are exact;
    ``wall`` (Unix time) reads resets that a host sends as a Unix time.
    """

    def __init__(
        self,
        max_concurrency: int = 32,
        *,
        initial_window: int = INITIAL_WINDOW,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        wall: Callable[[], float] = time.time,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, not {max_concurrency}")
        if initial_window < 1:
            raise ValueError(f"initial_window must be at least 1, not {initial_window}")
        self._slots = asyncio.Semaphore(max_concurrency)
        self._max_concurrency = max_concurrency
        self._initial_window = min(initial_window, max_concurrency)
        self._hosts: dict[str, _Host] = {}
        self._clock = clock
        self._sleep = sleep
        self._wall = wall

    def _host(self, host: str) -> _Host:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _Host(window=self._initial_window)
        return state

    def window(self, host: str) -> int:
        """Attempts ``host`` may have in flight now (slow start: 4 at first)."""
        state = self._hosts.get(host)
        return self._initial_window if state is None else state.window

    def budget(self, host: str) -> Budget | None:
        """The budget ``host`` last stated in its headers (``None`` when it states none)."""
        state = self._hosts.get(host)
        return None if state is None else state.budget

    def cooldown(self, host: str, seconds: float) -> None:
        """A 429 from ``host``: close its gate for ``seconds`` and slow its pace."""
        self._cooldown(self._host(host), seconds, pace=True)

    def _cooldown(self, state: _Host, seconds: float, *, pace: bool) -> None:
        """Close the gate; with ``pace``, also set or cut the host's pace (once per closing).
        Turns already planned at the old pace are planned again at the new one."""
        now = self._clock()
        # 429s to requests sent before the gate closed tell nothing new: the pace changes
        # once per closing, not once per request that was in flight.
        already_closed = now < state.reopens_at
        last_reopened = state.reopens_at
        state.reopens_at = max(state.reopens_at, now + seconds)
        state.next_start = max(state.next_start, state.reopens_at)
        if already_closed or not pace:
            return
        current = self._rate(state)
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
        state.cuts += 1
        state.next_start = state.reopens_at

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
        return None if state is None else self._rate(state)

    def _rate(self, state: _Host) -> float | None:
        if state.rate is None:
            return None
        elapsed = max(0.0, self._clock() - state.paced_since)
        growth = _PROBING_INCREASE if state.ceiling is None else _CAUTIOUS_INCREASE
        exponent = elapsed * math.log(growth)
        if exponent > math.log(_UNPACED / state.rate):
            return None  # long without a 429: the pace has lapsed (and cannot overflow)
        return state.rate * math.exp(exponent)

    async def acquire(self, host: str, *, max_wait: float = float("inf")) -> Permit:
        """Wait for a place in the host's window, its pace, a slot and its open gate (see
        the module docstring).

        A gate that stays closed, or a stated budget that stays spent, longer than
        ``max_wait`` raises :class:`RateLimitError` at once, before anything is sent.
        """
        state = self._host(host)
        await self._enter_window(state)
        try:
            while True:
                self._refuse_if_longer(host, max_wait)
                await self._pace(host, state, max_wait)
                state.started += 1
                try:
                    await self._slots.acquire()
                except BaseException:
                    state.started -= 1
                    raise
                wait = self.remaining(host)
                if wait <= 0:
                    return Permit(host, _Ticket(state.cuts, state.anchor))
                state.started -= 1
                self._slots.release()
                self._refuse_if_longer(host, max_wait)
                await self._sleep(wait)
        except BaseException:
            self._leave_window(state)
            raise

    async def _pace(self, host: str, state: _Host, max_wait: float) -> None:
        """Sleep until this attempt's turn: by the host's stated budget when it states one,
        else by the pace its 429s set (if any)."""
        replanned = False
        while True:
            now = self._clock()
            budget = state.budget
            if budget is None:
                rate = self._rate(state)
                if rate is None:
                    return
                cuts = state.cuts
                start = max(now, state.next_start)
                state.next_start = start + 1.0 / rate
                if start > now:
                    await self._sleep(start - now)
                    if state.cuts != cuts:
                        continue  # a 429 changed the pace while this attempt slept
                return
            epoch = state.budget_epoch
            turn = _budget_turn(
                budget,
                state.budget_at,
                state.budget_spent,
                now,
                refill_rate=state.refill_rate,
                # Planned again, this attempt keeps its place in the spread.
                last_turn=-math.inf if replanned else state.last_turn,
            )
            if turn is None:  # spent, and the refill after the reset too
                if state.started == 0 and state.planned == 0:
                    state.budget_spent += 1
                    return  # nothing in flight or due would bring news: one attempt asks
                await state.news.wait()
                continue
            if turn - now > max_wait:
                raise self._refusal(host, turn - now, "its stated rate-limit budget is spent")
            state.budget_spent += 1
            if not replanned:
                state.last_turn = turn
            if turn <= now:
                return
            state.planned += 1
            try:
                await self._sleep(turn - now)
            finally:
                state.planned -= 1
            if state.budget_epoch == epoch:
                return
            replanned = True  # a newer budget came while this attempt slept: plan against it

    async def release(self, permit: Permit, answer: Answer) -> None:
        """Free the slot of ``permit``. A stated budget paces the host; a 429 closes its
        gate and narrows its window; other answers widen the window and measure its pace."""
        state = self._host(permit.host)
        state.started -= 1
        self._slots.release()
        now = self._clock()
        if answer.status is not None:
            budget = parse_budget(answer.headers, now=self._wall())
            if budget is not None:
                self._watch_refills(state, budget, permit, now)
                state.budget = budget
                state.budget_at = now
                state.budget_epoch += 1
                state.budget_spent = state.started  # in flight: maybe not counted yet
            elif state.budget is not None and now >= state.budget_at + state.budget.reset:
                state.budget = None  # the host stopped stating one: back to 429 pacing
        announced = state.budget is not None
        if answer.status == 429:
            wait = answer.wait or 0.0
            budget = state.budget
            spent = announced and budget is not None and budget.remaining == 0
            if spent and budget is not None and not _has_retry_after(answer.headers):
                wait = budget.reset  # the host's own word beats our backoff guess
            ticket = permit.token
            fresh = not isinstance(ticket, _Ticket) or ticket.cuts == state.cuts
            # A 429 to an attempt sent before the last cut tells nothing new.
            self._cooldown(state, wait, pace=fresh and not announced)
            state.window = max(self._initial_window, state.window // 2)
        elif answer.status is not None:
            state.answers.append(self._clock())
            state.window = min(self._max_concurrency, state.window + 1)
        self._leave_window(state)
        state.tell()

    @staticmethod
    def _watch_refills(state: _Host, budget: Budget, permit: Permit, now: float) -> None:
        """Learn whether the host refills before its stated reset (a token bucket): within
        one stated window, a remaining count above what the window had left, less the
        attempts since answered, is a refill (a margin covers answers out of order)."""
        ticket = permit.token
        if isinstance(ticket, _Ticket) and ticket.anchor == state.anchor:
            state.anchor_done += 1
        if state.anchor == 0 or now >= state.anchor_reset_at:
            state.anchor += 1
            state.anchor_remaining = budget.remaining
            state.anchor_at = now
            state.anchor_reset_at = now + budget.reset
            state.anchor_done = 0
            return
        excess = budget.remaining - (state.anchor_remaining - state.anchor_done)
        if excess >= max(2, (budget.limit or 0) // 4) and now > state.anchor_at:
            state.refill_rate = excess / (now - state.anchor_at)

    async def _enter_window(self, state: _Host) -> None:
        """Take a place in the host's window, queueing (FIFO, no slot held) while it is full."""
        if state.holding < state.window and not state.waiting:
            state.holding += 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        state.waiting.append(turn)
        try:
            await turn  # whoever resolves it has counted this attempt in
        except BaseException:
            if turn.done() and not turn.cancelled():
                self._leave_window(state)  # given a place just as it was cancelled
            else:
                state.waiting.remove(turn)
            raise

    def _leave_window(self, state: _Host) -> None:
        state.holding -= 1
        while state.waiting and state.holding < state.window:
            turn = state.waiting.popleft()
            if not turn.done():
                state.holding += 1
                turn.set_result(None)

    def _refuse_if_longer(self, host: str, max_wait: float) -> None:
        wait = self.remaining(host)
        if wait > max_wait:
            raise self._refusal(host, wait, "it asked for more cooldown")

    @staticmethod
    def _refusal(host: str, wait: float, why: str) -> RateLimitError:
        return RateLimitError(
            429,
            f"not sent: {host} would take {wait:.1f}s more ({why}), over max_wait",
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


def _has_retry_after(headers: Mapping[str, str]) -> bool:
    return any(name.lower() == "retry-after" for name in headers)


def _budget_turn(
    budget: Budget,
    observed_at: float,
    spent: int,
    now: float,
    *,
    refill_rate: float | None,
    last_turn: float,
) -> float | None:
    """When the next attempt may start against ``budget``, ``spent`` attempts after it was
    read at ``observed_at``; ``None`` once even the refill at its reset is spent.

    Before the reset the remaining requests are spread until it (:func:`earliest_start`).
    A host seen to refill at ``refill_rate`` before its reset (a token bucket) may have its
    remaining requests at once, and one more each time a request has refilled. Over a
    window longer than a second, spread turns also keep ``reset / remaining`` after
    ``last_turn``: every answer brings a new budget, and a spread restarted at each
    would go at the rate of the answers.
    At the reset the host refills to its ``limit`` (one request, when it did not say its
    limit), spread over its ``window`` when it said one: so attempts that waited for the
    reset do not all start at once into a budget that holds fewer.
    """
    spread = refill_rate is None
    if spent < budget.remaining:
        if spread and budget.reset > _SPREAD_SPAN:
            # One turn every reset / remaining, in sequence; ``spent`` only caps the count.
            return max(now, last_turn + budget.reset / budget.remaining)
        return earliest_start(budget, observed_at=observed_at, now=now, sent=spent, spread=spread)
    extra = spent - budget.remaining
    reset_at = observed_at + budget.reset
    if refill_rate is not None and now < reset_at:
        return min(reset_at, max(now, observed_at + (extra + 1) / refill_rate))
    refill = budget.limit if budget.limit else 1
    if extra >= refill:
        return None
    if budget.window:
        return max(now, reset_at + extra * budget.window / refill)
    return max(now, reset_at)
