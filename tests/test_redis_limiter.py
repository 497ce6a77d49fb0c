"""RedisRateLimiter against a real redis-server on 127.0.0.1, across real OS processes.

The server is the one ``AIOCIRCLE_TEST_REDIS_URL`` names (``.ci/run`` starts one), or one
these tests start when ``redis-server`` is on PATH. Without either the tests are skipped
with the reason, and under CI they fail instead.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from _loopback import FakeClock, Reply, scripted_server
from _redis_server import URL_ENV, ping, redis_server, require

from aiocircle import (
    Answer,
    CircleCI,
    ConfigurationError,
    Permit,
    RateLimiter,
    RateLimitError,
    RetryPolicy,
    Throttle,
)
from aiocircle.redis_limiter import RedisRateLimiter

WORKER = Path(__file__).with_name("_redis_worker.py")
HOST = "https://circleci.com:443"


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    try:
        import redis  # noqa: F401
    except ImportError:
        require("the redis package is not installed (pip install -e '.[test]')")
    url = os.environ.get(URL_ENV)
    if url:
        if not ping(url):
            require(f"{URL_ENV} is set but no Redis answers there")
        yield url
        return
    with redis_server() as (own_url, _proc):
        yield own_url


@pytest.fixture
def prefix() -> str:
    """A key prefix of its own for each test, so tests never see each other's state."""
    return f"aiocircle-test:{uuid.uuid4().hex}"


@pytest.fixture
async def limiter(redis_url: str, prefix: str) -> AsyncIterator[RedisRateLimiter]:
    async with RedisRateLimiter(redis_url, prefix=prefix, max_concurrency=4) as made:
        yield made


