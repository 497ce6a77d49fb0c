"""A rich progress display for harvests that shows what is known, and only that.

Two lines, one for files and one for bytes, each of fixed-width fields so nothing shifts
as numbers grow and nothing wraps on a narrow terminal:

- files: while artifacts are still being listed, a spinner and ``N listed, M done``, with
  no total and no ETA (listing runs only a few dozen files ahead, so any total would be a
  guess). After :class:`~aiocircle.harvest.ListingDone`, a bar against the true total and
  an ETA;
- bytes: bytes received and throughput. A file's size is known only once its download
  starts, so the total is shown as ``x of y+`` (``y``: the sizes known so far) until every
  listed file has started; then a bar against the true total.

Throughput is bytes over the wall time of the harvest so far (:mod:`._rate`), the same
definition as the demo's summary, so it never blanks and the two agree.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from types import TracebackType

from rich.console import Console, ConsoleOptions, RenderResult
from rich.live import Live
from rich.markup import escape
from rich.text import Text

from ..harvest import (
    BytesReceived,
    FileDone,
    FileFailed,
    FileQueued,
    FileRetrying,
    FileSkipped,
    FileStarted,
    HarvestFinished,
    JobArtifact,
    ListingDone,
    ProgressEvent,
)
from ._rate import format_rate, format_size, throughput

_LABEL, _COUNTS, _TAIL = 5, 24, 12  # field widths; the bar takes what is left
_BAR_MIN, _BAR_MAX = 10, 40
_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"  # one frame every 80 ms: "still working, no total yet"


def console() -> Console:
    """The console progress and warnings go to: stderr, so stdout stays for results."""
    return Console(stderr=True)


def _clock_text(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _field(text: str | Text, width: int, *, right: bool = False) -> Text:
    """``text`` cut or padded to exactly ``width`` cells."""
    field = Text(text) if isinstance(text, str) else text.copy()
    field.truncate(width, overflow="ellipsis")
    if right:
        field.align("right", width)
    else:
        field.pad_right(width - field.cell_len)
    return field


def _bar(fraction: float, width: int) -> Text:
    filled = round(width * min(max(fraction, 0.0), 1.0))
    bar = Text("━" * filled, style="bar.finished" if filled == width else "bar.complete")
    bar.append("━" * (width - filled), style="bar.back")
    return bar


def _key(item: JobArtifact) -> tuple[object, ...]:
    """What tells one file of a harvest from another (as its target folder does)."""
    return (item.project_slug, item.job_number, item.artifact.node_index, item.artifact.path)


class _File:
    """What the display knows of one file in flight: its size (if told) and bytes so far."""

    __slots__ = ("received", "size")

    def __init__(self) -> None:
        self.size: int | None = None
        self.received = 0


class HarvestProgress:
    """A progress callback drawing two lines: files and bytes (see the module docstring).

    ``clock`` gives monotonic seconds (injectable for tests). With ``enabled=False`` it
    draws nothing but still counts retries.
    """

    def __init__(
        self,
        console: Console,
        *,
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._console = console
        self._enabled = enabled
        self._clock = clock
        self._live = Live(_View(self), console=console, refresh_per_second=8, transient=False)
        self.retries = 0
        self._started = clock()
        self._stopped: float | None = None
        # Only scalars are read while drawing (rich draws from its own thread).
        self._listed = 0
        self._total: int | None = None  # set by ListingDone
        self._finished = 0  # done, skipped, failed or refused
        self._settled = 0  # files whose size is known or that are over
        self._known_bytes = 0  # sizes of the settled files
        self._received = 0
        self._open: dict[tuple[object, ...], _File] = {}

    def __enter__(self) -> HarvestProgress:
        if self._enabled:
            self._live.start()
        self._started = self._clock()  # the harvest starts now, not when drawing did
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._enabled:
            self._live.stop()

    # -- what is known --------------------------------------------------------------------

    @property
    def elapsed(self) -> float:
        """Seconds since the harvest started, frozen when it finished."""
        end = self._stopped if self._stopped is not None else self._clock()
        return end - self._started

    @property
    def bytes_total(self) -> int | None:
        """The bytes of all listed files, once listing has ended and every size is known."""
        if self._total is None or self._settled < self._total:
            return None
        return self._known_bytes

    def __call__(self, event: ProgressEvent) -> None:
        if isinstance(event, FileRetrying):
            self.retries += 1
        elif isinstance(event, HarvestFinished):
            self._stopped = self._clock()
        if not self._enabled:
            return
        match event:
            case FileQueued():
                self._listed += 1
            case ListingDone(total_files=total):
                self._total = total
            case FileStarted(item=item, total=size):
                file = self._open.setdefault(_key(item), _File())
                if size is not None and file.size is None:
                    file.size = size
                    self._settled += 1
                    self._known_bytes += size
            case BytesReceived(item=item, bytes=n):
                self._open.setdefault(_key(item), _File()).received += n
                self._received += n
            case FileDone(item=item, bytes=n):
                self._close(_key(item), n)
            case FileSkipped(item=item):
                self._close(_key(item), 0)
            case FileFailed(item=item, message=message, refused=refused):
                self._close(_key(item), 0)  # its bytes are not in the result
                verb = "refused" if refused else "failed"
                where = f"{item.project_slug}#{item.job_number} {item.job_name or ''}".rstrip()
                self._console.print(
                    f"[yellow]{verb}[/] {escape(where)}: {escape(item.artifact.path)}: "
                    f"{escape(message)}"
                )
            case HarvestFinished(report=report):
                self._received = report.bytes

    def _close(self, key: tuple[object, ...], size: int) -> None:
        """A file is over with ``size`` bytes kept (0 if skipped or failed): from now on
        its share of the totals is exact, as the report will count it."""
        file = self._open.pop(key, None) or _File()
        if file.size is None:
            self._settled += 1
        else:
            self._known_bytes -= file.size
        self._known_bytes += size
        self._received += size - file.received
        self._finished += 1

    # -- drawing ----------------------------------------------------------------------------

    def renderable(self) -> _View:
        """The two lines as they stand now (what the live display redraws)."""
        return _View(self)

    def _eta(self) -> str:
        if self._stopped is not None:
            return f"took {_clock_text(self.elapsed)}"
        if self._total is None:
            return ""  # no total yet, so no honest ETA
        rate = throughput(self._received, self.elapsed)
        total_bytes = self.bytes_total
        if total_bytes is not None and rate > 0:
            left = (total_bytes - self._received) / rate
        elif self._finished:
            left = self.elapsed * (self._total - self._finished) / self._finished
        else:
            return "ETA -:--:--"
        return f"ETA {_clock_text(left)}"

    def _lines(self, width: int) -> Iterator[Text]:
        bar_width = min(max(width - (_LABEL + _COUNTS + _TAIL + 3), _BAR_MIN), _BAR_MAX)
        spinner = Text(_SPINNER[int(self._clock() / 0.08) % len(_SPINNER)], style="cyan")
        if self._total is None:
            files_bar = Text.assemble(spinner, " listing")
            files = f"{self._listed} listed, {self._finished} done"
        else:
            files_bar = _bar(self._finished / self._total if self._total else 1.0, bar_width)
            files = f"{self._finished}/{self._total} files"
        total_bytes = self.bytes_total
        received = format_size(self._received)
        if total_bytes is not None:
            bytes_bar = _bar(self._received / total_bytes if total_bytes else 1.0, bar_width)
            counts = f"{received} of {format_size(total_bytes)}"
        else:
            bytes_bar = Text.assemble(spinner, " sizes pending")
            counts = f"{received} of {format_size(self._known_bytes)}+"
        rate = format_rate(self._received, self.elapsed)
        for label, bar, count, tail in (
            ("files", files_bar, files, self._eta()),
            ("bytes", bytes_bar, counts, rate),
        ):
            line = Text(" ").join(
                [
                    _field(label, _LABEL),
                    _field(bar, bar_width),
                    _field(count, _COUNTS, right=True),
                    _field(tail, _TAIL, right=True),
                ]
            )
            line.truncate(width, overflow="crop")
            line.no_wrap = True
            yield line


class _View:
    """Renders the display's current state at the console's width."""

    def __init__(self, progress: HarvestProgress) -> None:
        self._progress = progress

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self._progress._lines(options.max_width)
