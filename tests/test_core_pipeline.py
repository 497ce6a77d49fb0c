"""One attempt pipeline for every HTTP attempt: the gate holds downloads too, a 429 that is
not retried still closes it, redirects are ours to follow, and no error text carries the
token. Over real loopback servers with an injected clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from _loopback import FakeClock, Reply, ScriptedServer, scripted_server
from yarl import URL

from aiocircle import (
    Answer,
    CircleCI,
    DecodeError,
    Permit,
    RateLimitError,
    RedirectError,
    Request,
    Response,
    RetryPolicy,
    Throttle,
)
from aiocircle.models import Artifact
from aiocircle.transport import AiohttpTransport

TOKEN = "CCIPAT_super-secret-token"
ME = {"id": "u1", "login": "octo", "name": "Octo", "avatar_url": "https://a/x.png"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def api(clock: FakeClock) -> AsyncIterator[ScriptedServer]:
    async with scripted_server(clock) as srv:
        srv.default["/api/v2/me"] = Reply(body=ME)
        yield srv


@pytest.fixture
async def artifacts(clock: FakeClock) -> AsyncIterator[ScriptedServer]:
    """A second listener, so the artifacts host has a gate of its own."""
    async with scripted_server(clock) as srv:
        yield srv


def client(api: ScriptedServer, clock: FakeClock, **kwargs: object) -> CircleCI:
    kwargs.setdefault("retry", RetryPolicy(jitter=lambda: 1.0))
    return CircleCI(
        TOKEN,
        base_url=api.base_url,
        clock=clock,
        artifact_hosts=["127.0.0.1:*"],
        **kwargs,  # type: ignore[arg-type]
    )


def artifact(server: ScriptedServer, path: str) -> Artifact:
    origin = server.base_url.removesuffix("/api/v2")
    return Artifact(path=path, node_index=0, url=f"{origin}/files/{path}")


async def test_a_429_from_the_artifacts_host_holds_the_next_download(
    api: ScriptedServer, artifacts: ScriptedServer, clock: FakeClock, tmp_path: Path
) -> None:
    artifacts.queue("/files/a.txt", Reply(429, "Rate limited.", {"Retry-After": "2"}))
    artifacts.default["/files/b.txt"] = Reply(body=b"bbbb")
    start = clock.now
    async with client(api, clock, retry=RetryPolicy(max_attempts=1)) as cci:
        first = await cci.artifacts.download(artifact(artifacts, "a.txt"), tmp_path)
        second = await cci.artifacts.download(artifact(artifacts, "b.txt"), tmp_path)
    assert not first.ok  # one attempt only: the 429 is not retried, yet it closes the gate
    assert second.ok
    sent_b = [s.at for s in artifacts.seen if s.path == "/files/b.txt"]
    assert sent_b == [start + 2.0]
    assert clock.sleeps == [2.0]


async def test_the_gate_of_one_host_does_not_hold_another(
    api: ScriptedServer, artifacts: ScriptedServer, clock: FakeClock, tmp_path: Path
) -> None:
    artifacts.queue("/files/a.txt", Reply(429, "Rate limited.", {"Retry-After": "30"}))
    async with client(api, clock, retry=RetryPolicy(max_attempts=1)) as cci:
        await cci.artifacts.download(artifact(artifacts, "a.txt"), tmp_path)
        await cci.users.me()
    assert clock.sleeps == []


async def test_a_429_over_max_wait_fails_at_once_and_holds_later_calls_unsent(
    api: ScriptedServer, clock: FakeClock
) -> None:
    api.queue("/api/v2/me", Reply(429, {"message": "later"}, {"Retry-After": "600"}))
    async with client(api, clock, retry=RetryPolicy(max_wait=120.0)) as cci:
        with pytest.raises(RateLimitError) as first:
            await cci.users.me()
        assert first.value.retry_after == 600.0
        for _ in range(3):
            with pytest.raises(RateLimitError) as later:
                await cci.users.me()
            assert later.value.method == "GET"
            assert later.value.path == "/api/v2/me"
            assert "not sent" in str(later.value)
    assert api.count("/api/v2/me") == 1  # only the first went out
    assert clock.sleeps == []


async def test_a_429_without_retry_after_closes_the_gate_for_its_backoff(
    api: ScriptedServer, clock: FakeClock
) -> None:
    api.queue("/api/v2/me", Reply(429, "Rate limited."))
    retry = RetryPolicy(backoff_base=4.0, jitter=lambda: 0.5)
    async with client(api, clock, retry=retry) as cci:
        await cci.users.me()
    # The retry sleeps its jittered 2 s, then the gate holds it for the rest of the 4 s.
    assert clock.sleeps == [2.0, 2.0]


@pytest.mark.parametrize("location", ["ftp://example.test/x", "file:///etc/passwd", "data:,x"])
async def test_a_redirect_to_another_scheme_is_refused(
    api: ScriptedServer, artifacts: ScriptedServer, clock: FakeClock, location: str
) -> None:
    artifacts.default["/files/x"] = Reply(302, b"", {"Location": location})
    async with client(api, clock) as cci:
        with pytest.raises(RedirectError, match="refused"):
            async with cci._core.download(URL(artifacts.base_url).with_path("/files/x")):
                pass
    assert artifacts.count("/files/x") == 1  # not retried


@pytest.mark.parametrize(("hops", "ok"), [(5, True), (6, False)])
async def test_redirects_have_a_hop_limit(
    api: ScriptedServer, artifacts: ScriptedServer, clock: FakeClock, hops: int, ok: bool
) -> None:
    for hop in range(hops):
        artifacts.default[f"/hop/{hop}"] = Reply(302, b"", {"Location": f"/hop/{hop + 1}"})
    artifacts.default[f"/hop/{hops}"] = Reply(body=b"done")
    async with client(api, clock) as cci:
        url = URL(artifacts.base_url).with_path("/hop/0")
        if ok:
            async with cci._core.download(url) as answer:
                assert await answer.read() == b"done"
        else:
            with pytest.raises(RedirectError, match="more than 5 redirects") as caught:
                async with cci._core.download(url):
                    pass
            assert not hasattr(caught.value, "status")  # no invented HTTP status


async def test_a_redirect_without_location_is_a_redirect_error(
    api: ScriptedServer, artifacts: ScriptedServer, clock: FakeClock
) -> None:
    artifacts.default["/files/x"] = Reply(301, b"")
    async with client(api, clock) as cci:
        with pytest.raises(RedirectError, match="without Location"):
            async with cci._core.download(URL(artifacts.base_url).with_path("/files/x")):
                pass


async def test_the_token_is_masked_before_a_long_error_body_is_cut(
    api: ScriptedServer, clock: FakeClock
) -> None:
    body = "x" * 490 + TOKEN + "y" * 200  # a cut at 500 characters would keep "CCIPAT_sup"
    api.queue("/api/v2/me", Reply(400, body))
    async with client(api, clock) as cci:
        with pytest.raises(Exception) as caught:
            await cci.users.me()
    text = str(caught.value) + repr(caught.value)
    assert TOKEN[:6] not in text
    assert "***" in text


async def test_the_token_is_masked_in_a_message_field_that_echoes_it(
    api: ScriptedServer, clock: FakeClock
) -> None:
    api.queue("/api/v2/me", Reply(401, {"message": f"bad token {TOKEN} for you"}))
    async with client(api, clock) as cci:
        with pytest.raises(Exception) as caught:
            await cci.users.me()
    assert TOKEN not in str(caught.value)
    assert "bad token *** for you" in str(caught.value)


async def test_a_2xx_body_that_echoes_the_token_is_quoted_masked(
    api: ScriptedServer, clock: FakeClock
) -> None:
    api.queue("/api/v2/me", Reply(200, f"<html>{TOKEN}</html>"))
    async with client(api, clock) as cci:
        with pytest.raises(DecodeError) as caught:
            await cci.users.me()
    assert TOKEN[:6] not in str(caught.value)


async def test_deeply_nested_json_is_a_decode_error(api: ScriptedServer, clock: FakeClock) -> None:
    depth = 100_000
    api.queue("/api/v2/me", Reply(200, "[" * depth + "]" * depth))
    async with client(api, clock) as cci:
        with pytest.raises(DecodeError, match="nested too deeply"):
            await cci.users.me()


async def test_a_deeply_nested_error_body_still_gives_the_typed_error(
    api: ScriptedServer, clock: FakeClock
) -> None:
    depth = 100_000
    api.queue("/api/v2/me", Reply(404, '{"message":' + "[" * depth + "]" * depth + "}"))
    async with client(api, clock) as cci:
        with pytest.raises(Exception) as caught:
            await cci.users.me()
    assert type(caught.value).__name__ == "NotFoundError"


@pytest.mark.parametrize("bad", [5, {"next": "x"}, ["a"], 1.5, True])
async def test_a_wrong_typed_page_token_is_a_decode_error(
    api: ScriptedServer, clock: FakeClock, bad: object
) -> None:
    api.default["/api/v2/workflow/w1/job"] = Reply(body={"items": [], "next_page_token": bad})
    async with client(api, clock) as cci:
        with pytest.raises(DecodeError, match="next_page_token"):
            await cci.workflows.jobs("w1").collect()


async def test_repeated_query_keys(api: ScriptedServer, clock: FakeClock) -> None:
    api.default["/api/v2/insights/gh/o/r/branches"] = Reply(body={"branches": []})
    path = "/insights/gh/o/r/branches"
    async with client(api, clock) as cci:
        await cci.request("GET", path, params={"branches": ["main", "dev"], "x": None})
        await cci.request("GET", path, params=[("branches", "main"), ("branches", "dev")])
    sent = [s.query_string for s in api.seen if s.path.endswith("/branches")]
    assert sent == ["branches=main&branches=dev"] * 2


class _Recording:
    """A user's transport: records what it was asked to send, delegates to aiohttp."""

    def __init__(self) -> None:
        self.inner = AiohttpTransport()
        self.sent: list[Request] = []

    async def send(self, request: Request) -> Response:
        self.sent.append(request)
        return await self.inner.send(request)

    async def close(self) -> None:
        await self.inner.close()


