"""The spec's schema of an operation's error answer, for tests of a tag's error bodies."""

from __future__ import annotations

from typing import Any

import jsonschema
from conformance import spec, to_json_schema


def error_schema(method: str, template: str, status: int) -> Any:
    """The JSON Schema of an error answer: the status's own, else the spec's `default`."""
    responses = spec()["paths"][template][method.lower()]["responses"]
    response = responses.get(str(status), responses.get("default"))
    assert response is not None, (method, template, status)
    if "$ref" in response:
        response = spec()["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return to_json_schema(response["content"]["application/json"]["schema"])


def assert_error_body(method: str, template: str, status: int, body: Any) -> None:
    """`body` validates against the documented error schema and carries a message."""
    validator = jsonschema.Draft202012Validator(error_schema(method, template, status))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, (method, template, status, body, errors)
    assert body["message"], body


def check_error(method: str, template: str, answer: tuple[int, Any], status: int) -> None:
    """An `(status, body)` answer of the fake is the error `status` with a documented body."""
    got, body = answer
    assert got == status, (method, template, answer)
    assert_error_body(method, template, status, body)
