"""Outbound webhooks: where CircleCI posts workflow and job completions of a project."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from .._converter import json_key
from ._base import Model


class WebhookEvent(enum.StrEnum):
    WORKFLOW_COMPLETED = "workflow-completed"
    JOB_COMPLETED = "job-completed"


@attrs.frozen(kw_only=True)
class WebhookScope(Model):
    """What a webhook watches: a project (``type`` ``"project"``) by its id."""

    id: str
    type: str


@attrs.frozen(kw_only=True)
class Webhook(Model):
    """An outbound webhook. ``signing_secret`` is as CircleCI returns it and never shown
    in the ``repr`` (nor is ``raw``, which holds it too)."""

    id: str
    name: str
    url: str
    verify_tls: bool = json_key("verify-tls")
    signing_secret: str = json_key("signing-secret", repr=False)
    scope: WebhookScope
    events: list[WebhookEvent | str]
    created_at: datetime = json_key("created-at")
    updated_at: datetime = json_key("updated-at")
