"""The fake's job operations by job id: `POST /jobs/{job-id}/cancel` and the live-only
`GET /jobs/{job_id}`.

openapi.json does not describe `GET /jobs/{job_id}`; the fake answers the job-details shape
of `GET /project/{project-slug}/job/{job-number}` with the job's `id` and `type` added
(`number` is `null` for approval jobs). Code should not depend on more than that.
"""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from . import _render as render
from ._calls import V2, Call, RouteSpec
from ._http import HttpError, json_response
from ._state import Job, NotFound
from ._tagapi import TagApi


def job_by_id(job: Job) -> dict[str, Any]:
    """What `GET /jobs/{job_id}` answers for a job."""
    return {"id": job.id, "type": job.type, **render.job_details(job)}


class JobsApi(TagApi):
    ROUTES = (
        RouteSpec(V2, "POST", "/jobs/{job-id}/cancel", "cancel_job"),
        RouteSpec(V2, "GET", "/jobs/{job_id}", "get_job"),
    )

    def _job(self, raw: str) -> Job:
        try:
            uuid.UUID(raw)
        except ValueError:
            raise HttpError(400, "Invalid job ID: expected a UUID") from None
        found = self.state.jobs.get(raw)
        if found is None:
            raise NotFound("Job not found")
        return found

    async def cancel_job(self, call: Call) -> web.Response:
        """POST /jobs/{job-id}/cancel"""
        self.state.cancel_job(self._job(call.params["job-id"]), call.user)
        return json_response(render.message("Accepted."))

    async def get_job(self, call: Call) -> web.Response:
        """GET /jobs/{job_id}"""
        return json_response(render.dumps(job_by_id(self._job(call.params["job_id"]))))
