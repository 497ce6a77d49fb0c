"""The fake's organizations: create, look up and delete them, their URL orb allow-list and
their groups (``/organization/...`` and ``/organizations/{org_id}/groups``)."""

from __future__ import annotations

from typing import Any

import attrs
from aiohttp import web

from ._calls import V2, Call, RouteSpec, decode_page_token, encode_page_token
from ._http import HttpError, json_response
from ._render import dumps
from ._state import NotFound, State
from ._tagapi import TagApi

VCS_TYPES = {"github": "gh", "bitbucket": "bb", "circleci": "circleci"}
URL_ORB_AUTHS = ("github-oauth", "none", "bitbucket-oauth", "github-app")


@attrs.define(eq=False)
class FakeOrganization:
    id: str
    name: str
    vcs_type: str
    #: URL orb allow-list entries by id, in the order they were added.
    allow_list: dict[str, dict[str, str]] = attrs.Factory(dict)
    #: Groups: id -> name, in the order they were created.
    groups: dict[str, str] = attrs.Factory(dict)

    @property
    def slug(self) -> str:
        vcs = VCS_TYPES[self.vcs_type]
        return f"{vcs}/{self.id if vcs == 'circleci' else self.name}"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "slug": self.slug, "vcs_type": self.vcs_type}


class Organizations:
    """Organizations created through the API, and those the projects of the shared state
    belong to (looked up there on first use, so a seeded project's organization is found)."""

    def __init__(self, state: State) -> None:
        self._state = state
        self.by_id: dict[str, FakeOrganization] = {}
        self._deleted: set[str] = set()

    def add(self, name: str, vcs_type: str = "github") -> FakeOrganization:
        if vcs_type not in VCS_TYPES:
            raise ValueError(f"unknown vcs_type {vcs_type!r}")
        org = FakeOrganization(id=self._state.new_id(), name=name, vcs_type=vcs_type)
        self.by_id[org.id] = org
        return org

    def add_group(self, org: FakeOrganization, name: str) -> str:
        group_id = self._state.new_id()
        org.groups[group_id] = name
        return group_id

    def find(self, slug_or_id: str) -> FakeOrganization:
        """By id or by slug (``gh/acme``, ``github/acme``), or ``NotFound``."""
        wanted = _normal_slug(slug_or_id)
        for org in self.by_id.values():
            if org.id == slug_or_id or org.slug.lower() == wanted:
                return org
        for shared in self._state.organizations.values():
            if shared.id in self._deleted:
                continue
            if shared.id == slug_or_id or shared.slug.lower() == wanted:
                org = FakeOrganization(id=shared.id, name=shared.name, vcs_type=shared.vcs_type)
                self.by_id[org.id] = org
                return org
        raise NotFound("Organization does not exist.")

    def delete(self, org: FakeOrganization) -> None:
        del self.by_id[org.id]
        self._deleted.add(org.id)


def _normal_slug(slug: str) -> str:
    vcs, _, name = slug.partition("/")
    vcs = {"github": "gh", "bitbucket": "bb"}.get(vcs.lower(), vcs.lower())
    return f"{vcs}/{name.lower()}"


def _required_text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise HttpError(400, f"{key} is a required non-empty string")
    return value


