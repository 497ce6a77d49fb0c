"""``cci.usage``: create and poll usage exports; windows checked before sending; the fake's
export completes on later polls and its parts are gzipped CSVs on the storage listener."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from _loopback import FakeClock
from aioresponses import aioresponses
from bodies import BASE, ORG_ID, TOKEN

from aiocircle import CircleCI, NotFoundError, RetryPolicy
from aiocircle.models import UsageExport, UsageExportCreation, UsageExportState
from aiocircle.testing import Dataset, FakeCircleCI

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EXPORT_ID = "5034460f-c7c4-4c43-9457-de07e2029e7b"
SHARED = "0a3c5b7e-9d1f-4e2a-8c6b-5f4d3e2a1b0c"
EXPORTS = f"{BASE}/organizations/{ORG_ID}/usage_export_job"


@pytest.fixture
async def clocked(mock_api: aioresponses) -> AsyncIterator[CircleCI]:
    client = CircleCI(
        TOKEN, base_url=BASE, retry=RetryPolicy(max_attempts=3), clock=FakeClock(NOW.timestamp())
    )
    yield client
    await client.close()


async def test_create_export_posts_the_window_once(
    clocked: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(EXPORTS, status=500, payload={"message": "Internal server error."})

    with pytest.raises(Exception, match="500"):
        await clocked.usage.create_export(
            ORG_ID, start=NOW - timedelta(days=31), end=NOW, shared_org_ids=[SHARED]
        )

    request = sent.only()  # a POST that may have reached CircleCI is not retried
    assert request.method == "POST"
    assert request.url.raw_path == f"/api/v2/organizations/{ORG_ID}/usage_export_job"
    assert request.json == {
        "start": "2026-01-29T12:00:00Z",
        "end": "2026-03-01T12:00:00Z",
        "shared_org_ids": [SHARED],
    }


async def test_create_export_returns_the_created_job(
    clocked: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(
        EXPORTS,
        status=201,
        payload={
            "usage_export_job_id": EXPORT_ID,
            "state": "created",
            "start": "2026-02-01T00:00:00Z",
            "end": "2026-02-02T00:00:00Z",
            "download_urls": [],
        },
    )

    created = await clocked.usage.create_export(
        ORG_ID, start=datetime(2026, 2, 1, tzinfo=UTC), end=datetime(2026, 2, 2, tzinfo=UTC)
    )

    assert sent.only().json == {"start": "2026-02-01T00:00:00Z", "end": "2026-02-02T00:00:00Z"}
    assert created == UsageExportCreation(
        usage_export_job_id=EXPORT_ID,
        state=UsageExportState.CREATED,
        start=datetime(2026, 2, 1, tzinfo=UTC),
        end=datetime(2026, 2, 2, tzinfo=UTC),
        download_urls=[],
    )


async def test_get_export_reads_state_and_urls(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.get(
        f"{EXPORTS}/{EXPORT_ID}",
        payload={
            "usage_export_job_id": EXPORT_ID,
            "state": "failed",
            "download_urls": [],
            "error_reason": "no data",
        },
    )

    found = await cci.usage.get_export(ORG_ID, EXPORT_ID)

    assert (
        sent.only().url.raw_path == f"/api/v2/organizations/{ORG_ID}/usage_export_job/{EXPORT_ID}"
    )
    assert found.state is UsageExportState.FAILED
    assert (found.error_reason, found.done) == ("no data", True)


@pytest.mark.parametrize(
    ("kwargs", "rule"),
    [
        ({"start": NOW, "end": NOW - timedelta(days=1)}, "start must be before end"),
        ({"start": NOW, "end": NOW}, "start must be before end"),
        (
            {"start": NOW - timedelta(days=32), "end": NOW},
            "end must be no more than 31 days after start",
        ),
        (
            {"start": NOW - timedelta(days=367), "end": NOW - timedelta(days=360)},
            "start must be no more than one year ago",
        ),
        ({"start": datetime(2026, 2, 1), "end": NOW}, "timezone-aware"),
        (
            {"start": NOW - timedelta(days=1), "end": NOW, "shared_org_ids": ["acme"]},
            "shared_org_ids must be UUIDs",
        ),
    ],
)
async def test_create_export_checks_its_window_before_sending(
    clocked: CircleCI, mock_api: aioresponses, kwargs: dict[str, Any], rule: str
) -> None:
    with pytest.raises(ValueError, match=rule):
        await clocked.usage.create_export(ORG_ID, **kwargs)
    assert mock_api.requests == {}


async def test_ids_must_not_be_empty(cci: CircleCI, mock_api: aioresponses) -> None:
    with pytest.raises(ValueError, match="export_id must not be empty"):
        await cci.usage.get_export(ORG_ID, "")
    with pytest.raises(ValueError, match="org_id must not be empty"):
        await cci.usage.create_export("", start=NOW - timedelta(days=1), end=NOW)
    assert mock_api.requests == {}


# --- against the fake ------------------------------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeCircleCI]:
    dataset = Dataset(projects=2, pipelines_per_project=8, artifacts_per_job=0, tests_per_job=0)
    async with FakeCircleCI(seed=5, dataset=dataset) as started:
        yield started


@pytest.fixture
async def client(fake: FakeCircleCI) -> AsyncIterator[CircleCI]:
    async with fake.client(clock=FakeClock(fake.state.now.timestamp())) as cci:
        yield cci


async def test_an_export_completes_on_later_polls_with_gzip_csv_parts(
    fake: FakeCircleCI, client: CircleCI
) -> None:
    project = next(iter(fake.state.projects.values()))
    org = project.organization
    start, end = fake.state.now - timedelta(days=30), fake.state.now

    created = await client.usage.create_export(org.id, start=start, end=end)
    polls = [await client.usage.get_export(org.id, created.usage_export_job_id) for _ in range(3)]

    assert created.state is UsageExportState.CREATED
    assert (created.start, created.end) == (start, end)
    assert [p.state for p in polls] == ["processing", "completed", "completed"]
    assert [len(p.download_urls) for p in polls] == [0, 3, 3]
    assert polls[0].done is False and polls[1].done is True
    rows: list[dict[str, str]] = []
    async with aiohttp.ClientSession() as session:
        for url in polls[1].download_urls:
            assert url.startswith(fake.storage_url)
            async with session.get(url) as response:
                assert response.status == 200
                text = gzip.decompress(await response.read()).decode()
            rows += csv.DictReader(io.StringIO(text))
    expected = sorted(
        job.id
        for p in fake.state.projects.values()
        if p.organization is org
        for job in p.jobs.values()
        if start <= job.started_at <= end
    )
    assert expected
    assert sorted(row["JOB_ID"] for row in rows) == expected
    assert {row["ORGANIZATION_ID"] for row in rows} == {org.id}
    assert fake.leaks == []


async def test_unknown_org_or_export_is_a_404(fake: FakeCircleCI, client: CircleCI) -> None:
    org = next(iter(fake.state.projects.values())).organization
    with pytest.raises(NotFoundError, match="Organization does not exist"):
        await client.usage.create_export(
            SHARED, start=fake.state.now - timedelta(days=1), end=fake.state.now
        )
    with pytest.raises(NotFoundError):
        await client.usage.get_export(org.id, EXPORT_ID)


async def test_a_failed_export_says_why(fake: FakeCircleCI, client: CircleCI) -> None:
    from aiocircle.testing._api_usage import UsageExports

    org = next(iter(fake.state.projects.values())).organization
    created = await client.usage.create_export(
        org.id, start=fake.state.now - timedelta(days=1), end=fake.state.now
    )
    exports = fake.state.part(UsageExports)
    exports.fail(exports.jobs[created.usage_export_job_id], "warehouse unavailable")

    found = await client.usage.get_export(org.id, created.usage_export_job_id)

    assert found == UsageExport(
        usage_export_job_id=created.usage_export_job_id,
        state=UsageExportState.FAILED,
        download_urls=[],
        error_reason="warehouse unavailable",
    )
