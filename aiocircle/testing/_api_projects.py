"""The fake's project operations beyond the core ones: create (two ways), delete, settings.

Templates are the spec's: `POST /organization/{org-slug-or-id}/project`,
`DELETE /project/{project-slug}`, `POST /project/{provider}/{organization}/{project}` and
`GET`/`PATCH .../settings`.
"""

from __future__ import annotations

from typing import Any

import attrs
from aiohttp import web

from . import _render as render
from ._calls import V2, Call, RouteSpec
from ._http import HttpError, json_response
from ._state import NotFound, Organization, Project, State, split_slug
from ._tagapi import TagApi

#: The advanced settings a project has, and their values on a new project.
DEFAULT_SETTINGS: dict[str, bool] = {
    "autocancel_builds": False,
    "build_fork_prs": False,
    "build_prs_only": False,
    "disable_ssh": False,
    "forks_receive_secret_env_vars": False,
    "oss": False,
    "set_github_status": True,
    "setup_workflows": False,
    "write_settings_requires_admin": False,
}
_MAX_BRANCH_OVERRIDES = 100
_VCS_ALIASES = {"gh": "gh", "github": "gh", "bb": "bb", "bitbucket": "bb", "circleci": "circleci"}


@attrs.define
class AdvancedSettings:
    """One project's advanced settings."""

    flags: dict[str, bool] = attrs.Factory(lambda: dict(DEFAULT_SETTINGS))
    pr_only_branch_overrides: list[str] = attrs.Factory(list)


class ProjectSettingsStore:
    """Each project's advanced settings, made with the defaults on first use."""

    def __init__(self, state: State) -> None:
        self._state = state
        self._by_project: dict[str, AdvancedSettings] = {}

    def of(self, project: Project) -> AdvancedSettings:
        found = self._by_project.get(project.id)
        if found is None:
            found = self._by_project[project.id] = AdvancedSettings()
        return found

    def forget(self, project: Project) -> None:
        self._by_project.pop(project.id, None)


def find_organization(state: State, slug_or_id: str) -> Organization:
    """An organization by id or by slug (`gh/acme`, `github/acme`, `circleci/<id>`), or 404."""
    for org in state.organizations.values():
        if org.id == slug_or_id:
            return org
    vcs, _, name = slug_or_id.partition("/")
    key = (_VCS_ALIASES.get(vcs.lower(), ""), name.lower())
    found = state.organizations.get(key)
    if found is None and key[0] == "circleci":
        found = next((o for o in state.organizations.values() if o.id == name), None)
    if found is None:
        raise NotFound("Organization not found")
    return found


def delete_project(state: State, project: Project) -> None:
    """Remove a project and everything it holds from the state."""
    vcs, org, repo = split_slug(project.slug)
    del state.projects[(vcs, org.lower(), repo.lower())]
    state.projects_by_id.pop(project.id, None)
    for pipeline in project.pipelines:
        state.pipelines.pop(pipeline.id, None)
        for workflow in pipeline.workflows:
            state.workflows.pop(workflow.id, None)
    for job in project.jobs.values():
        state.jobs.pop(job.id, None)


