"""Exit codes, and how a download report is shown: text, ``--json``, hints, the progress bar."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import attrs
from yarl import URL

from ..harvest import DownloadReport, DownloadStatus, JobArtifact

# 2: the command line is wrong (nothing was sent). 1: the command line is fine but the
# command failed: configuration (no token), CircleCI, the network or the disk.
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def rich_installed() -> bool:
    """Whether the ``cli`` extra (rich, for the progress bar) is importable."""
    try:
        return importlib.util.find_spec("rich") is not None
    except (ImportError, ValueError):
        return False


def jsonable(value: Any) -> Any:
    if attrs.has(type(value)):
        return {
            f.name: jsonable(getattr(value, f.name))
            for f in attrs.fields(type(value))
            if f.name != "raw"
        }
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
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
                "error": e.message,
                "error_type": type(e.error).__name__ if e.error else None,
            }
            for e in report.entries
        ],
        "listing_failures": [
            {
                "project": f.project_slug,
                "job_number": f.job_number,
                "error": f.message,
                "error_type": type(f.error).__name__,
            }
            for f in report.listing
        ],
    }


def job_label(item: JobArtifact) -> str:
    """``gh/acme/widgets#4711 build``: which job an artifact belongs to."""
    number = "latest" if item.job_number is None else item.job_number
    name = f" {item.job_name}" if item.job_name else ""
    return f"{item.project_slug}#{number}{name}"


_UNAUTHORIZED = re.compile(r"\b401\b")


def unauthorized_hint(report: DownloadReport) -> str | None:
    """A hint when artifact downloads were answered 401: the host likely lacks the token."""
    hosts = []
    for entry in report.failed:
        if entry.status is DownloadStatus.FAILED and _UNAUTHORIZED.search(entry.message or ""):
            url = URL(entry.item.artifact.url)
            host = f"{url.host}:{url.explicit_port}" if url.explicit_port else url.host
            if host and host not in hosts:
                hosts.append(host)
    if not hosts:
        return None
    return (
        f"artifact downloads from {', '.join(hosts)} were refused with 401: the token is sent "
        "only to hosts matching --artifact-host (artifact_hosts= in Python); "
        f"if that host serves your artifacts, pass --artifact-host {hosts[0]}"
    )


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
        out.write(f"  {entry.status}: {job_label(entry.item)}: {entry.path}: {entry.message}\n")
    for failure in report.listing:
        out.write(
            f"  listing failed: {failure.project_slug}#{failure.job_number}: {failure.message}\n"
        )


def progress_bar(args: argparse.Namespace) -> contextlib.AbstractContextManager[Any]:
    """The progress bar, when one should be drawn and rich is installed; else nothing."""
    wanted = not (args.json or args.no_progress) and sys.stderr.isatty()
    if not rich_installed():
        if wanted:
            print(
                "aiocircle: no progress bar without rich: pip install 'aiocircle[cli]'",
                file=sys.stderr,
            )
        return contextlib.nullcontext(None)
    from ._progress import HarvestProgress, console

    return HarvestProgress(console(), enabled=wanted)
