"""Conformance cases of the Context tag: every route's answers, errors included, per the spec."""

from __future__ import annotations

from typing import Any

from conformance import Answers, case, check_error, first, pages, success
from fake_api import Api

from aiocircle.testing._api_contexts import ContextsState, FakeContext

MISSING = "5034460f-c7c4-4c43-9457-de07e2029e7b"


def seeded(api: Api, variables: int = 0, restrictions: int = 0) -> FakeContext:
    contexts = api.fake.state.part(ContextsState)
    context = contexts.add_context(f"ctx-{len(contexts.contexts)}")
    for n in range(variables):
        contexts.set_variable(context, f"VAR_{n}", f"secret-{n}")
    projects = list(api.fake.state.projects.values())
    for n in range(restrictions):
        if n < len(projects):
            contexts.add_restriction(context, "project", projects[n].id)
        elif n % 2:
            contexts.add_restriction(context, "expression", f'pipeline.git.branch == "b{n}"')
        else:
            contexts.add_restriction(context, "group", api.fake.state.new_id())
    return context


@case("GET /context")
async def _contexts(api: Api) -> Answers:
    context = seeded(api)
    for _ in range(11):
        seeded(api)
    owner = next(o for o in api.fake.state.organizations.values() if o.id == context.owner_id)
    answers = await pages(api, "/context", **{"owner-id": context.owner_id})
    assert len(answers) >= 3
    answers += await pages(api, "/context", **{"owner-slug": owner.slug})
    check_error(
        "GET", "/context", await api.call("GET", "/context", **{"owner-slug": "gh/nobody"}), 404
    )
    return answers


@case("POST /context")
async def _create_context(api: Api) -> Answers:
    owner_id = first(api).organization.id
    by_id = {"name": "deploy", "owner": {"id": owner_id, "type": "organization"}}
    by_slug = {"name": "release", "owner": {"slug": first(api).organization.slug}}
    unknown = {"name": "x", "owner": {"slug": "gh/nobody"}}
    check_error("POST", "/context", await api.call("POST", "/context", json=unknown), 404)
    return [await api.call("POST", "/context", json=body) for body in (by_id, by_slug)]


@case("GET /context/{context_id}")
async def _context(api: Api) -> Answers:
    context = seeded(api)
    template = "/context/{context_id}"
    check_error("GET", template, await api.call("GET", f"/context/{MISSING}"), 404)
    return [await api.call("GET", f"/context/{context.id}")]


@case("DELETE /context/{context_id}")
async def _delete_context(api: Api) -> Answers:
    context = seeded(api, variables=2)
    answer = await api.call("DELETE", f"/context/{context.id}")
    template = "/context/{context_id}"
    check_error("DELETE", template, await api.call("DELETE", f"/context/{context.id}"), 404)
    return [answer]


@case("GET /context/{context_id}/environment-variable")
async def _variables(api: Api) -> Answers:
    context = seeded(api, variables=12)
    answers = await pages(api, f"/context/{context.id}/environment-variable")
    assert len(answers) >= 3
    assert all("value" not in item for _, body in answers for item in body["items"])
    template = "/context/{context_id}/environment-variable"
    missing = await api.call("GET", f"/context/{MISSING}/environment-variable")
    check_error("GET", template, missing, 404)
    return answers


def _set_variable_schema() -> Any:
    """The spec's answer schema with its outer ``additionalProperties: false`` dropped: it sits
    beside the ``anyOf`` with no ``properties`` and, read as JSON Schema, would refuse every
    object, the two alternatives included."""
    schema = dict(success("PUT", "/context/{context_id}/environment-variable/{env_var_name}")[200])
    schema.pop("additionalProperties", None)
    return schema


@case(
    "PUT /context/{context_id}/environment-variable/{env_var_name}",
    status=200,
    schema=_set_variable_schema(),
)
async def _set_variable(api: Api) -> Answers:
    context = seeded(api)
    path = f"/context/{context.id}/environment-variable/TOKEN"
    created = await api.call("PUT", path, json={"value": "s3cr3t"})
    replaced = await api.call("PUT", path, json={"value": "n3w"})
    assert "variable" in created[1] and "message" in replaced[1]
    assert "s3cr3t" not in str(created) and "n3w" not in str(replaced)
    template = "/context/{context_id}/environment-variable/{env_var_name}"
    missing = await api.call(
        "PUT", f"/context/{MISSING}/environment-variable/X", json={"value": "v"}
    )
    check_error("PUT", template, missing, 404)
    return [created, replaced]


@case("DELETE /context/{context_id}/environment-variable/{env_var_name}")
async def _delete_variable(api: Api) -> Answers:
    context = seeded(api, variables=1)
    path = f"/context/{context.id}/environment-variable/VAR_0"
    answer = await api.call("DELETE", path)
    template = "/context/{context_id}/environment-variable/{env_var_name}"
    check_error("DELETE", template, await api.call("DELETE", path), 404)
    return [answer]


@case("GET /context/{context_id}/restrictions")
async def _restrictions(api: Api) -> Answers:
    context = seeded(api, restrictions=11)
    answers = await pages(api, f"/context/{context.id}/restrictions")
    assert len(answers) >= 3
    template = "/context/{context_id}/restrictions"
    check_error("GET", template, await api.call("GET", "/context/not-a-uuid/restrictions"), 400)
    check_error("GET", template, await api.call("GET", f"/context/{MISSING}/restrictions"), 404)
    return answers


@case("POST /context/{context_id}/restrictions")
async def _create_restriction(api: Api) -> Answers:
    context = seeded(api)
    path = f"/context/{context.id}/restrictions"
    by_project = {"restriction_type": "project", "restriction_value": first(api).id}
    by_expression = {"restriction_type": "expression", "restriction_value": "true"}
    answers = [await api.call("POST", path, json=body) for body in (by_project, by_expression)]
    template = "/context/{context_id}/restrictions"
    check_error("POST", template, await api.call("POST", path, json=by_project), 409)
    bad = {"restriction_type": "branch", "restriction_value": "main"}
    check_error("POST", template, await api.call("POST", path, json=bad), 400)
    missing = await api.call("POST", f"/context/{MISSING}/restrictions", json=by_expression)
    check_error("POST", template, missing, 404)
    return answers


@case("DELETE /context/{context_id}/restrictions/{restriction_id}")
async def _delete_restriction(api: Api) -> Answers:
    context = seeded(api, restrictions=1)
    restriction = next(iter(context.restrictions))
    path = f"/context/{context.id}/restrictions/{restriction}"
    answer = await api.call("DELETE", path)
    template = "/context/{context_id}/restrictions/{restriction_id}"
    check_error("DELETE", template, await api.call("DELETE", path), 404)
    bad = await api.call("DELETE", f"/context/{context.id}/restrictions/nope")
    check_error("DELETE", template, bad, 400)
    return [answer]
