"""Progress events of artifact downloads: small frozen objects a callback can ``match`` on.

::

    def show(event: ProgressEvent) -> None:
        match event:
            case FileDone(item=item, bytes=n):
                print(f"{item.artifact.path}: {n} bytes")
            case FileFailed(item=item, error=error):
                print(f"{item.artifact.path} failed: {error}")

A callback that raises is logged on the ``aiocircle`` logger and otherwise ignored:
a broken progress display never breaks a download.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from .download import DownloadReport, JobArtifact

logger = logging.getLogger("aiocircle")


@attrs.frozen
class FileQueued:
    """An artifact was listed and will be downloaded (or skipped)."""

    item: JobArtifact


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
    """The file was already complete on disk (same size), so nothing was downloaded."""

    item: JobArtifact
    local_path: Path


@attrs.frozen
class FileFailed:
    """The file could not be downloaded (after retries) or was refused (unsafe path)."""

    item: JobArtifact
    error: str
    refused: bool = False


@attrs.frozen
class HarvestFinished:
    report: DownloadReport


ProgressEvent = (
    FileQueued
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
