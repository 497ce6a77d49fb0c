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


def _read_timeout(timeout: Timeout, *, streaming: bool) -> float | None:
    """Seconds a read may wait for data; a download's also bounds a silent body by ``idle``."""
    if not streaming or timeout.idle is None:
        return timeout.read
    return timeout.idle if timeout.read is None else min(timeout.read, timeout.idle)


def _client_timeout(timeout: Timeout, *, streaming: bool = False) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(
        total=None if streaming else timeout.total,
        sock_connect=timeout.connect,
        sock_read=_read_timeout(timeout, streaming=streaming),
    )


def transport_error(method: str, url: URL, exc: BaseException) -> TransportError:
    """Our error for an aiohttp or timeout failure of ``method url``."""
    path = url.path
    if isinstance(exc, aiohttp.ClientConnectorError):
        return TransportError(method, path, f"cannot connect: {exc.os_error}", request_sent=False)
    if isinstance(exc, asyncio.TimeoutError):
        return TransportError(method, path, "timed out")
    return TransportError(method, path, f"{type(exc).__name__}: {exc}")


class _Chunks:
    """A streaming body as it arrives (a plain iterator: an async generator per download
    costs the loop's bookkeeping of generators)."""

    def __init__(self, request: Request, content: aiohttp.StreamReader, read: float | None):
        self._request = request
        self._content = content
        self._read = read

    def __aiter__(self) -> _Chunks:
        return self

    async def __anext__(self) -> bytes:
        try:
            chunk = await self._content.readany()
        except TimeoutError as exc:
            if self._read is None:
                raise transport_error(self._request.method, self._request.url, exc) from None
            raise TransportError(
                self._request.method,
                self._request.url.path,
                f"download stalled: no data for {self._read:g} s",
            ) from None
        except aiohttp.ClientError as exc:
            raise transport_error(self._request.method, self._request.url, exc) from None
        if not chunk:
            raise StopAsyncIteration
        return chunk


class _AiohttpResponse:
    def __init__(
        self, request: Request, response: aiohttp.ClientResponse, read: float | None
    ) -> None:
        self._request = request
        self._read = read
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

    def iter_chunks(self) -> AsyncIterator[bytes]:
        return _Chunks(self._request, self._response.content, self._read)

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
        timeout = timeout or Timeout()
        self._timeouts = {
            streaming: _client_timeout(timeout, streaming=streaming) for streaming in (False, True)
        }
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
                timeout=self._timeouts[False],
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
                timeout=self._timeouts[request.streaming],
            )
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise transport_error(request.method, request.url, exc) from None
        read = self._timeouts[request.streaming].sock_read
        return _AiohttpResponse(request, response, read)

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
