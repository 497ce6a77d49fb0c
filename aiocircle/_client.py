"""``CircleCI``: configuration, lifecycle and the resource namespaces."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any, TypeVar, overload

import aiohttp
from yarl import URL

from ._clock import Clock, SystemClock
from ._config import (
    DEFAULT_ARTIFACT_HOSTS,
    Timeout,
    normalize_artifact_host,
    resolve_base_url,
    resolve_token,
)
from ._core import Core, Params
from ._pagination import PAGE_TOKEN, PageStyle, Paginator
from ._retry import RetryPolicy
from ._throttle import Throttle
from .bulk import Bulk
from .errors import ConfigurationError
from .limiter import RateLimiter
from .resources import (
    Artifacts,
    Deploys,
    Insights,
    Jobs,
    Oidc,
    Organizations,
    OtelExporters,
    PipelineDefinitions,
    Pipelines,
    Policies,
    Projects,
    Rollbacks,
    Triggers,
    Usage,
    Users,
    Workflows,
)
from .resources.contexts import Contexts
from .resources.schedules import Schedules
from .resources.webhooks import Webhooks
from .transport import AiohttpTransport, Transport

__version__ = "0.1.0"

T = TypeVar("T")

# Artifact downloads share the connection pool with API calls but have their own
# concurrency (``concurrency=`` of the download methods): these extra connections keep
# a full download pool from starving API requests.
_DOWNLOAD_POOL = 64


def _parse_base_url(base_url: str) -> URL:
    url = URL(base_url)
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"base_url must be an http(s) URL, not {base_url!r}")
    if url.user or url.password or url.query_string or url.fragment:
        raise ConfigurationError("base_url must not carry credentials, a query or a fragment")
    return url


class CircleCI:
    """An asyncio client for the CircleCI API v2.

    ::

        async with CircleCI() as cci:             # token from CIRCLECI_TOKEN / CIRCLE_TOKEN
            async for pipeline in cci.pipelines.list("gh/org/repo"):
                ...

    One client holds one ``aiohttp.ClientSession``; pass ``session=`` to use your own
    (aiocircle then never closes it). ``max_concurrency`` bounds HTTP attempts in flight;
    ``retry`` says when failures are retried; ``timeout`` bounds every request.
    ``base_url`` defaults to ``$CIRCLECI_BASE_URL``, then ``https://circleci.com/api/v2``.
    ``artifact_hosts`` are the host patterns (``fnmatch``, optionally ``host:port``) that
    receive the token when downloading artifacts; set them for CircleCI Server. A URL is
    accepted too (``http://127.0.0.1:8080`` means ``127.0.0.1:8080``).
    ``rate_limiter`` replaces the default in-process :class:`Throttle` (whose
    ``max_concurrency`` then does not apply), e.g. with a limiter shared by many processes;
    ``transport`` replaces aiohttp as the backend that sends requests (then ``session`` and
    ``user_agent`` do not apply). ``clock`` is for tests that need waits to be instant and
    exact.
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        base_url: str | None = None,
        max_concurrency: int = 32,
        retry: RetryPolicy | None = None,
        timeout: Timeout | float | None = None,
        session: aiohttp.ClientSession | None = None,
        user_agent: str | None = None,
        artifact_hosts: Sequence[str] = DEFAULT_ARTIFACT_HOSTS,
        clock: Clock | None = None,
        rate_limiter: RateLimiter | None = None,
        transport: Transport | None = None,
    ) -> None:
        secret = resolve_token(token)
        url = _parse_base_url(resolve_base_url(base_url))
        hosts = tuple(normalize_artifact_host(pattern) for pattern in artifact_hosts)
        if isinstance(timeout, int | float):
            timeout = Timeout(total=float(timeout))
        timeout = timeout or Timeout()
        clock = clock or SystemClock()
        if rate_limiter is None:
            rate_limiter = Throttle(max_concurrency, clock=clock.monotonic, sleep=clock.sleep)
        if transport is None:
            transport = AiohttpTransport(
                session=session,
                pool_size=max_concurrency + _DOWNLOAD_POOL,
                timeout=timeout,
                user_agent=user_agent or (None if session else f"aiocircle/{__version__}"),
            )
        elif session is not None:
            raise ConfigurationError("pass either session= or transport=, not both")
        self._core = Core(
            token=secret,
            base_url=url,
            transport=transport,
            limiter=rate_limiter,
            retry=retry or RetryPolicy(),
            clock=clock,
            timeout=timeout,
            artifact_hosts=hosts,
        )
        self.users = Users(self._core)
        self.projects = Projects(self._core)
        self.pipelines = Pipelines(self._core)
        self.workflows = Workflows(self._core)
        self.jobs = Jobs(self._core)
        self.artifacts = Artifacts(self._core)
        self.policies = Policies(self._core)
        self.oidc = Oidc(self._core)
        self.insights = Insights(self._core)
        self.usage = Usage(self._core)
        self.organizations = Organizations(self._core)
        self.otel_exporters = OtelExporters(self._core)
        self.pipeline_definitions = PipelineDefinitions(self._core)
        self.triggers = Triggers(self._core)
        self.deploys = Deploys(self._core)
        self.rollbacks = Rollbacks(self._core)
        self.contexts = Contexts(self._core)
        self.schedules = Schedules(self._core)
        self.webhooks = Webhooks(self._core)
        self.bulk = Bulk(self)

    @property
    def base_url(self) -> str:
        return str(self._core.base_url)

    @property
    def closed(self) -> bool:
        return self._core.closed

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        return f"<CircleCI base_url={self.base_url!r} token=***{state}>"

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
    ) -> Any:
        """Call any endpoint by path (e.g. ``"/insights/gh/org/repo/branches"``), through the
        same auth, retries and limits, and return the decoded JSON (``None`` for an empty body).

        After a 5xx or a network error only GET, HEAD, PUT, DELETE and OPTIONS are retried,
        and any request whose connection never opened (the server cannot have seen it).
        """
        response = await self._core.request(method, path, params=params, json=json)
        if not response.body.strip():
            return None
        return self._core.decode(response, method, path)

    @overload
    def paginate(
        self, path: str, *, params: Params | None = ..., model: None = ..., style: PageStyle = ...
    ) -> Paginator[dict[str, Any]]: ...

    @overload
    def paginate(
        self, path: str, *, params: Params | None = ..., model: type[T], style: PageStyle = ...
    ) -> Paginator[T]: ...

    def paginate(
        self,
        path: str,
        *,
        params: Params | None = None,
        model: type[T] | None = None,
        style: PageStyle = PAGE_TOKEN,
    ) -> Paginator[T] | Paginator[dict[str, Any]]:
        """Page through any list by path (``"/context"``), lazily, in its page ``style``.

        Items are structured as ``model``, or left as dicts when it is ``None``. ``style``
        is ``TokenPages()`` (``page-token``) for most lists; see docs/client.md for the others.
        """
        if model is None:
            return self._core.paginate(dict[str, Any], path, params=params, style=style)
        return self._core.paginate(model, path, params=params, style=style)

    async def close(self) -> None:
        """Close the client (and its session, if it owns it). Later requests raise."""
        if not self._core.closed:
            self._core.closed = True
            close = getattr(self._core.transport, "close", None)
            if close is not None:
                await close()

    async def __aenter__(self) -> CircleCI:
        if self.closed:
            raise ConfigurationError("a closed CircleCI client cannot be reopened")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
