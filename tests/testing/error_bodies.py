"""Error answers checked against the error schemas the spec documents for an operation,
the `default` response included (which `conformance.documented` leaves out).

Many operations document their errors only as `default`, so a case checks its error answers
here, each against the schema of its status or else `default`:

    await expect_errors("GET", "/pipeline/{pipeline-id}/values", [
        (404, await api.call("GET", "/pipeline/nope/values")),
    ])
"""

from __future__ import annotations

from typing import Any

import jsonschema
from conformance import spec, to_json_schema

from aiocircle.testing.spec import resolve

#: The error body of an operation openapi.json does not describe (live-only ones).
MESSAGE = {
    "type": "object",
    "properties": {"message": {"type": "string"}},
    "required": ["message"],
    "additionalProperties": False,
}


def error_schema(method: str, template: str, status: int) -> Any:
    """The JSON Schema of an error answer: its status's, else the operation's `default`."""
    operation = spec()["paths"].get(template, {}).get(method.lower())
    if operation is None:
        return MESSAGE
    responses = operation["responses"]
    response = responses.get(str(status)) or responses.get("default")
    assert response is not None, f"{method} {template}: {status} is not documented"
    return to_json_schema(resolve(response)["content"]["application/json"]["schema"])


async def expect_errors(
    method: str, template: str, expected: list[tuple[int, tuple[int, Any]]]
) -> None:
    """Each `(status, answer)`: the answer has that status and a body the spec allows."""
    assert expected
    for status, (got, body) in expected:
        assert got == status, (method, template, got, body)
        validator = jsonschema.Draft202012Validator(error_schema(method, template, status))
        problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
        assert not problems, (method, template, status, body, problems)
        assert isinstance(body, dict) and isinstance(body.get("message"), str), body
