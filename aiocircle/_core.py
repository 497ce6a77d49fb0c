"""The request pipeline every call goes through: auth, throttle, retries, typed errors.

Resources build a path and hand it here; retries, concurrency and pagination live
only in this module and the small pieces it composes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, TypeVar

from yarl import URL

from ._clock import Clock
from ._config import Secret
from ._converter import structure
from ._pagination import Page, Paginator
from ._retry import RetryEvent, RetryPolicy, retry_delay
from ._sansio import decode_json, error_from_response
from ._throttle import Throttle
from ._transport import RawResponse, Transport
from .errors import CircleCIError, ClientClosedError, DecodeError, RateLimitError, TransportError

logger = logging.getLogger("aiocircle")

T = TypeVar("T")

Params = Mapping[str, str | int | bool | None]

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
    ) -> None:
        self._token = token
        self.base_url = base_url
        self.transport = transport
        self.throttle = throttle
        self.retry = retry
        self.clock = clock
        self.closed = False

    def url(self, path: str) -> URL:
        """Resolve an API path (already percent-encoded) or an absolute URL."""
        if path.startswith(("http://", "https://")):
            return URL(path, encoded=True)
        if not path.startswith("/"):
            path = "/" + path
        return URL(str(self.base_url).rstrip("/") + path, encoded=True)

    def is_api_origin(self, url: URL) -> bool:
        return url.origin() == self.base_url.origin()

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
        if self.closed:
            raise ClientClosedError("this CircleCI client is closed; create a new one")
        method = method.upper()
        url = self.url(path)
        query = _query(params)
        headers = self.auth_headers(url)
        host = _host_key(url)
        if idempotent is None:
            idempotent = method in _IDEMPOTENT_METHODS
        attempt = 0
        while True:
            attempt += 1
            error: CircleCIError
            try:
                async with self.throttle.slot(host):
                    response = await self.transport.send(
                        method, url, headers=headers, params=query, json=json
                    )
            except TransportError as exc:
                error = exc
            else:
                if 200 <= response.status < 300:
                    return response
                error = error_from_response(
                    response.status,
                    response.headers,
                    response.body,
                    method=method,
                    path=url.path,
                    now=self.clock.time(),
                )
            delay = retry_delay(self.retry, error, attempt=attempt, idempotent=idempotent)
            if delay is None:
                raise error
            if isinstance(error, RateLimitError):
                self.throttle.cooldown(host, delay)
            self._announce_retry(method, url.path, attempt, delay, error)
            await self.clock.sleep(delay)

    def _announce_retry(
        self, method: str, path: str, attempt: int, delay: float, error: CircleCIError
    ) -> None:
        status = getattr(error, "status", None)
        reason = str(error)
        logger.info(
            "retrying %s %s in %.2fs after attempt %d/%d: %s",
            method,
            path,
            delay,
            attempt,
            self.retry.max_attempts,
            reason,
        )
        hook = self.retry.on_retry
        if hook is None:
            return
        event = RetryEvent(
            method=method, path=path, attempt=attempt, delay=delay, status=status, reason=reason
        )
        try:
            hook(event)
        except Exception:
            logger.exception("the on_retry hook raised; ignoring it")

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
