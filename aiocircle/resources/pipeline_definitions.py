"""``cci.pipeline_definitions``: a project's pipeline definitions (config and checkout source)."""

from __future__ import annotations

import builtins
from typing import Any, Literal

from .._operations import operation
from .._slug import encode_segment
from ..models import PipelineDefinition, PipelineDefinitionDeleted, PipelineDefinitionList
from ._base import Resource

ConfigProvider = Literal["github_app", "circleci"]


def _definitions(project_id: str) -> str:
    return f"/projects/{encode_segment(project_id, 'project id')}/pipeline-definitions"


def _definition(project_id: str, definition_id: str) -> str:
    return f"{_definitions(project_id)}/{encode_segment(definition_id, 'pipeline definition id')}"


def _text(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string, not {value!r}")
    return value


def _config_source(provider: str, file_path: str, repo_id: str | None) -> dict[str, Any]:
    # The spec's oneOf: github_app names the repo holding the file, circleci takes none.
    source: dict[str, Any] = {
        "provider": provider,
        "file_path": _text(file_path, "config_file_path"),
    }
    if provider == "github_app":
        if repo_id is None:
            raise ValueError("config_repo_id is required when config_provider is 'github_app'")
        source["repo"] = {"external_id": _text(repo_id, "config_repo_id")}
    elif provider == "circleci":
        if repo_id is not None:
            raise ValueError("config_repo_id must not be given when config_provider is 'circleci'")
    else:
        raise ValueError(f"config_provider must be 'github_app' or 'circleci', not {provider!r}")
    return source


class PipelineDefinitions(Resource):
    @operation("listPipelineDefinitions", "GET", "/projects/{project_id}/pipeline-definitions")
    async def list(self, project_id: str) -> builtins.list[PipelineDefinition]:
        """Every pipeline definition of a project (one response, not paged).
        ``GET /projects/{project_id}/pipeline-definitions``"""
        found = await self._core.model(PipelineDefinitionList, "GET", _definitions(project_id))
        return found.items or []

    @operation("createPipelineDefinition", "POST", "/projects/{project_id}/pipeline-definitions")
    async def create(
        self,
        project_id: str,
        *,
        name: str,
        config_file_path: str,
        checkout_repo_id: str,
        config_repo_id: str | None = None,
        config_provider: ConfigProvider = "github_app",
    ) -> PipelineDefinition:
        """Create a definition: its config file (in the ``config_repo_id`` repository for
        ``github_app``) and the repository its jobs check out (GitHub App repository ids).
        ``POST /projects/{project_id}/pipeline-definitions``"""
        body = {
            "name": _text(name, "name"),
            "config_source": _config_source(config_provider, config_file_path, config_repo_id),
            "checkout_source": {
                "provider": "github_app",
                "repo": {"external_id": _text(checkout_repo_id, "checkout_repo_id")},
            },
        }
        path = _definitions(project_id)
        return await self._core.model(PipelineDefinition, "POST", path, json=body)

    @operation(
        "getPipelineDefinition",
        "GET",
        "/projects/{project_id}/pipeline-definitions/{pipeline_definition_id}",
    )
    async def get(self, project_id: str, definition_id: str) -> PipelineDefinition:
        """One pipeline definition.
        ``GET /projects/{project_id}/pipeline-definitions/{pipeline_definition_id}``"""
        path = _definition(project_id, definition_id)
        return await self._core.model(PipelineDefinition, "GET", path)

    @operation(
        "updatePipelineDefinition",
        "PATCH",
        "/projects/{project_id}/pipeline-definitions/{pipeline_definition_id}",
    )
    async def update(
        self,
        project_id: str,
        definition_id: str,
        *,
        name: str | None = None,
        config_file_path: str | None = None,
        checkout_repo_id: str | None = None,
    ) -> PipelineDefinition:
        """Change a definition's name, config file path or checkout repository; only what
        is given is sent.
        ``PATCH /projects/{project_id}/pipeline-definitions/{pipeline_definition_id}``"""
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = _text(name, "name")
        if config_file_path is not None:
            body["config_source"] = {"file_path": _text(config_file_path, "config_file_path")}
        if checkout_repo_id is not None:
            repo = {"external_id": _text(checkout_repo_id, "checkout_repo_id")}
            body["checkout_source"] = {"provider": "github_app", "repo": repo}
        if not body:
            raise ValueError("update needs name, config_file_path or checkout_repo_id")
        path = _definition(project_id, definition_id)
        return await self._core.model(PipelineDefinition, "PATCH", path, json=body)

    @operation(
        "deletePipelineDefinition",
        "DELETE",
        "/projects/{project_id}/pipeline-definitions/{pipeline_definition_id}",
    )
    async def delete(self, project_id: str, definition_id: str) -> PipelineDefinitionDeleted:
        """Delete a definition and its triggers.
        ``DELETE /projects/{project_id}/pipeline-definitions/{pipeline_definition_id}``"""
        path = _definition(project_id, definition_id)
        return await self._core.model(PipelineDefinitionDeleted, "DELETE", path)
