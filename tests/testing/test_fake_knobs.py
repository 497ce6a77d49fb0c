"""Knobs (rate limiter, faults, fail_next, latency, bandwidth) and observation (stats, log)."""

from __future__ import annotations

import asyncio
import logging
import re
import time

import aiohttp
import pytest
from fake_api import Api

from aiocircle.testing import FakeCircleCI, Faults, Knobs, LeakRecord, RateLimit
from aiocircle.testing._faults import Chaos, RateLimiter, rate_limit_headers

# --- the token bucket, with an injected clock ---------------------------------------------------


def test_the_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    config = RateLimit(rate=2.0, burst=3)
    verdicts = [limiter.take(config, "a") for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert [v.remaining for v in verdicts] == [2, 1, 0, 0]
    assert verdicts[3].retry_after == pytest.approx(0.5)
    assert limiter.take(config, "b").allowed  # another token has its own bucket
    now[0] = 0.5
    assert limiter.take(config, "a").allowed


def test_retry_after_is_whole_seconds_rounded_up_unless_fractional() -> None:
    limiter = RateLimiter(clock=lambda: 0.0)
    config = RateLimit(rate=4.0, burst=1)
    limiter.take(config, "a")
    throttled = limiter.take(config, "a")
    assert rate_limit_headers(throttled, config)["Retry-After"] == "1"
    fractional = RateLimit(rate=4.0, burst=1, fractional_retry_after=True)
    assert rate_limit_headers(throttled, fractional)["Retry-After"] == "0.25"
    assert "Retry-After" not in rate_limit_headers(throttled, RateLimit(retry_after=False))


def test_a_new_rate_limit_starts_with_full_buckets() -> None:
    limiter = RateLimiter(clock=lambda: 0.0)
    first = RateLimit(rate=1.0, burst=1)
    limiter.take(first, "a")
    assert not limiter.take(first, "a").allowed
    assert limiter.take(RateLimit(rate=1.0, burst=1), "a").allowed


def test_knobs_are_validated_when_set() -> None:
    knobs = Knobs()
    with pytest.raises(ValueError):
        knobs.latency = -1.0
    with pytest.raises(ValueError):
        Faults(error_rate=0.7, reset_rate=0.7)
    with pytest.raises(ValueError):
        Faults(listeners={"nowhere"})


# --- the rate limiter over HTTP -----------------------------------------------------------------


async def test_a_throttled_request_gets_429_with_the_rate_limit_headers(api: Api) -> None:
    api.fake.knobs.rate_limit = RateLimit(rate=1.0, burst=2)
    for expected_remaining in ("1", "0"):
        async with api.session.get(api.fake.base_url + "/me", headers=api.headers) as reply:
            assert reply.status == 200
            assert reply.headers["X-RateLimit-Remaining"] == expected_remaining
    async with api.session.get(api.fake.base_url + "/me", headers=api.headers) as reply:
        assert reply.status == 429
        assert await reply.json() == {"message": "Rate limit exceeded"}
        headers = reply.headers
    assert headers["Retry-After"] == "1"
    assert headers["X-RateLimit-Limit"] == headers["RateLimit-Limit"] == "2"
    assert headers["X-RateLimit-Remaining"] == headers["RateLimit-Remaining"] == "0"
    assert headers["X-RateLimit-Reset"] == headers["RateLimit-Reset"] == "2"
    assert api.fake.stats.requests[-1].fault == "rate_limit"


async def test_the_rough_429_has_no_retry_after_and_a_plain_text_body(api: Api) -> None:
    api.fake.knobs.rate_limit = RateLimit(burst=1, retry_after=False, plain_text=True)
    await api.get("/me")
    async with api.session.get(api.fake.base_url + "/me", headers=api.headers) as reply:
        assert reply.status == 429
        assert reply.content_type == "text/plain"
        assert await reply.text() == "Rate limited."
        assert "Retry-After" not in reply.headers


async def test_rate_limits_are_per_token_and_spare_storage(api: Api) -> None:
    api.fake.state.add_user("other", token="other-token")
    api.fake.knobs.rate_limit = RateLimit(rate=0.01, burst=1)
    await api.get("/me")
    status, _ = await api.call("GET", "/me")
    assert status == 429
    async with api.session.get(
        api.fake.base_url + "/me", headers={"Circle-Token": "other-token"}
    ) as reply:
        assert reply.status == 200
    artifact = api.fake.artifacts()[0]
    location = api.fake.presigned_url(artifact)
    for _ in range(3):
        async with api.session.get(location) as reply:
            assert reply.status == 200


async def test_turning_the_rate_limit_off_at_runtime_lets_requests_through(api: Api) -> None:
    api.fake.knobs.rate_limit = RateLimit(rate=0.01, burst=1)
    await api.get("/me")
    assert (await api.call("GET", "/me"))[0] == 429
    api.fake.knobs.rate_limit = None
    assert (await api.call("GET", "/me"))[0] == 200


# --- random faults ------------------------------------------------------------------------------


async def test_error_rate_answers_server_errors_with_a_message(api: Api) -> None:
    api.fake.knobs.faults = Faults(error_rate=1.0)
    for _ in range(10):
        status, body = await api.call("GET", "/me")
        assert status in (500, 502, 503)
        assert set(body) == {"message"}
    assert {r.fault for r in api.fake.stats.requests} == {"error"}


async def test_faults_apply_only_to_the_chosen_listeners(api: Api) -> None:
    api.fake.knobs.faults = Faults(error_rate=1.0, listeners={"storage"})
    assert (await api.call("GET", "/me"))[0] == 200


async def test_the_same_seed_gives_the_same_faults(http: aiohttp.ClientSession) -> None:
    async def statuses() -> list[int]:
        async with FakeCircleCI(seed=3, faults=Faults(error_rate=0.5)) as fake:
            api = Api(fake, http)
            return [(await api.call("GET", "/me"))[0] for _ in range(20)]

    first = await statuses()
    assert first == await statuses()
    assert 200 in first and set(first) - {200}


async def test_reset_rate_drops_connections_quietly(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    api.fake.knobs.faults = Faults(reset_rate=1.0)
    with (
        caplog.at_level(logging.DEBUG, logger="aiohttp"),
        pytest.raises(aiohttp.ClientConnectionError),
    ):
        await api.call("GET", "/me")
    record = api.fake.stats.requests[-1]
    assert (record.status, record.fault) == (None, "reset")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_truncate_rate_cuts_downloads_short_after_a_full_content_length(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    artifact = next(a for a in api.fake.artifacts() if a.size > 1000)
    location = api.fake.presigned_url(artifact)
    api.fake.knobs.faults = Faults(truncate_rate=1.0)
    with caplog.at_level(logging.DEBUG, logger="aiohttp"):
        async with api.session.get(location) as reply:
            assert reply.headers["Content-Length"] == str(artifact.size)
            with pytest.raises(aiohttp.ClientPayloadError):
                await reply.read()
    assert api.fake.stats.requests[-1].fault == "truncate"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# --- fail_next ----------------------------------------------------------------------------------


async def test_fail_next_answers_the_scripted_failure_then_normal_service(api: Api) -> None:
    rule = api.fake.fail_next("/me", status=503, times=2)
    assert [(await api.call("GET", "/me"))[0] for _ in range(3)] == [503, 503, 200]
    assert rule.remaining == 0
    assert [r.fault for r in api.fake.stats.requests] == ["fail_next", "fail_next", None]


async def test_fail_next_matches_globs_and_regexes_on_the_path(api: Api) -> None:
    workflow = next(iter(api.fake.state.workflows.values()))
    api.fake.fail_next("*/workflow/*/job", status=502)
    api.fake.fail_next(re.compile(r".*/pipeline/[^/]+/config"), status=500)
    api.fake.fail_next("re:/api/v2/me/collab.*", status=504)
    assert (await api.call("GET", f"/workflow/{workflow.id}"))[0] == 200
    assert (await api.call("GET", f"/workflow/{workflow.id}/job"))[0] == 502
    assert (await api.call("GET", f"/pipeline/{workflow.pipeline.id}/config"))[0] == 500
    assert (await api.call("GET", "/me/collaborations"))[0] == 504


async def test_fail_next_comes_before_auth_and_carries_custom_body_and_headers(api: Api) -> None:
    api.fake.fail_next("/me", status=429, body="Rate limited.", headers={"Retry-After": "0"})
    async with api.session.get(api.fake.base_url + "/me") as reply:
        assert reply.status == 429
        assert reply.headers["Retry-After"] == "0"
        assert reply.content_type == "text/plain"
        assert await reply.text() == "Rate limited."


async def test_fail_next_can_filter_by_method_and_reset_the_connection(api: Api) -> None:
    api.fake.fail_next("/project/*/pipeline", method="POST", reset=True)
    assert (await api.call("GET", "/project/gh/acme/repo-0/pipeline"))[0] == 200
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.call("POST", "/project/gh/acme/repo-0/pipeline")
    assert (await api.call("POST", "/project/gh/acme/repo-0/pipeline"))[0] == 201


async def test_fail_next_on_storage_fails_a_download(api: Api) -> None:
    artifact = api.fake.artifacts()[0]
    location = api.fake.presigned_url(artifact)
    api.fake.fail_next("/circle-artifacts/*", status=503, listener="storage")
    async with api.session.get(location) as reply:
        assert reply.status == 503
    async with api.session.get(location) as reply:
        assert reply.status == 200


# --- latency and bandwidth ----------------------------------------------------------------------


async def test_latency_delays_every_answer(api: Api) -> None:
    api.fake.knobs.latency = 0.1
    started = time.perf_counter()
    await api.get("/me")
    assert time.perf_counter() - started >= 0.1


def test_jitter_is_deterministic_for_a_seed() -> None:
    knobs = Knobs(latency=0.01, jitter=0.5)
    first, second = Chaos(1), Chaos(1)
    delays = [first.delay(knobs) for _ in range(5)]
    assert delays == [second.delay(knobs) for _ in range(5)]
    assert all(0.01 <= d <= 0.51 for d in delays) and len(set(delays)) == 5


async def test_bandwidth_caps_each_download(api: Api) -> None:
    artifact = api.fake.state.add_artifact(
        next(iter(api.fake.state.jobs.values())), "slow.bin", size=60_000
    )
    location = api.fake.presigned_url(artifact)
    api.fake.knobs.bandwidth = 200_000.0
    started = time.perf_counter()
    async with api.session.get(location) as reply:
        assert len(await reply.read()) == 60_000
    assert time.perf_counter() - started >= 0.3


# --- observation --------------------------------------------------------------------------------


async def test_the_log_and_counts_name_each_route_by_its_template(api: Api) -> None:
    workflow = next(iter(api.fake.state.workflows.values()))
    api.fake.reset_stats()
    await api.get(f"/workflow/{workflow.id}/job")
    await api.get(f"/workflow/{workflow.id}/job")
    await api.call("GET", "/nope")
    assert api.fake.stats.count("GET /workflow/{id}/job") == 2
    assert api.fake.stats.count("<unmatched>") == 1
    record = api.fake.stats.requests[0]
    assert (record.listener, record.method, record.status) == ("api", "GET", 200)
    assert record.path == f"/api/v2/workflow/{workflow.id}/job"


async def test_the_request_log_never_holds_the_token(api: Api) -> None:
    url = api.fake.base_url + f"/me?circle-token={api.fake.token}"
    async with api.session.get(url) as reply:
        assert reply.status == 200
    status, _ = await api.call("GET", f"/project/gh/acme/repo-0/envvar/{api.fake.token}")
    assert status == 404
    logged = repr(list(api.fake.stats.requests)) + repr(api.fake.stats.counts)
    assert api.fake.token not in logged
    assert api.fake.stats.requests[0].query == "circle-token=<redacted>"


async def test_peak_in_flight_counts_concurrent_api_requests(api: Api) -> None:
    api.fake.knobs.latency = 0.2
    api.fake.reset_stats()
    await asyncio.gather(*(api.get("/me") for _ in range(8)))
    assert api.fake.stats.peak_in_flight["api"] == 8
    assert api.fake.stats.in_flight["api"] == 0


async def test_reset_stats_clears_logs_counts_peaks_and_leaks(api: Api) -> None:
    await api.get("/me")
    api.fake.stats.leaks.append(LeakRecord("GET", "/x", ("header:Circle-Token",)))
    api.fake.reset_stats()
    stats = api.fake.stats
    assert (list(stats.requests), dict(stats.counts), stats.leaks) == ([], {}, [])
    assert stats.peak_in_flight["api"] == 0
