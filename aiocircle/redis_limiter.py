"""A :class:`~aiocircle.RateLimiter` shared through Redis, for many processes on one token.

Per host, under a key prefix of your choosing, Redis holds the gate (when a 429 lets
traffic through again), the pace (the next start and the interval between starts after a
429), the budget the host's rate-limit headers announced, and the attempts in flight. Each
is changed only by a Lua script (run with EVALSHA) that reads Redis's own ``TIME``, so every
process sees one clock and one state: a 429 seen by one closes the gate for all, and all of
them together keep under ``max_concurrency`` and the budget. An attempt in flight is a
member of a sorted set scored by the end of its lease, so a process that dies holding one
frees it when the lease ends. Every key expires once it has stopped mattering.

When Redis cannot be reached (every call is bounded by ``timeout``) the limiter logs one
warning and carries on with a local fallback limiter, trying Redis again every
``reconnect_after`` seconds. The ``redis`` package (``pip install 'aiocircle[redis]'``) is
imported only when a limiter is created, so aiocircle works without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ._clock import Clock, SystemClock
from ._ratelimit import parse_budget
from ._throttle import Throttle
from .errors import ConfigurationError, RateLimitError
from .limiter import Answer, Permit, RateLimiter

if TYPE_CHECKING:
    import redis.asyncio

    RedisClient = redis.asyncio.Redis
else:  # redis is an optional extra, imported only when used; typing.get_type_hints() sees Any
    RedisClient = Any

logger = logging.getLogger("aiocircle.redis_limiter")

_FOREVER = 1e18
"""``max_wait=inf`` as Lua reads it."""

# Shared by the scripts: Redis's clock, and the pace after a 429 (as in Throttle: the rate
# rises while no 429 comes, 10 % a second until a second 429 shows where the limit is, 1 %
# after that, and lapses once it limits nothing CircleCI allows).
_PRELUDE = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local function pace_interval(state_key)
  local p = redis.call('HMGET', state_key, 'p_interval', 'p_since', 'p_growth')
  local interval, since = tonumber(p[1]), tonumber(p[2])
  if not interval then return nil end
  local current = interval / math.pow(tonumber(p[3]) or 1.01, math.max(0, now - since))
  if current < 0.001 then return nil end
  return current
end
local function keep(state_key, ttl)
  local s = redis.call('HMGET', state_key, 'reopens_at', 'b_at', 'b_reset', 'p_next')
  local horizon = math.max(tonumber(s[1]) or 0, (tonumber(s[2]) or 0) + (tonumber(s[3]) or 0),
                           tonumber(s[4]) or 0)
  local seconds = math.max(horizon - now, 0) + ttl
  redis.call('PEXPIRE', state_key, math.ceil(seconds * 1000))
end
"""

# KEYS: state, in-flight.  ARGV: max_wait, spread (1/0), ttl, poll.
# Reserves a turn: the earliest start the gate, the budget and the pace allow. Turns are
# numbered, so an answer is known to be newer than a budget or a pace cut or not.
_TURN = (
    _PRELUDE
    + """
local max_wait, spread, ttl = tonumber(ARGV[1]), ARGV[2] == '1', tonumber(ARGV[3])
local s = redis.call('HMGET', KEYS[1], 'reopens_at', 'b_at', 'b_reset', 'b_remaining',
                     'b_sent', 'p_next', 'b_limit')
local start, reason = math.max(now, tonumber(s[1]) or 0), 'gate'
local b_at, budgeted = tonumber(s[2]), false
if b_at then
  local reset, remaining, sent = tonumber(s[3]), tonumber(s[4]), tonumber(s[5]) or 0
  local limit = tonumber(s[7]) or 0
  if reset > 0 and reset <= 1 and limit > remaining then
    -- A reset within a second, below the limit: a token bucket's time until it is full,
    -- so it refills at (limit - remaining) / reset. Its tokens go at once, then one more
    -- each time one has refilled, before and after the reset alike.
    budgeted = true
    local b_start = b_at + math.max(0, (sent + 1 - remaining) * reset / (limit - remaining))
    if b_start > start then start, reason = b_start, 'budget' end
  elseif now < b_at + reset then
    budgeted = true
    local b_start = now
    if sent >= remaining then b_start = b_at + reset
    elseif spread then b_start = math.max(now, b_at + sent * reset / remaining) end
    if b_start > start then start, reason = b_start, 'budget' end
  else
    -- Past the reset the host has refilled to its limit (one request, if it did not say
    -- it): that many go, then the rest wait for an answer with a new budget (unless
    -- nothing is in flight to bring one).
    local refill = math.max(tonumber(s[7]) or 0, 1)
    if sent - remaining < refill or redis.call('ZCARD', KEYS[2]) == 0 then
      budgeted = true
    else
      local wait = math.max(start - now, tonumber(ARGV[4]))
      if wait > max_wait then return {0, tostring(wait), 'budget'} end
      return {1, tostring(wait), 'news', 0}
    end
  end
end
local interval = pace_interval(KEYS[1])
if interval and (tonumber(s[6]) or 0) > start then start, reason = tonumber(s[6]), 'pace' end
local wait = start - now
if wait > max_wait then return {0, tostring(wait), reason} end
if budgeted then redis.call('HINCRBY', KEYS[1], 'b_sent', 1) end
if interval then redis.call('HSET', KEYS[1], 'p_next', tostring(start + interval)) end
local turn = redis.call('HINCRBY', KEYS[1], 'turns', 1)
keep(KEYS[1], ttl)
return {1, tostring(wait), reason, turn}
"""
)

