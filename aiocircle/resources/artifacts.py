"""``cci.artifacts``: list a job's artifacts and harvest them to disk.

The harvesting itself lives in :mod:`aiocircle.harvest`; these methods pick a source and
hand it a :class:`~aiocircle.harvest.HarvestOptions` (``options=``, with any field
replaced by a keyword argument: ``concurrency=32``).

``GET /project/{slug}/{number}/artifacts`` is absent from CircleCI's August 2026 spec but
still served; CircleCI may retire it.
"""

from __future__ import annotations

import builtins
import contextlib
import os
from typing import Literal, Unpack

from .._operations import operation
from .._pagination import Paginator
from .._slug import encode_segment, encode_slug, job_number
from ..errors import NotFoundError
from ..harvest import (
    DownloadReport,
    Harvest,
    HarvestChanges,
    HarvestOptions,
    JobArtifact,
    Listings,
    resolve_options,
)
from ..harvest import _sources as sources
from ..models import Artifact
from ._base import Resource
from .jobs import Jobs
from .pipelines import Pipelines
from .workflows import Workflows

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
        options: HarvestOptions | None = None,
        **changes: Unpack[HarvestChanges],
    ) -> DownloadReport:
        """Download one artifact into the folder ``dest``.

        A :class:`JobArtifact` is laid out like the bulk methods do; a bare ``Artifact`` has
        no job, so it lands in ``dest/latest/<node_index>/<path>`` (pass a ``layout`` to
        choose). As everywhere, a complete file already there is skipped.
        """
        item = artifact if isinstance(artifact, JobArtifact) else _loose(artifact)
        return await self._harvest(dest, options, changes).from_items([item])

    async def download_latest(
        self,
        slug: str,
        dest: Dest,
        options: HarvestOptions | None = None,
        *,
        branch: str | None = None,
        filter: Literal["completed", "successful", "failed", "running"] = "successful",
        **changes: Unpack[HarvestChanges],
    ) -> DownloadReport:
        """Download every artifact of a branch's latest build (see :meth:`latest`)."""
        harvest = self._harvest(dest, options, changes)
        found = await self.latest(slug, branch=branch, filter=filter)
        return await harvest.from_items(_loose(a, slug) for a in found)

    async def download_job(
        self,
        slug: str,
        number: int,
        dest: Dest,
        options: HarvestOptions | None = None,
        *,
        job_name: str | None = None,
        **changes: Unpack[HarvestChanges],
    ) -> DownloadReport:
        """Download every artifact of one job into ``dest``.

        Without ``job_name`` the name is looked up (``GET /project/{slug}/job/{number}``),
        so files land where :meth:`download_workflow` puts them.
        """
        job_number(number)
        encode_slug(slug)
        harvest = self._harvest(dest, options, changes)
        name = job_name
        if name is None and harvest.options.layout is None:
            # CircleCI may retire this endpoint; without it the folder is "<n>-job".
            with contextlib.suppress(NotFoundError):
                name = (await Jobs(self._core).get(slug, number)).name
        return await harvest.run(sources.job(self._listings(), slug, number, name))

    async def download_workflow(
        self,
        workflow_id: str,
        dest: Dest,
        options: HarvestOptions | None = None,
        **changes: Unpack[HarvestChanges],
    ) -> DownloadReport:
        """Download every artifact of every job of a workflow (approval jobs have none).

        Lists ``/workflow/{id}/job``, then each job's artifacts; downloads start as soon
        as the first artifacts are listed. One failed artifact never stops the others.
        """
        encode_segment(workflow_id, "workflow_id")
        harvest = self._harvest(dest, options, changes)
        return await harvest.run(sources.workflow(self._listings(), workflow_id))

    async def download_pipeline(
        self,
        pipeline_id: str,
        dest: Dest,
        options: HarvestOptions | None = None,
        **changes: Unpack[HarvestChanges],
    ) -> DownloadReport:
        """Download every artifact of every workflow of a pipeline."""
        harvest = self._harvest(dest, options, changes)
        return await harvest.run(sources.pipeline(self._listings(), pipeline_id))

    def _harvest(
        self, dest: Dest, options: HarvestOptions | None, changes: HarvestChanges
    ) -> Harvest:
        return Harvest(self._core, dest, resolve_options(options, changes))

    def _listings(self) -> Listings:
        return Listings(
            workflow_jobs=Workflows(self._core).jobs,
            pipeline_workflows=Pipelines(self._core).workflows,
            job_artifacts=self.list,
        )


def _loose(artifact: Artifact, slug: str = "") -> JobArtifact:
    return JobArtifact(artifact=artifact, project_slug=slug)
