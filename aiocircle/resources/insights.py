"""``cci.insights``: metrics of workflows, jobs, branches and tests, checked before sending."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from .._core import ParamValue
from .._operations import operation
from .._pagination import Paginator
from .._slug import encode_segment, encode_slug
from ..models.insights import (
    FlakyTests,
    Granularity,
    InsightsBranches,
    JobMetrics,
    JobTimeseries,
    OrgSummary,
    ProjectWorkflowsPage,
    ReportingWindow,
    TestMetrics,
    WorkflowMetrics,
    WorkflowRun,
    WorkflowSummary,
)
from ._base import Resource

#: Insights keeps runs this long; the spec caps a start-date/end-date window at it too.
RETENTION = timedelta(days=90)

_VCS = frozenset({"gh", "github", "bb", "bitbucket", "circleci"})

Params = dict[str, ParamValue]


class Insights(Resource):
    @operation("getProjectWorkflowsPageData", "GET", "/insights/pages/{project-slug}/summary")
    async def project_summary(
        self,
        slug: str,
        *,
        reporting_window: ReportingWindow | str | None = None,
        branches: Sequence[str] | None = None,
        workflow_names: Sequence[str] | None = None,
    ) -> ProjectWorkflowsPage:
        """A project's totals, per workflow and per workflow and branch, with trends.
        ``GET /insights/pages/{project-slug}/summary``"""
        params: Params = {
            "reporting-window": _reporting_window(reporting_window),
            "branches": _names(branches, "branches"),
            "workflow-names": _names(workflow_names, "workflow_names"),
        }
        path = f"/insights/pages/{encode_slug(slug)}/summary"
        return await self._core.model(ProjectWorkflowsPage, "GET", path, params=params)

    @operation(
        "getJobTimeseries",
        "GET",
        "/insights/time-series/{project-slug}/workflows/{workflow-name}/jobs",
        paginated=True,
    )
    def job_timeseries(
        self,
        slug: str,
        workflow_name: str,
        *,
        branch: str | None = None,
        granularity: Granularity | str | None = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
    ) -> Paginator[JobTimeseries]:
        """Each job's metrics per day or hour (hourly points are kept 48 hours).
        ``GET /insights/time-series/{project-slug}/workflows/{workflow-name}/jobs``"""
        params: Params = {
            "branch": branch,
            "granularity": _choice(granularity, Granularity, "granularity"),
            **self._dates(start_date, end_date),
        }
        name = encode_segment(workflow_name, "workflow_name")
        path = f"/insights/time-series/{encode_slug(slug)}/workflows/{name}/jobs"
        return self._core.paginate(JobTimeseries, path, params=params)

    @operation("getOrgSummaryData", "GET", "/insights/{org-slug}/summary")
    async def org_summary(
        self,
        org_slug: str,
        *,
        reporting_window: ReportingWindow | str | None = None,
        project_names: Sequence[str] | None = None,
    ) -> OrgSummary:
        """An org's totals and trends, and each project's. ``GET /insights/{org-slug}/summary``"""
        params: Params = {
            "reporting-window": _reporting_window(reporting_window),
            "project-names": _names(project_names, "project_names"),
        }
        path = f"/insights/{_org_slug(org_slug)}/summary"
        return await self._core.model(OrgSummary, "GET", path, params=params)

    @operation("getAllInsightsBranches", "GET", "/insights/{project-slug}/branches")
    async def branches(self, slug: str, *, workflow_name: str | None = None) -> InsightsBranches:
        """The branches with runs, of the project or of one workflow.
        ``GET /insights/{project-slug}/branches``"""
        path = f"/insights/{encode_slug(slug)}/branches"
        params: Params = {"workflow-name": workflow_name}
        return await self._core.model(InsightsBranches, "GET", path, params=params)

    @operation("getFlakyTests", "GET", "/insights/{project-slug}/flaky-tests")
    async def flaky_tests(self, slug: str) -> FlakyTests:
        """Tests that passed and failed on the same commit, any branch.
        ``GET /insights/{project-slug}/flaky-tests``"""
        path = f"/insights/{encode_slug(slug)}/flaky-tests"
        return await self._core.model(FlakyTests, "GET", path)

    @operation(
        "getProjectWorkflowMetrics", "GET", "/insights/{project-slug}/workflows", paginated=True
    )
    def workflow_metrics(
        self,
        slug: str,
        *,
        branch: str | None = None,
        all_branches: bool = False,
        reporting_window: ReportingWindow | str | None = None,
    ) -> Paginator[WorkflowMetrics]:
        """Each workflow's metrics, on the default branch unless told.
        ``GET /insights/{project-slug}/workflows``"""
        params: Params = {
            **_branch_scope(branch, all_branches),
            "reporting-window": _reporting_window(reporting_window),
        }
        path = f"/insights/{encode_slug(slug)}/workflows"
        return self._core.paginate(WorkflowMetrics, path, params=params)

    @operation(
        "getProjectWorkflowRuns",
        "GET",
        "/insights/{project-slug}/workflows/{workflow-name}",
        paginated=True,
    )
    def workflow_runs(
        self,
        slug: str,
        workflow_name: str,
        *,
        branch: str | None = None,
        all_branches: bool = False,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
    ) -> Paginator[WorkflowRun]:
        """A workflow's recent runs, newest first.
        ``GET /insights/{project-slug}/workflows/{workflow-name}``"""
        params: Params = {
            **_branch_scope(branch, all_branches),
            **self._dates(start_date, end_date),
        }
        return self._core.paginate(WorkflowRun, self._workflow(slug, workflow_name), params=params)

    @operation(
        "getProjectWorkflowJobMetrics",
        "GET",
        "/insights/{project-slug}/workflows/{workflow-name}/jobs",
        paginated=True,
    )
    def job_metrics(
        self,
        slug: str,
        workflow_name: str,
        *,
        branch: str | None = None,
        all_branches: bool = False,
        reporting_window: ReportingWindow | str | None = None,
        job_name: str | None = None,
    ) -> Paginator[JobMetrics]:
        """Each job's metrics in a workflow; ``job_name`` keeps names containing it.
        ``GET /insights/{project-slug}/workflows/{workflow-name}/jobs``"""
        params: Params = {
            **_branch_scope(branch, all_branches),
            "reporting-window": _reporting_window(reporting_window),
            "job-name": job_name,
        }
        path = f"{self._workflow(slug, workflow_name)}/jobs"
        return self._core.paginate(JobMetrics, path, params=params)

    @operation(
        "getWorkflowSummary", "GET", "/insights/{project-slug}/workflows/{workflow-name}/summary"
    )
    async def workflow_summary(
        self,
        slug: str,
        workflow_name: str,
        *,
        branch: str | None = None,
        all_branches: bool = False,
    ) -> WorkflowSummary:
        """A workflow's metrics and trends.
        ``GET /insights/{project-slug}/workflows/{workflow-name}/summary``"""
        path = f"{self._workflow(slug, workflow_name)}/summary"
        params: Params = dict(_branch_scope(branch, all_branches))
        return await self._core.model(WorkflowSummary, "GET", path, params=params)

    @operation(
        "getProjectWorkflowTestMetrics",
        "GET",
        "/insights/{project-slug}/workflows/{workflow-name}/test-metrics",
    )
    async def test_metrics(
        self,
        slug: str,
        workflow_name: str,
        *,
        branch: str | None = None,
        all_branches: bool = False,
    ) -> TestMetrics:
        """Test metrics over a workflow's 10 most recent runs.
        ``GET /insights/{project-slug}/workflows/{workflow-name}/test-metrics``"""
        path = f"{self._workflow(slug, workflow_name)}/test-metrics"
        params: Params = dict(_branch_scope(branch, all_branches))
        return await self._core.model(TestMetrics, "GET", path, params=params)

    @staticmethod
    def _workflow(slug: str, workflow_name: str) -> str:
        name = encode_segment(workflow_name, "workflow_name")
        return f"/insights/{encode_slug(slug)}/workflows/{name}"

    def _dates(self, start: datetime | None, end: datetime | None) -> Params:
        """``start-date`` / ``end-date`` as the spec constrains them, checked on the client's
        clock: an end needs a start, start before end, at most 90 days apart, and no start
        before the 90 days Insights keeps."""
        if end is not None and start is None:
            raise ValueError("end_date needs a start_date (start-date must be given with end-date)")
        if start is None:
            return {}
        start = _aware(start, "start_date")
        now = datetime.fromtimestamp(self._core.clock.time(), UTC)
        if start < now - RETENTION:
            raise ValueError("start_date must be within the last 90 days (Insights keeps 90 days)")
        params: Params = {"start-date": _iso(start)}
        if end is not None:
            end = _aware(end, "end_date")
            if end <= start:
                raise ValueError("start_date must be before end_date")
            if end - start > RETENTION:
                raise ValueError("end_date can be at most 90 days after start_date")
            params["end-date"] = _iso(end)
        return params


def _choice(
    value: str | None, kind: type[ReportingWindow] | type[Granularity], what: str
) -> str | None:
    if value is None:
        return None
    allowed = [member.value for member in kind]
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}, not {value!r}")
    return str(value)


def _reporting_window(value: str | None) -> str | None:
    return _choice(value, ReportingWindow, "reporting_window")


def _branch_scope(branch: str | None, all_branches: bool) -> Params:
    # The spec: "Use either this parameter [all-branches] OR the branch name parameter."
    if all_branches and branch is not None:
        raise ValueError("use branch or all_branches, not both")
    if branch is not None and not branch.strip():
        raise ValueError("branch must not be empty")
    return {"all-branches": True} if all_branches else {"branch": branch}


def _names(values: Sequence[str] | None, what: str) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        raise TypeError(f"{what} is a sequence of names, not one string")
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError(f"{what} must be non-empty strings")
    return list(values)


def _org_slug(slug: str) -> str:
    parts = slug.split("/") if isinstance(slug, str) else []
    if len(parts) != 2 or not all(p.strip() for p in parts) or parts[0] not in _VCS:
        raise ValueError(f"malformed org slug {slug!r}: expected two segments like 'gh/org'")
    return "/".join(quote(part, safe="") for part in parts)


def _aware(moment: datetime, what: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{what} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None:
        raise ValueError(f"{what} must be timezone-aware (naive datetimes are ambiguous)")
    return moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
