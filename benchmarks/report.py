"""How close a report across many projects comes to the ideal time for its requests.

    python benchmarks/report.py [--projects 50] [--pipelines 40] [--workflows 2] [--jobs 5]
                                [--latency 0.02] [--concurrency 16] [--report jobs]

The fake CircleCI runs in a child process (see _fakeproc.py) with `--latency` before every
answer. The report streams its rows to a CSV in memory, as `aiocircle report jobs` does, with
`--concurrency` projects at once and a client of `max_concurrency=--concurrency`.

Printed: the API requests the fake answered (per route), the rows, rows per second, the
client's CPU time, and the time against the ideal: requests x latency / concurrency, the time
the requests would take if `--concurrency` were always in flight. Target: at least 80 % of
ideal (ideal / measured). That no request is made twice is checked by the integration tests
(tests/integration/test_it_reports.py), not here.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fakeproc import ROOT, FakeProcess

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


async def run_report(
    info: dict[str, str], args: argparse.Namespace
) -> tuple[int, float, float, int]:
    from aiocircle import CircleCI
    from aiocircle import report as reports

    slugs = [line for line in info["slugs"].split(",") if line]
    async with CircleCI(
        token=info["token"], base_url=info["base_url"], max_concurrency=args.concurrency
    ) as cci:
        started, cpu = time.perf_counter(), time.process_time()
        if args.report == "jobs":
            rows: Any = reports.job_rows(cci, slugs, since=None, concurrency=args.concurrency)
            columns = reports.JobRow.columns()
        elif args.report == "tests":
            rows = reports.test_rows(cci, slugs, since=None, concurrency=args.concurrency)
            columns = reports.TestRow.columns()
        else:
            rows = reports.workflow_rows(cci, slugs, since=None, concurrency=args.concurrency)
            columns = reports.WorkflowRow.columns()
        count = await reports.write_csv(rows, io.StringIO(), columns=columns)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
    return count, seconds, cpu, len(rows.failures)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=50)
    parser.add_argument("--pipelines", type=int, default=40)
    parser.add_argument("--workflows", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--page-size", type=int, default=20)
    parser.add_argument("--report", choices=("workflows", "jobs", "tests"), default="jobs")
    args = parser.parse_args()

    slugs = [f"gh/bench/repo-{i}" for i in range(args.projects)]
    fake_args = [
        "--projects",
        ",".join(slugs),
        "--pipelines",
        str(args.pipelines),
        "--workflows",
        str(args.workflows),
        "--jobs",
        str(args.jobs),
        "--artifacts",
        "0",
        "--failed-share",
        "0.2",
        "--latency",
        str(args.latency),
        "--page-size",
        str(args.page_size),
    ]
    with FakeProcess(*fake_args) as fake:
        fake.reset()
        info = {**fake.info, "slugs": ",".join(slugs)}
        count, seconds, cpu, failures = asyncio.run(run_report(info, args))
        stats = fake.stats()
    requests = stats["listeners"].get("api", 0)
    routes = stats["routes"]
    ideal = requests * args.latency / args.concurrency
    print(
        f"report {args.report}: {args.projects} projects x {args.pipelines} pipelines x "
        f"{args.workflows} workflows x {args.jobs} jobs, latency {args.latency * 1000:.0f} ms, "
        f"concurrency {args.concurrency}, page size {args.page_size}; "
        f"load {os.getloadavg()[0]:.2f}"
    )
    print(f"requests made:   {requests:,} ({', '.join(f'{k} {v}' for k, v in routes.items())})")
    print(f"peak in flight:  {stats['peak_in_flight'].get('api', 0)}")
    print(f"rows:            {count:,} ({failures} failures)")
    print(f"time:            {seconds:.2f} s; {count / seconds:,.0f} rows/s")
    print(f"client CPU:      {cpu:.2f} s ({cpu / requests * 1e6:.0f} us a request)")
    print(f"ideal:           {ideal:.2f} s (requests x latency / concurrency)")
    print(f"share of ideal:  {ideal / seconds:.0%} (target >= 80 %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
