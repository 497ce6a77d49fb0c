"""The registry of conformance cases and the spec schemas their answers are checked against.

A case is an async function that calls one route of the fake and returns its answers
(status, decoded body); `test_fake_conformance.py` validates every answer against the
operation's documented 2xx schema. Core routes have their cases in that test module; a tag
module puts its cases in `tests/testing/cases_<tag>.py`, which is imported automatically:

    from conformance import Answers, case, pages

    @case("GET /context/{context_id}")
    async def _context(api: Api) -> Answers:
        return [await api.call("GET", f"/context/{context.id}")]

Pass `schema=` (and `status=`) for an operation that openapi.json does not describe, such
as those only in CircleCI's live list of August 2026.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import attrs
import jsonschema
from fake_api import Api

import aiocircle.testing.spec

SPEC_PATH = Path(aiocircle.testing.spec.__file__).with_name("openapi.json")


Answers = list[tuple[int, Any]]
CaseFunction = Callable[[Api], Awaitable[Answers]]


@attrs.frozen
class Case:
    """A case and, for an operation openapi.json lacks, the answer it must give."""

    run: CaseFunction
    status: int | None = None
    schema: Any = None


CASES: dict[str, Case] = {}


def spec() -> dict[str, Any]:
    return aiocircle.testing.spec.openapi()


def to_json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema, objects closed to undeclared properties."""
    return aiocircle.testing.spec.json_schema(node, closed=True)


#: The error body of an operation openapi.json does not describe (API v1.1 and the routes only
#: in the live list): CircleCI's `{"message": ...}`.
MESSAGE = {
    "type": "object",
    "properties": {"message": {"type": "string"}},
    "required": ["message"],
    "additionalProperties": False,
}


def operation(method: str, template: str) -> dict[str, Any] | None:
    """The spec's operation object, or None for one openapi.json does not describe."""
    found: dict[str, Any] | None = spec()["paths"].get(template, {}).get(method.lower())
    return found


def response_schema(method: str, template: str, status: int) -> Any:
    """The JSON Schema of the answer `status` of an operation: its status's own response,
    else `default`, shared responses (`#/components/responses/...`) followed; None when the
    spec documents neither. An error of an operation openapi.json lacks gets `MESSAGE`.

    The one place tests get a body schema from the spec, success and error alike.
    """
    found = operation(method, template)
    if found is None:
        assert status >= 400, f"{method} {template} is not in openapi.json: pass schema="
        return MESSAGE
    responses = found["responses"]
    response = responses.get(str(status), responses.get("default"))
    if response is None:
        return None
    response = aiocircle.testing.spec.resolve(response)
    return to_json_schema(response["content"]["application/json"]["schema"])


def success(method: str, template: str) -> dict[int, Any]:
    """The documented 2xx statuses of an operation, each with its JSON Schema."""
    found = operation(method, template)
    assert found is not None, (method, template)
    codes = [int(code) for code in found["responses"] if code.startswith("2")]
    assert codes, (method, template)
    return {code: response_schema(method, template, code) for code in codes}


def problems(body: Any, schema: Any, **options: Any) -> list[str]:
    """Where `body` breaks `schema` (empty when it validates)."""
    validator = jsonschema.Draft202012Validator(schema, **options)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]


def check_error(
    method: str, template: str, answer: tuple[int, Any], status: int, *, key: str = "message"
) -> None:
    """An `(status, body)` answer is the error `status` with the body the spec documents for
    it, carrying a non-empty `key` text."""
    got, body = answer
    assert got == status, (method, template, answer)
    schema = response_schema(method, template, status)
    assert schema is not None, f"{method} {template}: {status} is not documented"
    found = problems(body, schema)
    assert not found, (method, template, status, body, found)
    assert isinstance(body, dict) and isinstance(body.get(key), str) and body[key], body


def expect_errors(method: str, template: str, expected: list[tuple[int, tuple[int, Any]]]) -> None:
    """Each `(status, answer)`: the answer is that error with a body the spec allows."""
    assert expected
    for status, answer in expected:
        check_error(method, template, answer, status)


def case(
    name: str, *, status: int | None = None, schema: Any = None
) -> Callable[[CaseFunction], CaseFunction]:
    """Register the conformance case of route `name` (`"GET /context/{context_id}"`)."""

    def register(function: CaseFunction) -> CaseFunction:
        assert name not in CASES, f"two conformance cases for {name}"
        CASES[name] = Case(function, status, schema)
        return function

    return register


def load_tag_cases() -> None:
    """Import every `cases_<tag>.py` beside this module, registering its cases."""
    for path in sorted(Path(__file__).parent.glob("cases_*.py")):
        importlib.import_module(path.stem)


def projects(api: Api) -> list[Any]:
    return list(api.fake.state.projects.values())


def first(api: Api) -> Any:
    return projects(api)[0]


async def pages(api: Api, path: str, **params: str) -> Answers:
    """Every page of a list, each answer separately."""
    answers: Answers = []
    token: str | None = None
    while True:
        extra = dict(params, **({"page-token": token} if token else {}))
        status, body = await api.call("GET", path, **extra)
        answers.append((status, body))
        token = body.get("next_page_token") if status == 200 else None
        if token is None:
            return answers
