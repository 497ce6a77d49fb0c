"""Conformance cases of the pipeline operations in `aiocircle/testing/_api_pipelines.py`."""

from __future__ import annotations

from conformance import Answers, case, expect_errors, first, pages, projects
from fake_api import Api

from aiocircle.testing import PipelineRuns

RUN = "/project/{provider}/{organization}/{project}/pipeline/run"


@case("GET /pipeline")
async def _followed(api: Api) -> Answers:
    answers = await pages(api, "/pipeline")
    for project in projects(api):
        answers += await pages(api, "/pipeline", **{"org-slug": project.organization.slug})
    answers += await pages(api, "/pipeline", mine="true")
    expect_errors(
        "GET",
        "/pipeline",
        [
            (404, await api.call("GET", "/pipeline", **{"org-slug": "gh/nobody"})),
            (400, await api.call("GET", "/pipeline", mine="perhaps")),
        ],
    )
    return answers


@case("GET /pipeline/{pipeline-id}/values")
async def _values(api: Api) -> Answers:
    api.fake.state.add_pipeline(first(api), tag="v1.0.0")
    answers = [await api.call("GET", f"/pipeline/{p.id}/values") for p in first(api).pipelines]
    expect_errors(
        "GET",
        "/pipeline/{pipeline-id}/values",
        [(404, await api.call("GET", "/pipeline/nope/values"))],
    )
    return answers


@case("POST /pipeline/continue")
async def _continue(api: Api) -> Answers:
    runs = api.fake.state.part(PipelineRuns)
    _, key = runs.add_setup(first(api))
    _, other = runs.add_setup(first(api))
    config = "version: 2.1\nworkflows: {}\n"
    answers = [
        await api.call(
            "POST", "/pipeline/continue", json={"continuation-key": key, "configuration": config}
        ),
        await api.call(
            "POST",
            "/pipeline/continue",
            json={
                "continuation-key": other,
                "configuration": config,
                "parameters": {"deploy": True},
            },
        ),
    ]
    again = {"continuation-key": key, "configuration": config}
    expect_errors(
        "POST",
        "/pipeline/continue",
        [
            (400, await api.call("POST", "/pipeline/continue", json=again)),
            (
                404,
                await api.call(
                    "POST", "/pipeline/continue", json={**again, "continuation-key": "nope"}
                ),
            ),
            (400, await api.call("POST", "/pipeline/continue", json={"configuration": config})),
        ],
    )
    return answers


@case("POST " + RUN)
async def _run(api: Api) -> Answers:
    project = first(api)
    api.fake.state.part(PipelineRuns).skip_branch(project, "skipped")
    path = f"/project/{project.slug}/pipeline/run"
    answers = [
        await api.call("POST", path, json={}),
        await api.call(
            "POST",
            path,
            json={
                "definition_id": "2338d0ae-5541-4bbf-88a2-55e9f7281f80",
                "config": {"branch": "main"},
                "checkout": {"tag": "v2"},
                "parameters": {"deploy": True, "count": 2},
            },
        ),
        await api.call("POST", path, json={"config": {"branch": "skipped"}}),
    ]
    assert [status for status, _ in answers] == [201, 201, 200]
    expect_errors(
        "POST",
        RUN,
        [
            (400, await api.call("POST", path, json={"branch": "main"})),
            (400, await api.call("POST", path, json={"config": {"branch": "a", "tag": "b"}})),
            (400, await api.call("POST", path, json={"parameters": {"k" * 129: 1}})),
            (404, await api.call("POST", "/project/gh/nobody/repo/pipeline/run", json={})),
        ],
    )
    return answers
