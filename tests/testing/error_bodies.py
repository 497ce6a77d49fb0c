"""Error answers checked against the error schemas the spec documents for an operation.

A conformance case returns the success answers that `test_fake_conformance.py` validates;
it checks its error answers here, against the schema of their status (or `default`):

    await expect_errors("GET", "/deploy/components/{component_id}", [
        (404, await api.call("GET", "/deploy/components/nope")),
    ])
"""

from __future__ import annotations

from typing import Any

import jsonschema
from conformance import spec, to_json_schema

#: The error body of an operation openapi.json does not describe (live-only ones).
MESSAGE = {
    "type": "object",
    "properties": {"message": {"type": "string"}},
    "required": ["message"],
    "additionalProperties": False,
}


def _resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


async def expect_errors(
    method: str, template: str, expected: list[tuple[int, tuple[int, Any]]]
) -> None:
    """Each `(status, answer)`: the answer has that status and a body the spec allows."""
    assert expected
    for status, (got, body) in expected:
        assert got == status, (method, template, got, body)
        operation = spec()["paths"].get(template, {}).get(method.lower())
        if operation is None:
            schema = MESSAGE
        else:
            responses = operation["responses"]
            response = _resolve(responses.get(str(status)) or responses.get("default"))
            assert response is not None, f"{method} {template}: {status} is not documented"
            schema = to_json_schema(response["content"]["application/json"]["schema"])
        validator = jsonschema.Draft202012Validator(schema)
        problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
        assert not problems, (method, template, status, body, problems)
        assert isinstance(body, dict) and isinstance(body.get("message"), str), body
