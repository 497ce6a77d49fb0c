"""Sources: the producers that list artifacts into a harvest.

A source is ``async (put, failed) -> None``: it calls ``put`` with every artifact it lists
and ``failed`` for a job whose artifacts could not be listed (the harvest goes on). A new
listing (API v3, say) is one more function here. The API calls come in as
:class:`Listings`, so this module does not depend on the resources built on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable

import attrs

from ..errors import CircleCIError
from ..models import Artifact, Workflow, WorkflowJob
from ._types import JobArtifact

Put = Callable[[JobArtifact], Awaitable[None]]
"""Called with each artifact a source lists."""

ListingFailed = Callable[[str, int, CircleCIError], None]
"""Called with ``(project_slug, job_number, error)`` for a job that could not be listed."""

Source = Callable[[Put, ListingFailed], Awaitable[None]]


@attrs.frozen
class Listings:
    """The API calls sources use: a workflow's jobs, a pipeline's workflows, a job's artifacts."""

    workflow_jobs: Callable[[str], AsyncIterable[WorkflowJob]]
    pipeline_workflows: Callable[[str], AsyncIterable[Workflow]]
    job_artifacts: Callable[[str, int], AsyncIterable[Artifact]]


def items(found: Iterable[JobArtifact]) -> Source:
    """Artifacts already in hand (one artifact, or a v1.1 ``latest`` list)."""

    async def source(put: Put, failed: ListingFailed) -> None:
        for item in found:
            await put(item)

    return source


async def _list_job(
    api: Listings,
    slug: str,
    number: int,
    job_name: str | None,
    put: Put,
    failed: ListingFailed,
) -> None:
    try:
        async for artifact in api.job_artifacts(slug, number):
            await put(
                JobArtifact(
                    artifact=artifact, project_slug=slug, job_number=number, job_name=job_name
                )
            )
    except CircleCIError as exc:  # a 404, a DecodeError of a hostile body...: this job only
        failed(slug, number, exc)


def job(api: Listings, slug: str, number: int, job_name: str | None) -> Source:
    """The artifacts of one job."""

    async def source(put: Put, failed: ListingFailed) -> None:
        await _list_job(api, slug, number, job_name, put, failed)

    return source


async def _list_workflow(
    api: Listings,
    workflow_id: str,
    put: Put,
    failed: ListingFailed,
    listed: set[tuple[str, int]],
) -> None:
    async with asyncio.TaskGroup() as group:
        async for found in api.workflow_jobs(workflow_id):
            if found.job_number is None:  # approval jobs have no number and no artifacts
                continue
            key = (found.project_slug, found.job_number)
            if key in listed:
                continue
            listed.add(key)
            group.create_task(
                _list_job(api, found.project_slug, found.job_number, found.name, put, failed)
            )


def workflow(api: Listings, workflow_id: str) -> Source:
    """Every job's artifacts, each job listed as soon as its page of jobs arrives."""

    async def source(put: Put, failed: ListingFailed) -> None:
        await _list_workflow(api, workflow_id, put, failed, set())

    return source


def pipeline(api: Listings, pipeline_id: str) -> Source:
    """Every workflow's jobs' artifacts; a job shared by a rerun workflow is listed once."""

    async def source(put: Put, failed: ListingFailed) -> None:
        # A rerun from failed lists the passed jobs again under their first job number.
        listed: set[tuple[str, int]] = set()
        async with asyncio.TaskGroup() as group:
            async for found in api.pipeline_workflows(pipeline_id):
                group.create_task(_list_workflow(api, found.id, put, failed, listed))

    return source
