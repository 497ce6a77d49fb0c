"""The fake's usage exports: created, processing at the first poll, completed at the second
with gzipped CSV parts on the storage listener (one row per build job in the window)."""

from __future__ import annotations

import csv
import gzip
import io
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from aiohttp import web

from . import _insights as ins
from ._calls import V2, Call, RouteSpec
from ._http import HttpError, json_response
from ._render import dumps
from ._state import Job, NotFound, Organization, State, iso
from ._tagapi import TagApi

#: The spec: `end` "must be no more than 31 days after `start`".
MAX_WINDOW = timedelta(days=31)
#: How many CSV files a completed export offers.
PARTS = 3
COLUMNS = (
    "ORGANIZATION_ID",
    "ORGANIZATION_NAME",
    "PROJECT_ID",
    "PROJECT_NAME",
    "VCS_BRANCH",
    "PIPELINE_ID",
    "PIPELINE_NUMBER",
    "WORKFLOW_ID",
    "WORKFLOW_NAME",
    "JOB_ID",
    "JOB_NAME",
    "JOB_RUN_NUMBER",
    "JOB_RUN_STARTED_AT",
    "JOB_RUN_STOPPED_AT",
    "JOB_BUILD_STATUS",
    "RESOURCE_CLASS",
    "EXECUTOR",
    "PARALLELISM",
    "JOB_RUN_SECONDS",
    "COMPUTE_CREDITS",
    "TOTAL_CREDITS",
)
_BODY_KEYS = frozenset({"start", "end", "shared_org_ids"})
_STEPS = {"created": "processing", "processing": "completed"}


@attrs.define(eq=False)
class UsageExportJob:
    id: str
    organization: Organization
    start: datetime
    end: datetime
    shared_org_ids: tuple[str, ...]
    state: str = "created"
    error_reason: str | None = None
    #: Object names of the CSV parts on the storage listener, once completed.
    parts: list[str] = attrs.Factory(list)


class UsageExports:
    """The usage exports the fake knows, by id."""

    def __init__(self, state: State) -> None:
        self._state = state
        self.jobs: dict[str, UsageExportJob] = {}
        #: Per organization id, the creations and status checks answered (CircleCI limits
        #: them to 10 an hour and 10 a minute): tests check a client stays under them.
        self.creations: Counter[str] = Counter()
        self.status_checks: Counter[str] = Counter()

    def create(
        self,
        organization: Organization,
        start: datetime,
        end: datetime,
        shared_org_ids: Sequence[str] = (),
    ) -> UsageExportJob:
        job = UsageExportJob(self._state.new_id(), organization, start, end, tuple(shared_org_ids))
        self.jobs[job.id] = job
        return job

    def fail(self, job: UsageExportJob, reason: str) -> None:
        """Make an export fail (as CircleCI's do, say, on an internal error)."""
        job.state, job.error_reason = "failed", reason

    def advance(self, job: UsageExportJob) -> None:
        """One poll's worth of progress: created → processing → completed (with its parts)."""
        following = _STEPS.get(job.state)
        if following == "completed":
            job.parts = [
                self._state.add_file(f"usage-{job.id}-{index}.csv.gz", data, "application/gzip")
                for index, data in enumerate(csv_parts(self._state, job))
            ]
        if following is not None:
            job.state = following


def usage_rows(state: State, export: UsageExportJob) -> list[list[str]]:
    """One row per build job of the org's projects that started in [start, end]."""
    orgs = {export.organization.id, *export.shared_org_ids}
    rows = []
    for project in state.projects.values():
        if project.organization.id not in orgs:
            continue
        for job in project.jobs.values():
            if job.type == "build" and export.start <= job.started_at <= export.end:
                rows.append(_row(job))
    return rows


def _row(job: Job) -> list[str]:
    workflow, project = job.workflows[0], job.project
    seconds = ins.job_duration(job)
    credits = ins.job_credits(job)
    return [
        project.organization.id,
        project.organization.name,
        project.id,
        project.name,
        job.pipeline.branch or "",
        job.pipeline.id,
        str(job.pipeline.number),
        workflow.id,
        workflow.name,
        job.id,
        job.name,
        str(job.number),
        iso(job.started_at),
        "" if job.stopped_at is None else iso(job.stopped_at),
        job.status,
        job.resource_class,
        job.executor_type,
        str(job.parallelism),
        "" if seconds is None else str(seconds),
        str(credits),
        str(credits),
    ]


def csv_parts(state: State, export: UsageExportJob) -> list[bytes]:
    """The rows split over `PARTS` gzipped CSV files, each with the header."""
    rows = usage_rows(state, export)
    size = -(-len(rows) // PARTS) or 1
    parts = []
    for index in range(PARTS):
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows[index * size : (index + 1) * size])
        # mtime=0: the same export gives the same bytes.
        parts.append(gzip.compress(text.getvalue().encode(), mtime=0))
    return parts


class UsageApi(TagApi):
    ROUTES = (
        RouteSpec(V2, "POST", "/organizations/{org_id}/usage_export_job", "create_export"),
        RouteSpec(
            V2,
            "GET",
            "/organizations/{org_id}/usage_export_job/{usage_export_job_id}",
            "get_export",
        ),
    )

    def _organization(self, call: Call) -> Organization:
        wanted = call.params["org_id"]
        for org in self.state.organizations.values():
            if org.id == wanted:
                return org
        raise NotFound("Organization does not exist.")

    async def create_export(self, call: Call) -> web.Response:
        """POST /organizations/{org_id}/usage_export_job {start, end, shared_org_ids}"""
        org = self._organization(call)
        body = await self.body(call)
        if not _BODY_KEYS.issuperset(body) or "start" not in body or "end" not in body:
            raise HttpError(400, "Unexpected request body provided.")
        start, end = _moment(body["start"]), _moment(body["end"])
        shared = body.get("shared_org_ids", [])
        if not isinstance(shared, list) or not all(map(_is_uuid, shared)):
            raise HttpError(400, "shared_org_ids must be a list of UUIDs.")
        if end <= start:
            raise HttpError(400, "start must be before end.")
        if end - start > MAX_WINDOW:
            raise HttpError(400, "end must be no more than 31 days after start.")
        if start < _one_year_before(self.state.now):
            raise HttpError(400, "start must be no more than one year ago.")
        exports = self.part(UsageExports)
        exports.creations[org.id] += 1
        job = exports.create(org, start, end, shared)
        return json_response(dumps(_export(job, [], with_window=True)), status=201)

    async def get_export(self, call: Call) -> web.Response:
        """GET /organizations/{org_id}/usage_export_job/{usage_export_job_id}"""
        org = self._organization(call)
        exports = self.part(UsageExports)
        exports.status_checks[org.id] += 1
        job = exports.jobs.get(call.params["usage_export_job_id"])
        if job is None or job.organization is not org:
            raise NotFound("Usage export not found.")
        exports.advance(job)
        body = _export(job, [self.presign_file(blob) for blob in job.parts], with_window=False)
        return json_response(dumps(body))


def _export(job: UsageExportJob, urls: list[str], *, with_window: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "usage_export_job_id": job.id,
        "state": job.state,
        "download_urls": urls,
    }
    if with_window:
        body["start"], body["end"] = iso(job.start), iso(job.end)
    if job.error_reason is not None:
        body["error_reason"] = job.error_reason
    return body


def _moment(value: object) -> datetime:
    if not isinstance(value, str):
        raise HttpError(400, "Unexpected request body provided.")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise HttpError(400, "Unexpected request body provided.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def _one_year_before(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - 1, day=28)
