"""Harvest robustness over TCP: the manifest, servers that ignore Range or trickle bytes,
hostile listings, long file names and typed errors.

The fake CircleCI serves the workflows; a few tests point an artifact at a small scripted
storage server on 127.0.0.1 to misbehave in ways the fake does not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from _harvest_helpers import (
    artifacts_records,
    files_under,
    mismatches,
    part_files,
    seed_workflow,
    storage_records,
)
from aiohttp import web

from aiocircle import (
    CircleCI,
    CircleCIError,
    DecodeError,
    LocalFileError,
    NotFoundError,
    RetryPolicy,
    Timeout,
    TransportError,
)
from aiocircle.harvest import (
    DownloadStatus,
    FileFailed,
    HarvestOptions,
    JobArtifact,
    ProgressEvent,
)
from aiocircle.harvest._manifest import MANIFEST_NAME
from aiocircle.models import Artifact
from aiocircle.testing import FakeCircleCI

FAST_RETRY = RetryPolicy(backoff_base=0.01, max_attempts=12)


@pytest.fixture
async def fake() -> AsyncIterator[FakeCircleCI]:
    async with FakeCircleCI(seed=7, page_size=20) as started:
        yield started


# --- a storage server that misbehaves ----------------------------------------------------------


@attrs.define
class Storage:
    """Serves ``/blob``: ``size`` bytes, ignoring any Range; counts bytes it managed to send."""

    size: int
    trickle: float | None = None
    """Seconds between single bytes (a stalled download), or None to send at full speed."""
    silent: bool = False
    """Send the headers, then nothing at all."""
    requests: list[dict[str, str]] = attrs.field(factory=list)
    sent: int = 0
    url: str = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(dict(request.headers))
        response = web.StreamResponse(status=200)
        response.content_length = self.size
        await response.prepare(request)
        if self.silent:
            await asyncio.Event().wait()  # cancelled when the client hangs up
        block = b"x" * (1 if self.trickle else 64 * 1024)
        try:
            while self.sent < self.size * len(self.requests):
                await response.write(block)
                self.sent += len(block)
                if self.trickle:
                    await asyncio.sleep(self.trickle)
        except (ConnectionError, RuntimeError):
            pass  # the client hung up: what it did not read was never sent
        return response


@pytest.fixture
async def storage_server() -> AsyncIterator[Any]:
    runners: list[web.AppRunner] = []

    async def start(storage: Storage) -> Storage:
        app = web.Application()
        app.router.add_get("/blob", storage.handle)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        storage.url = f"http://127.0.0.1:{runner.addresses[0][1]}/blob"
        return storage

    yield start
    for runner in runners:
        await runner.cleanup()


def _item(url: str, path: str = "big.bin") -> JobArtifact:
    return JobArtifact(
        artifact=Artifact(path=path, node_index=0, url=url),
        project_slug="gh/acme/loose",
        job_number=1,
        job_name="build",
    )


async def test_a_storage_that_ignores_range_costs_no_full_body_on_rerun_without_manifest(
    storage_server: Any, tmp_path: Path
) -> None:
    size = 32 * 1024 * 1024  # far more than loopback socket buffers hold (a few MB each)
    storage = await storage_server(Storage(size=size))
    async with CircleCI(token="t", base_url="http://127.0.0.1:9/api/v2") as cci:
        first = await cci.artifacts.download(_item(storage.url), tmp_path, manifest=False)
        assert first.ok and first.downloaded[0].bytes == size
        storage.sent = 0
        second = await cci.artifacts.download(_item(storage.url), tmp_path, manifest=False)

    assert second.ok and [e.status for e in second.entries] == [DownloadStatus.SKIPPED]
    assert "Range" in storage.requests[1]  # the probe, answered 200 with the whole body
    assert len(storage.requests) == 2
    assert storage.sent < size // 2  # headers read, body abandoned
    assert not (tmp_path / MANIFEST_NAME).exists()


@pytest.mark.parametrize(
    ("misbehaving", "limits", "says"),
    [
        # One byte every 0.2 s: caught by the byte-rate check at a chunk past the window.
        ({"trickle": 0.2}, Timeout(idle=0.5), "stalled"),
        # Nothing after the headers: the read timeout of a download is at most idle.
        ({"silent": True}, Timeout(idle=0.3, read=3600.0), "download stalled: no data for 0.3 s"),
    ],
    ids=["trickling", "silent"],
)
async def test_a_stalled_storage_fails_as_stalled_and_is_retried(
    storage_server: Any, tmp_path: Path, misbehaving: dict[str, Any], limits: Timeout, says: str
) -> None:
    storage = await storage_server(Storage(size=100, **misbehaving))
    retry = RetryPolicy(backoff_base=0.01, max_attempts=2)
    async with CircleCI(
        token="t", base_url="http://127.0.0.1:9/api/v2", timeout=limits, retry=retry
    ) as cci:
        report = await cci.artifacts.download(_item(storage.url), tmp_path)

    (entry,) = report.entries
    assert entry.status is DownloadStatus.FAILED
    assert isinstance(entry.error, TransportError)
    assert says in (entry.message or "")
    assert len(storage.requests) == 2  # retried once, then given up
    assert files_under(tmp_path) == [] and part_files(tmp_path) == []


# --- the manifest -------------------------------------------------------------------------------


async def test_a_corrupt_manifest_is_ignored_with_a_warning(
    fake: FakeCircleCI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seeded = seed_workflow(fake, per_job=4)
    async with fake.client(retry=FAST_RETRY) as cci:
        await cci.artifacts.download_workflow(seeded.workflow_id, tmp_path)
        (tmp_path / MANIFEST_NAME).write_text('{"version": 1, "files": [')
        fake.reset_stats()
        with caplog.at_level(logging.WARNING, logger="aiocircle"):
            second = await cci.artifacts.download_workflow(seeded.workflow_id, tmp_path)
        fake.reset_stats()
        third = await cci.artifacts.download_workflow(seeded.workflow_id, tmp_path)

    assert any("corrupt harvest manifest" in r.getMessage() for r in caplog.records)
    assert second.ok and len(second.skipped) == seeded.artifact_count  # probed instead
    assert mismatches(fake, second) == []
    # The rewritten manifest is whole again: the third run asks storage nothing.
    assert third.ok and storage_records(fake) == [] and artifacts_records(fake) == []


async def test_a_file_changed_after_the_harvest_is_fetched_again(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    seeded = seed_workflow(fake, per_job=3, max_size=5000)
    async with fake.client(retry=FAST_RETRY) as cci:
        first = await cci.artifacts.download_workflow(seeded.workflow_id, tmp_path)
        changed = next(e.local_path for e in first.downloaded if e.bytes > 10)
        assert changed is not None
        changed.write_bytes(b"local edit")
        second = await cci.artifacts.download_workflow(seeded.workflow_id, tmp_path)

    assert [e.local_path for e in second.downloaded] == [changed]
    assert len(second.skipped) == seeded.artifact_count - 1
    assert mismatches(fake, second) == []


# --- typed errors -------------------------------------------------------------------------------


async def test_a_deeply_nested_listing_is_a_listing_failure_not_an_abort(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    seeded = seed_workflow(fake, per_job=3)
    hostile = seeded.jobs[1]
    nested = "[" * 200_000 + "]" * 200_000
    fake.fail_next(
        f"*/project/{seeded.slug}/{hostile.number}/artifacts",
        status=200,
        body=nested,
        times=100,
        listener="api",
    )
    async with fake.client(retry=FAST_RETRY) as cci:
        report = await cci.artifacts.download_workflow(seeded.workflow_id, tmp_path)

    (failure,) = report.listing
    assert failure.job_number == hostile.number
    assert isinstance(failure.error, DecodeError)
    assert failure.message == str(failure.error)
    others = sum(len(j.artifacts) for j in seeded.jobs if j is not hostile)
    assert len(report.downloaded) == others
    assert mismatches(fake, report) == []


async def test_every_failure_carries_a_circleci_error(fake: FakeCircleCI, tmp_path: Path) -> None:
    seeded = seed_workflow(fake, per_job=2, max_size=500)
    build = seeded.jobs[0]
    fake.fail_next(f"*/project/{seeded.slug}/{seeded.jobs[2].number}/artifacts", status=404)
    # A folder where a file must go: writing it fails with an OSError.
    node, path = next(iter(build.artifacts))
    blocked = tmp_path / f"{build.number}-{build.name}" / str(node) / path
    blocked.mkdir(parents=True)
    events: list[ProgressEvent] = []
    async with fake.client(retry=RetryPolicy(max_attempts=1)) as cci:
        report = await cci.artifacts.download_workflow(
            seeded.workflow_id, tmp_path, HarvestOptions(progress=events.append)
        )

    (failed,) = report.failed
    assert isinstance(failed.error, LocalFileError) and failed.message == str(failed.error)
    assert isinstance(failed.error.__cause__, OSError)
    (listing,) = report.listing
    assert isinstance(listing.error, NotFoundError)
    (event,) = [e for e in events if isinstance(e, FileFailed)]
    assert event.error is failed.error and event.message == failed.message
    assert all(isinstance(e.error, CircleCIError) for e in report.failed + report.refused)


# --- names ------------------------------------------------------------------------------------


async def test_a_250_byte_file_name_downloads(fake: FakeCircleCI, tmp_path: Path) -> None:
    seeded = seed_workflow(fake, per_job=0)
    job = seeded.jobs[0]
    name = "n" * 246 + ".bin"
    assert len(name.encode()) == 250
    fake.state.add_artifact(job, f"out/{name}", size=70_000)
    async with fake.client(retry=FAST_RETRY) as cci:
        report = await cci.artifacts.download_workflow(
            seeded.workflow_id, tmp_path, include=f"out/{name}"
        )

    assert report.ok, report.failed
    (entry,) = report.downloaded
    assert entry.local_path is not None and entry.local_path.name == name
    assert mismatches(fake, report) == [] and part_files(tmp_path) == []


def test_options_are_validated_before_any_request() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        HarvestOptions(concurrency=0)
    options = HarvestOptions(concurrency=4)
    assert attrs.evolve(options, overwrite=True).concurrency == 4
