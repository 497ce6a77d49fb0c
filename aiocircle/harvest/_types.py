"""What a harvest works on and reports: artifacts with their job, per-file outcomes, totals."""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

import attrs

from ..errors import CircleCIError
from ..models import Artifact


@attrs.frozen(kw_only=True)
class JobArtifact:
    """An artifact with the job it belongs to (``job_number`` is ``None`` for v1.1 lists)."""

    artifact: Artifact
    project_slug: str
    job_number: int | None = None
    job_name: str | None = None


Layout = Callable[[JobArtifact], str | PurePosixPath]
"""Maps an artifact to its path relative to the destination folder."""

Filter = str | Sequence[str] | Callable[[JobArtifact], bool]
"""Glob pattern(s) matched against the artifact path, or a predicate."""


class DownloadStatus(enum.StrEnum):
    DOWNLOADED = "downloaded"
    SKIPPED = "skipped"
    FAILED = "failed"
    REFUSED = "refused"


@attrs.frozen(kw_only=True)
class DownloadEntry:
    """What happened to one artifact; a failure carries its typed ``error`` and ``message``."""

    item: JobArtifact
    status: DownloadStatus
    local_path: Path | None = None
    bytes: int = 0
    error: CircleCIError | None = attrs.field(default=None, eq=False)
    message: str | None = None

    @property
    def path(self) -> str:
        return self.item.artifact.path


@attrs.frozen(kw_only=True)
class ListingFailure:
    """A job whose artifacts could not be listed, with the typed error and its message."""

    project_slug: str
    job_number: int
    error: CircleCIError = attrs.field(eq=False)
    message: str


class DownloadError(CircleCIError):
    """Some artifacts were not downloaded; ``report`` says which and why."""

    def __init__(self, report: DownloadReport) -> None:
        self.report = report
        problems = report.failed + report.refused
        lines = [
            f"{e.item.project_slug}#{e.item.job_number} {e.path}: {e.message}" for e in problems
        ]
        lines += [f"{f.project_slug}#{f.job_number} (listing): {f.message}" for f in report.listing]
        shown = "\n  ".join(lines[:20])
        more = f"\n  … and {len(lines) - 20} more" if len(lines) > 20 else ""
        super().__init__(f"{len(lines)} artifact download(s) failed:\n  {shown}{more}")


@attrs.frozen(kw_only=True)
class DownloadReport:
    """One entry per artifact, the jobs that could not be listed, and totals."""

    entries: list[DownloadEntry]
    listing: list[ListingFailure] = attrs.field(factory=list)

    def _with(self, status: DownloadStatus) -> list[DownloadEntry]:
        return [e for e in self.entries if e.status is status]

    @property
    def downloaded(self) -> list[DownloadEntry]:
        return self._with(DownloadStatus.DOWNLOADED)

    @property
    def skipped(self) -> list[DownloadEntry]:
        return self._with(DownloadStatus.SKIPPED)

    @property
    def failed(self) -> list[DownloadEntry]:
        return self._with(DownloadStatus.FAILED)

    @property
    def refused(self) -> list[DownloadEntry]:
        return self._with(DownloadStatus.REFUSED)

    @property
    def bytes(self) -> int:
        """Bytes downloaded by this run (skipped files not counted)."""
        return sum(e.bytes for e in self.downloaded)

    @property
    def ok(self) -> bool:
        return not (self.failed or self.refused or self.listing)

    def raise_for_failures(self) -> None:
        """Raise :class:`DownloadError` if any artifact failed, was refused or went unlisted."""
        if not self.ok:
            raise DownloadError(self)


@functools.lru_cache(maxsize=1024)
def _safe_component(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned or "job"


def default_relative(item: JobArtifact) -> str:
    """:func:`default_layout` as text (what the harvest itself uses: it runs per file)."""
    path = item.artifact.path
    if path.startswith("/"):
        return path  # as in PurePosixPath(job, node, path): refused as absolute
    if item.job_number is None:
        job = "latest"
    else:
        job = f"{item.job_number}-{_safe_component(item.job_name or 'job')}"
    return f"{job}/{item.artifact.node_index}/{path}"


def default_layout(item: JobArtifact) -> PurePosixPath:
    """``<job_number>-<job_name>/<node_index>/<path>``: no collisions across jobs and nodes."""
    return PurePosixPath(default_relative(item))
