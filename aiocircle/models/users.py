"""Users and their collaborations (organizations)."""

from __future__ import annotations

import attrs

from .._converter import json_key
from ._base import Model


@attrs.frozen(kw_only=True)
class User(Model):
    id: str
    login: str
    name: str
    avatar_url: str | None = None


@attrs.frozen(kw_only=True)
class Collaboration(Model):
    """An organization the user belongs to."""

    id: str
    vcs_type: str = json_key("vcs-type")
    name: str
    slug: str
    avatar_url: str | None = None
