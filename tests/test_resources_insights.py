"""``cci.insights``: requests as sent (aioresponses), checks before sending, and the fake's
metrics recomputed here from the runs ``cci.pipelines`` and ``cci.workflows`` return."""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from _loopback import FakeClock
from aioresponses import aioresponses
from bodies import BASE, ENCODED_SLUG, SLUG, TOKEN, page
from test_models_spec import generate, schema_at

from aiocircle import CircleCI, RetryPolicy
from aiocircle.models import (
    FlakyTests,
    Granularity,
    InsightsBranches,
    JobMetrics,
    JobTimeseries,
    OrgSummary,
    ProjectWorkflowsPage,
    ReportingWindow,
    TestMetrics,
    Workflow,
    WorkflowMetrics,
    WorkflowRun,
    WorkflowRunStatus,
    WorkflowSummary,
)
from aiocircle.testing import Dataset, FakeCircleCI

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
INSIGHTS = f"{BASE}/insights/{ENCODED_SLUG}"
WORKFLOW_PATH = f"/api/v2/insights/{ENCODED_SLUG}/workflows/build%20%26%20test"


def any_query(url: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(url) + r"(\?.*)?$")


def body(operation: str, pointer: str = "") -> Any:
    return generate(schema_at(operation + pointer), "maximal")


@pytest.fixture
async def clocked(mock_api: aioresponses) -> AsyncIterator[CircleCI]:
    """A client whose clock says `NOW`, for the date-window checks."""
    client = CircleCI(
        TOKEN, base_url=BASE, retry=RetryPolicy(max_attempts=1), clock=FakeClock(NOW.timestamp())
    )
    yield client
    await client.close()


# --- requests as sent ---------------------------------------------------------------------


