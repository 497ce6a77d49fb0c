"""Insights: metrics of a project's workflows, jobs, branches and tests over a time window.

CircleCI computes these from the runs it keeps (at most 90 days back). Counts are integers,
rates and trends floats; a duration statistic is ``None`` when no run of the group finished.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from .._converter import json_key
from ._base import Model


class ReportingWindow(enum.StrEnum):
    """The time windows the summary operations accept (``reporting-window``)."""

    LAST_24_HOURS = "last-24-hours"
    LAST_7_DAYS = "last-7-days"
    LAST_30_DAYS = "last-30-days"
    LAST_60_DAYS = "last-60-days"
    LAST_90_DAYS = "last-90-days"


class Granularity(enum.StrEnum):
    """The interval of job timeseries points."""

    DAILY = "daily"
    HOURLY = "hourly"


class WorkflowRunStatus(enum.StrEnum):
    """The final status of a workflow run as Insights reports it."""

    SUCCESS = "success"
    FAILED = "failed"
    ERROR = "error"
    CANCELED = "canceled"
    UNAUTHORIZED = "unauthorized"


@attrs.frozen(kw_only=True)
class DurationMetrics(Model):
    """Duration statistics, in seconds, of a group of runs; ``None`` when none finished."""

    min: int | None = None
    mean: int | None = None
    median: int | None = None
    p95: int | None = None
    max: int | None = None
    standard_deviation: float | None = None


@attrs.frozen(kw_only=True)
class WorkflowRunMetrics(Model):
    """A workflow's run counts, rates, credits and durations over the window."""

    total_runs: int
    successful_runs: int
    failed_runs: int
    success_rate: float
    throughput: float
    duration_metrics: DurationMetrics
    mttr: int | None = None
    total_credits_used: int | None = None
    total_recoveries: int | None = None


@attrs.frozen(kw_only=True)
class WorkflowMetrics(Model):
    """One workflow's metrics (``GET /insights/{project-slug}/workflows``)."""

    name: str
    metrics: WorkflowRunMetrics
    window_start: datetime
    window_end: datetime
    project_id: str


@attrs.frozen(kw_only=True)
class WorkflowRun(Model):
    """One recent run of a workflow; ``status`` is ``None`` while it has not finished."""

    id: str
    branch: str
    created_at: datetime
    credits_used: int
    is_approval: bool
    duration: int | None = None
    stopped_at: datetime | None = None
    status: WorkflowRunStatus | str | None = None


@attrs.frozen(kw_only=True)
class JobRunMetrics(Model):
    """A job's run counts, rates, credits and durations over the window."""

    total_runs: int
    failed_runs: int
    successful_runs: int
    success_rate: float
    total_credits_used: int
    throughput: float
    duration_metrics: DurationMetrics


@attrs.frozen(kw_only=True)
class JobMetrics(Model):
    """One job's metrics within a workflow."""

    name: str
    metrics: JobRunMetrics
    window_start: datetime
    window_end: datetime


@attrs.frozen(kw_only=True)
class TimeseriesDurations(Model):
    """Duration statistics, in seconds, of one timeseries interval."""

    min: int | None = None
    median: int | None = None
    max: int | None = None
    p95: int | None = None
    total: int | None = None


@attrs.frozen(kw_only=True)
class TimeseriesMetrics(Model):
    total_runs: int
    failed_runs: int
    successful_runs: int
    throughput: float
    median_credits_used: int
    total_credits_used: int
    duration_metrics: TimeseriesDurations


@attrs.frozen(kw_only=True)
class JobTimeseries(Model):
    """One job's metrics over one interval starting at ``timestamp``."""

    name: str
    min_started_at: datetime
    max_ended_at: datetime
    timestamp: datetime
    metrics: TimeseriesMetrics


@attrs.frozen(kw_only=True)
class WorkflowSummaryMetrics(Model):
    total_runs: int
    successful_runs: int
    failed_runs: int
    success_rate: float
    throughput: float
    window_start: datetime
    window_end: datetime
    duration_metrics: DurationMetrics
    mttr: int | None = None
    total_credits_used: int | None = None
    completed_runs: int | None = None


@attrs.frozen(kw_only=True)
class WorkflowTrends(Model):
    """Each metric of this window divided by the same metric of the window before."""

    total_runs: float
    failed_runs: float
    success_rate: float
    p95_duration_secs: float
    median_duration_secs: float
    total_credits_used: float
    mttr: float
    throughput: float


@attrs.frozen(kw_only=True)
class WorkflowSummary(Model):
    """A workflow's metrics and trends, and the names of the project's workflows."""

    metrics: WorkflowSummaryMetrics
    trends: WorkflowTrends
    workflow_names: list[str]


