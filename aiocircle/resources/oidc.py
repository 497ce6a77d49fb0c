"""``cci.oidc``: custom claims of the OIDC tokens jobs get, per organization and project."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any, Literal

from .._operations import operation
from ..models import ClaimResponse
from ._base import Resource

#: The spec's JSONDuration: up to seven number-unit pairs, like ``1h30m``.
TTL_PATTERN = re.compile(r"^([0-9]+(ms|s|m|h|d|w)){1,7}$")
Claim = Literal["audience", "ttl"]
_CLAIMS = ("audience", "ttl")


class Oidc(Resource):
    """Org-level claims apply to every project of the organization; project-level claims
    override them for one project."""

    @operation("GetOrgClaims", "GET", "/org/{orgID}/oidc-custom-claims")
    async def org_claims(self, org_id: str) -> ClaimResponse:
        """An organization's custom claims. ``GET /org/{orgID}/oidc-custom-claims``"""
        return await self._core.model(ClaimResponse, "GET", _org(org_id))

    @operation("PatchOrgClaims", "PATCH", "/org/{orgID}/oidc-custom-claims", idempotent=True)
    async def update_org_claims(
        self,
        org_id: str,
        *,
        audience: Sequence[str] | None = None,
        ttl: str | timedelta | None = None,
    ) -> ClaimResponse:
        """Set an organization's audience and/or ttl; claims not given stay as they are.
        ``PATCH /org/{orgID}/oidc-custom-claims``"""
        body = _patch(audience, ttl)
        return await self._core.model(ClaimResponse, "PATCH", _org(org_id), json=body)

    @operation("DeleteOrgClaims", "DELETE", "/org/{orgID}/oidc-custom-claims")
    async def delete_org_claims(self, org_id: str, claims: Iterable[Claim]) -> ClaimResponse:
        """Remove some of an organization's claims (``"audience"``, ``"ttl"``).
        ``DELETE /org/{orgID}/oidc-custom-claims``"""
        params = {"claims": _claims(claims)}
        return await self._core.model(ClaimResponse, "DELETE", _org(org_id), params=params)

    @operation("GetProjectClaims", "GET", "/org/{orgID}/project/{projectID}/oidc-custom-claims")
    async def project_claims(self, org_id: str, project_id: str) -> ClaimResponse:
        """A project's custom claims.
        ``GET /org/{orgID}/project/{projectID}/oidc-custom-claims``"""
        return await self._core.model(ClaimResponse, "GET", _project(org_id, project_id))

    @operation(
        "PatchProjectClaims",
        "PATCH",
        "/org/{orgID}/project/{projectID}/oidc-custom-claims",
        idempotent=True,
    )
    async def update_project_claims(
        self,
        org_id: str,
        project_id: str,
        *,
        audience: Sequence[str] | None = None,
        ttl: str | timedelta | None = None,
    ) -> ClaimResponse:
        """Set a project's audience and/or ttl; claims not given stay as they are.
        ``PATCH /org/{orgID}/project/{projectID}/oidc-custom-claims``"""
        body = _patch(audience, ttl)
        path = _project(org_id, project_id)
        return await self._core.model(ClaimResponse, "PATCH", path, json=body)

    @operation(
        "DeleteProjectClaims", "DELETE", "/org/{orgID}/project/{projectID}/oidc-custom-claims"
    )
    async def delete_project_claims(
        self, org_id: str, project_id: str, claims: Iterable[Claim]
    ) -> ClaimResponse:
        """Remove some of a project's claims (``"audience"``, ``"ttl"``).
        ``DELETE /org/{orgID}/project/{projectID}/oidc-custom-claims``"""
        params = {"claims": _claims(claims)}
        path = _project(org_id, project_id)
        return await self._core.model(ClaimResponse, "DELETE", path, params=params)


def _uuid(value: str, what: str) -> str:
    """The spec types orgID and projectID as UUIDs; anything else is refused here."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise ValueError(f"{what} must be a UUID, not {value!r}") from None


def _org(org_id: str) -> str:
    return f"/org/{_uuid(org_id, 'org_id')}/oidc-custom-claims"


def _project(org_id: str, project_id: str) -> str:
    org, project = _uuid(org_id, "org_id"), _uuid(project_id, "project_id")
    return f"/org/{org}/project/{project}/oidc-custom-claims"


def _ttl_text(ttl: str | timedelta) -> str:
    """A ttl as the spec's JSONDuration (``"1h30m"``); a timedelta becomes whole seconds or
    milliseconds. Raises ``ValueError`` for anything else."""
    if isinstance(ttl, timedelta):
        ms = ttl // timedelta(milliseconds=1)
        if ms <= 0 or ttl % timedelta(milliseconds=1):
            raise ValueError(f"ttl must be a positive whole number of milliseconds, not {ttl}")
        return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"
    if not isinstance(ttl, str) or not TTL_PATTERN.fullmatch(ttl):
        raise ValueError(
            f"ttl must be a duration like '1h30m' (numbers with units ms, s, m, h, d, w; "
            f"at most 7 parts), not {ttl!r}"
        )
    return ttl


def _patch(audience: Sequence[str] | None, ttl: str | timedelta | None) -> dict[str, Any]:
    if audience is None and ttl is None:
        raise ValueError("give audience or ttl (or both) to update")
    body: dict[str, Any] = {}
    if audience is not None:
        if isinstance(audience, str) or not all(
            isinstance(item, str) and item for item in audience
        ):
            raise ValueError("audience must be a list of non-empty strings, not a single string")
        body["audience"] = list(audience)
    if ttl is not None:
        body["ttl"] = _ttl_text(ttl)
    return body


def _claims(claims: Iterable[Claim]) -> str:
    """The ``claims`` query value: a comma-separated list of ``audience`` and ``ttl``."""
    if isinstance(claims, str):
        raise ValueError("claims must be a list such as ['audience'], not a single string")
    chosen = list(dict.fromkeys(claims))
    if not chosen:
        raise ValueError("name at least one claim to delete: 'audience' or 'ttl'")
    unknown = [claim for claim in chosen if claim not in _CLAIMS]
    if unknown:
        raise ValueError(f"claims to delete must be 'audience' or 'ttl', not {unknown}")
    return ",".join(chosen)
