"""The request pipeline every HTTP attempt goes through: auth, limiter, retries, typed errors.

Resources build a path and hand it here; retries, concurrency and pagination live
only in this module and the small pieces it composes. One method, :meth:`Core._attempt`,
sends every attempt (API v2, v1.1, the artifacts host and storage alike): it takes a turn
from the rate limiter, sends through the transport, tells the limiter what came back, and
turns a failed status into a typed error. Downloads ask :meth:`Core.download` for an open
body; the harvest handles only bytes and files.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import attrs
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from ._clock import Clock
from ._config import Secret, Timeout
from ._converter import structure
from ._pagination import PAGE_TOKEN, PageStyle, Paginator
from ._retry import RetryEvent, RetryPolicy, retry_delay
from ._sansio import decode_json, error_from_response, parse_retry_after
from .errors import (
    APIError,
    CircleCIError,
    ClientClosedError,
    DecodeError,
    RateLimitError,
    RedirectError,
    TransportError,
)
from .limiter import Answer, RateLimiter
from .transport import Request, Response, Transport

logger = logging.getLogger("aiocircle")

T = TypeVar("T")
R = TypeVar("R")

Scalar = str | int | float | bool
ParamValue = Scalar | Sequence[Scalar] | None
Params = Mapping[str, ParamValue] | Sequence[tuple[str, Scalar | None]]
"""Query parameters: a mapping (a sequence value repeats its key once per item) or a list of
``(key, value)`` pairs; ``None`` values are dropped."""

_URL_SAFE = "/%:@!$&'()*+,;=-._~?#[]"
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_REDIRECT_SCHEMES = frozenset({"http", "https"})
MAX_REDIRECTS = 5
_ERROR_BODY_LIMIT = 2048
_TRUST_CACHE = 1024
"""Origins whose token decision is remembered (storage hosts are few; a bound all the same)."""


def _spell(value: Scalar) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _query(params: Params | None) -> tuple[tuple[str, str], ...]:
    """Query pairs in order: ``None`` dropped, booleans spelled as CircleCI expects, and a
    sequence value sent once per item (``branches=main&branches=dev``)."""
    if not params:
        return ()
    pairs: Sequence[tuple[str, ParamValue]] = (
        list(params.items()) if isinstance(params, Mapping) else params
    )
    query: list[tuple[str, str]] = []
    for key, value in pairs:
        if value is None:
            continue
        if isinstance(value, str | int | float | bool):
            query.append((key, _spell(value)))
        elif isinstance(value, Sequence):
            query.extend((key, _spell(item)) for item in value if item is not None)
        else:
            raise TypeError(f"query parameter {key!r}: {type(value).__name__} is not supported")
    return tuple(query)


def host_key(url: URL) -> str:
    """``scheme://host:port``: what the rate limiter counts and gates by."""
    return f"{url.scheme}://{url.host}:{url.port}"


@attrs.frozen
class RawResponse:
    """A fully read 2xx response."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes


def _ci_headers(headers: Mapping[str, str]) -> CIMultiDictProxy[str]:
    if isinstance(headers, CIMultiDictProxy):
        return headers
    return CIMultiDictProxy(CIMultiDict(headers))


@attrs.frozen
class _Buffered:
    """A response whose body was read while its attempt held the limiter's slot."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    async def read(self, limit: int | None = None) -> bytes:
        return self.body if limit is None else self.body[:limit]

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        yield self.body

    async def close(self) -> None:
        pass


