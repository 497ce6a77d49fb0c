"""pytest plugin (entry point `aiocircle`): the `fake_circleci` fixture.

    async def test_lists_pipelines(fake_circleci):
        fake_circleci.populate(Dataset(projects=1))
        async with fake_circleci.client() as cci:
            ...

The fixture is function-scoped and async; it needs an asyncio runner such as pytest-asyncio.
With pytest-asyncio in its default strict mode, an async test that asks for `fake_circleci`
is marked `asyncio` here, so it runs without `asyncio_mode = "auto"` or a marker of its own.
A test that no runner picks up fails with a message saying what to set.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import AsyncIterator, Generator
from typing import TYPE_CHECKING, Any

import pytest

from ._server import FakeCircleCI

_HAS_PYTEST_ASYNCIO = importlib.util.find_spec("pytest_asyncio") is not None

if TYPE_CHECKING or _HAS_PYTEST_ASYNCIO:
    from pytest_asyncio import fixture as _fixture
else:  # another async runner (anyio, ...) collects plain async fixtures
    from pytest import fixture as _fixture

_FIXTURE = "fake_circleci"

NOT_RUN = (
    "{name} is an async test using fake_circleci, but no asyncio runner runs it. "
    "Install pytest-asyncio (pip install 'aiocircle[test]') and set, in pyproject.toml:\n"
    "    [tool.pytest.ini_options]\n"
    '    asyncio_mode = "auto"\n'
    '    asyncio_default_fixture_loop_scope = "function"\n'
    "or mark the test with @pytest.mark.asyncio (or @pytest.mark.anyio with anyio)."
)


def _asyncio_runner(config: pytest.Config) -> bool:
    """Whether pytest-asyncio is installed and loaded (not disabled with ``-p no:asyncio``),
    under whichever name it was loaded."""
    if not _HAS_PYTEST_ASYNCIO:
        return False
    import pytest_asyncio.plugin

    return config.pluginmanager.is_registered(pytest_asyncio.plugin)


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_pycollect_makeitem(
    collector: pytest.Module | pytest.Class, name: str, obj: object
) -> Generator[None, Any, Any]:
    """Mark async tests that use `fake_circleci` for pytest-asyncio.

    This wrapper sits inside pytest-asyncio's, so the marker is there when pytest-asyncio
    decides which collected functions it runs.
    """
    result = yield
    if not inspect.iscoroutinefunction(obj) or not _asyncio_runner(collector.config):
        return result
    items = result if isinstance(result, list) else [result]
    for item in items:
        if (
            isinstance(item, pytest.Function)
            and _FIXTURE in item.fixturenames
            and item.get_closest_marker("asyncio") is None
            and item.get_closest_marker("anyio") is None
        ):
            item.add_marker(pytest.mark.asyncio)
    return result


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail with what to set, rather than pytest's "async def functions are not natively
    supported", when an async test using the fixture would not be run by any runner."""
    if not isinstance(item, pytest.Function) or _FIXTURE not in item.fixturenames:
        return
    if not inspect.iscoroutinefunction(item.obj):
        return
    if item.get_closest_marker("anyio") is not None:
        return
    if _asyncio_runner(item.config) and item.get_closest_marker("asyncio") is not None:
        return
    pytest.fail(NOT_RUN.format(name=item.name), pytrace=False)


@_fixture
async def fake_circleci() -> AsyncIterator[FakeCircleCI]:
    """A started `FakeCircleCI(token="test-token")`, closed after the test."""
    async with FakeCircleCI(token="test-token") as fake:
        yield fake
