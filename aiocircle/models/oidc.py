"""Custom claims of the OIDC identity tokens CircleCI issues to jobs."""

from __future__ import annotations

from datetime import datetime

import attrs

from ._base import Model


@attrs.frozen(kw_only=True)
class ClaimResponse(Model):
    """An organization's or project's custom OIDC claims.

    ``ttl`` is a duration such as ``"1h30m"``. The repr shows who the claims belong to, the
    audience and the ttl, and leaves the update times out, to stay short.
    """

    org_id: str
    project_id: str | None = None
    audience: list[str] | None = None
    audience_updated_at: datetime | None = attrs.field(default=None, repr=False)
    ttl: str | None = None
    ttl_updated_at: datetime | None = attrs.field(default=None, repr=False)
