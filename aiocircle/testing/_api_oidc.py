"""The fake's OIDC Token Management: custom claims per organization and per project.

Errors answer ``{"error": ...}``, as the OIDC service does: 400 for a malformed id or body,
403 for an organization the fake does not hold or a project outside it.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

import attrs
from aiohttp import web

from ._calls import V2, Call, RouteSpec
from ._http import HttpError, json_response
from ._render import dumps
from ._state import State, iso
from ._tagapi import TagApi

#: The spec's JSONDuration.
TTL = re.compile(r"^([0-9]+(ms|s|m|h|d|w)){1,7}$")
CLAIMS = ("audience", "ttl")


@attrs.define
class Claims:
    """The custom claims of one organization or project; ``None`` where unset."""

    audience: list[str] | None = None
    audience_updated_at: datetime | None = None
    ttl: str | None = None
    ttl_updated_at: datetime | None = None


class OidcState:
    """Claims by organization id, and by (organization id, project id)."""

    def __init__(self, state: State) -> None:
        self._state = state
        self.orgs: dict[str, Claims] = {}
        self.projects: dict[tuple[str, str], Claims] = {}

    def claims(self, org_id: str, project_id: str | None = None) -> Claims:
        if project_id is None:
            return self.orgs.setdefault(org_id, Claims())
        return self.projects.setdefault((org_id, project_id), Claims())

    def patch(self, claims: Claims, audience: list[str] | None, ttl: str | None) -> None:
        now = self._state.tick()
        if audience is not None:
            claims.audience, claims.audience_updated_at = list(audience), now
        if ttl is not None:
            claims.ttl, claims.ttl_updated_at = ttl, now

    def delete(self, claims: Claims, names: list[str]) -> None:
        if "audience" in names:
            claims.audience = claims.audience_updated_at = None
        if "ttl" in names:
            claims.ttl = claims.ttl_updated_at = None


def _bad(text: str) -> HttpError:
    return HttpError(400, text, key="error")


def _uuid(call: Call, param: str, what: str) -> str:
    text = call.params[param]
    try:
        if str(uuid.UUID(text)) == text.lower():
            return text.lower()
    except ValueError:
        pass
    raise _bad(f"{what}: must be a valid UUID.")


def _render(claims: Claims, org_id: str, project_id: str | None) -> bytes:
    """Unset claims are left out, as the spec allows (only ``org_id`` is required)."""
    out: dict[str, Any] = {"org_id": org_id}
    if project_id is not None:
        out["project_id"] = project_id
    if claims.audience is not None and claims.audience_updated_at is not None:
        out["audience"] = claims.audience
        out["audience_updated_at"] = iso(claims.audience_updated_at)
    if claims.ttl is not None and claims.ttl_updated_at is not None:
        out["ttl"] = claims.ttl
        out["ttl_updated_at"] = iso(claims.ttl_updated_at)
    return dumps(out)


class OidcApi(TagApi):
    ERROR_KEY = "error"
    ROUTES = (
        RouteSpec(V2, "GET", "/org/{orgID}/oidc-custom-claims", "get_org"),
        RouteSpec(V2, "PATCH", "/org/{orgID}/oidc-custom-claims", "patch_org"),
        RouteSpec(V2, "DELETE", "/org/{orgID}/oidc-custom-claims", "delete_org"),
        RouteSpec(V2, "GET", "/org/{orgID}/project/{projectID}/oidc-custom-claims", "get_project"),
        RouteSpec(
            V2, "PATCH", "/org/{orgID}/project/{projectID}/oidc-custom-claims", "patch_project"
        ),
        RouteSpec(
            V2, "DELETE", "/org/{orgID}/project/{projectID}/oidc-custom-claims", "delete_project"
        ),
    )

    def _target(self, call: Call) -> tuple[str, str | None]:
        """The organization id and, on project routes, the project id: checked as UUIDs,
        and the organization known to the fake with the project in it (else 403)."""
        org_id = _uuid(call, "orgID", "OrgID")
        project_id = _uuid(call, "projectID", "ProjectID") if "projectID" in call.params else None
        if not any(org.id == org_id for org in self.state.organizations.values()):
            raise HttpError(403, "Forbidden", key="error")
        if project_id is not None:
            project = self.state.projects_by_id.get(project_id)
            if project is None or project.organization.id != org_id:
                raise HttpError(403, "Forbidden", key="error")
        return org_id, project_id

    def _answer(self, org_id: str, project_id: str | None) -> web.Response:
        claims = self.part(OidcState).claims(org_id, project_id)
        return json_response(_render(claims, org_id, project_id))

    async def _get(self, call: Call) -> web.Response:
        return self._answer(*self._target(call))

    async def _patch(self, call: Call) -> web.Response:
        org_id, project_id = self._target(call)
        try:
            body = await self.body(call)
        except HttpError as error:
            raise _bad(error.text) from None
        unknown = sorted(body.keys() - set(CLAIMS))
        if unknown:
            raise _bad(f"unknown claims: {', '.join(unknown)}")
        audience, ttl = body.get("audience"), body.get("ttl")
        if audience is not None and (
            not isinstance(audience, list) or not all(isinstance(a, str) and a for a in audience)
        ):
            raise _bad("audience: must be a list of non-empty strings.")
        if ttl is not None and (not isinstance(ttl, str) or not TTL.fullmatch(ttl)):
            raise _bad("ttl: must be a duration such as 1h30m.")
        state = self.part(OidcState)
        state.patch(state.claims(org_id, project_id), audience, ttl)
        return self._answer(org_id, project_id)

    async def _delete(self, call: Call) -> web.Response:
        org_id, project_id = self._target(call)
        raw = call.request.query.get("claims")
        if not raw:
            raise _bad("claims: is required.")
        names = [name.strip() for name in raw.split(",")]
        wrong = [name for name in names if name not in CLAIMS]
        if wrong:
            raise _bad(f"claims: {', '.join(wrong)} is not audience or ttl.")
        state = self.part(OidcState)
        state.delete(state.claims(org_id, project_id), names)
        return self._answer(org_id, project_id)

    get_org = get_project = _get
    patch_org = patch_project = _patch
    delete_org = delete_project = _delete
