"""``aiocircle report jobs|tests|flaky-tests`` against the fake over TCP: rows in every
format, a project that fails, the summary on stderr and the exit status."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from _harvest_helpers import fake_in_thread

from aiocircle.cli import main
from aiocircle.report import JOB_FIELDS, TEST_FIELDS, USAGE_FIELDS
from aiocircle.testing import Dataset, FakeCircleCI

PROJECTS = ["gh/acme/one", "gh/acme/two", "bb/acme/three"]
ABSENT = "gh/acme/absent"


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CIRCLECI_TOKEN", "CIRCLE_TOKEN", "CIRCLECI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCircleCI]:
    fake = FakeCircleCI(seed=5, page_size=3)
    fake.populate(
        Dataset(
            projects=PROJECTS,
            pipelines_per_project=4,
            failed_share=0.4,
            tests_per_job=2,
            flaky_share=0.05,
        )
    )
    with fake_in_thread(fake):
        yield fake


def run(capsys: pytest.CaptureFixture[str], fake: FakeCircleCI, *argv: str) -> tuple[int, str, str]:
    try:
        code = main([*argv, "--base-url", fake.base_url, "--token", fake.token])
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def held_jobs(fake: FakeCircleCI) -> list[tuple[str, int | None, str]]:
    return [
        (project.slug, job.number, job.status)
        for project in fake.state.projects.values()
        for pipeline in project.pipelines
        for workflow in pipeline.workflows
        for job in workflow.jobs
    ]


def test_report_jobs_csv_holds_every_job(
    fake: FakeCircleCI, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, fake, "report", "jobs", *PROJECTS, "--since", "2000-01-01")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(rows[0]) == JOB_FIELDS
    got = sorted((r["project"], int(r["job_number"]), r["status"]) for r in rows)
    assert got == sorted(held_jobs(fake))
    assert {r["status"] for r in rows} >= {"failed", "success"}
    summary = err.strip().splitlines()
    assert summary[-1].split()[:6] == ["jobs", str(len(rows)), "3", "of", "3", "0"]


def test_report_tests_failed_jsonl_with_a_missing_project_exits_1(
    fake: FakeCircleCI, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "failed.jsonl"
    code, out, err = run(
        capsys,
        fake,
        "report",
        "tests",
        ABSENT,
        *PROJECTS,
        "--since",
        "2000-01-01",
        "--failed",
        "--format",
        "jsonl",
        "--output",
        str(target),
        "--json",
    )
    assert code == 1 and out == ""
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    held = sorted(
        (project.slug, job.number, t.name)
        for project in fake.state.projects.values()
        for job in project.jobs.values()
        for t in job.tests
        if t.result == "failure"
    )
    assert held and sorted((r["project"], r["job_number"], r["name"]) for r in rows) == held
    assert all(set(r) == set(TEST_FIELDS) and r["failed"] for r in rows)
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"aiocircle: {ABSENT}: ") and "Traceback" not in err
    summary = json.loads(lines[-1])
    assert summary["report"] == "tests" and summary["rows"] == len(rows)
    assert summary["projects"] == 4 and summary["failed_projects"] == [ABSENT]
    assert [f["error_type"] for f in summary["failures"]] == ["NotFoundError"]


def test_report_flaky_tests_parquet(
    fake: FakeCircleCI, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "flaky.parquet"
    code, _, err = run(
        capsys,
        fake,
        "report",
        "flaky-tests",
        *PROJECTS,
        "--format",
        "parquet",
        "--output",
        str(target),
    )
    assert code == 0, err
    table = pq.read_table(target).to_pylist()
    # Flaky: a test that both passed and failed on one commit, in one workflow and job.
    held = set()
    for project in fake.state.projects.values():
        for job in project.jobs.values():
            results: dict[str, set[str]] = {}
            for t in job.tests:
                results.setdefault(t.name, set()).add(t.result)
            held |= {
                (project.slug, job.name, name) for name, seen in results.items() if len(seen) > 1
            }
    assert held and {(r["project"], r["job"], r["test"]) for r in table} == held
    assert len({r["project"] for r in table}) >= 2
    assert f"{len(table)} rows written to {target}" in err


def test_parquet_without_output_is_a_usage_error(
    fake: FakeCircleCI, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.reset_stats()
    code, _, err = run(
        capsys, fake, "report", "jobs", *PROJECTS, "--since", "2000-01-01", "--format", "parquet"
    )
    assert code == 2 and "--output" in err
    assert sum(fake.stats.counts.values()) == 0


def test_report_usage_writes_every_job_run_of_the_organization(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The command checks the window against the real clock: the data ends now.
    fake = FakeCircleCI(seed=6)
    fake.state.now = datetime.now(UTC)
    fake.populate(Dataset(projects=PROJECTS[:2], pipelines_per_project=3, tests_per_job=0))
    org = fake.state.project(PROJECTS[0]).organization
    since = (fake.state.now - timedelta(days=20)).isoformat()
    target = tmp_path / "usage.csv"
    with fake_in_thread(fake):
        code, _, err = run(
            capsys,
            fake,
            "report",
            "usage",
            org.id,
            "--since",
            since,
            "--poll-interval",
            "0.01",
            "--output",
            str(target),
        )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    held = sorted(
        job.id
        for project in fake.state.projects.values()
        if project.organization is org
        for job in project.jobs.values()
        if job.type == "build"
    )
    assert held and sorted(r["job_id"] for r in rows) == held
    assert tuple(rows[0]) == USAGE_FIELDS
    assert f"org {org.id}" in err


def test_report_usage_refuses_a_window_ending_before_it_starts(
    fake: FakeCircleCI, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys,
        fake,
        "report",
        "usage",
        "0a3c5b7e-9d1f-4e2a-8c6b-5f4d3e2a1b0c",
        "--since",
        "2026-03-01",
        "--until",
        "2026-02-01",
    )
    assert code == 2 and "--until must be after --since" in err


def test_report_insights_jsonl_per_branch(
    fake: FakeCircleCI, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        fake,
        "report",
        "insights",
        *PROJECTS,
        "--branch",
        "main",
        "--branch",
        "*",
        "--window",
        "last-30-days",
        "--no-jobs",
        "--format",
        "jsonl",
    )
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    expected = sorted(
        (project.slug, branch, workflow.name)
        for project in fake.state.projects.values()
        for branch in ("main", "*")
        for workflow in {
            w.name: w
            for p in project.pipelines
            if branch == "*" or p.branch == branch
            for w in p.workflows
        }.values()
    )
    assert sorted((r["project"], r["branch"], r["workflow"]) for r in rows) == expected
    assert {r["kind"] for r in rows} == {"workflow"}
