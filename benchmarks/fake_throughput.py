"""How many small JSON requests per second the fake CircleCI serves (loopback only).

    python benchmarks/fake_throughput.py [--seconds 3] [--concurrency 32]

A raw aiohttp client alternates `GET /me` and `GET /project/{slug}/pipeline` with `concurrency`
requests in flight, for `seconds` or `--max-requests`, whichever ends first. It runs twice:
with the fake in this process (client and server share one core's event loop), and with the fake
in a subprocess (`python -m aiocircle.testing`), which measures the server more honestly on a
small machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
try:
    import aiocircle.testing  # noqa: F401
except ImportError:  # run from a checkout without installing it
    sys.path.insert(0, str(ROOT))

from aiocircle.testing import Dataset, FakeCircleCI  # noqa: E402

SLUG = "gh/acme/repo-0"


async def hammer(
    base_url: str, token: str, *, seconds: float, concurrency: int, max_requests: int
) -> tuple[int, int, float]:
    """(requests answered 200, other answers, elapsed seconds)."""
    urls = [f"{base_url}/me", f"{base_url}/project/{SLUG}/pipeline"]
    ok = failed = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(
        connector=connector, headers={"Circle-Token": token}
    ) as session:

        async def worker(offset: int) -> None:
            nonlocal ok, failed
            index = offset
            while ok + failed < max_requests and time.perf_counter() < deadline:
                async with session.get(urls[index % 2]) as response:
                    await response.read()
                    if response.status == 200:
                        ok += 1
                    else:
                        failed += 1
                index += 1

        started = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for offset in range(concurrency):
                group.create_task(worker(offset))
        elapsed = time.perf_counter() - started
    return ok, failed, elapsed


def report(label: str, ok: int, failed: int, elapsed: float) -> None:
    print(f"{label}: {ok / elapsed:,.0f} requests/s ({ok} ok, {failed} failed, {elapsed:.2f} s)")


async def in_process(args: argparse.Namespace) -> None:
    dataset = Dataset(projects=1, pipelines_per_project=60)
    async with FakeCircleCI(dataset=dataset) as fake:
        result = await hammer(
            fake.base_url,
            fake.token,
            seconds=args.seconds,
            concurrency=args.concurrency,
            max_requests=args.max_requests,
        )
    report("fake in this process      ", *result)


async def in_subprocess(args: argparse.Namespace) -> None:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    command = [sys.executable, "-m", "aiocircle.testing", "--port", "0", "--pipelines", "60"]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, env=env, cwd=ROOT
    )
    try:
        assert process.stdout is not None
        found: dict[str, str] = {}
        while not {"base_url", "token"} <= found.keys():
            line = (await process.stdout.readline()).decode()
            if not line:
                raise RuntimeError("python -m aiocircle.testing exited before printing its URL")
            name, _, value = line.strip().partition(": ")
            found[name] = value
        result = await hammer(
            found["base_url"],
            found["token"],
            seconds=args.seconds,
            concurrency=args.concurrency,
            max_requests=args.max_requests,
        )
    finally:
        process.terminate()
        await process.wait()
    report("fake in a subprocess      ", *result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--max-requests", type=int, default=200_000)
    args = parser.parse_args()
    print(f"GET /me and GET /project/{SLUG}/pipeline, concurrency {args.concurrency}")
    asyncio.run(in_process(args))
    asyncio.run(in_subprocess(args))


if __name__ == "__main__":
    main()
