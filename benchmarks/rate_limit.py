"""Goodput under a rate limit: 1,000 GETs from 64 tasks in one process, for three kinds of server.

    python benchmarks/rate_limit.py [--variants retry-after,headers,window] [--rates 20,50]
                                    [--burst 10] [--requests 1000] [--tasks 64]
                                    [--limiter throttle] [--max-seconds 120]
    python benchmarks/rate_limit.py --scenario shared [--processes 4] [--tasks 16]
                                    [--variants retry-after,headers] [--rates 20,50]
    python benchmarks/rate_limit.py --scenario harvest [--rate 50] [--pipelines 200]

The fake CircleCI runs in a child process (see _fakeproc.py); every run sets a fresh rate limit
on its API listener (full buckets) and a new client (a cold limiter) sends `--requests` GETs of
`/me` from `--tasks` tasks, with `max_concurrency` = `--tasks` and the default retry policy.
The server variants (`aiocircle.testing.RateLimit`), at R requests/s:

- `retry-after`: a token bucket (R/s, `--burst`); a 429 says `Retry-After` (exact, fractional)
  and there are no rate-limit headers: the client learns the limit only from 429s;
- `headers`: the same bucket stating its budget on every answer (`RateLimit-*` and
  `X-RateLimit-*`: limit, remaining, seconds until the bucket is full, fractional); a 429 has
  no `Retry-After`;
- `window`: a fixed one-minute window of 60 x R requests, then 429 until it ends; every answer
  states what is left and when the window resets, and a 429 says `Retry-After` too.

Two more, not run by default: `retry-after-whole` and `headers-whole`, the same with whole
seconds, rounded up, as CircleCI sends them (a 10-request bucket refilled at 50/s is full in
0.2 s: a whole-second reset says "1").

Printed per run, from the fake's own log: goodput (answers 2xx per second of the run) as a
share of R, the share of requests answered 429, the peak of requests in flight at the fake and
what the client saw (retries, errors). Targets, in one process when headers are available:
goodput >= 95 % of R with under 1 % answered 429.

`--limiter` picks the client's rate limiter from `LIMITERS` (name -> factory of a
`RateLimiter`, or `None` for the client's default `Throttle`); a limiter shared by several
processes (Redis) is added there, and `run_gets()` is what each of its processes runs.

`--scenario shared`: `--processes` (4) worker processes share one token and one fake; each
sends its share of `--requests` GETs from `--tasks` (16) tasks, first all through one
`RedisRateLimiter` (a redis-server started on a free 127.0.0.1 port, or
`$AIOCIRCLE_TEST_REDIS_URL`; a new key prefix per run; its `max_concurrency` = `--tasks`, the
total across processes), then each with its own private `Throttle` (`max_concurrency` =
`--tasks` each), for comparison. The workers start together (they wait for a "go" after
their imports); the run lasts from "go" to the last worker's end. Target with Redis: goodput
>= 90 % of R with under 2 % answered 429.

`--scenario harvest` is the older benchmark: list and harvest at concurrency 64 against R:
aiocircle (`max_concurrency=64`) lists the project's pipelines, then harvests every pipeline
with `cci.bulk.map(pipelines, ..., concurrency=64)`, each item being
`cci.artifacts.download_pipeline(id, dest, concurrency=64)`: workflows, jobs, artifact lists (all
API requests, all limited) and the downloads; integer `Retry-After`, whole-second headers; about
1,000 API requests, 20 s at R=50 if every request got through the first time. Targets there:
goodput at least 90 % of R with under 5 % of the requests answered 429.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fakeproc import FakeProcess

CONCURRENCY = 64

LIMITERS: dict[str, Callable[[int], Any]] = {"throttle": lambda max_concurrency: None}
"""`--limiter` choices: name -> (max_concurrency -> a RateLimiter, or None for the default)."""


def variant(name: str, rate: float, burst: int) -> Any:
    """The fake's `RateLimit` for a server variant at `rate` requests/s."""
    from aiocircle.testing import RateLimit

    if name == "retry-after":
        return RateLimit.retry_after_only(rate, burst)
    if name == "headers":
        return RateLimit.headers_only(rate, burst)
    if name == "window":
        return RateLimit.fixed_window(limit=round(60 * rate), window=60.0)
    if name == "retry-after-whole":
        return RateLimit(rate, burst, headers=False)
    if name == "headers-whole":
        return RateLimit(rate, burst, retry_after=False)
    raise ValueError(f"unknown variant {name!r}")


