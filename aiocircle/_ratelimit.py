"""Pure rate-limit header parsing and pacing: headers in, a :class:`Budget` out, and when
the next request may start so that none is refused.

No I/O and no clock of its own: the caller passes ``now``, so every function is tested
with plain values. Understood spellings (names are case-insensitive):

- ``RateLimit-Limit``, ``RateLimit-Remaining``, ``RateLimit-Reset`` (IETF drafts up to -06,
  also sent by Kong and others);
- ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``, ``X-RateLimit-Reset`` and the per-window
  ``X-RateLimit-{Limit,Remaining,Reset}-{Second,Minute,Hour,Day,Month,Year}``;
- the structured ``RateLimit`` field, current (``"default";r=50;t=30``) and older
  (``limit=100, remaining=50, reset=5``), with ``RateLimit-Policy``, current
  (``"default";q=100;w=60``) and older (``100;w=60``).

Resets are seconds from now; a reset that looks like a Unix time (over 10⁹) is read as
one, as GitHub-style ``X-RateLimit-Reset`` headers send. A value that is negative, not a
number, not finite or implausibly large is ignored, never guessed at; where several limits
apply the tightest wins.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

import attrs

_MAX_COUNT = 10**12
"""More requests than any API grants: a larger count is garbage, not a budget."""
_MAX_RESET = 366 * 86400.0
"""The longest window accepted (a year), in seconds."""
_EPOCH = 1e9
"""A reset above this many seconds is a Unix time (2001 onwards), not a delay."""
_UNITS = {
    "second": 1.0,
    "minute": 60.0,
    "hour": 3600.0,
    "day": 86400.0,
    "month": 31 * 86400.0,
    "year": 366 * 86400.0,
}


@attrs.frozen
class Budget:
    """What a host said is left of its rate limit, as of the response that said it."""

    remaining: int = attrs.field(validator=attrs.validators.ge(0))
    """Requests the host will still accept before ``reset``."""
    reset: float = attrs.field(validator=attrs.validators.ge(0.0))
    """Seconds from the response until the window resets and ``remaining`` refills."""
    limit: int | None = None
    """Requests the window allows in all, when the host said."""
    window: float | None = None
    """Length of the window in seconds, when the host said."""

    @property
    def rate(self) -> float:
        """Requests per second that spend ``remaining`` exactly by ``reset``."""
        return self.remaining / self.reset if self.reset > 0 else math.inf

    def _tightness(self) -> tuple[int, float]:
        """Sorts tighter budgets first: an exhausted one by its longer wait, then by rate."""
        if self.remaining == 0 and self.reset > 0:
            return (0, -self.reset)
        return (1, self.rate)


def tightest(budgets: Iterable[Budget | None]) -> Budget | None:
    """The budget that holds requests back the most, or ``None`` when there is none."""
    found = [b for b in budgets if b is not None]
    return min(found, key=Budget._tightness) if found else None


def earliest_start(
    budget: Budget,
    *,
    observed_at: float,
    now: float,
    sent: int = 0,
    spread: bool = True,
) -> float:
    """The earliest time the next request may start so that the host refuses none.

    ``budget`` was read from a response at ``observed_at``; ``sent`` requests have
    started since then (count those in flight at ``observed_at`` too: the host may not
    have counted them yet). With ``spread``, the remaining requests are spread evenly
    over the time until the reset, the ``k``-th at ``observed_at + k * reset / remaining``;
    without it they may go at once. Once they are spent the next waits for the reset, and
    once the reset has passed the budget no longer limits anything. Times are in the
    caller's clock (any, as long as both are in the same one).
    """
    reset_at = observed_at + budget.reset
    if now >= reset_at:
        return now
    if sent >= budget.remaining:
        return reset_at
    if not spread:
        return now
    return max(now, observed_at + sent * budget.reset / budget.remaining)


def parse_budget(headers: Mapping[str, str], *, now: float | None = None) -> Budget | None:
    """The tightest budget the rate-limit headers of one response describe, or ``None``.

    ``headers`` may be any mapping (a case-insensitive multidict keeps duplicates, which
    count as one list, as HTTP says). ``now`` is the Unix time, needed only to read a
    reset sent as a Unix time; without it such a reset is ignored.
    """
    fields = _collect(headers)
    if not fields:
        return None
    policies = _policies(fields.get("ratelimit-policy"))
    found: list[Budget | None] = [
        _structured(fields.get("ratelimit"), policies, now),
        _plain(fields, "ratelimit-", "", policies, now),
        _plain(fields, "x-ratelimit-", "", policies, now),
    ]
    for unit, seconds in _UNITS.items():
        found.append(_plain(fields, "x-ratelimit-", f"-{unit}", policies, now, window=seconds))
    if not any(found) and policies:
        # A policy alone says "q per w": spreading q over w never exceeds it.
        found.extend(Budget(q, w, limit=q, window=w) for q, w in policies.values())
    return tightest(found)


# -- plain numeric headers --------------------------------------------------------------


def _collect(headers: Mapping[str, str]) -> dict[str, list[str]]:
    """Rate-limit header values by lower-cased name, duplicates kept in order (every
    spelling read here has ``ratelimit`` in its name; other headers are left out)."""
    fields: dict[str, list[str]] = {}
    for name, value in headers.items():
        lower = name.lower()
        if "ratelimit" in lower:
            fields.setdefault(lower, []).append(value)
    return fields


_INTEGER = re.compile(r"\d{1,15}")
_NUMBER = re.compile(r"\d{1,15}(\.\d{1,9})?")


def _numbers(values: list[str] | None) -> list[str]:
    """Every comma-separated element of every value of a header, stripped."""
    return [part.strip() for value in values or () for part in value.split(",")]


def _count(values: list[str] | None) -> int | None:
    """The lowest readable count among a header's values (duplicates that disagree are
    read cautiously), or ``None`` when any is unreadable."""
    parts = _numbers(values)
    if not parts or not all(_INTEGER.fullmatch(p) for p in parts):
        return None
    counts = [int(p) for p in parts]
    return None if max(counts) > _MAX_COUNT else min(counts)


def _delay(text: str, now: float | None) -> float | None:
    """Seconds from now for a reset value (delta-seconds, or a Unix time), or ``None``."""
    if not _NUMBER.fullmatch(text):
        return None
    seconds = float(text)
    if seconds > _EPOCH:
        if now is None:
            return None
        seconds = max(0.0, seconds - now)
    return seconds if seconds <= _MAX_RESET else None


def _reset(values: list[str] | None, now: float | None) -> float | None:
    """The latest readable reset among a header's values, or ``None`` if any is unreadable."""
    parts = _numbers(values)
    delays = [_delay(p, now) for p in parts]
    if not delays or any(d is None for d in delays):
        return None
    return max(d for d in delays if d is not None)


