"""pytest plugin (entry point `aiocircle`): the `fake_circleci` fixture.

    async def test_lists_pipelines(fake_circleci):
        fake_circleci.populate(Dataset(projects=1))
        async with fake_circleci.client() as cci:
            ...

The fixture is function-scoped and async; it needs an asyncio runner such as pytest-asyncio.
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from ._server import FakeCircleCI

if TYPE_CHECKING or importlib.util.find_spec("pytest_asyncio") is not None:
    from pytest_asyncio import fixture as _fixture
else:  # another async runner (anyio, ...) collects plain async fixtures
    from pytest import fixture as _fixture


@_fixture
async def fake_circleci() -> AsyncIterator[FakeCircleCI]:
    """A started `FakeCircleCI(token="test-token")`, closed after the test."""
    async with FakeCircleCI(token="test-token") as fake:
        yield fake