VARIANTS = ("retry-after", "headers", "window", "retry-after-whole", "headers-whole")
DEFAULT_VARIANTS = "retry-after,headers,window"


async def run_gets(
    info: dict[str, str], requests: int, tasks: int, limiter: Any, max_seconds: float
) -> tuple[float, Counter[str]]:
    """`requests` GETs of /me from `tasks` tasks through one new client; (seconds, outcomes)."""
    from aiocircle import CircleCI, CircleCIError, RetryPolicy

    outcomes: Counter[str] = Counter()

    def on_retry(event: Any) -> None:
        outcomes[f"retry after {event.status}"] += 1

    left = iter(range(requests))
    async with CircleCI(
        token=info["token"],
        base_url=info["base_url"],
        max_concurrency=tasks,
        rate_limiter=limiter,
        retry=RetryPolicy(on_retry=on_retry),
    ) as cci:

        async def worker() -> None:
            for _ in left:
                try:
                    await cci.users.me()
                    outcomes["ok"] += 1
                except CircleCIError as error:
                    outcomes[f"failed: {type(error).__name__}"] += 1

        started = time.perf_counter()
        try:
            async with asyncio.timeout(max_seconds):
                await asyncio.gather(*(worker() for _ in range(tasks)))
        except TimeoutError:
            outcomes["STOPPED at --max-seconds"] += 1
        return time.perf_counter() - started, outcomes


def gets_main(args: argparse.Namespace) -> None:
    names = [n.strip() for n in args.variants.split(",") if n.strip()]
    for name in names:
        if name not in VARIANTS:
            raise SystemExit(f"--variants: unknown {name!r}; choose from {', '.join(VARIANTS)}")
    rates = [float(r) for r in args.rates.split(",")]
    print(
        f"{args.requests} GETs /me from {args.tasks} tasks in one process "
        f"(max_concurrency={args.tasks}, limiter {args.limiter}); token bucket burst {args.burst}; "
        f"latency {args.latency * 1000:.0f} ms; fake in a child process; {os.cpu_count()} CPUs; "
        f"load {os.getloadavg()[0]:.2f}\n"
    )
    header = (
        f"{'variant':<18} {'R/s':>4} {'wall s':>7} {'2xx':>5} {'429':>5} {'other':>5} "
        f"{'goodput/s':>9} {'of R':>5} {'429 share':>9} {'peak':>5}  client"
    )
    print(header)
    with FakeProcess("--latency", str(args.latency)) as fake:
        for rate in rates:
            for name in names:
                config = variant(name, rate, args.burst)
                fake.set_rate_limit(attrs.asdict(config))
                fake.reset()
                limiter = LIMITERS[args.limiter](args.tasks)
                elapsed, outcomes = asyncio.run(
                    run_gets(fake.info, args.requests, args.tasks, limiter, args.max_seconds)
                )
                stats = fake.stats()
                ok, limited, total = api_counts(stats)
                goodput = ok / elapsed
                client = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()) if k != "ok")
                print(
                    f"{name:<18} {rate:>4g} {elapsed:>7.1f} {ok:>5} {limited:>5} "
                    f"{total - ok - limited:>5} {goodput:>9.1f} {goodput / rate:>5.0%} "
                    f"{limited / max(1, total):>9.1%} {stats['peak_in_flight']['api']:>5}  "
                    f"{client or '-'}",
                    flush=True,
                )
    print(
        "\ntargets with headers (headers, window): goodput >= 95% of R, under 1% answered 429. "
        f"A bucket allows at most R + burst/run: {args.burst} more in the run."
    )


