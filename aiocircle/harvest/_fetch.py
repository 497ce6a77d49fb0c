"""Fetch one artifact to a file: probe what is on disk, stream, verify the length, rename.

The body goes to a temporary file with a short name of its own (``.aiocircle-<hex>.part``)
beside the target, so a target name of up to 255 bytes still fits; it is renamed into
place only when its length is right, and removed on any failure or cancellation.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import secrets
import stat
from collections.abc import Mapping
from typing import IO

import attrs
from yarl import URL

from .._core import Core, Download
from .._retry import RetryEvent
from ..errors import TransportError
from ._events import BytesReceived, FileRetrying, FileStarted, ProgressCallback, emit
from ._types import DownloadStatus, JobArtifact

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_UNSATISFIED_RANGE = re.compile(r"bytes \*/(\d+)")
PART_PREFIX = ".aiocircle-"
PART_SUFFIX = ".part"
_NAMES = itertools.count()
"""Numbers partial files apart within this process (``xb`` settles any clash)."""
_PROCESS = secrets.token_hex(3)


@attrs.frozen
class Outcome:
    """What one fetch did: ``bytes`` written and, for a file it wrote, its ``stat``."""

    status: DownloadStatus
    bytes: int = 0
    stat: os.stat_result | None = None


@attrs.define
class _Partial:
    """A temporary file being written, kept across retries so they can resume."""

    path: str | None = None
    written: int = 0
    reported: bool = False

    def discard(self) -> None:
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
            self.path = None
        self.written = 0


class Folders:
    """Folders this harvest has made, so each is created once, not once per file."""

    def __init__(self) -> None:
        self._made: set[str] = set()

    def ensure(self, folder: str) -> None:
        if folder in self._made:
            return
        try:
            os.mkdir(folder)  # the common case: its parent exists (one call, not two)
        except FileExistsError:
            pass  # a file there fails the open that follows, with its own clear error
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
        self._made.add(folder)


def size_on_disk(path: str | os.PathLike[str]) -> int | None:
    """The size of the regular file at ``path``, or ``None`` when there is none."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_size if stat.S_ISREG(found.st_mode) else None


# Folders, files and writes are made on the loop, not in a thread: measured, a thread hop
# per file cost more than the file system calls it moved (and slowed every socket call
# on the loop, which then waits for the GIL), see docs/benchmarks.md.
def _new_partial_file(target: str, folders: Folders) -> tuple[str, IO[bytes]]:
    """Create and open an empty temporary file beside ``target``, honouring the umask."""
    folder = os.path.dirname(target)
    folders.ensure(folder)
    while True:
        path = os.path.join(folder, f"{PART_PREFIX}{_PROCESS}{next(_NAMES):x}{PART_SUFFIX}")
        try:
            return path, open(path, "xb")
        except FileExistsError:
            continue


def _open_at(path: str, offset: int) -> IO[bytes]:
    """Open a partial file for writing from ``offset``, dropping anything after it."""
    file = open(path, "r+b")  # noqa: SIM115 - closed by the caller's with-block
    file.seek(offset)
    file.truncate()
    return file


def _expected_total(
    status: int, headers: Mapping[str, str], partial: _Partial, path: str
) -> int | None:
    """The full file length; resets ``partial`` when the server ignored our Range."""
    if status == 206:
        match = _CONTENT_RANGE.fullmatch(headers.get("Content-Range", "").strip())
        if match is None or int(match.group(1)) != partial.written:
            partial.discard()
            raise TransportError("GET", path, "server answered a range we did not ask for")
        return None if match.group(3) == "*" else int(match.group(3))
    if partial.written:
        partial.discard()  # a 200 to a Range request: the whole body comes again
    length = headers.get("Content-Length", "")
    return int(length) if length.isdigit() else None


