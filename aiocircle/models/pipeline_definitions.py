"""Pipeline definitions: where a project's config comes from and what it checks out.

The spec marks every field of these answers optional, so each is ``| None = None``.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from ._base import Model


@attrs.frozen(kw_only=True)
class SourceRepo(Model):
    """A repository a definition or trigger points at: its name and its VCS id."""

    full_name: str | None = None
    external_id: str | None = None


@attrs.frozen(kw_only=True)
class ConfigSource(Model):
    """Where the config file lives: ``github_app`` (a repo) or ``circleci`` (no repo)."""

    provider: str | None = None
    repo: SourceRepo | None = None
    file_path: str | None = None


@attrs.frozen(kw_only=True)
class CheckoutSource(Model):
    """The repository the pipeline's jobs check out."""

    provider: str | None = None
    repo: SourceRepo | None = None


@attrs.frozen(kw_only=True)
class PipelineDefinition(Model):
    id: str | None = None
    name: str | None = None
    created_at: datetime | None = None
    config_source: ConfigSource | None = None
    checkout_source: CheckoutSource | None = None


@attrs.frozen(kw_only=True)
class PipelineDefinitionList(Model):
    """The ``{items}`` answer listing a project's definitions (one response, not paged)."""

    items: list[PipelineDefinition] | None = None


@attrs.frozen(kw_only=True)
class PipelineDefinitionDeleted(Model):
    message: str | None = None
