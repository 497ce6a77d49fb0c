"""Inputs a newcomer types: artifact hosts as URLs, the base URL from the environment, ``since``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from aiocircle import CircleCI
from aiocircle._config import normalize_artifact_host
from aiocircle.errors import ConfigurationError


@pytest.mark.parametrize(
    ("given", "pattern"),
    [
        ("*.circle-artifacts.com", "*.circle-artifacts.com"),
        ("files.example.com:8443", "files.example.com:8443"),
        ("http://127.0.0.1:36779", "127.0.0.1:36779"),
        ("https://Files.Example.com:8443/some/path", "files.example.com:8443"),
        ("  https://*.artifacts.example.com/  ", "*.artifacts.example.com"),
    ],
)
def test_artifact_host_patterns_accept_urls(given: str, pattern: str) -> None:
    assert normalize_artifact_host(given) == pattern


@pytest.mark.parametrize("given", ["", "https://", "ftp://files.example.com", "user@host", "a b"])
def test_artifact_host_patterns_refuse_what_is_no_host(given: str) -> None:
    with pytest.raises(ConfigurationError, match="artifact host"):
        normalize_artifact_host(given)


async def test_the_client_normalises_its_artifact_hosts() -> None:
    with pytest.raises(ConfigurationError, match="artifact host"):
        CircleCI("t", artifact_hosts=["ftp://x"])
    async with CircleCI("t", artifact_hosts=["http://127.0.0.1:8080/"]) as cci:
        assert cci._core.artifact_hosts == ("127.0.0.1:8080",)


async def test_base_url_comes_from_the_environment_unless_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CIRCLECI_BASE_URL", "https://circleci.example.com/api/v2")
    async with CircleCI("t") as cci:
        assert cci.base_url == "https://circleci.example.com/api/v2"
    async with CircleCI("t", base_url="https://other.example.com/api/v2") as cci:
        assert cci.base_url == "https://other.example.com/api/v2"
    monkeypatch.setenv("CIRCLECI_BASE_URL", "")
    async with CircleCI("t") as cci:
        assert cci.base_url == "https://circleci.com/api/v2"
    monkeypatch.setenv("CIRCLECI_BASE_URL", "not a url")
    with pytest.raises(ConfigurationError, match="base_url"):
        CircleCI("t")


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        ("2025-06-01", datetime(2025, 6, 1, tzinfo=UTC)),
        ("2025-06-01T12:30", datetime(2025, 6, 1, 12, 30, tzinfo=UTC)),
        (
            "2025-06-01T12:30+02:00",
            datetime(2025, 6, 1, 12, 30, tzinfo=timezone(timedelta(hours=2))),
        ),
        (date(2025, 6, 1), datetime(2025, 6, 1, tzinfo=UTC)),
        (datetime(2025, 6, 1, 8, tzinfo=UTC), datetime(2025, 6, 1, 8, tzinfo=UTC)),
    ],
)
def test_since_accepts_dates_datetimes_and_iso_strings(since: Any, expected: datetime) -> None:
    from aiocircle.bulk import _check_since

    checked = _check_since(since)
    assert checked == expected and checked is not None and checked.tzinfo is not None


@pytest.mark.parametrize(
    ("since", "message"),
    [
        ("last tuesday", "not an ISO 8601"),
        (datetime(2025, 6, 1), "timezone-aware"),
        (1748736000, "not int"),
    ],
)
async def test_since_refuses_the_rest_before_any_request(since: Any, message: str) -> None:
    async with CircleCI("t", base_url="http://127.0.0.1:9/api/v2") as cci:
        with pytest.raises(ValueError, match=message):
            cci.bulk.pipelines(["gh/acme/widgets"], since=since)
        with pytest.raises(ValueError, match=message):
            cci.bulk.workflows(["gh/acme/widgets"], since=since)


async def test_bulk_pipelines_with_an_iso_string_since_against_the_fake() -> None:
    from aiocircle.testing import Dataset, FakeCircleCI

    async with FakeCircleCI(dataset=Dataset(projects=1, pipelines_per_project=8)) as fake:
        project = next(iter(fake.state.projects.values()))
        newest_first = sorted(project.pipelines, key=lambda p: p.created_at, reverse=True)
        cut = newest_first[2].created_at
        async with (
            fake.client() as cci,
            cci.bulk.pipelines([project.slug], since=cut.isoformat()) as stream,
        ):
            got = [pipeline.number async for _, pipeline in stream]
    assert got == [p.number for p in newest_first[:3]]
