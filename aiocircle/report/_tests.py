"""``test_rows``: one flat row per stored test result of the projects' jobs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from ..bulk import Bulk, MergedStream, OnError, TestRecord
from ._rows import RowBase

if TYPE_CHECKING:
    from .._client import CircleCI

FAILED_RESULTS = frozenset({"failure", "error", "failed"})
"""Test results that count as failed (JUnit's ``failure`` and ``error``, and ``failed``)."""


@attrs.frozen(kw_only=True)
class TestRow(RowBase):
    """One test result of one job, flattened for a report.

    ``failed`` is ``True`` when ``result`` is one of :data:`FAILED_RESULTS`, so failures are
    one filter away; ``run_time_seconds`` is the time the test reported.
    """

    __test__ = False  # not a pytest class

    project: str
    pipeline_id: str
    pipeline_number: int
    branch: str | None
    workflow: str
    workflow_id: str
    job: str
    job_number: int
    classname: str
    name: str
    file: str | None
    result: str
    failed: bool
    run_time_seconds: float
    message: str | None

    @classmethod
    def from_record(cls, record: TestRecord) -> TestRow:
        """The row of a record yielded by ``cci.bulk.tests``."""
        test, vcs = record.test, record.pipeline.vcs
        assert record.job.job_number is not None
        return cls(
            project=record.slug,
            pipeline_id=record.pipeline.id,
            pipeline_number=record.pipeline.number,
            branch=vcs.branch if vcs is not None else None,
            workflow=record.workflow.name,
            workflow_id=record.workflow.id,
            job=record.job.name,
            job_number=record.job.job_number,
            classname=test.classname,
            name=test.name,
            file=test.file,
            result=test.result,
            failed=test.result in FAILED_RESULTS,
            run_time_seconds=test.run_time,
            message=test.message,
        )


TEST_FIELDS = TestRow.columns()
"""The columns of a test report, in order."""


def test_rows(
    cci: CircleCI,
    slugs: Iterable[str],
    *,
    since: datetime | None,
    until: datetime | None = None,
    branch: str | None = None,
    concurrency: int = 8,
    on_error: OnError | None = None,
) -> MergedStream[TestRow]:
    """A :class:`TestRow` per stored test result of the jobs :func:`job_rows` would report.

    Jobs without test metadata give no rows; a job whose tests cannot be read is in the
    stream's ``failures`` and the report goes on.
    """
    stream = Bulk(cci).tests(
        slugs, branch=branch, since=since, until=until, concurrency=concurrency, on_error=on_error
    )
    return stream.map(TestRow.from_record)


test_rows.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
