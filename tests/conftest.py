"""Shared fixtures: a mocked CircleCI API (aioresponses) and a client pointed at it.

The session also records which `@operation` methods the tests call, for
`python -m aiocircle.testing coverage` (see aiocircle/testing/_coverage.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, NamedTuple

import pytest
from _aioresponses_compat import aioresponses_compat
from aioresponses import aioresponses
from bodies import BASE, TOKEN
from yarl import URL

from aiocircle import CircleCI, RetryPolicy
from aiocircle.testing import _coverage

_CALLED: set[str] = set()
_UNDO: list[Any] = []


def pytest_configure(config: pytest.Config) -> None:
    _UNDO.append(_coverage.instrument(_CALLED))


def pytest_sessionfinish(session: pytest.Session) -> None:
    # Only a run that collected tests speaks for them (not `--collect-only` or `-k nothing`).
    cache = getattr(session.config, "cache", None)
    if cache is not None and session.testscollected and not session.config.option.collectonly:
        cache.set(_coverage.CACHE_KEY, sorted(_CALLED))
    while _UNDO:
        _UNDO.pop()()


class SentRequest(NamedTuple):
    """One request the client handed to aiohttp, as aioresponses recorded it."""

    method: str
    url: URL
    kwargs: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.kwargs.get("headers") or {})

    @property
    def query(self) -> dict[str, str]:
        return dict(self.url.query)

    @property
    def json(self) -> Any:
        return self.kwargs.get("json")


@pytest.fixture
def mock_api() -> Iterator[aioresponses]:
    """An ``aioresponses`` mock with the aiohttp 3.14 compatibility shim applied."""
    with aioresponses_compat(), aioresponses() as mocked:
        yield mocked


class Sent:
    """What the client sent through the mocked API."""

    def __init__(self, mocked: aioresponses) -> None:
        self._mocked = mocked

    def __call__(self) -> list[SentRequest]:
        """Every request so far, grouped by method and URL in first-seen order."""
        return [
            SentRequest(method, url, call.kwargs)
            for (method, url), calls in self._mocked.requests.items()
            for call in calls
        ]

    def only(self) -> SentRequest:
        """The one request sent; fails if there were none or several."""
        requests = self()
        assert len(requests) == 1, f"expected exactly one request, got {requests}"
        return requests[0]


@pytest.fixture
def sent(mock_api: aioresponses) -> Sent:
    return Sent(mock_api)


@pytest.fixture
async def cci(mock_api: aioresponses) -> AsyncIterator[CircleCI]:
    """A client for the mocked API that never retries, so failures surface at once."""
    client = CircleCI(TOKEN, base_url=BASE, retry=RetryPolicy(max_attempts=1))
    yield client
    await client.close()
