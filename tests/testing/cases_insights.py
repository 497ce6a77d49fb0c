"""Conformance cases of the Insights routes: every answer validates against openapi.json."""

from __future__ import annotations

from typing import Any

from conformance import Answers, case, pages, projects
from fake_api import Api

from aiocircle.testing import State


def seed_flaky(state: State, project: Any) -> None:
    """A test that failed, then passed on a rerun of the same commit (a flake)."""
    workflow = next(w for p in project.pipelines for w in p.workflows if w.jobs)
    job = next(j for j in workflow.jobs if j.type == "build")
    state.add_test_result(job, "test_flaky", classname="", file="", result="failure")
    again = state.rerun_workflow(workflow, state.me)
    state.complete_workflow(again)
    rerun = next(j for j in again.jobs if j.name == job.name)
    state.add_test_result(rerun, "test_flaky", classname="", file="", result="success")


def _workflow_paths(api: Api) -> list[tuple[str, str]]:
    return [
        (project.slug, name)
        for project in projects(api)
        for name in sorted({w.name for p in project.pipelines for w in p.workflows})
    ]


@case("GET /insights/{project-slug}/workflows")
async def _workflow_metrics(api: Api) -> Answers:
    answers: Answers = []
    for project in projects(api):
        answers += await pages(api, f"/insights/{project.slug}/workflows")
        answers += await pages(
            api, f"/insights/{project.slug}/workflows", **{"all-branches": "true"}
        )
    return answers


@case("GET /insights/{project-slug}/workflows/{workflow-name}")
async def _workflow_runs(api: Api) -> Answers:
    answers: Answers = []
    for slug, name in _workflow_paths(api):
        answers += await pages(
            api, f"/insights/{slug}/workflows/{name}", **{"all-branches": "true"}
        )
    return answers


@case("GET /insights/{project-slug}/workflows/{workflow-name}/jobs")
async def _job_metrics(api: Api) -> Answers:
    answers: Answers = []
    for slug, name in _workflow_paths(api):
        answers += await pages(api, f"/insights/{slug}/workflows/{name}/jobs")
    return answers


@case("GET /insights/time-series/{project-slug}/workflows/{workflow-name}/jobs")
async def _job_timeseries(api: Api) -> Answers:
    answers: Answers = []
    for slug, name in _workflow_paths(api):
        path = f"/insights/time-series/{slug}/workflows/{name}/jobs"
        answers += await pages(api, path)
        answers += await pages(api, path, granularity="hourly")
    return answers


@case("GET /insights/{project-slug}/workflows/{workflow-name}/summary")
async def _workflow_summary(api: Api) -> Answers:
    return [
        await api.call(
            "GET", f"/insights/{slug}/workflows/{name}/summary", **{"all-branches": "true"}
        )
        for slug, name in _workflow_paths(api)
    ]


@case("GET /insights/{project-slug}/workflows/{workflow-name}/test-metrics")
async def _test_metrics(api: Api) -> Answers:
    seed_flaky(api.fake.state, projects(api)[0])
    return [
        await api.call("GET", f"/insights/{slug}/workflows/{name}/test-metrics")
        for slug, name in _workflow_paths(api)
    ]


@case("GET /insights/{project-slug}/flaky-tests")
async def _flaky_tests(api: Api) -> Answers:
    seed_flaky(api.fake.state, projects(api)[0])
    seed_flaky(api.fake.state, projects(api)[1])
    return [await api.call("GET", f"/insights/{p.slug}/flaky-tests") for p in projects(api)]


@case("GET /insights/{project-slug}/branches")
async def _branches(api: Api) -> Answers:
    answers = [await api.call("GET", f"/insights/{p.slug}/branches") for p in projects(api)]
    answers.append(
        await api.call(
            "GET",
            f"/insights/{projects(api)[0].slug}/branches",
            **{"workflow-name": "build-and-test"},
        )
    )
    return answers


@case("GET /insights/pages/{project-slug}/summary")
async def _project_page(api: Api) -> Answers:
    answers = [await api.call("GET", f"/insights/pages/{p.slug}/summary") for p in projects(api)]
    answers.append(
        await api.call(
            "GET",
            f"/insights/pages/{projects(api)[0].slug}/summary",
            **{"reporting-window": "last-7-days", "branches": "main"},
        )
    )
    return answers


@case("GET /insights/{org-slug}/summary")
async def _org_summary(api: Api) -> Answers:
    orgs = {p.organization.slug for p in projects(api) if p.organization.vcs != "circleci"}
    return [await api.call("GET", f"/insights/{slug}/summary") for slug in sorted(orgs)]
