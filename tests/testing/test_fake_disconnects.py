"""A client that leaves mid-download is a disconnect to the fake, not an error to log."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest

from aiocircle.testing import FakeCircleCI


async def _storage_url(fake: FakeCircleCI) -> str:
    state = fake.state
    project = state.add_project("gh/acme/leaving")
    workflow = state.add_workflow(state.add_pipeline(project), "w")
    job = state.add_job(workflow, "build")
    state.add_artifact(job, "big.bin", size=8_000_000)
    async with fake.client() as cci:
        (artifact,) = await cci.artifacts.list(project.slug, job.number or 0).collect()
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            artifact.url, headers={"Circle-Token": fake.token}, allow_redirects=False
        ) as redirect,
    ):
        assert redirect.status == 302
        return redirect.headers["Location"]


async def _until_idle(fake: FakeCircleCI) -> None:
    for _ in range(1000):
        if fake.stats.in_flight["storage"] == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the storage request never finished")


def _logged_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


async def test_leaving_before_the_headers_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    async with FakeCircleCI(latency=0.3) as fake:
        location = await _storage_url(fake)
        async with aiohttp.ClientSession() as session:
            request = asyncio.ensure_future(session.get(location))
            for _ in range(1000):  # wait until the fake holds it in its latency wait
                if fake.stats.in_flight["storage"]:
                    break
                await asyncio.sleep(0.001)
            request.cancel()
            with pytest.raises(asyncio.CancelledError):
                await request
        await _until_idle(fake)
    assert _logged_errors(caplog) == []
    assert "Cannot write to closing transport" not in caplog.text


async def test_leaving_mid_body_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    async with FakeCircleCI() as fake:
        location = await _storage_url(fake)
        async with aiohttp.ClientSession() as session:
            response = await session.get(location)
            assert len(await response.content.readexactly(65536)) == 65536
            response.close()  # drops the connection with most of the body unsent
        await _until_idle(fake)
    assert _logged_errors(caplog) == []
    assert "Cannot write to closing transport" not in caplog.text