# KEYS: state, in-flight.  ARGV: permit id, max_concurrency, lease, ttl, turn, slept (1/0).
# Takes an in-flight slot if the gate is open and fewer than max_concurrency are held; a
# turn that slept since it was planned, and was planned before the last pace cut or before
# the live budget was recorded, is planned again instead.
_SLOT = (
    _PRELUDE
    + """
local id, limit, lease, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local s = redis.call('HMGET', KEYS[1], 'reopens_at', 'p_mark', 'b_mark', 'b_at', 'b_reset')
local reopens_at = tonumber(s[1]) or 0
if now < reopens_at then return {0, tostring(reopens_at - now), 'gate'} end
if ARGV[6] == '1' then
  local turn = tonumber(ARGV[5])
  if turn <= (tonumber(s[2]) or 0) and pace_interval(KEYS[1]) then return {0, '0', 'replan'} end
  local b_at = tonumber(s[4])
  if b_at and now < b_at + tonumber(s[5]) and turn <= (tonumber(s[3]) or 0) then
    return {0, '0', 'replan'}
  end
end
if redis.call('ZCARD', KEYS[2]) >= limit then
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {0, tostring(tonumber(first[2]) - now), 'full'}
end
redis.call('ZADD', KEYS[2], now + lease, id)
redis.call('PEXPIRE', KEYS[2], math.ceil((lease + ttl) * 1000))
return {1, '0', 'ok'}
"""
)

