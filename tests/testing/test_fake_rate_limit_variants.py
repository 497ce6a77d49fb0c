"""The fake's three rate-limit variants: Retry-After only, headers only, a fixed window."""

from __future__ import annotations

import pytest
from fake_api import Api

from aiocircle import parse_budget
from aiocircle.testing import RateLimit
from aiocircle.testing._faults import RateLimiter, rate_limit_headers

_BUDGET_NAMES = {
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
}


def test_retry_after_only_sends_no_budget_headers() -> None:
    config = RateLimit.retry_after_only(rate=4.0, burst=1)
    limiter = RateLimiter(clock=lambda: 0.0)
    assert rate_limit_headers(limiter.take(config, "t"), config) == {}
    assert rate_limit_headers(limiter.take(config, "t"), config) == {"Retry-After": "0.25"}


def test_headers_only_states_the_budget_precisely_and_no_retry_after() -> None:
    config = RateLimit.headers_only(rate=50.0, burst=10)
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    for _ in range(10):
        allowed = limiter.take(config, "t")
    headers = rate_limit_headers(allowed, config)
    assert set(headers) == _BUDGET_NAMES
    assert headers["RateLimit-Remaining"] == "0"
    assert headers["RateLimit-Reset"] == "0.20"  # until the bucket is full: 10 / 50 s
    refused = rate_limit_headers(limiter.take(config, "t"), config)
    assert "Retry-After" not in refused
    assert parse_budget(refused) is not None


def test_the_default_headers_keep_whole_second_resets() -> None:
    config = RateLimit(rate=50.0, burst=10)
    limiter = RateLimiter(clock=lambda: 0.0)
    headers = rate_limit_headers(limiter.take(config, "t"), config)
    assert headers["RateLimit-Reset"] == "1"
    assert headers["RateLimit-Remaining"] == "9"


def test_a_fixed_window_admits_its_limit_then_refuses_until_it_ends() -> None:
    config = RateLimit.fixed_window(limit=3, window=60.0)
    assert config.limit == 3
    now = [100.0]
    limiter = RateLimiter(clock=lambda: now[0])
    remaining = [limiter.take(config, "t").remaining for _ in range(3)]
    assert remaining == [2, 1, 0]
    now[0] = 130.0
    refused = limiter.take(config, "t")
    assert not refused.allowed
    assert refused.retry_after == refused.reset == 30.0
    headers = rate_limit_headers(refused, config)
    assert headers["Retry-After"] == "30"
    assert headers["X-RateLimit-Reset"] == "30.00"
    assert headers["X-RateLimit-Limit"] == "3"
    now[0] = 160.0  # the next window, back to back with the first
    fresh = limiter.take(config, "t")
    assert fresh.allowed
    assert (fresh.remaining, fresh.reset) == (2, 60.0)
    now[0] = 390.0  # windows pass while idle: the one holding 390 s runs from 340 s to 400 s
    assert limiter.take(config, "t").reset == 10.0
    assert limiter.take(config, "other").remaining == 2  # per token


def test_a_window_that_admits_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one request"):
        RateLimit(rate=0.01, window=10.0)


async def test_a_fixed_window_over_http_states_remaining_and_reset(api: Api) -> None:
    api.fake.knobs.rate_limit = RateLimit.fixed_window(limit=2, window=600.0)
    for expected in ("1", "0"):
        async with api.session.get(api.fake.base_url + "/me", headers=api.headers) as reply:
            assert reply.status == 200
            assert reply.headers["RateLimit-Remaining"] == expected
    async with api.session.get(api.fake.base_url + "/me", headers=api.headers) as reply:
        assert reply.status == 429
        budget = parse_budget(reply.headers)
        assert budget is not None and budget.remaining == 0
        assert 0 < budget.reset <= 600.0
        assert float(reply.headers["Retry-After"]) == pytest.approx(budget.reset, abs=0.02)


async def test_retry_after_only_over_http(api: Api) -> None:
    api.fake.knobs.rate_limit = RateLimit.retry_after_only(rate=0.01, burst=1)
    async with api.session.get(api.fake.base_url + "/me", headers=api.headers) as reply:
        assert reply.status == 200
        assert parse_budget(reply.headers) is None
    async with api.session.get(api.fake.base_url + "/me", headers=api.headers) as reply:
        assert reply.status == 429
        assert parse_budget(reply.headers) is None
        assert float(reply.headers["Retry-After"]) > 0
