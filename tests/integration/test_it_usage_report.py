"""``aiocircle.report.usage_export`` against the fake over TCP: create, poll on the client's
clock, download every gzip CSV part (one fails once and is retried), rows as the fake holds
them, the per-organization limits counted by the fake, and a 429 that names the limit."""

from __future__ import annotations

import gzip
import math
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from _loopback import FakeClock

from aiocircle import CircleCI, RateLimitError, RetryPolicy, UsageExportError
from aiocircle.report import USAGE_FIELDS, UsageRow, usage_export, write_jsonl
from aiocircle.report._usage import _csv_records
from aiocircle.testing import Dataset, FakeCircleCI
from aiocircle.testing._api_usage import COLUMNS as USAGE_COLUMNS
from aiocircle.testing._api_usage import PARTS, UsageExports
from aiocircle.testing._insights import CREDITS_PER_MINUTE

PROJECTS = ["gh/acme/one", "gh/acme/two", "gh/acme/three"]
RETRY = RetryPolicy(max_attempts=3, backoff_base=0.5, backoff_cap=1.0)


@pytest.fixture
async def fake() -> AsyncIterator[FakeCircleCI]:
    async with FakeCircleCI(seed=8) as fake:
        fake.populate(
            Dataset(projects=PROJECTS, pipelines_per_project=5, failed_share=0.3, tests_per_job=0)
        )
        yield fake


def _client(fake: FakeCircleCI, clock: FakeClock, retry: RetryPolicy = RETRY) -> CircleCI:
    return fake.client(retry=retry, clock=clock)


async def test_every_part_is_read_and_the_rows_are_the_jobs_the_fake_holds(
    fake: FakeCircleCI,
) -> None:
    org = fake.state.project(PROJECTS[0]).organization
    now = fake.state.now
    start, end = now - timedelta(days=30), now
    clock = FakeClock(now.timestamp())
    fake.fail_next("*usage-*-1.csv.gz", status=503, listener="storage")
    async with _client(fake, clock) as cci:
        export = usage_export(cci, org.id, start=start, end=end)
        async with export:
            rows = [row async for row in export]

    held = {
        job.id: job
        for project in fake.state.projects.values()
        if project.organization is org
        for job in project.jobs.values()
        if job.type == "build" and start <= job.started_at <= end
    }
    assert len(held) > 20
    assert sorted(r.job_id for r in rows if r.job_id) == sorted(held)
    for row in rows:
        job = held[row.job_id or ""]
        assert (row.job_number, row.job_name, row.status) == (job.number, job.name, job.status)
        assert (row.pipeline_id, row.pipeline_number) == (job.pipeline.id, job.pipeline.number)
        assert row.started == job.started_at and row.stopped == job.stopped_at
        assert (row.resource_class, row.executor) == (job.resource_class, job.executor_type)
        # Credits: whole minutes of run time times the resource class's rate (the fake's).
        rate = CREDITS_PER_MINUTE.get(job.resource_class, 10)
        minutes = math.ceil(job.duration_ms / 60_000) if job.duration_ms else 0
        assert row.total_credits == row.compute_credits == minutes * rate
    assert {r.status for r in rows} >= {"success", "failed"}

    exports = fake.state.part(UsageExports)
    assert len(export.parts) == PARTS
    # One creation; created → processing → completed takes two status checks, each after a
    # wait on the client's clock of at least 6 s: never more than 10 a minute.
    assert exports.creations[org.id] == 1
    assert exports.status_checks[org.id] == export.status_checks == 2
    assert clock.sleeps[:2] == [6.0, 9.0]
    # Every part was fetched, the failed one twice; the token never went to storage.
    storage = [r.path for r in fake.stats.requests if r.listener == "storage"]
    assert len(storage) == PARTS + 1
    assert sum(1 for p in storage if p.endswith("-1.csv.gz")) == 2
    assert fake.stats.leaks == []


async def test_polls_back_off_and_give_up_after_max_wait(fake: FakeCircleCI) -> None:
    org = fake.state.project(PROJECTS[0]).organization
    now = fake.state.now
    clock = FakeClock(now.timestamp())
    exports = fake.state.part(UsageExports)
    steps = exports.advance
    exports.advance = lambda job: None  # type: ignore[method-assign]  # never finishes
    try:
        async with _client(fake, clock) as cci:
            export = usage_export(cci, org.id, start=now - timedelta(days=1), end=now, max_wait=120)
            with pytest.raises(UsageExportError, match="not completed"):
                async for _ in export:
                    pass
    finally:
        exports.advance = steps  # type: ignore[method-assign]
    # 6, 9, 13.5, 20.25, 30.375 (sum 79.1), the next (45.6) would pass 120 s.
    assert clock.sleeps == [6.0, 9.0, 13.5, 20.25, 30.375]
    assert exports.status_checks[org.id] == 5
    # However long it ran, any 60 s of the client's clock saw at most 10 status checks.
    moments = [sum(clock.sleeps[: i + 1]) for i in range(len(clock.sleeps))]
    assert all(sum(1 for m in moments if t <= m < t + 60) <= 10 for t in moments)


