"""`FakeCircleCI`: three loopback listeners over one in-memory CircleCI.

1. the API (v2, plus API v1.1's artifact lists) at `base_url`;
2. the artifacts host, standing for `*.circle-artifacts.com`: wants the token, answers 302;
3. storage, standing for S3: serves the bytes to pre-signed URLs and logs token leaks.

Every request passes the same gates in order: a scripted `fail_next` failure, latency, a random
fault, then (API only) the route, the token and the rate limiter.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self
from urllib.parse import unquote

from aiohttp import web

from .._client import CircleCI
from ._api import Api, state_error
from ._artifacts import ArtifactsHost, Storage, find_leaks
from ._calls import V1, V2, Call, Handler
from ._faults import (
    Chaos,
    FailQueue,
    FailRule,
    Faults,
    Knobs,
    RateLimit,
    RateLimiter,
    make_rule,
    rate_limit_headers,
)
from ._http import HttpError, drop_connection, error_response, presented_token
from ._observe import LeakRecord, RequestRecord, Stats, scrub
from ._populate import Dataset, populate
from ._registry import TAG_APIS
from ._routing import Match
from ._state import Artifact, Conflict, NotFound, State
from ._tagapi import TagApi

logger = logging.getLogger("aiocircle.testing")

HOST = "127.0.0.1"
Outcome = tuple[web.StreamResponse, str | None]


class FakeCircleCI:
    """A fake CircleCI API v2 on loopback, for testing code that talks to CircleCI.

    ::

        async with FakeCircleCI(seed=1, dataset=Dataset(projects=2)) as fake:
            async with fake.client() as cci:
                ...
            assert fake.stats.count("GET /me") == 1

    Seed it through `fake.state` (builders) or `fake.populate(Dataset(...))`; turn knobs on the
    running fake through `fake.knobs`; script failures with `fail_next`; read what happened in
    `fake.stats` (request log, counts per route, requests in flight, token leaks).
    A closed fake cannot be started again. `clock` (monotonic seconds) drives the
    `rate_limit` bucket, so a test can run client and server on one injected clock.
    """

    def __init__(
        self,
        token: str = "test-token",
        *,
        seed: int = 0,
        page_size: int = 20,
        latency: float = 0.0,
        jitter: float = 0.0,
        bandwidth: float | None = None,
        rate_limit: RateLimit | None = None,
        faults: Faults | None = None,
        dataset: Dataset | None = None,
        port: int = 0,
        artifacts_port: int = 0,
        storage_port: int = 0,
        log_size: int = 100_000,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.token = token
        self.seed = seed
        self.state = State(seed=seed, token=token)
        self.knobs = Knobs(
            latency=latency,
            jitter=jitter,
            bandwidth=bandwidth,
            rate_limit=rate_limit,
            faults=faults or Faults(),
            page_size=page_size,
        )
        self.stats = Stats(log_size)
        self.failures = FailQueue()
        self._limiter = RateLimiter(clock or time.monotonic)
        self._chaos = Chaos(seed)
        self._api = Api(
            self.state,
            self.knobs,
            lambda: self.artifacts_host,
            TAG_APIS,
            presign_file=self.presigned_file_url,
        )
        #: Routes whose error bodies are not `{"message": ...}` (see `TagApi.ERROR_KEY`).
        self._error_keys = TagApi.error_keys(TAG_APIS)
        self._storage = Storage(self.state, self.knobs, self._chaos)
        self._artifacts = ArtifactsHost(self.state, self.presigned_url)
        self._ports = {"api": port, "artifacts": artifacts_port, "storage": storage_port}
        self._urls: dict[str, str] = {}
        self._runners: list[web.BaseRunner] = []
        self._closed = False
        if dataset is not None:
            populate(self.state, dataset)

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> Self:
        """Bind the three listeners on 127.0.0.1 (ephemeral ports unless given)."""
        if self._closed:
            raise RuntimeError("a closed FakeCircleCI cannot be started again")
        if self._runners:
            raise RuntimeError("FakeCircleCI is already started")
        serve: dict[str, Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]] = {
            "api": self._serve_api,
            "artifacts": self._serve_artifacts,
            "storage": self._serve_storage,
        }
        try:
            for listener, handler in serve.items():
                runner = web.ServerRunner(
                    web.Server(handler, access_log=None), shutdown_timeout=1.0
                )
                self._runners.append(runner)
                await runner.setup()
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    sock.bind((HOST, self._ports[listener]))
                    # Once started, the site's server owns the socket and closes it.
                    await web.SockSite(runner, sock).start()
                except BaseException:
                    sock.close()
                    raise
                self._urls[listener] = f"http://{HOST}:{sock.getsockname()[1]}"
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        """Stop the listeners; in-flight requests get a second to finish."""
        self._closed = True
        self._urls.clear()
        runners, self._runners = self._runners, []
        for runner in reversed(runners):
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --- addresses ----------------------------------------------------------------------------

    def _url(self, listener: str) -> str:
        try:
            return self._urls[listener]
        except KeyError:
            raise RuntimeError("FakeCircleCI is not started: use `async with`") from None

    @property
    def api_root(self) -> str:
        """`http://127.0.0.1:<port>/api`: the root pycircleci-style clients append `/v2`,
        `/v1.1` to."""
        return self._url("api") + "/api"

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>/api/v2`, CircleCI's `https://circleci.com/api/v2`."""
        return self._url("api") + V2

    @property
    def v1_url(self) -> str:
        """`http://127.0.0.1:<port>/api/v1.1`."""
        return self._url("api") + V1

    @property
    def artifacts_host(self) -> str:
        """Origin of the artifacts host (listener 2), which artifact URLs point at."""
        return self._url("artifacts")

    @property
    def storage_url(self) -> str:
        """Origin of the storage listener (listener 3), where the artifacts host redirects."""
        return self._url("storage")

    def client(self, **kwargs: Any) -> CircleCI:
        """An `aiocircle.CircleCI` for this fake; the artifacts host (only) gets the token."""
        from aiocircle import CircleCI

        kwargs.setdefault("artifact_hosts", (self.artifacts_host.removeprefix("http://"),))
        return CircleCI(token=self.token, base_url=self.base_url, **kwargs)

    # --- seeding and artifacts ----------------------------------------------------------------

    def populate(self, dataset: Dataset) -> None:
        """Add a deterministic data set (see `Dataset`) to the state."""
        populate(self.state, dataset)

    def artifacts(self) -> list[Artifact]:
        """Every artifact of every project, in creation order."""
        return list(self.state.blobs.values())

    def presigned_url(self, artifact: Artifact) -> str:
        """The storage URL the artifacts host redirects to for this artifact."""
        return self._storage.presign(artifact, self.storage_url)

    def presigned_file_url(self, blob_id: str) -> str:
        """The storage URL of a stored file (`state.files`), such as a usage export part."""
        return self._storage.presign_object(
            blob_id, self.state.files[blob_id].name, self.storage_url
        )

    @staticmethod
    def artifact_bytes(artifact: Artifact) -> bytes:
        """The whole content of an artifact (for small ones; big ones: `content.iter_range`)."""
        return artifact.content.read()

    def expected_sha256(self, slug: str, job_number: int, node_index: int, path: str) -> str:
        """Hex SHA-256 of an artifact's bytes, for checking a download."""
        project = self.state.project(slug)
        artifact = self.state.job(project, job_number).artifacts.get((node_index, path))
        if artifact is None:
            raise NotFound("Artifact not found")
        return artifact.sha256

    def expected_checksums(self) -> dict[tuple[str, int, int, str], str]:
        """`{(slug, job_number, node_index, path): sha256}` for every artifact."""
        return {
            (a.job.project.slug, a.job.number or 0, a.node_index, a.path): a.sha256
            for a in self.state.blobs.values()
        }

    # --- knobs and observation ----------------------------------------------------------------

    def fail_next(
        self,
        path_pattern: str | re.Pattern[str],
        status: int = 503,
        times: int = 1,
        body: bytes | str | Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        method: str | None = None,
        listener: str | None = "api",
        reset: bool = False,
    ) -> FailRule:
        """Answer the next `times` requests whose path matches with `status` (or, with
        `reset=True`, drop their connections), before any normal handling.

        The pattern is a glob (`*/workflow/*/job`), a compiled regex, or a regex string
        written `re:...`, matched against the whole decoded path; on the API listener also
        against the path after `/api/v2` (so `/me` works). `body` defaults to CircleCI's
        `{"message": ...}`; a str body is sent as text/plain. `listener` is "api",
        "artifacts", "storage" or None for any.
        """
        rule = make_rule(
            path_pattern,
            status=status,
            times=times,
            body=body,
            headers=headers,
            method=method,
            listener=listener,
            reset=reset,
        )
        self.failures.add(rule)
        return rule

    def reset_stats(self) -> None:
        """Clear the request log, counts, peaks and the leak log."""
        self.stats.reset()

    @property
    def leaks(self) -> list[LeakRecord]:
        """Storage requests that carried the CircleCI token (should stay empty)."""
        return self.stats.leaks

    @property
    def routes(self) -> list[str]:
        """The API listener's route names, e.g. `GET /workflow/{id}/job`."""
        return [route.name for route in self._api.routes]

    # --- the three listeners ------------------------------------------------------------------

    def _record(
        self, listener: str, request: web.BaseRequest, route: str, outcome: Outcome | None
    ) -> None:
        raw_path, _, query = request.raw_path.partition("?")
        tokens = self.state.tokens
        fault = None if outcome is None else outcome[1]
        status = None if outcome is None or fault == "reset" else outcome[0].status
        record = RequestRecord(
            listener=listener,
            method=request.method,
            path=scrub(unquote(raw_path), tokens),
            query=scrub(unquote(query), tokens),
            status=status,
            route=route,
            fault=fault,
        )
        self.stats.end(record)

    async def _interfere(
        self, request: web.BaseRequest, listener: str, paths: Callable[[], tuple[str, ...]]
    ) -> Outcome | None:
        """fail_next, then latency, then a random fault."""
        if self.failures.rules:
            rule = self.failures.take(listener, request.method, paths())
            if rule is not None:
                if rule.reset:
                    return drop_connection(request), "reset"
                headers = dict(rule.headers)
                response = web.Response(body=rule.body, status=rule.status, headers=headers)
                if "Content-Type" not in {name.title() for name in headers}:
                    response.content_type = rule.content_type
                return response, "fail_next"
        delay = self._chaos.delay(self.knobs)
        if delay > 0:
            await asyncio.sleep(delay)
        roll = self._chaos.roll(self.knobs.faults, listener)
        if roll == "reset":
            return drop_connection(request), "reset"
        if roll is not None:
            return error_response(roll, HTTPStatus(roll).phrase), "error"
        return None

    async def _serve_api(self, request: web.BaseRequest) -> web.StreamResponse:
        self.stats.begin("api")
        raw_path = request.raw_path.partition("?")[0]
        resolved = self._api.resolve(request.method, raw_path)
        route = resolved.route.name if isinstance(resolved, Match) else "<unmatched>"
        outcome: Outcome | None = None
        try:
            outcome = await self._api_response(request, raw_path, resolved)
            return outcome[0]
        finally:
            self._record("api", request, route, outcome)

    async def _api_response(
        self, request: web.BaseRequest, raw_path: str, resolved: Match[Handler] | int
    ) -> Outcome:
        def paths() -> tuple[str, ...]:
            path = unquote(raw_path)
            for prefix in (V2, V1):
                if path.startswith(prefix + "/"):
                    return path, path[len(prefix) :]
            return (path,)

        interfered = await self._interfere(request, "api", paths)
        if interfered is not None:
            return interfered
        if not isinstance(resolved, Match):
            text = "Not found" if resolved == 404 else "Method not allowed"
            return error_response(resolved, text), None
        key = self._error_keys.get(resolved.route.name, "message")
        token = presented_token(request)
        user = self.state.tokens.get(token) if token else None
        if token is None or user is None:
            return error_response(401, "You must log in first.", key), None
        limit = self.knobs.rate_limit
        extra: dict[str, str] | None = None
        if limit is not None:
            verdict = self._limiter.take(limit, token)
            extra = rate_limit_headers(verdict, limit)
            if not verdict.allowed:
                if limit.plain_text:
                    throttled = web.Response(text="Rate limited.", status=429, headers=extra)
                else:
                    throttled = error_response(429, "Rate limit exceeded")
                    throttled.headers.update(extra)
                return throttled, "rate_limit"
        try:
            response: web.StreamResponse = await resolved.route.handler(
                Call(request, resolved.params, user)
            )
        except (NotFound, Conflict) as error:
            failure = state_error(error)
            response = error_response(failure.status, failure.text, key)
        except HttpError as error:
            response = error_response(error.status, error.text, error.key or key)
        except Exception as error:
            # A bug in the fake: answer 500 so the test sees it, and log the traceback.
            logger.exception("FakeCircleCI handler failed: %s %s", request.method, raw_path)
            response = error_response(500, f"FakeCircleCI bug: {error!r}")
        if extra is not None:
            response.headers.update(extra)
        return response, None

    async def _serve_artifacts(self, request: web.BaseRequest) -> web.StreamResponse:
        self.stats.begin("artifacts")
        route = f"artifacts {request.method} {ArtifactsHost.template}"
        outcome: Outcome | None = None
        try:
            outcome = await self._interfere(request, "artifacts", lambda: _paths(request))
            if outcome is None:
                answer = await self._artifacts.handle(request)
                artifact = self._artifacts.find(request.raw_path)
                if answer.status == 302 and not self.knobs.redirect and artifact is not None:
                    outcome = await self._storage.serve(request, artifact)  # no storage hop
                else:
                    outcome = answer, None
            return outcome[0]
        finally:
            self._record("artifacts", request, route, outcome)

    async def _serve_storage(self, request: web.BaseRequest) -> web.StreamResponse:
        self.stats.begin("storage")
        route = f"storage {request.method} {Storage.template}"
        outcome: Outcome | None = None
        tokens = self.state.tokens
        where = find_leaks(request, tokens)
        if where:
            path = scrub(unquote(request.raw_path.partition("?")[0]), tokens)
            self.stats.leaks.append(LeakRecord(request.method, path, where))
        try:
            outcome = await self._interfere(request, "storage", lambda: _paths(request))
            if outcome is None:
                outcome = await self._storage.handle(request)
            return outcome[0]
        finally:
            self._record("storage", request, route, outcome)


def _paths(request: web.BaseRequest) -> tuple[str, ...]:
    return (unquote(request.raw_path.partition("?")[0]),)
