"""``cci.artifacts``: list a job's artifacts and harvest them to disk.

``GET /project/{slug}/{number}/artifacts`` is absent from CircleCI's August 2026 spec but
still served; CircleCI may retire it.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import os
from collections.abc import Awaitable, Callable
from typing import Literal

from .._operations import operation
from .._pagination import Paginator
from .._slug import encode_segment, encode_slug, job_number
from ..download import DownloadReport, Filter, Harvest, JobArtifact, Layout
from ..errors import CircleCIError, NotFoundError
from ..models import Artifact
from ..progress import ProgressCallback
from ._base import Resource
from .jobs import Jobs
from .pipelines import Pipelines
from .workflows import Workflows

Put = Callable[[JobArtifact], Awaitable[None]]
Dest = str | os.PathLike[str]

_V1_VCS = {"gh": "github", "github": "github", "bb": "bitbucket", "bitbucket": "bitbucket"}


class Artifacts(Resource):
    @operation(
        "getJobArtifacts", "GET", "/project/{project-slug}/{job-number}/artifacts", paginated=True
    )
    def list(self, slug: str, number: int) -> Paginator[Artifact]:
        """A job's artifacts. ``GET /project/{project-slug}/{job-number}/artifacts``"""
        path = f"/project/{encode_slug(slug)}/{job_number(number)}/artifacts"
        return self._core.paginate(Artifact, path)

    async def latest(
        self,
        slug: str,
        *,
        branch: str | None = None,
        filter: Literal["completed", "successful", "failed", "running"] = "successful",
    ) -> builtins.list[Artifact]:
        """Artifacts of the latest build of a branch (of any branch when ``None``).

        Only API v1.1 offers this:
        ``GET /api/v1.1/project/{vcs}/{org}/{repo}/latest/artifacts?branch=&filter=``.
        """
        if filter not in ("completed", "successful", "failed", "running"):
            raise ValueError(f"filter must be completed, successful, failed or running: {filter!r}")
        vcs, org, repo = encode_slug(slug).split("/")
        api_root = self._core.base_url.path.removesuffix("/").removesuffix("/v2")
        path = f"{api_root}/v1.1/project/{_V1_VCS.get(vcs, vcs)}/{org}/{repo}/latest/artifacts"
        url = str(self._core.base_url.with_path(path, encoded=True))
        data = await self._core.model(
            builtins.list[Artifact], "GET", url, params={"branch": branch, "filter": filter}
        )
        return data

    async def download(
        self,
        artifact: Artifact | JobArtifact,
        dest: Dest,
        *,
        overwrite: bool = False,
        progress: ProgressCallback | None = None,
        layout: Layout | None = None,
    ) -> DownloadReport:
        """Download one artifact into the folder ``dest``.

        A :class:`JobArtifact` is laid out like the bulk methods do; a bare ``Artifact`` has
        no job, so it lands in ``dest/latest/<node_index>/<path>`` (pass a ``layout`` to
        choose). As everywhere, a file already there with the artifact's size is skipped.
        """
        item = artifact if isinstance(artifact, JobArtifact) else _loose(artifact)
        harvest = self._harvest(dest, 1, None, None, overwrite, progress, layout)
        return await harvest.from_items([item])

    async def download_latest(
        self,
        slug: str,
        dest: Dest,
        *,
        branch: str | None = None,
        filter: Literal["completed", "successful", "failed", "running"] = "successful",
        concurrency: int = 8,
        include: Filter | None = None,
        exclude: Filter | None = None,
        overwrite: bool = False,
        progress: ProgressCallback | None = None,
        layout: Layout | None = None,
    ) -> DownloadReport:
        """Download every artifact of a branch's latest build (see :meth:`latest`)."""
        found = await self.latest(slug, branch=branch, filter=filter)
        harvest = self._harvest(dest, concurrency, include, exclude, overwrite, progress, layout)
        return await harvest.from_items(_loose(a, slug) for a in found)

    async def download_job(
        self,
        slug: str,
        number: int,
        dest: Dest,
        *,
        job_name: str | None = None,
        concurrency: int = 8,
        include: Filter | None = None,
        exclude: Filter | None = None,
        overwrite: bool = False,
        progress: ProgressCallback | None = None,
        layout: Layout | None = None,
    ) -> DownloadReport:
        """Download every artifact of one job into ``dest``.

        Without ``job_name`` the name is looked up (``GET /project/{slug}/job/{number}``),
        so files land where :meth:`download_workflow` puts them.
        """
        job_number(number)
        encode_slug(slug)
        harvest = self._harvest(dest, concurrency, include, exclude, overwrite, progress, layout)

        async def produce(put: Put) -> None:
            name = job_name
            if name is None and layout is None:
                # CircleCI may retire this endpoint; without it the folder is "<n>-job".
                with contextlib.suppress(NotFoundError):
                    name = (await Jobs(self._core).get(slug, number)).name
            await self._list_job(harvest, slug, number, name, put)

        return await harvest.run(produce)

    async def download_workflow(
        self,
        workflow_id: str,
        dest: Dest,
        *,
        concurrency: int = 8,
        include: Filter | None = None,
        exclude: Filter | None = None,
        overwrite: bool = False,
        progress: ProgressCallback | None = None,
        layout: Layout | None = None,
    ) -> DownloadReport:
        """Download every artifact of every job of a workflow (approval jobs have none).

        Lists ``/workflow/{id}/job``, then each job's artifacts; downloads start as soon
        as the first artifacts are listed. One failed artifact never stops the others.
        """
        encode_segment(workflow_id, "workflow_id")
        harvest = self._harvest(dest, concurrency, include, exclude, overwrite, progress, layout)

        async def produce(put: Put) -> None:
            await self._list_workflow(harvest, workflow_id, put)

        return await harvest.run(produce)

    async def download_pipeline(
        self,
        pipeline_id: str,
        dest: Dest,
        *,
        concurrency: int = 8,
        include: Filter | None = None,
        exclude: Filter | None = None,
        overwrite: bool = False,
        progress: ProgressCallback | None = None,
        layout: Layout | None = None,
    ) -> DownloadReport:
        """Download every artifact of every workflow of a pipeline."""
        harvest = self._harvest(dest, concurrency, include, exclude, overwrite, progress, layout)

        # A rerun from failed lists the passed jobs again under their first job number.
        listed: set[tuple[str, int]] = set()

        async def produce(put: Put) -> None:
            async with asyncio.TaskGroup() as group:
                async for workflow in Pipelines(self._core).workflows(pipeline_id):
                    group.create_task(self._list_workflow(harvest, workflow.id, put, listed))

        return await harvest.run(produce)

    # -- listing --------------------------------------------------------------------------

    def _harvest(
        self,
        dest: Dest,
        concurrency: int,
        include: Filter | None,
        exclude: Filter | None,
        overwrite: bool,
        progress: ProgressCallback | None,
        layout: Layout | None,
    ) -> Harvest:
        return Harvest(
            self._core,
            dest,
            concurrency=concurrency,
            include=include,
            exclude=exclude,
            overwrite=overwrite,
            progress=progress,
            layout=layout,
        )

    async def _list_workflow(
        self,
        harvest: Harvest,
        workflow_id: str,
        put: Put,
        listed: set[tuple[str, int]] | None = None,
    ) -> None:
        listed = set() if listed is None else listed
        async with asyncio.TaskGroup() as group:
            async for job in Workflows(self._core).jobs(workflow_id):
                if job.job_number is None:  # approval jobs have no number and no artifacts
                    continue
                if (job.project_slug, job.job_number) in listed:
                    continue
                listed.add((job.project_slug, job.job_number))
                group.create_task(
                    self._list_job(harvest, job.project_slug, job.job_number, job.name, put)
                )

    async def _list_job(
        self, harvest: Harvest, slug: str, number: int, job_name: str | None, put: Put
    ) -> None:
        try:
            async for artifact in self.list(slug, number):
                item = JobArtifact(
                    artifact=artifact, project_slug=slug, job_number=number, job_name=job_name
                )
                await put(item)
        except CircleCIError as exc:
            harvest.listing_failed(slug, number, exc)


def _loose(artifact: Artifact, slug: str = "") -> JobArtifact:
    return JobArtifact(artifact=artifact, project_slug=slug)
