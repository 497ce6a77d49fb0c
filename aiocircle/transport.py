"""The transport seam: one method, ``send``, between the core and the network.

The core builds a :class:`Request`, hands it to ``Transport.send`` and gets back an open
:class:`Response` whose body it reads (whole, or in chunks for downloads) and then closes.
Redirects are never followed here: the core follows them, so it decides where the token
goes. :class:`AiohttpTransport` is the default and the only module that touches aiohttp;
a recording transport, a sync facade or another backend implements the same method.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import aiohttp
import attrs
from yarl import URL

from ._config import Timeout
from .errors import ClientClosedError, TransportError


@attrs.frozen(kw_only=True)
class Request:
    """One HTTP attempt, fully built: nothing is added to it after the core hands it over."""

    method: str
    url: URL
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    """Carries the token for CircleCI's own hosts, so it is never shown in a repr."""
    params: Sequence[tuple[str, str]] = ()
    """Query parameters in order; a key may repeat."""
    json: Any = attrs.field(default=None, repr=False)
    streaming: bool = False
    """A download: the body may be large and slow, so ``Timeout.total`` does not apply."""


@runtime_checkable
class Response(Protocol):
    """An open response: read its body once, in one of two ways, then close it."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    async def read(self, limit: int | None = None) -> bytes:
        """The body (at most ``limit`` bytes when given)."""
        ...

    def iter_chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives."""
        ...

    async def close(self) -> None:
        """Release the connection; safe to call twice."""
        ...


@runtime_checkable
class Transport(Protocol):
    """Sends one request and returns the open response, or raises :class:`TransportError`."""

    async def send(self, request: Request) -> Response: ...


def _client_timeout(timeout: Timeout, *, streaming: bool = False) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(
        total=None if streaming else timeout.total,
        sock_connect=timeout.connect,
        sock_read=timeout.read,
    )


def transport_error(method: str, url: URL, exc: BaseException) -> TransportError:
    """Our error for an aiohttp or timeout failure of ``method url``."""
    path = url.path
    if isinstance(exc, aiohttp.ClientConnectorError):
        return TransportError(method, path, f"cannot connect: {exc.os_error}", request_sent=False)
    if isinstance(exc, asyncio.TimeoutError):
        return TransportError(method, path, "timed out")
    return TransportError(method, path, f"{type(exc).__name__}: {exc}")


class _AiohttpResponse:
    def __init__(self, request: Request, response: aiohttp.ClientResponse) -> None:
        self._request = request
        self._response = response
        self.status = response.status
        self.headers: Mapping[str, str] = response.headers

    async def read(self, limit: int | None = None) -> bytes:
        try:
            if limit is None:
                return await self._response.read()
            return await self._response.content.read(limit)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise transport_error(self._request.method, self._request.url, exc) from None

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise transport_error(self._request.method, self._request.url, exc) from None

    async def close(self) -> None:
        self._response.release()


class AiohttpTransport:
    """An ``aiohttp.ClientSession``, owned or borrowed, with failures mapped to our errors."""

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None = None,
        pool_size: int = 100,
        timeout: Timeout | None = None,
        user_agent: str | None = None,
    ) -> None:
        self._session = session
        self._owns_session = session is None
        self._pool_size = pool_size
        self._timeout = timeout or Timeout()
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

    async def send(self, request: Request) -> Response:
        """Send one request without following redirects; the body is left to read."""
        try:
            response = await self.session.request(
                request.method,
                request.url,
                headers={**self._base_headers, **request.headers},
                params=list(request.params) or None,
                json=request.json,
                allow_redirects=False,
                timeout=_client_timeout(self._timeout, streaming=request.streaming),
            )
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise transport_error(request.method, request.url, exc) from None
        return _AiohttpResponse(request, response)

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
