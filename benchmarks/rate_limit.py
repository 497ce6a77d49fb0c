"""Goodput under CircleCI's rate limit: list and harvest at concurrency 64 against R requests/s.

    python benchmarks/rate_limit.py [--rate 50] [--burst 10] [--pipelines 200] [--max-seconds 120]

The fake CircleCI runs in a child process (see _fakeproc.py) with a token bucket on its API
listener: `--burst` requests at once, refilled at `--rate` per second. A throttled request gets
429 with an integer `Retry-After` (whole seconds, rounded up, at least 1), as CircleCI sends it.
Artifact hosts and storage are not limited. Every request waits `--latency` (20 ms) first.

aiocircle (`max_concurrency=64`) lists the project's pipelines, then harvests every pipeline with
`cci.bulk.map(pipelines, ..., concurrency=64)`, each item being
`cci.artifacts.download_pipeline(id, dest, concurrency=64)`: workflows, jobs, artifact lists (all
API requests, all limited) and the downloads. With the default data set that is about 1,000 API
requests, 20 s at R=50 if every request got through the first time.

It prints, from the fake's own log: goodput (API requests answered 2xx per second of the run) as
a share of R, the share of API requests answered 429, and a per-second timeline. Targets: goodput
at least 90 % of R with under 5 % of the requests answered 429. `--max-seconds` bounds the run;
what was done by then is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fakeproc import FakeProcess

CONCURRENCY = 64


def api_counts(stats: dict[str, Any]) -> tuple[int, int, int]:
    """(API answers 2xx, API answers 429, all API requests) from a `stats` answer."""
    ok = limited = total = 0
    for key, count in stats["statuses"].items():
        listener, _, status = key.partition(" ")
        if listener != "api":
            continue
        total += count
        if status.isdigit() and 200 <= int(status) < 300:
            ok += count
        elif status == "429":
            limited += count
    return ok, limited, total


async def timeline(fake: FakeProcess, marks: list[tuple[float, int, int]], t0: float) -> None:
    """Every second, the fake's cumulative (2xx, 429) API answers."""
    for _ in range(100_000):
        await asyncio.sleep(1.0)
        ok, limited, _ = api_counts(await asyncio.to_thread(fake.stats))
        marks.append((time.perf_counter() - t0, ok, limited))


async def harvest(
    fake: FakeProcess, slug: str, dest: Path, max_seconds: float
) -> tuple[float, bool, Counter[str], list[tuple[float, int, int]]]:
    from aiocircle import CircleCI, DownloadReport, RetryPolicy

    info = fake.info
    outcomes: Counter[str] = Counter()

    def on_retry(event: Any) -> None:
        outcomes[f"retry after {event.status}"] += 1

    marks: list[tuple[float, int, int]] = []
    host = info["artifacts_host"].removeprefix("http://")
    async with CircleCI(
        token=info["token"],
        base_url=info["base_url"],
        artifact_hosts=(host,),
        max_concurrency=CONCURRENCY,
        retry=RetryPolicy(on_retry=on_retry),
    ) as cci:

        async def one(pipeline: Any) -> DownloadReport:
            folder = dest / f"pipeline-{pipeline.number}"
            return await cci.artifacts.download_pipeline(
                pipeline.id, folder, concurrency=CONCURRENCY
            )

        started = time.perf_counter()
        ticker = asyncio.create_task(timeline(fake, marks, started))
        finished = False
        try:
            async with asyncio.timeout(max_seconds):
                pipelines = await cci.pipelines.list(slug).collect()
                result = await cci.bulk.map(pipelines, one, concurrency=CONCURRENCY)
                finished = True
        except TimeoutError:
            pass
        elapsed = time.perf_counter() - started
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
    if finished:
        from aiocircle.bulk import Success

        for outcome in result.outcomes:  # Pipeline models are not hashable: no .values
            if isinstance(outcome, Success):
                outcomes["pipelines harvested"] += 1
                report = outcome.value
                outcomes["artifacts downloaded"] += len(report.downloaded)
                outcomes["artifacts failed"] += len(report.failed)
                outcomes["jobs not listed"] += len(report.listing)
            else:
                outcomes[f"pipelines failed: {type(outcome.error).__name__}"] += 1
    return elapsed, finished, outcomes, marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="R, API requests/s per token")
    parser.add_argument("--burst", type=int, default=10, help="token bucket size")
    parser.add_argument("--pipelines", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--tmp", default=None, help="folder for the downloads (default: temp)")
    args = parser.parse_args()
    fake_args = ["--pipelines", str(args.pipelines), "--jobs", "3", "--artifacts", "2",
                 "--artifact-size", "0:4096", "--latency", str(args.latency),
                 "--rate", str(args.rate), "--burst", str(args.burst)]  # fmt: skip
    with FakeProcess(*fake_args) as fake:
        workflows = fake.command("workflows")
        slug = workflows[0]["slug"]
        api_needed = -(-args.pipelines // 20) + sum(
            2 + len(w["job_numbers"]) for w in workflows
        )  # pipeline pages + per pipeline: workflows, jobs, one artifact list per job
        print(
            f"rate limit R={args.rate:g}/s, burst {args.burst}, integer Retry-After; "
            f"latency {args.latency * 1000:.0f} ms; {args.pipelines} pipelines, "
            f"{len(workflows)} workflows, {sum(w['artifacts'] for w in workflows)} artifacts; "
            f"{api_needed} API requests without retries (>= {api_needed / args.rate:.0f} s at R); "
            f"max_concurrency={CONCURRENCY}, download concurrency {CONCURRENCY}; "
            f"fake in a child process; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f}"
        )
        fake.reset()
        with tempfile.TemporaryDirectory(prefix="aiocircle-ratelimit-", dir=args.tmp) as folder:
            elapsed, finished, outcomes, marks = asyncio.run(
                harvest(fake, slug, Path(folder), args.max_seconds)
            )
        stats = fake.stats()
    ok, limited, total = api_counts(stats)
    goodput = ok / elapsed
    ceiling = args.rate + args.burst / elapsed
    print(
        f"\n{'finished' if finished else 'STOPPED at --max-seconds'} after {elapsed:.1f} s; "
        f"API requests: {total} ({ok} 2xx, {limited} 429, {total - ok - limited} other); "
        f"artifact host {stats['listeners'].get('artifacts', 0)}, "
        f"storage {stats['listeners'].get('storage', 0)}; peak in flight {stats['peak_in_flight']}"
    )
    print(
        f"goodput: {goodput:.1f} API requests/s = {goodput / args.rate:.0%} of R "
        f"(the bucket allows at most {ceiling:.1f}/s = {ceiling / args.rate:.0%} over this run; "
        f"target >= 90%)"
    )
    print(f"answered 429: {limited / max(1, total):.1%} of API requests (target < 5%)")
    expected = sum(w["artifacts"] for w in workflows)
    done = f"{outcomes['artifacts downloaded']}" if finished else "? (stopped)"
    print(
        f"harvested {done} of {expected} artifacts; client side: "
        + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
    )
    line, previous = [], (0.0, 0, 0)
    for mark in marks:
        line.append(f"{mark[1] - previous[1]}/{mark[2] - previous[2]}")
        previous = mark
    print("per 1 s sample, 2xx/429: " + " ".join(line))


if __name__ == "__main__":
    main()
