"""``flaky_tests``: Insights' flaky tests of many projects, merged into one stream of rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from ..bulk import MergedStream, OnError
from ..models import FlakyTest
from ._rows import RowBase

if TYPE_CHECKING:
    from .._client import CircleCI


@attrs.frozen(kw_only=True)
class FlakyTestRow(RowBase):
    """One test Insights calls flaky (it passed and failed on one commit), where it last flaked.

    ``workflow_created`` is the string the API gives; ``time_wasted`` is the API's figure
    (seconds of reruns), ``None`` where it gives none.
    """

    project: str
    test: str
    classname: str | None
    file: str | None
    job: str
    job_number: int
    workflow: str
    workflow_id: str
    workflow_created: str
    pipeline_number: int
    times_flaked: int
    time_wasted: int | None

    @classmethod
    def from_flaky_test(cls, slug: str, test: FlakyTest) -> FlakyTestRow:
        """The row of one entry of ``cci.insights.flaky_tests(slug)``."""
        return cls(
            project=slug,
            test=test.test_name,
            classname=test.classname,
            file=test.file,
            job=test.job_name,
            job_number=test.job_number,
            workflow=test.workflow_name,
            workflow_id=test.workflow_id,
            workflow_created=test.workflow_created_at,
            pipeline_number=test.pipeline_number,
            times_flaked=test.times_flaked,
            time_wasted=test.time_wasted,
        )


FLAKY_FIELDS = FlakyTestRow.columns()
"""The columns of a flaky-test report, in order."""


def flaky_tests(
    cci: CircleCI,
    slugs: Iterable[str],
    *,
    concurrency: int = 8,
    on_error: OnError | None = None,
) -> MergedStream[FlakyTestRow]:
    """A :class:`FlakyTestRow` per flaky test of every project, one request per project
    (``GET /insights/{project-slug}/flaky-tests``); a project that fails is in ``failures``."""

    async def produce(slug: str, out: Any) -> None:
        found = await cci.insights.flaky_tests(slug)
        for test in found.flaky_tests:
            await out.emit(FlakyTestRow.from_flaky_test(slug, test))

    return MergedStream(slugs, produce, concurrency=concurrency, on_error=on_error)
