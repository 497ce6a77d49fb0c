"""A rich progress display for harvests: files, bytes, throughput and ETA."""

from __future__ import annotations

from types import TracebackType

from rich import filesize
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from ..harvest import (
    BytesReceived,
    FileDone,
    FileFailed,
    FileQueued,
    FileRetrying,
    FileSkipped,
    FileStarted,
    ProgressEvent,
)


class _Counts(ProgressColumn):
    """``12/40 files`` on the files bar; ``3.1/9.8 MB  12.0 MB/s`` on the bytes bar."""

    def render(self, task: Task) -> Text:
        done, total = int(task.completed), int(task.total or 0)
        if task.fields.get("unit") != "bytes":
            return Text(f"{done}/{total} files")
        speed = f"{filesize.decimal(int(task.speed))}/s" if task.speed else ""
        return Text(f"{filesize.decimal(done)}/{filesize.decimal(total)}  {speed}")


def console() -> Console:
    """The console progress and warnings go to: stderr, so stdout stays for results."""
    return Console(stderr=True)


class HarvestProgress:
    """A progress callback drawing two bars: files done and bytes received.

    With ``enabled=False`` it draws nothing but still counts retries.
    """

    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        self._enabled = enabled
        self._progress = Progress(
            TextColumn("{task.description:<6}"),
            BarColumn(),
            _Counts(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._files: TaskID = self._progress.add_task("files", total=0)
        self._bytes: TaskID = self._progress.add_task("bytes", total=0, unit="bytes")
        self.retries = 0

    def __enter__(self) -> HarvestProgress:
        if self._enabled:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._enabled:
            self._progress.stop()

    def __call__(self, event: ProgressEvent) -> None:
        if isinstance(event, FileRetrying):
            self.retries += 1
        if not self._enabled:
            return
        progress = self._progress
        match event:
            case FileQueued():
                total = progress.tasks[self._files].total or 0
                progress.update(self._files, total=total + 1)
            case FileStarted(total=size) if size:
                total = progress.tasks[self._bytes].total or 0
                progress.update(self._bytes, total=total + size)
            case BytesReceived(bytes=n):
                progress.advance(self._bytes, n)
            case FileDone() | FileSkipped():
                progress.advance(self._files)
            case FileFailed(item=item, message=message, refused=refused):
                progress.advance(self._files)
                verb = "refused" if refused else "failed"
                where = f"{item.project_slug}#{item.job_number} {item.job_name or ''}".rstrip()
                progress.console.print(
                    f"[yellow]{verb}[/] {escape(where)}: {escape(item.artifact.path)}: "
                    f"{escape(message)}"
                )
            case _:
                pass
