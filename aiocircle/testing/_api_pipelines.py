"""The fake's pipeline operations beyond the core ones: the followed-projects list, values,
continuing a setup pipeline, and `pipeline/run` (the recommended trigger)."""

from __future__ import annotations

import uuid
from typing import Any

import attrs
from aiohttp import web

from . import _render as render
from ._api import check_pipeline_parameters
from ._api_projects import find_organization
from ._calls import V2, Call, RouteSpec
from ._http import HttpError, json_response
from ._state import NotFound, Pipeline, Project, State, iso
from ._tagapi import TagApi

_RUN_FIELDS = frozenset({"definition_id", "config", "checkout", "parameters"})
_CI_SKIP = "Ignoring pipeline due to CI skip in the commit"


@attrs.define
class Continuation:
    pipeline: Pipeline
    key: str = attrs.field(repr=False)
    used: bool = False


class PipelineRuns:
    """Setup pipelines waiting to be continued, and branches whose head commit says
    `[ci skip]` (a `pipeline/run` on them creates no pipeline)."""

    def __init__(self, state: State) -> None:
        self._state = state
        self.continuations: dict[str, Continuation] = {}
        self.skipped: set[tuple[str, str]] = set()

    def add_setup(self, project: Project, *, branch: str | None = None) -> tuple[Pipeline, str]:
        """A pipeline in its setup phase and the continuation key that continues it."""
        pipeline = self._state.add_pipeline(project, branch=branch, state="setup")
        key = self._state.new_id()
        self.continuations[key] = Continuation(pipeline, key)
        return pipeline, key

    def skip_branch(self, project: Project, branch: str) -> None:
        """Make the head commit of `branch` a `[ci skip]` commit."""
        self.skipped.add((project.id, branch))


def pipeline_values(pipeline: Pipeline) -> dict[str, str | int | bool]:
    """The pipeline values CircleCI documents, those of this pipeline's kind of ref."""
    values: dict[str, str | int | bool] = {
        "pipeline.id": pipeline.id,
        "pipeline.number": pipeline.number,
        "pipeline.project.git_url": pipeline.project.vcs_url,
        "pipeline.project.type": pipeline.project.organization.vcs_type,
        "pipeline.git.revision": pipeline.revision,
        "pipeline.trigger_source": pipeline.trigger_type,
        "pipeline.trigger_parameters.circleci.trigger_type": pipeline.trigger_type,
    }
    if pipeline.tag is not None:
        values["pipeline.git.tag"] = pipeline.tag
    else:
        values["pipeline.git.branch"] = pipeline.branch or ""
        values["pipeline.git.branch.is_default"] = (
            pipeline.branch == pipeline.project.default_branch
        )
    return values


class PipelinesApi(TagApi):
    ROUTES = (
        RouteSpec(V2, "GET", "/pipeline", "list_followed"),
        RouteSpec(V2, "POST", "/pipeline/continue", "continue_pipeline"),
        RouteSpec(V2, "GET", "/pipeline/{pipeline-id}/values", "get_values"),
        RouteSpec(V2, "POST", "/project/{provider}/{organization}/{project}/pipeline/run", "run"),
    )

    async def list_followed(self, call: Call) -> web.Response:
        """GET /pipeline?org-slug=&mine=: the user's organizations' pipelines, newest first."""
        query = call.request.query
        org_slug = query.get("org-slug")
        mine = query.get("mine", "false")
        if mine not in ("true", "false"):
            raise HttpError(400, "mine is true or false")
        orgs = [find_organization(self.state, org_slug)] if org_slug else call.user.organizations
        keep = set(map(id, orgs))
        pipelines = [
            p
            for p in self.state.pipelines.values()
            if id(p.project.organization) in keep and (mine == "false" or p.actor is call.user)
        ]
        pipelines.sort(key=lambda p: (p.created_at, p.number), reverse=True)
        return self.page(call, pipelines, lambda p: render.cached(p, render.pipeline))

    async def get_values(self, call: Call) -> web.Response:
        """GET /pipeline/{pipeline-id}/values"""
        found = self.state.pipelines.get(call.params["pipeline-id"])
        if found is None:
            raise NotFound("Pipeline not found")
        return json_response(render.dumps(pipeline_values(found)))

    async def continue_pipeline(self, call: Call) -> web.Response:
        """POST /pipeline/continue {continuation-key, configuration, parameters}"""
        body = await self.body(call)
        key, configuration = body.get("continuation-key"), body.get("configuration")
        if not isinstance(key, str) or not isinstance(configuration, str):
            raise HttpError(400, "continuation-key and configuration are required strings")
        if not configuration.strip():
            raise HttpError(400, "configuration must not be empty")
        if body.get("parameters") is not None:
            check_pipeline_parameters(body["parameters"])
        waiting = self.part(PipelineRuns).continuations.get(key)
        if waiting is None:
            raise NotFound("Continuation key not found")
        if waiting.used:
            raise HttpError(400, "This pipeline has already been continued")
        waiting.used = True
        pipeline = waiting.pipeline
        pipeline.state = "created"
        pipeline.updated_at = self.state.tick()
        self.state.start_template(pipeline)
        return json_response(render.message("Pipeline continued."))

    async def run(self, call: Call) -> web.Response:
        """POST /project/{provider}/{organization}/{project}/pipeline/run"""
        slug = "/".join(call.params[k] for k in ("provider", "organization", "project"))
        project = self.state.project(slug)
        body = await self.body(call)
        unexpected = set(body) - _RUN_FIELDS
        if unexpected:
            raise HttpError(400, f"Unexpected request body provided: {sorted(unexpected)}")
        definition = body.get("definition_id")
        if definition is not None:
            try:
                uuid.UUID(str(definition))
            except ValueError:
                raise HttpError(400, "definition_id is a UUID") from None
        refs = {where: _ref(body, where) for where in ("config", "checkout")}
        if body.get("parameters") is not None:
            check_pipeline_parameters(body["parameters"])
        branch, tag = refs["checkout"] if any(refs["checkout"]) else refs["config"]
        if branch is None and tag is None:
            branch = project.default_branch
        if branch is not None and (project.id, branch) in self.part(PipelineRuns).skipped:
            return json_response(render.message(_CI_SKIP))
        pipeline = self.state.trigger_pipeline(
            project, call.user, branch=branch, tag=tag, parameters=body.get("parameters")
        )
        return json_response(render.dumps(_created(pipeline)), status=201)


def _ref(body: dict[str, Any], where: str) -> tuple[str | None, str | None]:
    value = body.get(where)
    if value is None:
        return None, None
    if not isinstance(value, dict) or set(value) - {"branch", "tag"}:
        raise HttpError(400, f"{where} is an object with a branch or a tag")
    branch, tag = value.get("branch"), value.get("tag")
    if branch is not None and tag is not None:
        raise HttpError(400, f"{where}: branch and tag are mutually exclusive")
    if any(v is not None and not isinstance(v, str) for v in (branch, tag)):
        raise HttpError(400, f"{where}: branch and tag are strings")
    return branch, tag


def _created(pipeline: Pipeline) -> dict[str, Any]:
    return {
        "id": pipeline.id,
        "state": pipeline.state,
        "number": pipeline.number,
        "created_at": iso(pipeline.created_at),
    }
