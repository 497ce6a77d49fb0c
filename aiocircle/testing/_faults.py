"""The fake's knobs: latency, bandwidth, a token-bucket rate limiter, random faults, `fail_next`.

Every random decision comes from a source seeded by the fake's seed, so a run with the same
requests in the same order sees the same faults.
"""

from __future__ import annotations

import fnmatch
import json
import math
import random
import re
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Literal

import attrs
from attrs import validators as v

LISTENERS = frozenset({"api", "artifacts", "storage"})


def _share(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} is a share between 0 and 1, got {value}")


def _listeners(value: frozenset[str] | set[str] | tuple[str, ...]) -> frozenset[str]:
    chosen = frozenset(value)
    if not chosen <= LISTENERS:
        raise ValueError(f"listeners are {sorted(LISTENERS)}, got {sorted(chosen)}")
    return chosen


@attrs.frozen
class RateLimit:
    """A token bucket per API token: `burst` requests at once, refilled at `rate` per second;
    or, with `window` set, a fixed window: `rate * window` requests per `window` seconds.

    A throttled request gets 429 with `Retry-After` in whole seconds, rounded up, as CircleCI
    sends it; `fractional_retry_after` sends e.g. `0.25` instead, for fast tests. Every answer
    carries `X-RateLimit-*` and `RateLimit-*` headers (limit, remaining, reset); their reset
    is in whole seconds too, rounded up, unless `fractional_reset`. Switches reproduce rougher
    servers: `retry_after=False` omits `Retry-After`, `headers=False` omits the rate-limit
    headers, `plain_text` sends the body `Rate limited.` as text/plain. The three variants
    clients meet are built by :meth:`retry_after_only`, :meth:`headers_only` and
    :meth:`fixed_window`.

    The bucket's reset is the time until it is full again; the window's, the time until
    the window ends. The first request opens the first window; windows follow back to back.
    """

    rate: float = attrs.field(default=10.0, validator=v.gt(0))
    burst: int = attrs.field(default=10, validator=v.ge(1))
    retry_after: bool = True
    fractional_retry_after: bool = False
    plain_text: bool = False
    headers: bool = True
    fractional_reset: bool = False
    window: float | None = attrs.field(default=None, validator=v.optional(v.gt(0)))

    def __attrs_post_init__(self) -> None:
        if self.window is not None and self.rate * self.window + 1e-9 < 1:
            raise ValueError("a window admits at least one request: rate * window >= 1")

    @property
    def limit(self) -> int:
        """Requests a full bucket, or a fresh window, admits."""
        if self.window is None:
            return self.burst
        return math.floor(self.rate * self.window + 1e-9)  # 600 / 60.0 * 60.0 is not 600

    @classmethod
    def retry_after_only(cls, rate: float, burst: int = 10) -> RateLimit:
        """A token bucket whose 429s say `Retry-After` (fractional) and nothing else."""
        return cls(rate, burst, fractional_retry_after=True, headers=False)

    @classmethod
    def headers_only(cls, rate: float, burst: int = 10) -> RateLimit:
        """A token bucket that states its budget on every answer (fractional reset) and
        sends no `Retry-After` with its 429s."""
        return cls(rate, burst, retry_after=False, fractional_reset=True)

    @classmethod
    def fixed_window(cls, limit: int = 600, window: float = 60.0) -> RateLimit:
        """`limit` requests per `window` seconds (600 a minute), then 429 until the window
        ends; every answer states what is left and when the window resets (fractional), and
        the 429s say `Retry-After` too."""
        return cls(
            limit / window,
            limit,
            window=window,
            fractional_retry_after=True,
            fractional_reset=True,
        )


@attrs.frozen
class Faults:
    """Random failures, each request rolled once.

    `error_rate` of requests answer one of `error_statuses`; `reset_rate` of requests have their
    connection dropped without an answer; `truncate_rate` of storage downloads send a full
    Content-Length but stop part-way and close. `listeners` says where errors and resets apply.
    """

    error_rate: float = attrs.field(default=0.0, validator=_share)
    error_statuses: tuple[int, ...] = attrs.field(default=(500, 502, 503), converter=tuple)
    reset_rate: float = attrs.field(default=0.0, validator=_share)
    truncate_rate: float = attrs.field(default=0.0, validator=_share)
    listeners: frozenset[str] = attrs.field(default=LISTENERS, converter=_listeners)

    def __attrs_post_init__(self) -> None:
        if self.error_rate + self.reset_rate > 1.0:
            raise ValueError("error_rate + reset_rate is at most 1")
        if not self.error_statuses:
            raise ValueError("error_statuses is not empty")


