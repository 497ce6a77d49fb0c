"""The fake's pipeline definitions and triggers: state that agrees with itself, and error
bodies as the spec documents them."""

from __future__ import annotations

from typing import Any

import pytest
from cases_pipeline_definitions import seed
from conformance import check_error
from fake_api import Api

DEFS = "/projects/{project_id}/pipeline-definitions"
DEF = DEFS + "/{pipeline_definition_id}"
TRIGGERS = DEF + "/triggers"
TRIGGER = "/projects/{project_id}/triggers/{trigger_id}"
CHECKOUT = {"provider": "github_app", "repo": {"external_id": "1001"}}

# (method, template, {name: value or "project"/"definition"/"trigger"}, body, status)
ERRORS: list[tuple[str, str, dict[str, str], Any, int]] = [
    ("GET", DEFS, {"project_id": "nope"}, None, 404),
    ("POST", DEFS, {}, {"name": "x", "checkout_source": CHECKOUT}, 400),
    (
        "POST",
        DEFS,
        {},
        {"name": "x", "config_source": {"provider": "github_app", "file_path": "a"}},
        400,
    ),
    ("GET", DEF, {"pipeline_definition_id": "nope"}, None, 404),
    ("PATCH", DEF, {}, {"name": ""}, 400),
    ("PATCH", DEF, {}, {"colour": "red"}, 400),
    ("DELETE", DEF, {"pipeline_definition_id": "nope"}, None, 404),
    ("GET", TRIGGERS, {"pipeline_definition_id": "nope"}, None, 404),
    ("POST", TRIGGERS, {}, {"event_source": {"provider": "github_app"}}, 400),
    (
        "POST",
        TRIGGERS,
        {},
        {"event_source": {"provider": "webhook"}, "event_preset": "every-day"},
        400,
    ),
    ("GET", TRIGGER, {"trigger_id": "nope"}, None, 404),
    ("PATCH", TRIGGER, {}, {"disabled": "yes"}, 400),
    ("DELETE", TRIGGER, {"trigger_id": "nope"}, None, 404),
]


@pytest.mark.parametrize(("method", "template", "given", "body", "status"), ERRORS)
async def test_error_answers_have_the_status_and_body_the_spec_documents(
    api: Api, method: str, template: str, given: dict[str, str], body: Any, status: int
) -> None:
    project, definitions, triggers = seed(api)
    params = {
        "project_id": project.id,
        "pipeline_definition_id": definitions[0].id,
        "trigger_id": triggers[0].id,
        **given,
    }
    got, answer = await api.call(method, template.format(**params), json=body)
    assert got == status, answer
    check_error(method, template, (got, answer), status)


async def test_a_definition_is_created_listed_updated_and_deleted_with_its_triggers(
    api: Api,
) -> None:
    project = api.fake.state.projects_by_id[next(iter(api.fake.state.projects_by_id))]
    defs = f"/projects/{project.id}/pipeline-definitions"
    config = {"provider": "circleci", "file_path": ".circleci/a.yml"}
    status, created = await api.call(
        "POST", defs, json={"name": "a", "config_source": config, "checkout_source": CHECKOUT}
    )
    assert status == 200
    assert "repo" not in created["config_source"]
    assert (await api.get(defs))["items"] == [created]

    one = f"{defs}/{created['id']}"
    status, updated = await api.call("PATCH", one, json={"name": "b"})
    assert (status, updated["name"]) == (200, "b")
    assert await api.get(one) == updated

    status, trigger = await api.call(
        "POST", f"{one}/triggers", json={"event_source": {"provider": "webhook"}}
    )
    assert status == 200
    trigger_path = f"/projects/{project.id}/triggers/{trigger['id']}"
    assert await api.get(trigger_path) == trigger

    assert (await api.call("DELETE", one))[0] == 200
    assert (await api.call("GET", one))[0] == 404
    assert (await api.call("GET", trigger_path))[0] == 404
    assert (await api.get(defs))["items"] == []


async def test_a_trigger_update_keeps_what_it_does_not_name(api: Api) -> None:
    project, _, triggers = seed(api)
    path = f"/projects/{project.id}/triggers/{triggers[1].id}"
    before = await api.get(path)
    status, after = await api.call("PATCH", path, json={"disabled": False})
    assert status == 200
    assert after == {**before, "disabled": False}
    assert (await api.call("DELETE", path))[0] == 200
    assert (await api.call("GET", path))[0] == 404


async def test_every_other_definition_leaves_out_the_optional_repo_names(api: Api) -> None:
    project, definitions, _ = seed(api)
    answers = [
        await api.get(f"/projects/{project.id}/pipeline-definitions/{d.id}") for d in definitions
    ]
    assert [set(a["checkout_source"]["repo"]) for a in answers] == [
        {"full_name", "external_id"},
        {"external_id"},
    ]