class Fetch:
    """One artifact's download into ``target``, run by :meth:`run` under the core's retries."""

    def __init__(
        self,
        core: Core,
        item: JobArtifact,
        target: str,
        *,
        probe: bool,
        folders: Folders,
        progress: ProgressCallback | None,
    ) -> None:
        self._core = core
        self._item = item
        self._target = target
        self._probe = probe
        self._folders = folders
        self._progress = progress
        self._partial = _Partial()

    async def run(self) -> Outcome:
        """Download (or confirm) the file; raise the last error once retries are spent."""
        url = URL(self._item.artifact.url, encoded=True)

        def on_retry(event: RetryEvent) -> None:
            emit(
                self._progress,
                FileRetrying(self._item, event.attempt, event.delay, event.reason),
            )

        try:
            return await self._core.retrying(
                lambda number: self._attempt(url, number),
                method="GET",
                url=url,
                idempotent=True,
                on_retry=on_retry,
            )
        finally:
            self._partial.discard()

    async def _attempt(self, url: URL, number: int) -> Outcome:
        """One try: ask the core for the body, check the range, stream, verify, rename.

        When a file of that name is already on disk (and no manifest vouched for it), the
        first request asks for just the byte after its end: a complete file gets
        ``416 bytes */<its size>`` and no body. A server that ignores ``Range`` answers 200
        with the whole body: its ``Content-Length`` decides, and the body is not read
        when the length matches. Any other answer starts over with a plain request.
        """
        partial = self._partial
        on_disk = size_on_disk(self._target) if self._probe and not partial.written else None
        probe = bool(on_disk)
        while True:
            headers: dict[str, str] = {}
            if partial.written:
                headers["Range"] = f"bytes={partial.written}-"
            elif probe:
                headers["Range"] = f"bytes={on_disk}-{on_disk}"
            accept = (416,) if probe else ()
            async with self._core.download(
                url, headers=headers, accept=accept, attempt=number
            ) as response:
                if probe and response.status in (206, 416):
                    unsatisfied = _UNSATISFIED_RANGE.fullmatch(
                        response.headers.get("Content-Range", "").strip()
                    )
                    if response.status == 416 and unsatisfied and int(unsatisfied[1]) == on_disk:
                        # The object ends where the file does.
                        return Outcome(DownloadStatus.SKIPPED)
                    # Longer, shorter, or the server did not say: ask for the whole object.
                    probe = False
                    continue
                total = _expected_total(response.status, response.headers, partial, url.path)
                if partial.written == 0 and on_disk is not None and total == on_disk:
                    return Outcome(DownloadStatus.SKIPPED)  # leaving the block closes, unread
                return await self._save(response, total)

    async def _save(self, response: Download, total: int | None) -> Outcome:
        partial = self._partial
        if not partial.reported:
            emit(self._progress, FileStarted(self._item, total))
            partial.reported = True
        stat = await self._stream_into(response)
        if total is not None and partial.written != total:
            raise TransportError(
                "GET", response.url.path, f"body truncated: {partial.written} of {total} bytes"
            )
        assert partial.path is not None
        os.replace(partial.path, self._target)
        size, partial.path, partial.written = partial.written, None, 0
        return Outcome(DownloadStatus.DOWNLOADED, size, stat)

    async def _stream_into(self, chunks: Download) -> os.stat_result:
        """Append the body to the partial file; its stat once written (a rename keeps it)."""
        partial = self._partial
        if partial.path is None:
            partial.path, opened = _new_partial_file(self._target, self._folders)
        else:  # a retry resuming from the bytes it has
            opened = _open_at(partial.path, partial.written)
        progress, item = self._progress, self._item
        with opened as file:
            async for chunk in chunks:
                # Buffered writes to the page cache are fast; a thread hop per chunk costs more.
                file.write(chunk)
                partial.written += len(chunk)
                if progress is not None:
                    emit(progress, BytesReceived(item, len(chunk)))
            file.flush()
            return os.fstat(file.fileno())
