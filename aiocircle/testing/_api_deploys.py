"""The fake's Deploy operations: environments, components and component versions.

Environment and component lists page with the required `page-size` and a `page-token`; the
component-version list pages with `page-token` at the fake's page size (the spec names no
paging parameter for it). Optional fields are present on some entities and absent on
others, as the spec allows: a description, labels, a namespace, the deploying job.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import attrs
from aiohttp import web

from . import _render as render
from ._calls import V2, Call, RouteSpec, decode_page_token, encode_page_token
from ._http import HttpError, json_response
from ._state import Job, NotFound, Organization, Project, State, iso
from ._tagapi import TagApi

T = TypeVar("T")


@attrs.define(eq=False)
class Environment:
    id: str
    organization: Organization
    name: str
    description: str | None
    labels: dict[str, str]
    created_at: datetime
    updated_at: datetime


@attrs.define(eq=False)
class ComponentVersion:
    name: str
    environment: Environment
    namespace: str | None
    is_live: bool
    job: Job | None
    last_deployed_at: datetime


@attrs.define(eq=False)
class Component:
    id: str
    project: Project
    name: str
    labels: dict[str, str]
    created_at: datetime
    updated_at: datetime
    versions: list[ComponentVersion] = attrs.Factory(list)


class Deployments:
    """Deploy environments of organizations and components of projects, with versions."""

    def __init__(self, state: State) -> None:
        self._state = state
        self.environments: dict[str, Environment] = {}
        self.components: dict[str, Component] = {}

    def add_environment(
        self,
        organization: Organization,
        name: str,
        *,
        description: str | None = None,
        labels: dict[str, str] | None = None,
    ) -> Environment:
        now = self._state.tick()
        environment = Environment(
            self._state.new_id(), organization, name, description, dict(labels or {}), now, now
        )
        self.environments[environment.id] = environment
        return environment

    def add_component(
        self, project: Project, name: str, *, labels: dict[str, str] | None = None
    ) -> Component:
        now = self._state.tick()
        component = Component(self._state.new_id(), project, name, dict(labels or {}), now, now)
        self.components[component.id] = component
        return component

    def deploy(
        self,
        component: Component,
        environment: Environment,
        version: str,
        *,
        namespace: str | None = None,
        job: Job | None = None,
    ) -> ComponentVersion:
        """`version` goes live in `environment` (and `namespace`); the one live before is not."""
        if component.project.organization is not environment.organization:
            raise ValueError("the component and the environment are of different organizations")
        now = self._state.tick()
        for old in self.live(component, environment, namespace):
            old.is_live = False
        found = self.version(component, environment, version, namespace)
        if found is None:
            found = ComponentVersion(version, environment, namespace, True, job, now)
            component.versions.append(found)
        found.is_live, found.last_deployed_at = True, now
        if job is not None:
            found.job = job
        component.updated_at = now
        return found

    def live(
        self, component: Component, environment: Environment, namespace: str | None
    ) -> list[ComponentVersion]:
        return [
            v
            for v in component.versions
            if v.is_live and v.environment is environment and v.namespace == namespace
        ]

    def version(
        self, component: Component, environment: Environment, name: str, namespace: str | None
    ) -> ComponentVersion | None:
        return next(
            (
                v
                for v in component.versions
                if v.name == name and v.environment is environment and v.namespace == namespace
            ),
            None,
        )


def render_environment(e: Environment) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": e.id,
        "name": e.name,
        "created_at": iso(e.created_at),
        "updated_at": iso(e.updated_at),
    }
    if e.description is not None:
        body["description"] = e.description
    if e.labels:
        body["labels"] = _labels(e.labels)
    return body


def render_component(c: Component) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": c.id,
        "name": c.name,
        "project_id": c.project.id,
        "release_count": len(c.versions),
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
    }
    if c.labels:
        body["labels"] = _labels(c.labels)
    return body


def render_version(v: ComponentVersion) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": v.name,
        "environment_id": v.environment.id,
        "is_live": v.is_live,
        "last_deployed_at": iso(v.last_deployed_at),
    }
    if v.namespace is not None:
        body["namespace"] = v.namespace
    if v.job is not None:
        body["pipeline_id"] = v.job.pipeline.id
        body["workflow_id"] = v.job.workflows[0].id
        body["job_id"] = v.job.id
        if v.job.number is not None:
            body["job_number"] = v.job.number
    return body


def _labels(labels: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in labels.items()]


def _uuid(value: str | None, name: str) -> str:
    if not value:
        raise HttpError(400, f"{name} is required")
    try:
        uuid.UUID(value)
    except ValueError:
        raise HttpError(400, f"{name} must be a UUID") from None
    return value


class DeploysApi(TagApi):
    ROUTES = (
        RouteSpec(V2, "GET", "/deploy/environments", "list_environments"),
        RouteSpec(V2, "GET", "/deploy/environments/{environment_id}", "get_environment"),
        RouteSpec(V2, "GET", "/deploy/components", "list_components"),
        RouteSpec(V2, "GET", "/deploy/components/{component_id}", "get_component"),
        RouteSpec(
            V2, "GET", "/deploy/components/{component_id}/versions", "list_component_versions"
        ),
    )

    def _organization(self, call: Call) -> Organization:
        org_id = _uuid(call.request.query.get("org-id"), "org-id")
        found = next((o for o in self.state.organizations.values() if o.id == org_id), None)
        if found is None:
            raise NotFound("Organization does not exist.")
        return found

    def _sized_page(
        self, call: Call, items: Sequence[T], render_item: Callable[[T], dict[str, Any]]
    ) -> web.Response:
        """A page of `page-size` items (required) from the `page-token`'s offset."""
        raw = call.request.query.get("page-size")
        try:
            size = int(raw) if raw is not None else 0
        except ValueError:
            size = 0
        if size < 1:
            raise HttpError(400, "page-size is required: a positive integer")
        token = call.request.query.get("page-token")
        offset = decode_page_token(token, "offset") if token else 0
        end = offset + size
        next_token = encode_page_token("offset", end) if end < len(items) else None
        return json_response(
            render.page([render.dumps(render_item(i)) for i in items[offset:end]], next_token)
        )

    def _component(self, call: Call) -> Component:
        found = self.part(Deployments).components.get(call.params["component_id"])
        if found is None:
            raise NotFound("Component not found.")
        return found

    async def list_environments(self, call: Call) -> web.Response:
        """GET /deploy/environments?org-id=&page-size=&page-token="""
        org = self._organization(call)
        found = [e for e in self.part(Deployments).environments.values() if e.organization is org]
        return self._sized_page(call, found, render_environment)

    async def get_environment(self, call: Call) -> web.Response:
        """GET /deploy/environments/{environment_id}"""
        environment_id = _uuid(call.params["environment_id"], "environment_id")
        found = self.part(Deployments).environments.get(environment_id)
        if found is None:
            raise NotFound("Environment not found.")
        return json_response(render.dumps(render_environment(found)))

    async def list_components(self, call: Call) -> web.Response:
        """GET /deploy/components?org-id=&project-id=&page-size=&page-token="""
        org = self._organization(call)
        project_id = call.request.query.get("project-id")
        if project_id is not None:
            _uuid(project_id, "project-id")
        found = [
            c
            for c in self.part(Deployments).components.values()
            if c.project.organization is org and project_id in (None, c.project.id)
        ]
        return self._sized_page(call, found, render_component)

    async def get_component(self, call: Call) -> web.Response:
        """GET /deploy/components/{component_id}"""
        return json_response(render.dumps(render_component(self._component(call))))

    async def list_component_versions(self, call: Call) -> web.Response:
        """GET /deploy/components/{component_id}/versions?environment-id=, newest first"""
        component = self._component(call)
        environment_id = call.request.query.get("environment-id")
        if environment_id is not None:
            _uuid(environment_id, "environment-id")
        versions = [
            v for v in reversed(component.versions) if environment_id in (None, v.environment.id)
        ]
        return self.page(call, versions, lambda v: render.dumps(render_version(v)))
