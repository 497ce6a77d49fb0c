"""Projects, their checkout keys and environment variables."""

from __future__ import annotations

from datetime import datetime

import attrs

from .._converter import json_key
from ._base import Model


@attrs.frozen(kw_only=True)
class VcsInfo(Model):
    vcs_url: str
    provider: str
    default_branch: str


@attrs.frozen(kw_only=True)
class Project(Model):
    slug: str
    name: str
    id: str
    organization_name: str
    organization_slug: str
    organization_id: str
    vcs_info: VcsInfo


@attrs.frozen(kw_only=True)
class CheckoutKey(Model):
    public_key: str = json_key("public-key")
    type: str
    fingerprint: str
    preferred: bool
    created_at: datetime = json_key("created-at")


@attrs.frozen(kw_only=True)
class EnvVar(Model):
    """A project environment variable; CircleCI returns the value masked."""

    name: str
    value: str
    created_at: datetime | None = json_key("created-at", default=None)


@attrs.frozen(kw_only=True)
class AdvancedSettings(Model):
    """A project's advanced settings, each on (``True``) or off; ``None`` when not sent."""

    autocancel_builds: bool | None = None
    build_fork_prs: bool | None = None
    build_prs_only: bool | None = None
    disable_ssh: bool | None = None
    forks_receive_secret_env_vars: bool | None = None
    oss: bool | None = None
    set_github_status: bool | None = None
    setup_workflows: bool | None = None
    write_settings_requires_admin: bool | None = None
    pr_only_branch_overrides: list[str] | None = None


@attrs.frozen(kw_only=True)
class ProjectSettings(Model):
    """A project's settings (``project_settings`` in the spec): its advanced settings."""

    advanced: AdvancedSettings | None = None
