"""``insights_rows``: Insights' workflow and job metrics of many projects, one row each."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from ..bulk import MergedStream, OnError, _closing
from ..models import DurationMetrics, JobMetrics, ReportingWindow, WorkflowMetrics
from ._rows import RowBase

if TYPE_CHECKING:
    from .._client import CircleCI


@attrs.frozen(kw_only=True)
class InsightsRow(RowBase):
    """One workflow's (``kind == "workflow"``, ``job`` ``None``) or one job's metrics over
    the reporting window, on ``branch`` (``None``: the project's default branch; ``"*"``:
    all branches).

    Durations are seconds; ``success_rate`` is 0 to 1; ``throughput`` is runs a day;
    ``mttr`` (mean time to recovery, seconds) is given for workflows only.
    """

    project: str
    branch: str | None
    kind: str
    workflow: str
    job: str | None
    window_start: datetime
    window_end: datetime
    total_runs: int
    successful_runs: int
    failed_runs: int
    success_rate: float
    throughput: float
    duration_min: int | None
    duration_median: int | None
    duration_mean: int | None
    duration_p95: int | None
    duration_max: int | None
    total_credits: int | None
    mttr: int | None

    @classmethod
    def of_workflow(cls, slug: str, branch: str | None, found: WorkflowMetrics) -> InsightsRow:
        """The row of one entry of ``cci.insights.workflow_metrics``."""
        m = found.metrics
        return cls(
            project=slug,
            branch=branch,
            kind="workflow",
            workflow=found.name,
            job=None,
            window_start=found.window_start,
            window_end=found.window_end,
            total_runs=m.total_runs,
            successful_runs=m.successful_runs,
            failed_runs=m.failed_runs,
            success_rate=m.success_rate,
            throughput=m.throughput,
            total_credits=m.total_credits_used,
            mttr=m.mttr,
            **_durations(m.duration_metrics),
        )

    @classmethod
    def of_job(cls, slug: str, branch: str | None, workflow: str, found: JobMetrics) -> InsightsRow:
        """The row of one entry of ``cci.insights.job_metrics``."""
        m = found.metrics
        return cls(
            project=slug,
            branch=branch,
            kind="job",
            workflow=workflow,
            job=found.name,
            window_start=found.window_start,
            window_end=found.window_end,
            total_runs=m.total_runs,
            successful_runs=m.successful_runs,
            failed_runs=m.failed_runs,
            success_rate=m.success_rate,
            throughput=m.throughput,
            total_credits=m.total_credits_used,
            mttr=None,
            **_durations(m.duration_metrics),
        )


def _durations(d: DurationMetrics) -> dict[str, int | None]:
    return {
        "duration_min": d.min,
        "duration_median": d.median,
        "duration_mean": d.mean,
        "duration_p95": d.p95,
        "duration_max": d.max,
    }


INSIGHTS_FIELDS = InsightsRow.columns()
"""The columns of an Insights report, in order."""

ALL_BRANCHES = "*"
"""Pass as a branch to :func:`insights_rows` for metrics over every branch."""


def insights_rows(
    cci: CircleCI,
    slugs: Iterable[str],
    *,
    branches: Iterable[str | None] = (None,),
    reporting_window: ReportingWindow | str | None = None,
    with_jobs: bool = True,
    concurrency: int = 8,
    on_error: OnError | None = None,
) -> MergedStream[InsightsRow]:
    """An :class:`InsightsRow` per workflow (and, ``with_jobs``, per job of each workflow) of
    every project, for every branch of ``branches`` (``None``: the default branch;
    :data:`ALL_BRANCHES`: all of them), over ``reporting_window`` (Insights' default: last
    90 days).

    Pages are read as the rows are written: ``GET /insights/{project-slug}/workflows``, then
    ``.../workflows/{workflow-name}/jobs`` per workflow. A project that fails is in
    ``failures``; a workflow whose job metrics fail is too, and the project goes on.
    """
    wanted = tuple(branches)
    for branch in wanted:
        if branch is not None and (not isinstance(branch, str) or not branch.strip()):
            raise ValueError(f"branches holds branch names or None, not {branch!r}")
    if reporting_window is not None:
        allowed = [window.value for window in ReportingWindow]
        if reporting_window not in allowed:
            raise ValueError(
                f"reporting_window must be one of {', '.join(allowed)}, not {reporting_window!r}"
            )

    async def produce(slug: str, out: Any) -> None:
        for branch in wanted:
            scope: dict[str, Any] = (
                {"all_branches": True} if branch == ALL_BRANCHES else {"branch": branch}
            )
            metrics = cci.insights.workflow_metrics(
                slug, reporting_window=reporting_window, **scope
            )
            async with _closing(metrics) as workflows:
                async for found in workflows:
                    await out.emit(InsightsRow.of_workflow(slug, branch, found))
                    if not with_jobs:
                        continue
                    try:
                        jobs = cci.insights.job_metrics(
                            slug, found.name, reporting_window=reporting_window, **scope
                        )
                        async with _closing(jobs) as listed:
                            async for job in listed:
                                await out.emit(InsightsRow.of_job(slug, branch, found.name, job))
                    except Exception as exc:
                        out.fail(exc)

    return MergedStream(slugs, produce, concurrency=concurrency, on_error=on_error)
