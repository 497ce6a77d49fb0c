"""Deploy environments, components and their versions (the Deploy tag of the spec).

The spec marks none of their fields required, so every field may be ``None``.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from ._base import Model


@attrs.frozen(kw_only=True)
class Label(Model):
    """A key and value attached to an environment or a component."""

    key: str | None = None
    value: str | None = None


@attrs.frozen(kw_only=True)
class Environment(Model):
    """A deploy environment of an organization (production, staging, ...)."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    labels: list[Label] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class Component(Model):
    """A deployable component of a project."""

    id: str | None = None
    name: str | None = None
    project_id: str | None = None
    labels: list[Label] | None = None
    release_count: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class ComponentVersion(Model):
    """A version of a component deployed to an environment, and what deployed it."""

    name: str | None = None
    environment_id: str | None = None
    namespace: str | None = None
    is_live: bool | None = None
    pipeline_id: str | None = None
    workflow_id: str | None = None
    job_id: str | None = None
    job_number: int | None = None
    last_deployed_at: datetime | None = None
