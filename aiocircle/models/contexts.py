"""Contexts: named sets of environment variables shared across projects, and who may use them."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from ._base import Model


class OwnerType(enum.StrEnum):
    """Who owns a context: an organization (cloud) or an account (server only)."""

    ORGANIZATION = "organization"
    ACCOUNT = "account"


class RestrictionType(enum.StrEnum):
    """What a context restriction checks before a job may use the context."""

    PROJECT = "project"
    EXPRESSION = "expression"
    GROUP = "group"


@attrs.frozen(kw_only=True)
class Context(Model):
    id: str
    name: str
    created_at: datetime


@attrs.frozen(kw_only=True)
class ContextEnvVar(Model):
    """A context's environment variable. CircleCI never returns the value, only the name."""

    variable: str
    created_at: datetime
    updated_at: datetime
    context_id: str


@attrs.frozen(kw_only=True)
class CreatedRestriction(Model):
    """A rule limiting which jobs may use a context, as its create answers it.

    Every field is optional in the spec; ``project_id`` is deprecated (read
    ``restriction_value`` for project restrictions) and ``name`` may be absent.
    """

    id: str | None = None
    project_id: str | None = None
    name: str | None = None
    restriction_type: RestrictionType | str | None = None
    restriction_value: str | None = None


@attrs.frozen(kw_only=True)
class ContextRestriction(CreatedRestriction):
    """A restriction as a context's list shows it: with the context it belongs to."""

    context_id: str | None = None


@attrs.frozen(kw_only=True)
class RestrictionDeleted(Model):
    """The answer of deleting a context restriction: a message the spec leaves optional."""

    message: str | None = None
