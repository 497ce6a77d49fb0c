"""The fake's Context tag: contexts, their environment variables and restrictions.

Like CircleCI, the fake keeps a variable's value but never sends it back: lists and
answers carry the name and timestamps only.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import attrs
from aiohttp import web

from ._calls import V2, Call, RouteSpec
from ._http import HttpError, json_response
from ._render import dumps, message
from ._state import NotFound, State, iso
from ._tagapi import TagApi

_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_OWNER_TYPES = ("organization", "account")
_RESTRICTION_TYPES = ("project", "expression", "group")


@attrs.define(eq=False)
class ContextVariable:
    name: str
    value: str = attrs.field(repr=False)
    created_at: datetime
    updated_at: datetime


@attrs.define(eq=False)
class ContextRestriction:
    id: str
    type: str
    value: str
    #: The project's name for project restrictions; other kinds carry none.
    name: str | None = None


@attrs.define(eq=False)
class FakeContext:
    id: str
    name: str
    owner_id: str
    owner_type: str
    created_at: datetime
    variables: dict[str, ContextVariable] = attrs.Factory(dict)
    restrictions: dict[str, ContextRestriction] = attrs.Factory(dict)


class ContextsState:
    """The fake's contexts, in creation order; seed them with :meth:`add_context`."""

    def __init__(self, state: State) -> None:
        self._state = state
        self.contexts: dict[str, FakeContext] = {}

    def owner_of_slug(self, slug: str) -> str:
        """The id of the organization ``gh/acme`` (say), or :class:`NotFound`."""
        for organization in self._state.organizations.values():
            if organization.slug == slug:
                return organization.id
        raise NotFound("Organization not found")

    def add_context(
        self, name: str, owner_id: str | None = None, owner_type: str = "organization"
    ) -> FakeContext:
        """A new context; its owner defaults to the organization of the first project."""
        if owner_id is None:
            owner_id = next(iter(self._state.projects.values())).organization.id
        context = FakeContext(self._state.new_id(), name, owner_id, owner_type, self._state.tick())
        self.contexts[context.id] = context
        return context

    def context(self, context_id: str) -> FakeContext:
        found = self.contexts.get(context_id)
        if found is None:
            raise NotFound("Context not found")
        return found

    def set_variable(
        self, context: FakeContext, name: str, value: str
    ) -> tuple[ContextVariable, bool]:
        """Add or replace a variable; the flag says whether it is new."""
        now = self._state.tick()
        found = context.variables.get(name)
        if found is not None:
            found.value, found.updated_at = value, now
            return found, False
        variable = context.variables[name] = ContextVariable(name, value, now, now)
        return variable, True

    def add_restriction(self, context: FakeContext, kind: str, value: str) -> ContextRestriction:
        """A new restriction; a project restriction is named after its project."""
        project = self._state.projects_by_id.get(value) if kind == "project" else None
        name = project.name if project is not None else None
        restriction = ContextRestriction(self._state.new_id(), kind, value, name)
        context.restrictions[restriction.id] = restriction
        return restriction


def _context_json(context: FakeContext) -> bytes:
    return dumps({"id": context.id, "name": context.name, "created_at": iso(context.created_at)})


def _variable_json(context: FakeContext, variable: ContextVariable) -> bytes:
    return dumps(
        {
            "variable": variable.name,
            "created_at": iso(variable.created_at),
            "updated_at": iso(variable.updated_at),
            "context_id": context.id,
        }
    )


def _restriction(context: FakeContext | None, restriction: ContextRestriction) -> dict[str, Any]:
    """A restriction as CircleCI sends it: ``project_id`` and ``name`` only for projects,
    ``context_id`` in lists but not in the answer of a create."""
    body: dict[str, Any] = {"id": restriction.id}
    if context is not None:
        body["context_id"] = context.id
    if restriction.type == "project":
        body["project_id"] = restriction.value
    if restriction.name is not None:
        body["name"] = restriction.name
    body["restriction_type"] = restriction.type
    body["restriction_value"] = restriction.value
    return body


