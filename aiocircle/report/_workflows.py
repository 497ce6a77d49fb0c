"""``workflow_rows``: one flat row per workflow of the projects' pipelines."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from ..bulk import Bulk, MergedStream, OnError, WorkflowRecord
from ._rows import RowBase, seconds_between

if TYPE_CHECKING:
    from .._client import CircleCI


@attrs.frozen(kw_only=True)
class WorkflowRow(RowBase):
    """One workflow, flattened for a report.

    ``branch`` is ``None`` for pipelines without one (tag pipelines, API triggers without a
    branch). ``stopped`` and ``duration_seconds`` are ``None`` while the workflow runs;
    the duration runs from the workflow's creation to its stop. ``workflow_id`` is what
    ``aiocircle artifacts download --workflow ID`` takes.
    """

    project: str
    pipeline_number: int
    branch: str | None
    workflow: str
    status: str
    created: datetime
    stopped: datetime | None
    duration_seconds: float | None
    pipeline_id: str | None = None
    workflow_id: str | None = None

    @classmethod
    def from_record(cls, record: WorkflowRecord) -> WorkflowRow:
        """The row of a record yielded by ``cci.bulk.workflows``."""
        workflow = record.workflow
        vcs = record.pipeline.vcs
        return cls(
            project=record.slug,
            pipeline_number=record.pipeline.number,
            branch=vcs.branch if vcs is not None else None,
            workflow=workflow.name,
            status=str(workflow.status),
            created=workflow.created_at,
            stopped=workflow.stopped_at,
            duration_seconds=seconds_between(workflow.created_at, workflow.stopped_at),
            pipeline_id=record.pipeline.id,
            workflow_id=workflow.id,
        )


FIELDS = WorkflowRow.columns()
"""The columns of a workflow report, in order: CSV header and JSON keys."""


def workflow_rows(
    cci: CircleCI,
    slugs: Iterable[str],
    *,
    since: datetime | None,
    until: datetime | None = None,
    branch: str | None = None,
    concurrency: int = 8,
    on_error: OnError | None = None,
) -> MergedStream[WorkflowRow]:
    """A :class:`WorkflowRow` per workflow of the projects' pipelines created since ``since``.

    ``since`` is required (pass ``None`` explicitly for every pipeline ever) because a
    report over a project's whole history can take thousands of requests. Rows arrive as
    they are fetched, newest first within each project. The result is a
    :class:`~aiocircle.bulk.MergedStream`: projects that fail are in its ``failures``.
    """
    stream = Bulk(cci).workflows(
        slugs, branch=branch, since=since, until=until, concurrency=concurrency, on_error=on_error
    )
    return stream.map(WorkflowRow.from_record)
