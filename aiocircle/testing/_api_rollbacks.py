"""The fake's Rollback operation: `POST /projects/{project_id}/rollback`.

A rollback names a component of the project, an environment of its organization, the version
live there now and an earlier version deployed there before. The fake starts a pipeline on
the project's default branch (the rollback pipeline), makes the target version live at once,
and answers 202 with the pipeline's id. A rollback from a version that is not live (say, the
same request sent twice) is a 409.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import _render as render
from ._api_deploys import Deployments
from ._calls import V2, Call, RouteSpec
from ._http import HttpError, json_response
from ._state import NotFound
from ._tagapi import TagApi

_REQUIRED = ("environment_name", "component_name", "current_version", "target_version")
_OPTIONAL = ("namespace", "reason")


class RollbacksApi(TagApi):
    ROUTES = (RouteSpec(V2, "POST", "/projects/{project_id}/rollback", "rollback_project"),)

    async def rollback_project(self, call: Call) -> web.Response:
        """POST /projects/{project_id}/rollback"""
        project = self.state.projects_by_id.get(call.params["project_id"])
        if project is None:
            raise NotFound("Project not found.")
        body = await self.body(call)
        _check_body(body)
        deployments = self.part(Deployments)
        component = next(
            (
                c
                for c in deployments.components.values()
                if c.project is project and c.name == body["component_name"]
            ),
            None,
        )
        if component is None:
            raise NotFound("Component not found.")
        environment = next(
            (
                e
                for e in deployments.environments.values()
                if e.organization is project.organization and e.name == body["environment_name"]
            ),
            None,
        )
        if environment is None:
            raise NotFound("Environment not found.")
        namespace = body.get("namespace")
        live = deployments.live(component, environment, namespace)
        if not any(v.name == body["current_version"] for v in live):
            raise HttpError(409, "The current version is not the live version.")
        target = deployments.version(component, environment, body["target_version"], namespace)
        if target is None or target.name == body["current_version"]:
            raise NotFound("Target version not found.")
        pipeline = self.state.trigger_pipeline(project, call.user, branch=project.default_branch)
        deployments.deploy(component, environment, target.name, namespace=namespace)
        return json_response(
            render.dumps({"id": pipeline.id, "rollback_type": "PIPELINE"}), status=202
        )


def _check_body(body: dict[str, Any]) -> None:
    unexpected = set(body) - {*_REQUIRED, *_OPTIONAL, "parameters"}
    if unexpected:
        raise HttpError(400, f"Unexpected request body provided: {sorted(unexpected)}")
    for key in _REQUIRED:
        if not isinstance(body.get(key), str) or not body[key]:
            raise HttpError(400, f"{key} is a required string")
    for key in _OPTIONAL:
        if body.get(key) is not None and not isinstance(body[key], str):
            raise HttpError(400, f"{key} is a string")
    if body.get("parameters") is not None and not isinstance(body["parameters"], dict):
        raise HttpError(400, "parameters is an object")
