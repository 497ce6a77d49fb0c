"""Pipelines, their triggers, VCS details and configuration."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs

from .._converter import json_key
from ._base import Model


class PipelineState(enum.StrEnum):
    CREATED = "created"
    ERRORED = "errored"
    SETUP_PENDING = "setup-pending"
    SETUP = "setup"
    PENDING = "pending"


@attrs.frozen(kw_only=True)
class PipelineError(Model):
    type: str
    message: str


@attrs.frozen(kw_only=True)
class Actor(Model):
    login: str
    avatar_url: str | None = None


@attrs.frozen(kw_only=True)
class Trigger(Model):
    type: str
    received_at: datetime
    actor: Actor


@attrs.frozen(kw_only=True)
class Commit(Model):
    subject: str | None = None
    body: str | None = None


@attrs.frozen(kw_only=True)
class PipelineVcs(Model):
    provider_name: str
    origin_repository_url: str
    target_repository_url: str
    revision: str | None = None
    branch: str | None = None
    tag: str | None = None
    review_id: str | None = None
    review_url: str | None = None
    commit: Commit | None = None


@attrs.frozen(kw_only=True)
class Pipeline(Model):
    id: str
    number: int
    project_slug: str
    created_at: datetime
    state: PipelineState | str
    trigger: Trigger
    errors: list[PipelineError] = attrs.field(factory=list)
    updated_at: datetime | None = None
    trigger_parameters: dict[str, Any] | None = None
    vcs: PipelineVcs | None = None


@attrs.frozen(kw_only=True)
class PipelineConfig(Model):
    source: str
    compiled: str
    setup_config: str | None = json_key("setup-config", default=None)
    compiled_setup_config: str | None = json_key("compiled-setup-config", default=None)


@attrs.frozen(kw_only=True)
class PipelineCreation(Model):
    """The answer to a trigger: the new pipeline's id, number and state."""

    id: str
    state: PipelineState | str
    number: int
    created_at: datetime


@attrs.frozen(kw_only=True)
class PipelineRun(Model):
    """The answer to ``run()`` when CircleCI created a pipeline (HTTP 201).

    The spec marks none of its fields required, so each may be ``None``.
    """

    id: str | None = None
    number: int | None = None
    state: PipelineState | str | None = None
    created_at: datetime | None = None


@attrs.frozen(kw_only=True)
class PipelineNotTriggered(Model):
    """The answer to ``run()`` when CircleCI created no pipeline (HTTP 200): why not,
    e.g. "Ignoring pipeline due to CI skip in the commit"."""

    message: str | None = None
