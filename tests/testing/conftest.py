"""Fixtures for the fake CircleCI's own tests: a seeded fake and a raw aiohttp session."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from fake_api import Api

from aiocircle.testing import Dataset, FakeCircleCI

# The plugin's fixture, also when the package is not installed (no pytest11 entry point).
from aiocircle.testing.pytest_plugin import fake_circleci  # noqa: F401

SEED = 7
DATASET = Dataset(
    projects=3,
    pipelines_per_project=12,
    workflows_per_pipeline=2,
    jobs_per_workflow=3,
    artifacts_per_job=3,
    failed_share=0.3,
    errored_share=0.15,
    approval_share=0.5,
    running_pipelines=1,
    parallelism=2,
    hostile_paths=True,
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeCircleCI]:
    """A started fake with a populated data set (3 projects: gh, bb, circleci)."""
    async with FakeCircleCI(seed=SEED, page_size=5, dataset=DATASET) as started:
        yield started


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def api(fake: FakeCircleCI, http: aiohttp.ClientSession) -> Api:
    return Api(fake, http)
