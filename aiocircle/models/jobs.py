"""Job details, test results and artifacts."""

from __future__ import annotations

from datetime import datetime

import attrs

from ._base import Model
from .workflows import JobStatus


@attrs.frozen(kw_only=True)
class JobProject(Model):
    id: str
    slug: str
    name: str
    external_url: str | None = None


@attrs.frozen(kw_only=True)
class ParallelRun(Model):
    index: int
    status: str


@attrs.frozen(kw_only=True)
class LatestWorkflow(Model):
    id: str
    name: str


@attrs.frozen(kw_only=True)
class Executor(Model):
    resource_class: str
    type: str | None = None


@attrs.frozen(kw_only=True)
class PipelineRef(Model):
    id: str


@attrs.frozen(kw_only=True)
class JobMessage(Model):
    type: str
    message: str
    reason: str | None = None


@attrs.frozen(kw_only=True)
class JobContext(Model):
    """A context a job used (`JobDetails.contexts`); `cci.contexts` has the full `Context`."""

    name: str


@attrs.frozen(kw_only=True)
class JobOrganization(Model):
    """The organization of a job's project (`JobDetails.organization`)."""

    name: str


@attrs.frozen(kw_only=True)
class JobDetails(Model):
    """Details of one job (``GET /project/{slug}/job/{number}``)."""

    number: int
    name: str
    status: JobStatus | str
    web_url: str
    project: JobProject
    organization: JobOrganization
    pipeline: PipelineRef
    latest_workflow: LatestWorkflow
    executor: Executor
    parallelism: int
    created_at: datetime
    queued_at: datetime | None = None
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    duration: int | None = None
    parallel_runs: list[ParallelRun] = attrs.field(factory=list)
    messages: list[JobMessage] = attrs.field(factory=list)
    contexts: list[JobContext] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class TestResult(Model):
    """One test case from a job's stored test results."""

    __test__ = False  # not a pytest test class

    name: str
    classname: str
    result: str
    run_time: float
    file: str | None = None
    source: str | None = None
    message: str | None = None


@attrs.frozen(kw_only=True)
class Artifact(Model):
    """A file a job stored; ``url`` needs the token and redirects to storage."""

    path: str
    node_index: int
    url: str