# --- several processes on one token ------------------------------------------------------------

SHARED_VARIANTS = "retry-after,headers"
SHARED_LIMITERS = ("redis", "private")


@contextlib.contextmanager
def redis_url() -> Iterator[str]:
    """``$AIOCIRCLE_TEST_REDIS_URL``, or a redis-server of our own on a free 127.0.0.1 port."""
    import redis

    given = os.environ.get("AIOCIRCLE_TEST_REDIS_URL")
    if given:
        yield given
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("--scenario shared needs redis-server on PATH or AIOCIRCLE_TEST_REDIS_URL")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    folder = tempfile.mkdtemp(prefix="aiocircle-bench-redis-")
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", folder],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1.0)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except (redis.RedisError, OSError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        server.terminate()  # our own child, by its Popen handle
        server.wait(timeout=15)
        shutil.rmtree(folder, ignore_errors=True)


async def worker_run(job: dict[str, Any]) -> dict[str, Any]:
    """One worker process's part: its limiter, then its share of the GETs."""
    limiter: Any = None
    if job["redis"] is not None:
        from aiocircle import RedisRateLimiter

        limiter = RedisRateLimiter(
            job["redis"], prefix=job["prefix"], max_concurrency=job["shared_concurrency"]
        )
    try:
        elapsed, outcomes = await run_gets(
            job["info"], job["requests"], job["tasks"], limiter, job["max_seconds"]
        )
    finally:
        if limiter is not None:
            await limiter.aclose()
    degraded = bool(limiter is not None and limiter.degraded)
    return {"elapsed": elapsed, "outcomes": dict(outcomes), "degraded": degraded}


def worker_main(text: str) -> None:
    """``--worker JSON``: import everything, say ``ready``, wait for ``go``, run, print JSON."""
    job = json.loads(text)
    import aiocircle  # noqa: F401  (imports before the barrier, not in the timed run)

    if job["redis"] is not None:
        import redis.asyncio  # noqa: F401
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    print(json.dumps(asyncio.run(worker_run(job))), flush=True)


