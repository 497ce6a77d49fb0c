"""Argument parsing, dispatch and error handling of the ``aiocircle`` command."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import attrs

from .._client import CircleCI, __version__
from .._slug import encode_slug
from ..download import DownloadReport
from ..errors import CircleCIError, ConfigurationError

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class _CommandError(Exception):
    """A failure to report as one line and exit 1 (e.g. nothing matched)."""


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiocircle", description="Fast, polite bulk access to the CircleCI API v2."
    )
    parser.add_argument("--version", action="version", version=f"aiocircle {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--token", help="API token (default: $CIRCLECI_TOKEN, then $CIRCLE_TOKEN)")
    common.add_argument(
        "--base-url",
        default="https://circleci.com/api/v2",
        help="API v2 base URL, for CircleCI Server (default: %(default)s)",
    )
    common.add_argument(
        "--artifact-host",
        action="append",
        default=None,
        metavar="PATTERN",
        help="host pattern that may receive the token for artifact downloads "
        "(default: *.circle-artifacts.com); repeatable",
    )
    common.add_argument("--json", action="store_true", help="machine-readable output")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    artifacts = commands.add_parser("artifacts", help="download artifacts").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    download = artifacts.add_parser("download", parents=[common], help="harvest artifacts")
    source = download.add_mutually_exclusive_group(required=True)
    source.add_argument("--workflow", metavar="ID", help="every artifact of a workflow")
    source.add_argument("--pipeline", metavar="ID", help="every artifact of a pipeline")
    source.add_argument("--job", nargs=2, metavar=("SLUG", "NUMBER"), help="one job's artifacts")
    download.add_argument("--dest", required=True, type=Path, help="destination folder")
    download.add_argument("--include", action="append", metavar="GLOB", help="only these paths")
    download.add_argument("--exclude", action="append", metavar="GLOB", help="skip these paths")
    download.add_argument("--concurrency", type=int, default=8, help="downloads in flight")
    download.add_argument("--overwrite", action="store_true", help="re-download complete files")
    download.add_argument("--no-progress", action="store_true", help="no progress bar")

    pipelines = commands.add_parser("pipelines", help="list pipelines").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    plist = pipelines.add_parser("list", parents=[common], help="a project's pipelines")
    plist.add_argument("slug", help="project slug, e.g. gh/org/repo")
    plist.add_argument("--branch")
    plist.add_argument("--limit", type=int, default=20, help="at most N (default: %(default)s)")

    workflows = commands.add_parser("workflows", help="inspect workflows").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    wjobs = workflows.add_parser("jobs", parents=[common], help="a workflow's jobs")
    wjobs.add_argument("workflow_id", metavar="ID")

    report = commands.add_parser("report", help="reports across projects").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    rwork = report.add_parser("workflows", parents=[common], help="workflow runs as rows")
    rwork.add_argument("slugs", nargs="+", metavar="SLUG")
    rwork.add_argument("--since", required=True, type=_parse_since, help="ISO date or datetime")
    rwork.add_argument("--branch")
    rwork.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    rwork.add_argument("--output", type=Path, help="file to write (default: stdout)")

    demo = commands.add_parser(
        "demo", help="harvest a workflow from an embedded fake CircleCI (no token, no network)"
    )
    demo.add_argument("--json", action="store_true", help="machine-readable summary")
    demo.add_argument("--dest", type=Path, help="keep the files here (default: a temp folder)")
    demo.add_argument("--jobs", type=int, default=12, help="jobs in the workflow")
    demo.add_argument("--artifacts", type=int, default=10, help="artifacts per job")
    demo.add_argument("--latency", type=float, default=0.02, help="fake latency in seconds")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _parse_since(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date or datetime: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _client(args: argparse.Namespace) -> CircleCI:
    hosts = args.artifact_host or ["*.circle-artifacts.com"]
    return CircleCI(args.token, base_url=args.base_url, artifact_hosts=hosts)


def _jsonable(value: Any) -> Any:
    if attrs.has(type(value)):
        return {
            f.name: _jsonable(getattr(value, f.name))
            for f in attrs.fields(type(value))
            if f.name != "raw"
        }
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def report_summary(report: DownloadReport) -> dict[str, Any]:
    """The ``--json`` form of a download report."""
    return {
        "downloaded": len(report.downloaded),
        "skipped": len(report.skipped),
        "failed": len(report.failed),
        "refused": len(report.refused),
        "bytes": report.bytes,
        "entries": [
            {
                "project": e.item.project_slug,
                "job_number": e.item.job_number,
                "job_name": e.item.job_name,
                "node_index": e.item.artifact.node_index,
                "path": e.path,
                "local_path": str(e.local_path) if e.local_path else None,
                "bytes": e.bytes,
                "status": str(e.status),
                "error": e.error,
            }
            for e in report.entries
        ],
        "listing_failures": [_jsonable(f) for f in report.listing],
    }


def print_report(report: DownloadReport, out: TextIO, *, as_json: bool) -> None:
    if as_json:
        json.dump(report_summary(report), out, indent=2)
        out.write("\n")
        return
    out.write(
        f"{len(report.downloaded)} downloaded ({report.bytes:,} bytes), "
        f"{len(report.skipped)} already complete, {len(report.failed)} failed, "
        f"{len(report.refused)} refused\n"
    )
    for entry in report.failed + report.refused:
        out.write(f"  {entry.status}: {entry.path}: {entry.error}\n")
    for failure in report.listing:
        out.write(
            f"  listing failed: {failure.project_slug}#{failure.job_number}: {failure.error}\n"
        )


async def _artifacts_download(args: argparse.Namespace) -> int:
    from ._progress import HarvestProgress, console

    if args.concurrency < 1:
        raise ValueError("--concurrency must be at least 1")
    options: dict[str, Any] = {
        "concurrency": args.concurrency,
        "include": args.include,
        "exclude": args.exclude,
        "overwrite": args.overwrite,
    }
    show = not (args.json or args.no_progress) and sys.stderr.isatty()
    async with _client(args) as cci:
        with HarvestProgress(console(), enabled=show) as progress:
            options["progress"] = progress
            if args.workflow:
                report = await cci.artifacts.download_workflow(args.workflow, args.dest, **options)
            elif args.pipeline:
                report = await cci.artifacts.download_pipeline(args.pipeline, args.dest, **options)
            else:
                slug, number = args.job
                report = await cci.artifacts.download_job(
                    slug, _job_number(number), args.dest, **options
                )
    print_report(report, sys.stdout, as_json=args.json)
    if not report.entries and not report.listing:
        raise _CommandError("no artifacts matched")
    return EXIT_OK if report.ok else EXIT_ERROR


def _job_number(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"job number must be a non-negative integer, not {text!r}")
    return int(text)


async def _pipelines_list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise ValueError("--limit must be at least 1")
    async with _client(args) as cci:
        found = await cci.pipelines.list(args.slug, branch=args.branch).collect(args.limit)
    if not found:
        if args.json:
            print("[]")
        raise _CommandError(f"no pipelines for {args.slug}")
    if args.json:
        print(json.dumps([_jsonable(p) for p in found], indent=2))
        return EXIT_OK
    for p in found:
        branch = p.vcs.branch if p.vcs and p.vcs.branch else "-"
        print(f"{p.number:>7}  {p.state!s:<14} {branch:<24} {p.created_at:%Y-%m-%d %H:%M}  {p.id}")
    return EXIT_OK


async def _workflows_jobs(args: argparse.Namespace) -> int:
    async with _client(args) as cci:
        jobs = await cci.workflows.jobs(args.workflow_id).collect()
    if args.json:
        print(json.dumps([_jsonable(j) for j in jobs], indent=2))
        return EXIT_OK
    for job in jobs:
        number = "-" if job.job_number is None else str(job.job_number)
        print(f"{number:>7}  {job.status!s:<20} {job.type!s:<9} {job.name}")
    return EXIT_OK


async def _report_workflows(args: argparse.Namespace) -> int:
    from ..report import workflow_rows, write_csv, write_jsonl

    for slug in args.slugs:
        encode_slug(slug)  # a malformed slug is a usage error (exit 2), not a failed project
    write = write_csv if args.format == "csv" else write_jsonl
    async with _client(args) as cci:
        rows = workflow_rows(cci, args.slugs, since=args.since, branch=args.branch)
        if args.output:
            with args.output.open("w", newline="", encoding="utf-8") as out:
                count = await write(rows, out)
        else:
            count = await write(rows, sys.stdout)
    for failure in rows.failures:
        print(f"aiocircle: {failure.item}: {_one_line(failure.error)}", file=sys.stderr)
    if args.output and not args.json:
        print(f"{count} rows written to {args.output}", file=sys.stderr)
    return EXIT_OK if rows.ok else EXIT_ERROR


async def _demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo

    return await run_demo(args)


_Command = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]

_COMMANDS: dict[tuple[str, str | None], _Command] = {
    ("artifacts", "download"): _artifacts_download,
    ("pipelines", "list"): _pipelines_list,
    ("workflows", "jobs"): _workflows_jobs,
    ("report", "workflows"): _report_workflows,
    ("demo", None): _demo,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _build_parser().parse_args(argv)
    if importlib.util.find_spec("rich") is None:
        print(
            "aiocircle: the command line needs its extra: pip install 'aiocircle[cli]'",
            file=sys.stderr,
        )
        return EXIT_USAGE
    command = _COMMANDS[(args.command, getattr(args, "action", None))]
    try:
        return asyncio.run(command(args))
    except KeyboardInterrupt:
        print("aiocircle: interrupted; no partial files were left", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (ValueError, ConfigurationError) as exc:
        print(f"aiocircle: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except (CircleCIError, _CommandError, OSError) as exc:
        print(f"aiocircle: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0]
