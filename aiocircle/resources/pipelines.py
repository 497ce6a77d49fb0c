"""``cci.pipelines``: list, get, trigger pipelines; their config and workflows."""

from __future__ import annotations

from typing import Any

from .._operations import operation
from .._pagination import Paginator
from .._slug import encode_segment, encode_slug, job_number
from ..models import Pipeline, PipelineConfig, PipelineCreation, Workflow
from ._base import Resource


class Pipelines(Resource):
    @operation("listPipelinesForProject", "GET", "/project/{project-slug}/pipeline", paginated=True)
    def list(self, slug: str, *, branch: str | None = None) -> Paginator[Pipeline]:
        """A project's pipelines, newest first. ``GET /project/{project-slug}/pipeline``"""
        path = f"/project/{encode_slug(slug)}/pipeline"
        return self._core.paginate(Pipeline, path, params={"branch": branch})

    @operation("listMyPipelines", "GET", "/project/{project-slug}/pipeline/mine", paginated=True)
    def mine(self, slug: str) -> Paginator[Pipeline]:
        """Pipelines the token's user triggered. ``GET /project/{project-slug}/pipeline/mine``"""
        return self._core.paginate(Pipeline, f"/project/{encode_slug(slug)}/pipeline/mine")

    @operation("getPipelineById", "GET", "/pipeline/{pipeline-id}")
    async def get(self, pipeline_id: str) -> Pipeline:
        """A pipeline by id. ``GET /pipeline/{pipeline-id}``"""
        return await self._core.model(Pipeline, "GET", self._path(pipeline_id))

    @operation("getPipelineByNumber", "GET", "/project/{project-slug}/pipeline/{pipeline-number}")
    async def get_by_number(self, slug: str, number: int) -> Pipeline:
        """A pipeline by its number. ``GET /project/{project-slug}/pipeline/{pipeline-number}``"""
        path = f"/project/{encode_slug(slug)}/pipeline/{job_number(number, 'pipeline number')}"
        return await self._core.model(Pipeline, "GET", path)

    @operation("getPipelineConfigById", "GET", "/pipeline/{pipeline-id}/config")
    async def config(self, pipeline_id: str) -> PipelineConfig:
        """Source and compiled configuration. ``GET /pipeline/{pipeline-id}/config``"""
        return await self._core.model(PipelineConfig, "GET", f"{self._path(pipeline_id)}/config")

    @operation(
        "listWorkflowsByPipelineId", "GET", "/pipeline/{pipeline-id}/workflow", paginated=True
    )
    def workflows(self, pipeline_id: str) -> Paginator[Workflow]:
        """A pipeline's workflows. ``GET /pipeline/{pipeline-id}/workflow``"""
        return self._core.paginate(Workflow, f"{self._path(pipeline_id)}/workflow")

    @operation("triggerPipeline", "POST", "/project/{project-slug}/pipeline", idempotent=False)
    async def trigger(
        self,
        slug: str,
        *,
        branch: str | None = None,
        tag: str | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> PipelineCreation:
        """Trigger a new pipeline on a branch or a tag. ``POST /project/{project-slug}/pipeline``

        Never retried once the request may have reached CircleCI: a repeated trigger
        would start a second pipeline.
        """
        if branch is not None and tag is not None:
            raise ValueError("trigger() takes a branch or a tag, not both")
        body: dict[str, Any] = {}
        if branch is not None:
            body["branch"] = branch
        if tag is not None:
            body["tag"] = tag
        if parameters is not None:
            body["parameters"] = parameters
        path = f"/project/{encode_slug(slug)}/pipeline"
        return await self._core.model(PipelineCreation, "POST", path, json=body, idempotent=False)

    @staticmethod
    def _path(pipeline_id: str) -> str:
        return f"/pipeline/{encode_segment(pipeline_id, 'pipeline_id')}"