async def test_a_transport_plugs_in_through_send(api: ScriptedServer, clock: FakeClock) -> None:
    recording = _Recording()
    async with client(api, clock, transport=recording) as cci:
        user = await cci.users.me()
    assert user.login == "octo"
    assert [(r.method, r.url.path) for r in recording.sent] == [("GET", "/api/v2/me")]
    assert TOKEN not in repr(recording.sent[0])


class _CountingLimiter:
    """A user's limiter: the default one, watched."""

    def __init__(self) -> None:
        self.inner = Throttle(4)
        self.answers: list[tuple[str, int | None]] = []

    async def acquire(self, host: str, *, max_wait: float) -> Permit:
        return await self.inner.acquire(host, max_wait=max_wait)

    async def release(self, permit: Permit, answer: Answer) -> None:
        self.answers.append((permit.host, answer.status))
        await self.inner.release(permit, answer)


async def test_a_rate_limiter_plugs_in_and_sees_every_attempt(
    api: ScriptedServer, artifacts: ScriptedServer, clock: FakeClock, tmp_path: Path
) -> None:
    api.queue("/api/v2/me", Reply(503, {"message": "busy"}))
    artifacts.default["/files/a.txt"] = Reply(302, b"", {"Location": "/storage/a.txt"})
    artifacts.default["/storage/a.txt"] = Reply(body=b"aaaa")
    limiter = _CountingLimiter()
    async with client(api, clock, rate_limiter=limiter) as cci:
        await cci.users.me()
        report = await cci.artifacts.download(artifact(artifacts, "a.txt"), tmp_path)
    assert report.ok
    api_host = f"http://127.0.0.1:{URL(api.base_url).port}"
    files_host = f"http://127.0.0.1:{URL(artifacts.base_url).port}"
    assert limiter.answers == [
        (api_host, 503),
        (api_host, 200),
        (files_host, 302),
        (files_host, 200),
    ]


async def test_paginate_repeats_keys_on_every_page(api: ScriptedServer, clock: FakeClock) -> None:
    path = "/api/v2/insights/gh/o/r/workflows"
    api.queue(
        path,
        Reply(body={"items": [{"n": 1}], "next_page_token": "t2"}),
        Reply(body={"items": [{"n": 2}], "next_page_token": None}),
    )
    async with client(api, clock) as cci:
        pairs = [("branches", "main"), ("branches", "dev")]
        by_list = cci.paginate("/insights/gh/o/r/workflows", params={"branches": ["main", "dev"]})
        assert await by_list.collect() == [{"n": 1}, {"n": 2}]
        api.queue(path, Reply(body={"items": [{"n": 3}], "next_page_token": None}))
        assert await cci.paginate("/insights/gh/o/r/workflows", params=pairs).collect() == [
            {"n": 3}
        ]
    sent = [s.query_string for s in api.seen if s.path == path]
    assert sent == [
        "branches=main&branches=dev",
        "branches=main&branches=dev&page-token=t2",
        "branches=main&branches=dev",
    ]