def _plain(
    fields: dict[str, list[str]],
    prefix: str,
    suffix: str,
    policies: dict[str, tuple[int, float]],
    now: float | None,
    *,
    window: float | None = None,
) -> Budget | None:
    """The budget of one family of ``<prefix>Limit/Remaining/Reset<suffix>`` headers."""
    remaining = _count(fields.get(f"{prefix}remaining{suffix}"))
    if remaining is None:
        return None
    limit = _count(fields.get(f"{prefix}limit{suffix}"))
    if window is None and limit is not None:
        window = next((w for q, w in policies.values() if q == limit), None)
    reset = _reset(fields.get(f"{prefix}reset{suffix}"), now)
    if reset is None:
        reset = window  # without a reset, the whole window is the cautious guess
    if reset is None:
        return None
    return Budget(remaining, reset, limit=limit, window=window)


# -- structured fields (RFC 8941, the subset these headers use) -------------------------

_Bare = int | float | str | bool


@attrs.frozen
class _Member:
    """One member of a structured list or dictionary: ``name`` is the dictionary key or
    the string/token item, ``value`` the bare item after ``=`` (or the item itself)."""

    name: str | None
    value: _Bare | None
    params: dict[str, _Bare]


_TOKEN = re.compile(r"[A-Za-z*][A-Za-z0-9:/!#$%&'*+\-.^_`|~]*")
_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_SF_NUMBER = re.compile(r"-?\d{1,15}(\.\d{1,3})?")
_STRING = re.compile(r'"((?:[^"\\]|\\["\\])*)"')