class OrganizationsApi(TagApi):
    ROUTES = (
        RouteSpec(V2, "POST", "/organization", "create_organization"),
        RouteSpec(V2, "GET", "/organization/{org-slug-or-id}", "get_organization"),
        RouteSpec(V2, "DELETE", "/organization/{org-slug-or-id}", "delete_organization"),
        RouteSpec(V2, "GET", "/organization/{org-slug-or-id}/url-orb-allow-list", "allow_list"),
        RouteSpec(V2, "POST", "/organization/{org-slug-or-id}/url-orb-allow-list", "allow"),
        RouteSpec(
            V2,
            "DELETE",
            "/organization/{org-slug-or-id}/url-orb-allow-list/{allow-list-entry-id}",
            "disallow",
        ),
        RouteSpec(V2, "GET", "/organizations/{org_id}/groups", "list_groups"),
        RouteSpec(V2, "POST", "/organizations/{org_id}/groups", "create_group"),
        RouteSpec(V2, "GET", "/organizations/{org_id}/groups/{group_id}", "get_group"),
        RouteSpec(V2, "DELETE", "/organizations/{org_id}/groups/{group_id}", "delete_group"),
    )

    def _org(self, call: Call, param: str = "org-slug-or-id") -> FakeOrganization:
        return self.part(Organizations).find(call.params[param])

    async def create_organization(self, call: Call) -> web.Response:
        body = await self.body(call)
        name = _required_text(body, "name")
        vcs_type = body.get("vcs_type")
        if vcs_type not in VCS_TYPES:
            raise HttpError(400, f"vcs_type must be one of {', '.join(VCS_TYPES)}")
        orgs = self.part(Organizations)
        if any(o.name.lower() == name.lower() for o in orgs.by_id.values()):
            raise HttpError(400, f"An organization named {name} already exists.")
        return json_response(dumps(orgs.add(name, vcs_type).to_json()), status=201)

    async def get_organization(self, call: Call) -> web.Response:
        return json_response(dumps(self._org(call).to_json()))

    async def delete_organization(self, call: Call) -> web.Response:
        self.part(Organizations).delete(self._org(call))
        return json_response(dumps({"message": "Organization deleted."}), status=202)

    async def allow_list(self, call: Call) -> web.Response:
        return json_response(dumps({"items": list(self._org(call).allow_list.values())}))

    async def allow(self, call: Call) -> web.Response:
        org = self._org(call)
        body = await self.body(call)
        name, prefix = _required_text(body, "name"), _required_text(body, "prefix")
        auth = body.get("auth")
        if auth not in URL_ORB_AUTHS:
            raise HttpError(400, f"auth must be one of {', '.join(URL_ORB_AUTHS)}")
        entry_id = self.state.new_id()
        org.allow_list[entry_id] = {"id": entry_id, "name": name, "prefix": prefix, "auth": auth}
        return json_response(dumps({"id": entry_id, "message": "Created."}))

    async def disallow(self, call: Call) -> web.Response:
        org = self._org(call)
        entry_id = call.params["allow-list-entry-id"]
        if org.allow_list.pop(entry_id, None) is None:
            raise NotFound("URL orb allow-list entry not found.")
        return json_response(dumps({"id": entry_id, "message": "Removed."}))

    async def list_groups(self, call: Call) -> web.Response:
        org = self._org(call, "org_id")
        size = self.knobs.page_size
        limit = call.request.query.get("limit")
        if limit is not None:
            if not limit.isdigit() or int(limit) < 1:
                raise HttpError(400, "limit must be a positive integer")
            size = min(size, int(limit))
        token = call.request.query.get("page-token")
        start = decode_page_token(token, "groups") if token else 0
        groups = list(org.groups.items())
        end = start + size
        return json_response(
            dumps(
                {
                    "items": [{"id": gid, "name": name} for gid, name in groups[start:end]],
                    "next_page_token": encode_page_token("groups", end)
                    if end < len(groups)
                    else None,
                    "total_count": len(groups),
                }
            )
        )

    async def create_group(self, call: Call) -> web.Response:
        org = self._org(call, "org_id")
        body = await self.body(call)
        if set(body) - {"name"}:
            raise HttpError(400, "Unexpected request body provided.")
        name = _required_text(body, "name")
        if name in org.groups.values():
            raise HttpError(409, f"Failed to create group, group {name} already exists.")
        group_id = self.part(Organizations).add_group(org, name)
        return json_response(dumps({"id": group_id, "name": name}), status=201)

    def _group(self, call: Call) -> tuple[FakeOrganization, str]:
        org = self._org(call, "org_id")
        group_id = call.params["group_id"]
        if group_id not in org.groups:
            raise NotFound("Group does not exist.")
        return org, group_id

    async def get_group(self, call: Call) -> web.Response:
        org, group_id = self._group(call)
        return json_response(dumps({"id": group_id, "name": org.groups[group_id]}))

    async def delete_group(self, call: Call) -> web.Response:
        org, group_id = self._group(call)
        del org.groups[group_id]
        return json_response(dumps({"message": "Group deleted."}))