# KEYS: state, in-flight, recent answers.
# ARGV: permit id, status (-1: no answer), wait, has budget (1/0), remaining, reset, ttl,
# turn, limit (0: not stated). Frees the slot; a 429 closes the gate and, from a host
# that states no budget, sets or cuts the pace; a budget is recorded.
_RELEASE = (
    _PRELUDE
    + """
local id, status, wait = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local ttl, turn = tonumber(ARGV[7]), tonumber(ARGV[8])
redis.call('ZREM', KEYS[2], id)
if status == 429 then
  local reopens_at = tonumber(redis.call('HGET', KEYS[1], 'reopens_at')) or 0
  local reopen = math.max(reopens_at, now + wait)
  redis.call('HSET', KEYS[1], 'reopens_at', tostring(reopen))
  -- 429s to attempts sent before the gate closed, or planned before the last cut, tell
  -- nothing new: one cut per closing. A host that states its budget is paced by it.
  local p_mark = tonumber(redis.call('HGET', KEYS[1], 'p_mark')) or 0
  if now >= reopens_at and turn > p_mark and ARGV[4] ~= '1' then
    local current = pace_interval(KEYS[1])
    local since = math.max(now - 2, reopens_at)
    local n = redis.call('ZCOUNT', KEYS[3], '(' .. since, '+inf')
    if not current and (n < 4 or now - since < 0.25) then
      -- Too little since the gate last reopened (429s reopening it every few ms): the last
      -- two seconds, closed moments included, measure low, which is the safe side.
      since = now - 2
      n = redis.call('ZCOUNT', KEYS[3], '(' .. since, '+inf')
    end
    local interval, growth = nil, 1.10
    if current then interval, growth = current / 0.9, 1.01
    elseif n >= 4 then
      local first = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. since, '+inf', 'WITHSCORES',
                               'LIMIT', 0, 1)
      interval = math.max(now - tonumber(first[2]), 0.5) / (n * 0.9)
    end
    if interval then
      redis.call('HSET', KEYS[1], 'p_interval', tostring(math.min(interval, 2)),
                 'p_since', tostring(reopen), 'p_next', tostring(reopen),
                 'p_growth', tostring(growth),
                 'p_mark', redis.call('HGET', KEYS[1], 'turns') or 0)
    end
  end
elseif status >= 0 then
  redis.call('ZADD', KEYS[3], now, id)
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - 2)
  redis.call('PEXPIRE', KEYS[3], math.ceil((2 + ttl) * 1000))
end
if ARGV[4] ~= '1' and status >= 0 then
  -- A host that stopped stating its budget once its reset passed: back to 429 pacing.
  local b = redis.call('HMGET', KEYS[1], 'b_at', 'b_reset')
  if tonumber(b[1]) and now >= tonumber(b[1]) + tonumber(b[2]) then
    redis.call('HDEL', KEYS[1], 'b_at', 'b_reset', 'b_remaining', 'b_sent', 'b_limit', 'b_mark')
  end
end
if ARGV[4] == '1' then
  local remaining, reset = tonumber(ARGV[5]), tonumber(ARGV[6])
  local others = redis.call('ZCARD', KEYS[2])
  local b = redis.call('HMGET', KEYS[1], 'b_at', 'b_reset', 'b_remaining', 'b_sent',
                       'b_mark')
  local old_at = tonumber(b[1])
  local replace = true
  -- An answer to an attempt that started after the budget was recorded is newer news:
  -- its remaining may have grown (a token bucket refills before its stated reset).
  if old_at and turn <= (tonumber(b[5]) or 0) then
    local old_reset_at = old_at + tonumber(b[2])
    local old_left = tonumber(b[3]) - (tonumber(b[4]) or 0)
    -- An answer overtaken by a later one in the same window must not raise the budget.
    if now < old_reset_at and now + reset <= old_reset_at + 1 and old_left <= remaining - others
    then replace = false end
  end
  if replace then
    redis.call('HSET', KEYS[1], 'b_at', tostring(now), 'b_reset', tostring(reset),
               'b_remaining', remaining, 'b_sent', others, 'b_limit', ARGV[9],
               'b_mark', redis.call('HGET', KEYS[1], 'turns') or 0)
  end
end
keep(KEYS[1], ttl)
return 1
"""
)


@attrs.frozen
class _Shared:
    """A permit held in Redis: its member id in the host's in-flight set."""

    id: str
    keys: tuple[str, str, str]
    turn: int
    """The number of its turn: answers to later turns are newer than earlier news."""


@attrs.frozen
class _Local:
    """A permit the fallback limiter gave while Redis was away."""

    inner: Permit


_REASONS = {
    "gate": "a 429 closed its gate",
    "budget": "its rate-limit budget is spent until the reset",
    "pace": "its pace after a 429",
}


