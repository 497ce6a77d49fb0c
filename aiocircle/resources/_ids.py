"""Checks of the UUIDs CircleCI takes in paths, queries and bodies, done before sending."""

from __future__ import annotations

import re

# The canonical 8-4-4-4-12 spelling; uuid.UUID() would also take braces, URNs and no dashes.
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def check_uuid(value: str, what: str) -> str:
    """``value`` if it is a UUID (the spec's ``format: uuid``), else ``ValueError``."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if not _UUID.fullmatch(value):
        raise ValueError(f"{what} must be a UUID (8-4-4-4-12 hex digits), not {value!r}")
    return value
