"""Workflow reports across projects: one flat row per workflow, written as CSV or JSON Lines."""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import attrs

from .bulk import Bulk, MergedStream, OnError, WorkflowRecord, _closing

if TYPE_CHECKING:
    from ._client import CircleCI

__all__ = ["FIELDS", "WorkflowRow", "workflow_rows", "write_csv", "write_jsonl"]

FIELDS = (
    "project",
    "pipeline_number",
    "branch",
    "workflow",
    "status",
    "created",
    "stopped",
    "duration_seconds",
)
"""The columns of a report, in order: CSV header and JSON keys."""

Cell = str | int | float | None


class TextSink(Protocol):
    """Anything with ``write(str)``: a file opened in text mode, ``io.StringIO``, ``sys.stdout``."""

    def write(self, text: str, /) -> object: ...


@attrs.frozen(kw_only=True)
class WorkflowRow:
    """One workflow, flattened for a report.

    ``branch`` is ``None`` for pipelines without one (tag pipelines, API triggers without a
    branch). ``stopped`` and ``duration_seconds`` are ``None`` while the workflow runs;
    the duration runs from the workflow's creation to its stop.
    """

    project: str
    pipeline_number: int
    branch: str | None
    workflow: str
    status: str
    created: datetime
    stopped: datetime | None
    duration_seconds: float | None

    @classmethod
    def from_record(cls, record: WorkflowRecord) -> WorkflowRow:
        """The row of a record yielded by ``cci.bulk.workflows``."""
        workflow = record.workflow
        vcs = record.pipeline.vcs
        stopped = workflow.stopped_at
        return cls(
            project=record.slug,
            pipeline_number=record.pipeline.number,
            branch=vcs.branch if vcs is not None else None,
            workflow=workflow.name,
            status=str(workflow.status),
            created=workflow.created_at,
            stopped=stopped,
            duration_seconds=(
                (stopped - workflow.created_at).total_seconds() if stopped is not None else None
            ),
        )

    def to_dict(self) -> dict[str, Cell]:
        """The row as JSON-ready values keyed by :data:`FIELDS`; datetimes in ISO 8601."""
        return {
            "project": self.project,
            "pipeline_number": self.pipeline_number,
            "branch": self.branch,
            "workflow": self.workflow,
            "status": self.status,
            "created": self.created.isoformat(),
            "stopped": self.stopped.isoformat() if self.stopped is not None else None,
            "duration_seconds": self.duration_seconds,
        }


def workflow_rows(
    cci: CircleCI,
    slugs: Iterable[str],
    *,
    since: datetime | None,
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
        slugs, branch=branch, since=since, concurrency=concurrency, on_error=on_error
    )
    return stream.map(WorkflowRow.from_record)


async def write_csv(rows: AsyncIterable[WorkflowRow], file: TextSink) -> int:
    """Write a header and one CSV line per row; return the number of rows written.

    Empty cells stand for ``None``. Open files with ``newline=""``, as the ``csv`` module asks.
    """
    writer = csv.writer(file)
    writer.writerow(FIELDS)
    count = 0
    async with _closing(rows) as iterator:
        async for row in iterator:
            values = row.to_dict()
            writer.writerow([values[name] for name in FIELDS])
            count += 1
    return count


async def write_jsonl(rows: AsyncIterable[WorkflowRow], file: TextSink) -> int:
    """Write one JSON object per line per row; return the number of rows written."""
    count = 0
    async with _closing(rows) as iterator:
        async for row in iterator:
            file.write(json.dumps(row.to_dict(), ensure_ascii=False) + "\n")
            count += 1
    return count
