"""The answer to a rollback request (the Rollback tag of the spec)."""

from __future__ import annotations

import attrs

from ._base import Model


@attrs.frozen(kw_only=True)
class Rollback(Model):
    """A rollback CircleCI accepted: the id of the pipeline or command that performs it,
    and the kind of rollback. The spec marks neither required."""

    id: str | None = None
    rollback_type: str | None = None
