"""The command line's progress display, fed scripted events and a scripted clock."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text

from aiocircle.cli._demo import summary_line
from aiocircle.cli._progress import HarvestProgress
from aiocircle.cli._rate import format_rate, format_size
from aiocircle.errors import ArtifactError
from aiocircle.harvest import (
    BytesReceived,
    DownloadEntry,
    DownloadReport,
    DownloadStatus,
    FileDone,
    FileFailed,
    FileQueued,
    FileRetrying,
    FileSkipped,
    FileStarted,
    HarvestFinished,
    JobArtifact,
    ListingDone,
)
from aiocircle.models import Artifact


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def item(n: int) -> JobArtifact:
    path = f"reports/file-{n}.bin"
    return JobArtifact(
        artifact=Artifact(path=path, node_index=0, url=f"https://x.invalid/{path}"),
        project_slug="gh/acme/widgets",
        job_number=7,
        job_name="build",
    )


def make(width: int = 60) -> tuple[HarvestProgress, Console, Clock]:
    console = Console(width=width, file=io.StringIO(), force_terminal=True, record=True)
    clock = Clock()
    return HarvestProgress(console, clock=clock), console, clock


def lines(progress: HarvestProgress, console: Console) -> list[str]:
    console.print(progress.renderable())
    return console.export_text().splitlines()


def download(progress: HarvestProgress, n: int, size: int) -> None:
    progress(FileStarted(item(n), size))
    progress(BytesReceived(item(n), size))
    progress(FileDone(item(n), Path(f"/out/{n}"), size))


def finished(*sizes: int) -> HarvestFinished:
    entries = [
        DownloadEntry(item=item(n), status=DownloadStatus.DOWNLOADED, bytes=size)
        for n, size in enumerate(sizes)
    ]
    return HarvestFinished(DownloadReport(entries=entries, listing=[]))


def test_while_listing_there_is_no_total_and_no_eta_then_the_true_total_and_an_eta() -> None:
    progress, console, clock = make()
    for n in range(3):
        progress(FileQueued(item(n)))
    clock.now += 10
    download(progress, 0, 100)
    files, _ = lines(progress, console)
    assert "3 listed, 1 done" in files and "listing" in files
    assert "/3" not in files and "ETA" not in files

    for n in range(3, 5):
        progress(FileQueued(item(n)))
    progress(ListingDone(total_files=5))
    files, _ = lines(progress, console)
    # 1 of 5 done in 10 s: 4 more at that pace.
    assert "1/5 files" in files and files.endswith("ETA 0:00:40")
    assert "listed" not in files and "━" in files


def test_the_bytes_bar_appears_only_once_every_listed_file_has_a_size() -> None:
    progress, console, clock = make()
    for n in range(3):
        progress(FileQueued(item(n)))
    progress(FileStarted(item(0), 2000))
    progress(BytesReceived(item(0), 500))
    _, data = lines(progress, console)
    assert "500 B of 2.0 kB+" in data and "sizes pending" in data and "━" not in data

    progress(ListingDone(total_files=3))
    progress(FileStarted(item(1), 3000))
    _, data = lines(progress, console)
    assert "500 B of 5.0 kB+" in data  # one file has not started: its size is unknown

    progress(FileSkipped(item(2), Path("/out/2")))  # complete on disk: nothing to fetch
    clock.now += 1
    files, data = lines(progress, console)
    assert progress.bytes_total == 5000
    assert "500 B of 5.0 kB" in data and "+" not in data and "━" in data
    # With the byte total known, the ETA follows the bytes: 4500 B left at 500 B/s.
    assert files.endswith("ETA 0:00:09")


def test_sizes_become_exact_when_files_end() -> None:
    progress, console, _ = make()
    for n in range(3):
        progress(FileQueued(item(n)))
    progress(ListingDone(total_files=3))
    progress(FileStarted(item(0), None))  # no Content-Length
    progress(BytesReceived(item(0), 700))
    assert progress.bytes_total is None
    progress(FileDone(item(0), Path("/out/0"), 700))
    progress(FileStarted(item(1), 1000))
    progress(BytesReceived(item(1), 400))
    progress(FileFailed(item(1), ArtifactError("boom"), "boom"))
    progress(FileFailed(item(2), ArtifactError("unsafe"), "unsafe", refused=True))
    assert progress.bytes_total == 700  # a failed file keeps none of its bytes
    text = "\n".join(lines(progress, console))
    assert "failed gh/acme/widgets#7 build: reports/file-1.bin: boom" in text
    assert "refused gh/acme/widgets#7 build: reports/file-2.bin: unsafe" in text
    assert "3/3 files" in text and "700 B of 700 B" in text


def test_a_restarted_download_is_not_counted_twice_once_done() -> None:
    progress, console, _ = make()
    progress(FileQueued(item(0)))
    progress(ListingDone(total_files=1))
    progress(FileStarted(item(0), 1000))
    progress(BytesReceived(item(0), 600))
    progress(FileRetrying(item(0), 1, 0.5, "reset"))
    progress(BytesReceived(item(0), 1000))  # the server ignored Range: all over again
    progress(FileDone(item(0), Path("/out/0"), 1000))
    assert progress.retries == 1
    _, data = lines(progress, console)
    assert "1.0 kB of 1.0 kB" in data


def test_throughput_never_blanks_and_is_bytes_over_the_harvests_wall_time() -> None:
    progress, console, clock = make()
    with progress:
        progress(FileQueued(item(0)))
        progress(FileStarted(item(0), 4_000_000))
        progress(BytesReceived(item(0), 3_000_000))
        clock.now += 2
        assert lines(progress, console)[-1].endswith("1.5 MB/s")
        clock.now += 58  # a long stall: no bytes in the last minute
        assert lines(progress, console)[-1].endswith("50.0 kB/s")


def test_the_bar_and_the_demo_summary_report_the_same_speed() -> None:
    progress, _, clock = make()
    with progress:
        clock.now += 0.25
        for n, size in enumerate((1_000_000, 2_500_000)):
            progress(FileQueued(item(n)))
            download(progress, n, size)
        progress(ListingDone(total_files=2))
        clock.now += 0.45
        progress(finished(1_000_000, 2_500_000))
        clock.now += 30  # after the harvest: the figures stay put
    files, data = lines(progress, make()[1])
    assert progress.elapsed == pytest.approx(0.7)
    speed = format_rate(3_500_000, 0.7)
    assert speed == "5.0 MB/s"
    assert data.endswith(speed) and files.endswith("took 0:00:01")
    report = finished(1_000_000, 2_500_000).report
    assert summary_line(report, [], 0, progress.elapsed).endswith(f"0.70 s ({speed})")


@pytest.mark.parametrize("width", [60, 80, 120])
def test_fixed_width_lines_that_never_wrap(width: int) -> None:
    progress, console, clock = make(width)
    sizes = [0, 9, 999, 12_345, 9_999_999, 123_456_789_012]
    rendered: list[list[str]] = []
    for n, size in enumerate(sizes * 400):
        progress(FileQueued(item(n)))
        clock.now += 0.7
        progress(FileStarted(item(n), size))
        progress(BytesReceived(item(n), size // 2))
        if n % 97 == 0:
            rendered.append(lines(progress, console))
        if n % 3 == 0:
            progress(FileDone(item(n), Path("/out"), size))
    progress(ListingDone(total_files=len(sizes) * 400))
    rendered.append(lines(progress, console))
    for n in range(len(sizes) * 400):
        if n % 3:
            progress(FileSkipped(item(n), Path("/out")))
    rendered.append(lines(progress, console))
    progress(finished(*sizes))
    rendered.append(lines(progress, console))

    expected = min(width, 84)  # the bar stops growing at 40 cells
    for shown in rendered:
        assert len(shown) == 2, shown  # one line per bar
        assert [Text(line).cell_len for line in shown] == [expected, expected], shown
        assert shown[0].startswith("files ") and shown[1].startswith("bytes ")
    # The fields keep their places: the bar starts and the counts end in the same columns.
    for line in (line for shown in rendered for line in shown):
        assert line[5] == " " and line[6] != " ", line
        assert line[expected - 13] == " " and line[expected - 14] != " ", line


def test_a_narrow_terminal_crops_instead_of_wrapping() -> None:
    progress, console, _ = make(40)
    progress(FileQueued(item(0)))
    shown = lines(progress, console)
    assert len(shown) == 2 and all(Text(line).cell_len <= 40 for line in shown)


def test_the_live_display_draws_within_the_width_and_stays_on_screen() -> None:
    progress, console, _ = make()
    with progress:
        progress(FileQueued(item(0)))
        progress(ListingDone(total_files=1))
        download(progress, 0, 10)
        progress(finished(10))
    drawn = console.export_text().splitlines()
    assert drawn[-2].startswith("files") and "1/1 files" in drawn[-2]
    assert all(Text(line).cell_len <= 60 for line in drawn)


def test_disabled_it_draws_nothing_but_counts_retries() -> None:
    progress, console, _ = make()
    progress = HarvestProgress(console, enabled=False)
    with progress:
        progress(FileQueued(item(0)))
        progress(FileRetrying(item(0), 1, 0.1, "reset"))
    assert progress.retries == 1 and console.export_text() == ""


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1.0 kB"),
        (999_949, "999.9 kB"),
        (999_950, "1.0 MB"),
        (24_856_400, "24.9 MB"),
        (10**18, "1000.0 PB"),
    ],
)
def test_sizes_in_decimal_units(size: int, text: str) -> None:
    assert format_size(size) == text


def test_no_time_no_speed() -> None:
    assert format_rate(500, 0.0) == "0 B/s"
