"""The concurrency slots and the per-host cooldown gate, on a fake clock."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from _loopback import FakeClock, VirtualClock

from aiocircle import Answer, RateLimitError
from aiocircle._throttle import Throttle


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
