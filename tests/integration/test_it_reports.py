"""The reports of aiocircle.report against FakeCircleCI over TCP: three projects (gh, bb,
circleci) of small pages, one project that does not exist, failed jobs and a flaky test.

Every expectation is computed here from the fake's own state (`fake.state`), not from the
client: which pipelines the cut-off keeps, their workflows, jobs and test results.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from _it_helpers import seeded_fake, slugs

from aiocircle import NotFoundError, RetryPolicy
from aiocircle.report import (
    ALL_BRANCHES,
    FlakyTestRow,
    JobRow,
    TestRow,
    flaky_tests,
    insights_rows,
    job_rows,
    test_rows,
    workflow_rows,
    write_csv,
    write_jsonl,
    write_parquet,
)
from aiocircle.testing import FakeCircleCI
from aiocircle.testing import Job as FakeJob
from aiocircle.testing import Pipeline as FakePipeline

ABSENT = "gh/acme/absent"
ONE_TRY = RetryPolicy(max_attempts=1)


def _cutoff(fake: FakeCircleCI) -> datetime:
    """A `since` that keeps the four newest pipelines of each project and drops the others."""
    oldest_kept = [
        sorted(p.pipelines, key=lambda p: p.created_at, reverse=True)[3].created_at
        for p in fake.state.projects.values()
    ]
    return min(oldest_kept) - timedelta(microseconds=1)


def _kept(fake: FakeCircleCI, since: datetime) -> list[tuple[str, FakePipeline]]:
    return [
        (project.slug, pipeline)
        for project in fake.state.projects.values()
        for pipeline in project.pipelines
        if pipeline.created_at >= since
    ]


def _jobs(fake: FakeCircleCI, since: datetime) -> list[tuple[str, FakePipeline, Any, FakeJob]]:
    return [
        (slug, pipeline, workflow, job)
        for slug, pipeline in _kept(fake, since)
        for workflow in pipeline.workflows
        for job in workflow.jobs
    ]


def _request_lines(fake: FakeCircleCI) -> list[str]:
    return [f"{r.method} {r.path}?{r.query}" for r in fake.stats.requests if r.listener == "api"]


async def test_job_rows_hold_every_job_the_fake_holds_and_name_the_missing_project() -> None:
    async with seeded_fake() as fake, fake.client(retry=ONE_TRY) as cci:
        since = _cutoff(fake)
        stream = job_rows(cci, [*slugs(fake), ABSENT], since=since, details=True)
        async with stream:
            rows = [row async for row in stream]

    expected = {
        (slug, p.id, p.number, p.branch, w.id, w.name, j.name, j.number, j.status)
        for slug, p, w, j in _jobs(fake, since)
    }
    assert len(expected) > 30 and len({e[0] for e in expected}) == 3
    got = [
        (
            r.project,
            r.pipeline_id,
            r.pipeline_number,
            r.branch,
            r.workflow_id,
            r.workflow,
            r.job,
            r.job_number,
            r.status,
        )
        for r in rows
    ]
    assert len(got) == len(expected) and set(got) == expected
    assert {"failed", "success", "running"} <= {r.status for r in rows}
    # Details: queue time and executor of numbered jobs; approval jobs have neither.
    held = {j.id: j for *_, j in _jobs(fake, since)}
    for row in rows:
        job = held[row.job_id]
        if job.number is None:
            assert (row.type, row.queued, row.executor) == ("approval", None, None)
            continue
        assert (row.executor, row.resource_class) == (job.executor_type, job.resource_class)
        assert row.queued == job.created_at
        assert row.queue_seconds == (job.started_at - job.created_at).total_seconds()
        expected_duration = job.duration_ms and job.duration_ms / 1000
        assert row.duration_seconds == pytest.approx(expected_duration)
    [failure] = stream.failures
    assert failure.slug == ABSENT and isinstance(failure.error, NotFoundError)
    lines = _request_lines(fake)
    assert len(lines) == len(set(lines)), "no request is made twice"


async def test_test_rows_hold_every_test_result_and_a_job_whose_tests_fail_is_reported() -> None:
    async with seeded_fake() as fake, fake.client(retry=ONE_TRY) as cci:
        since = _cutoff(fake)
        numbered = [(s, j) for s, _, _, j in _jobs(fake, since) if j.number is not None]
        broken_slug, broken = next((s, j) for s, j in numbered if len(j.tests) > 0)
        fake.fail_next(f"/project/{broken_slug}/{broken.number}/tests", status=404)
        stream = test_rows(cci, [ABSENT, *slugs(fake)], since=since)
        async with stream:
            rows = [row async for row in stream]

    expected = Counter(
        (slug, job.number, t.classname, t.name, t.file, t.result, t.run_time, t.message)
        for slug, job in numbered
        if job is not broken
        for t in job.tests
    )
    got = Counter(
        (
            r.project,
            r.job_number,
            r.classname,
            r.name,
            r.file,
            r.result,
            r.run_time_seconds,
            r.message,
        )
        for r in rows
    )
    assert got == expected
    assert len({r.project for r in rows}) == 3
    failed = [r for r in rows if r.failed]
    assert failed and all(r.result == "failure" and r.message for r in failed)
    assert len(failed) == sum(1 for k, n in expected.items() if k[5] == "failure" for _ in range(n))
    project_failure, job_failure = sorted(stream.failures, key=lambda f: f.job is not None)
    assert project_failure.slug == ABSENT and isinstance(project_failure.error, NotFoundError)
    assert job_failure.job is not None and isinstance(job_failure.error, NotFoundError)
    assert (job_failure.slug, job_failure.job.job_number) == (broken_slug, broken.number)


async def test_a_job_without_test_metadata_gives_no_rows_and_no_failure() -> None:
    async with FakeCircleCI(seed=3, page_size=2) as fake, fake.client(retry=ONE_TRY) as cci:
        from aiocircle.testing import Dataset

        fake.populate(Dataset(projects=2, pipelines_per_project=3, tests_per_job=0))
        stream = test_rows(cci, slugs(fake), since=None)
        async with stream:
            rows = [row async for row in stream]
    assert rows == [] and stream.ok


def _add_flake(fake: FakeCircleCI, slug: str) -> tuple[str, str]:
    """Make one test of one job of `slug` pass and fail on the same commit."""
    project = fake.state.project(slug)
    job = next(
        j for p in project.pipelines for w in p.workflows for j in w.jobs if j.tests and j.number
    )
    test = job.tests[0]
    result = "failure" if test.result == "success" else "success"
    fake.state.add_test_result(
        job, test.name, classname=test.classname, file=test.file, result=result
    )
    return slug, test.name


def _flaky_expected(fake: FakeCircleCI) -> Counter[tuple[str, str, str]]:
    """Per project, the tests that passed and failed on one commit (workflow, job, test)."""
    found: Counter[tuple[str, str, str]] = Counter()
    for project in fake.state.projects.values():
        results: dict[tuple[Any, ...], set[str]] = {}
        for pipeline in project.pipelines:
            for workflow in pipeline.workflows:
                for job in workflow.jobs:
                    for t in job.tests:
                        key = (pipeline.revision, workflow.name, job.name, t.classname, t.name)
                        results.setdefault(key, set()).add(t.result)
        for key, seen in results.items():
            if "success" in seen and seen & {"failure", "error"}:
                found[(project.slug, key[2], key[4])] += 1
    return found


async def test_flaky_tests_merge_the_projects_insights() -> None:
    async with seeded_fake() as fake, fake.client(retry=ONE_TRY) as cci:
        flakes = [_add_flake(fake, slug) for slug in slugs(fake)[:2]]
        stream = flaky_tests(cci, [*slugs(fake), ABSENT])
        async with stream:
            rows = [row async for row in stream]

    assert all(isinstance(r, FlakyTestRow) for r in rows)
    assert Counter((r.project, r.job, r.test) for r in rows) == _flaky_expected(fake)
    assert {(r.project, r.test) for r in rows} >= set(flakes)
    assert [f.slug for f in stream.failures] == [ABSENT]


async def test_parquet_read_back_equals_the_json_lines(tmp_path: Path) -> None:
    async with seeded_fake() as fake, fake.client(retry=ONE_TRY) as cci:
        since = _cutoff(fake)
        out = io.StringIO()
        await write_jsonl(job_rows(cci, slugs(fake), since=since, details=True), out)
        target = tmp_path / "jobs.parquet"
        count = await write_parquet(
            job_rows(cci, slugs(fake), since=since, details=True),
            target,
            row_type=JobRow,
            batch_rows=7,  # several row groups
        )
        tests_target = tmp_path / "tests.parquet"
        tests_out = io.StringIO()
        await write_jsonl(test_rows(cci, slugs(fake), since=since), tests_out)
        await write_parquet(
            test_rows(cci, slugs(fake), since=since), tests_target, row_type=TestRow
        )

    for jsonl, parquet in ((out, target), (tests_out, tests_target)):
        from_json = [json.loads(line) for line in jsonl.getvalue().splitlines()]
        table = pq.read_table(parquet)
        from_parquet = [
            {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}
            for row in table.to_pylist()
        ]
        key = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731
        assert sorted(from_parquet, key=key) == sorted(from_json, key=key)
    assert count == len(out.getvalue().splitlines())
    assert pq.ParquetFile(target).num_row_groups == -(-count // 7)
    assert pq.read_table(target).schema.names == list(JobRow.columns())


async def test_workflow_rows_name_their_pipeline_and_workflow_ids() -> None:
    async with seeded_fake() as fake, fake.client(retry=ONE_TRY) as cci:
        since = _cutoff(fake)
        out = io.StringIO()
        await write_csv(workflow_rows(cci, slugs(fake), since=since), out)
    expected = {(p.id, w.id) for _, p in _kept(fake, since) for w in p.workflows}
    lines = out.getvalue().splitlines()[1:]
    assert {tuple(line.split(",")[-2:]) for line in lines} == expected


async def test_insights_rows_per_workflow_and_job_and_branch_match_the_fake() -> None:
    async with seeded_fake() as fake, fake.client(retry=ONE_TRY) as cci:
        stream = insights_rows(
            cci,
            [*slugs(fake), ABSENT],
            branches=[None, "develop", ALL_BRANCHES],
            reporting_window="last-90-days",
        )
        async with stream:
            rows = [row async for row in stream]

    expected: dict[tuple[Any, ...], tuple[int, int]] = {}
    for project in fake.state.projects.values():
        for branch in (None, "develop", ALL_BRANCHES):
            on = project.default_branch if branch is None else branch
            workflows = [
                w
                for p in project.pipelines
                if on == ALL_BRANCHES or p.branch == on
                for w in p.workflows
            ]
            for name in {w.name for w in workflows}:
                runs = [w for w in workflows if w.name == name]
                ok = sum(1 for w in runs if w.status == "success")
                expected[(project.slug, branch, "workflow", name, None)] = (len(runs), ok)
                jobs = [j for w in runs for j in w.jobs if j.type == "build"]
                for job_name in {j.name for j in jobs}:
                    same = [j for j in jobs if j.name == job_name]
                    ok = sum(1 for j in same if j.status == "success")
                    expected[(project.slug, branch, "job", name, job_name)] = (len(same), ok)
    got = {
        (r.project, r.branch, r.kind, r.workflow, r.job): (r.total_runs, r.successful_runs)
        for r in rows
    }
    assert len(got) == len(rows)  # one row per project, branch, workflow and job
    assert got == expected
    assert {r.project for r in rows} == set(slugs(fake))
    assert all(0.0 <= r.success_rate <= 1.0 for r in rows)
    assert any(r.failed_runs for r in rows)
    assert [f.slug for f in stream.failures] == [ABSENT]


async def test_insights_rows_refuse_an_unknown_reporting_window() -> None:
    async with seeded_fake() as fake, fake.client(retry=ONE_TRY) as cci:
        with pytest.raises(ValueError, match="reporting_window"):
            insights_rows(cci, slugs(fake), reporting_window="last-year")
        assert sum(fake.stats.counts.values()) == 0


async def test_until_skips_newer_pipelines_and_since_stops_the_walk() -> None:
    async with seeded_fake() as fake, fake.client(retry=ONE_TRY) as cci:
        since = _cutoff(fake)
        newest = max(p.created_at for p in fake.state.pipelines.values())
        until = newest - timedelta(seconds=1)
        stream = job_rows(cci, slugs(fake), since=since, until=until)
        async with stream:
            rows = [row async for row in stream]
        with pytest.raises(ValueError, match="until must not be before since"):
            job_rows(cci, slugs(fake), since=until, until=since)
        with pytest.raises(ValueError, match="until must be a timezone-aware"):
            job_rows(cci, slugs(fake), since=None, until=until.replace(tzinfo=None))

    expected = {
        (slug, p.number, j.name) for slug, p, _, j in _jobs(fake, since) if p.created_at <= until
    }
    skipped = {(slug, p.number) for slug, p, _, _ in _jobs(fake, since) if p.created_at > until}
    assert skipped and expected
    assert {(r.project, r.pipeline_number, r.job) for r in rows} == expected
    assert len(rows) == len(expected)