async def test_a_failed_export_raises_its_reason(fake: FakeCircleCI) -> None:
    org = fake.state.project(PROJECTS[0]).organization
    now = fake.state.now
    exports = fake.state.part(UsageExports)
    steps = exports.advance
    exports.advance = lambda job: exports.fail(job, "warehouse unavailable")  # type: ignore[method-assign]
    try:
        async with _client(fake, FakeClock(now.timestamp())) as cci:
            with pytest.raises(UsageExportError, match="warehouse unavailable"):
                async for _ in usage_export(cci, org.id, start=now - timedelta(days=1), end=now):
                    pass
    finally:
        exports.advance = steps  # type: ignore[method-assign]


async def test_a_refused_creation_names_the_hourly_limit(fake: FakeCircleCI) -> None:
    org = fake.state.project(PROJECTS[0]).organization
    now = fake.state.now
    fake.fail_next("*/usage_export_job", status=429, method="POST", headers={"Retry-After": "3600"})
    async with _client(fake, FakeClock(now.timestamp()), RetryPolicy(max_attempts=1)) as cci:
        with pytest.raises(RateLimitError, match="10 usage export creations an hour") as caught:
            async for _ in usage_export(cci, org.id, start=now - timedelta(days=1), end=now):
                pass
    assert caught.value.retry_after == 3600
    assert fake.state.part(UsageExports).creations[org.id] == 0
    assert fake.token not in str(caught.value)


async def test_bad_windows_and_intervals_are_refused_before_sending(fake: FakeCircleCI) -> None:
    now = fake.state.now
    org = fake.state.project(PROJECTS[0]).organization
    async with _client(fake, FakeClock(now.timestamp())) as cci:
        with pytest.raises(ValueError, match="31 days"):
            usage_export(cci, org.id, start=now - timedelta(days=40), end=now)
        with pytest.raises(ValueError, match="poll_interval"):
            usage_export(cci, org.id, start=now - timedelta(days=1), end=now, poll_interval=0)
    assert sum(fake.stats.counts.values()) == 0


async def _pieces(data: bytes, size: int) -> AsyncIterator[bytes]:
    for index in range(0, len(data), size):
        yield data[index : index + size]


async def test_csv_records_read_multi_member_gzip_in_tiny_chunks_with_quoted_newlines() -> None:
    header = "JOB_ID,JOB_NAME,TOTAL_CREDITS\n"
    first = gzip.compress((header + 'a,"build\nand ""test""",12\r\n').encode())
    second = gzip.compress(b"b,lint,\n")
    records = [r async for r in _csv_records(_pieces(first + second, 3))]
    assert records == [
        {"JOB_ID": "a", "JOB_NAME": 'build\nand "test"', "TOTAL_CREDITS": "12"},
        {"JOB_ID": "b", "JOB_NAME": "lint", "TOTAL_CREDITS": ""},
    ]
    row = UsageRow.from_csv(records[1])
    assert (row.job_id, row.job_name, row.total_credits, row.started) == ("b", "lint", None, None)


async def test_a_truncated_part_is_an_error() -> None:
    data = gzip.compress(b"JOB_ID\na\n" * 50)
    with pytest.raises(UsageExportError, match="middle of its gzip"):
        [r async for r in _csv_records(_pieces(data[:-10], 7))]


async def test_usage_rows_write_as_json_lines(fake: FakeCircleCI) -> None:
    import io
    import json

    org = fake.state.project(PROJECTS[0]).organization
    now = fake.state.now
    out = io.StringIO()
    async with _client(fake, FakeClock(now.timestamp())) as cci:
        count = await write_jsonl(
            usage_export(cci, org.id, start=now - timedelta(days=30), end=now), out
        )
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert count == len(lines) > 0 and all(tuple(line) == USAGE_FIELDS for line in lines)


async def test_reading_a_large_part_holds_one_chunk_and_one_record_not_the_file() -> None:
    import tracemalloc

    header = ",".join(USAGE_COLUMNS) + "\n"
    line = ",".join(["x" * 8] * len(USAGE_COLUMNS)) + "\n"
    text = (header + line * 60_000).encode()  # about 11 MB of CSV
    data = gzip.compress(text, compresslevel=1)
    del text
    tracemalloc.start()
    try:
        count = 0
        async for _ in _csv_records(_pieces(data, 64 * 1024)):
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 60_000
    # Decompressing 64 KB can give a few MB of text at most; the whole file is 11 MB.
    assert peak < 4_000_000, peak
