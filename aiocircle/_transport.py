"""The one place that touches aiohttp: send a request, read the body, map failures.

Bodies are read in full before returning, so no response is held open across an
``await`` elsewhere; streaming downloads use :meth:`Transport.stream`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import attrs
from multidict import CIMultiDictProxy
from yarl import URL

from ._config import Timeout
from .errors import ClientClosedError, TransportError


@attrs.frozen
class RawResponse:
    """A fully read HTTP response."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes


class StreamedResponse:
    """An open response whose body is read in chunks (artifact downloads)."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status = response.status
        self.headers = response.headers

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives, so bytes received before a connection drops are kept."""
        async for chunk in self._response.content.iter_any():
            yield chunk

    async def read_some(self, limit: int) -> bytes:
        """Up to ``limit`` bytes of the body, e.g. for an error message."""
        return await self._response.content.read(limit)


def _client_timeout(timeout: Timeout, *, streaming: bool = False) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(
        total=None if streaming else timeout.total,
        sock_connect=timeout.connect,
        sock_read=timeout.read,
    )


def _transport_error(method: str, url: URL, exc: BaseException) -> TransportError:
    path = url.path
    if isinstance(exc, aiohttp.ClientConnectorError):
        return TransportError(method, path, f"cannot connect: {exc.os_error}", request_sent=False)
    if isinstance(exc, asyncio.TimeoutError):
        return TransportError(method, path, "timed out")
    return TransportError(method, path, f"{type(exc).__name__}: {exc}")


class Transport:
    """An ``aiohttp.ClientSession``, owned or borrowed, with failures mapped to our errors."""

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None,
        pool_size: int,
        timeout: Timeout,
        user_agent: str | None,
    ) -> None:
        self._session = session
        self._owns_session = session is None
        self._pool_size = pool_size
        self._timeout = timeout
        # A borrowed session keeps its own User-Agent unless the caller names one.
        self._base_headers = {"User-Agent": user_agent} if user_agent else {}

    @property
    def session(self) -> aiohttp.ClientSession:
        """The session, created on first use so the client can be built outside a loop."""
        if self._session is not None and self._session.closed:
            whose = "the aiohttp session" if self._owns_session else "the borrowed aiohttp session"
            raise ClientClosedError(f"{whose} is closed")
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                timeout=_client_timeout(self._timeout),
            )
        return self._session

    async def send(
        self,
        method: str,
        url: URL,
        *,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> RawResponse:
        """Send one request without following redirects and read the whole body."""
        try:
            async with self.session.request(
                method,
                url,
                headers={**self._base_headers, **headers},
                params=params,
                json=json,
                allow_redirects=False,
                timeout=_client_timeout(self._timeout),
            ) as response:
                body = await response.read()
                return RawResponse(response.status, response.headers, body)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _transport_error(method, url, exc) from None

    @asynccontextmanager
    async def stream(
        self,
        url: URL,
        *,
        headers: Mapping[str, str],
    ) -> AsyncIterator[StreamedResponse]:
        """GET ``url`` without following redirects and yield the open response for streaming.

        Failures while the body is read inside the ``async with`` surface as
        :class:`TransportError` too (a truncated body, a reset connection).
        """
        try:
            async with self.session.get(
                url,
                headers={**self._base_headers, **headers},
                allow_redirects=False,
                timeout=_client_timeout(self._timeout, streaming=True),
            ) as response:
                yield StreamedResponse(response)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _transport_error("GET", url, exc) from None

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
