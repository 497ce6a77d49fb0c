"""The throttle on a fake clock (slots, cooldown gate, 429 pace, slow start, header pacing),
then against the fake over TCP."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter

import pytest
from _loopback import FakeClock, VirtualClock

from aiocircle import Answer, Permit, RateLimitError, RetryPolicy
from aiocircle._throttle import Throttle
from aiocircle.testing import FakeCircleCI, RateLimit


def make(max_concurrency: int = 2) -> tuple[Throttle, FakeClock]:
    clock = FakeClock(start=0.0)
    return Throttle(max_concurrency, clock=clock.monotonic, sleep=clock.sleep), clock


async def test_open_gate_does_not_sleep() -> None:
    throttle, clock = make()
    async with throttle.slot("h"):
        pass
    assert clock.sleeps == []


async def test_closed_gate_sleeps_until_it_reopens() -> None:
    throttle, clock = make()
    throttle.cooldown("h", 5.0)
    async with throttle.slot("h"):
        assert clock.now == 5.0
    assert clock.sleeps == [5.0]


async def test_cooldown_is_per_host() -> None:
    throttle, clock = make()
    throttle.cooldown("a", 5.0)
    async with throttle.slot("b"):
        pass
    assert clock.sleeps == []


async def test_shorter_cooldown_never_shortens_a_longer_one() -> None:
    throttle, _ = make()
    throttle.cooldown("h", 10.0)
    throttle.cooldown("h", 1.0)
    assert throttle.remaining("h") == 10.0


async def test_waiting_on_the_gate_gives_the_slot_back() -> None:
    throttle, _ = make(max_concurrency=1)
    throttle.cooldown("limited", 3.0)
    order: list[str] = []

    async def use(host: str) -> None:
        async with throttle.slot(host):
            order.append(host)

    await asyncio.gather(use("limited"), use("free"))
    assert order == ["free", "limited"]


def test_max_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Throttle(0, clock=lambda: 0.0, sleep=asyncio.sleep)


def answers(throttle: Throttle, clock: FakeClock, count: int, over: float) -> None:
    for _ in range(count):
        throttle.answered("h")
        clock.now += over / count


async def test_a_first_429_with_little_history_only_closes_the_gate() -> None:
    throttle, clock = make()
    answers(throttle, clock, 2, over=1.0)
    throttle.cooldown("h", 1.0)
    assert throttle.rate("h") is None
    assert throttle.remaining("h") == 1.0


async def test_a_first_429_paces_the_host_just_under_its_recent_answers() -> None:
    throttle, clock = make()
    answers(throttle, clock, 20, over=1.0)
    throttle.cooldown("h", 1.0)
    clock.now += 1.0  # the pace starts growing once the gate reopens
    assert throttle.rate("h") == pytest.approx(0.9 * 20 / 1.0, rel=0.01)
    assert throttle.rate("other") is None


async def test_429s_to_requests_already_in_flight_lower_the_pace_once() -> None:
    throttle, clock = make()
    answers(throttle, clock, 20, over=1.0)
    for _ in range(30):  # a burst that was on the wire when the first 429 came back
        throttle.cooldown("h", 1.0)
    clock.now += 1.0
    assert throttle.rate("h") == pytest.approx(18.0, rel=0.01)


async def test_a_later_429_lowers_the_pace_by_a_tenth_then_it_grows_slowly() -> None:
    throttle, clock = make()
    answers(throttle, clock, 20, over=1.0)
    throttle.cooldown("h", 1.0)
    clock.now += 1.0
    answers(throttle, clock, 50, over=2.0)  # the host answers faster than the pace
    throttle.cooldown("h", 1.0)
    clock.now += 1.0
    paced = 18 * 1.1**2  # grew 10 % a second for the 2 s before the second 429
    assert throttle.rate("h") == pytest.approx(0.9 * paced, rel=0.01)
    clock.now += 10.0
    assert throttle.rate("h") == pytest.approx(0.9 * paced * 1.005**10, rel=0.01)


async def test_a_pace_that_outgrew_the_host_is_cut_from_what_it_answered() -> None:
    throttle, clock = make()
    answers(throttle, clock, 20, over=1.0)
    throttle.cooldown("h", 1.0)
    clock.now += 11.0  # probing: the pace grows 10 % a second, to about 47/s
    answers(throttle, clock, 24, over=2.0)  # while the host answers only 12 a second
    throttle.cooldown("h", 1.0)
    clock.now += 1.0
    assert throttle.rate("h") == pytest.approx(0.9 * 12, rel=0.01)


async def test_paced_attempts_are_spaced_by_the_pace() -> None:
    clock = VirtualClock(start=100.0)
    throttle = Throttle(8, clock=clock.monotonic, sleep=clock.sleep)
    for _ in range(20):
        throttle.answered("h")
        clock.now += 0.01
    throttle.cooldown("h", 0.05)  # 20 answers in under the 0.5 s floor: 36 attempts/s
    pace = throttle.rate("h")
    assert pace == pytest.approx(36.0, rel=0.01)
    starts: list[float] = []

    async def use() -> None:
        async with throttle.slot("h"):
            starts.append(clock.monotonic())

    await asyncio.gather(*(use() for _ in range(4)))
    assert starts[0] == pytest.approx(100.2 + 0.05)  # the first waits out the cooldown
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert gaps == pytest.approx([1 / pace] * 3, rel=0.02), gaps


async def test_a_wait_over_max_wait_is_refused_without_a_slot() -> None:
    throttle, clock = make(max_concurrency=1)
    throttle.cooldown("h", 300.0)
    with pytest.raises(RateLimitError) as caught:
        await throttle.acquire("h", max_wait=120.0)
    assert caught.value.retry_after == 300.0
    assert clock.sleeps == []
    permit = await throttle.acquire("other", max_wait=120.0)  # the one slot was given back
    await throttle.release(permit, Answer(status=200))


async def test_release_of_a_429_closes_the_gate_and_other_answers_pace() -> None:
    throttle, clock = make()
    permit = await throttle.acquire("h", max_wait=60.0)
    await throttle.release(permit, Answer(status=429, wait=7.0))
    assert throttle.remaining("h") == 7.0
    permit = await throttle.acquire("h", max_wait=60.0)
    assert clock.sleeps == [7.0]
    await throttle.release(permit, Answer(status=None))  # no answer: nothing measured
    assert len(throttle._hosts["h"].answers) == 0
    permit = await throttle.acquire("h", max_wait=60.0)
    await throttle.release(permit, Answer(status=500))
    assert len(throttle._hosts["h"].answers) == 1


async def test_a_pace_lapses_after_long_without_a_429_instead_of_overflowing() -> None:
    throttle, clock = make()
    answers(throttle, clock, 20, over=1.0)
    throttle.cooldown("h", 1.0)
    clock.now += 10 * 3600.0  # 1.1 ** 36000 would overflow a float
    assert throttle.rate("h") is None
    async with throttle.slot("h"):
        pass
    answers(throttle, clock, 20, over=1.0)
    throttle.cooldown("h", 1.0)  # a new 429 paces the host again
    clock.now += 1.0
    assert throttle.rate("h") is not None


async def test_a_429_to_an_attempt_sent_before_the_last_cut_does_not_cut_again() -> None:
    throttle, clock = make()
    answers(throttle, clock, 20, over=1.0)
    throttle.cooldown("h", 0.0)  # the first pace: 18/s
    first, second = await throttle.acquire("h"), await throttle.acquire("h")
    clock.now += 0.1
    await throttle.release(first, Answer(status=429, wait=0.0))  # cuts the pace
    cut = throttle.rate("h")
    assert cut is not None and cut < 18.0
    await throttle.release(second, Answer(status=429, wait=0.0))  # sent at the old pace
    assert throttle.rate("h") == cut


async def test_turns_planned_at_the_old_pace_are_planned_again_after_a_cut() -> None:
    clock = VirtualClock(start=0.0)
    throttle = Throttle(8, clock=clock.monotonic, sleep=clock.sleep)
    for _ in range(20):
        throttle.answered("h")
        clock.now += 0.05
    throttle.cooldown("h", 0.0)  # 20 answers in 1 s: 18/s
    starts: list[float] = []

    async def one() -> None:
        async with throttle.slot("h"):
            starts.append(clock.monotonic())

    async def cut_at_0_1() -> None:
        await clock.sleep(0.1)
        state = throttle._hosts["h"]
        state.rate, state.paced_since, state.cuts = 2.0, clock.now, state.cuts + 1
        state.next_start = clock.now

    await asyncio.gather(*(one() for _ in range(4)), cut_at_0_1())
    gaps = [b - a for a, b in itertools.pairwise(sorted(starts))]
    assert gaps[-1] == pytest.approx(0.5, rel=0.05)  # the last turns keep the new pace


# --- slow start ------------------------------------------------------------------------------


async def _granted(tasks: list[asyncio.Task[object]]) -> list[object]:
    """Let every ready task run, then the results of those that got their permit."""
    for _ in range(20):
        await asyncio.sleep(0)
    return [t.result() for t in tasks if t.done()]


async def test_a_cold_host_gets_four_in_flight_and_the_window_doubles_every_round_trip() -> None:
    throttle, clock = make(max_concurrency=64)
    tasks: list[asyncio.Task[object]] = [
        asyncio.create_task(throttle.acquire("h")) for _ in range(124)
    ]
    released: set[int] = set()
    rounds = []
    for _ in range(6):
        out = [p for p in await _granted(tasks) if id(p) not in released]
        rounds.append(len(out))
        for permit in out:
            released.add(id(permit))
            assert isinstance(permit, Permit)
            await throttle.release(permit, Answer(status=200))
    assert rounds == [4, 8, 16, 32, 64, 0]
    assert throttle.window("h") == 64  # capped at max_concurrency
    assert throttle.window("cold") == 4
    assert clock.sleeps == []


async def test_a_429_halves_the_window_but_not_below_where_it_started() -> None:
    throttle, _ = make(max_concurrency=64)
    for _ in range(20):
        permit = await throttle.acquire("h")
        await throttle.release(permit, Answer(status=200))
    assert throttle.window("h") == 24
    permit = await throttle.acquire("h")
    await throttle.release(permit, Answer(status=429, wait=0.0))
    assert throttle.window("h") == 12
    for _ in range(3):
        permit = await throttle.acquire("h")
        await throttle.release(permit, Answer(status=429, wait=0.0))
    assert throttle.window("h") == 4


async def test_no_answer_does_not_widen_the_window() -> None:
    throttle, _ = make(max_concurrency=64)
    permit = await throttle.acquire("h")
    await throttle.release(permit, Answer(status=None))
    assert throttle.window("h") == 4


async def test_waiting_for_a_window_holds_no_slot() -> None:
    throttle, _ = make(max_concurrency=5)
    held = [await throttle.acquire("narrow") for _ in range(4)]  # its whole window
    queued = asyncio.create_task(throttle.acquire("narrow"))
    await asyncio.sleep(0)
    assert not queued.done()
    other = await asyncio.wait_for(throttle.acquire("other"), 1.0)  # the fifth slot is free
    await throttle.release(other, Answer(status=200))
    await throttle.release(held[0], Answer(status=200))
    permit = await asyncio.wait_for(queued, 1.0)
    for p in [*held[1:], permit]:
        await throttle.release(p, Answer(status=200))


async def test_a_cancelled_window_waiter_leaves_the_window_whole() -> None:
    throttle, _ = make(max_concurrency=8)
    held = [await throttle.acquire("h") for _ in range(4)]
    queued = asyncio.create_task(throttle.acquire("h"))
    await asyncio.sleep(0)
    queued.cancel()
    with pytest.raises(asyncio.CancelledError):
        await queued
    for p in held:
        await throttle.release(p, Answer(status=None))
    again = [await asyncio.wait_for(throttle.acquire("h"), 1.0) for _ in range(4)]
    assert len(again) == 4


def test_initial_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="initial_window"):
        Throttle(4, initial_window=0)


async def test_slow_start_can_be_turned_off() -> None:
    throttle = Throttle(32, initial_window=32)
    held = [await asyncio.wait_for(throttle.acquire("h"), 1.0) for _ in range(32)]
    assert len(held) == 32


# --- pacing from rate-limit headers ---------------------------------------------------------


def stated(remaining: int, reset: float) -> dict[str, str]:
    return {"RateLimit-Remaining": str(remaining), "RateLimit-Reset": f"{reset:g}"}


def virtual(max_concurrency: int = 64) -> tuple[Throttle, VirtualClock]:
    clock = VirtualClock(start=0.0)
    return Throttle(max_concurrency, clock=clock.monotonic, sleep=clock.sleep), clock


async def learn(throttle: Throttle, headers: dict[str, str]) -> None:
    permit = await throttle.acquire("h")
    await throttle.release(permit, Answer(status=200, headers=headers))


async def starts_of(throttle: Throttle, clock: VirtualClock, count: int) -> list[float]:
    """Start times of ``count`` concurrent attempts, each answered at once without headers."""
    starts: list[float] = []

    async def one() -> None:
        permit = await throttle.acquire("h")
        starts.append(clock.monotonic())
        await throttle.release(permit, Answer(status=200))

    await asyncio.gather(*(one() for _ in range(count)))
    return sorted(starts)


async def test_a_stated_budget_is_spread_evenly_until_its_reset_starting_at_once() -> None:
    throttle, clock = virtual()
    await learn(throttle, stated(10, 5.0))
    assert throttle.budget("h") is not None
    starts = await starts_of(throttle, clock, 11)
    assert starts == pytest.approx([0.5 * k for k in range(10)] + [5.0])
    assert throttle.rate("h") is None  # the headers pace; no 429 pace was set


async def test_the_tighter_of_two_stated_limits_paces() -> None:
    throttle, clock = virtual()
    per_second_and_minute = {
        "X-RateLimit-Remaining-Second": "5",
        "X-RateLimit-Reset-Second": "1",
        "X-RateLimit-Remaining-Minute": "30",
        "X-RateLimit-Reset-Minute": "60",
    }
    await learn(throttle, per_second_and_minute)
    starts = await starts_of(throttle, clock, 4)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert gaps == pytest.approx([2.0] * 3)  # 30 in 60 s, not 5 in 1 s


async def test_requests_in_flight_when_a_budget_arrives_count_as_spent() -> None:
    throttle, clock = virtual()
    in_flight = [await throttle.acquire("h") for _ in range(3)]
    await learn(throttle, stated(3, 10.0))  # the 3 in flight may not be counted yet
    starts = await starts_of(throttle, clock, 1)
    assert starts == [10.0]
    for p in in_flight:
        await throttle.release(p, Answer(status=200))


async def test_a_newer_budget_that_came_while_sleeping_is_planned_against() -> None:
    throttle, clock = virtual()
    await learn(throttle, stated(10, 10.0))  # one a second
    first = await throttle.acquire("h")  # at 0
    second = await throttle.acquire("h")  # at 1
    assert clock.monotonic() == 1.0
    third = asyncio.create_task(throttle.acquire("h"))  # planned at 2

    async def tighter_at_1_5() -> None:
        await clock.sleep(0.5)
        await throttle.release(second, Answer(status=200, headers=stated(1, 10.0)))

    await tighter_at_1_5()
    permit = await third
    # 1 left with `first` still in flight: wait for the reset, 10 s after 1.5 s.
    assert clock.monotonic() == pytest.approx(11.5)
    for p in (first, permit):
        await throttle.release(p, Answer(status=200))


async def test_a_budget_spent_longer_than_max_wait_is_refused_without_sending() -> None:
    throttle, clock = virtual()
    await learn(throttle, stated(0, 3600.0))
    with pytest.raises(RateLimitError) as caught:
        await throttle.acquire("h", max_wait=120.0)
    assert caught.value.retry_after == pytest.approx(3600.0)
    assert clock.sleeps == []
    assert (await starts_of(throttle, clock, 0)) == []


async def test_a_retry_after_still_wins_over_a_budget() -> None:
    throttle, clock = virtual()
    permit = await throttle.acquire("h")
    headers = {**stated(0, 2.0), "Retry-After": "30"}
    await throttle.release(permit, Answer(status=429, wait=30.0, headers=headers))
    assert throttle.remaining("h") == 30.0
    assert throttle.rate("h") is None  # the headers pace this host, not the 429 measure
    starts = await starts_of(throttle, clock, 1)
    assert starts == [30.0]


async def test_a_429_without_retry_after_waits_for_the_stated_reset() -> None:
    throttle, _ = virtual()
    permit = await throttle.acquire("h")
    # Answer.wait without a Retry-After is the client's own backoff guess.
    await throttle.release(permit, Answer(status=429, wait=8.0, headers=stated(0, 2.0)))
    assert throttle.remaining("h") == 2.0


async def test_without_headers_nothing_is_paced_until_a_429() -> None:
    throttle, clock = virtual()
    await learn(throttle, {})
    assert throttle.budget("h") is None
    starts = await starts_of(throttle, clock, 8)
    assert starts == [0.0] * 8
    assert clock.sleeps == []


async def test_at_the_reset_only_the_stated_limit_starts_then_attempts_wait_for_news() -> None:
    throttle, clock = virtual()
    await learn(throttle, {**stated(0, 1.0), "RateLimit-Limit": "3"})
    starts: dict[int, float] = {}
    permits: dict[int, Permit] = {}

    async def one(n: int) -> None:
        permits[n] = await throttle.acquire("h")
        starts[n] = clock.monotonic()

    tasks = [asyncio.create_task(one(n)) for n in range(5)]
    await clock.sleep(1.5)
    assert sorted(starts.values()) == [1.0] * 3  # not all five into a refill of three
    first = permits[min(permits)]
    await throttle.release(
        first, Answer(status=200, headers={**stated(1, 1.0), "RateLimit-Limit": "3"})
    )
    await asyncio.gather(*tasks)
    # 1 left for the 2 still in flight: the two waiting go at the next reset.
    assert sorted(starts.values()) == [1.0] * 3 + [2.5] * 2


async def test_a_host_that_stops_stating_a_budget_is_no_longer_paced_by_it() -> None:
    throttle, clock = virtual()
    await learn(throttle, stated(2, 1.0))
    clock.now = 1.0
    await learn(throttle, {})
    assert throttle.budget("h") is None
    assert await starts_of(throttle, clock, 4) == [1.0] * 4


# --- against the fake over TCP ----------------------------------------------------------------


def _api_statuses(fake: FakeCircleCI) -> Counter[int]:
    return Counter(r.status for r in fake.stats.requests if r.listener == "api")


async def test_a_host_that_states_its_budget_refuses_none_of_a_64_task_burst() -> None:
    # Client and bucket share one virtual clock, so a busy machine cannot make the client's
    # pacing and the server's refill disagree: only what the headers say decides.
    clock = VirtualClock(start=1000.0)
    limit = RateLimit.headers_only(rate=100.0, burst=10)
    async with (
        FakeCircleCI(rate_limit=limit, clock=clock.monotonic) as fake,
        fake.client(max_concurrency=64, clock=clock) as cci,
    ):
        users = await asyncio.gather(*(cci.users.me() for _ in range(64)))
    assert len(users) == 64
    assert _api_statuses(fake) == {200: 64}


async def test_the_same_burst_without_headers_or_slow_start_is_refused() -> None:
    # The contrast that shows the fake does refuse a burst the client does not pace.
    limit = RateLimit(rate=100.0, burst=10, headers=False, fractional_retry_after=True)
    herd = Throttle(64, initial_window=64)
    patient = RetryPolicy(max_attempts=50, backoff_base=0.01, backoff_cap=0.05)
    async with (
        FakeCircleCI(rate_limit=limit) as fake,
        fake.client(max_concurrency=64, rate_limiter=herd, retry=patient) as cci,
    ):
        await asyncio.gather(*(cci.users.me() for _ in range(64)))
    statuses = _api_statuses(fake)
    assert statuses[200] == 64
    assert statuses[429] >= 20


async def test_slow_start_reaches_full_concurrency_on_an_unlimited_host() -> None:
    async with (
        FakeCircleCI(latency=0.05) as fake,
        fake.client(max_concurrency=64) as cci,
    ):
        await asyncio.gather(*(cci.users.me() for _ in range(320)))
    assert fake.stats.peak_in_flight["api"] == 64
    assert _api_statuses(fake) == {200: 320}


async def test_an_answer_in_between_does_not_restart_the_spread() -> None:
    throttle, clock = virtual()
    await learn(throttle, stated(10, 10.0))
    starts: list[float] = []

    async def one() -> None:
        permit = await throttle.acquire("h")
        starts.append(clock.monotonic())
        left = stated(10 - len(starts), 10.0 - clock.monotonic())
        await throttle.release(permit, Answer(status=200, headers=left))

    await asyncio.gather(*(one() for _ in range(5)))
    # Each answer says "9 in 10 s" of what is left: one every 10/9 s, not one per answer.
    assert [b - a for a, b in itertools.pairwise(starts)] == pytest.approx([10 / 9] * 4)


async def test_a_host_that_refills_before_its_reset_is_spent_as_it_refills() -> None:
    # A token bucket stating "9 left, full in 1 s" (whole seconds) while refilling faster.
    throttle, clock = virtual()
    bucket = {**stated(9, 1.0), "RateLimit-Limit": "10"}
    await learn(throttle, bucket)
    for _ in range(3):
        clock.now += 0.1
        await learn(throttle, bucket)  # still 9 left after 3 more: it refilled
    state = throttle._hosts["h"]
    assert state.refill_rate == pytest.approx(3 / 0.3)
    starts = await starts_of(throttle, clock, 10)
    # 9 at once instead of one every 1/9 s; the tenth when one more has refilled.
    assert starts == pytest.approx([0.3] * 9 + [0.4])