def run_worker(*args: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run one worker process to the end and return what it printed."""
    env = {**os.environ, "LIMITER_OPTIONS": json.dumps(options or {})}
    done = subprocess.run(
        [sys.executable, str(WORKER), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_workers(count: int, *args: str, options: dict[str, Any] | None = None) -> list[Any]:
    """Start ``count`` worker processes at once and collect what each printed."""
    env = {**os.environ, "LIMITER_OPTIONS": json.dumps(options or {})}
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(count)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


# -- the protocol and its arguments -----------------------------------------------------


def test_is_a_rate_limiter_and_imports_redis_only_when_made(redis_url: str) -> None:
    code = (
        "import sys, aiocircle, aiocircle.redis_limiter; "
        "assert 'redis' not in sys.modules, 'redis imported by import aiocircle'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert isinstance(RedisRateLimiter(redis_url), RateLimiter)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one of url= or client="),
        ({"url": "http://127.0.0.1:6379"}, "redis://"),
        ({"url": "redis://127.0.0.1", "prefix": ""}, "prefix"),
        ({"url": "redis://127.0.0.1", "max_concurrency": 0}, "max_concurrency"),
        ({"url": "redis://127.0.0.1", "lease": 0}, "lease"),
        ({"url": "redis://127.0.0.1", "timeout": float("nan")}, "timeout"),
        ({"url": "redis://127.0.0.1", "key_ttl": -1}, "key_ttl"),
    ],
)
def test_bad_settings_are_refused_before_any_redis_call(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        RedisRateLimiter(**kwargs)


def test_without_the_redis_package_it_says_which_extra_to_install() -> None:
    code = (
        "import sys; sys.modules['redis'] = None\n"
        "from aiocircle import ConfigurationError, RedisRateLimiter\n"
        "try:\n    RedisRateLimiter('redis://127.0.0.1')\n"
        "except ConfigurationError as exc:\n    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "aiocircle[redis]" in done.stdout
    assert issubclass(ConfigurationError, Exception)


async def test_a_permit_from_elsewhere_is_refused(limiter: RedisRateLimiter) -> None:
    with pytest.raises(ValueError, match="not given by this RedisRateLimiter"):
        await limiter.release(Permit(HOST), Answer(status=200))


async def test_negative_max_wait_is_refused(limiter: RedisRateLimiter) -> None:
    with pytest.raises(ValueError, match="max_wait"):
        await limiter.acquire(HOST, max_wait=-1)


async def test_a_client_given_by_the_caller_is_used_and_left_open(
    redis_url: str, prefix: str
) -> None:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    async with RedisRateLimiter(client=client, prefix=prefix) as lim:
        await lim.release(await lim.acquire(HOST), Answer(status=429, wait=300.0))
        with pytest.raises(RateLimitError):
            await lim.acquire(HOST, max_wait=1)
    assert await client.exists(f"{prefix}:{{{HOST}}}:state") == 1  # still open: ours to close
    await client.aclose()


# -- shared state in one process ---------------------------------------------------------


async def test_a_429_closes_the_gate_for_longer_than_max_wait_without_sending(
    limiter: RedisRateLimiter, redis_url: str, prefix: str
) -> None:
    permit = await limiter.acquire(HOST)
    await limiter.release(permit, Answer(status=429, wait=600.0))
    async with RedisRateLimiter(redis_url, prefix=prefix) as other:
        with pytest.raises(RateLimitError) as caught:
            await other.acquire(HOST, max_wait=30)
    assert caught.value.status == 429
    assert "not sent" in str(caught.value) and "429 closed its gate" in str(caught.value)
    assert caught.value.retry_after is not None and 590 < caught.value.retry_after <= 600
    # other hosts are not held back
    await limiter.release(
        await limiter.acquire("https://other:443", max_wait=0), Answer(status=200)
    )


async def test_headers_budget_spread_over_the_reset(limiter: RedisRateLimiter) -> None:
    headers = {"RateLimit-Limit": "100", "RateLimit-Remaining": "4", "RateLimit-Reset": "3600"}
    await limiter.release(await limiter.acquire(HOST), Answer(status=200, headers=headers))
    await limiter.release(await limiter.acquire(HOST, max_wait=0), Answer(status=200))
    with pytest.raises(RateLimitError) as caught:
        await limiter.acquire(HOST, max_wait=0)
    # four requests over an hour: the second after the budget goes a quarter-hour later
    assert caught.value.retry_after is not None and 890 < caught.value.retry_after <= 900
    assert "budget" in str(caught.value)


async def test_a_spent_budget_waits_for_its_reset(limiter: RedisRateLimiter) -> None:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "120"}
    await limiter.release(await limiter.acquire(HOST), Answer(status=200, headers=headers))
    with pytest.raises(RateLimitError) as caught:
        await limiter.acquire(HOST, max_wait=60)
    assert caught.value.retry_after is not None and 110 < caught.value.retry_after <= 120


async def test_a_late_answer_does_not_raise_the_budget_of_its_window(
    limiter: RedisRateLimiter,
) -> None:
    low = {"RateLimit-Remaining": "0", "RateLimit-Reset": "300"}
    high = {"RateLimit-Remaining": "50", "RateLimit-Reset": "300"}
    first, second = await limiter.acquire(HOST), await limiter.acquire(HOST)
    await limiter.release(first, Answer(status=200, headers=low))
    await limiter.release(second, Answer(status=200, headers=high))  # overtaken, older news
    with pytest.raises(RateLimitError):
        await limiter.acquire(HOST, max_wait=0)


async def test_an_answer_to_a_later_turn_replaces_the_budget_even_when_it_grew(
    limiter: RedisRateLimiter,
) -> None:
    # A token bucket refills before its stated reset: news from an attempt sent after the
    # budget was recorded is newer, not an overtaken answer.
    low = {"RateLimit-Remaining": "1", "RateLimit-Reset": "300"}
    refilled = {"RateLimit-Remaining": "5", "RateLimit-Reset": "300"}
    await limiter.release(await limiter.acquire(HOST), Answer(status=200, headers=low))
    later = await limiter.acquire(HOST, max_wait=0)  # the one request the budget had
    await limiter.release(later, Answer(status=200, headers=refilled))
    fields = await limiter._redis.hgetall(limiter.keys(HOST)[0])
    assert int(fields[b"b_remaining"]) == 5 and int(fields[b"b_sent"]) == 0
    await limiter.release(await limiter.acquire(HOST, max_wait=0), Answer(status=200))


async def test_a_reset_within_a_second_below_the_limit_is_a_bucket_spent_then_refilled(
    redis_url: str, prefix: str
) -> None:
    clock = FakeClock()  # the limiter's sleeps; the shared times are Redis's
    bucket = {"RateLimit-Limit": "3", "RateLimit-Remaining": "2", "RateLimit-Reset": "1.0"}
    async with RedisRateLimiter(redis_url, prefix=prefix, clock=clock) as lim:
        await lim.release(await lim.acquire(HOST), Answer(status=200, headers=bucket))
        for _ in range(2):  # its two tokens go at once, not spread until the reset
            await lim.release(await lim.acquire(HOST, max_wait=0), Answer(status=200))
        third = await lim.acquire(HOST)  # one refills in (3 - 2) / 1.0 s
        assert len(clock.sleeps) == 1 and 0.5 < clock.sleeps[0] <= 1.0
        with pytest.raises(RateLimitError) as caught:
            await lim.acquire(HOST, max_wait=0)  # past the reset: still one a second
        assert caught.value.retry_after is not None and 1.5 < caught.value.retry_after <= 2.0
        await lim.release(third, Answer(status=200))


async def test_a_429_with_a_spent_budget_and_no_retry_after_gates_until_the_reset(
    limiter: RedisRateLimiter,
) -> None:
    spent = {"RateLimit-Remaining": "0", "RateLimit-Reset": "200"}
    permit = await limiter.acquire(HOST)
    await limiter.release(permit, Answer(status=429, wait=0.5, headers=spent))  # 0.5: backoff
    fields = await limiter._redis.hgetall(limiter.keys(HOST)[0])
    assert float(fields[b"reopens_at"]) == pytest.approx(float(fields[b"b_at"]) + 200)
    assert b"p_interval" not in fields  # a host stating its budget is paced by it, not 429s


async def test_in_flight_is_capped_and_a_slot_comes_back_on_release(
    redis_url: str, prefix: str
) -> None:
    clock = FakeClock()
    async with RedisRateLimiter(redis_url, prefix=prefix, max_concurrency=2, clock=clock) as lim:
        held = [await lim.acquire(HOST), await lim.acquire(HOST)]
        waiter = asyncio.create_task(lim.acquire(HOST))
        for _ in range(20):
            await asyncio.sleep(0.01)
        assert not waiter.done()  # a third must wait for a slot
        assert await lim._redis.zcard(lim.keys(HOST)[1]) == 2
        await lim.release(held.pop(), Answer(status=200))
        third = await asyncio.wait_for(waiter, 10)
        assert await lim._redis.zcard(lim.keys(HOST)[1]) == 2
        for permit in [*held, third]:
            await lim.release(permit, Answer(status=None))
        assert await lim._redis.zcard(lim.keys(HOST)[1]) == 0


async def test_keys_expire(redis_url: str, prefix: str) -> None:
    async with RedisRateLimiter(redis_url, prefix=prefix, key_ttl=60, lease=30) as lim:
        state, inflight, _ = lim.keys(HOST)
        permit = await lim.acquire(HOST)
        assert 0 < await lim._redis.pttl(inflight) <= 90_000
        await lim.release(permit, Answer(status=429, wait=100.0))
        assert 100_000 < await lim._redis.pttl(state) <= 161_000  # gate + ttl
        other = await lim.acquire("https://x:443")
        await lim.release(other, Answer(status=200))
        assert 0 < await lim._redis.pttl(lim.keys("https://x:443")[2]) <= 63_000


async def test_429s_set_a_shared_pace_from_the_answers_seen(limiter: RedisRateLimiter) -> None:
    for _ in range(8):
        await limiter.release(await limiter.acquire(HOST), Answer(status=200))
    await limiter.release(await limiter.acquire(HOST), Answer(status=429, wait=0.0))
    fields = await limiter._redis.hgetall(limiter.keys(HOST)[0])
    assert float(fields[b"p_interval"]) > 0
    assert float(fields[b"p_next"]) == pytest.approx(float(fields[b"reopens_at"]))


async def test_a_429_to_a_turn_planned_before_the_last_cut_cuts_nothing(
    limiter: RedisRateLimiter,
) -> None:
    for _ in range(8):
        await limiter.release(await limiter.acquire(HOST), Answer(status=200))
    first, second = await limiter.acquire(HOST), await limiter.acquire(HOST)
    await limiter.release(first, Answer(status=429, wait=0.0))
    state = limiter.keys(HOST)[0]
    cut = float(await limiter._redis.hget(state, "p_interval"))
    assert float(await limiter._redis.hget(state, "p_growth")) == 1.10  # no ceiling known yet
    await limiter.release(second, Answer(status=429, wait=0.0))  # was in flight: old news
    assert float(await limiter._redis.hget(state, "p_interval")) == cut
    third = await limiter.acquire(HOST)  # planned after the cut: its 429 is news
    await limiter.release(third, Answer(status=429, wait=0.0))
    assert float(await limiter._redis.hget(state, "p_interval")) > cut
    assert float(await limiter._redis.hget(state, "p_growth")) == 1.01  # a ceiling: rise slowly


async def test_429s_right_after_the_gate_reopens_still_set_a_first_pace(
    limiter: RedisRateLimiter,
) -> None:
    # The first 429 comes before any answer: nothing to measure. The next comes just after
    # the gate reopened: the answers of the last two seconds measure the pace.
    await limiter.release(await limiter.acquire(HOST), Answer(status=429, wait=0.0))
    for _ in range(8):
        await limiter.release(await limiter.acquire(HOST), Answer(status=200))
    await limiter.release(await limiter.acquire(HOST), Answer(status=429, wait=0.0))
    assert float(await limiter._redis.hget(limiter.keys(HOST)[0], "p_interval")) > 0


# -- wired into the client -------------------------------------------------------------


async def test_clients_sharing_redis_send_nothing_while_a_429_holds_the_gate(
    redis_url: str, prefix: str
) -> None:
    retry = RetryPolicy(max_wait=30)
    async with scripted_server() as server:
        server.queue("/api/v2/me", Reply(status=429, headers={"Retry-After": "600"}))
        async with (
            RedisRateLimiter(redis_url, prefix=prefix) as first,
            RedisRateLimiter(redis_url, prefix=prefix) as second,
            CircleCI("t0ken", base_url=server.base_url, retry=retry, rate_limiter=first) as a,
            CircleCI("t0ken", base_url=server.base_url, retry=retry, rate_limiter=second) as b,
        ):
            with pytest.raises(RateLimitError):
                await a.users.me()
            with pytest.raises(RateLimitError) as caught:
                await b.users.me()
        assert server.count("/api/v2/me") == 1  # the second client sent nothing
    assert "not sent" in str(caught.value) and caught.value.path == "/api/v2/me"


async def test_a_budget_announced_to_one_client_holds_back_another(
    redis_url: str, prefix: str
) -> None:
    spent = {"RateLimit-Remaining": "0", "RateLimit-Reset": "300"}
    retry = RetryPolicy(max_wait=30)
    async with scripted_server() as server:
        server.queue(
            "/api/v2/me", Reply(body={"id": "1", "login": "x", "name": "X"}, headers=spent)
        )
        async with (
            RedisRateLimiter(redis_url, prefix=prefix) as first,
            RedisRateLimiter(redis_url, prefix=prefix) as second,
            CircleCI("t0ken", base_url=server.base_url, retry=retry, rate_limiter=first) as a,
            CircleCI("t0ken", base_url=server.base_url, retry=retry, rate_limiter=second) as b,
        ):
            await a.users.me()
            with pytest.raises(RateLimitError) as caught:
                await b.users.me()
        assert server.count("/api/v2/me") == 1
    assert caught.value.retry_after is not None and 290 < caught.value.retry_after <= 300


# -- across OS processes ------------------------------------------------------------------


def test_a_429_in_one_process_gates_another(redis_url: str, prefix: str) -> None:
    assert run_worker("probe", redis_url, prefix, HOST) == {"refused": False, "degraded": False}
    assert run_worker("record_429", redis_url, prefix, HOST, "900")["recorded"]
    seen = run_worker("probe", redis_url, prefix, HOST)
    assert seen["refused"] and not seen["degraded"]
    assert 0 < seen["retry_after"] <= 900
    assert "not sent" in seen["message"]


def test_processes_together_stay_under_max_concurrency(redis_url: str, prefix: str) -> None:
    counter = f"{prefix}:counter"
    results = run_workers(
        4, "hammer", redis_url, prefix, HOST, counter, "15", "4", options={"max_concurrency": 3}
    )
    assert sum(r["done"] for r in results) == 60
    assert max(r["highest"] for r in results) <= 3
    assert not any(r["degraded"] for r in results)


async def test_processes_together_spend_exactly_the_budget(
    limiter: RedisRateLimiter, redis_url: str, prefix: str
) -> None:
    headers = {"RateLimit-Remaining": "10", "RateLimit-Reset": "3600"}
    await limiter.release(await limiter.acquire(HOST), Answer(status=200, headers=headers))
    results = await asyncio.to_thread(
        run_workers, 4, "spend", redis_url, prefix, HOST, "6", options={"spread": False}
    )
    assert sum(r["sent"] for r in results) == 10
    assert sum(r["refused"] for r in results) == 14
    assert min(r["min_wait"] for r in results if r["min_wait"] is not None) > 3000


async def test_a_dead_process_frees_its_slot_when_its_lease_ends(
    redis_url: str, prefix: str
) -> None:
    options = {"max_concurrency": 1, "lease": 0.5}
    assert run_worker("hold_and_die", redis_url, prefix, HOST, options=options)["holding"]
    async with RedisRateLimiter(redis_url, prefix=prefix, max_concurrency=1) as lim:
        inflight = lim.keys(HOST)[1]
        dead = await lim._redis.zrange(inflight, 0, -1)
        assert len(dead) == 1
        permit = await asyncio.wait_for(lim.acquire(HOST), 30)
        assert await lim._redis.zrange(inflight, 0, -1) == [permit.token.id.encode()]  # type: ignore[attr-defined]
        await lim.release(permit, Answer(status=200))


# -- Redis away ---------------------------------------------------------------------------


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "aiocircle.redis_limiter" and r.levelno == logging.WARNING
    ]


async def test_redis_stopped_mid_run_degrades_once_and_calls_keep_working(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    caplog.set_level(logging.INFO, logger="aiocircle.redis_limiter")
    with redis_server() as (url, proc):
        lim = RedisRateLimiter(url, prefix="mid-run", timeout=0.5, clock=clock)
        await lim.release(await lim.acquire(HOST), Answer(status=200))
        held = await lim.acquire(HOST)
        assert not lim.degraded
        proc.terminate()
        proc.wait(timeout=10)
        await asyncio.wait_for(lim.release(held, Answer(status=200)), 10)  # no crash, no hang
        for _ in range(5):
            permit = await asyncio.wait_for(lim.acquire(HOST), 10)
            await lim.release(permit, Answer(status=200))
        assert lim.degraded
        assert len(_warnings(caplog)) == 1
        assert "local fallback" in _warnings(caplog)[0].getMessage()
        clock.now += 31  # past reconnect_after: it tries Redis again, still away: no new warning
        await lim.release(await asyncio.wait_for(lim.acquire(HOST), 10), Answer(status=200))
        assert len(_warnings(caplog)) == 1
        await lim.aclose()


async def test_a_redis_that_never_answers_times_out_to_the_fallback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(-1)  # reads everything, answers nothing
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    fallback = Throttle(2)
    try:
        lim = RedisRateLimiter(
            f"redis://127.0.0.1:{port}/0", timeout=0.2, fallback=fallback, clock=FakeClock()
        )
        permit = await asyncio.wait_for(lim.acquire(HOST), 10)
        assert lim.degraded and len(_warnings(caplog)) == 1
        await lim.release(permit, Answer(status=429, wait=60.0))
        assert fallback.remaining(HOST) > 0  # the fallback took the 429
        with pytest.raises(RateLimitError):
            await lim.acquire(HOST, max_wait=1)
        await lim.aclose()
    finally:
        server.close()
        await server.wait_closed()


async def test_redis_back_after_an_outage_is_shared_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    caplog.set_level(logging.INFO, logger="aiocircle.redis_limiter")
    from _redis_server import free_port, stop

    port = free_port()
    lim = RedisRateLimiter(f"redis://127.0.0.1:{port}/0", prefix="back", clock=clock)
    await lim.release(await lim.acquire(HOST), Answer(status=200))
    assert lim.degraded
    with redis_server(port) as (_url, proc):
        await lim.release(await lim.acquire(HOST), Answer(status=200))
        assert lim.degraded  # not yet time to try again
        clock.now += 31
        permit = await lim.acquire(HOST)
        assert not lim.degraded
        await lim.release(permit, Answer(status=429, wait=100.0))
        assert await lim._redis.exists(lim.keys(HOST)[0])
        await lim.aclose()
        stop(proc)
    assert any("back" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)
    assert len(_warnings(caplog)) == 1
