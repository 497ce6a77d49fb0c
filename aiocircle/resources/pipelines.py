"""``cci.pipelines``: list, get, trigger and continue pipelines; their config, values and
workflows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._operations import operation
from .._pagination import Paginator
from .._parameters import ParameterValue, check_parameters
from .._slug import check_org_slug, encode_segment, encode_slug, job_number
from ..models import (
    MessageResponse,
    Pipeline,
    PipelineConfig,
    PipelineCreation,
    PipelineNotTriggered,
    PipelineRun,
    Workflow,
)
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
        parameters: Mapping[str, ParameterValue] | None = None,
    ) -> PipelineCreation:
        """Trigger a new pipeline on a branch or a tag. ``POST /project/{project-slug}/pipeline``

        Never retried once the request may have reached CircleCI: a repeated trigger
        would start a second pipeline. ``parameters`` are checked against CircleCI's limits
        first (at most 100; names up to 128 characters; values str, int or bool, strings up
        to 512 characters): ``ValueError`` before anything is sent.
        """
        if branch is not None and tag is not None:
            raise ValueError("trigger() takes a branch or a tag, not both")
        body: dict[str, Any] = {}
        if branch is not None:
            body["branch"] = branch
        if tag is not None:
            body["tag"] = tag
        if parameters is not None:
            body["parameters"] = check_parameters(parameters)
        path = f"/project/{encode_slug(slug)}/pipeline"
        return await self._core.model(PipelineCreation, "POST", path, json=body, idempotent=False)

    @operation("listPipelines", "GET", "/pipeline", paginated=True)
    def followed(self, org_slug: str | None = None, *, mine: bool = False) -> Paginator[Pipeline]:
        """Pipelines of the projects you follow in an organization, most recently built
        first (CircleCI looks at 250 projects at most). ``GET /pipeline?org-slug=&mine=``

        ``org_slug`` is ``vcs/org`` (``gh/acme``); ``mine`` keeps your own pipelines.
        """
        org = None if org_slug is None else check_org_slug(org_slug)
        params: dict[str, Any] = {"org-slug": org}
        if mine:
            params["mine"] = True
        return self._core.paginate(Pipeline, "/pipeline", params=params)

    @operation("getPipelineValuesById", "GET", "/pipeline/{pipeline-id}/values")
    async def values(self, pipeline_id: str) -> dict[str, ParameterValue]:
        """A pipeline's values (``pipeline.git.branch``, ...) by name.
        ``GET /pipeline/{pipeline-id}/values``"""
        path = f"{self._path(pipeline_id)}/values"
        values: dict[str, ParameterValue] = await self._core.model(dict[str, Any], "GET", path)
        return values

    @operation("continuePipeline", "POST", "/pipeline/continue", idempotent=False)
    async def continue_setup(
        self,
        continuation_key: str,
        configuration: str,
        *,
        parameters: Mapping[str, ParameterValue] | None = None,
    ) -> MessageResponse:
        """Continue a pipeline from its setup phase with ``configuration`` (YAML).
        ``POST /pipeline/continue``

        Called from a setup workflow with its ``CIRCLE_CONTINUATION_KEY``. Never retried
        once the request may have reached CircleCI. ``parameters`` are checked like
        :meth:`trigger`'s.
        """
        if not continuation_key:
            raise ValueError("continuation_key must not be empty")
        if not configuration.strip():
            raise ValueError("configuration must not be empty")
        body: dict[str, Any] = {
            "continuation-key": continuation_key,
            "configuration": configuration,
        }
        if parameters is not None:
            body["parameters"] = check_parameters(parameters)
        return await self._core.model(
            MessageResponse, "POST", "/pipeline/continue", json=body, idempotent=False
        )

    @operation(
        "triggerPipelineRun",
        "POST",
        "/project/{provider}/{organization}/{project}/pipeline/run",
        idempotent=False,
    )
    async def run(
        self,
        slug: str,
        *,
        definition_id: str | None = None,
        config_branch: str | None = None,
        config_tag: str | None = None,
        checkout_branch: str | None = None,
        checkout_tag: str | None = None,
        parameters: Mapping[str, ParameterValue] | None = None,
    ) -> PipelineRun | PipelineNotTriggered:
        """Trigger a pipeline of a pipeline definition, CircleCI's recommended trigger.
        ``POST /project/{provider}/{organization}/{project}/pipeline/run``

        ``config_*`` choose where the configuration is read, ``checkout_*`` what the
        ``checkout`` step checks out (a branch or a tag each, not both). The answer is a
        :class:`PipelineRun` when a pipeline was created (201) and a
        :class:`PipelineNotTriggered` with CircleCI's reason when none was (200, e.g. a
        ``[ci skip]`` commit). Never retried once the request may have reached CircleCI.
        Works for every organization type but GitLab.
        """
        body: dict[str, Any] = {}
        if definition_id is not None:
            if not definition_id.strip():
                raise ValueError("definition_id must not be empty")
            body["definition_id"] = definition_id
        for where, branch, tag in (
            ("config", config_branch, config_tag),
            ("checkout", checkout_branch, checkout_tag),
        ):
            if branch is not None and tag is not None:
                raise ValueError(f"{where}: a branch or a tag, not both")
            if branch is not None or tag is not None:
                body[where] = {"branch": branch} if branch is not None else {"tag": tag}
        if parameters is not None:
            body["parameters"] = check_parameters(parameters)
        path = f"/project/{encode_slug(slug)}/pipeline/run"
        response = await self._core.request("POST", path, json=body, idempotent=False)
        data = self._core.decode(response, "POST", path)
        kind: type[PipelineRun | PipelineNotTriggered] = (
            PipelineRun if response.status == 201 else PipelineNotTriggered
        )
        return self._core.structured(data, kind, "POST", path)

    @staticmethod
    def _path(pipeline_id: str) -> str:
        return f"/pipeline/{encode_segment(pipeline_id, 'pipeline_id')}"
