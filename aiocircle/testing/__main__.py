"""`python -m aiocircle.testing`: run the fake CircleCI as a process until interrupted.

It prints the base URL and token first, one `name: value` per line, for scripts to read.
`python -m aiocircle.testing coverage` prints the operation coverage table instead
(see `_coverage.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import signal
import sys
from collections.abc import Sequence

from . import _coverage as coverage
from ._faults import Faults, RateLimit
from ._populate import Dataset
from ._server import FakeCircleCI


def _size_range(text: str) -> tuple[int, int]:
    low, _, high = text.partition(":")
    return int(low), int(high or low)


def _projects(text: str) -> int | tuple[str, ...]:
    return int(text) if text.isdigit() else tuple(s for s in text.split(",") if s)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m aiocircle.testing",
        description="A fake CircleCI API v2 on 127.0.0.1, seeded with deterministic data.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    listen = parser.add_argument_group("listeners")
    listen.add_argument("--port", type=int, default=0, help="API port; 0 picks a free one")
    listen.add_argument(
        "--artifacts-port", type=int, default=0, help="artifacts host port; 0 picks a free one"
    )
    listen.add_argument("--storage-port", type=int, default=0, help="storage port; 0: a free one")
    listen.add_argument("--token", default="test-token", help="the accepted API token")

    data = parser.add_argument_group("data")
    data.add_argument("--seed", type=int, default=0, help="same seed, same data")
    data.add_argument(
        "--projects", type=_projects, default=1, help="a count, or slugs separated by commas"
    )
    data.add_argument("--pipelines", type=int, default=5, help="pipelines per project")
    data.add_argument("--workflows", type=int, default=1, help="workflows per pipeline")
    data.add_argument("--jobs", type=int, default=3, help="jobs per workflow")
    data.add_argument("--artifacts", type=int, default=2, help="artifacts per job")
    data.add_argument("--artifact-size", type=_size_range, default="0:4096", help="MIN:MAX bytes")
    data.add_argument("--failed-share", type=float, default=0.0, help="share of failed workflows")
    data.add_argument("--flaky-share", type=float, default=0.0, help="share of flaky test results")
    data.add_argument("--parallelism", type=int, default=1, help="highest job parallelism")
    data.add_argument(
        "--hostile-paths", action="store_true", help="add artifacts with paths like ../escape.txt"
    )
    data.add_argument(
        "--huge-artifact-size", type=int, default=None, help="add one artifact of this many bytes"
    )

    knobs = parser.add_argument_group("knobs")
    knobs.add_argument("--page-size", type=int, default=20, help="items per page")
    knobs.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    knobs.add_argument("--jitter", type=float, default=0.0, help="extra random seconds")
    knobs.add_argument("--bandwidth", type=float, default=None, help="bytes/s per download")
    knobs.add_argument("--rate", type=float, default=None, help="requests/s per token")
    knobs.add_argument("--burst", type=int, default=10, help="rate-limit bucket size")
    knobs.add_argument("--error-rate", type=float, default=0.0, help="share answered 5xx")
    knobs.add_argument("--reset-rate", type=float, default=0.0, help="share of connections reset")
    knobs.add_argument(
        "--truncate-rate", type=float, default=0.0, help="share of downloads cut short"
    )
    knobs.add_argument(
        "--no-redirect", action="store_true", help="artifacts host serves bytes, no 302"
    )
    return parser.parse_args(argv)


def build(args: argparse.Namespace) -> FakeCircleCI:
    """A fake configured from the command line (not started)."""
    dataset = Dataset(
        projects=args.projects,
        pipelines_per_project=args.pipelines,
        workflows_per_pipeline=args.workflows,
        jobs_per_workflow=args.jobs,
        artifacts_per_job=args.artifacts,
        artifact_size=args.artifact_size,
        failed_share=args.failed_share,
        flaky_share=args.flaky_share,
        parallelism=args.parallelism,
        hostile_paths=args.hostile_paths,
        huge_artifact_size=args.huge_artifact_size,
    )
    fake = FakeCircleCI(
        args.token,
        seed=args.seed,
        page_size=args.page_size,
        latency=args.latency,
        jitter=args.jitter,
        bandwidth=args.bandwidth,
        rate_limit=None if args.rate is None else RateLimit(rate=args.rate, burst=args.burst),
        faults=Faults(
            error_rate=args.error_rate,
            reset_rate=args.reset_rate,
            truncate_rate=args.truncate_rate,
        ),
        dataset=dataset,
        port=args.port,
        artifacts_port=args.artifacts_port,
        storage_port=args.storage_port,
    )
    fake.knobs.redirect = not args.no_redirect
    return fake


async def serve(fake: FakeCircleCI) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    async with fake:
        projects = ", ".join(p.slug for p in fake.state.projects.values())
        print(f"base_url: {fake.base_url}")
        print(f"token: {fake.token}")
        print(f"api_root: {fake.api_root}")
        print(f"artifacts_host: {fake.artifacts_host}")
        print(f"storage_url: {fake.storage_url}")
        print(f"projects: {projects}", flush=True)
        await stop.wait()
        print(f"requests served: {sum(fake.stats.counts.values())}", flush=True)


_CANNOT_LISTEN = (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL)


def main(argv: Sequence[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["coverage"]:
        raise SystemExit(coverage.main(argv[1:]))
    args = parse_args(argv)
    fake = build(args)
    try:
        asyncio.run(serve(fake))
    except OSError as exc:
        if exc.errno not in _CANNOT_LISTEN:
            raise
        # One clear line, not a traceback: a port given on the command line is usually taken.
        asked = [str(p) for p in (args.port, args.artifacts_port, args.storage_port) if p]
        where = f"127.0.0.1 port {' or '.join(asked)}" if asked else "127.0.0.1"
        print(
            f"python -m aiocircle.testing: cannot listen on {where}: {exc.strerror or exc} "
            "(choose another port, or 0 for a free one)",
            file=sys.stderr,
        )
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
