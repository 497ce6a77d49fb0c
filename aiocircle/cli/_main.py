"""Argument parsing, dispatch and error handling of the ``aiocircle`` command."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._client import CircleCI, __version__, _parse_base_url
from .._config import (
    BASE_URL_VARIABLE,
    DEFAULT_ARTIFACT_HOSTS,
    TOKEN_VARIABLES,
    normalize_artifact_host,
    resolve_base_url,
)
from ..errors import CircleCIError, ConfigurationError, NotFoundError
from ..models import ReportingWindow
from ._files import check_destination, destination, removing_if_empty
from ._report import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    jsonable,
    print_report,
    progress_bar,
    unauthorized_hint,
)


class _CommandError(Exception):
    """A failure to report as one line and exit 1 (e.g. nothing matched)."""


def _argument(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type from a parser raising ``ValueError`` / ``ConfigurationError``."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except (ValueError, ConfigurationError) as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert


def _base_url(text: str) -> str:
    _parse_base_url(text)
    return text


def _at_least(low: int) -> Callable[[str], int]:
    def number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, not {value}")
        return value

    return number


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiocircle", description="Fast, polite bulk access to the CircleCI API v2."
    )
    parser.add_argument("--version", action="version", version=f"aiocircle {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--token", help="API token (default: $CIRCLECI_TOKEN, then $CIRCLE_TOKEN)")
    common.add_argument(
        "--base-url",
        type=_argument(_base_url),
        help=f"API v2 base URL, for CircleCI Server (default: ${BASE_URL_VARIABLE}, "
        "then https://circleci.com/api/v2)",
    )
    common.add_argument(
        "--artifact-host",
        action="append",
        type=_argument(normalize_artifact_host),
        default=None,
        metavar="PATTERN",
        help="host pattern (or URL) that may receive the token for artifact downloads "
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
    download.add_argument(
        "--dest", required=True, type=_argument(destination), help="destination folder"
    )
    download.add_argument("--include", action="append", metavar="GLOB", help="only these paths")
    download.add_argument("--exclude", action="append", metavar="GLOB", help="skip these paths")
    download.add_argument(
        "--concurrency", type=_at_least(1), default=8, help="downloads in flight (default: 8)"
    )
    download.add_argument("--overwrite", action="store_true", help="re-download complete files")
    download.add_argument("--no-progress", action="store_true", help="no progress bar")

    pipelines = commands.add_parser("pipelines", help="list pipelines").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    plist = pipelines.add_parser("list", parents=[common], help="a project's pipelines")
    plist.add_argument("slug", help="project slug, e.g. gh/org/repo")
    plist.add_argument("--branch")
    plist.add_argument(
        "--limit", type=_at_least(1), default=20, help="at most N (default: %(default)s)"
    )

    workflows = commands.add_parser("workflows", help="inspect workflows").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    wjobs = workflows.add_parser("jobs", parents=[common], help="a workflow's jobs")
    wjobs.add_argument("workflow_id", metavar="ID")

    report = commands.add_parser("report", help="reports across projects").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    described = {
        "workflows": "workflow runs as rows",
        "jobs": "jobs of those workflows as rows",
        "tests": "test results of those jobs as rows",
        "flaky-tests": "Insights' flaky tests of the projects as rows",
        "insights": "Insights' workflow and job metrics of the projects as rows",
    }
    described["usage"] = "the organization's usage export (credits per job run) as rows"
    for name, summary in described.items():
        sub = report.add_parser(name, parents=[common], help=summary)
        if name == "usage":
            sub.add_argument("org_id", metavar="ORG_ID", help="organization id (a UUID)")
            sub.add_argument("--until", type=_parse_since, help="end of the window (default: now)")
            sub.add_argument(
                "--poll-interval",
                type=float,
                default=6.0,
                help="seconds between status checks at first (default: 6)",
            )
            sub.set_defaults(slugs=[], branch=None)
        else:
            sub.add_argument("slugs", nargs="+", metavar="SLUG")
        if name == "flaky-tests":
            sub.set_defaults(since=None, branch=None)
        elif name == "insights":
            sub.set_defaults(since=None)
            sub.add_argument(
                "--branch",
                action="append",
                help="a branch ('*' for all); repeatable (default: the default branch)",
            )
            sub.add_argument(
                "--window",
                choices=[w.value for w in ReportingWindow],
                help="Insights' reporting window (default: last-90-days)",
            )
            sub.add_argument("--no-jobs", action="store_true", help="workflow metrics only")
        else:
            sub.add_argument(
                "--since", required=True, type=_parse_since, help="ISO date or datetime"
            )
            if name != "usage":
                sub.add_argument("--branch")
                sub.add_argument(
                    "--until", type=_parse_since, help="skip pipelines created after this"
                )
        sub.add_argument("--format", choices=("csv", "jsonl", "parquet"), default="csv")
        sub.add_argument("--output", type=Path, help="file to write (default: stdout)")
        sub.add_argument(
            "--concurrency", type=_at_least(1), default=8, help="projects at once (default: 8)"
        )
        sub.add_argument("--no-progress", action="store_true", help="no progress on stderr")
        if name == "jobs":
            sub.add_argument(
                "--details", action="store_true", help="read each job's queue time and executor"
            )
        if name == "tests":
            sub.add_argument("--failed", action="store_true", help="only failed tests")

    demo = commands.add_parser(
        "demo", help="harvest a workflow from an embedded fake CircleCI (no token, no network)"
    )
    demo.add_argument("--json", action="store_true", help="machine-readable summary")
    demo.add_argument(
        "--dest", type=_argument(destination), help="keep the files here (default: a temp folder)"
    )
    demo.add_argument("--jobs", type=_at_least(1), default=12, help="jobs in the workflow")
    demo.add_argument("--artifacts", type=_at_least(0), default=10, help="artifacts per job")
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
    token = args.token
    if token is None and not any(os.environ.get(name, "").strip() for name in TOKEN_VARIABLES):
        raise ConfigurationError(
            "no CircleCI token: pass --token or set the CIRCLECI_TOKEN or CIRCLE_TOKEN "
            "environment variable"
        )
    if token is not None and not token.strip():
        raise ConfigurationError("--token is empty")
    hosts = args.artifact_host or DEFAULT_ARTIFACT_HOSTS
    return CircleCI(token, base_url=args.base_url, artifact_hosts=hosts)


async def _artifacts_download(args: argparse.Namespace) -> int:
    options: dict[str, Any] = {
        "concurrency": args.concurrency,
        "include": args.include,
        "exclude": args.exclude,
        "overwrite": args.overwrite,
    }
    job_number = _job_number(args.job[1]) if args.job else None
    dest: Path = args.dest
    check_destination(dest)
    async with _client(args) as cci:
        with removing_if_empty(dest), progress_bar(args) as progress:
            options["progress"] = progress
            if args.workflow:
                report = await cci.artifacts.download_workflow(args.workflow, dest, **options)
            elif args.pipeline:
                report = await cci.artifacts.download_pipeline(args.pipeline, dest, **options)
            else:
                assert job_number is not None
                report = await cci.artifacts.download_job(args.job[0], job_number, dest, **options)
    print_report(report, sys.stdout, as_json=args.json)
    hint = unauthorized_hint(report)
    if hint:
        print(f"aiocircle: {hint}", file=sys.stderr)
    if not report.entries and not report.listing:
        raise _CommandError("no artifacts matched")
    return EXIT_OK if report.ok else EXIT_ERROR


def _job_number(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"job number must be a non-negative integer, not {text!r}")
    return int(text)


async def _pipelines_list(args: argparse.Namespace) -> int:
    async with _client(args) as cci:
        found = await cci.pipelines.list(args.slug, branch=args.branch).collect(args.limit)
    if not found and not args.json:
        raise _CommandError(f"no pipelines for {args.slug}")
    if args.json:
        print(json.dumps([jsonable(p) for p in found], indent=2))
        return EXIT_OK
    for p in found:
        branch = p.vcs.branch if p.vcs and p.vcs.branch else "-"
        print(f"{p.number:>7}  {p.state!s:<14} {branch:<24} {p.created_at:%Y-%m-%d %H:%M}  {p.id}")
    return EXIT_OK


async def _workflows_jobs(args: argparse.Namespace) -> int:
    async with _client(args) as cci:
        jobs = await cci.workflows.jobs(args.workflow_id).collect()
    if args.json:
        print(json.dumps([jsonable(j) for j in jobs], indent=2))
        return EXIT_OK
    for job in jobs:
        number = "-" if job.job_number is None else str(job.job_number)
        print(f"{number:>7}  {job.status!s:<20} {job.type!s:<9} {job.name}")
    return EXIT_OK


async def _report(args: argparse.Namespace) -> int:
    from ._reports import check_arguments, run_report

    check_arguments(args)
    async with _client(args) as cci:
        return await run_report(args, cci)


async def _demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo

    return await run_demo(args)


_Command = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]

_COMMANDS: dict[tuple[str, str | None], _Command] = {
    ("artifacts", "download"): _artifacts_download,
    ("pipelines", "list"): _pipelines_list,
    ("workflows", "jobs"): _workflows_jobs,
    ("report", "workflows"): _report,
    ("report", "jobs"): _report,
    ("report", "tests"): _report,
    ("report", "flaky-tests"): _report,
    ("report", "usage"): _report,
    ("report", "insights"): _report,
    ("demo", None): _demo,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (see docs/cli.md, "Exit status")."""
    args = _build_parser().parse_args(argv)
    command = _COMMANDS[(args.command, getattr(args, "action", None))]
    try:
        return asyncio.run(command(args))
    except KeyboardInterrupt:
        print("aiocircle: interrupted; no partial files were left", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ConfigurationError as exc:
        print(f"aiocircle: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except ValueError as exc:
        print(f"aiocircle: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except NotFoundError as exc:
        print(f"aiocircle: {_one_line(exc)}{_base_url_hint(args)}", file=sys.stderr)
        return EXIT_ERROR
    except (CircleCIError, _CommandError) as exc:
        print(f"aiocircle: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"aiocircle: {_os_error(exc)}", file=sys.stderr)
        return EXIT_ERROR


def _base_url_hint(args: argparse.Namespace) -> str:
    """For a 404, a hint when the base URL is not an API v2 root (the usual slip)."""
    if not hasattr(args, "base_url"):
        return ""
    base_url = resolve_base_url(args.base_url)
    if base_url.rstrip("/").endswith("/api/v2"):
        return ""
    return (
        f" (the base URL {base_url} does not end in /api/v2: --base-url wants the API v2 "
        "root, e.g. https://circleci.example.com/api/v2)"
    )


def _os_error(exc: OSError) -> str:
    if exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    return _one_line(exc)


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0]
