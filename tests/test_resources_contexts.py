"""``cci.contexts``: what each method sends and what it makes of the answer (mocked API)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aioresponses import aioresponses
from bodies import BASE, ORG_ID, PROJECT_ID, page

from aiocircle import CircleCI
from aiocircle.models import (
    Context,
    ContextEnvVar,
    ContextRestriction,
    CreatedRestriction,
    MessageResponse,
    RestrictionDeleted,
    RestrictionType,
)

CONTEXT_ID = "0e7b9a3c-1d2f-4a5b-8c6d-7e8f9a0b1c2d"
RESTRICTION_ID = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
CONTEXT = {"id": CONTEXT_ID, "name": "deploy", "created_at": "2024-05-01T10:00:00.000Z"}
ENV_VAR = {
    "variable": "AWS_KEY",
    "created_at": "2024-05-01T10:00:00.000Z",
    "updated_at": "2024-05-02T10:00:00.000Z",
    "context_id": CONTEXT_ID,
}
RESTRICTION = {
    "id": RESTRICTION_ID,
    "context_id": CONTEXT_ID,
    "project_id": PROJECT_ID,
    "name": "api-preview-docs",
    "restriction_type": "project",
    "restriction_value": PROJECT_ID,
}
CONTEXT_URL = f"{BASE}/context/{CONTEXT_ID}"
CONTEXT_PATH = f"/api/v2/context/{CONTEXT_ID}"
MAY_1 = datetime(2024, 5, 1, 10, tzinfo=UTC)


async def test_list_sends_the_owner_slug_and_types_each_context(
    cci: CircleCI, mock_api: aioresponses, sent: Any
) -> None:
    mock_api.get(f"{BASE}/context?owner-slug=gh/acme", payload=page([CONTEXT]))

    contexts = await cci.contexts.list(owner_slug="gh/acme").collect()

    request = sent.only()
    assert (request.method, request.url.path) == ("GET", "/api/v2/context")
    assert request.query == {"owner-slug": "gh/acme"}
    assert contexts == [Context(id=CONTEXT_ID, name="deploy", created_at=MAY_1)]


async def test_list_sends_owner_id_and_type(
    cci: CircleCI, mock_api: aioresponses, sent: Any
) -> None:
    mock_api.get(f"{BASE}/context?owner-id={ORG_ID}&owner-type=account", payload=page([]))

    assert await cci.contexts.list(owner_id=ORG_ID, owner_type="account").collect() == []
    assert sent.only().query == {"owner-id": ORG_ID, "owner-type": "account"}


@pytest.mark.parametrize(
    ("kwargs", "rule"),
    [
        ({}, "exactly one of owner_id and owner_slug"),
        ({"owner_id": ORG_ID, "owner_slug": "gh/acme"}, "exactly one of owner_id and owner_slug"),
        ({"owner_id": "acme"}, "owner_id must be a UUID"),
        ({"owner_slug": "gh/acme", "owner_type": "team"}, "owner_type must be"),
        ({"owner_slug": "gh/acme", "owner_type": "account"}, "account owner is given by owner_id"),
        ({"owner_slug": " "}, "owner_slug must not be empty"),
    ],
)
async def test_list_and_create_refuse_a_bad_owner_before_sending(
    cci: CircleCI, sent: Any, kwargs: dict[str, Any], rule: str
) -> None:
    with pytest.raises(ValueError, match=rule):
        cci.contexts.list(**kwargs)
    with pytest.raises(ValueError, match=rule):
        await cci.contexts.create("deploy", **kwargs)
    assert sent() == []


async def test_create_posts_name_and_owner(
    cci: CircleCI, mock_api: aioresponses, sent: Any
) -> None:
    mock_api.post(f"{BASE}/context", payload=CONTEXT)

    context = await cci.contexts.create("deploy", owner_id=ORG_ID, owner_type="organization")

    request = sent.only()
    assert (request.method, request.url.path) == ("POST", "/api/v2/context")
    assert request.json == {"name": "deploy", "owner": {"id": ORG_ID, "type": "organization"}}
    assert context.raw == CONTEXT


async def test_create_refuses_an_empty_name(cci: CircleCI, sent: Any) -> None:
    with pytest.raises(ValueError, match="context name must not be empty"):
        await cci.contexts.create("  ", owner_slug="gh/acme")
    assert sent() == []


async def test_get_and_delete_use_the_context_path(
    cci: CircleCI, mock_api: aioresponses, sent: Any
) -> None:
    mock_api.get(CONTEXT_URL, payload=CONTEXT)
    mock_api.delete(CONTEXT_URL, payload={"message": "Context deleted."})

    assert (await cci.contexts.get(CONTEXT_ID)).name == "deploy"
    assert await cci.contexts.delete(CONTEXT_ID) == MessageResponse(message="Context deleted.")
    assert [(r.method, r.url.path) for r in sent()] == [
        ("GET", CONTEXT_PATH),
        ("DELETE", CONTEXT_PATH),
    ]


@pytest.mark.parametrize("bad", ["", "deploy", "../context", "0e7b9a3c1d2f4a5b8c6d7e8f9a0b1c2d"])
async def test_a_context_id_that_is_not_a_uuid_is_refused_before_sending(
    cci: CircleCI, sent: Any, bad: str
) -> None:
    with pytest.raises(ValueError, match="context_id must be a UUID"):
        await cci.contexts.get(bad)
    with pytest.raises(ValueError, match="context_id must be a UUID"):
        cci.contexts.env_vars(bad)
    assert sent() == []


async def test_env_vars_lists_names_without_values(
    cci: CircleCI, mock_api: aioresponses, sent: Any
) -> None:
    mock_api.get(f"{CONTEXT_URL}/environment-variable", payload=page([ENV_VAR]))

    variables = await cci.contexts.env_vars(CONTEXT_ID).collect()

    assert sent.only().url.path == f"{CONTEXT_PATH}/environment-variable"
    assert variables == [
        ContextEnvVar(
            variable="AWS_KEY",
            created_at=MAY_1,
            updated_at=datetime(2024, 5, 2, 10, tzinfo=UTC),
            context_id=CONTEXT_ID,
        )
    ]


async def test_set_env_var_puts_the_value_and_takes_either_answer(
    cci: CircleCI, mock_api: aioresponses, sent: Any
) -> None:
    url = f"{CONTEXT_URL}/environment-variable/AWS%20KEY"
    mock_api.put(url, payload=ENV_VAR)
    mock_api.put(url, payload={"message": "Environment variable updated."})

    first = await cci.contexts.set_env_var(CONTEXT_ID, "AWS KEY", "s3cr3t")
    second = await cci.contexts.set_env_var(CONTEXT_ID, "AWS KEY", "n3w")

    assert isinstance(first, ContextEnvVar) and first.variable == "AWS_KEY"
    assert second == MessageResponse(message="Environment variable updated.")
    requests = sent()
    assert [(r.method, r.url.raw_path) for r in requests] == [
        ("PUT", f"{CONTEXT_PATH}/environment-variable/AWS%20KEY")
    ] * 2
    assert [r.json for r in requests] == [{"value": "s3cr3t"}, {"value": "n3w"}]


async def test_set_env_var_refuses_an_empty_name_or_a_value_not_a_string(
    cci: CircleCI, sent: Any
) -> None:
    with pytest.raises(ValueError, match="name must not be empty"):
        await cci.contexts.set_env_var(CONTEXT_ID, "", "v")
    with pytest.raises(TypeError, match="value must be a str"):
        await cci.contexts.set_env_var(CONTEXT_ID, "A", 3)  # type: ignore[arg-type]
    assert sent() == []


async def test_delete_env_var_sends_delete(
    cci: CircleCI, mock_api: aioresponses, sent: Any
) -> None:
    mock_api.delete(f"{CONTEXT_URL}/environment-variable/AWS_KEY", payload={"message": "ok"})

    assert (await cci.contexts.delete_env_var(CONTEXT_ID, "AWS_KEY")).message == "ok"
    request = sent.only()
    assert (request.method, request.url.path) == (
        "DELETE",
        f"{CONTEXT_PATH}/environment-variable/AWS_KEY",
    )


async def test_restrictions_types_optional_fields(
    cci: CircleCI, mock_api: aioresponses, sent: Any
) -> None:
    expression = {"id": RESTRICTION_ID, "restriction_type": "expression", "restriction_value": "x"}
    future = {"restriction_type": "branch-pattern"}
    mock_api.get(f"{CONTEXT_URL}/restrictions", payload=page([RESTRICTION, expression, future]))

    found = await cci.contexts.restrictions(CONTEXT_ID).collect()

    assert sent.only().url.path == f"{CONTEXT_PATH}/restrictions"
    assert found[0] == ContextRestriction(
        id=RESTRICTION_ID,
        context_id=CONTEXT_ID,
        project_id=PROJECT_ID,
        name="api-preview-docs",
        restriction_type=RestrictionType.PROJECT,
        restriction_value=PROJECT_ID,
    )
    assert (found[1].name, found[1].project_id, found[1].context_id) == (None, None, None)
    assert found[2].restriction_type == "branch-pattern"


async def test_create_restriction_posts_type_and_value(
    cci: CircleCI, mock_api: aioresponses, sent: Any
) -> None:
    created = {k: v for k, v in RESTRICTION.items() if k != "context_id"}
    mock_api.post(f"{CONTEXT_URL}/restrictions", payload=created, status=201)

    restriction = await cci.contexts.create_restriction(CONTEXT_ID, "project", PROJECT_ID)

    request = sent.only()
    assert (request.method, request.url.path) == ("POST", f"{CONTEXT_PATH}/restrictions")
    assert request.json == {"restriction_type": "project", "restriction_value": PROJECT_ID}
    assert isinstance(restriction, CreatedRestriction)
    assert restriction.restriction_type is RestrictionType.PROJECT


@pytest.mark.parametrize(
    ("kind", "value", "rule"),
    [
        ("branch", "main", "restriction_type must be one of 'project', 'expression', 'group'"),
        ("expression", " ", "restriction_value must not be empty"),
        ("project", "web", "project restriction's value .* must be a UUID"),
    ],
)
async def test_create_restriction_refuses_what_the_spec_does_not_allow(
    cci: CircleCI, sent: Any, kind: str, value: str, rule: str
) -> None:
    with pytest.raises(ValueError, match=rule):
        await cci.contexts.create_restriction(CONTEXT_ID, kind, value)
    assert sent() == []


async def test_delete_restriction_sends_delete_and_takes_an_empty_answer(
    cci: CircleCI, mock_api: aioresponses, sent: Any
) -> None:
    mock_api.delete(f"{CONTEXT_URL}/restrictions/{RESTRICTION_ID}", payload={})

    assert await cci.contexts.delete_restriction(CONTEXT_ID, RESTRICTION_ID) == (
        RestrictionDeleted(message=None)
    )
    request = sent.only()
    assert (request.method, request.url.path) == (
        "DELETE",
        f"{CONTEXT_PATH}/restrictions/{RESTRICTION_ID}",
    )
