"""The request pipeline over a real loopback server: retries, waits, cooldown, limits."""

from __future__ import annotations

import asyncio
import logging
from email.utils import formatdate

import aiohttp
import pytest
from _loopback import FakeClock, Reply, ScriptedServer, scripted_server

from aiocircle import (
    AuthenticationError,
    CircleCI,
    ClientClosedError,
    RateLimitError,
    RetryEvent,
    RetryPolicy,
    ServerError,
    Timeout,
    TransportError,
)

TOKEN = "CCIPAT_super-secret-token"
ME = {"id": "u1", "login": "octo", "name": "Octo", "avatar_url": "https://a/x.png"}
TRIGGERED = {
    "id": "5034460f-c7c4-4c43-9457-de07e2029e7b",
    "state": "created",
    "number": 7,
    "created_at": "2025-01-01T00:00:00Z",
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def server(clock: FakeClock) -> ScriptedServer:
    async with scripted_server(clock) as srv:
        srv.default["/api/v2/me"] = Reply(body=ME)
        yield srv  # type: ignore[misc]


def client(server: ScriptedServer, clock: FakeClock | None = None, **kwargs: object) -> CircleCI:
    kwargs.setdefault("retry", RetryPolicy(jitter=lambda: 1.0))
    return CircleCI(TOKEN, base_url=server.base_url, clock=clock, **kwargs)  # type: ignore[arg-type]


async def test_429_waits_out_retry_after_seconds_in_full(
    server: ScriptedServer, clock: FakeClock
) -> None:
    server.queue("/api/v2/me", Reply(429, {"message": "slow"}, {"Retry-After": "12"}))
    async with client(server, clock) as cci:
        user = await cci.users.me()
    assert user.login == "octo"
    assert clock.sleeps == [12.0]
    first, second = server.seen
    assert second.at - first.at >= 12.0


async def test_429_waits_out_retry_after_http_date(
    server: ScriptedServer, clock: FakeClock
) -> None:
    when = formatdate(clock.now + 30, usegmt=True)
    server.queue("/api/v2/me", Reply(429, {"message": "slow"}, {"Retry-After": when}))
    async with client(server, clock) as cci:
        await cci.users.me()
    assert clock.sleeps == [30.0]


async def test_429_without_retry_after_backs_off_exponentially(
    server: ScriptedServer, clock: FakeClock
) -> None:
    server.queue("/api/v2/me", *[Reply(429, {"message": "slow"})] * 3)
    async with client(server, clock) as cci:
        await cci.users.me()
    assert clock.sleeps == [0.5, 1.0, 2.0]
    assert server.count("/api/v2/me") == 4


async def test_plain_text_429_body_is_handled(server: ScriptedServer, clock: FakeClock) -> None:
    server.queue(
        "/api/v2/me",
        Reply(429, "Rate limited.", {"Content-Type": "text/plain", "Retry-After": "2"}),
    )
    async with client(server, clock) as cci:
        assert (await cci.users.me()).id == "u1"
    assert clock.sleeps == [2.0]


async def test_429_retried_even_on_trigger(server: ScriptedServer, clock: FakeClock) -> None:
    path = "/api/v2/project/gh/org/repo/pipeline"
    server.queue(path, Reply(429, "Rate limited.", {"Retry-After": "1"}), Reply(201, TRIGGERED))
    async with client(server, clock) as cci:
        created = await cci.pipelines.trigger("gh/org/repo", branch="main")
    assert created.number == 7
    assert server.count(path) == 2


async def test_503_retried_on_get(server: ScriptedServer, clock: FakeClock) -> None:
    server.queue("/api/v2/me", Reply(503, {"message": "down"}), Reply(502, "Bad gateway"))
    async with client(server, clock) as cci:
        assert (await cci.users.me()).login == "octo"
    assert server.count("/api/v2/me") == 3
    assert clock.sleeps == [0.5, 1.0]


async def test_503_not_retried_on_trigger(server: ScriptedServer, clock: FakeClock) -> None:
    path = "/api/v2/project/gh/org/repo/pipeline"
    server.queue(path, Reply(503, {"message": "down"}), Reply(201, TRIGGERED))
    async with client(server, clock) as cci:
        with pytest.raises(ServerError) as caught:
            await cci.pipelines.trigger("gh/org/repo", branch="main")
    assert caught.value.status == 503
    assert server.count(path) == 1
    assert clock.sleeps == []


async def test_503_not_retried_on_rerun_but_retried_on_cancel(
    server: ScriptedServer, clock: FakeClock
) -> None:
    rerun, cancel = "/api/v2/workflow/w1/rerun", "/api/v2/workflow/w1/cancel"
    server.queue(rerun, Reply(503, {"message": "down"}))
    server.queue(cancel, Reply(503, {"message": "down"}), Reply(202, {"message": "Accepted."}))
    async with client(server, clock) as cci:
        with pytest.raises(ServerError):
            await cci.workflows.rerun("w1")
        assert (await cci.workflows.cancel("w1")).message == "Accepted."
    assert (server.count(rerun), server.count(cancel)) == (1, 2)


async def test_401_raised_at_once_without_token_in_message(
    server: ScriptedServer, clock: FakeClock
) -> None:
    server.queue("/api/v2/me", Reply(401, {"message": "You must log in first."}))
    async with client(server, clock) as cci:
        with pytest.raises(AuthenticationError) as caught:
            await cci.users.me()
    assert server.count("/api/v2/me") == 1
    assert clock.sleeps == []
    assert caught.value.message == "You must log in first."
    for text in (str(caught.value), repr(caught.value), repr(cci)):
        assert TOKEN not in text


async def test_retry_after_beyond_max_wait_raises_at_once(
    server: ScriptedServer, clock: FakeClock
) -> None:
    server.queue("/api/v2/me", Reply(429, {"message": "slow"}, {"Retry-After": "3600"}))
    async with client(server, clock, retry=RetryPolicy(max_wait=120)) as cci:
        with pytest.raises(RateLimitError) as caught:
            await cci.users.me()
    assert caught.value.retry_after == 3600.0
    assert clock.sleeps == []
    assert server.count("/api/v2/me") == 1


async def test_gives_up_after_max_attempts_with_last_error(
    server: ScriptedServer, clock: FakeClock
) -> None:
    server.queue("/api/v2/me", *[Reply(500, {"message": "boom"})] * 5)
    policy = RetryPolicy(max_attempts=3, jitter=lambda: 1.0)
    async with client(server, clock, retry=policy) as cci:
        with pytest.raises(ServerError, match="boom"):
            await cci.users.me()
    assert server.count("/api/v2/me") == 3


async def test_every_retry_logged_and_hooked_without_token(
    server: ScriptedServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    events: list[RetryEvent] = []
    server.queue(
        "/api/v2/me", Reply(503, {"message": "down"}), Reply(429, "x", {"Retry-After": "3"})
    )
    policy = RetryPolicy(jitter=lambda: 1.0, on_retry=events.append)
    with caplog.at_level(logging.INFO, logger="aiocircle"):
        async with client(server, clock, retry=policy) as cci:
            await cci.users.me()
    assert [(e.status, e.attempt, e.delay) for e in events] == [(503, 1, 0.5), (429, 2, 3.0)]
    retry_lines = [r for r in caplog.records if r.name == "aiocircle" and r.levelno == logging.INFO]
    assert len(retry_lines) == 2
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


async def test_failing_hook_does_not_break_the_request(
    server: ScriptedServer, clock: FakeClock
) -> None:
    def explode(event: RetryEvent) -> None:
        raise RuntimeError("hook bug")

    server.queue("/api/v2/me", Reply(503, {"message": "down"}))
    async with client(server, clock, retry=RetryPolicy(on_retry=explode)) as cci:
        assert (await cci.users.me()).id == "u1"


async def test_connection_refused_is_a_transport_error_and_retried(clock: FakeClock) -> None:
    async with scripted_server() as srv:
        base_url = srv.base_url
    # The server is gone: the port refuses connections.
    async with CircleCI(TOKEN, base_url=base_url, clock=clock) as cci:
        with pytest.raises(TransportError) as caught:
            await cci.users.me()
    assert caught.value.request_sent is False
    assert len(clock.sleeps) == RetryPolicy().max_attempts - 1
    assert TOKEN not in str(caught.value)


async def test_timeout_is_a_transport_error_and_retried_for_get(server: ScriptedServer) -> None:
    server.default["/api/v2/me"] = Reply(body=ME, delay=1.0)
    policy = RetryPolicy(max_attempts=2, backoff_base=0.0)
    async with client(server, retry=policy, timeout=Timeout(total=0.1)) as cci:
        with pytest.raises(TransportError, match="timed out"):
            await cci.users.me()
    assert server.count("/api/v2/me") == 2


async def test_cooldown_after_429_pauses_other_tasks() -> None:
    """A 429 closes the gate for every request of the client, not just the one that got it."""
    async with scripted_server() as srv:
        srv.queue("/api/v2/me", Reply(429, "Rate limited.", {"Retry-After": "0.3"}))
        srv.default["/api/v2/me"] = Reply(body=ME)
        got_429 = asyncio.Event()
        policy = RetryPolicy(on_retry=lambda e: got_429.set())
        async with CircleCI(TOKEN, base_url=srv.base_url, retry=policy) as cci:
            first = asyncio.create_task(cci.users.me())
            await got_429.wait()
            others = [cci.request("GET", "/other") for _ in range(5)]
            await asyncio.gather(first, *others)
        limited, *later = srv.seen
        assert len(later) == 6
        # Nothing reached the server until the Retry-After had passed, so no second 429.
        assert min(s.at for s in later) >= limited.at + 0.3


async def test_max_concurrency_never_exceeded() -> None:
    async with scripted_server() as srv:
        srv.default["/api/v2/me"] = Reply(body=ME, delay=0.03)
        async with CircleCI(TOKEN, base_url=srv.base_url, max_concurrency=4) as cci:
            await asyncio.gather(*(cci.users.me() for _ in range(40)))
        assert srv.count("/api/v2/me") == 40
        assert srv.peak_in_flight == 4


async def test_request_waiting_out_a_backoff_holds_no_slot() -> None:
    async with scripted_server() as srv:
        srv.queue("/api/v2/me", Reply(503, {"message": "down"}))
        srv.default["/api/v2/me"] = Reply(body=ME)
        srv.default["/api/v2/other"] = Reply(body={"ok": True})
        failed = asyncio.Event()
        policy = RetryPolicy(backoff_base=0.3, jitter=lambda: 1.0, on_retry=lambda e: failed.set())
        async with CircleCI(TOKEN, base_url=srv.base_url, max_concurrency=1, retry=policy) as cci:
            first = asyncio.create_task(cci.users.me())
            await failed.wait()
            assert await cci.request("GET", "/other") == {"ok": True}
            await first
        assert [s.path for s in srv.seen] == ["/api/v2/me", "/api/v2/other", "/api/v2/me"]


async def test_token_echoed_by_the_server_is_masked_in_the_error(
    server: ScriptedServer, clock: FakeClock
) -> None:
    server.queue("/api/v2/me", Reply(401, {"message": f"bad token {TOKEN}"}))
    async with client(server, clock) as cci:
        with pytest.raises(AuthenticationError) as caught:
            await cci.users.me()
    assert caught.value.message == "bad token ***"
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)


async def test_closing_the_client_during_a_backoff_raises_client_closed(
    server: ScriptedServer,
) -> None:
    server.queue("/api/v2/me", Reply(503, {"message": "down"}))
    failed = asyncio.Event()
    policy = RetryPolicy(backoff_base=0.2, jitter=lambda: 1.0, on_retry=lambda e: failed.set())
    cci = client(server, retry=policy)
    call = asyncio.create_task(cci.users.me())
    await failed.wait()
    await cci.close()
    with pytest.raises(ClientClosedError):
        await call
    assert server.count("/api/v2/me") == 1


async def test_a_closed_borrowed_session_raises_client_closed(server: ScriptedServer) -> None:
    session = aiohttp.ClientSession()
    await session.close()
    async with client(server, session=session) as cci:
        with pytest.raises(ClientClosedError, match="borrowed"):
            await cci.users.me()
    assert server.seen == []