class ProjectsApi(TagApi):
    ROUTES = (
        RouteSpec(V2, "POST", "/organization/{org-slug-or-id}/project", "create_project"),
        RouteSpec(V2, "DELETE", "/project/{project-slug}", "delete_project"),
        RouteSpec(V2, "POST", "/project/{provider}/{organization}/{project}", "follow_project"),
        RouteSpec(
            V2, "GET", "/project/{provider}/{organization}/{project}/settings", "get_settings"
        ),
        RouteSpec(
            V2, "PATCH", "/project/{provider}/{organization}/{project}/settings", "patch_settings"
        ),
    )

    def _by_parts(self, call: Call) -> Project:
        slug = "/".join(call.params[k] for k in ("provider", "organization", "project"))
        return self.state.project(slug)

    def _settings(self, project: Project) -> bytes:
        settings = self.part(ProjectSettingsStore).of(project)
        advanced: dict[str, Any] = dict(settings.flags)
        # The list is left out while empty: the spec lets every setting be absent.
        if settings.pr_only_branch_overrides:
            advanced["pr_only_branch_overrides"] = list(settings.pr_only_branch_overrides)
        return render.dumps({"advanced": advanced})

    async def create_project(self, call: Call) -> web.Response:
        """POST /organization/{org-slug-or-id}/project {name}"""
        org = find_organization(self.state, call.params["org-slug-or-id"])
        name = (await self.body(call)).get("name")
        if not isinstance(name, str) or not name.strip() or "/" in name:
            raise HttpError(400, "A project needs a name (a string without '/')")
        if org.vcs == "circleci":
            slug = f"circleci/{org.id}/{self.state.new_id()}"
        else:
            slug = f"{org.vcs}/{org.name}/{name}"
        if any(p.organization is org and p.name == name for p in self.state.projects.values()):
            raise HttpError(409, "Project already exists")
        project = self.state.add_project(slug, name=name)
        return json_response(render.cached(project, render.project))

    async def delete_project(self, call: Call) -> web.Response:
        """DELETE /project/{project-slug}"""
        project = self.project(call)
        delete_project(self.state, project)
        self.part(ProjectSettingsStore).forget(project)
        return json_response(render.message("Project deleted."))

    async def follow_project(self, call: Call) -> web.Response:
        """POST /project/{provider}/{organization}/{project}: the deprecated create.

        A project the fake holds already is answered with its settings; a new one is made
        in a known GitHub or Bitbucket organization (405 for standalone organizations)."""
        slug = "/".join(call.params[k] for k in ("provider", "organization", "project"))
        try:
            vcs, org_name, _ = split_slug(slug)
        except ValueError:
            raise NotFound("Project not found.") from None
        if vcs == "circleci":
            raise HttpError(
                405,
                "Create projects using the API is currently supported for classic Github "
                "OAuth and Bitbucket projects only.",
            )
        try:
            project = self.state.project(slug)
        except NotFound:
            if (vcs, org_name.lower()) not in self.state.organizations:
                raise NotFound("Project not found.") from None
            project = self.state.add_project(slug)
        return json_response(self._settings(project), status=201)

    async def get_settings(self, call: Call) -> web.Response:
        """GET /project/{provider}/{organization}/{project}/settings"""
        return json_response(self._settings(self._by_parts(call)))

    async def patch_settings(self, call: Call) -> web.Response:
        """PATCH /project/{provider}/{organization}/{project}/settings {advanced: {...}}"""
        project = self._by_parts(call)
        body = await self.body(call)
        if not body:
            raise HttpError(400, "No JSON fields found.")
        for key in body:
            if key != "advanced":
                raise HttpError(400, f"Unexpected JSON field '{key}'")
        changes = body["advanced"]
        if not isinstance(changes, dict) or not changes:
            raise HttpError(400, "No JSON fields found.")
        flags: dict[str, bool] = {}
        branches: list[str] | None = None
        for key, value in changes.items():
            if key == "pr_only_branch_overrides":
                if not isinstance(value, list) or not all(isinstance(b, str) for b in value):
                    raise HttpError(400, f"Setting '{key}' must be a list of branches.")
                if len(value) > _MAX_BRANCH_OVERRIDES:
                    raise HttpError(400, f"Field '{key}' only supports up to 100 branches.")
                branches = value
            elif key not in DEFAULT_SETTINGS:
                raise HttpError(400, f"Unknown advanced setting '{key}'.")
            elif not isinstance(value, bool):
                raise HttpError(400, f"Setting '{key}' must be boolean.")
            else:
                flags[key] = value
        settings = self.part(ProjectSettingsStore).of(project)
        if project.private:
            # "oss: true will only be set on projects whose repositories are open source."
            flags.pop("oss", None)
        settings.flags.update(flags)
        if branches is not None:
            settings.pr_only_branch_overrides = list(branches)
        return json_response(self._settings(project))
