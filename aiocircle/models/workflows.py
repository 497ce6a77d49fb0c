"""Workflows and the jobs listed in them."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from ._base import Model


class WorkflowStatus(enum.StrEnum):
    SUCCESS = "success"
    RUNNING = "running"
    NOT_RUN = "not_run"
    FAILED = "failed"
    ERROR = "error"
    FAILING = "failing"
    ON_HOLD = "on_hold"
    CANCELED = "canceled"
    UNAUTHORIZED = "unauthorized"


class JobStatus(enum.StrEnum):
    """Job statuses CircleCI documents; it adds more over time (``skipped`` in 2025)."""

    SUCCESS = "success"
    RUNNING = "running"
    NOT_RUN = "not_run"
    FAILED = "failed"
    RETRIED = "retried"
    QUEUED = "queued"
    NOT_RUNNING = "not_running"
    INFRASTRUCTURE_FAIL = "infrastructure_fail"
    TIMEDOUT = "timedout"
    ON_HOLD = "on_hold"
    TERMINATED_UNKNOWN = "terminated-unknown"
    BLOCKED = "blocked"
    SKIPPED = "skipped"
    CANCELED = "canceled"
    UNAUTHORIZED = "unauthorized"


class JobType(enum.StrEnum):
    BUILD = "build"
    APPROVAL = "approval"


@attrs.frozen(kw_only=True)
class Workflow(Model):
    id: str
    name: str
    status: WorkflowStatus | str
    created_at: datetime
    pipeline_id: str
    pipeline_number: int
    project_slug: str
    started_by: str | None = None
    stopped_at: datetime | None = None
    canceled_by: str | None = None
    errored_by: str | None = None
    tag: str | None = None
    auto_rerun_number: int | None = None
    max_auto_reruns: int | None = None


@attrs.frozen(kw_only=True)
class WorkflowJob(Model):
    """A job as listed in a workflow. Approval jobs have no ``job_number``."""

    id: str
    name: str
    project_slug: str
    status: JobStatus | str
    type: JobType | str
    dependencies: list[str] = attrs.field(factory=list)
    job_number: int | None = None
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    approval_request_id: str | None = None
    approved_by: str | None = None
    canceled_by: str | None = None
    requires: dict[str, list[str]] | None = None


@attrs.frozen(kw_only=True)
class RerunResponse(Model):
    """The id of the workflow a rerun started."""

    workflow_id: str