@attrs.frozen(kw_only=True)
class SummaryMetrics(Model):
    """Totals over a project's or an org's runs."""

    total_runs: int
    total_duration_secs: int
    total_credits_used: int
    success_rate: float
    throughput: float


@attrs.frozen(kw_only=True)
class SummaryTrends(Model):
    total_runs: float
    total_duration_secs: float
    total_credits_used: float
    success_rate: float
    throughput: float


@attrs.frozen(kw_only=True)
class SummaryData(Model):
    metrics: SummaryMetrics
    trends: SummaryTrends


@attrs.frozen(kw_only=True)
class BranchMetrics(Model):
    """Metrics of one workflow (or one workflow on one branch) of a project."""

    total_credits_used: int
    p95_duration_secs: float
    total_runs: int
    success_rate: float


@attrs.frozen(kw_only=True)
class BranchTrends(Model):
    total_credits_used: float
    p95_duration_secs: float
    total_runs: float
    success_rate: float


@attrs.frozen(kw_only=True)
class ProjectWorkflowData(Model):
    workflow_name: str
    metrics: BranchMetrics
    trends: BranchTrends


@attrs.frozen(kw_only=True)
class ProjectWorkflowBranchData(Model):
    workflow_name: str
    branch: str
    metrics: BranchMetrics
    trends: BranchTrends


@attrs.frozen(kw_only=True)
class ProjectWorkflowsPage(Model):
    """What the Insights page of a project shows: totals, per workflow, per branch."""

    org_id: str | None = None
    project_id: str | None = None
    project_data: SummaryData | None = None
    project_workflow_data: list[ProjectWorkflowData] | None = None
    project_workflow_branch_data: list[ProjectWorkflowBranchData] | None = None
    all_branches: list[str] | None = None
    all_workflows: list[str] | None = None


@attrs.frozen(kw_only=True)
class ProjectMetrics(Model):
    total_credits_used: int
    total_duration_secs: int
    total_runs: int
    success_rate: float


@attrs.frozen(kw_only=True)
class ProjectTrends(Model):
    total_credits_used: float
    total_duration_secs: float
    total_runs: float
    success_rate: float


@attrs.frozen(kw_only=True)
class OrgProjectData(Model):
    project_name: str
    metrics: ProjectMetrics
    trends: ProjectTrends


@attrs.frozen(kw_only=True)
class OrgSummary(Model):
    """An org's totals and trends, and each of its projects'."""

    org_data: SummaryData
    org_project_data: list[OrgProjectData]
    all_projects: list[str] | None = None


@attrs.frozen(kw_only=True)
class InsightsBranches(Model):
    """The branches Insights has runs for (at most 5,000)."""

    org_id: str
    project_id: str
    branches: list[str]


@attrs.frozen(kw_only=True)
class FlakyTest(Model):
    """A test that passed and failed on the same commit, with where it last flaked.

    ``workflow_created_at`` stays a string: the spec gives it no date-time format.
    """

    test_name: str = json_key("test-name")
    job_name: str = json_key("job-name")
    job_number: int = json_key("job-number")
    workflow_name: str = json_key("workflow-name")
    workflow_id: str = json_key("workflow-id")
    workflow_created_at: str = json_key("workflow-created-at")
    pipeline_number: int = json_key("pipeline-number")
    times_flaked: int = json_key("times-flaked")
    classname: str | None = None
    file: str | None = None
    source: str | None = None
    time_wasted: int | None = json_key("time-wasted", default=None)


@attrs.frozen(kw_only=True)
class FlakyTests(Model):
    flaky_tests: list[FlakyTest] = json_key("flaky-tests")
    total_flaky_tests: float = json_key("total-flaky-tests")


@attrs.frozen(kw_only=True)
class TestMetric(Model):
    """One test's runs, failures and 95th percentile duration (seconds)."""

    __test__ = False  # not a pytest class

    test_name: str
    job_name: str
    total_runs: int
    failed_runs: int
    flaky: bool
    p95_duration: float | None = None
    classname: str | None = None
    file: str | None = None
    source: str | None = None


@attrs.frozen(kw_only=True)
class TestCounts(Model):
    __test__ = False

    error: int
    failure: int
    skipped: int
    success: int
    total: int


@attrs.frozen(kw_only=True)
class TestRun(Model):
    """The test results of one workflow run."""

    __test__ = False

    pipeline_number: int
    workflow_id: str
    success_rate: float
    test_counts: TestCounts


@attrs.frozen(kw_only=True)
class TestMetrics(Model):
    """Test metrics over a workflow's 10 most recent runs."""

    __test__ = False

    average_test_count: int
    most_failed_tests: list[TestMetric]
    most_failed_tests_extra: int
    slowest_tests: list[TestMetric]
    slowest_tests_extra: int
    total_test_runs: int
    test_runs: list[TestRun]
