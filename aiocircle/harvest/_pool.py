"""The worker pool: sources put artifacts into a bounded queue, workers fetch them.

Sources (see :mod:`._sources`) list artifacts while the workers download them, so the
first job's files arrive while later jobs are still being listed. Each artifact's failure
is its own entry; only a failure of the source itself (the workflow is gone) ends the run.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

import attrs

from .._core import Core
from ..errors import ArtifactError, CircleCIError, LocalFileError, UnsafePathError
from ._events import (
    FileDone,
    FileFailed,
    FileQueued,
    FileSkipped,
    HarvestFinished,
    ListingDone,
    emit,
)
from ._fetch import Fetch, Folders
from ._manifest import Manifest
from ._options import HarvestOptions
from ._sources import Source, items
from ._types import (
    DownloadEntry,
    DownloadReport,
    DownloadStatus,
    Filter,
    JobArtifact,
    ListingFailure,
    default_relative,
)


@attrs.frozen
class _Target:
    """Where one artifact goes: its real ``path``, its manifest ``key`` (relative to the
    root) and whether its folder is ``new`` (did not exist before this harvest)."""

    path: str
    key: str
    new: bool


def _parts(path: str) -> list[str]:
    """The components of a POSIX path, as ``PurePosixPath(path).parts`` has them without
    the root: empty and ``.`` components dropped (plain string work: this runs per file)."""
    return [part for part in path.split("/") if part and part != "."]


def _matcher(spec: Filter | None) -> Callable[[JobArtifact], bool] | None:
    if spec is None:
        return None
    if callable(spec):
        return spec
    patterns = [spec] if isinstance(spec, str) else list(spec)
    return lambda item: any(fnmatch.fnmatchcase(item.artifact.path, p) for p in patterns)


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    error: BaseException = group
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


def as_circleci_error(exc: BaseException, where: str) -> CircleCIError:
    """``exc`` itself when it is ours; an OSError as :class:`LocalFileError`; anything
    else as :class:`ArtifactError`, with the original as its cause."""
    if isinstance(exc, CircleCIError):
        return exc
    if isinstance(exc, OSError):
        wrapped: CircleCIError = LocalFileError(exc.filename or where, exc.strerror or str(exc))
    else:
        wrapped = ArtifactError(f"{where}: {exc!r}")
    wrapped.__cause__ = exc
    return wrapped


class Harvest:
    """One run of downloads into ``dest``, configured by :class:`HarvestOptions`."""

    def __init__(
        self, core: Core, dest: str | os.PathLike[str], options: HarvestOptions | None = None
    ) -> None:
        self.options = options = options or HarvestOptions()
        self.core = core
        self._dest = Path(dest)
        self._include = _matcher(options.include)
        self._exclude = _matcher(options.exclude)
        self._progress = options.progress
        layout = options.layout
        self._layout: Callable[[JobArtifact], str] = (
            default_relative if layout is None else lambda item: os.fspath(layout(item))
        )
        self._claimed: set[str] = set()
        self._folders_seen: dict[tuple[str, ...], tuple[str, bool]] = {}
        self._entries: list[DownloadEntry] = []
        self._listing: list[ListingFailure] = []
        self._folders = Folders()
        self._manifest: Manifest | None = None

    # -- running --------------------------------------------------------------------------

    async def run(self, source: Source) -> DownloadReport:
        """Run ``source`` and the workers together until both are done."""
        concurrency = self.options.concurrency
        self._dest.mkdir(parents=True, exist_ok=True)
        self._root = self._dest.resolve()
        self._root_prefix = os.path.join(self._root, "")
        self._folders.ensure(str(self._root))
        if self.options.manifest:
            self._manifest = Manifest(self._root)
        queue: asyncio.Queue[JobArtifact | None] = asyncio.Queue(maxsize=concurrency * 4)
        queued = 0

        async def put(item: JobArtifact) -> None:
            nonlocal queued
            if self._include and not self._include(item):
                return
            if self._exclude and self._exclude(item):
                return
            queued += 1
            emit(self._progress, FileQueued(item))
            await queue.put(item)

        async def producer() -> None:
            await source(put, self._listing_failed)
            # The true total is known now, while the last files may still be downloading.
            emit(self._progress, ListingDone(total_files=queued))
            # Only on success: if listing fails, the task group cancels the workers, and
            # waiting here for room in a full queue would never end.
            for _ in range(concurrency):
                await queue.put(None)

        async def worker() -> None:
            while (item := await queue.get()) is not None:
                self._entries.append(await self._download(item))

        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(producer())
                for _ in range(concurrency):
                    group.create_task(worker())
        except BaseExceptionGroup as failed:
            # Listing the workflow or pipeline failed (404, 401...): raise that error, not a
            # group of groups. Downloads in flight were cancelled and cleaned up.
            raise _first_error(failed)  # noqa: B904 - its context is the group
        finally:
            if self._manifest is not None:
                self._manifest.flush()
        report = DownloadReport(entries=self._entries, listing=self._listing)
        emit(self._progress, HarvestFinished(report))
        return report

    async def from_items(self, found: Iterable[JobArtifact]) -> DownloadReport:
        """Download artifacts already in hand."""
        return await self.run(items(found))

    def _listing_failed(self, slug: str, job_number: int, error: CircleCIError) -> None:
        """Record a job whose artifacts could not be listed; the harvest goes on."""
        typed = as_circleci_error(error, f"{slug}#{job_number}")
        self._listing.append(
            ListingFailure(
                project_slug=slug, job_number=job_number, error=typed, message=str(typed)
            )
        )

    # -- one artifact -------------------------------------------------------------------

    def _target(self, item: JobArtifact) -> _Target:
        relative = self._layout(item)
        parts = _parts(relative)
        if relative.startswith("/") or not parts:
            raise UnsafePathError(f"artifact path {item.artifact.path!r} is absolute")
        own = _parts(item.artifact.path)
        if ".." in parts or ".." in own:
            raise UnsafePathError(f"artifact path {item.artifact.path!r} climbs out with '..'")
        if not own:
            raise UnsafePathError(f"artifact path {item.artifact.path!r} names no file")
        *folders, name = parts
        parent, new = self._folder(tuple(folders))
        path = f"{parent}{os.sep}{name}"
        if not new and os.path.islink(path):
            path = os.path.realpath(path)
        if not path.startswith(self._root_prefix):  # outside, or the root itself
            raise UnsafePathError(
                f"artifact path {item.artifact.path!r} leads outside {self._dest}"
            )
        if path in self._claimed:
            raise UnsafePathError(f"another artifact already maps to {path}")
        self._claimed.add(path)
        return _Target(path, path[len(self._root_prefix) :], new)

    def _folder(self, parts: tuple[str, ...]) -> tuple[str, bool]:
        """The real path of the folder ``parts`` below the root, and whether it is new.

        Each folder is looked at once (one ``lstat``), since only this harvest creates
        folders below dest. A folder that did not exist is new: nothing in it can be a
        symlink, so its files need no look at all.
        """
        known = self._folders_seen.get(parts)
        if known is not None:
            return known
        if not parts:
            found = (self._root_prefix[:-1], False)  # "" for "/"
        else:
            parent, new = self._folder(parts[:-1])
            here = f"{parent}{os.sep}{parts[-1]}"
            if not new:
                try:
                    if stat.S_ISLNK(os.lstat(here).st_mode):
                        here = os.path.realpath(here)
                except FileNotFoundError:
                    new = True
            found = (here, new)
        self._folders_seen[parts] = found
        return found

    async def _download(self, item: JobArtifact) -> DownloadEntry:
        """Download one artifact; whatever goes wrong is this entry's failure, not the run's."""
        try:
            target = self._target(item)
        except UnsafePathError as exc:
            emit(self._progress, FileFailed(item, exc, str(exc), refused=True))
            return DownloadEntry(
                item=item, status=DownloadStatus.REFUSED, error=exc, message=str(exc)
            )
        except Exception as exc:  # a layout that raised, a symlink loop in dest...
            return self._failed(item, exc)
        path = Path(target.path)
        # In a folder this harvest creates, there is no file yet to trust or to probe.
        existing = not (target.new or self.options.overwrite)
        manifest = self._manifest if existing else None
        if manifest is not None and manifest.trusts(item, target.key, path):
            emit(self._progress, FileSkipped(item, path, checked=False))
            return DownloadEntry(item=item, status=DownloadStatus.SKIPPED, local_path=path)
        fetch = Fetch(
            self.core,
            item,
            target.path,
            probe=existing,
            folders=self._folders,
            progress=self._progress,
        )
        try:
            outcome = await fetch.run()
        except Exception as exc:  # one artifact never cancels the others
            return self._failed(item, exc)
        if self._manifest is not None:
            self._manifest.record(item, target.key, outcome.stat or path)
        if outcome.status is DownloadStatus.SKIPPED:
            emit(self._progress, FileSkipped(item, path))
        else:
            emit(self._progress, FileDone(item, path, outcome.bytes))
        return DownloadEntry(item=item, status=outcome.status, local_path=path, bytes=outcome.bytes)

    def _failed(self, item: JobArtifact, exc: Exception) -> DownloadEntry:
        error = as_circleci_error(exc, item.artifact.path)
        message = str(error)
        emit(self._progress, FileFailed(item, error, message))
        return DownloadEntry(item=item, status=DownloadStatus.FAILED, error=error, message=message)
