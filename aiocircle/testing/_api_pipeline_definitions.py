"""The fake's pipeline definitions: a project's config source and checkout source
(``/projects/{project_id}/pipeline-definitions``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
from aiohttp import web

from ._calls import V2, Call, RouteSpec
from ._http import HttpError, json_response
from ._render import dumps
from ._state import NotFound, Project, State, iso
from ._tagapi import TagApi

CONFIG_PROVIDERS = ("github_app", "circleci")


@attrs.define(eq=False)
class FakeDefinition:
    id: str
    project: Project
    name: str
    created_at: datetime
    config_provider: str
    config_file_path: str
    #: The GitHub App repository id of the config file; None for the circleci provider.
    config_repo_id: str | None
    checkout_repo_id: str
    #: Every other definition answers its repositories without the optional ``full_name``,
    #: so a client that needs it fails a test.
    terse: bool = False

    def _repo(self, external_id: str) -> dict[str, str]:
        if self.terse:
            return {"external_id": external_id}
        org = self.project.organization.name
        return {"full_name": f"{org}/{self.project.name}", "external_id": external_id}

    def to_json(self) -> dict[str, Any]:
        config: dict[str, Any] = {"provider": self.config_provider}
        if self.config_repo_id is not None:
            config["repo"] = self._repo(self.config_repo_id)
        config["file_path"] = self.config_file_path
        return {
            "id": self.id,
            "name": self.name,
            "created_at": iso(self.created_at),
            "config_source": config,
            "checkout_source": {
                "provider": "github_app",
                "repo": self._repo(self.checkout_repo_id),
            },
        }


class PipelineDefinitions:
    """Definitions by id; each belongs to one project of the shared state."""

    def __init__(self, state: State) -> None:
        self._state = state
        self.by_id: dict[str, FakeDefinition] = {}
        self._added = 0

    def add(
        self,
        project: Project,
        name: str,
        *,
        config_file_path: str = ".circleci/config.yml",
        config_repo_id: str | None = "1001",
        checkout_repo_id: str = "1001",
    ) -> FakeDefinition:
        """A definition; ``config_repo_id=None`` makes its config source ``circleci``."""
        definition = FakeDefinition(
            id=self._state.new_id(),
            project=project,
            name=name,
            created_at=self._state.now,
            config_provider="circleci" if config_repo_id is None else "github_app",
            config_file_path=config_file_path,
            config_repo_id=config_repo_id,
            checkout_repo_id=checkout_repo_id,
            terse=self._added % 2 == 1,
        )
        self._added += 1
        self.by_id[definition.id] = definition
        return definition

    def of_project(self, project: Project) -> list[FakeDefinition]:
        return [d for d in self.by_id.values() if d.project is project]

    def find(self, project: Project, definition_id: str) -> FakeDefinition:
        found = self.by_id.get(definition_id)
        if found is None or found.project is not project:
            raise NotFound("Pipeline definition not found.")
        return found


def project_by_id(state: State, project_id: str) -> Project:
    """The project of a ``{project_id}`` path parameter, or 404."""
    found = state.projects_by_id.get(project_id)
    if found is None:
        raise NotFound("Project not found.")
    return found


def _text(source: dict[str, Any], key: str, where: str) -> str:
    value = source.get(key)
    if not isinstance(value, str) or not value.strip():
        raise HttpError(400, f"{where}{key} is a required non-empty string")
    return value


def _object(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    if not isinstance(value, dict):
        raise HttpError(400, f"{key} is a required object")
    return value


def _repo_id(source: dict[str, Any], where: str) -> str:
    repo = source.get("repo")
    if not isinstance(repo, dict):
        raise HttpError(400, f"{where}repo is a required object")
    return _text(repo, "external_id", f"{where}repo.")


class PipelineDefinitionsApi(TagApi):
    ROUTES = (
        RouteSpec(V2, "GET", "/projects/{project_id}/pipeline-definitions", "list_definitions"),
        RouteSpec(V2, "POST", "/projects/{project_id}/pipeline-definitions", "create_definition"),
        RouteSpec(
            V2,
            "GET",
            "/projects/{project_id}/pipeline-definitions/{pipeline_definition_id}",
            "get_definition",
        ),
        RouteSpec(
            V2,
            "PATCH",
            "/projects/{project_id}/pipeline-definitions/{pipeline_definition_id}",
            "update_definition",
        ),
        RouteSpec(
            V2,
            "DELETE",
            "/projects/{project_id}/pipeline-definitions/{pipeline_definition_id}",
            "delete_definition",
        ),
    )

    def _definition(self, call: Call) -> FakeDefinition:
        project = project_by_id(self.state, call.params["project_id"])
        return self.part(PipelineDefinitions).find(project, call.params["pipeline_definition_id"])

    async def list_definitions(self, call: Call) -> web.Response:
        project = project_by_id(self.state, call.params["project_id"])
        items = [d.to_json() for d in self.part(PipelineDefinitions).of_project(project)]
        return json_response(dumps({"items": items}))

    async def create_definition(self, call: Call) -> web.Response:
        project = project_by_id(self.state, call.params["project_id"])
        body = await self.body(call)
        name = _text(body, "name", "")
        config, checkout = _object(body, "config_source"), _object(body, "checkout_source")
        provider = config.get("provider")
        if provider not in CONFIG_PROVIDERS:
            raise HttpError(400, "config_source.provider must be github_app or circleci")
        config_repo = _repo_id(config, "config_source.") if provider == "github_app" else None
        if provider == "circleci" and "repo" in config:
            raise HttpError(400, "config_source.repo is not allowed for the circleci provider")
        if checkout.get("provider") != "github_app":
            raise HttpError(400, "checkout_source.provider must be github_app")
        definition = self.part(PipelineDefinitions).add(
            project,
            name,
            config_file_path=_text(config, "file_path", "config_source."),
            config_repo_id=config_repo,
            checkout_repo_id=_repo_id(checkout, "checkout_source."),
        )
        return json_response(dumps(definition.to_json()))

    async def get_definition(self, call: Call) -> web.Response:
        return json_response(dumps(self._definition(call).to_json()))

    async def update_definition(self, call: Call) -> web.Response:
        definition = self._definition(call)
        body = await self.body(call)
        unknown = set(body) - {"name", "config_source", "checkout_source"}
        if unknown:
            raise HttpError(400, "Unexpected request body provided.")
        # Check everything before changing anything, so a bad field changes nothing.
        name = _text(body, "name", "") if "name" in body else definition.name
        file_path = definition.config_file_path
        if "config_source" in body:
            file_path = _text(_object(body, "config_source"), "file_path", "config_source.")
        checkout_repo = definition.checkout_repo_id
        if "checkout_source" in body:
            checkout_repo = _repo_id(_object(body, "checkout_source"), "checkout_source.")
        definition.name, definition.config_file_path = name, file_path
        definition.checkout_repo_id = checkout_repo
        return json_response(dumps(definition.to_json()))

    async def delete_definition(self, call: Call) -> web.Response:
        definition = self._definition(call)
        del self.part(PipelineDefinitions).by_id[definition.id]
        return json_response(dumps({"message": "Pipeline definition deleted."}))
