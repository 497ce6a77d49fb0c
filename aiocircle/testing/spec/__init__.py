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


_DROPPED = frozenset(
    {"example", "examples", "nullable", "description", "title", "readOnly", "writeOnly"}
)


def resolve(node: Any) -> Any:
    """``node`` with any ``$ref`` chain into ``openapi.json`` followed."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = openapi()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def json_schema(node: Any, *, closed: bool = False) -> Any:
    """An OpenAPI 3.0 schema of ``openapi.json`` as JSON Schema 2020-12, for ``jsonschema``.

    ``$ref`` is inlined and ``nullable`` / ``x-nullable`` become a ``null`` alternative.
    ``closed`` also forbids properties an object does not declare, so a misspelt field in
    an answer fails. Beside ``allOf``/``anyOf``/``oneOf`` with no properties of its own, an
    ``additionalProperties: false`` would forbid every property the alternatives declare
    (``update_env_var`` has one); it is read as meaning each alternative is closed.
    """
    if isinstance(node, list):
        return [json_schema(item, closed=closed) for item in node]
    node = resolve(node)
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED or key.startswith("x-"):
            continue
        if key == "properties":
            out[key] = {name: json_schema(sub, closed=closed) for name, sub in value.items()}
        elif key in ("enum", "required", "const", "default"):
            out[key] = value
        else:
            out[key] = json_schema(value, closed=closed)
    alternatives = any(key in node for key in ("allOf", "anyOf", "oneOf"))
    if "properties" not in node and alternatives:
        out.pop("additionalProperties", None)
    elif closed and "properties" in node and "additionalProperties" not in node:
        out["additionalProperties"] = False
    if node.get("nullable") or node.get("x-nullable"):
        out = {"anyOf": [out, {"type": "null"}]}
    return out