class ContextsApi(TagApi):
    ROUTES = (
        RouteSpec(V2, "GET", "/context", "list_contexts"),
        RouteSpec(V2, "POST", "/context", "create_context"),
        RouteSpec(V2, "GET", "/context/{context_id}", "get_context"),
        RouteSpec(V2, "DELETE", "/context/{context_id}", "delete_context"),
        RouteSpec(V2, "GET", "/context/{context_id}/environment-variable", "list_variables"),
        RouteSpec(
            V2, "PUT", "/context/{context_id}/environment-variable/{env_var_name}", "set_variable"
        ),
        RouteSpec(
            V2,
            "DELETE",
            "/context/{context_id}/environment-variable/{env_var_name}",
            "delete_variable",
        ),
        RouteSpec(V2, "GET", "/context/{context_id}/restrictions", "list_restrictions"),
        RouteSpec(V2, "POST", "/context/{context_id}/restrictions", "create_restriction"),
        RouteSpec(
            V2,
            "DELETE",
            "/context/{context_id}/restrictions/{restriction_id}",
            "delete_restriction",
        ),
    )

    def _context(self, call: Call, *, bad_id: int = 404) -> FakeContext:
        context_id = call.params["context_id"]
        if not _UUID.fullmatch(context_id):
            raise HttpError(bad_id, "context_id is invalid.")
        return self.part(ContextsState).context(context_id)

    async def list_contexts(self, call: Call) -> web.Response:
        """GET /context?owner-id=|owner-slug=&owner-type="""
        contexts = self.part(ContextsState)
        query = call.request.query
        owner_id, slug = query.get("owner-id"), query.get("owner-slug")
        if (owner_id is None) == (slug is None):
            raise HttpError(400, "Specify exactly one of owner-id and owner-slug")
        owner_type = query.get("owner-type", "organization")
        if owner_type not in _OWNER_TYPES:
            raise HttpError(400, "owner-type must be account or organization")
        if slug is not None:
            owner_id = contexts.owner_of_slug(slug)
        found = [c for c in contexts.contexts.values() if c.owner_id == owner_id]
        return self.page(call, found, _context_json)

    async def create_context(self, call: Call) -> web.Response:
        """POST /context"""
        contexts = self.part(ContextsState)
        body = await self.body(call)
        name, owner = body.get("name"), body.get("owner")
        if not isinstance(name, str) or not name.strip() or not isinstance(owner, dict):
            raise HttpError(400, "A context needs a name and an owner")
        owner_type = owner.get("type", "organization")
        if owner_type not in _OWNER_TYPES:
            raise HttpError(400, "owner.type must be account or organization")
        if isinstance(owner.get("slug"), str) and owner_type == "organization":
            owner_id = contexts.owner_of_slug(owner["slug"])
        elif isinstance(owner.get("id"), str) and _UUID.fullmatch(owner["id"]):
            owner_id = owner["id"]
        else:
            raise HttpError(400, "owner needs an id (UUID) or an organization slug")
        if any(c.owner_id == owner_id and c.name == name for c in contexts.contexts.values()):
            raise HttpError(400, f"A context named {name} already exists")
        return json_response(_context_json(contexts.add_context(name, owner_id, owner_type)))

    async def get_context(self, call: Call) -> web.Response:
        """GET /context/{context_id}"""
        return json_response(_context_json(self._context(call)))

    async def delete_context(self, call: Call) -> web.Response:
        """DELETE /context/{context_id}"""
        context = self._context(call)
        del self.part(ContextsState).contexts[context.id]
        return json_response(message("Context deleted."))

    async def list_variables(self, call: Call) -> web.Response:
        """GET /context/{context_id}/environment-variable"""
        context = self._context(call)
        variables = list(context.variables.values())
        return self.page(call, variables, lambda variable: _variable_json(context, variable))

    async def set_variable(self, call: Call) -> web.Response:
        """PUT /context/{context_id}/environment-variable/{env_var_name}

        A new variable is answered with the variable, a replaced one with a message: the
        spec allows either, and a client must take both.
        """
        context = self._context(call)
        value = (await self.body(call)).get("value")
        if not isinstance(value, str):
            raise HttpError(400, "value must be a string")
        name = call.params["env_var_name"]
        variable, new = self.part(ContextsState).set_variable(context, name, value)
        if new:
            return json_response(_variable_json(context, variable))
        return json_response(message("Environment variable updated."))

    async def delete_variable(self, call: Call) -> web.Response:
        """DELETE /context/{context_id}/environment-variable/{env_var_name}"""
        context = self._context(call)
        if context.variables.pop(call.params["env_var_name"], None) is None:
            raise NotFound("Environment variable not found")
        return json_response(message("Environment variable deleted."))

    async def list_restrictions(self, call: Call) -> web.Response:
        """GET /context/{context_id}/restrictions"""
        context = self._context(call, bad_id=400)
        restrictions = list(context.restrictions.values())
        return self.page(call, restrictions, lambda r: dumps(_restriction(context, r)))

    async def create_restriction(self, call: Call) -> web.Response:
        """POST /context/{context_id}/restrictions"""
        context = self._context(call, bad_id=400)
        body = await self.body(call)
        kind, value = body.get("restriction_type"), body.get("restriction_value")
        if kind not in _RESTRICTION_TYPES:
            raise HttpError(400, "restriction_type must be project, expression or group")
        if not isinstance(value, str) or not value.strip():
            raise HttpError(400, "restriction_value must be a non-empty string")
        if kind == "project" and value not in self.state.projects_by_id:
            raise HttpError(400, f"No project with id {value}")
        if any(r.type == kind and r.value == value for r in context.restrictions.values()):
            raise HttpError(409, "This restriction already exists")
        restriction = self.part(ContextsState).add_restriction(context, kind, value)
        return json_response(dumps(_restriction(None, restriction)), status=201)

    async def delete_restriction(self, call: Call) -> web.Response:
        """DELETE /context/{context_id}/restrictions/{restriction_id}"""
        context = self._context(call, bad_id=400)
        restriction_id = call.params["restriction_id"]
        if not _UUID.fullmatch(restriction_id):
            raise HttpError(400, "restriction_id is invalid.")
        if context.restrictions.pop(restriction_id, None) is None:
            raise NotFound("Restriction not found")
        return json_response(message("Context restriction deleted."))
