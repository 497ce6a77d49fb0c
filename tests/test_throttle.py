"""The concurrency slots and the per-host cooldown gate, on a fake clock."""

from __future__ import annotations

import asyncio

import pytest
from _loopback import FakeClock

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


async def test_after_a_cooldown_the_gate_reopens_one_request_at_a_time() -> None:
    throttle, _ = make(max_concurrency=4)
    throttle.cooldown("h", 1.0)
    assert throttle.allowance("h") == 1
    throttle.answered("h")
    throttle.answered("h")
    assert throttle.allowance("h") == 3
    throttle.answered("h")
    assert throttle.allowance("h") == 4
    throttle.answered("h")
    assert throttle.allowance("h") == 4
    assert throttle.allowance("other") == 4


async def test_requests_beyond_the_allowance_wait_for_room() -> None:
    throttle, _ = make(max_concurrency=4)
    throttle.cooldown("h", 0.0)
    in_flight = peak = 0

    async def use() -> None:
        nonlocal in_flight, peak
        async with throttle.slot("h"):
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0)
            in_flight -= 1
        throttle.answered("h")

    # The first goes alone; its answer lets two in. A plain semaphore would let all three in.
    await asyncio.gather(use(), use(), use())
    assert peak == 2
    assert throttle.allowance("h") == 4
