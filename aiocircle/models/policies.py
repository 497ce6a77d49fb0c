"""Config policies: bundles, policy documents, decisions and their audit logs."""

from __future__ import annotations

from datetime import datetime

import attrs

from ._base import Model


@attrs.frozen(kw_only=True)
class Policy(Model):
    """One policy document of a bundle. ``content`` (the Rego source) is left out of the
    repr: it can be long."""

    name: str | None = None
    content: str | None = attrs.field(default=None, repr=False)
    created_at: datetime | None = None
    created_by: str | None = None


#: A policy bundle: each policy name with its documents.
PolicyBundle = dict[str, list[Policy]]


@attrs.frozen(kw_only=True)
class BundleDiff(Model):
    """What pushing a bundle changed (or would change, for a dry run): policy names."""

    created: list[str] | None = None
    deleted: list[str] | None = None
    modified: list[str] | None = None


@attrs.frozen(kw_only=True)
class Violation(Model):
    """A rule a config broke, and why."""

    rule: str
    reason: str


@attrs.frozen(kw_only=True)
class Decision(Model):
    """The verdict of the owner's policies on one config (``status``: ``PASS``,
    ``SOFT_FAIL``, ``HARD_FAIL``, ``ERROR``)."""

    status: str
    reason: str | None = None
    enabled_rules: list[str] | None = None
    hard_failures: list[Violation] | None = None
    soft_failures: list[Violation] | None = None


@attrs.frozen(kw_only=True)
class DecisionSettings(Model):
    """Whether policy evaluation is on for the owner and context."""

    enabled: bool | None = None


@attrs.frozen(kw_only=True)
class DecisionVcs(Model):
    branch: str | None = None
    origin_repository_url: str | None = None
    release_tag: str | None = None
    target_repository_url: str | None = None


@attrs.frozen(kw_only=True)
class DecisionMetadata(Model):
    """Where a decision was made: project, build and VCS details."""

    build_number: int | None = None
    project_id: str | None = None
    ssh_rerun: bool | None = None
    vcs: DecisionVcs | None = None


@attrs.frozen(kw_only=True)
class DecisionLog(Model):
    """One decision as the audit log keeps it; ``policies`` maps each policy name to the
    hash of the document that decided."""

    id: str | None = None
    created_at: datetime | None = None
    decision: Decision | None = None
    metadata: DecisionMetadata | None = None
    policies: dict[str, str] | None = attrs.field(default=None, repr=False)
    time_taken_ms: int | None = None
