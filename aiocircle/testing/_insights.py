"""Insights computed from the fake's own pipelines, workflows, jobs and test results.

Pure functions over `State`: what `cci.workflows` and `cci.pipelines` show is what these
count, so the numbers can be checked against the runs themselves. The definitions (kept
simple and written down in docs/insights.md):

- a run is a workflow; it is in a window when it was created within it, ending at the fake's
  clock (`State.now`); the default branch is the project's unless told or all branches;
- `successful_runs` have status success, `failed_runs` failed or error; `success_rate` is
  successful over total (0 without runs); `throughput` is total runs per day of the window;
- a duration is stop minus creation time (runs) or stop minus start (jobs), in whole seconds,
  of finished ones only; p95 is the nearest-rank percentile, the mean and median truncated;
- credits: a build job uses 10 credits a started minute on `medium` (see `CREDITS_PER_MINUTE`);
  a workflow, what its own jobs used (jobs carried over by a rerun count where they ran);
- a trend is this window's value over the window before's (0 when that one is 0).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

import attrs

from ._state import Job, Project, TestResult, Workflow

WINDOWS = {
    "last-24-hours": timedelta(hours=24),
    "last-7-days": timedelta(days=7),
    "last-30-days": timedelta(days=30),
    "last-60-days": timedelta(days=60),
    "last-90-days": timedelta(days=90),
}
RETENTION = WINDOWS["last-90-days"]
CREDITS_PER_MINUTE = {"small": 5, "medium": 10, "medium+": 15, "large": 20, "xlarge": 40}
FINAL_STATUSES = frozenset({"success", "failed", "error", "canceled", "unauthorized"})
FAILED_RUN = frozenset({"failed", "error"})
FAILED_JOB = frozenset({"failed", "infrastructure_fail", "timedout", "terminated-unknown"})
FAILED_TEST = frozenset({"failure", "error"})


@attrs.frozen
class Scope:
    """Which runs count: a window ending at `end`, and one branch (or all when `None`)."""

    end: datetime
    length: timedelta = RETENTION
    branch: str | None = None

    @property
    def start(self) -> datetime:
        return self.end - self.length

    @property
    def days(self) -> float:
        return self.length / timedelta(days=1)

    def before(self) -> Scope:
        """The window of the same length just before this one (for trends)."""
        return attrs.evolve(self, end=self.start)

    def holds(self, workflow: Workflow) -> bool:
        in_window = self.start < workflow.created_at <= self.end
        return in_window and (self.branch is None or workflow.pipeline.branch == self.branch)


def runs(project: Project, scope: Scope, name: str | None = None) -> list[Workflow]:
    """The project's workflows (of `name`, if given) in scope, oldest first."""
    found = [
        workflow
        for pipeline in project.pipelines
        for workflow in pipeline.workflows
        if (name is None or workflow.name == name) and scope.holds(workflow)
    ]
    return sorted(found, key=lambda w: (w.created_at, w.pipeline.number))


def run_status(workflow: Workflow) -> str | None:
    return workflow.status if workflow.status in FINAL_STATUSES else None


def run_duration(workflow: Workflow) -> int | None:
    if workflow.stopped_at is None:
        return None
    return int((workflow.stopped_at - workflow.created_at).total_seconds())


def job_duration(job: Job) -> int | None:
    return None if job.duration_ms is None else job.duration_ms // 1000


def job_credits(job: Job) -> int:
    if job.type != "build" or job.duration_ms is None:
        return 0
    return math.ceil(job.duration_ms / 60_000) * CREDITS_PER_MINUTE.get(job.resource_class, 10)


def own_jobs(workflow: Workflow) -> list[Job]:
    """The jobs that ran in this workflow (not those a rerun carried over)."""
    return [job for job in workflow.jobs if job.workflows[0] is workflow]


def run_credits(workflow: Workflow) -> int:
    return sum(job_credits(job) for job in own_jobs(workflow))


def is_approval(workflow: Workflow) -> bool:
    return any(job.type == "approval" for job in workflow.jobs)


