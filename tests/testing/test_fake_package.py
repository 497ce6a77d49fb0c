"""aiocircle.testing as a package: its exports, the pytest plugin, `python -m`, `client()`."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from pathlib import Path

import aiohttp
import pytest

import aiocircle.testing
from aiocircle.testing import FakeCircleCI

ROOT = Path(__file__).parents[2]
ENV = dict(
    os.environ,
    PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    # Load exactly the plugins named below, whether or not aiocircle is installed.
    PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
)


def test_all_is_sorted_and_exports_what_it_names() -> None:
    names = aiocircle.testing.__all__
    assert names == sorted(names)
    assert all(hasattr(aiocircle.testing, name) for name in names)
    assert {"FakeCircleCI", "Dataset", "RateLimit", "Faults", "Knobs", "State"} <= set(names)


async def test_the_fixture_yields_a_started_fake(fake_circleci: FakeCircleCI) -> None:
    assert fake_circleci.token == "test-token"
    assert fake_circleci.base_url.startswith("http://127.0.0.1:")
    assert fake_circleci.base_url.endswith("/api/v2")


async def test_the_plugin_works_as_a_pytest_plugin(tmp_path: Path) -> None:
    (tmp_path / "test_uses_fixture.py").write_text(
        textwrap.dedent(
            """
            import aiohttp
            import pytest

            @pytest.mark.asyncio
            async def test_me(fake_circleci):
                async with aiohttp.ClientSession() as session:
                    async with session.get(
                        fake_circleci.base_url + "/me", headers={"Circle-Token": "test-token"}
                    ) as reply:
                        assert reply.status == 200
            """
        )
    )
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "pytest", "-q", "-W", "error", "-p", "no:cacheprovider"],
        *["-p", "pytest_asyncio.plugin", "-p", "aiocircle.testing.pytest_plugin"],
        *["-o", "asyncio_default_fixture_loop_scope=function"],
        str(tmp_path),
        cwd=tmp_path,
        env=ENV,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    assert b"1 passed" in output


async def test_python_m_runs_the_fake_and_prints_url_and_token(
    http: aiohttp.ClientSession,
) -> None:
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "aiocircle.testing", "--port", "0", "--seed", "3"],
        *["--projects", "gh/acme/web,bb/acme/api", "--token", "cli-token"],
        cwd=ROOT,
        env=ENV,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    printed: dict[str, str] = {}
    try:
        while "projects" not in printed:
            line = await asyncio.wait_for(process.stdout.readline(), timeout=20)
            assert line, "the process ended early"
            name, _, value = line.decode().strip().partition(": ")
            printed[name] = value
        assert printed["token"] == "cli-token"
        assert printed["projects"] == "gh/acme/web, bb/acme/api"
        url = printed["base_url"] + "/project/bb/acme/api/pipeline"
        async with http.get(url, headers={"Circle-Token": "cli-token"}) as reply:
            assert reply.status == 200
            assert len((await reply.json())["items"]) == 5
    finally:
        process.terminate()
        await process.wait()
    assert process.returncode == 0


async def test_client_is_an_aiocircle_client_for_the_fake(fake_circleci: FakeCircleCI) -> None:
    from aiocircle import CircleCI

    async with fake_circleci.client() as cci:
        assert isinstance(cci, CircleCI)


async def test_a_closed_fake_cannot_start_again() -> None:
    fake = FakeCircleCI()
    async with fake:
        pass
    with pytest.raises(RuntimeError):
        await fake.start()
    with pytest.raises(RuntimeError):
        _ = fake.base_url


async def test_a_busy_fixed_port_fails_to_start_cleanly(fake_circleci: FakeCircleCI) -> None:
    port = int(fake_circleci.base_url.split(":")[2].split("/")[0])
    with pytest.raises(OSError):
        await FakeCircleCI(port=port).start()
