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