def p95(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def durations(values: Sequence[int]) -> dict[str, int | float | None]:
    """min, mean, median, p95, max and standard deviation; all `None` for no values."""
    if not values:
        return dict.fromkeys(("min", "mean", "median", "p95", "max", "standard_deviation"))
    high = p95(values)
    return {
        "min": min(values),
        "mean": int(statistics.fmean(values)),
        "median": int(statistics.median(values)),
        "p95": None if high is None else int(high),
        "max": max(values),
        "standard_deviation": statistics.pstdev(values),
    }


def recoveries(workflows: Sequence[Workflow]) -> list[int]:
    """Seconds from the first failure of each failing streak to the success that ended it."""
    found: list[int] = []
    failed_at: datetime | None = None
    for workflow in workflows:
        status = run_status(workflow)
        if status in FAILED_RUN and failed_at is None:
            failed_at = workflow.stopped_at
        elif status == "success" and failed_at is not None and workflow.stopped_at is not None:
            found.append(int((workflow.stopped_at - failed_at).total_seconds()))
            failed_at = None
    return found


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def trend(now: float | None, before: float | None) -> float:
    return float(now) / float(before) if now is not None and before else 0.0


def run_metrics(workflows: Sequence[Workflow], scope: Scope) -> dict[str, object]:
    """The metrics of `getProjectWorkflowMetrics` (and, with more, of the summary)."""
    total = len(workflows)
    successful = sum(1 for w in workflows if run_status(w) == "success")
    failed = sum(1 for w in workflows if run_status(w) in FAILED_RUN)
    finished = [d for d in map(run_duration, workflows) if d is not None]
    healed = recoveries(workflows)
    return {
        "total_runs": total,
        "successful_runs": successful,
        "failed_runs": failed,
        "success_rate": _rate(successful, total),
        "throughput": total / scope.days,
        "mttr": int(statistics.fmean(healed)) if healed else None,
        "total_recoveries": len(healed),
        "total_credits_used": sum(map(run_credits, workflows)),
        "duration_metrics": durations(finished),
        "completed_runs": len(finished),
    }


def names(workflows: Iterable[Workflow]) -> list[str]:
    return sorted({w.name for w in workflows})


def branches(workflows: Iterable[Workflow]) -> list[str]:
    return sorted({w.pipeline.branch for w in workflows if w.pipeline.branch is not None})


def job_runs(
    workflows: Iterable[Workflow], keep: Callable[[Job], bool] = lambda job: True
) -> list[Job]:
    """Build jobs that ran in these workflows."""
    return [
        job
        for workflow in workflows
        for job in own_jobs(workflow)
        if job.type == "build" and keep(job)
    ]


def job_metrics(jobs: Sequence[Job], scope: Scope) -> dict[str, object]:
    total = len(jobs)
    successful = sum(1 for job in jobs if job.status == "success")
    finished = [d for d in map(job_duration, jobs) if d is not None]
    return {
        "total_runs": total,
        "failed_runs": sum(1 for job in jobs if job.status in FAILED_JOB),
        "successful_runs": successful,
        "success_rate": _rate(successful, total),
        "total_credits_used": sum(map(job_credits, jobs)),
        "throughput": total / scope.days,
        "duration_metrics": durations(finished),
    }


def summary_metrics(workflows: Sequence[Workflow], scope: Scope) -> dict[str, float]:
    """Totals of the Insights pages: runs, seconds, credits, success rate, throughput."""
    total = len(workflows)
    successful = sum(1 for w in workflows if run_status(w) == "success")
    return {
        "total_runs": total,
        "total_duration_secs": sum(d for d in map(run_duration, workflows) if d is not None),
        "total_credits_used": sum(map(run_credits, workflows)),
        "success_rate": _rate(successful, total),
        "throughput": total / scope.days,
    }


def brief_metrics(workflows: Sequence[Workflow]) -> dict[str, float]:
    total = len(workflows)
    successful = sum(1 for w in workflows if run_status(w) == "success")
    high = p95([d for d in map(run_duration, workflows) if d is not None])
    return {
        "total_credits_used": sum(map(run_credits, workflows)),
        "p95_duration_secs": float(high or 0),
        "total_runs": total,
        "success_rate": _rate(successful, total),
    }


def trends(now: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {key: trend(value, before.get(key)) for key, value in now.items()}


# --- tests ------------------------------------------------------------------------------------


TestKey = tuple[str, str, str, str]  # workflow name, job name, classname, test name


def test_key(job: Job, test: TestResult) -> TestKey:
    return job.workflows[0].name, job.name, test.classname, test.name


def flakes(project: Project) -> dict[tuple[str, TestKey], list[tuple[Job, TestResult]]]:
    """Per commit and test (of one workflow and job), its results, where the test both passed
    and failed on that commit."""
    seen: dict[tuple[str, TestKey], list[tuple[Job, TestResult]]] = {}
    for job in project.jobs.values():
        for test in job.tests:
            seen.setdefault((job.pipeline.revision, test_key(job, test)), []).append((job, test))
    return {
        key: results
        for key, results in seen.items()
        if any(t.result == "success" for _, t in results)
        and any(t.result in FAILED_TEST for _, t in results)
    }


def recent_runs(project: Project, name: str, branch: str | None, count: int = 10) -> list[Workflow]:
    """The `count` most recent runs of a workflow, newest first, on `branch` (or all)."""
    found = [
        workflow
        for pipeline in project.pipelines
        if branch is None or pipeline.branch == branch
        for workflow in pipeline.workflows
        if workflow.name == name
    ]
    found.sort(key=lambda w: (w.created_at, w.pipeline.number), reverse=True)
    return found[:count]