def run_processes(jobs: list[dict[str, Any]]) -> tuple[float, Counter[str], bool]:
    """Start one worker per job, release them together; (seconds, outcomes, any degraded)."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    workers = [
        subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(job)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for job in jobs
    ]
    outcomes: Counter[str] = Counter()
    degraded = False
    try:
        for worker in workers:
            assert worker.stdout is not None
            if worker.stdout.readline().strip() != "ready":
                raise RuntimeError(f"a worker exited before it was ready ({worker.poll()})")
        started = time.perf_counter()
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        for worker in workers:
            assert worker.stdout is not None
            line = worker.stdout.readline()
            if not line:
                raise RuntimeError(f"a worker exited without a result ({worker.wait()})")
            result = json.loads(line)
            outcomes.update(result["outcomes"])
            degraded = degraded or result["degraded"]
        elapsed = time.perf_counter() - started
    finally:
        for worker in workers:
            if worker.stdin is not None:
                with contextlib.suppress(OSError):
                    worker.stdin.close()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.terminate()  # our own child, by its Popen handle
                worker.wait(timeout=15)
            if worker.stdout is not None:
                worker.stdout.close()
    return elapsed, outcomes, degraded


def shared_main(args: argparse.Namespace) -> None:
    variants = args.variants if args.variants != DEFAULT_VARIANTS else SHARED_VARIANTS
    names = [n.strip() for n in variants.split(",") if n.strip()]
    for name in names:
        if name not in VARIANTS:
            raise SystemExit(f"--variants: unknown {name!r}; choose from {', '.join(VARIANTS)}")
    rates = [float(r) for r in args.rates.split(",")]
    tasks = args.tasks if args.tasks != CONCURRENCY else 16
    shares = [
        args.requests // args.processes + (i < args.requests % args.processes)
        for i in range(args.processes)
    ]
    print(
        f"{args.requests} GETs /me from {args.processes} processes x {tasks} tasks on one token "
        f"(shares {'/'.join(map(str, shares))}); redis: one RedisRateLimiter prefix, "
        f"max_concurrency={tasks} in all; private: a Throttle per process, max_concurrency={tasks} "
        f"each; token bucket burst {args.burst}; latency {args.latency * 1000:.0f} ms; fake in a "
        f"child process; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f}\n"
    )
    print(
        f"{'variant':<12} {'limiter':<8} {'R/s':>4} {'wall s':>7} {'2xx':>5} {'429':>5} "
        f"{'other':>5} {'goodput/s':>9} {'of R':>5} {'429 share':>9} {'peak':>5}  client"
    )
    with redis_url() as url, FakeProcess("--latency", str(args.latency)) as fake:
        for rate in rates:
            for name in names:
                for kind in SHARED_LIMITERS:
                    fake.set_rate_limit(attrs.asdict(variant(name, rate, args.burst)))
                    fake.reset()
                    prefix = f"aiocircle-bench:{uuid.uuid4().hex}"
                    jobs = [
                        {"info": fake.info, "requests": share, "tasks": tasks,
                         "max_seconds": args.max_seconds, "prefix": prefix,
                         "redis": url if kind == "redis" else None,
                         "shared_concurrency": tasks}
                        for share in shares
                    ]  # fmt: skip
                    elapsed, outcomes, degraded = run_processes(jobs)
                    stats = fake.stats()
                    ok, limited, total = api_counts(stats)
                    goodput = ok / elapsed
                    if degraded:
                        outcomes["REDIS AWAY (fallback used)"] += 1
                    client = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()) if k != "ok")
                    print(
                        f"{name:<12} {kind:<8} {rate:>4g} {elapsed:>7.1f} {ok:>5} {limited:>5} "
                        f"{total - ok - limited:>5} {goodput:>9.1f} {goodput / rate:>5.0%} "
                        f"{limited / max(1, total):>9.1%} {stats['peak_in_flight']['api']:>5}  "
                        f"{client or '-'}",
                        flush=True,
                    )
    print(
        f"\ntarget with redis: goodput >= 90% of R, under 2% answered 429 (load now "
        f"{os.getloadavg()[0]:.2f}). A bucket allows at most R + burst/run."
    )


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
    parser.add_argument("--scenario", choices=("gets", "shared", "harvest"), default="gets")
    parser.add_argument("--variants", default=DEFAULT_VARIANTS, help=f"of {', '.join(VARIANTS)}")
    parser.add_argument("--rates", default="20,50", help="gets: R values, comma-separated")
    parser.add_argument("--requests", type=int, default=1000, help="gets: GETs per run")
    parser.add_argument(
        "--tasks", type=int, default=CONCURRENCY, help="concurrent tasks (shared: 16 a process)"
    )
    parser.add_argument("--processes", type=int, default=4, help="shared: worker processes")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--limiter", choices=sorted(LIMITERS), default="throttle")
    parser.add_argument("--rate", type=float, default=50.0, help="harvest: R, API requests/s")
    parser.add_argument("--burst", type=int, default=10, help="token bucket size")
    parser.add_argument("--pipelines", type=int, default=200, help="harvest: pipelines")
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--max-seconds", type=float, default=120.0, help="bound on each run")
    parser.add_argument("--tmp", default=None, help="folder for the downloads (default: temp)")
    args = parser.parse_args()
    if args.worker is not None:
        worker_main(args.worker)
        return
    if args.processes < 1:
        raise SystemExit("--processes must be at least 1")
    if args.scenario == "shared":
        shared_main(args)
        return
    if args.scenario == "gets":
        gets_main(args)
        return
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
