"""``cci.organizations``: organizations, their URL orb allow-list and their groups."""

from __future__ import annotations

from typing import Any

from .._operations import operation
from .._pagination import Paginator, TokenPages
from .._slug import encode_segment
from ..models import (
    Group,
    GroupDeleted,
    MessageResponse,
    Organization,
    UrlOrbAllowList,
    UrlOrbAllowListChange,
    UrlOrbAllowListEntry,
    UrlOrbAuth,
    VcsType,
)
from ._base import Resource

_VCS_TYPES = tuple(member.value for member in VcsType)
_AUTHS = tuple(member.value for member in UrlOrbAuth)


def _org(org: str) -> str:
    """``/organization/<slug-or-id>``: an id, or a ``vcs/name`` slug sent as one segment."""
    return f"/organization/{encode_segment(org, 'organization slug or id')}"


def _groups(org_id: str) -> str:
    return f"/organizations/{encode_segment(org_id, 'organization id')}/groups"


def _text(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string, not {value!r}")
    return value


def _one_of(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}; not {value!r}")
    return str(value)


class Organizations(Resource):
    @operation("createOrganization", "POST", "/organization")
    async def create(self, name: str, vcs_type: VcsType | str) -> Organization:
        """Create an organization (``vcs_type``: github, bitbucket or circleci).
        ``POST /organization``"""
        body = {
            "name": _text(name, "organization name"),
            "vcs_type": _one_of(vcs_type, _VCS_TYPES, "vcs_type"),
        }
        return await self._core.model(Organization, "POST", "/organization", json=body)

    @operation("getOrganization", "GET", "/organization/{org-slug-or-id}")
    async def get(self, org: str) -> dict[str, Any]:
        """An organization by id or slug (``gh/acme``), as decoded JSON.

        This operation is in CircleCI's live API (August 2026) but not in openapi.json, so
        its shape is not documented and no model is promised. ``GET /organization/{org-slug-or-id}``
        """
        found: dict[str, Any] = await self._core.json("GET", _org(org))
        return found

    @operation("deleteOrganization", "DELETE", "/organization/{org-slug-or-id}")
    async def delete(self, org: str) -> MessageResponse:
        """Delete an organization (CircleCI answers 202: deletion is queued).
        ``DELETE /organization/{org-slug-or-id}``"""
        return await self._core.model(MessageResponse, "DELETE", _org(org))

    @operation(
        "listURLOrbAllowListEntries", "GET", "/organization/{org-slug-or-id}/url-orb-allow-list"
    )
    async def url_orb_allow_list(self, org: str) -> list[UrlOrbAllowListEntry]:
        """Every entry of the organization's URL orb allow-list (one response, not paged).
        ``GET /organization/{org-slug-or-id}/url-orb-allow-list``"""
        path = f"{_org(org)}/url-orb-allow-list"
        return (await self._core.model(UrlOrbAllowList, "GET", path)).items

    @operation(
        "createURLOrbAllowListEntry", "POST", "/organization/{org-slug-or-id}/url-orb-allow-list"
    )
    async def allow_url_orbs(
        self, org: str, *, name: str, prefix: str, auth: UrlOrbAuth | str
    ) -> UrlOrbAllowListChange:
        """Allow URL orbs whose reference starts with ``prefix``, fetched with ``auth``.
        ``POST /organization/{org-slug-or-id}/url-orb-allow-list``"""
        body = {
            "name": _text(name, "allow-list entry name"),
            "prefix": _text(prefix, "allow-list prefix"),
            "auth": _one_of(auth, _AUTHS, "auth"),
        }
        path = f"{_org(org)}/url-orb-allow-list"
        return await self._core.model(UrlOrbAllowListChange, "POST", path, json=body)

    @operation(
        "removeURLOrbAllowListEntry",
        "DELETE",
        "/organization/{org-slug-or-id}/url-orb-allow-list/{allow-list-entry-id}",
    )
    async def remove_url_orb_allow_list_entry(
        self, org: str, entry_id: str
    ) -> UrlOrbAllowListChange:
        """Remove an entry of the URL orb allow-list.
        ``DELETE /organization/{org-slug-or-id}/url-orb-allow-list/{allow-list-entry-id}``"""
        entry = encode_segment(entry_id, "allow-list entry id")
        path = f"{_org(org)}/url-orb-allow-list/{entry}"
        return await self._core.model(UrlOrbAllowListChange, "DELETE", path)

    @operation("getOrganizationGroups", "GET", "/organizations/{org_id}/groups", paginated=True)
    def groups(self, org_id: str, *, limit: int = 100) -> Paginator[Group]:
        """The organization's groups, ``limit`` a page. ``GET /organizations/{org_id}/groups``"""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be a positive integer, not {limit!r}")
        return self._core.paginate(Group, _groups(org_id), style=TokenPages.limited(limit))

    @operation("createOrganizationGroup", "POST", "/organizations/{org_id}/groups")
    async def create_group(self, org_id: str, name: str) -> Group:
        """Create a group (409 when the name is taken). ``POST /organizations/{org_id}/groups``"""
        body = {"name": _text(name, "group name")}
        return await self._core.model(Group, "POST", _groups(org_id), json=body)

    @operation("getGroup", "GET", "/organizations/{org_id}/groups/{group_id}")
    async def group(self, org_id: str, group_id: str) -> Group:
        """One group. ``GET /organizations/{org_id}/groups/{group_id}``"""
        path = f"{_groups(org_id)}/{encode_segment(group_id, 'group id')}"
        return await self._core.model(Group, "GET", path)

    @operation("deleteGroup", "DELETE", "/organizations/{org_id}/groups/{group_id}")
    async def delete_group(self, org_id: str, group_id: str) -> GroupDeleted:
        """Delete a group. ``DELETE /organizations/{org_id}/groups/{group_id}``"""
        path = f"{_groups(org_id)}/{encode_segment(group_id, 'group id')}"
        return await self._core.model(GroupDeleted, "DELETE", path)
