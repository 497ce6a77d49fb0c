"""``aiocircle report ...``: run one report, write its rows, and sum it up on stderr."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import attrs

from .. import report
from .._client import CircleCI
from .._slug import encode_slug
from ..bulk import MergedStream, ProjectFailure
from ._files import replacing, replacing_bytes
from ._report import EXIT_ERROR, EXIT_OK, rich_installed

FORMATS = ("csv", "jsonl", "parquet")


@attrs.frozen
class _Kind:
    """One report: its row class and how to start its stream from the parsed arguments."""

    row_type: type[Any]
    start: Callable[[CircleCI, argparse.Namespace], Any]  # a MergedStream or UsageExportRows


def _workflows(cci: CircleCI, args: argparse.Namespace) -> MergedStream[Any]:
    return report.workflow_rows(
        cci,
        args.slugs,
        since=args.since,
        until=args.until,
        branch=args.branch,
        concurrency=args.concurrency,
    )


def _jobs(cci: CircleCI, args: argparse.Namespace) -> MergedStream[Any]:
    return report.job_rows(
        cci,
        args.slugs,
        since=args.since,
        until=args.until,
        branch=args.branch,
        details=args.details,
        concurrency=args.concurrency,
    )


def _tests(cci: CircleCI, args: argparse.Namespace) -> MergedStream[Any]:
    rows = report.test_rows(
        cci,
        args.slugs,
        since=args.since,
        until=args.until,
        branch=args.branch,
        concurrency=args.concurrency,
    )
    return rows.map(_keep_failed) if args.failed else rows


def _keep_failed(row: report.TestRow) -> report.TestRow | None:
    return row if row.failed else None


def _flaky(cci: CircleCI, args: argparse.Namespace) -> MergedStream[Any]:
    return report.flaky_tests(cci, args.slugs, concurrency=args.concurrency)


def _insights(cci: CircleCI, args: argparse.Namespace) -> MergedStream[Any]:
    return report.insights_rows(
        cci,
        args.slugs,
        branches=args.branch or (None,),
        reporting_window=args.window,
        with_jobs=not args.no_jobs,
        concurrency=args.concurrency,
    )


def _usage(cci: CircleCI, args: argparse.Namespace) -> Any:
    until = args.until or datetime.fromtimestamp(cci._core.clock.time(), UTC)
    return report.usage_export(
        cci, args.org_id, start=args.since, end=until, poll_interval=args.poll_interval
    )


KINDS: dict[str, _Kind] = {
    "workflows": _Kind(report.WorkflowRow, _workflows),
    "jobs": _Kind(report.JobRow, _jobs),
    "tests": _Kind(report.TestRow, _tests),
    "flaky-tests": _Kind(report.FlakyTestRow, _flaky),
    "insights": _Kind(report.InsightsRow, _insights),
    "usage": _Kind(report.UsageRow, _usage),
}


def check_arguments(args: argparse.Namespace) -> None:
    """Refuse a bad command line (exit 2) before anything is sent."""
    for slug in args.slugs:
        encode_slug(slug)  # a malformed slug is a usage error, not a failed project
    until = getattr(args, "until", None)
    if until is not None and args.since is not None and until <= args.since:
        raise ValueError("--until must be after --since")
    if args.action == "usage" and args.poll_interval <= 0:
        raise ValueError("--poll-interval must be a positive number of seconds")
    if args.format == "parquet" and args.output is None:
        raise ValueError("--format parquet writes a binary file: give --output FILE")


async def run_report(args: argparse.Namespace, cci: CircleCI) -> int:
    """Write the report's rows to ``--output`` (or stdout), then the summary to stderr."""
    kind = KINDS[args.action]
    started = time.monotonic()
    rows = kind.start(cci, args)
    with _progress(args) as tick:
        stream = _counted(_kept(rows), tick)
        count = await _write(stream, args, kind.row_type)
    seconds = time.monotonic() - started
    for failure in rows.failures:
        print(f"aiocircle: {_failure_line(failure)}", file=sys.stderr)
    if args.output and not args.json:
        noun = "row" if count == 1 else "rows"
        print(f"{count} {noun} written to {args.output}", file=sys.stderr)
    _summary(args, count, rows.failures, seconds)
    return EXIT_OK if rows.ok else EXIT_ERROR


async def _write(rows: AsyncIterator[Any], args: argparse.Namespace, row_type: type[Any]) -> int:
    # Looked up on the module at call time, so the writers can be swapped in tests.
    if args.format == "parquet":
        with replacing_bytes(args.output) as binary:
            return await report.write_parquet(rows, binary, row_type=row_type)
    extra: dict[str, Any] = {}
    if args.format == "csv" and row_type is not report.WorkflowRow:
        extra["columns"] = row_type.columns()
    write: Any = report.write_csv if args.format == "csv" else report.write_jsonl
    if args.output:
        with replacing(args.output) as out:
            return int(await write(rows, out, **extra))
    return int(await write(rows, sys.stdout, **extra))


async def _kept(rows: Any) -> AsyncIterator[Any]:
    """The rows, without those a filter dropped (``None``)."""
    async with rows:
        async for row in rows:
            if row is not None:
                yield row


async def _counted(rows: AsyncIterator[Any], tick: Callable[[], None]) -> AsyncIterator[Any]:
    async for row in rows:
        tick()
        yield row


@contextlib.contextmanager
def _progress(args: argparse.Namespace) -> Iterator[Callable[[], None]]:
    """A live row count on stderr when it is a terminal and rich is installed."""
    wanted = not (args.json or args.no_progress) and sys.stderr.isatty()
    if not wanted or not rich_installed():
        yield lambda: None
        return
    from rich.console import Console

    seen = 0
    with Console(stderr=True).status(f"report {args.action}: 0 rows") as status:

        def tick() -> None:
            nonlocal seen
            seen += 1
            if seen % 50 == 0:
                status.update(f"report {args.action}: {seen:,} rows")

        yield tick


def _failure_line(failure: ProjectFailure) -> str:
    text = str(failure.error) or type(failure.error).__name__
    return f"{failure.describe()}: {text.splitlines()[0]}"


def _summary(
    args: argparse.Namespace, count: int, failures: list[ProjectFailure], seconds: float
) -> None:
    failed_projects = sorted({f.slug for f in failures if f.pipeline is None})
    if args.json:
        summary = {
            "report": args.action,
            "rows": count,
            "projects": len(args.slugs),
            "failed_projects": failed_projects,
            "failures": [
                {"where": f.describe(), "error": str(f.error), "error_type": type(f.error).__name__}
                for f in failures
            ],
            "seconds": round(seconds, 3),
        }
        if args.action == "usage":
            summary["organization"] = args.org_id
        print(json.dumps(summary), file=sys.stderr)
        return
    read = f"{len(args.slugs) - len(failed_projects)} of {len(args.slugs)}"
    cells = {
        "report": args.action,
        "rows": f"{count:,}",
        "projects": "org " + args.org_id if args.action == "usage" else read,
        "failures": str(len(failures)),
        "time": f"{seconds:.2f} s",
    }
    if not rich_installed():
        print("  ".join(f"{k}: {v}" for k, v in cells.items()), file=sys.stderr)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for name in cells:
        table.add_column(name, justify="right" if name != "report" else "left")
    table.add_row(*cells.values())
    Console(stderr=True, highlight=False).print(table)
