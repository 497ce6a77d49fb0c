"""Shared pieces of the integration tests: a seeded fake, a full read of its data, counters."""

from __future__ import annotations

import asyncio
from typing import Any

from aiocircle import CircleCI, RetryPolicy
from aiocircle.models import WorkflowJob
from aiocircle.testing import Dataset, FakeCircleCI

SEED = 2
# Small pages so every list below spans several of them.
PAGE_SIZE = 2
# Three projects (gh, bb, circleci), failed and running workflows, approvals, two branches,
# pipelines by the token's user and by a teammate (checked in the tests that rely on it).
DATASET = Dataset(
    projects=3,
    pipelines_per_project=6,
    jobs_per_workflow=3,
    artifacts_per_job=3,
    tests_per_job=3,
    failed_share=0.3,
    approval_share=0.4,
    running_pipelines=1,
    parallelism=2,
)
# Backoff after a 5xx or a reset stays in the milliseconds; 429s wait what the fake asks.
FAST_RETRY = RetryPolicy(max_attempts=10, backoff_base=0.01, backoff_cap=0.05)


def seeded_fake(**kwargs: Any) -> FakeCircleCI:
    """A fake holding `DATASET` (same seed, same ids), with `PAGE_SIZE` items per page."""
    kwargs.setdefault("page_size", PAGE_SIZE)
    return FakeCircleCI(seed=SEED, dataset=DATASET, **kwargs)


def slugs(fake: FakeCircleCI) -> list[str]:
    return [project.slug for project in fake.state.projects.values()]


def statuses(fake: FakeCircleCI, status: int) -> int:
    """API answers the fake sent with this status."""
    return sum(1 for r in fake.stats.requests if r.listener == "api" and r.status == status)


def faults(fake: FakeCircleCI, kind: str) -> int:
    """API requests a knob interfered with: "error", "reset", "fail_next", "rate_limit"."""
    return sum(1 for r in fake.stats.requests if r.listener == "api" and r.fault == kind)


async def read_everything(cci: CircleCI, project_slugs: list[str]) -> dict[str, list[Any]]:
    """Every pipeline, workflow, job, test result and artifact of the projects, read through
    the client with everything in flight at once, keyed by what was listed.

    Each entry is the complete list a paginator returned, in the order it returned it, so two
    reads compare equal only if every list came back whole and in the same order.
    """
    found: dict[str, list[Any]] = {}

    async def job(slug: str, listed: WorkflowJob) -> None:
        if listed.job_number is None:  # approval jobs have no number, tests or artifacts
            return
        number = listed.job_number
        tests, artifacts = await asyncio.gather(
            cci.jobs.tests(slug, number).collect(), cci.artifacts.list(slug, number).collect()
        )
        found[f"tests {slug}#{number}"] = tests
        found[f"artifacts {slug}#{number}"] = artifacts

    async def workflow(workflow_id: str, slug: str) -> None:
        jobs = await cci.workflows.jobs(workflow_id).collect()
        found[f"jobs {workflow_id}"] = jobs
        await asyncio.gather(*(job(slug, listed) for listed in jobs))

    async def pipeline(pipeline_id: str, slug: str) -> None:
        workflows = await cci.pipelines.workflows(pipeline_id).collect()
        found[f"workflows {pipeline_id}"] = workflows
        await asyncio.gather(*(workflow(w.id, slug) for w in workflows))

    async def project(slug: str) -> None:
        pipelines = await cci.pipelines.list(slug).collect()
        found[f"pipelines {slug}"] = pipelines
        await asyncio.gather(*(pipeline(p.id, slug) for p in pipelines))

    await asyncio.gather(*(project(slug) for slug in project_slugs))
    return found
