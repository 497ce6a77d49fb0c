"""Every route's error answers: a wrong token (401) and, where the path names something, an
unknown one (404, or the error status the spec documents instead), each body validated
against the spec's schema for its status (else `default`, see `conformance.response_schema`).

Parametrized over the fake's own route tables (core and tag modules), so a new route is
checked without a line here. A route whose status is documented by neither its own response
nor `default` is held to the error shape of the operation's documented 4xx answers; API v1.1
and live-only routes, which openapi.json lacks, to CircleCI's `{"message": ...}`. A body the
spec's schema rejects fails the test: nothing is skipped.
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest
from conformance import operation, problems, response_schema

from aiocircle.testing import FakeCircleCI
from aiocircle.testing._calls import V1

ROUTES = sorted(FakeCircleCI().routes)
_PARAM = re.compile(r"\{([^}]+)\}")

#: Well-formed values no seeded entity has, by path parameter.
UNKNOWN_ID = "00000000-0000-4000-8000-00000000dead"
_UNKNOWN = {
    "project-slug": "gh/nobody/nothing",
    "org-slug": "gh/nobody",
    "provider": "gh",
    "organization": "nobody",
    "project": "nothing",
    "context": "config",
    "job-number": "999999",
    "pipeline-number": "999999",
    "build_num": "999999",
}


#: Parameters that name no stored entity: the policy context is one of a fixed set, and an
#: Insights workflow name filters runs (an unknown one has none, as on CircleCI: 200).
_NOT_IDS = {"context", "workflow-name"}


def _unknown(param: str) -> str:
    if param in _UNKNOWN:
        return _UNKNOWN[param]
    if re.search(r"id$|ID$|_id|-id", param):
        return UNKNOWN_ID
    return "nothing-here"  # names: env var, workflow, policy, fingerprint


def _known(fake: FakeCircleCI) -> dict[str, str]:
    """Values of seeded entities for the parameters that name a parent (a project, an
    organization), so a route's last parameter can be the only unknown one."""
    project = next(iter(fake.state.projects.values()))
    vcs, org, repo = project.slug.split("/")
    org_id = project.organization.id
    return {
        "project-slug": project.slug,
        "project_id": project.id,
        "provider": vcs,
        "organization": org,
        "project": repo,
        "org_id": org_id,
        "orgID": org_id,
        "ownerID": org_id,
        "org-slug-or-id": org_id,
        "context": "config",
    }


def _url(fake: FakeCircleCI, template: str, known: dict[str, str] | None = None) -> str:
    last = _PARAM.findall(template)[-1] if known else None

    def value(param: str) -> str:
        if known and param != last and param in known:
            return known[param]
        return _unknown(param)

    path = _PARAM.sub(lambda m: value(m.group(1)), template)
    if path.startswith(V1 + "/"):
        return fake.v1_url + path.removeprefix(V1)
    return fake.base_url + path


def _documented_errors(method: str, template: str) -> list[int]:
    """The 4xx statuses an operation documents with a response of its own."""
    found = operation(method, template)
    responses = found["responses"] if found else {}
    return [int(code) for code in responses if code.isdigit() and code.startswith("4")]


def _error_schema(method: str, template: str, status: int) -> Any:
    """The status's schema (else `default`); failing both, any of the operation's
    documented 4xx bodies."""
    schema = response_schema(method, template, status)
    if schema is not None:
        return schema
    shapes = [
        response_schema(method, template, code) for code in _documented_errors(method, template)
    ]
    assert shapes, f"{method} {template} documents no error body at all"
    return {"anyOf": shapes}


def _check(name: str, status: int, answer: tuple[int, Any]) -> None:
    got, body = answer
    assert got == status, (name, got, body)
    method, template = name.split(" ", 1)
    found = problems(body, _error_schema(method, template, status))
    assert not found, (name, status, body, found)
    texts = [body.get(key) for key in ("message", "error")] if isinstance(body, dict) else []
    assert any(isinstance(text, str) and text for text in texts), (name, body)


async def _call(
    http: aiohttp.ClientSession, method: str, url: str, headers: dict[str, str]
) -> tuple[int, Any]:
    async with http.request(method, url, headers=headers) as response:
        assert response.content_type == "application/json", (method, url, response.content_type)
        return response.status, await response.json()


@pytest.mark.parametrize("name", ROUTES)
async def test_a_wrong_or_missing_token_answers_the_documented_401(
    name: str, fake: FakeCircleCI, http: aiohttp.ClientSession
) -> None:
    method, template = name.split(" ", 1)
    url = _url(fake, template)
    for headers in ({"Circle-Token": "wrong-token"}, {}):
        _check(name, 401, await _call(http, method, url, headers))


def _check_not_found(name: str, answer: tuple[int, Any], *, parent_known: bool) -> None:
    """404 where the spec documents it (or `default` does); where it documents neither, a
    4xx it documents, or 403 / 404 (an owner the token may not see, an unknown entity), with
    the operation's documented error shape. An unknown parent may also answer the operation's
    own documented 403 (the policy service's answer for an organization not the token's)."""
    method, template = name.split(" ", 1)
    status = 404
    own_403 = 403 in _documented_errors(method, template)
    if answer[0] == 403 and own_403 and not parent_known:
        status = 403
    elif response_schema(method, template, 404) is None:
        allowed = {*_documented_errors(method, template), 403, 404} - {401, 429}
        assert answer[0] in allowed, (name, answer, sorted(allowed))
        status = answer[0]
    _check(name, status, answer)


@pytest.mark.parametrize("name", [name for name in ROUTES if _PARAM.search(name)])
async def test_an_unknown_id_answers_the_documented_404(
    name: str, fake: FakeCircleCI, http: aiohttp.ClientSession
) -> None:
    method, template = name.split(" ", 1)
    headers = {"Circle-Token": fake.token}
    # Every parameter unknown: the first lookup (the project, the organization) fails.
    _check_not_found(
        name, await _call(http, method, _url(fake, template), headers), parent_known=False
    )
    known = _known(fake)
    params = _PARAM.findall(template)
    last_is_id = params[-1] not in _NOT_IDS
    if method != "POST" and last_is_id and len(params) > 1 and all(p in known for p in params[:-1]):
        # Seeded parents, the last parameter unknown: the entity itself is not found. (A POST
        # under a known parent may create what it names, such as a project.)
        answer = await _call(http, method, _url(fake, template, known), headers)
        _check_not_found(name, answer, parent_known=True)
