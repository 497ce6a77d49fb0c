"""Retry policy: whether to try a request again, and how long to wait first.

A pure decision (``retry_delay``) plus a frozen policy; the request loop in ``_core``
does the waiting. Randomness is injected so tests can assert exact delays.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import attrs

from .errors import CircleCIError, RateLimitError, ServerError, TransportError


@attrs.frozen(kw_only=True)
class RetryEvent:
    """What the ``on_retry`` hook sees before each retry."""

    method: str
    path: str
    attempt: int
    """The attempt that failed, counting from 1."""
    delay: float
    """Seconds the request will wait before its next attempt."""
    status: int | None
    """HTTP status of the failed attempt, or ``None`` for a transport error."""
    reason: str


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """When and how a failed request is retried.

    - 429 is retried for every method: CircleCI did not process the request. A
      ``Retry-After`` is honoured in full; without one, exponential backoff with full jitter.
    - 5xx in ``retry_statuses``, timeouts and connection errors are retried only for
      idempotent requests, so a trigger or rerun is never sent twice; the one exception is
      a connection that never opened, which the server cannot have seen.
    - A server asking for more than ``max_wait`` seconds raises ``RateLimitError`` at once.
    """

    max_attempts: int = attrs.field(default=6, validator=attrs.validators.ge(1))
    """Attempts in all, the first one included."""
    backoff_base: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    backoff_cap: float = attrs.field(default=30.0, validator=attrs.validators.ge(0))
    max_wait: float = attrs.field(default=120.0, validator=attrs.validators.ge(0))
    retry_statuses: frozenset[int] = frozenset({500, 502, 503, 504})
    on_retry: Callable[[RetryEvent], object] | None = attrs.field(default=None, eq=False)
    """Called (synchronously) before each retry; an exception it raises is logged, not fatal."""
    jitter: Callable[[], float] = attrs.field(default=random.random, eq=False, repr=False)
    """Source of uniform numbers in [0, 1); tests inject a constant to get exact delays."""

    def backoff_ceiling(self, attempt: int) -> float:
        """The most the backoff after the given failed attempt (1-based) can be."""
        return min(self.backoff_cap, self.backoff_base * 2.0 ** (attempt - 1))

    def backoff(self, attempt: int) -> float:
        """Full-jitter backoff for the given failed attempt (1-based)."""
        return self.jitter() * self.backoff_ceiling(attempt)


def retry_delay(
    policy: RetryPolicy,
    error: CircleCIError,
    *,
    attempt: int,
    idempotent: bool,
) -> float | None:
    """Seconds to wait before retrying after ``error``, or ``None`` to give up."""
    if attempt >= policy.max_attempts:
        return None
    if isinstance(error, RateLimitError):
        if error.retry_after is None:
            return policy.backoff(attempt)
        if error.retry_after > policy.max_wait:
            return None
        return error.retry_after
    retryable = (
        isinstance(error, ServerError) and error.status in policy.retry_statuses
    ) or isinstance(error, TransportError)
    if not retryable:
        return None
    if not idempotent and not (isinstance(error, TransportError) and not error.request_sent):
        return None
    return policy.backoff(attempt)
