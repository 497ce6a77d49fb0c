"""``cci.jobs``: job details, cancel, test results.

CircleCI's August 2026 spec no longer lists ``GET /project/{slug}/job/{number}`` and
``GET /project/{slug}/{number}/tests``; they still answer and our users depend on them,
but CircleCI may retire them.
"""

from __future__ import annotations

from .._operations import operation
from .._pagination import Paginator
from .._slug import encode_slug, job_number
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

    @staticmethod
    def _path(slug: str, number: int) -> str:
        return f"/project/{encode_slug(slug)}/job/{job_number(number)}"
