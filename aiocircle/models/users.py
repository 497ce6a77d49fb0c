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
    """An organization the user belongs to.

    ``id`` may be ``None``: the spec marks it nullable, and one such entry must not cost
    the whole list.
    """

    id: str | None = None
    vcs_type: str = json_key("vcs-type")
    name: str
    slug: str
    avatar_url: str | None = None