class Download:
    """An open download answer (after redirects): its status, headers and body.

    Iterating it yields the body as it arrives and raises :class:`TransportError` when the
    body trickles: fewer than ``idle_bytes`` bytes in an ``idle`` seconds' window. (A body
    that sends nothing at all is the transport's read timeout, which for downloads is at
    most ``idle``.) The check costs no timer per chunk: a download is mostly chunks.
    """

    def __init__(
        self,
        response: Response,
        url: URL,
        *,
        idle: float | None,
        idle_bytes: int,
        clock: Callable[[], float],
    ):
        self._response = response
        self._clock = clock
        self.url = url
        self.status = response.status
        self.headers = _ci_headers(response.headers)
        self._idle = idle
        self._idle_bytes = idle_bytes
        self._body: AsyncIterator[bytes] | None = None
        self._window_start = 0.0
        self._window_bytes = 0

    async def read(self, limit: int | None = None) -> bytes:
        return await self._response.read(limit)

    async def close(self) -> None:
        await self._response.close()

    def __aiter__(self) -> Download:
        if self._body is None:
            self._body = aiter(self._response.iter_chunks())
            self._window_start = self._clock()
        return self

    async def __anext__(self) -> bytes:
        assert self._body is not None, "iterate with async for"
        chunk = await anext(self._body)
        if self._idle is not None:
            self._window_bytes += len(chunk)
            now = self._clock()
            if self._window_bytes >= self._idle_bytes:
                self._window_start, self._window_bytes = now, 0
            elif now - self._window_start > self._idle:
                raise TransportError(
                    "GET",
                    self.url.path,
                    f"download stalled: {self._window_bytes} bytes in "
                    f"{now - self._window_start:.1f} s (fewer than {self._idle_bytes})",
                )
        return chunk


class _Opening:
    """``async with core.download(...) as answer``: the open answer, closed on leaving."""

    def __init__(
        self,
        core: Core,
        url: URL,
        headers: Mapping[str, str],
        accept: Collection[int],
        attempt: int,
    ) -> None:
        self._core = core
        self._url = url
        self._headers = headers
        self._accept = accept
        self._attempt = attempt
        self._answer: Download | None = None

    async def __aenter__(self) -> Download:
        self._answer = await self._core._open(self._url, self._headers, self._accept, self._attempt)
        return self._answer

    async def __aexit__(self, *exc_info: object) -> None:
        if self._answer is not None:
            await self._answer.close()


