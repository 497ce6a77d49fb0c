"""The real client against FakeCircleCI over TCP: jobs by id (`cci.jobs.cancel_by_id`,
`get_by_id`)."""

from __future__ import annotations

import pytest
from _it_helpers import seeded_fake

from aiocircle import BadRequestError, NotFoundError

MISSING = "00000000-0000-4000-8000-000000000000"


async def test_a_job_cancelled_by_id_reads_back_cancelled_by_id_and_by_number() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        job = next(j for j in fake.state.jobs.values() if j.status == "running")
        answer = await cci.jobs.cancel_by_id(job.id)
        by_id = await cci.jobs.get_by_id(job.id)
        assert job.number is not None
        by_number = await cci.jobs.get(job.project.slug, job.number)

    assert answer.message == "Accepted."
    assert (by_id["id"], by_id["name"], by_id["status"]) == (job.id, job.name, "canceled")
    assert by_number.status == "canceled"
    assert job.canceled_by == fake.state.me.id


async def test_get_by_id_serves_approval_jobs_without_a_number() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        approval = next(j for j in fake.state.jobs.values() if j.type == "approval")
        found = await cci.jobs.get_by_id(approval.id)

    assert (found["type"], found["number"]) == ("approval", None)


async def test_unknown_and_malformed_job_ids_are_errors() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        with pytest.raises(NotFoundError):
            await cci.jobs.get_by_id(MISSING)
        with pytest.raises(NotFoundError):
            await cci.jobs.cancel_by_id(MISSING)
        with pytest.raises(BadRequestError):
            await cci.jobs.cancel_by_id("not-a-uuid")
