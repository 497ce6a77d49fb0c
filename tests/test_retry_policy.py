"""The pure retry decision and backoff."""

from __future__ import annotations

import pytest

from aiocircle import RateLimitError, RetryPolicy, ServerError, TransportError
from aiocircle._retry import retry_delay


def _429(retry_after: float | None) -> RateLimitError:
    return RateLimitError(429, "slow down", method="POST", path="/x", retry_after=retry_after)


def test_full_jitter_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=4.0, jitter=lambda: 1.0)
    assert [policy.backoff(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert RetryPolicy(jitter=lambda: 0.25).backoff(3) == 0.5


def test_429_retried_even_for_non_idempotent_and_honours_retry_after() -> None:
    assert retry_delay(RetryPolicy(), _429(12.5), attempt=1, idempotent=False) == 12.5


def test_429_without_retry_after_backs_off() -> None:
    policy = RetryPolicy(jitter=lambda: 1.0)
    assert retry_delay(policy, _429(None), attempt=2, idempotent=False) == 1.0


def test_429_longer_than_max_wait_gives_up() -> None:
    assert retry_delay(RetryPolicy(max_wait=60), _429(61), attempt=1, idempotent=True) is None


def test_5xx_retried_only_when_idempotent() -> None:
    error = ServerError(503, "down", method="GET", path="/x")
    assert retry_delay(RetryPolicy(jitter=lambda: 1.0), error, attempt=1, idempotent=True) == 0.5
    assert retry_delay(RetryPolicy(), error, attempt=1, idempotent=False) is None


def test_501_is_not_retried() -> None:
    error = ServerError(501, "not implemented", method="GET", path="/x")
    assert retry_delay(RetryPolicy(), error, attempt=1, idempotent=True) is None


def test_connection_that_never_opened_is_retried_even_for_trigger() -> None:
    refused = TransportError("POST", "/x", "refused", request_sent=False)
    reset = TransportError("POST", "/x", "reset", request_sent=True)
    assert retry_delay(RetryPolicy(), refused, attempt=1, idempotent=False) is not None
    assert retry_delay(RetryPolicy(), reset, attempt=1, idempotent=False) is None
    assert retry_delay(RetryPolicy(), reset, attempt=1, idempotent=True) is not None


def test_gives_up_after_max_attempts() -> None:
    error = ServerError(500, "x", method="GET", path="/x")
    policy = RetryPolicy(max_attempts=3)
    assert retry_delay(policy, error, attempt=2, idempotent=True) is not None
    assert retry_delay(policy, error, attempt=3, idempotent=True) is None


def test_policy_is_frozen_and_validated() -> None:
    policy = RetryPolicy()
    with pytest.raises(AttributeError):
        policy.max_attempts = 1  # type: ignore[misc]
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