class _Malformed(ValueError):
    pass


class _Reader:
    """A cursor over one structured field value."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def skip_spaces(self) -> None:
        while self.at < len(self.text) and self.text[self.at] in " \t":
            self.at += 1

    def take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        match = pattern.match(self.text, self.at)
        if match:
            self.at = match.end()
        return match

    def peek(self, char: str) -> bool:
        return self.text.startswith(char, self.at)

    def bare(self) -> _Bare:
        if match := self.take(_STRING):
            return re.sub(r"\\(.)", r"\1", match.group(1))
        if match := self.take(_SF_NUMBER):
            return float(match.group()) if match.group(1) else int(match.group())
        if self.peek("?1") or self.peek("?0"):
            self.at += 2
            return self.text[self.at - 1] == "1"
        if match := self.take(_TOKEN):
            return match.group()
        raise _Malformed(self.text)

    def params(self) -> dict[str, _Bare]:
        params: dict[str, _Bare] = {}
        while self.peek(";"):
            self.at += 1
            self.skip_spaces()
            key = self.take(_KEY)
            if key is None:
                raise _Malformed(self.text)
            value: _Bare = True
            if self.peek("="):
                self.at += 1
                value = self.bare()
            params[key.group()] = value
        return params


def _members(values: list[str] | None) -> list[_Member] | None:
    """The members of a structured list or dictionary, or ``None`` when absent/malformed."""
    if not values:
        return None
    reader = _Reader(", ".join(values))
    members: list[_Member] = []
    try:
        while True:
            reader.skip_spaces()
            start = reader.at
            key = reader.take(_KEY)
            if key is not None and reader.peek("="):
                reader.at += 1
                name: str | None = key.group()
                value: _Bare | None = reader.bare()
            else:
                reader.at = start
                value = reader.bare()
                name = value if isinstance(value, str) else None
            members.append(_Member(name, value, reader.params()))
            reader.skip_spaces()
            if reader.at == len(reader.text):
                return members
            if not reader.peek(","):
                raise _Malformed(reader.text)
            reader.at += 1
    except _Malformed:
        return None


def _int_param(value: _Bare | None) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= _MAX_COUNT else None


def _seconds_param(value: _Bare | None, now: float | None) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return _delay(repr(value) if isinstance(value, int) else f"{value:.3f}", now)


def _policies(values: list[str] | None) -> dict[str, tuple[int, float]]:
    """``RateLimit-Policy`` as ``{name: (quota, window seconds)}``; an older, unnamed
    ``100;w=60`` policy is named by its quota."""
    policies: dict[str, tuple[int, float]] = {}
    for member in _members(values) or ():
        if isinstance(member.value, int) and not isinstance(member.value, bool):
            name, quota = str(member.value), _int_param(member.value)  # older: 100;w=60
        else:
            name, quota = str(member.name), _int_param(member.params.get("q"))
        window = _seconds_param(member.params.get("w"), None)
        if quota is not None and window is not None and window > 0:
            policies[name] = (quota, window)
    return policies


def _structured(
    values: list[str] | None, policies: dict[str, tuple[int, float]], now: float | None
) -> Budget | None:
    """The tightest budget in a ``RateLimit`` field, in either of its spellings."""
    members = _members(values)
    if not members:
        return None
    by_key = {m.name: m.value for m in members}
    if "remaining" in by_key:  # older: limit=100, remaining=50, reset=5
        remaining = _int_param(by_key["remaining"])
        limit = _int_param(by_key.get("limit"))
        reset = _seconds_param(by_key.get("reset"), now)
        if remaining is None or reset is None:
            return None
        window = policies[str(limit)][1] if str(limit) in policies else None
        return Budget(remaining, reset, limit=limit, window=window)
    budgets: list[Budget | None] = []
    for member in members:
        remaining = _int_param(member.params.get("r"))
        quota, window = policies.get(str(member.name), (None, None))
        reset = _seconds_param(member.params.get("t"), now) if "t" in member.params else window
        if remaining is not None and reset is not None:
            budgets.append(Budget(remaining, reset, limit=quota, window=window))
    return tightest(budgets)