class RedisRateLimiter:
    """A :class:`~aiocircle.RateLimiter` whose gate, pace, budget and in-flight count live in
    Redis, shared by every process that uses the same ``prefix``.

    Give either ``url`` (``redis://``, ``rediss://`` or ``unix://``) or an open
    ``redis.asyncio.Redis`` ``client``. Use one ``prefix`` per CircleCI token: limits are
    per token, and processes on other tokens should not wait for each other.

    - ``max_concurrency``: attempts in flight per host across all processes.
    - ``lease``: seconds an attempt may hold its slot before Redis assumes its process died;
      longer than your slowest attempt (a large download included).
    - ``spread``: spread the requests a budget has left evenly until its reset (the
      default), or send them freely and wait only once the budget is spent.
    - ``timeout``: the bound on every Redis call; past it Redis counts as away.
    - ``fallback``: the limiter used while Redis is away; by default
      ``Throttle(max_concurrency, clock=clock.monotonic, sleep=clock.sleep)``, local to
      this process (so N processes may then send N times as much).
    - ``reconnect_after``: seconds between tries to get back to Redis while away.
    - ``key_ttl``: seconds a host's keys outlive the last thing they hold back.
    - ``poll``: seconds between asks while waiting for a slot, or for an answer with a new
      budget once the refill after a reset is spent.
    - ``clock``: where waits sleep (:mod:`aiocircle._clock`), injectable for tests; the
      shared times themselves come from Redis's clock.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: RedisClient | None = None,
        prefix: str = "aiocircle:ratelimit",
        max_concurrency: int = 32,
        lease: float = 300.0,
        spread: bool = True,
        timeout: float = 0.5,
        fallback: RateLimiter | None = None,
        reconnect_after: float = 30.0,
        key_ttl: float = 3600.0,
        poll: float = 0.05,
        clock: Clock | None = None,
    ) -> None:
        if (url is None) == (client is None):
            raise ValueError("give RedisRateLimiter exactly one of url= or client=")
        if url is not None and not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("url must start with redis://, rediss:// or unix://")
        if not isinstance(prefix, str) or not prefix:
            raise ValueError("prefix must be a non-empty string")
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, not {max_concurrency}")
        for name, value in [
            ("lease", lease),
            ("timeout", timeout),
            ("reconnect_after", reconnect_after),
            ("key_ttl", key_ttl),
            ("poll", poll),
        ]:
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number of seconds, not {value!r}")
        try:
            import redis.asyncio as aioredis
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff
            from redis.exceptions import RedisError
        except ImportError:
            raise ConfigurationError(
                "RedisRateLimiter needs the redis package: pip install 'aiocircle[redis]'"
            ) from None
        self._owns_client = client is None
        if client is None:
            assert url is not None
            client = aioredis.Redis.from_url(
                url,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                retry=Retry(NoBackoff(), 0),
            )
        self._redis = client
        self._errors: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)
        self._turn = client.register_script(_TURN)
        self._slot = client.register_script(_SLOT)
        self._release = client.register_script(_RELEASE)
        self._prefix = prefix
        self._max_concurrency = max_concurrency
        self._lease = float(lease)
        self._spread = spread
        self._timeout = float(timeout)
        self._reconnect_after = float(reconnect_after)
        self._key_ttl = float(key_ttl)
        self._poll = float(poll)
        self._clock = clock if clock is not None else SystemClock()
        self._fallback = (
            fallback
            if fallback is not None
            else Throttle(max_concurrency, clock=self._clock.monotonic, sleep=self._clock.sleep)
        )
        self._away_until: float | None = None
        """While Redis is away: the monotonic time of the next try to reach it again."""

    def __repr__(self) -> str:
        state = "away, using the fallback" if self.degraded else "shared"
        return f"<RedisRateLimiter prefix={self._prefix!r} {state}>"

    @property
    def degraded(self) -> bool:
        """Whether Redis was away at the last try, so the fallback limiter is in use."""
        return self._away_until is not None

    async def aclose(self) -> None:
        """Close the Redis connections, if this limiter opened them (``url=``)."""
        if self._owns_client:
            await self._redis.aclose()

    async def __aenter__(self) -> RedisRateLimiter:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def keys(self, host: str) -> tuple[str, str, str]:
        """The Redis keys of ``host``: state hash, in-flight set, recent answers. The host
        is in braces so a Redis Cluster keeps all three in one slot."""
        base = f"{self._prefix}:{{{host}}}"
        return (f"{base}:state", f"{base}:inflight", f"{base}:answers")

    # -- the RateLimiter protocol ------------------------------------------------------

    async def acquire(self, host: str, *, max_wait: float = math.inf) -> Permit:
        """Wait for the shared gate, budget and pace of ``host``, then a shared slot.

        A wait longer than ``max_wait`` raises :class:`RateLimitError` at once, before
        anything is sent. While Redis is away the fallback limiter decides.
        """
        if not max_wait >= 0:
            raise ValueError(f"max_wait must be zero or more seconds, not {max_wait!r}")
        if self._shared_now():
            try:
                return await self._acquire_shared(host, max_wait)
            except _Away:
                pass
        inner = await self._fallback.acquire(host, max_wait=max_wait)
        return Permit(host, _Local(inner))

    async def release(self, permit: Permit, answer: Answer) -> None:
        """Free the slot of ``permit``; a 429 closes the gate for every process, rate-limit
        headers set the shared budget."""
        ticket = permit.token
        if isinstance(ticket, _Local):
            await self._fallback.release(ticket.inner, answer)
            return
        if not isinstance(ticket, _Shared):
            raise ValueError("this permit was not given by this RedisRateLimiter")
        budget = parse_budget(answer.headers, now=self._clock.time()) if answer.headers else None
        wait = max(0.0, answer.wait or 0.0)
        spent = answer.status == 429 and budget is not None and budget.remaining == 0
        if spent and budget and not any(k.lower() == "retry-after" for k in answer.headers):
            wait = budget.reset  # the host's own word beats the client's backoff guess
        args: list[str | int | float] = [
            ticket.id,
            -1 if answer.status is None else answer.status,
            wait,
            0 if budget is None else 1,
            0 if budget is None else budget.remaining,
            0.0 if budget is None else budget.reset,
            self._key_ttl,
            ticket.turn,
            0 if budget is None or budget.limit is None else budget.limit,
        ]
        with contextlib.suppress(_Away):  # if Redis is away the lease frees the slot
            await self._run(self._release, ticket.keys, args)

    # -- internals ---------------------------------------------------------------------

    def _shared_now(self) -> bool:
        """Whether to ask Redis: yes unless it was away and it is not yet time to retry."""
        return self._away_until is None or self._clock.monotonic() >= self._away_until

    async def _acquire_shared(self, host: str, max_wait: float) -> Permit:
        keys = self.keys(host)
        limit = min(max_wait, _FOREVER)
        while True:
            ok, wait, reason, turn = await self._run(
                self._turn, keys, [limit, int(self._spread), self._key_ttl, self._poll]
            )
            if not ok:
                raise self._refusal(host, wait, reason)
            if reason == "news":  # the refill after a reset is spent: wait for an answer
                await self._clock.sleep(wait)
                continue
            slept = int(wait > 0)
            if slept:
                await self._clock.sleep(wait)
            permit_id = uuid.uuid4().hex
            while True:
                ok, wait, reason, _ = await self._run(
                    self._slot,
                    keys,
                    [permit_id, self._max_concurrency, self._lease, self._key_ttl, turn, slept],
                )
                if ok:
                    return Permit(host, _Shared(permit_id, keys, turn))
                if reason == "replan":
                    break  # a pace cut or a newer budget since this turn was planned
                if reason == "gate":
                    if wait > max_wait:
                        raise self._refusal(host, wait, reason)
                    await self._clock.sleep(wait)
                    break  # the gate closed while we waited: queue for a turn again
                await self._clock.sleep(min(self._poll, max(wait, 0.001)))

    async def _run(
        self, script: Any, keys: Sequence[str], args: Sequence[str | int | float]
    ) -> tuple[bool, float, str, int]:
        """Run one script, bounded by ``timeout``; Redis away raises :class:`_Away`.
        Returns (ok, wait, reason, turn number or 0)."""
        try:
            async with asyncio.timeout(self._timeout):
                reply = await script(keys=list(keys), args=list(args))
        except self._errors as exc:
            self._went_away(exc)
            raise _Away from None
        if self._away_until is not None:
            self._away_until = None
            logger.info("Redis is back: rate limits are shared again (prefix %r)", self._prefix)
        if not isinstance(reply, list):
            return True, 0.0, "", 0
        ok, wait, reason = reply[:3]
        text = reason.decode() if isinstance(reason, bytes) else str(reason)
        return bool(ok), float(wait), text, int(reply[3]) if len(reply) > 3 else 0

    def _went_away(self, exc: BaseException) -> None:
        if self._away_until is None:
            logger.warning(
                "Redis rate limiter unreachable (%s: %s); using the local fallback limiter, "
                "so rate limits are no longer shared between processes until it is back",
                type(exc).__name__,
                exc,
            )
        self._away_until = self._clock.monotonic() + self._reconnect_after

    @staticmethod
    def _refusal(host: str, wait: float, reason: str) -> RateLimitError:
        why = _REASONS.get(reason, reason)
        return RateLimitError(
            429,
            f"not sent: {host} must wait {wait:.1f}s more ({why}, shared through Redis), "
            "over max_wait",
            method="",
            path=host,
            retry_after=wait,
        )


class _Away(Exception):
    """Redis did not answer in time; the caller falls back."""
