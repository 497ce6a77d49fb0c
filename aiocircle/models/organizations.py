"""Organizations, their URL orb allow-list and their groups."""

from __future__ import annotations

import enum

import attrs

from ._base import Model


class VcsType(enum.StrEnum):
    """The version control system an organization is created on."""

    GITHUB = "github"
    BITBUCKET = "bitbucket"
    CIRCLECI = "circleci"


class UrlOrbAuth(enum.StrEnum):
    """How CircleCI authenticates when fetching URL orbs under an allow-list prefix."""

    GITHUB_OAUTH = "github-oauth"
    NONE = "none"
    BITBUCKET_OAUTH = "bitbucket-oauth"
    GITHUB_APP = "github-app"


@attrs.frozen(kw_only=True)
class Organization(Model):
    """An organization, as ``POST /organization`` answers it."""

    id: str
    name: str
    slug: str
    vcs_type: VcsType | str


@attrs.frozen(kw_only=True)
class UrlOrbAllowListEntry(Model):
    """One URL prefix the organization's configs may import orbs from."""

    id: str
    name: str
    prefix: str
    auth: UrlOrbAuth | str


@attrs.frozen(kw_only=True)
class UrlOrbAllowList(Model):
    """The ``{items}`` answer of an organization's URL orb allow-list (not paged)."""

    items: list[UrlOrbAllowListEntry]


@attrs.frozen(kw_only=True)
class UrlOrbAllowListChange(Model):
    """The answer to adding or removing an allow-list entry: its id and a message."""

    id: str
    message: str


@attrs.frozen(kw_only=True)
class Group(Model):
    """A group of an organization's members (the spec makes both fields optional)."""

    id: str | None = None
    name: str | None = None


@attrs.frozen(kw_only=True)
class GroupDeleted(Model):
    """The answer to deleting a group; unlike most deletes, its message is optional."""

    message: str | None = None
