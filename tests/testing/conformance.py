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


def success(method: str, template: str) -> dict[int, Any]:
    """The documented 2xx statuses of an operation, each with its JSON Schema."""
    responses = spec()["paths"][template][method.lower()]["responses"]
    codes = [code for code in responses if code.startswith("2")]
    assert codes, (method, template)
    return {
        int(code): to_json_schema(responses[code]["content"]["application/json"]["schema"])
        for code in codes
    }


def documented(method: str, template: str) -> dict[int, Any]:
    """Every documented status of an operation that has a JSON body (errors too), each with
    its JSON Schema; a case may check error answers against these."""
    responses = spec()["paths"][template][method.lower()]["responses"]
    found = {}
    for code, response in responses.items():
        response = aiocircle.testing.spec.resolve(response)
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if code.isdigit() and schema is not None:
            found[int(code)] = to_json_schema(schema)
    return found


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
