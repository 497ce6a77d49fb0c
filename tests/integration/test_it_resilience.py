"""The real client against FakeCircleCI under rate limits, random faults and scripted failures:
retries give complete, correct results; the 429 cooldown; `max_concurrency` on the wire.

Run with `-s` to see the 429 figures the burst tests print.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from _it_helpers import FAST_RETRY, faults, read_everything, seeded_fake, slugs, statuses

from aiocircle import RetryEvent, RetryPolicy, ServerError, Throttle, TransportError
from aiocircle.testing import FakeCircleCI, Faults, RateLimit

ME = "GET /me"
PIPELINES = "GET /project/{project-slug}/pipeline"
TRIGGER = "POST /project/{project-slug}/pipeline"


def _report(label: str, fake: FakeCircleCI) -> tuple[int, int]:
    """Print and return (429 answers, all API answers) of the fake since its last reset."""
    limited = statuses(fake, 429)
    total = sum(1 for r in fake.stats.requests if r.listener == "api")
    print(f"\n[429s] {label}: {limited} of {total} requests answered 429 ({limited / total:.0%})")
    return limited, total


# --- complete results through retries -------------------------------------------------------


async def test_lists_come_back_complete_and_in_order_through_the_rate_limiter() -> None:
    # A patient policy: this test is about pages retried after 429s coming back whole and in
    # order. How many attempts the default policy needs under a limiter is the subject of
    # test_a_burst_under_an_exact_retry_after_completes_with_the_default_policy below.
    patient = RetryPolicy(max_attempts=50, backoff_base=0.01)
    async with seeded_fake() as fake, fake.client(retry=patient) as cci:
        expected = await read_everything(cci, slugs(fake))
        fake.reset_stats()
        # No rate-limit headers: with them the client paces to the budget and meets no 429.
        fake.knobs.rate_limit = RateLimit(
            rate=300, burst=10, fractional_retry_after=True, headers=False
        )
        got = await read_everything(cci, slugs(fake))

    _report("paginated reads under RateLimit(rate=300, burst=10)", fake)
    assert faults(fake, "rate_limit") > 0  # the limiter did bite
    assert got == expected
    assert len(got) > 100 and all(got.values())


async def test_lists_come_back_complete_and_in_order_through_random_5xx_and_resets() -> None:
    retry = RetryPolicy(max_attempts=15, backoff_base=0.01, backoff_cap=0.05)
    async with seeded_fake() as fake, fake.client(retry=retry) as cci:
        expected = await read_everything(cci, slugs(fake))
        fake.reset_stats()
        fake.knobs.faults = Faults(error_rate=0.25, reset_rate=0.05, listeners={"api"})
        got = await read_everything(cci, slugs(fake))

    assert faults(fake, "error") > 20 and faults(fake, "reset") > 3
    assert {r.status for r in fake.stats.requests if r.fault == "error"} == {500, 502, 503}
    assert got == expected


async def test_scripted_failures_of_gets_and_idempotent_posts_are_retried() -> None:
    retries: list[RetryEvent] = []
    retry = RetryPolicy(backoff_base=0.01, on_retry=retries.append)
    async with seeded_fake() as fake, fake.client(retry=retry) as cci:
        slug = slugs(fake)[0]
        expected_jobs = await cci.workflows.jobs(next(iter(fake.state.workflows))).collect()
        fake.reset_stats()

        fake.fail_next("/me", status=503, times=2)
        me = await cci.users.me()
        fake.fail_next("/me", status=429, body="Rate limited.", headers={"Retry-After": "0"})
        again = await cci.users.me()
        fake.fail_next("*/workflow/*/job", status=502, times=3)
        jobs = await cci.workflows.jobs(next(iter(fake.state.workflows))).collect()
        # Two resets: aiohttp itself resends an idempotent request once on a dropped
        # keep-alive connection, so the second reset is the one aiocircle sees.
        fake.fail_next(f"/project/{slug}/pipeline", reset=True, times=2)
        pipelines = await cci.pipelines.list(slug).collect()

        created = await cci.pipelines.trigger(slug)
        [workflow] = await cci.pipelines.workflows(created.id).collect()
        fake.fail_next(f"/workflow/{workflow.id}/cancel", status=500, method="POST")
        canceled = await cci.workflows.cancel(workflow.id)

    assert me.id == again.id == fake.state.me.id
    assert jobs == expected_jobs
    assert [p.number for p in pipelines] == [6, 5, 4, 3, 2, 1]
    assert canceled.message == "Accepted."
    assert fake.state.workflows[workflow.id].status == "canceled"
    assert fake.stats.count(ME) == 2 + 1 + 1 + 1
    seen = [e.status for e in retries]
    assert [status for status in seen if status is not None] == [503, 503, 429, 502, 502, 502, 500]
    assert None in seen  # the dropped connection was retried by aiocircle
    assert faults(fake, "reset") == 2
    assert fake.failures.rules == []  # every scripted failure fired


async def test_a_failed_page_is_retried_without_restarting_the_list() -> None:
    async with seeded_fake() as fake, fake.client(retry=FAST_RETRY) as cci:
        slug = slugs(fake)[0]
        expected = await cci.pipelines.list(slug).collect()
        fake.reset_stats()
        got = []
        async for page in cci.pipelines.list(slug).pages():
            got.extend(page.items)
            if len(got) == 2:  # the second page fails twice, then answers
                fake.fail_next(f"/project/{slug}/pipeline", status=503, times=2)

    assert got == expected
    pages = [r for r in fake.stats.requests if r.route == PIPELINES]
    assert [r.status for r in pages] == [200, 503, 503, 200, 200]
    assert pages[1].query == pages[2].query == pages[3].query != pages[0].query


async def test_non_idempotent_posts_are_not_retried_after_a_5xx_or_a_reset() -> None:
    async with seeded_fake() as fake, fake.client(retry=FAST_RETRY) as cci:
        slug = slugs(fake)[0]
        before = len(fake.state.project(slug).pipelines)
        fake.fail_next(f"/project/{slug}/pipeline", status=503, method="POST")
        with pytest.raises(ServerError) as failed:
            await cci.pipelines.trigger(slug)
        fake.fail_next(f"/project/{slug}/pipeline", reset=True, method="POST")
        with pytest.raises(TransportError) as dropped:
            await cci.pipelines.trigger(slug)
        workflow_id = next(iter(fake.state.workflows))
        workflows_before = len(fake.state.workflows)
        fake.fail_next(f"/workflow/{workflow_id}/rerun", status=502)
        with pytest.raises(ServerError):
            await cci.workflows.rerun(workflow_id)

    assert failed.value.status == 503
    assert dropped.value.request_sent  # the server may have acted: not retried
    assert fake.stats.count(TRIGGER) == 2
    assert fake.stats.count("POST /workflow/{id}/rerun") == 1
    assert len(fake.state.project(slug).pipelines) == before
    assert len(fake.state.workflows) == workflows_before


async def test_a_429_on_a_trigger_is_retried_and_starts_exactly_one_pipeline() -> None:
    async with seeded_fake() as fake, fake.client(retry=FAST_RETRY) as cci:
        slug = slugs(fake)[0]
        before = len(fake.state.project(slug).pipelines)
        fake.fail_next(
            f"/project/{slug}/pipeline",
            status=429,
            method="POST",
            times=2,
            headers={"Retry-After": "0.02"},
        )
        created = await cci.pipelines.trigger(slug, branch="main")

    assert fake.stats.count(TRIGGER) == 3
    assert len(fake.state.project(slug).pipelines) == before + 1
    assert fake.state.project(slug).pipelines[-1].id == created.id


# --- the 429 cooldown -----------------------------------------------------------------------


async def test_a_429_pauses_every_request_of_the_client_until_retry_after() -> None:
    pause = 0.3
    gate_closed = asyncio.Event()  # on_retry runs once the 429 has closed the gate
    retry = RetryPolicy(backoff_base=0.01, on_retry=lambda event: gate_closed.set())
    async with seeded_fake() as fake, fake.client(retry=retry) as cci:
        slug = slugs(fake)[0]
        fake.fail_next("/me", status=429, headers={"Retry-After": str(pause)})
        started = time.monotonic()
        first = asyncio.create_task(cci.users.me())
        await gate_closed.wait()
        other = asyncio.create_task(cci.projects.get(slug))  # another endpoint
        await asyncio.sleep(pause / 2)
        sent_during_pause = [r.route for r in fake.stats.requests]
        project, me = await other, await first
        waited = time.monotonic() - started

    assert sent_during_pause == [ME]  # only the 429 itself: nothing slipped through
    assert project.slug == slug and me.id == fake.state.me.id
    assert waited >= pause
    assert fake.stats.count("GET /project/{project-slug}") == 1 and fake.stats.count(ME) == 2


async def test_the_cooldown_keeps_429s_to_one_herd_per_refill_window() -> None:
    # CircleCI's Retry-After is whole seconds: after the first 429 the client pauses for a
    # second, in which the bucket refills completely (rate x 1 s >= burst). So the 429s are the
    # requests already in flight when the bucket ran dry -- at most max_concurrency of them --
    # and none after the pause, because the 100 calls left fit in the refilled bucket. Without
    # the cooldown every call beyond the burst earns its own 429 (about 100 here). No rate-limit
    # headers: with them the client spreads its requests and meets no 429 at all.
    calls, concurrency = 200, 16
    limit = RateLimit(rate=100, burst=100, headers=False)
    async with (
        FakeCircleCI(latency=0.002, rate_limit=limit) as fake,
        fake.client(max_concurrency=concurrency) as cci,
    ):
        users = await asyncio.gather(*(cci.users.me() for _ in range(calls)))
    limited, total = _report(f"{calls} concurrent calls, max_concurrency={concurrency}", fake)
    assert {u.id for u in users} == {fake.state.me.id} and len(users) == calls
    assert 0 < limited <= concurrency
    assert total == calls + limited


async def test_the_cooldown_cannot_recall_requests_already_in_flight() -> None:
    # The contrast: with max_concurrency as high as the number of calls (and an answer slower
    # than sending them all), every call is on the wire before the first 429 comes back, so
    # each call beyond the burst gets its 429 before the gate can close: one per task.
    # max_concurrency, not the cooldown, bounds that first herd. (120 calls, not 200: the
    # fake's listen backlog is 128 connections, and SYNs beyond it are resent a second later.)
    # Slow start is off and the host states no budget: both would keep the herd small.
    calls = 120
    limit = RateLimit(rate=60, burst=60, headers=False)
    no_slow_start = Throttle(calls, initial_window=calls)
    async with (
        FakeCircleCI(latency=0.1, rate_limit=limit) as fake,
        fake.client(max_concurrency=calls, rate_limiter=no_slow_start) as cci,
    ):
        users = await asyncio.gather(*(cci.users.me() for _ in range(calls)))
    limited, _ = _report(f"{calls} concurrent calls, max_concurrency={calls}", fake)
    assert len(users) == calls
    assert fake.stats.peak_in_flight["api"] == calls
    # About calls - burst; a few tokens refill while the answers are being decided.
    assert limited >= (calls - limit.burst) * 3 // 4


async def test_a_burst_under_an_exact_retry_after_completes_with_the_default_policy() -> None:
    # fractional_retry_after makes Retry-After exact: the time until the bucket holds one
    # request. A client that honours it never needs many attempts: sent one at a time, a call
    # meets at most one 429 per refill (max_concurrency=1 below gets through every time).
    # With the default max_concurrency the gate releases up to 16 waiting requests at the
    # moment it reopens, into a bucket that holds one: 15 of them earn another 429, and a
    # call that loses six such races in a row fails although every wait was honoured.
    calls = 200
    limit = RateLimit(rate=150, burst=20, fractional_retry_after=True)
    results: dict[int, list[object]] = {}
    for concurrency in (1, 16):
        async with (
            FakeCircleCI(latency=0.002, rate_limit=limit) as fake,
            fake.client(max_concurrency=concurrency) as cci,
        ):
            results[concurrency] = await asyncio.gather(
                *(cci.users.me() for _ in range(calls)), return_exceptions=True
            )
        lost = sum(isinstance(r, Exception) for r in results[concurrency])
        _report(f"exact Retry-After, max_concurrency={concurrency}, {lost} calls lost", fake)

    for concurrency, outcome in results.items():
        errors = [repr(r) for r in outcome if isinstance(r, Exception)]
        assert errors == [], f"max_concurrency={concurrency}: {len(errors)} calls failed"


# --- max_concurrency ------------------------------------------------------------------------


@pytest.mark.parametrize("concurrency", [1, 3, 8])
async def test_max_concurrency_caps_the_requests_in_flight_and_is_reached(
    concurrency: int,
) -> None:
    async with seeded_fake(latency=0.03) as fake, fake.client(max_concurrency=concurrency) as cci:
        slug = slugs(fake)[0]
        work = [cci.users.me() for _ in range(2 * concurrency)]
        work += [cci.pipelines.list(slug).collect() for _ in range(concurrency)]
        await asyncio.gather(*work)
    assert fake.stats.peak_in_flight["api"] == concurrency


async def test_max_concurrency_holds_while_requests_are_retried() -> None:
    # Requests waiting out a backoff, a Retry-After or the cooldown hold no slot; the slots
    # they give back must not let more than max_concurrency attempts onto the wire.
    concurrency = 6
    patient = RetryPolicy(max_attempts=50, backoff_base=0.01, backoff_cap=0.05)
    async with seeded_fake(latency=0.005) as fake:
        fake.knobs.faults = Faults(error_rate=0.2, listeners={"api"})
        fake.fail_next("*/workflow/*/job", status=429, times=4, headers={"Retry-After": "0.02"})
        async with fake.client(max_concurrency=concurrency, retry=patient) as cci:
            got = await read_everything(cci, slugs(fake)[:1])
    assert faults(fake, "error") > 0 and faults(fake, "fail_next") == 4
    assert fake.stats.peak_in_flight["api"] == concurrency
    assert all(got.values()) and len(got) > 30