class Core:
    """Shared by every resource of one client."""

    def __init__(
        self,
        *,
        token: Secret,
        base_url: URL,
        transport: Transport,
        limiter: RateLimiter,
        retry: RetryPolicy,
        clock: Clock,
        timeout: Timeout,
        artifact_hosts: tuple[str, ...],
    ) -> None:
        self._token = token
        self.artifact_hosts = tuple(p.lower() for p in artifact_hosts)
        self._trusted: dict[tuple[str, str | None, int | None], bool] = {}
        self.base_url = base_url
        self.transport = transport
        self.limiter = limiter
        self.retry = retry
        self.clock = clock
        self.timeout = timeout
        self.closed = False

    def url(self, path: str) -> URL:
        """Resolve an API path (already percent-encoded) or an absolute URL."""
        # Characters a path may not hold raw (a space, say) are escaped; existing %XX stay.
        if path.lower().startswith(("http://", "https://")):
            return URL(quote(path, safe=_URL_SAFE), encoded=True)
        if not path.startswith("/"):
            path = "/" + path
        return URL(str(self.base_url).rstrip("/") + quote(path, safe=_URL_SAFE), encoded=True)

    def is_api_origin(self, url: URL) -> bool:
        return url.origin() == self.base_url.origin()

    def download_headers(self, url: URL) -> dict[str, str]:
        """Headers for one hop of an artifact download.

        The token goes to the API's origin and to CircleCI's artifact hosts (over the
        same scheme as the API, or HTTPS), never to storage a redirect points at.
        """
        origin = (url.scheme, url.host, url.port)
        trusted = self._trusted.get(origin)
        if trusted is None:
            if len(self._trusted) >= _TRUST_CACHE:
                self._trusted.clear()
            trusted = self._trusted[origin] = self._trusts(url)
        return {"Circle-Token": self._token.reveal()} if trusted else {}

    def _trusts(self, url: URL) -> bool:
        host = (url.host or "").lower()
        names = (host, f"{host}:{url.port}")
        return self.is_api_origin(url) or (
            url.scheme in ("https", self.base_url.scheme)
            and any(fnmatch.fnmatchcase(n, p) for p in self.artifact_hosts for n in names)
        )

    def redact(self) -> str:
        """The token, for masking it in text that came from a server."""
        return self._token.reveal()

    def auth_headers(self, url: URL) -> dict[str, str]:
        """The ``Circle-Token`` header, for the API's own origin only."""
        if self.is_api_origin(url):
            return {"Circle-Token": self._token.reveal(), "Accept": "application/json"}
        return {"Accept": "application/json"}

    # -- the one attempt pipeline ----------------------------------------------------------

    async def _attempt(self, request: Request, *, attempt: int = 1) -> Response:
        """Send one attempt: wait for the limiter, send, report the answer to the limiter.

        Returns the response, whatever its status: read in full while the slot is held, or,
        for a streaming download, open once its headers have come (the caller reads and
        closes it).
        A 429 closes its host's gate for its ``Retry-After`` (or, without one, for this
        attempt's backoff ceiling) whether or not the request will be retried.
        """
        if self.closed:
            raise ClientClosedError("this CircleCI client is closed; create a new one")
        host = host_key(request.url)
        try:
            permit = await self.limiter.acquire(host, max_wait=self.retry.max_wait)
        except RateLimitError as exc:  # the limiter knows the host, not the request
            raise RateLimitError(
                429,
                exc.message,
                method=request.method,
                path=request.url.path,
                retry_after=exc.retry_after,
            ) from None
        answer = Answer(status=None)
        try:
            response = await self.transport.send(request)
            wait = None
            if response.status == 429:
                wait = parse_retry_after(response.headers.get("Retry-After"), self.clock.time())
                if wait is None:
                    wait = self.retry.backoff_ceiling(attempt)
            answer = Answer(status=response.status, wait=wait, headers=response.headers)
            if request.streaming:
                return response  # the body streams outside the slot, under the caller's bound
            try:
                return _Buffered(response.status, response.headers, await response.read())
            finally:
                await response.close()
        finally:
            await self.limiter.release(permit, answer)

    async def _error(self, response: Response, request: Request) -> APIError:
        """The typed error for a non-2xx answer (its body read briefly, the token masked)."""
        try:
            body = await response.read(_ERROR_BODY_LIMIT)
        except TransportError:
            body = b""
        return error_from_response(
            response.status,
            _ci_headers(response.headers),
            body,
            method=request.method,
            path=request.url.path,
            now=self.clock.time(),
            redact=self.redact(),
        )

    # -- API requests ------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> RawResponse:
        """Send a request through the limiter with retries; return a 2xx response or raise."""
        method = method.upper()
        url = self.url(path)
        request = Request(
            method=method,
            url=url,
            headers=self.auth_headers(url),
            params=_query(params),
            json=json,
        )

        async def attempt(number: int) -> RawResponse:
            response = await self._attempt(request, attempt=number)
            try:
                if not 200 <= response.status < 300:
                    raise await self._error(response, request)
                body = await response.read()
                return RawResponse(response.status, _ci_headers(response.headers), body)
            finally:
                await response.close()

        if idempotent is None:
            idempotent = method in _IDEMPOTENT_METHODS
        return await self.retrying(attempt, method=method, url=url, idempotent=idempotent)

    # -- downloads ---------------------------------------------------------------------

    def download(
        self,
        url: URL,
        *,
        headers: Mapping[str, str] | None = None,
        accept: Collection[int] = (),
        attempt: int = 1,
    ) -> _Opening:
        """One download attempt of ``url``: ``async with`` it for the open 2xx answer.

        Redirects are followed; ``headers`` (a ``Range``, say) go to every hop, the token
        only to CircleCI's own hosts (:meth:`download_headers`). Statuses in ``accept``
        (e.g. 416 for a probe) are given instead of raised. Each hop is an attempt of its
        own through the limiter. No retries here: the caller runs this inside
        :meth:`retrying`, since a retry may resume from the bytes it already has.
        """
        return _Opening(self, url, headers or {}, accept, attempt)

    async def _open(
        self, url: URL, headers: Mapping[str, str], accept: Collection[int], attempt: int
    ) -> Download:
        hops = 0
        while True:
            request = Request(
                method="GET",
                url=url,
                headers={**self.download_headers(url), **headers},
                streaming=True,
            )
            response = await self._attempt(request, attempt=attempt)
            status = response.status
            if status not in _REDIRECTS and (200 <= status < 300 or status in accept):
                return Download(
                    response,
                    url,
                    idle=self.timeout.idle,
                    idle_bytes=self.timeout.idle_bytes,
                    clock=self.clock.monotonic,
                )
            try:
                if status not in _REDIRECTS:
                    raise await self._error(response, request)
                hops += 1
                url = self._redirect_target(url, response, hops)
            finally:
                await response.close()

    @staticmethod
    def _redirect_target(url: URL, response: Response, hops: int) -> URL:
        if hops > MAX_REDIRECTS:
            raise RedirectError("GET", url.path, f"more than {MAX_REDIRECTS} redirects")
        location = response.headers.get("Location")
        if not location:
            raise RedirectError("GET", url.path, f"{response.status} redirect without Location")
        try:
            target = url.join(URL(location, encoded=True))
        except ValueError:
            raise RedirectError("GET", url.path, "redirect to a malformed URL") from None
        if target.scheme not in _REDIRECT_SCHEMES or not target.host:
            scheme = target.scheme or "no scheme"
            raise RedirectError("GET", url.path, f"redirect to a {scheme} URL refused")
        return target

    # -- retries -----------------------------------------------------------------------

    async def retrying(
        self,
        attempt: Callable[[int], Awaitable[R]],
        *,
        method: str,
        url: URL,
        idempotent: bool,
        on_retry: Callable[[RetryEvent], object] | None = None,
    ) -> R:
        """Run ``attempt(number)`` until it succeeds or the retry policy gives up.

        The one retry loop: API requests and artifact downloads both go through it.
        An attempt raises an :class:`APIError` or :class:`TransportError` to ask for a
        retry; the wait happens here, outside any limiter slot.
        """
        number = 0
        while True:
            number += 1
            try:
                return await attempt(number)
            except (APIError, TransportError) as exc:
                error: CircleCIError = exc
            delay = retry_delay(self.retry, error, attempt=number, idempotent=idempotent)
            if delay is None:
                raise error
            event = RetryEvent(
                method=method,
                path=url.path,
                attempt=number,
                delay=delay,
                status=getattr(error, "status", None),
                reason=str(error),
            )
            self._announce_retry(event, on_retry)
            await self.clock.sleep(delay)

    def _announce_retry(
        self, event: RetryEvent, extra: Callable[[RetryEvent], object] | None
    ) -> None:
        logger.info(
            "retrying %s %s in %.2fs after attempt %d/%d: %s",
            event.method,
            event.path,
            event.delay,
            event.attempt,
            self.retry.max_attempts,
            event.reason,
        )
        for hook in (self.retry.on_retry, extra):
            if hook is None:
                continue
            try:
                hook(event)
            except Exception:
                logger.exception("an on_retry hook raised; ignoring it")

    async def json(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send a request and decode its JSON body."""
        response = await self.request(method, path, params=params, json=json, idempotent=idempotent)
        return self.decode(response, method, path)

    def decode(self, response: RawResponse, method: str, path: str) -> Any:
        """The JSON body of a 2xx response, or :class:`DecodeError`."""
        return decode_json(
            response.body, method=method.upper(), path=self.url(path).path, redact=self.redact()
        )

    async def model(
        self,
        cls: type[T],
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> T:
        """Send a request and structure its JSON body as ``cls``."""
        data = await self.json(method, path, params=params, json=json, idempotent=idempotent)
        return self._structure(data, cls, method, path)

    def paginate(
        self,
        cls: type[T],
        path: str,
        *,
        params: Params | None = None,
        style: PageStyle = PAGE_TOKEN,
    ) -> Paginator[T]:
        """A lazy paginator over ``GET path`` in the list's page ``style``."""

        async def fetch(page: Mapping[str, Any]) -> Any:
            # The list's own parameters first (repeated keys kept), then the page's cursor.
            return await self.json("GET", path, params=[*_query(params), *_query(page)])

        return Paginator(
            fetch,
            lambda item: self._structure(item, cls, "GET", path),
            style=style,
            where=f"GET {self.url(path).path}",
        )

    def structured(self, data: Any, cls: type[T], method: str, path: str) -> T:
        """Decoded JSON as ``cls``, or :class:`DecodeError` (for answers whose shape
        depends on the status, read with :meth:`request` and :meth:`decode`)."""
        return self._structure(data, cls, method, path)

    def _structure(self, data: Any, cls: type[T], method: str, path: str) -> T:
        try:
            return structure(data, cls)
        except Exception as exc:
            raise DecodeError(
                method.upper(), self.url(path).path, f"unexpected response shape: {exc}"
            ) from exc
