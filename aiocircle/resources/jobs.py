"""``cci.jobs``: job details, cancel, test results.

CircleCI's August 2026 spec no longer lists ``GET /project/{slug}/job/{number}`` and
``GET /project/{slug}/{number}/tests``; they still answer and our users depend on them,
but CircleCI may retire them. ``GET /jobs/{job_id}`` is the reverse: in the live list of
August 2026 but not in openapi.json, so no schema describes it yet.
"""

from __future__ import annotations

from typing import Any

from .._operations import operation
from .._pagination import Paginator
from .._slug import encode_segment, encode_slug, job_number
from ..models import JobDetails, MessageResponse, TestResult
from ._base import Resource


class Jobs(Resource):
    @operation("getJobDetails", "GET", "/project/{project-slug}/job/{job-number}")
    async def get(self, slug: str, number: int) -> JobDetails:
        """A job's details. ``GET /project/{project-slug}/job/{job-number}``"""
        return await self._core.model(JobDetails, "GET", self._path(slug, number))

    @operation(
        "cancelJobByJobNumber",
        "POST",
        "/project/{project-slug}/job/{job-number}/cancel",
        idempotent=True,
    )
    async def cancel(self, slug: str, number: int) -> MessageResponse:
        """Cancel a job. ``POST /project/{project-slug}/job/{job-number}/cancel``"""
        path = f"{self._path(slug, number)}/cancel"
        return await self._core.model(MessageResponse, "POST", path, idempotent=True)

    @operation("getTests", "GET", "/project/{project-slug}/{job-number}/tests", paginated=True)
    def tests(self, slug: str, number: int) -> Paginator[TestResult]:
        """A job's stored test results. ``GET /project/{project-slug}/{job-number}/tests``"""
        path = f"/project/{encode_slug(slug)}/{job_number(number)}/tests"
        return self._core.paginate(TestResult, path)

    @operation("cancelJobByJobID", "POST", "/jobs/{job-id}/cancel", idempotent=True)
    async def cancel_by_id(self, job_id: str) -> MessageResponse:
        """Cancel a job by its id (``WorkflowJob.id``). ``POST /jobs/{job-id}/cancel``

        Safe to retry: cancelling twice has the same effect as once.
        """
        path = f"/jobs/{encode_segment(job_id, 'job_id')}/cancel"
        return await self._core.model(MessageResponse, "POST", path, idempotent=True)

    @operation("getJob", "GET", "/jobs/{job_id}")
    async def get_by_id(self, job_id: str) -> dict[str, Any]:
        """A job by its id, as the decoded JSON object. ``GET /jobs/{job_id}``

        Only CircleCI's live operation list (August 2026) has this endpoint; openapi.json
        does not describe its answer, so it is returned untyped rather than guessed at.
        """
        path = f"/jobs/{encode_segment(job_id, 'job_id')}"
        return await self._core.model(dict[str, Any], "GET", path)

    @staticmethod
    def _path(slug: str, number: int) -> str:
        return f"/project/{encode_slug(slug)}/job/{job_number(number)}"
