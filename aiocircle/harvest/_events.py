"""Progress events of a harvest: small frozen objects a callback can ``match`` on.

::

    def show(event: ProgressEvent) -> None:
        match event:
            case FileDone(item=item, bytes=n):
                print(f"{item.artifact.path}: {n} bytes")
            case FileFailed(item=item, message=message):
                print(f"{item.artifact.path} failed: {message}")

A callback that raises is logged on the ``aiocircle`` logger and otherwise ignored:
a broken progress display never breaks a download.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import attrs

from ..errors import CircleCIError
from ._types import DownloadReport, JobArtifact

logger = logging.getLogger("aiocircle")


@attrs.frozen
class FileQueued:
    """An artifact was listed and will be downloaded (or skipped)."""

    item: JobArtifact


@attrs.frozen
class ListingDone:
    """Listing has ended: ``total_files`` artifacts were queued (after the filters), and no
    ``FileQueued`` follows. Sent once, when the source finishes, while downloads may still
    run; not sent when listing itself fails (the harvest then raises)."""

    total_files: int


@attrs.frozen
class FileStarted:
    """The download answered; ``total`` is its length in bytes when the server said."""

    item: JobArtifact
    total: int | None


@attrs.frozen
class BytesReceived:
    """``bytes`` more bytes of the file were written."""

    item: JobArtifact
    bytes: int


@attrs.frozen
class FileRetrying:
    """An attempt failed and will be retried after ``delay`` seconds."""

    item: JobArtifact
    attempt: int
    delay: float
    reason: str


@attrs.frozen
class FileDone:
    item: JobArtifact
    local_path: Path
    bytes: int


@attrs.frozen
class FileSkipped:
    """The file was already complete on disk, so nothing was downloaded.

    ``checked`` is ``False`` when the manifest vouched for it (no request at all) and
    ``True`` when a one-byte probe of the server confirmed its size."""

    item: JobArtifact
    local_path: Path
    checked: bool = True


@attrs.frozen
class FileFailed:
    """The file could not be downloaded (after retries) or was refused (unsafe path)."""

    item: JobArtifact
    error: CircleCIError = attrs.field(eq=False)
    message: str
    refused: bool = False


@attrs.frozen
class HarvestFinished:
    report: DownloadReport


ProgressEvent = (
    FileQueued
    | ListingDone
    | FileStarted
    | BytesReceived
    | FileRetrying
    | FileDone
    | FileSkipped
    | FileFailed
    | HarvestFinished
)
ProgressCallback = Callable[[ProgressEvent], object]


def emit(callback: ProgressCallback | None, event: ProgressEvent) -> None:
    """Deliver ``event``; a failing callback is logged, never raised."""
    if callback is None:
        return
    try:
        callback(event)
    except Exception:
        logger.exception("the progress callback raised on %s; ignoring it", type(event).__name__)
