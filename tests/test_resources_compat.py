"""Large bodies through the mocked API, and a reminder to drop the aioresponses shim.

See ``tests/_aioresponses_compat.py`` for what the shim fixes and why.
"""

from __future__ import annotations

import json

import aiohttp
import pytest
from _aioresponses_compat import pass_stream_writer
from aioresponses import aioresponses
from bodies import ARTIFACT, BASE, ENCODED_SLUG, SLUG, page

from aiocircle import CircleCI

HIGH_WATER_MARK = 2 * 2**16  # aioresponses' StreamReader pauses reading above this


async def test_a_body_over_128_kib_round_trips_through_request(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    body = {"lines": [f"line {n}: " + "x" * 100 for n in range(2_000)]}
    raw = json.dumps(body).encode()
    assert len(raw) > HIGH_WATER_MARK
    mock_api.get(f"{BASE}/project/{ENCODED_SLUG}/1042/output", body=raw)

    result = await cci.request("GET", f"/project/{ENCODED_SLUG}/1042/output")

    assert result == body


async def test_an_artifact_page_over_128_kib_is_fully_typed(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    artifacts = [{**ARTIFACT, "path": f"reports/shard-{n:04d}.xml"} for n in range(1_500)]
    raw = json.dumps(page(artifacts)).encode()
    assert len(raw) > HIGH_WATER_MARK
    mock_api.get(f"{BASE}/project/{ENCODED_SLUG}/1042/artifacts", body=raw)

    listed = await cci.artifacts.list(SLUG, 1042).collect()

    assert [a.path for a in listed] == [a["path"] for a in artifacts]


async def test_aioresponses_still_needs_the_compat_shim() -> None:
    """When this fails, an aioresponses release fixed aiohttp 3.14 support: delete the shim.

    It checks both problems against plain aioresponses: without the shim a mocked
    response cannot be built, and with only the ``stream_writer`` fix a body over
    128 KiB trips ``pause_reading``.
    """
    url = "https://unpatched.example/body"
    async with aiohttp.ClientSession() as session:
        with aioresponses() as mocked:
            mocked.get(url, body=b"{}")
            with pytest.raises(TypeError, match="stream_writer"):
                await session.get(url)

        with pass_stream_writer(), aioresponses() as mocked:
            mocked.get(url, body=b"x" * (HIGH_WATER_MARK + 1))
            with pytest.raises(AssertionError):
                await session.get(url)
