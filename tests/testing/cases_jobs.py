"""Conformance cases of the job operations in `aiocircle/testing/_api_jobs.py`.

`GET /jobs/{job_id}` is only in CircleCI's live list, so its case names the schema: the
job-details answer of openapi.json with the job's `id` and `type` added.
"""

from __future__ import annotations

import copy
from typing import Any

from conformance import Answers, case, expect_errors, first, success
from fake_api import Api

MISSING = "00000000-0000-4000-8000-000000000000"


def _job_by_id_schema() -> Any:
    schema = copy.deepcopy(success("GET", "/project/{project-slug}/job/{job-number}")[200])
    schema["properties"]["id"] = {"type": "string", "format": "uuid"}
    schema["properties"]["type"] = {"enum": ["build", "approval"]}
    schema["properties"]["number"] = {"type": ["integer", "null"]}
    schema["required"] = [*schema["required"], "id", "type"]
    return schema


def _jobs(api: Api) -> list[Any]:
    return [job for p in first(api).pipelines for w in p.workflows for job in w.jobs]


@case("POST /jobs/{job-id}/cancel")
async def _cancel(api: Api) -> Answers:
    running = next(j for j in _jobs(api) if j.status == "running")
    answers = [await api.call("POST", f"/jobs/{running.id}/cancel")]
    assert running.status == "canceled"
    expect_errors(
        "POST",
        "/jobs/{job-id}/cancel",
        [
            (404, await api.call("POST", f"/jobs/{MISSING}/cancel")),
            (400, await api.call("POST", "/jobs/not-a-uuid/cancel")),
        ],
    )
    return answers


@case("GET /jobs/{job_id}", status=200, schema=_job_by_id_schema())
async def _job(api: Api) -> Answers:
    answers = [await api.call("GET", f"/jobs/{job.id}") for job in _jobs(api)]
    assert any(body["type"] == "approval" for _, body in answers)
    expect_errors("GET", "/jobs/{job_id}", [(404, await api.call("GET", f"/jobs/{MISSING}"))])
    return answers