async def test_project_summary_repeats_branches_and_workflow_names(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(
        any_query(f"{BASE}/insights/pages/{ENCODED_SLUG}/summary"),
        payload=body("getProjectWorkflowsPageData"),
    )

    found = await cci.insights.project_summary(
        SLUG,
        reporting_window=ReportingWindow.LAST_7_DAYS,
        branches=["main", "dev"],
        workflow_names=["build", "deploy"],
    )

    request = sent.only()
    assert request.method == "GET"
    assert request.url.raw_path == f"/api/v2/insights/pages/{ENCODED_SLUG}/summary"
    assert sorted(request.url.query.getall("branches")) == ["dev", "main"]
    assert sorted(request.url.query.getall("workflow-names")) == ["build", "deploy"]
    assert request.url.query["reporting-window"] == "last-7-days"
    assert isinstance(found, ProjectWorkflowsPage)
    assert found.project_data is not None
    assert found.project_data.metrics.total_runs == 0  # the generator's minimum


async def test_job_timeseries_sends_granularity_and_dates(
    clocked: CircleCI, mock_api: aioresponses, sent
) -> None:
    url = f"{BASE}/insights/time-series/{ENCODED_SLUG}/workflows/build%20%26%20test/jobs"
    mock_api.get(
        any_query(url), payload=page([body("getJobTimeseries", "#/properties/items/items")])
    )

    points = await clocked.insights.job_timeseries(
        SLUG,
        "build & test",
        branch="main",
        granularity=Granularity.HOURLY,
        start_date=NOW - timedelta(days=2),
        end_date=NOW,
    ).collect()

    request = sent.only()
    assert request.url.raw_path == (
        f"/api/v2/insights/time-series/{ENCODED_SLUG}/workflows/build%20%26%20test/jobs"
    )
    assert request.query == {
        "branch": "main",
        "granularity": "hourly",
        "start-date": "2026-02-27T12:00:00Z",
        "end-date": "2026-03-01T12:00:00Z",
    }
    assert [type(p) for p in points] == [JobTimeseries]


async def test_org_summary_repeats_project_names(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(
        any_query(f"{BASE}/insights/gh/my%20org/summary"), payload=body("getOrgSummaryData")
    )

    found = await cci.insights.org_summary("gh/my org", project_names=["a", "b"])

    request = sent.only()
    assert request.url.raw_path == "/api/v2/insights/gh/my%20org/summary"
    assert request.url.query.getall("project-names") == ["a", "b"]
    assert isinstance(found, OrgSummary)
    assert found.all_projects == ["text"]


async def test_branches_sends_the_workflow_name(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(
        any_query(f"{INSIGHTS}/branches"),
        payload={"org_id": "o", "project_id": "p", "branches": ["main"]},
    )

    found = await cci.insights.branches(SLUG, workflow_name="build")

    assert sent.only().query == {"workflow-name": "build"}
    assert found == InsightsBranches(org_id="o", project_id="p", branches=["main"])


async def test_flaky_tests_reads_hyphenated_keys(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    doc = body("getFlakyTests")
    mock_api.get(f"{INSIGHTS}/flaky-tests", payload=doc)

    found = await cci.insights.flaky_tests(SLUG)

    assert sent.only().url.raw_path == f"/api/v2/insights/{ENCODED_SLUG}/flaky-tests"
    assert isinstance(found, FlakyTests)
    (flake,) = found.flaky_tests
    assert flake.times_flaked == doc["flaky-tests"][0]["times-flaked"]
    assert flake.time_wasted == doc["flaky-tests"][0]["time-wasted"]


async def test_workflow_metrics_sends_all_branches_and_the_window(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    item = body("getProjectWorkflowMetrics", "#/properties/items/items")
    mock_api.get(any_query(f"{INSIGHTS}/workflows"), payload=page([item], "t2"))
    mock_api.get(any_query(f"{INSIGHTS}/workflows"), payload=page([item]))

    found = await cci.insights.workflow_metrics(
        SLUG, all_branches=True, reporting_window="last-30-days"
    ).collect()

    first, second = sent()
    assert first.query == {"all-branches": "true", "reporting-window": "last-30-days"}
    assert second.query == {**first.query, "page-token": "t2"}
    assert [type(m) for m in found] == [WorkflowMetrics, WorkflowMetrics]


async def test_workflow_runs_sends_branch_and_dates(
    clocked: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(
        any_query(f"{INSIGHTS}/workflows/build%20%26%20test"),
        payload=page([body("getProjectWorkflowRuns", "#/properties/items/items")]),
    )

    (run,) = await clocked.insights.workflow_runs(
        SLUG, "build & test", branch="main", start_date=NOW - timedelta(days=1)
    ).collect()

    request = sent.only()
    assert request.url.raw_path == WORKFLOW_PATH
    assert request.query == {"branch": "main", "start-date": "2026-02-28T12:00:00Z"}
    assert isinstance(run, WorkflowRun)
    assert run.status is WorkflowRunStatus.UNAUTHORIZED


async def test_job_metrics_sends_the_job_name(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.get(
        any_query(f"{INSIGHTS}/workflows/build%20%26%20test/jobs"),
        payload=page([body("getProjectWorkflowJobMetrics", "#/properties/items/items")]),
    )

    (found,) = await cci.insights.job_metrics(SLUG, "build & test", job_name="lint").collect()

    request = sent.only()
    assert request.url.raw_path == WORKFLOW_PATH + "/jobs"
    assert request.query == {"job-name": "lint"}
    assert isinstance(found, JobMetrics)


async def test_workflow_summary_and_test_metrics(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(any_query(f"{INSIGHTS}/workflows/w/summary"), payload=body("getWorkflowSummary"))
    mock_api.get(
        any_query(f"{INSIGHTS}/workflows/w/test-metrics"),
        payload=body("getProjectWorkflowTestMetrics"),
    )

    summary = await cci.insights.workflow_summary(SLUG, "w", branch="dev")
    tests = await cci.insights.test_metrics(SLUG, "w", all_branches=True)

    first, second = sent()
    assert (first.url.raw_path, first.query) == (
        WORKFLOW_PATH.replace("build%20%26%20test", "w") + "/summary",
        {"branch": "dev"},
    )
    assert second.query == {"all-branches": "true"}
    assert isinstance(summary, WorkflowSummary)
    assert isinstance(tests, TestMetrics)
    assert tests.test_runs[0].test_counts.total == 0


# --- checks before sending -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "rule"),
    [
        ({"end_date": NOW}, "end_date needs a start_date"),
        (
            {"start_date": NOW, "end_date": NOW - timedelta(hours=1)},
            "start_date must be before end_date",
        ),
        (
            {"start_date": NOW - timedelta(days=10), "end_date": NOW + timedelta(days=81)},
            "at most 90 days after",
        ),
        ({"start_date": NOW - timedelta(days=91)}, "within the last 90 days"),
        ({"start_date": datetime(2026, 2, 1)}, "timezone-aware"),
        ({"branch": "main", "all_branches": True}, "branch or all_branches"),
    ],
)
async def test_workflow_runs_checks_its_window_before_sending(
    clocked: CircleCI, mock_api: aioresponses, kwargs: dict[str, Any], rule: str
) -> None:
    with pytest.raises(ValueError, match=rule):
        clocked.insights.workflow_runs(SLUG, "w", **kwargs)
    assert mock_api.requests == {}


async def test_job_timeseries_checks_its_window_and_granularity(
    clocked: CircleCI, mock_api: aioresponses
) -> None:
    with pytest.raises(ValueError, match="end_date needs a start_date"):
        clocked.insights.job_timeseries(SLUG, "w", end_date=NOW)
    with pytest.raises(ValueError, match="granularity must be one of daily, hourly"):
        clocked.insights.job_timeseries(SLUG, "w", granularity="weekly")
    assert mock_api.requests == {}


async def test_reporting_window_and_names_are_checked(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    with pytest.raises(ValueError, match="reporting_window must be one of last-24-hours"):
        await cci.insights.project_summary(SLUG, reporting_window="last-year")
    with pytest.raises(ValueError, match="reporting_window"):
        cci.insights.workflow_metrics(SLUG, reporting_window="7d")
    with pytest.raises(ValueError, match="reporting_window"):
        cci.insights.job_metrics(SLUG, "w", reporting_window="7d")
    with pytest.raises(TypeError, match="sequence of names"):
        await cci.insights.project_summary(SLUG, branches="main")
    with pytest.raises(ValueError, match="malformed org slug"):
        await cci.insights.org_summary("gh/org/repo")
    with pytest.raises(ValueError, match="branch or all_branches"):
        await cci.insights.workflow_summary(SLUG, "w", branch="x", all_branches=True)
    with pytest.raises(ValueError, match="workflow_name must not be empty"):
        await cci.insights.test_metrics(SLUG, " ")
    assert mock_api.requests == {}


# --- against the fake, recomputed from the runs ----------------------------------------------

DATASET = Dataset(
    projects=1,
    pipelines_per_project=14,
    workflows_per_pipeline=3,
    jobs_per_workflow=3,
    artifacts_per_job=0,
    tests_per_job=2,
    failed_share=0.35,
    approval_share=0.3,
    running_pipelines=1,
    branches=("main", "dev"),
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeCircleCI]:
    async with FakeCircleCI(seed=11, page_size=1, dataset=DATASET) as started:
        yield started


@pytest.fixture
async def client(fake: FakeCircleCI) -> AsyncIterator[CircleCI]:
    async with fake.client(clock=FakeClock(fake.state.now.timestamp())) as cci:
        yield cci


def project_slug(fake: FakeCircleCI) -> str:
    return next(iter(fake.state.projects.values())).slug


async def runs_through_the_api(cci: CircleCI, slug: str, branch: str | None) -> list[Workflow]:
    """Every workflow of the project's pipelines (on `branch`), as cci.workflows shows them."""
    found = []
    async for pipeline in cci.pipelines.list(slug, branch=branch):
        found += await cci.pipelines.workflows(pipeline.id).collect()
    return found


def credits(jobs: list[Any]) -> int:
    # 10 credits a started minute on medium, the fake's resource class.
    return sum(
        math.ceil((j.stopped_at - j.started_at).total_seconds() / 60) * 10
        for j in jobs
        if j.type == "build" and j.stopped_at is not None
    )


def duration(w: Workflow) -> int | None:
    return None if w.stopped_at is None else int((w.stopped_at - w.created_at).total_seconds())


async def test_workflow_metrics_agree_with_the_workflows_listed(
    fake: FakeCircleCI, client: CircleCI
) -> None:
    slug = project_slug(fake)
    workflows = await runs_through_the_api(client, slug, "main")
    pages = [p async for p in client.insights.workflow_metrics(slug).pages()]

    assert len(pages) >= 3
    found = {m.name: m for p in pages for m in p.items}

    assert sorted(found) == sorted({w.name for w in workflows})
    for name, item in found.items():
        mine = [w for w in workflows if w.name == name]
        ok = sum(w.status == "success" for w in mine)
        finished = sorted(d for d in map(duration, mine) if d is not None)
        assert item.metrics.total_runs == len(mine)
        assert item.metrics.successful_runs == ok
        assert item.metrics.failed_runs == sum(w.status in ("failed", "error") for w in mine)
        assert item.metrics.success_rate == pytest.approx(ok / len(mine))
        assert item.metrics.throughput == pytest.approx(len(mine) / 90)
        assert item.metrics.duration_metrics.max == finished[-1]
        assert item.metrics.duration_metrics.min == finished[0]
        assert item.metrics.duration_metrics.median == int(statistics.median(finished))
        assert item.window_start == min(w.created_at for w in mine)
        assert item.window_end == max(w.created_at for w in mine)


async def test_workflow_runs_list_every_run_newest_first_over_pages(
    fake: FakeCircleCI, client: CircleCI
) -> None:
    slug = project_slug(fake)
    workflows = [
        w for w in await runs_through_the_api(client, slug, None) if w.name == "build-and-test"
    ]
    pages = [
        p
        async for p in client.insights.workflow_runs(
            slug, "build-and-test", all_branches=True
        ).pages()
    ]
    runs = [run for p in pages for run in p.items]

    assert len(pages) >= 3
    assert [r.id for r in runs] == [
        w.id for w in sorted(workflows, key=lambda w: w.created_at, reverse=True)
    ]
    by_id = {w.id: w for w in workflows}
    for run in runs:
        workflow = by_id[run.id]
        jobs = await client.workflows.jobs(run.id).collect()
        assert run.duration == duration(workflow)
        assert run.stopped_at == workflow.stopped_at
        assert run.status == (workflow.status if workflow.stopped_at else None)
        assert run.credits_used == credits(jobs)
        assert run.is_approval == any(j.type == "approval" for j in jobs)
    assert any(run.status is None for run in runs)  # the running pipeline


async def test_workflow_runs_window_keeps_runs_created_inside_it(
    fake: FakeCircleCI, client: CircleCI
) -> None:
    slug = project_slug(fake)
    everything = await client.insights.workflow_runs(
        slug, "build-and-test", all_branches=True
    ).collect()
    middle = sorted(r.created_at for r in everything)[len(everything) // 2]

    later = await client.insights.workflow_runs(
        slug, "build-and-test", all_branches=True, start_date=middle, end_date=fake.state.now
    ).collect()

    assert [r.id for r in later] == [
        r.id for r in everything if middle <= r.created_at < fake.state.now
    ]


async def test_job_metrics_agree_with_the_jobs_listed(fake: FakeCircleCI, client: CircleCI) -> None:
    slug = project_slug(fake)
    workflows = [
        w for w in await runs_through_the_api(client, slug, "main") if w.name == "build-and-test"
    ]
    jobs = [
        j
        for w in workflows
        for j in await client.workflows.jobs(w.id).collect()
        if j.type == "build"
    ]
    pages = [p async for p in client.insights.job_metrics(slug, "build-and-test").pages()]
    found = {m.name: m for p in pages for m in p.items}

    assert len(pages) >= 3
    assert sorted(found) == sorted({j.name for j in jobs})
    for name, item in found.items():
        mine = [j for j in jobs if j.name == name]
        assert item.metrics.total_runs == len(mine)
        assert item.metrics.successful_runs == sum(j.status == "success" for j in mine)
        assert item.metrics.failed_runs == sum(j.status == "failed" for j in mine)
        assert item.metrics.total_credits_used == credits(mine)
    assert [
        m.name
        for m in await client.insights.job_metrics(slug, "build-and-test", job_name="uil").collect()
    ] == [n for n in sorted(found) if "uil" in n]


async def test_job_timeseries_counts_each_job_per_day(fake: FakeCircleCI, client: CircleCI) -> None:
    slug = project_slug(fake)
    workflows = [
        w for w in await runs_through_the_api(client, slug, "main") if w.name == "build-and-test"
    ]
    jobs = [
        j
        for w in workflows
        for j in await client.workflows.jobs(w.id).collect()
        if j.type == "build"
    ]
    expected: dict[tuple[str, datetime], int] = {}
    for job in jobs:
        day = job.started_at.replace(hour=0, minute=0, second=0, microsecond=0)
        expected[job.name, day] = expected.get((job.name, day), 0) + 1

    pages = [p async for p in client.insights.job_timeseries(slug, "build-and-test").pages()]
    points = [p for page_ in pages for p in page_.items]

    assert len(pages) >= 3
    assert {(p.name, p.timestamp): p.metrics.total_runs for p in points} == expected


async def test_summary_pages_add_up_to_the_runs(fake: FakeCircleCI, client: CircleCI) -> None:
    slug = project_slug(fake)
    everything = await runs_through_the_api(client, slug, None)
    project = next(iter(fake.state.projects.values()))

    page_ = await client.insights.project_summary(
        slug, branches=["dev"], workflow_names=["build-and-test"]
    )
    org = await client.insights.org_summary(project.organization.slug)
    summary = await client.insights.workflow_summary(slug, "build-and-test", all_branches=True)
    branches = await client.insights.branches(slug)

    total = sum(d for d in map(duration, everything) if d is not None)
    ok = sum(w.status == "success" for w in everything)
    assert page_.project_data is not None
    assert page_.project_data.metrics.total_runs == len(everything)
    assert page_.project_data.metrics.total_duration_secs == total
    assert page_.project_data.metrics.success_rate == pytest.approx(ok / len(everything))
    assert [d.workflow_name for d in page_.project_workflow_data or []] == ["build-and-test"]
    assert [(d.workflow_name, d.branch) for d in page_.project_workflow_branch_data or []] == [
        ("build-and-test", "dev")
    ]
    assert page_.all_branches == branches.branches == ["dev", "main"]
    assert org.org_data.metrics.total_runs == len(everything)
    assert org.all_projects == [project.name]
    mine = [w for w in everything if w.name == "build-and-test"]
    assert summary.metrics.total_runs == len(mine)
    assert summary.metrics.completed_runs == sum(w.stopped_at is not None for w in mine)
    assert summary.workflow_names == sorted({w.name for w in everything})


async def test_flaky_tests_and_test_metrics_follow_the_test_results(
    fake: FakeCircleCI, client: CircleCI
) -> None:
    slug = project_slug(fake)
    state = fake.state
    project = state.project(slug)
    workflow = next(
        w
        for p in project.pipelines
        for w in p.workflows
        if w.name == "build-and-test" and w.stopped_at
    )
    job = next(j for j in workflow.jobs if j.type == "build")
    state.add_test_result(job, "test_wobbly", result="failure", run_time=3.0)
    again = state.rerun_workflow(workflow, state.me)
    state.complete_workflow(again)
    rerun = next(j for j in again.jobs if j.name == job.name)
    state.add_test_result(rerun, "test_wobbly", result="success")

    flaky = await client.insights.flaky_tests(slug)
    tests = await client.insights.test_metrics(
        slug, "build-and-test", branch=workflow.pipeline.branch
    )

    (flake,) = flaky.flaky_tests
    assert (flake.test_name, flake.job_name, flake.times_flaked) == ("test_wobbly", job.name, 1)
    assert (flake.job_number, flake.workflow_id) == (job.number, workflow.id)
    assert flaky.total_flaky_tests == 1
    listed = {(t.test_name, t.job_name): t for t in tests.slowest_tests + tests.most_failed_tests}
    assert listed["test_wobbly", job.name].flaky is True
    assert tests.test_runs[0].workflow_id == again.id
    assert tests.total_test_runs == sum(r.test_counts.total for r in tests.test_runs)


async def test_unknown_project_or_workflow_is_a_404(fake: FakeCircleCI, client: CircleCI) -> None:
    from aiocircle import NotFoundError

    with pytest.raises(NotFoundError):
        await client.insights.branches("gh/nobody/nothing")
    with pytest.raises(NotFoundError):
        await client.insights.workflow_summary(project_slug(fake), "no-such-workflow")
