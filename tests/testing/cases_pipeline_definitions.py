"""Conformance cases of the Pipeline Definition and Trigger tags."""

from __future__ import annotations

from typing import Any

from conformance import Answers, case, first
from fake_api import Api

from aiocircle.testing._api_pipeline_definitions import FakeDefinition, PipelineDefinitions
from aiocircle.testing._api_triggers import FakeTrigger, Triggers


def seed(api: Api) -> tuple[Any, list[FakeDefinition], list[FakeTrigger]]:
    """A project with a github_app and a circleci definition, and triggers of each kind:
    a repository's, a webhook's, with and without the optional settings."""
    project = first(api)
    definitions = api.fake.state.part(PipelineDefinitions)
    github = definitions.add(project, "main", config_repo_id="1001")
    circleci = definitions.add(project, "docs", config_repo_id=None, checkout_repo_id="1002")
    triggers = api.fake.state.part(Triggers)
    made = [
        triggers.add(github, "github_app", repo_id="1001"),
        triggers.add(
            github,
            "github_app",
            repo_id="1001",
            event_preset="only-tags",
            checkout_ref="main",
            config_ref="main",
            event_name="tags",
            disabled=True,
        ),
        triggers.add(circleci, "webhook", webhook_sender="ci-bot", event_name="hook"),
    ]
    return project, [github, circleci], made


def _definition_path(project: Any, definition: FakeDefinition | None = None) -> str:
    path = f"/projects/{project.id}/pipeline-definitions"
    return path if definition is None else f"{path}/{definition.id}"


@case("GET /projects/{project_id}/pipeline-definitions")
async def _list(api: Api) -> Answers:
    project, _, _ = seed(api)
    empty = list(api.fake.state.projects.values())[1]
    return [
        await api.call("GET", _definition_path(project)),
        await api.call("GET", _definition_path(empty)),
    ]


@case("POST /projects/{project_id}/pipeline-definitions")
async def _create(api: Api) -> Answers:
    project = first(api)
    checkout = {"provider": "github_app", "repo": {"external_id": "1001"}}
    sources = [
        {"provider": "github_app", "repo": {"external_id": "1001"}, "file_path": "a.yml"},
        {"provider": "circleci", "file_path": "b.yml"},
    ]
    return [
        await api.call(
            "POST",
            _definition_path(project),
            json={"name": f"d{i}", "config_source": source, "checkout_source": checkout},
        )
        for i, source in enumerate(sources)
    ]


@case("GET /projects/{project_id}/pipeline-definitions/{pipeline_definition_id}")
async def _get(api: Api) -> Answers:
    project, definitions, _ = seed(api)
    return [await api.call("GET", _definition_path(project, d)) for d in definitions]


@case("PATCH /projects/{project_id}/pipeline-definitions/{pipeline_definition_id}")
async def _update(api: Api) -> Answers:
    project, definitions, _ = seed(api)
    body = {"name": "renamed", "config_source": {"file_path": "c.yml"}}
    return [await api.call("PATCH", _definition_path(project, d), json=body) for d in definitions]


@case("DELETE /projects/{project_id}/pipeline-definitions/{pipeline_definition_id}")
async def _delete(api: Api) -> Answers:
    project, definitions, _ = seed(api)
    return [await api.call("DELETE", _definition_path(project, definitions[0]))]


@case("GET /projects/{project_id}/pipeline-definitions/{pipeline_definition_id}/triggers")
async def _triggers(api: Api) -> Answers:
    project, definitions, _ = seed(api)
    return [await api.call("GET", _definition_path(project, d) + "/triggers") for d in definitions]


@case("POST /projects/{project_id}/pipeline-definitions/{pipeline_definition_id}/triggers")
async def _create_trigger(api: Api) -> Answers:
    project, definitions, _ = seed(api)
    path = _definition_path(project, definitions[0]) + "/triggers"
    bodies = [
        {"event_source": {"provider": "github_app", "repo": {"external_id": "1001"}}},
        {
            "event_source": {"provider": "webhook", "webhook": {"sender": "bot"}},
            "event_preset": "all-pushes",
            "disabled": False,
        },
    ]
    return [await api.call("POST", path, json=body) for body in bodies]


@case("GET /projects/{project_id}/triggers/{trigger_id}")
async def _trigger(api: Api) -> Answers:
    project, _, triggers = seed(api)
    return [await api.call("GET", f"/projects/{project.id}/triggers/{t.id}") for t in triggers]


@case("PATCH /projects/{project_id}/triggers/{trigger_id}")
async def _update_trigger(api: Api) -> Answers:
    project, _, triggers = seed(api)
    body = {"event_preset": "default-branch-pushes", "event_source": {"webhook": {"sender": "x"}}}
    return [
        await api.call("PATCH", f"/projects/{project.id}/triggers/{t.id}", json=body)
        for t in triggers
    ]


@case("DELETE /projects/{project_id}/triggers/{trigger_id}")
async def _delete_trigger(api: Api) -> Answers:
    project, _, triggers = seed(api)
    return [await api.call("DELETE", f"/projects/{project.id}/triggers/{triggers[0].id}")]
