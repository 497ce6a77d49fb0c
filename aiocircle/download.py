"""Artifact harvesting: stream many artifacts to disk concurrently, safely and resumably.

A producer lists artifacts (workflow → jobs → artifacts per job number) into a bounded
queue while a pool of workers downloads them, so downloads of the first job start
while later jobs are still being listed. Each file is written to a temporary file
beside its target and renamed into place only when its length is right; a failed or
cancelled download leaves neither a partial target nor a temporary file behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import fnmatch
import os
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import IO

import attrs
from yarl import URL

from ._core import Core
from ._retry import RetryEvent
from .errors import CircleCIError, TransportError
from .models import Artifact
from .progress import (
    BytesReceived,
    FileDone,
    FileFailed,
    FileQueued,
    FileRetrying,
    FileSkipped,
    FileStarted,
    HarvestFinished,
    ProgressCallback,
    emit,
)

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_UNSATISFIED_RANGE = re.compile(r"bytes \*/(\d+)")


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
    """What happened to one artifact."""

    item: JobArtifact
    status: DownloadStatus
    local_path: Path | None = None
    bytes: int = 0
    error: str | None = None

    @property
    def path(self) -> str:
        return self.item.artifact.path


@attrs.frozen(kw_only=True)
class ListingFailure:
    """A job whose artifacts could not be listed."""

    project_slug: str
    job_number: int
    error: str


class DownloadError(CircleCIError):
    """Some artifacts were not downloaded; ``report`` says which and why."""

    def __init__(self, report: DownloadReport) -> None:
        self.report = report
        problems = report.failed + report.refused
        lines = [f"{e.item.project_slug}#{e.item.job_number} {e.path}: {e.error}" for e in problems]
        lines += [f"{f.project_slug}#{f.job_number} (listing): {f.error}" for f in report.listing]
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


def _safe_component(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned or "job"


def default_layout(item: JobArtifact) -> PurePosixPath:
    """``<job_number>-<job_name>/<node_index>/<path>``: no collisions across jobs and nodes."""
    if item.job_number is None:
        job = "latest"
    else:
        job = f"{item.job_number}-{_safe_component(item.job_name or 'job')}"
    return PurePosixPath(job, str(item.artifact.node_index), item.artifact.path)


def _matcher(spec: Filter | None) -> Callable[[JobArtifact], bool] | None:
    if spec is None:
        return None
    if callable(spec):
        return spec
    patterns = [spec] if isinstance(spec, str) else list(spec)
    return lambda item: any(fnmatch.fnmatchcase(item.artifact.path, p) for p in patterns)


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


# Local-disk metadata calls and buffered writes to the page cache take microseconds; a
# thread hop for each would cost more than it saves, so they run on the loop.
def _size_on_disk(path: Path) -> int | None:
    try:
        return path.stat().st_size if path.is_file() else None
    except OSError:
        return None


def _open_at(path: Path, offset: int) -> IO[bytes]:
    """Open a partial file for writing from ``offset``, dropping anything after it."""
    file = open(path, "r+b")  # noqa: SIM115 - closed by the caller's with-block
    file.seek(offset)
    file.truncate()
    return file


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    error: BaseException = group
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


def _new_partial_file(target: Path) -> Path:
    """Create an empty, hidden temporary file beside ``target``, honouring the umask."""
    target.parent.mkdir(parents=True, exist_ok=True)
    while True:
        path = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        try:
            open(path, "xb").close()
        except FileExistsError:
            continue
        return path


async def _in_thread_then_clean_up(target: Path) -> Path:
    """Create the partial file in a thread: on some file systems creating folders and files
    costs the loop real time. A cancelled wait does not stop the thread, so then we wait
    for it to finish (milliseconds) and remove what it created before passing the
    cancellation on."""
    creating = asyncio.ensure_future(asyncio.to_thread(_new_partial_file, target))
    try:
        return await asyncio.shield(creating)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            (await creating).unlink(missing_ok=True)
        raise


class _Refused(Exception):
    """An artifact whose path would land outside the destination."""


@attrs.define
class _Partial:
    """A temporary file being written, kept across retries so they can resume."""

    path: Path | None = None
    written: int = 0
    reported: bool = False

    def discard(self) -> None:
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            self.path = None
        self.written = 0


_Outcome = tuple[DownloadStatus, int]


class Harvest:
    """One run of downloads into ``dest`` with a worker pool of ``concurrency``."""

    def __init__(
        self,
        core: Core,
        dest: str | os.PathLike[str],
        *,
        concurrency: int = 8,
        include: Filter | None = None,
        exclude: Filter | None = None,
        overwrite: bool = False,
        progress: ProgressCallback | None = None,
        layout: Layout | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        self._core = core
        self._dest = Path(dest)
        self._concurrency = concurrency
        self._include = _matcher(include)
        self._exclude = _matcher(exclude)
        self._overwrite = overwrite
        self._progress = progress
        self._layout = layout or default_layout
        self._claimed: set[Path] = set()
        self._entries: list[DownloadEntry] = []
        self._listing: list[ListingFailure] = []

    # -- running --------------------------------------------------------------------------

    async def run(
        self, produce: Callable[[Callable[[JobArtifact], Awaitable[None]]], Awaitable[None]]
    ) -> DownloadReport:
        """Run ``produce(put)`` and the download workers together until both are done."""
        self._dest.mkdir(parents=True, exist_ok=True)
        self._root = self._dest.resolve()
        queue: asyncio.Queue[JobArtifact | None] = asyncio.Queue(maxsize=self._concurrency * 4)

        async def put(item: JobArtifact) -> None:
            if self._include and not self._include(item):
                return
            if self._exclude and self._exclude(item):
                return
            emit(self._progress, FileQueued(item))
            await queue.put(item)

        async def producer() -> None:
            await produce(put)
            # Only on success: if listing fails, the task group cancels the workers, and
            # waiting here for room in a full queue would never end.
            for _ in range(self._concurrency):
                await queue.put(None)

        async def worker() -> None:
            while (item := await queue.get()) is not None:
                self._entries.append(await self._download(item))

        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(producer())
                for _ in range(self._concurrency):
                    group.create_task(worker())
        except BaseExceptionGroup as failed:
            # Listing the workflow or pipeline failed (404, 401...): raise that error, not a
            # group of groups. Downloads in flight were cancelled and cleaned up.
            raise _first_error(failed)  # noqa: B904 - its context is the group
        report = DownloadReport(entries=self._entries, listing=self._listing)
        emit(self._progress, HarvestFinished(report))
        return report

    async def from_items(self, items: Iterable[JobArtifact]) -> DownloadReport:
        async def produce(put: Callable[[JobArtifact], Awaitable[None]]) -> None:
            for item in items:
                await put(item)

        return await self.run(produce)

    def listing_failed(self, slug: str, job_number: int, error: CircleCIError) -> None:
        """Record a job whose artifacts could not be listed; the harvest goes on."""
        self._listing.append(
            ListingFailure(project_slug=slug, job_number=job_number, error=str(error))
        )

    # -- one artifact -------------------------------------------------------------------

    def _target(self, item: JobArtifact) -> Path:
        relative = PurePosixPath(self._layout(item))
        if relative.is_absolute() or not relative.parts:
            raise _Refused(f"artifact path {item.artifact.path!r} is absolute")
        own = PurePosixPath(item.artifact.path).parts
        if ".." in relative.parts or ".." in own:
            raise _Refused(f"artifact path {item.artifact.path!r} climbs out with '..'")
        if not own or own == (".",):
            raise _Refused(f"artifact path {item.artifact.path!r} names no file")
        target = self._root.joinpath(*relative.parts)
        resolved = target.resolve()
        if not resolved.is_relative_to(self._root) or resolved == self._root:
            raise _Refused(f"artifact path {item.artifact.path!r} leads outside {self._dest}")
        if resolved in self._claimed:
            raise _Refused(f"another artifact already maps to {resolved}")
        self._claimed.add(resolved)
        return resolved

    async def _download(self, item: JobArtifact) -> DownloadEntry:
        """Download one artifact; whatever goes wrong is this entry's failure, not the run's."""
        try:
            target = self._target(item)
        except _Refused as exc:
            emit(self._progress, FileFailed(item, str(exc), refused=True))
            return DownloadEntry(item=item, status=DownloadStatus.REFUSED, error=str(exc))
        except Exception as exc:  # a layout that raised, a symlink loop in dest...
            return self._failed(item, exc)
        partial = _Partial()

        def on_retry(event: RetryEvent) -> None:
            emit(self._progress, FileRetrying(item, event.attempt, event.delay, event.reason))

        try:
            url = URL(item.artifact.url, encoded=True)
            status, size = await self._core.retrying(
                lambda number: self._attempt(item, url, target, partial, number),
                method="GET",
                url=url,
                idempotent=True,
                on_retry=on_retry,
            )
        except Exception as exc:  # one artifact never cancels the others
            return self._failed(item, exc)
        finally:
            partial.discard()
        if status is DownloadStatus.SKIPPED:
            emit(self._progress, FileSkipped(item, target))
        else:
            emit(self._progress, FileDone(item, target, size))
        return DownloadEntry(item=item, status=status, local_path=target, bytes=size)

    def _failed(self, item: JobArtifact, exc: Exception) -> DownloadEntry:
        message = str(exc) if isinstance(exc, CircleCIError | OSError) else repr(exc)
        emit(self._progress, FileFailed(item, message))
        return DownloadEntry(item=item, status=DownloadStatus.FAILED, error=message)

    async def _attempt(
        self, item: JobArtifact, url: URL, target: Path, partial: _Partial, number: int
    ) -> _Outcome:
        """One try: ask the core for the body, check the range, stream, verify, rename.

        When a file of that name is already on disk, the first request asks for just the
        byte after its end: a complete file gets ``416 bytes */<its size>`` and no body.
        Any other answer to that probe starts over with a plain request.
        """
        on_disk = None if partial.written or self._overwrite else _size_on_disk(target)
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
                        return DownloadStatus.SKIPPED, 0  # the object ends where the file does
                    # Longer, shorter, or the server did not say: ask for the whole object.
                    probe = False
                    continue
                path = response.url.path
                total = _expected_total(response.status, response.headers, partial, path)
                if partial.written == 0 and on_disk is not None and total == on_disk:
                    return DownloadStatus.SKIPPED, 0
                if not partial.reported:
                    emit(self._progress, FileStarted(item, total))
                    partial.reported = True
                await self._stream_into(item, response.chunks(), target, partial)
                if total is not None and partial.written != total:
                    raise TransportError(
                        "GET", path, f"body truncated: {partial.written} of {total} bytes"
                    )
                assert partial.path is not None
                os.replace(partial.path, target)
                size, partial.path, partial.written = partial.written, None, 0
                return DownloadStatus.DOWNLOADED, size

    async def _stream_into(
        self,
        item: JobArtifact,
        chunks: AsyncIterator[bytes],
        target: Path,
        partial: _Partial,
    ) -> None:
        if partial.path is None:
            partial.path = await _in_thread_then_clean_up(target)
        with _open_at(partial.path, partial.written) as file:
            async for chunk in chunks:
                # Buffered writes to the page cache are fast; a thread hop per chunk costs more.
                file.write(chunk)
                partial.written += len(chunk)
                emit(self._progress, BytesReceived(item, len(chunk)))
