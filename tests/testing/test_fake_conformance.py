"""Every JSON body the fake answers validates against CircleCI's openapi.json.

Each API route has a case that exercises it (over all seeded projects, pipelines, workflows
and jobs where that is cheap), and a test fails when a route has no case. The core routes'
cases are here; a tag module's are in `cases_<tag>.py` (see conformance.py). Schemas are
made strict: an object with declared properties gets `additionalProperties: false`, so a
field the spec does not name (a typo such as `created_at` for `created-at`) fails too.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest
from conformance import (
    CASES,
    Answers,
    case,
    first,
    load_tag_cases,
    pages,
    problems,
    projects,
    response_schema,
    spec,
    success,
    to_json_schema,
)
from fake_api import Api

from aiocircle.testing import FakeCircleCI, JobSpec, WorkflowSpec
from aiocircle.testing.spec import live_operations

# API v1.1 is not in the spec: its artifact list shape, written out.
V1_ARTIFACTS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "path": {"type": "string"},
            "pretty_path": {"type": "string"},
            "node_index": {"type": "integer", "minimum": 0},
            "url": {"type": "string"},
        },
        "required": ["path", "pretty_path", "node_index", "url"],
        "additionalProperties": False,
    },
}

_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")
FORMATS = jsonschema.FormatChecker()
FORMATS.checks("date-time")(
    lambda value: not isinstance(value, str) or bool(_DATE_TIME.fullmatch(value))
)


def all_jobs(api: Api) -> list[Any]:
    return list(first(api).jobs.values())


def all_workflows(api: Api) -> list[Any]:
    return [w for p in first(api).pipelines for w in p.workflows]


@case("GET /me")
async def _me(api: Api) -> Answers:
    return [await api.call("GET", "/me")]


@case("GET /me/collaborations")
async def _collaborations(api: Api) -> Answers:
    return [await api.call("GET", "/me/collaborations")]


@case("GET /user/{id}")
async def _user(api: Api) -> Answers:
    return [await api.call("GET", f"/user/{user.id}") for user in api.fake.state.users.values()]


@case("GET /project/{project-slug}")
async def _project(api: Api) -> Answers:
    return [await api.call("GET", f"/project/{p.slug}") for p in projects(api)]


@case("GET /project/{project-slug}/checkout-key")
async def _checkout_keys(api: Api) -> Answers:
    api.fake.state.add_checkout_key(first(api), "user-key")
    answers = []
    for project in projects(api):
        for digest in ("md5", "sha256"):
            answers += await pages(api, f"/project/{project.slug}/checkout-key", digest=digest)
    return answers


@case("POST /project/{project-slug}/checkout-key")
async def _create_checkout_key(api: Api) -> Answers:
    path = f"/project/{first(api).slug}/checkout-key"
    return [
        await api.call("POST", path, json={"type": kind}) for kind in ("deploy-key", "user-key")
    ]


@case("GET /project/{project-slug}/checkout-key/{fingerprint}")
async def _checkout_key(api: Api) -> Answers:
    project = first(api)
    key = next(iter(project.checkout_keys.values()))
    answers = []
    for fingerprint in (key.fingerprint_md5, key.fingerprint_sha256):
        path = f"/project/{project.slug}/checkout-key/{quote(fingerprint, safe='')}"
        answers.append(await api.call("GET", path))
    return answers


@case("DELETE /project/{project-slug}/checkout-key/{fingerprint}")
async def _delete_checkout_key(api: Api) -> Answers:
    project = first(api)
    key = api.fake.state.add_checkout_key(project)
    return [await api.call("DELETE", f"/project/{project.slug}/checkout-key/{key.fingerprint_md5}")]


@case("GET /project/{project-slug}/envvar")
async def _env_vars(api: Api) -> Answers:
    return [a for p in projects(api) for a in await pages(api, f"/project/{p.slug}/envvar")]


@case("POST /project/{project-slug}/envvar")
async def _create_env_var(api: Api) -> Answers:
    body = {"name": "TOKEN", "value": "s3cr3t-value"}
    return [await api.call("POST", f"/project/{first(api).slug}/envvar", json=body)]


@case("GET /project/{project-slug}/envvar/{name}")
async def _env_var(api: Api) -> Answers:
    return [await api.call("GET", f"/project/{first(api).slug}/envvar/DEPLOY_ENV")]


@case("DELETE /project/{project-slug}/envvar/{name}")
async def _delete_env_var(api: Api) -> Answers:
    return [await api.call("DELETE", f"/project/{first(api).slug}/envvar/DEPLOY_ENV")]


@case("GET /project/{project-slug}/pipeline")
async def _pipelines(api: Api) -> Answers:
    api.fake.state.trigger_pipeline(first(api), api.fake.state.me, tag="v1.0.0")
    answers = []
    for project in projects(api):
        answers += await pages(api, f"/project/{project.slug}/pipeline")
        answers += await pages(api, f"/project/{project.slug}/pipeline", branch="develop")
    return answers


@case("POST /project/{project-slug}/pipeline")
async def _trigger(api: Api) -> Answers:
    path = f"/project/{first(api).slug}/pipeline"
    bodies: list[Any] = [
        None,
        {"branch": "feature/x"},
        {"tag": "v1.2.3"},
        {"branch": "main", "parameters": {"deploy": True, "count": 3, "env": "prod"}},
    ]
    return [await api.call("POST", path, json=body) for body in bodies]


@case("GET /project/{project-slug}/pipeline/mine")
async def _my_pipelines(api: Api) -> Answers:
    return [a for p in projects(api) for a in await pages(api, f"/project/{p.slug}/pipeline/mine")]


@case("GET /project/{project-slug}/pipeline/{pipeline-number}")
async def _pipeline_by_number(api: Api) -> Answers:
    project = first(api)
    return [
        await api.call("GET", f"/project/{project.slug}/pipeline/{p.number}")
        for p in project.pipelines
    ]


@case("GET /pipeline/{pipeline-id}")
async def _pipeline(api: Api) -> Answers:
    return [await api.call("GET", f"/pipeline/{p.id}") for p in first(api).pipelines]


@case("GET /pipeline/{pipeline-id}/config")
async def _config(api: Api) -> Answers:
    return [await api.call("GET", f"/pipeline/{p.id}/config") for p in first(api).pipelines]


@case("GET /pipeline/{pipeline-id}/workflow")
async def _pipeline_workflows(api: Api) -> Answers:
    return [a for p in first(api).pipelines for a in await pages(api, f"/pipeline/{p.id}/workflow")]


@case("GET /workflow/{id}")
async def _workflow(api: Api) -> Answers:
    workflow = next(w for w in all_workflows(api) if w.status == "running")
    await api.call("POST", f"/workflow/{workflow.id}/cancel")
    return [await api.call("GET", f"/workflow/{w.id}") for w in all_workflows(api)]


@case("GET /workflow/{id}/job")
async def _workflow_jobs(api: Api) -> Answers:
    return [a for w in all_workflows(api) for a in await pages(api, f"/workflow/{w.id}/job")]


@case("POST /workflow/{id}/cancel")
async def _cancel_workflow(api: Api) -> Answers:
    workflow = next(w for w in all_workflows(api) if w.status == "running")
    return [await api.call("POST", f"/workflow/{workflow.id}/cancel")]


@case("POST /workflow/{id}/rerun")
async def _rerun(api: Api) -> Answers:
    failed = next(w for w in all_workflows(api) if w.status == "failed")
    passed = next(w for w in all_workflows(api) if w.status == "success")
    return [
        await api.call("POST", f"/workflow/{failed.id}/rerun", json={"from_failed": True}),
        await api.call("POST", f"/workflow/{passed.id}/rerun"),
        await api.call(
            "POST",
            f"/workflow/{passed.id}/rerun",
            json={"jobs": [passed.jobs[-1].id], "enable_ssh": True, "sparse_tree": True},
        ),
    ]


@case("POST /workflow/{id}/approve/{approval_request_id}")
async def _approve(api: Api) -> Answers:
    project = first(api)
    project.template = (
        WorkflowSpec("deploy", (JobSpec("hold", type="approval"), JobSpec("ship", ("hold",)))),
    )
    status, created = await api.call("POST", f"/project/{project.slug}/pipeline")
    assert status == 201
    workflow = api.fake.state.pipelines[created["id"]].workflows[0]
    hold = workflow.jobs[0]
    return [await api.call("POST", f"/workflow/{workflow.id}/approve/{hold.id}")]


@case("GET /project/{project-slug}/job/{job-number}")
async def _job(api: Api) -> Answers:
    slug = first(api).slug
    return [await api.call("GET", f"/project/{slug}/job/{job.number}") for job in all_jobs(api)]


@case("POST /project/{project-slug}/job/{job-number}/cancel")
async def _cancel_job(api: Api) -> Answers:
    job = next(j for j in all_jobs(api) if j.status == "running")
    return [await api.call("POST", f"/project/{first(api).slug}/job/{job.number}/cancel")]


@case("GET /project/{project-slug}/{job-number}/tests")
async def _tests(api: Api) -> Answers:
    slug = first(api).slug
    return [a for j in all_jobs(api) for a in await pages(api, f"/project/{slug}/{j.number}/tests")]


@case("GET /project/{project-slug}/{job-number}/artifacts")
async def _artifacts(api: Api) -> Answers:
    slug = first(api).slug
    return [
        answer
        for job in all_jobs(api)
        for answer in await pages(api, f"/project/{slug}/{job.number}/artifacts")
    ]


async def _v1(api: Api, path: str, **params: str) -> tuple[int, Any]:
    async with api.session.get(
        api.fake.v1_url + path, headers=api.headers, params=params or None
    ) as response:
        return response.status, await response.json()


@case("GET /api/v1.1/project/{project-slug}/latest/artifacts")
async def _v1_latest(api: Api) -> Answers:
    slug = first(api).slug.replace("gh/", "github/")
    answers = [await _v1(api, f"/project/{slug}/latest/artifacts", branch="main")]
    for wanted in ("completed", "successful", "failed", "running"):
        answers.append(await _v1(api, f"/project/{slug}/latest/artifacts", filter=wanted))
    return answers


@case("GET /api/v1.1/project/{project-slug}/{build_num}/artifacts")
async def _v1_build(api: Api) -> Answers:
    slug = first(api).slug
    return [await _v1(api, f"/project/{slug}/{job.number}/artifacts") for job in all_jobs(api)]


load_tag_cases()


def test_every_route_has_a_conformance_case() -> None:
    assert sorted(FakeCircleCI().routes) == sorted(CASES)


def test_every_v2_route_is_an_operation_of_the_spec() -> None:
    live = {f"{method} {path}" for method, path, _ in live_operations()}
    for name in FakeCircleCI().routes:
        method, template = name.split(" ", 1)
        if template.startswith("/api/v1.1/") or name in live:
            continue
        assert method.lower() in spec()["paths"].get(template, {}), name


@pytest.mark.parametrize("name", sorted(CASES))
async def test_answers_match_the_spec(name: str, api: Api) -> None:
    method, template = name.split(" ", 1)
    found = CASES[name]
    fixed: dict[int, Any] | None = None
    if found.schema is not None:
        fixed = {found.status or 200: found.schema}
    elif template.startswith("/api/v1.1/"):
        fixed = {200: V1_ARTIFACTS}
    answers = await found.run(api)
    assert answers
    for got, body in answers:
        # Success and error answers: a case may return documented errors too. A success is
        # one the operation names; an error may be its `default`.
        if fixed:
            schema = fixed.get(got)
        elif got < 300:
            schema = success(method, template).get(got)
        else:
            schema = response_schema(method, template, got)
        assert schema is not None, (name, got, body)
        errors = problems(body, schema, format_checker=FORMATS)
        assert not errors, (name, body, errors[:5])


def test_the_converter_allows_null_where_the_spec_says_nullable() -> None:
    schema = to_json_schema(
        {"type": "object", "properties": {"a": {"type": "string", "x-nullable": True}}}
    )
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"a": None})
    assert not validator.is_valid({"a": 1})
    assert not validator.is_valid({"a": "x", "typo": 1})
