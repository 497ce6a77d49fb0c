"""``job_rows``: one flat row per job of the projects' workflows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from ..bulk import Bulk, JobRecord, MergedStream, OnError
from ._rows import RowBase, seconds_between

if TYPE_CHECKING:
    from .._client import CircleCI


@attrs.frozen(kw_only=True)
class JobRow(RowBase):
    """One job of one workflow, flattened for a report.

    ``job_number`` is ``None`` for approval jobs. ``queued``, ``queue_seconds``
    (queued to started), ``executor`` and ``resource_class`` come from the job's details and
    are ``None`` unless the report was asked for them (``details=True``, ``--details``).
    ``duration_seconds`` runs from start to stop; ``None`` while the job runs. The jobs API
    gives no credits: the usage export does.
    """

    project: str
    pipeline_id: str
    pipeline_number: int
    branch: str | None
    workflow: str
    workflow_id: str
    job: str
    job_number: int | None
    job_id: str
    type: str
    status: str
    queued: datetime | None
    started: datetime | None
    stopped: datetime | None
    queue_seconds: float | None
    duration_seconds: float | None
    executor: str | None
    resource_class: str | None

    @classmethod
    def from_record(cls, record: JobRecord) -> JobRow:
        """The row of a record yielded by ``cci.bulk.jobs``."""
        job, details, vcs = record.job, record.details, record.pipeline.vcs
        queued = details.queued_at if details is not None else None
        return cls(
            project=record.slug,
            pipeline_id=record.pipeline.id,
            pipeline_number=record.pipeline.number,
            branch=vcs.branch if vcs is not None else None,
            workflow=record.workflow.name,
            workflow_id=record.workflow.id,
            job=job.name,
            job_number=job.job_number,
            job_id=job.id,
            type=str(job.type),
            status=str(job.status),
            queued=queued,
            started=job.started_at,
            stopped=job.stopped_at,
            queue_seconds=seconds_between(queued, job.started_at),
            duration_seconds=seconds_between(job.started_at, job.stopped_at),
            executor=details.executor.type if details is not None else None,
            resource_class=details.executor.resource_class if details is not None else None,
        )


JOB_FIELDS = JobRow.columns()
"""The columns of a job report, in order."""


def job_rows(
    cci: CircleCI,
    slugs: Iterable[str],
    *,
    since: datetime | None,
    until: datetime | None = None,
    branch: str | None = None,
    details: bool = False,
    concurrency: int = 8,
    on_error: OnError | None = None,
) -> MergedStream[JobRow]:
    """A :class:`JobRow` per job of the workflows :func:`workflow_rows` would report.

    One more request per workflow (its jobs) and, with ``details=True``, one per numbered
    job (queue time and executor). Failures are in the stream's ``failures``.
    """
    stream = Bulk(cci).jobs(
        slugs,
        branch=branch,
        since=since,
        until=until,
        details=details,
        concurrency=concurrency,
        on_error=on_error,
    )
    return stream.map(JobRow.from_record)
