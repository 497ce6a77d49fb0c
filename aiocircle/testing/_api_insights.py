"""The fake's Insights routes: metrics computed from its own runs (see `_insights`)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from aiohttp import web

from . import _insights as ins
from ._calls import V2, Call, RouteSpec
from ._http import HttpError, json_response
from ._render import dumps
from ._state import Job, NotFound, Project, Workflow, iso
from ._tagapi import TagApi

#: Most branches `GET /insights/{project-slug}/branches` lists.
MAX_BRANCHES = 5000
#: Hourly timeseries points are kept 48 hours.
HOURLY_RETENTION = timedelta(hours=48)
_WORKFLOW = "/insights/{project-slug}/workflows/{workflow-name}"


class InsightsApi(TagApi):
    ROUTES = (
        RouteSpec(V2, "GET", "/insights/pages/{project-slug}/summary", "project_page"),
        RouteSpec(
            V2,
            "GET",
            "/insights/time-series/{project-slug}/workflows/{workflow-name}/jobs",
            "job_timeseries",
        ),
        RouteSpec(V2, "GET", "/insights/{org-slug}/summary", "org_summary"),
        RouteSpec(V2, "GET", "/insights/{project-slug}/branches", "branches"),
        RouteSpec(V2, "GET", "/insights/{project-slug}/flaky-tests", "flaky_tests"),
        RouteSpec(V2, "GET", "/insights/{project-slug}/workflows", "workflow_metrics"),
        RouteSpec(V2, "GET", _WORKFLOW, "workflow_runs"),
        RouteSpec(V2, "GET", _WORKFLOW + "/jobs", "job_metrics"),
        RouteSpec(V2, "GET", _WORKFLOW + "/summary", "workflow_summary"),
        RouteSpec(V2, "GET", _WORKFLOW + "/test-metrics", "test_metrics"),
    )

    # --- query parameters ----------------------------------------------------------------------

    def _scope(self, call: Call, project: Project, *, window: bool = True) -> ins.Scope:
        """The window (`reporting-window`) and branch (`branch` / `all-branches`) asked for."""
        query = call.request.query
        length = ins.RETENTION
        if window:
            name = query.get("reporting-window", "last-90-days")
            if name not in ins.WINDOWS:
                raise HttpError(400, f"Invalid reporting-window: {name}")
            length = ins.WINDOWS[name]
        all_branches = query.get("all-branches", "false")
        if all_branches not in ("true", "false"):
            raise HttpError(400, "all-branches is true or false")
        branch = query.get("branch")
        if all_branches == "true" and branch is not None:
            raise HttpError(400, "Use either all-branches or branch, not both")
        chosen = None if all_branches == "true" else (branch or project.default_branch)
        return ins.Scope(end=self.state.now, length=length, branch=chosen)

    def _dates(self, call: Call, retention: timedelta) -> tuple[datetime, datetime]:
        query = call.request.query
        start, end = _date(query.get("start-date")), _date(query.get("end-date"))
        if end is not None and start is None:
            raise HttpError(400, "start-date must be specified if an end-date is provided")
        now = self.state.now
        end = end or now + timedelta(microseconds=1)
        start = start or end - retention
        if end <= start:
            raise HttpError(400, "start-date must be before end-date")
        if end - start > ins.RETENTION:
            raise HttpError(400, "end-date can be at most 90 days after the start-date")
        return start, end

    def _workflow_runs(self, call: Call, project: Project) -> list[Workflow]:
        return ins.runs(project, self._scope(call, project), call.params["workflow-name"])

    # --- handlers ------------------------------------------------------------------------------

    async def workflow_metrics(self, call: Call) -> web.Response:
        """GET /insights/{project-slug}/workflows"""
        project = self.project(call)
        scope = self._scope(call, project)
        workflows = ins.runs(project, scope)
        items = [(name, [w for w in workflows if w.name == name]) for name in ins.names(workflows)]
        return self.page(call, items, lambda item: dumps(_workflow_item(project, scope, *item)))

    async def workflow_runs(self, call: Call) -> web.Response:
        """GET /insights/{project-slug}/workflows/{workflow-name} (newest first)"""
        project = self.project(call)
        scope = self._scope(call, project, window=False)
        start, end = self._dates(call, ins.RETENTION)
        # Scopes hold (start, end]; the dates ask for [start-date, end-date).
        tick = timedelta(microseconds=1)
        window = attrs.evolve(scope, end=end - tick, length=end - start)
        found = ins.runs(project, window, call.params["workflow-name"])
        return self.page(call, found[::-1], lambda w: dumps(_run(w)))

    async def job_metrics(self, call: Call) -> web.Response:
        """GET /insights/{project-slug}/workflows/{workflow-name}/jobs?job-name="""
        project = self.project(call)
        scope = self._scope(call, project)
        wanted = call.request.query.get("job-name") or ""
        jobs = ins.job_runs(self._workflow_runs(call, project), lambda job: wanted in job.name)
        names = sorted({job.name for job in jobs})
        items = [(name, [job for job in jobs if job.name == name]) for name in names]
        return self.page(call, items, lambda item: dumps(_job_item(scope, *item)))

    async def job_timeseries(self, call: Call) -> web.Response:
        """GET /insights/time-series/{project-slug}/workflows/{workflow-name}/jobs"""
        project = self.project(call)
        granularity = call.request.query.get("granularity", "daily")
        if granularity not in ("daily", "hourly"):
            raise HttpError(400, f"Invalid granularity: {granularity}")
        retention = HOURLY_RETENTION if granularity == "hourly" else ins.RETENTION
        start, end = self._dates(call, retention)
        branch = call.request.query.get("branch") or project.default_branch
        # Every run on the branch: a job counts by its own start, not its workflow's creation.
        scope = ins.Scope(end=self.state.now, length=ins.RETENTION * 100, branch=branch)
        jobs = ins.job_runs(
            ins.runs(project, scope, call.params["workflow-name"]),
            lambda job: start <= job.started_at < end,
        )
        groups: dict[tuple[str, datetime], list[Job]] = {}
        for job in jobs:
            groups.setdefault((job.name, _interval(job.started_at, granularity)), []).append(job)
        items = sorted(groups.items())
        return self.page(call, items, lambda item: dumps(_point(*item[0], item[1], granularity)))

    async def workflow_summary(self, call: Call) -> web.Response:
        """GET /insights/{project-slug}/workflows/{workflow-name}/summary (last 90 days)"""
        project = self.project(call)
        scope = self._scope(call, project, window=False)
        name = call.params["workflow-name"]
        now, before = ins.runs(project, scope, name), ins.runs(project, scope.before(), name)
        if not now:
            raise NotFound("Workflow not found")
        metrics, previous = ins.run_metrics(now, scope), ins.run_metrics(before, scope)
        body = {
            "metrics": {
                **{k: v for k, v in metrics.items() if k != "total_recoveries"},
                "window_start": iso(now[0].created_at),
                "window_end": iso(now[-1].created_at),
            },
            "trends": _summary_trends(metrics, previous),
            "workflow_names": ins.names(ins.runs(project, attrs.evolve(scope, branch=None))),
        }
        return json_response(dumps(body))

    async def test_metrics(self, call: Call) -> web.Response:
        """GET /insights/{project-slug}/workflows/{workflow-name}/test-metrics"""
        project = self.project(call)
        scope = self._scope(call, project, window=False)
        recent = ins.recent_runs(project, call.params["workflow-name"], scope.branch)
        return json_response(dumps(_test_metrics(project, recent)))

    async def flaky_tests(self, call: Call) -> web.Response:
        """GET /insights/{project-slug}/flaky-tests"""
        project = self.project(call)
        flakes = ins.flakes(project)
        items = []
        for index, (_, results) in enumerate(sorted(flakes.items(), key=lambda kv: kv[0])):
            failed = [(job, t) for job, t in results if t.result in ins.FAILED_TEST]
            job, test = max(failed, key=lambda pair: (pair[0].created_at, pair[0].number or 0))
            workflow = job.workflows[0]
            item: dict[str, Any] = {
                "workflow-created-at": iso(workflow.created_at),
                "workflow-id": workflow.id,
                "workflow-name": workflow.name,
                "pipeline-number": job.pipeline.number,
                "job-name": job.name,
                "job-number": job.number,
                "test-name": test.name,
                "classname": test.classname or None,
                "file": test.file or None,
                "source": test.source or None,
                "times-flaked": len(failed),
            }
            if index % 2 == 0:  # optional in the spec: present on every other flake
                item["time-wasted"] = int(sum(t.run_time for _, t in failed))
            items.append(item)
        unique = {key for _, key in flakes}
        return json_response(dumps({"flaky-tests": items, "total-flaky-tests": len(unique)}))

    async def branches(self, call: Call) -> web.Response:
        """GET /insights/{project-slug}/branches?workflow-name="""
        project = self.project(call)
        scope = ins.Scope(end=self.state.now)
        found = ins.branches(ins.runs(project, scope, call.request.query.get("workflow-name")))
        body = {
            "org_id": project.organization.id,
            "project_id": project.id,
            "branches": found[:MAX_BRANCHES],
        }
        return json_response(dumps(body))

    async def project_page(self, call: Call) -> web.Response:
        """GET /insights/pages/{project-slug}/summary?reporting-window=&branches=&workflow-names="""
        project = self.project(call)
        scope = attrs.evolve(self._scope(call, project), branch=None)
        wanted_branches = set(call.request.query.getall("branches", []))
        wanted_names = set(call.request.query.getall("workflow-names", []))
        now, before = ins.runs(project, scope), ins.runs(project, scope.before())
        workflow_data = []
        branch_data = []
        for name in ins.names(now):
            if wanted_names and name not in wanted_names:
                continue
            mine = [w for w in now if w.name == name]
            earlier = [w for w in before if w.name == name]
            workflow_data.append({"workflow_name": name, **_brief(mine, earlier)})
            for branch in ins.branches(mine):
                if wanted_branches and branch not in wanted_branches:
                    continue
                on = [w for w in mine if w.pipeline.branch == branch]
                was = [w for w in earlier if w.pipeline.branch == branch]
                branch_data.append({"workflow_name": name, "branch": branch, **_brief(on, was)})
        metrics = ins.summary_metrics(now, scope)
        body = {
            "org_id": project.organization.id,
            "project_id": project.id,
            "project_data": {
                "metrics": metrics,
                "trends": ins.trends(metrics, ins.summary_metrics(before, scope)),
            },
            "project_workflow_data": workflow_data,
            "project_workflow_branch_data": branch_data,
            "all_branches": ins.branches(now),
            "all_workflows": ins.names(now),
        }
        return json_response(dumps(body))

    async def org_summary(self, call: Call) -> web.Response:
        """GET /insights/{org-slug}/summary?reporting-window=&project-names="""
        slug = call.params["org-slug"]
        vcs, _, name = slug.partition("/")
        vcs = {"github": "gh", "bitbucket": "bb"}.get(vcs, vcs)
        org = self.state.organizations.get((vcs, name.lower()))
        if org is None:
            raise NotFound("Organization not found")
        projects = [p for p in self.state.projects.values() if p.organization is org]
        # The org has no default branch: every branch counts.
        scope = ins.Scope(end=self.state.now, length=self._scope_length(call))
        wanted = set(call.request.query.getall("project-names", []))
        all_now: list[Workflow] = []
        all_before: list[Workflow] = []
        project_data = []
        for project in projects:
            now, before = ins.runs(project, scope), ins.runs(project, scope.before())
            all_now += now
            all_before += before
            if wanted and project.name not in wanted:
                continue
            metrics = ins.summary_metrics(now, scope)
            metrics.pop("throughput")
            previous = ins.summary_metrics(before, scope)
            previous.pop("throughput")
            project_data.append(
                {
                    "project_name": project.name,
                    "metrics": metrics,
                    "trends": ins.trends(metrics, previous),
                }
            )
        metrics = ins.summary_metrics(all_now, scope)
        body = {
            "org_data": {
                "metrics": metrics,
                "trends": ins.trends(metrics, ins.summary_metrics(all_before, scope)),
            },
            "org_project_data": project_data,
            "all_projects": sorted(p.name for p in projects),
        }
        return json_response(dumps(body))

    @staticmethod
    def _scope_length(call: Call) -> timedelta:
        name = call.request.query.get("reporting-window", "last-90-days")
        if name not in ins.WINDOWS:
            raise HttpError(400, f"Invalid reporting-window: {name}")
        return ins.WINDOWS[name]


def _date(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise HttpError(400, f"Invalid date-time: {text}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _interval(moment: datetime, granularity: str) -> datetime:
    moment = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return moment if granularity == "hourly" else moment.replace(hour=0)


def _workflow_item(
    project: Project, scope: ins.Scope, name: str, workflows: Sequence[Workflow]
) -> dict[str, Any]:
    metrics = ins.run_metrics(workflows, scope)
    metrics.pop("completed_runs")
    return {
        "name": name,
        "metrics": metrics,
        "window_start": iso(workflows[0].created_at),
        "window_end": iso(workflows[-1].created_at),
        "project_id": project.id,
    }


def _run(workflow: Workflow) -> dict[str, Any]:
    return {
        "id": workflow.id,
        "branch": workflow.pipeline.branch or "",
        "duration": ins.run_duration(workflow),
        "created_at": iso(workflow.created_at),
        "stopped_at": None if workflow.stopped_at is None else iso(workflow.stopped_at),
        "credits_used": ins.run_credits(workflow),
        "status": ins.run_status(workflow),
        "is_approval": ins.is_approval(workflow),
    }


def _job_item(scope: ins.Scope, name: str, jobs: Sequence[Job]) -> dict[str, Any]:
    starts = sorted(job.started_at for job in jobs)
    return {
        "name": name,
        "metrics": ins.job_metrics(jobs, scope),
        "window_start": iso(starts[0]),
        "window_end": iso(starts[-1]),
    }


def _point(name: str, start: datetime, jobs: Sequence[Job], granularity: str) -> dict[str, Any]:
    finished = [d for d in map(ins.job_duration, jobs) if d is not None]
    credits = [ins.job_credits(job) for job in jobs]
    ends = [job.stopped_at for job in jobs if job.stopped_at is not None]
    high = ins.p95(finished)
    per_day = 24 if granularity == "hourly" else 1
    return {
        "name": name,
        "min_started_at": iso(min(job.started_at for job in jobs)),
        "max_ended_at": iso(max(ends) if ends else max(job.started_at for job in jobs)),
        "timestamp": iso(start),
        "metrics": {
            "total_runs": len(jobs),
            "failed_runs": sum(1 for job in jobs if job.status in ins.FAILED_JOB),
            "successful_runs": sum(1 for job in jobs if job.status == "success"),
            "throughput": float(len(jobs) * per_day),
            "median_credits_used": int(statistics.median(credits)),
            "total_credits_used": sum(credits),
            "duration_metrics": {
                "min": min(finished) if finished else None,
                "median": int(statistics.median(finished)) if finished else None,
                "max": max(finished) if finished else None,
                "p95": None if high is None else int(high),
                "total": sum(finished) if finished else None,
            },
        },
    }


def _summary_trends(now: dict[str, Any], before: dict[str, Any]) -> dict[str, float]:
    def p(metrics: dict[str, Any], key: str) -> float | None:
        value = metrics["duration_metrics"][key]
        return None if value is None else float(value)

    keys = ("total_runs", "failed_runs", "success_rate", "total_credits_used", "mttr", "throughput")
    found = {key: ins.trend(now[key], before[key]) for key in keys}
    found["p95_duration_secs"] = ins.trend(p(now, "p95"), p(before, "p95"))
    found["median_duration_secs"] = ins.trend(p(now, "median"), p(before, "median"))
    return found


def _brief(now: Sequence[Workflow], before: Sequence[Workflow]) -> dict[str, Any]:
    metrics = ins.brief_metrics(now)
    return {"metrics": metrics, "trends": ins.trends(metrics, ins.brief_metrics(before))}


def _test_metrics(project: Project, recent: Sequence[Workflow]) -> dict[str, Any]:
    flaky = {key for _, key in ins.flakes(project)}
    per_test: dict[ins.TestKey, list[Any]] = {}
    test_runs: list[dict[str, Any]] = []
    for workflow in recent:
        counts = dict.fromkeys(("error", "failure", "skipped", "success"), 0)
        for job in ins.own_jobs(workflow):
            for test in job.tests:
                per_test.setdefault(ins.test_key(job, test), []).append(test)
                if test.result in counts:
                    counts[test.result] += 1
        total = sum(counts.values())
        test_runs.append(
            {
                "pipeline_number": workflow.pipeline.number,
                "workflow_id": workflow.id,
                "success_rate": counts["success"] / total if total else 0.0,
                "test_counts": {**counts, "total": total},
            }
        )
    metrics: list[dict[str, Any]] = []
    for key, tests in sorted(per_test.items()):
        _, job_name, classname, name = key
        metrics.append(
            {
                "test_name": name,
                "job_name": job_name,
                "classname": classname or None,
                "file": tests[0].file or None,
                "source": tests[0].source or None,
                "total_runs": len(tests),
                "failed_runs": sum(1 for t in tests if t.result in ins.FAILED_TEST),
                "p95_duration": ins.p95([t.run_time for t in tests]),
                "flaky": key in flaky,
            }
        )
    failing = sorted((m for m in metrics if m["failed_runs"]), key=lambda m: -int(m["failed_runs"]))
    slowest = sorted(metrics, key=lambda m: -float(m["p95_duration"] or 0.0))
    total_runs = sum(run["test_counts"]["total"] for run in test_runs)
    return {
        "average_test_count": total_runs // len(recent) if recent else 0,
        "most_failed_tests": failing[:10],
        "most_failed_tests_extra": max(0, len(failing) - 10),
        "slowest_tests": slowest[:10],
        "slowest_tests_extra": max(0, len(slowest) - 10),
        "total_test_runs": total_runs,
        "test_runs": test_runs,
    }