def _no_faults_if_none(value: Faults | None) -> Faults:
    """`knobs.faults = None` turns faults off, like `rate_limit = None`."""
    return Faults() if value is None else value


@attrs.define
class Knobs:
    """Settings read on every request: change them on a running fake (`fake.knobs.latency = 0.1`).

    - `latency` seconds before every answer, plus a uniform random `jitter` on top;
    - `bandwidth` caps each download from storage, in bytes per second (None: no cap);
    - `rate_limit` throttles API requests per token (None: no limit; a new value starts
      with full buckets);
    - `faults` injects random failures;
    - `page_size` is the number of items per page on every paginated endpoint;
    - `redirect`: the artifacts host answers 302 to storage (True, as CircleCI does) or
      serves the bytes itself (False: one hop less, for measuring per-file costs).
    """

    latency: float = attrs.field(default=0.0, validator=v.ge(0.0))
    jitter: float = attrs.field(default=0.0, validator=v.ge(0.0))
    bandwidth: float | None = attrs.field(default=None, validator=v.optional(v.gt(0)))
    rate_limit: RateLimit | None = None
    faults: Faults = attrs.field(factory=Faults, converter=_no_faults_if_none)
    page_size: int = attrs.field(default=20, validator=v.ge(1))
    redirect: bool = True


@attrs.frozen
class Verdict:
    """One rate-limiter decision and the numbers for the headers."""

    allowed: bool
    limit: int
    remaining: int
    #: Seconds until the bucket is full again.
    reset: float
    #: Seconds until one request is allowed (0 when allowed).
    retry_after: float


class RateLimiter:
    """Token buckets (or fixed windows) keyed by API token; `clock` is injectable for exact
    tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._config: RateLimit | None = None
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, config: RateLimit, key: str) -> Verdict:
        if config is not self._config:
            self._config, self._buckets = config, {}
        now = self._clock()
        if config.window is not None:
            return self._take_window(config, config.window, key, now)
        tokens, then = self._buckets.get(key, (float(config.burst), now))
        tokens = min(float(config.burst), tokens + (now - then) * config.rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[key] = (tokens, now)
        return Verdict(
            allowed=allowed,
            limit=config.burst,
            remaining=int(tokens),
            reset=(config.burst - tokens) / config.rate,
            retry_after=0.0 if allowed else (1.0 - tokens) / config.rate,
        )

    def _take_window(self, config: RateLimit, window: float, key: str, now: float) -> Verdict:
        """A fixed window: (requests taken, window start) per key."""
        taken, opened = self._buckets.get(key, (0.0, now))
        if now >= opened + window:
            opened += window * ((now - opened) // window)
            taken = 0.0
        allowed = taken < config.limit
        if allowed:
            taken += 1.0
        self._buckets[key] = (taken, opened)
        left = opened + window - now
        return Verdict(
            allowed=allowed,
            limit=config.limit,
            remaining=config.limit - int(taken),
            reset=left,
            retry_after=0.0 if allowed else left,
        )


def rate_limit_headers(verdict: Verdict, config: RateLimit) -> dict[str, str]:
    """The headers CircleCI may send: both the `X-RateLimit-*` and `RateLimit-*` spellings
    (unless `config.headers` is off), and `Retry-After` on a 429 (unless `config.retry_after`
    is off)."""
    headers: dict[str, str] = {}
    if config.headers:
        if config.fractional_reset:
            reset = f"{math.ceil(verdict.reset * 100) / 100:.2f}"
        else:
            reset = str(math.ceil(verdict.reset))
        headers = {
            "X-RateLimit-Limit": str(verdict.limit),
            "X-RateLimit-Remaining": str(verdict.remaining),
            "X-RateLimit-Reset": reset,
            "RateLimit-Limit": str(verdict.limit),
            "RateLimit-Remaining": str(verdict.remaining),
            "RateLimit-Reset": reset,
        }
    if not verdict.allowed and config.retry_after:
        if config.fractional_retry_after:
            headers["Retry-After"] = f"{math.ceil(verdict.retry_after * 100) / 100:g}"
        else:
            headers["Retry-After"] = str(max(1, math.ceil(verdict.retry_after)))
    return headers


class Chaos:
    """Latency draws and fault rolls, from sources seeded by the fake's seed."""

    def __init__(self, seed: int) -> None:
        self._latency = random.Random(f"latency-{seed}")
        self._faults = random.Random(f"faults-{seed}")

    def delay(self, knobs: Knobs) -> float:
        if knobs.jitter:
            return knobs.latency + self._latency.uniform(0.0, knobs.jitter)
        return knobs.latency

    def roll(self, faults: Faults, listener: str) -> int | Literal["reset"] | None:
        """An error status to answer, "reset" to drop the connection, or None."""
        if not (faults.error_rate or faults.reset_rate) or listener not in faults.listeners:
            return None
        draw = self._faults.random()
        if draw < faults.error_rate:
            return self._faults.choice(faults.error_statuses)
        if draw < faults.error_rate + faults.reset_rate:
            return "reset"
        return None

    def truncate_at(self, faults: Faults, length: int) -> int | None:
        """Where to cut a download of `length` bytes short, or None."""
        if not faults.truncate_rate or length == 0:
            return None
        if self._faults.random() >= faults.truncate_rate:
            return None
        return self._faults.randrange(length)


