"""The request pipeline every call goes through: auth, throttle, retries, typed errors.

Resources build a path and hand it here; retries, concurrency and pagination live
only in this module and the small pieces it composes.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

from yarl import URL

from ._clock import Clock
from ._config import Secret
from ._converter import structure
from ._pagination import Page, Paginator
from ._retry import RetryEvent, RetryPolicy, retry_delay
from ._sansio import decode_json, error_from_response
from ._throttle import Throttle
from ._transport import RawResponse, Transport
from .errors import (
    APIError,
    CircleCIError,
    ClientClosedError,
    DecodeError,
    RateLimitError,
    TransportError,
)

logger = logging.getLogger("aiocircle")

T = TypeVar("T")
R = TypeVar("R")

Params = Mapping[str, str | int | bool | None]

_URL_SAFE = "/%:@!$&'()*+,;=-._~?#[]"
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


def _query(params: Params | None) -> dict[str, str] | None:
    """Drop ``None`` values and spell booleans the way CircleCI expects."""
    if not params:
        return None
    query: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        query[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return query or None


def _host_key(url: URL) -> str:
    return f"{url.scheme}://{url.host}:{url.port}"


class Core:
    """Shared by every resource of one client."""

    def __init__(
        self,
        *,
        token: Secret,
        base_url: URL,
        transport: Transport,
        throttle: Throttle,
        retry: RetryPolicy,
        clock: Clock,
        artifact_hosts: tuple[str, ...],
    ) -> None:
        self._token = token
        self.artifact_hosts = tuple(p.lower() for p in artifact_hosts)
        self.base_url = base_url
        self.transport = transport
        self.throttle = throttle
        self.retry = retry
        self.clock = clock
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
        host = (url.host or "").lower()
        names = (host, f"{host}:{url.port}")
        trusted = self.is_api_origin(url) or (
            url.scheme in ("https", self.base_url.scheme)
            and any(fnmatch.fnmatchcase(n, p) for p in self.artifact_hosts for n in names)
        )
        return {"Circle-Token": self._token.reveal()} if trusted else {}

    def redact(self) -> str:
        """The token, for masking it in text that came from a server."""
        return self._token.reveal()

    def auth_headers(self, url: URL) -> dict[str, str]:
        """The ``Circle-Token`` header, for the API's own origin only."""
        if self.is_api_origin(url):
            return {"Circle-Token": self._token.reveal(), "Accept": "application/json"}
        return {"Accept": "application/json"}

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> RawResponse:
        """Send a request through the throttle with retries; return a 2xx response or raise."""
        method = method.upper()
        url = self.url(path)
        query = _query(params)
        headers = self.auth_headers(url)
        host = _host_key(url)

        async def attempt() -> RawResponse:
            async with self.throttle.slot(host):
                response = await self.transport.send(
                    method, url, headers=headers, params=query, json=json
                )
            if response.status != 429:
                self.throttle.answered(host)
            if not 200 <= response.status < 300:
                raise error_from_response(
                    response.status,
                    response.headers,
                    response.body,
                    method=method,
                    path=url.path,
                    now=self.clock.time(),
                    redact=self.redact(),
                )
            return response

        if idempotent is None:
            idempotent = method in _IDEMPOTENT_METHODS
        return await self.retrying(attempt, method=method, url=url, idempotent=idempotent)

    async def retrying(
        self,
        attempt: Callable[[], Awaitable[R]],
        *,
        method: str,
        url: URL,
        idempotent: bool,
        on_retry: Callable[[RetryEvent], object] | None = None,
    ) -> R:
        """Run ``attempt`` until it succeeds or the retry policy gives up.

        The one retry loop: API requests and artifact downloads both go through it.
        An attempt raises an :class:`APIError` or :class:`TransportError` to ask for a
        retry; the wait happens here, outside any concurrency slot. A 429 also closes
        the cooldown gate of its host for every other request of the client.
        """
        number = 0
        while True:
            number += 1
            if self.closed:  # checked before every attempt: close() may come mid-retry
                raise ClientClosedError("this CircleCI client is closed; create a new one")
            try:
                return await attempt()
            except (APIError, TransportError) as exc:
                error: CircleCIError = exc
            delay = retry_delay(self.retry, error, attempt=number, idempotent=idempotent)
            if delay is None:
                raise error
            if isinstance(error, RateLimitError):
                self.throttle.cooldown(_host_key(url), delay)
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
        return decode_json(response.body, method=method.upper(), path=self.url(path).path)

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

    def paginate(self, cls: type[T], path: str, *, params: Params | None = None) -> Paginator[T]:
        """A lazy paginator over ``GET path``, following ``next_page_token``."""

        async def fetch_page(token: str | None) -> Page[T]:
            data = await self.json("GET", path, params={**(params or {}), "page-token": token})
            if not isinstance(data, dict) or not isinstance(data.get("items"), list):
                raise DecodeError("GET", self.url(path).path, "expected {items, next_page_token}")
            items = [self._structure(item, cls, "GET", path) for item in data["items"]]
            next_token = data.get("next_page_token")
            return Page(items, next_token if isinstance(next_token, str) and next_token else None)

        return Paginator(fetch_page)

    def _structure(self, data: Any, cls: type[T], method: str, path: str) -> T:
        try:
            return structure(data, cls)
        except Exception as exc:
            raise DecodeError(
                method.upper(), self.url(path).path, f"unexpected response shape: {exc}"
            ) from exc
