"""Triggers of a pipeline definition: which events start its pipelines.

Named ``PipelineTrigger`` because ``Trigger`` is what started one pipeline
(:class:`aiocircle.models.Trigger`). The spec marks every field optional.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from ._base import Model
from .pipeline_definitions import SourceRepo


class EventPreset(enum.StrEnum):
    """Which events of the event source start a pipeline."""

    ALL_PUSHES = "all-pushes"
    ONLY_TAGS = "only-tags"
    DEFAULT_BRANCH_PUSHES = "default-branch-pushes"
    ONLY_BUILD_PRS = "only-build-prs"
    ONLY_OPEN_PRS = "only-open-prs"
    ONLY_LABELED_PRS = "only-labeled-prs"
    ONLY_MERGED_PRS = "only-merged-prs"
    ONLY_READY_FOR_REVIEW_PRS = "only-ready-for-review-prs"
    ONLY_BRANCH_DELETE = "only-branch-delete"
    ONLY_BUILD_PUSHES_TO_NON_DRAFT_PRS = "only-build-pushes-to-non-draft-prs"
    ONLY_MERGED_OR_CLOSED_PRS = "only-merged-or-closed-prs"


@attrs.frozen(kw_only=True)
class TriggerWebhook(Model):
    """A custom webhook trigger's endpoint. Its ``url`` carries the webhook's secret, so it
    is left out of the repr."""

    url: str | None = attrs.field(default=None, repr=False)
    sender: str | None = None


@attrs.frozen(kw_only=True)
class EventSource(Model):
    """Where events come from: a repository (``github_app``) or a webhook (``webhook``)."""

    provider: str | None = None
    repo: SourceRepo | None = None
    webhook: TriggerWebhook | None = None


@attrs.frozen(kw_only=True)
class PipelineTrigger(Model):
    id: str | None = None
    event_name: str | None = None
    created_at: datetime | None = None
    event_source: EventSource | None = None
    event_preset: EventPreset | str | None = None
    checkout_ref: str | None = None
    config_ref: str | None = None
    disabled: bool | None = None


@attrs.frozen(kw_only=True)
class PipelineTriggerList(Model):
    """The ``{items}`` answer listing a definition's triggers (one response, not paged)."""

    items: list[PipelineTrigger] | None = None


@attrs.frozen(kw_only=True)
class TriggerDeleted(Model):
    message: str | None = None