@attrs.define
class FailRule:
    """A scripted failure from `fail_next`; `remaining` counts down as it fires."""

    pattern: re.Pattern[str]
    status: int
    remaining: int
    body: bytes
    content_type: str
    headers: Mapping[str, str]
    method: str | None
    listener: str | None
    reset: bool

    def matches(self, listener: str, method: str, paths: tuple[str, ...]) -> bool:
        if self.listener is not None and self.listener != listener:
            return False
        if self.method is not None and self.method != method:
            return False
        return any(self.pattern.fullmatch(path) for path in paths)


def compile_pattern(pattern: str | re.Pattern[str]) -> re.Pattern[str]:
    """A glob (`*/workflow/*/job`), or a regex if compiled or written `re:...`."""
    if isinstance(pattern, re.Pattern):
        return pattern
    if pattern.startswith("re:"):
        return re.compile(pattern[3:])
    return re.compile(fnmatch.translate(pattern))


def make_rule(
    pattern: str | re.Pattern[str],
    *,
    status: int,
    times: int,
    body: bytes | str | Mapping[str, object] | None,
    headers: Mapping[str, str] | None,
    method: str | None,
    listener: str | None,
    reset: bool,
) -> FailRule:
    if times < 1:
        raise ValueError("times is at least 1")
    if listener is not None and listener not in LISTENERS:
        raise ValueError(f"listener is one of {sorted(LISTENERS)} or None")
    if body is None:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Injected failure"
        body = {"message": reason}
    if isinstance(body, bytes):
        raw, content_type = body, "application/octet-stream"
    elif isinstance(body, str):
        raw, content_type = body.encode(), "text/plain"
    else:
        raw, content_type = json.dumps(body).encode(), "application/json"
    return FailRule(
        pattern=compile_pattern(pattern),
        status=status,
        remaining=times,
        body=raw,
        content_type=content_type,
        headers=dict(headers or {}),
        method=method.upper() if method else None,
        listener=listener,
        reset=reset,
    )


class FailQueue:
    """Scripted failures, consulted before normal handling; the oldest matching rule fires."""

    def __init__(self) -> None:
        self.rules: list[FailRule] = []

    def add(self, rule: FailRule) -> None:
        self.rules.append(rule)

    def take(self, listener: str, method: str, paths: tuple[str, ...]) -> FailRule | None:
        if not self.rules:
            return None
        for rule in self.rules:
            if rule.matches(listener, method, paths):
                rule.remaining -= 1
                if rule.remaining == 0:
                    self.rules.remove(rule)
                return rule
        return None

    def clear(self) -> None:
        self.rules.clear()
