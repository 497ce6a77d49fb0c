"""One OS process with its own RedisRateLimiter, driven by the Redis limiter tests.

    python _redis_worker.py MODE URL PREFIX HOST [ARGS...]

It prints one JSON line of what it saw.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

import redis.asyncio as aioredis

from aiocircle import Answer, RateLimitError, RedisRateLimiter


async def record_429(limiter: RedisRateLimiter, host: str, wait: str) -> dict[str, object]:
    permit = await limiter.acquire(host)
    await limiter.release(permit, Answer(status=429, wait=float(wait)))
    return {"recorded": True}


async def probe(limiter: RedisRateLimiter, host: str) -> dict[str, object]:
    try:
        permit = await limiter.acquire(host, max_wait=0)
    except RateLimitError as exc:
        return {"refused": True, "retry_after": exc.retry_after, "message": str(exc)}
    await limiter.release(permit, Answer(status=200))
    return {"refused": False}


async def hammer(
    limiter: RedisRateLimiter, host: str, url: str, counter: str, tasks: str, workers: str
) -> dict[str, object]:
    """``tasks`` attempts at once; each counts itself in flight in Redis while it holds.
    All ``workers`` processes start together (a barrier in Redis), so they contend."""
    client = aioredis.Redis.from_url(url)
    await client.incr(f"{counter}:ready")
    async with asyncio.timeout(60):
        # the other processes signal only through Redis: poll it
        while int(await client.get(f"{counter}:ready") or 0) < int(workers):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    highest = 0

    async def one() -> None:
        nonlocal highest
        permit = await limiter.acquire(host)
        try:
            highest = max(highest, int(await client.incr(counter)))
            await asyncio.sleep(0.005)
            await client.decr(counter)
        finally:
            await limiter.release(permit, Answer(status=200))

    async with asyncio.TaskGroup() as group:
        for _ in range(int(tasks)):
            group.create_task(one())
    await client.aclose()
    return {"highest": highest, "done": int(tasks)}


async def spend(limiter: RedisRateLimiter, host: str, tries: str) -> dict[str, object]:
    sent = refused = 0
    waits: list[float] = []
    for _ in range(int(tries)):
        try:
            permit = await limiter.acquire(host, max_wait=0)
        except RateLimitError as exc:
            refused += 1
            waits.append(exc.retry_after or 0.0)
            continue
        sent += 1
        await limiter.release(permit, Answer(status=200))
    return {"sent": sent, "refused": refused, "min_wait": min(waits, default=None)}


async def hold_and_die(limiter: RedisRateLimiter, host: str) -> dict[str, object]:
    await limiter.acquire(host)
    print(json.dumps({"holding": True}), flush=True)
    os._exit(0)  # dies holding its slot: no release, no cleanup


async def main() -> None:
    mode, url, prefix, host, *args = sys.argv[1:]
    options = json.loads(os.environ.get("LIMITER_OPTIONS", "{}"))
    limiter = RedisRateLimiter(url, prefix=prefix, **options)
    try:
        if mode == "record_429":
            result = await record_429(limiter, host, *args)
        elif mode == "probe":
            result = await probe(limiter, host)
        elif mode == "hammer":
            result = await hammer(limiter, host, url, *args)
        elif mode == "spend":
            result = await spend(limiter, host, *args)
        elif mode == "hold_and_die":
            result = await hold_and_die(limiter, host)
        else:
            raise SystemExit(f"unknown mode {mode}")
        result["degraded"] = limiter.degraded
        print(json.dumps(result), flush=True)
    finally:
        await limiter.aclose()


if __name__ == "__main__":
    asyncio.run(main())
