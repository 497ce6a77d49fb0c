"""CircleCI's public OpenAPI document for API v2, shipped so the fake and its tests need
nothing outside the package (see README.md beside this file for its origin and date)."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any


@functools.cache
def openapi() -> dict[str, Any]:
    """The parsed ``openapi.json`` (CircleCI API v2, bundled October 2025)."""
    text = resources.files(__package__).joinpath("openapi.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def live_operations() -> list[tuple[str, str, str]]:
    """``(method, path, operationId)`` of every operation in CircleCI's August 2026 live list."""
    text = resources.files(__package__).joinpath("live-2026-08-operations.txt").read_text("utf-8")
    rows = []
    for line in text.splitlines():
        if line.strip():
            method, path, operation_id = line.split()
            rows.append((method, path, operation_id))
    return rows
