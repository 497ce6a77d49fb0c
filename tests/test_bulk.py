"""cci.bulk: map with bounded concurrency, and merged per-project streams on a loopback server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from _loopback import Reply, ScriptedServer, scripted_server

from aiocircle import CircleCI, CircleCIError, NotFoundError, RetryPolicy, ServerError
from aiocircle.bulk import (
    Bulk,
    BulkError,
    BulkResult,
    Failure,
    ProjectFailure,
    Success,
    WorkflowRecord,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
API = "/api/v2"


def pipelines_path(slug: str) -> str:
    return f"{API}/project/{slug}/pipeline"


def pipeline_id(slug: str, number: int) -> str:
    return f"{slug.replace('/', '-')}-p{number}"


def pipeline_body(slug: str, number: int, *, hours_ago: float = 0.0) -> dict[str, Any]:
    """A pipeline as CircleCI lists it, created ``hours_ago`` before T0."""
    created = (T0 - timedelta(hours=hours_ago)).isoformat().replace("+00:00", "Z")
    return {
        "id": pipeline_id(slug, number),
        "number": number,
        "project_slug": slug,
        "created_at": created,
        "errors": [],
        "state": "created",
        "trigger": {
            "type": "webhook",
            "received_at": created,
            "actor": {"login": "octo", "avatar_url": "https://a/x.png"},
        },
        "vcs": {
            "provider_name": "GitHub",
            "origin_repository_url": f"https://github.com/{slug[3:]}",
            "target_repository_url": f"https://github.com/{slug[3:]}",
            "revision": "abc123",
            "branch": "main",
        },
    }


def workflow_body(slug: str, number: int, name: str) -> dict[str, Any]:
    return {
        "id": f"{pipeline_id(slug, number)}-{name}",
        "name": name,
        "status": "success",
        "created_at": "2025-03-01T12:00:00Z",
        "stopped_at": "2025-03-01T12:05:30Z",
        "pipeline_id": pipeline_id(slug, number),
        "pipeline_number": number,
        "project_slug": slug,
        "started_by": "5e6b0cfd-1f1d-4d4e-9c5b-0b0c0d0e0f00",
    }


def job_body(slug: str, name: str) -> dict[str, Any]:
    return {
        "id": f"job-{name}",
        "name": name,
        "started_at": "2025-03-01T12:00:10Z",
        "dependencies": [],
        "project_slug": slug,
        "status": "success",
        "type": "build",
        "job_number": 7,
    }


def page(items: list[dict[str, Any]], token: str | None = None, delay: float = 0.0) -> Reply:
    return Reply(body={"items": items, "next_page_token": token}, delay=delay)


def serve_pipelines(
    server: ScriptedServer, slug: str, numbers: list[int], *, delay: float = 0.0
) -> None:
    server.queue(pipelines_path(slug), page([pipeline_body(slug, n) for n in numbers], delay=delay))


NOT_FOUND = Reply(404, {"message": "Project not found"})
# Long enough to still be in flight when a test stops early; the server waits it out on exit.
SLOW = 0.5


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    async with scripted_server() as srv:
        yield srv


@pytest.fixture
async def bulk(server: ScriptedServer) -> AsyncIterator[Bulk]:
    async with CircleCI("tok", base_url=server.base_url, retry=RetryPolicy(max_attempts=1)) as cci:
        yield Bulk(cci)


def bulk_tasks() -> list[asyncio.Task[Any]]:
    """Bulk workers still running."""
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("aiocircle.bulk")]


# --- map -----------------------------------------------------------------------------------


async def test_map_keeps_every_outcome_in_item_order_when_some_items_fail(bulk: Bulk) -> None:
    async def fn(n: int) -> str:
        await asyncio.sleep(0.001 * (10 - n))  # finish out of order
        if n % 3 == 0:
            raise ValueError(f"bad {n}")
        return f"v{n}"

    result = await bulk.map(range(1, 10), fn, concurrency=4)

    assert [o.item for o in result.outcomes] == list(range(1, 10))
    assert result.values == {n: f"v{n}" for n in (1, 2, 4, 5, 7, 8)}
    assert {n: str(e) for n, e in result.errors.items()} == {3: "bad 3", 6: "bad 6", 9: "bad 9"}
    assert [f.item for f in result.failures] == [3, 6, 9]
    assert not result.ok
    assert result.outcomes[0] == Success(1, "v1")
    assert isinstance(result.outcomes[2], Failure)


async def test_map_an_early_failure_does_not_cancel_calls_in_flight(bulk: Bulk) -> None:
    finished: list[str] = []

    async def fn(item: str) -> str:
        if item == "boom":
            raise RuntimeError("boom")
        await asyncio.sleep(0.02)
        finished.append(item)
        return item

    result = await bulk.map(["a", "boom", "b", "c"], fn, concurrency=4)

    assert sorted(finished) == ["a", "b", "c"]
    assert list(result.errors) == ["boom"]


async def test_map_never_runs_more_than_concurrency_calls_at_once(bulk: Bulk) -> None:
    running = 0
    peak = 0

    async def fn(n: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.002)
        running -= 1
        return n * 2

    result = await bulk.map(range(25), fn, concurrency=3)

    assert peak == 3
    assert result.ok and result.values == {n: n * 2 for n in range(25)}


async def test_map_of_no_items_is_an_empty_ok_result(bulk: Bulk) -> None:
    async def fn(item: str) -> str:
        raise AssertionError("never called")

    no_items: list[str] = []
    result = await bulk.map(no_items, fn)
    assert result == BulkResult(())
    assert result.ok and result.values == {} and result.errors == {}


@pytest.mark.parametrize("concurrency", [0, -1, 1.5, True])
async def test_map_rejects_a_concurrency_that_is_not_a_positive_int(
    bulk: Bulk, concurrency: Any
) -> None:
    async def fn(item: int) -> int:
        return item

    with pytest.raises(ValueError, match="concurrency"):
        await bulk.map([1], fn, concurrency=concurrency)


async def test_raise_for_errors_returns_the_result_when_nothing_failed(bulk: Bulk) -> None:
    async def fn(item: int) -> int:
        return item + 1

    result = await bulk.map([1, 2], fn)
    assert result.raise_for_errors() is result


async def test_raise_for_errors_raises_a_bulk_error_naming_the_failed_items(bulk: Bulk) -> None:
    missing = NotFoundError(404, "Project not found", method="GET", path="/project/gh/o/b")

    async def fn(slug: str) -> str:
        if slug == "gh/o/b":
            raise missing
        if slug == "gh/o/c":
            raise ValueError("no")
        return slug

    result = await bulk.map(["gh/o/a", "gh/o/b", "gh/o/c"], fn)

    with pytest.raises(BulkError) as caught:
        result.raise_for_errors()
    error = caught.value
    assert isinstance(error, CircleCIError) and isinstance(error, ExceptionGroup)
    assert [f.item for f in error.failures] == ["gh/o/b", "gh/o/c"]
    assert error.exceptions[0] is missing
    assert str(error) == "2 failures: 'gh/o/b', 'gh/o/c' (2 sub-exceptions)"


async def test_except_star_slices_of_a_bulk_error_keep_their_failures() -> None:
    missing = NotFoundError(404, "gone", method="GET", path="/x")
    error = BulkError([Failure("a", ValueError("v")), Failure("b", missing)])

    with pytest.raises(BulkError) as rest:
        try:
            raise error
        except* NotFoundError as group:
            assert isinstance(group, BulkError)
            assert group.failures == (Failure("b", missing),)
    assert [f.item for f in rest.value.failures] == ["a"]


async def test_a_bulk_error_message_counts_the_failures_it_does_not_name() -> None:
    error = BulkError([Failure(i, ValueError(str(i))) for i in range(8)])
    assert error.message == "8 failures: 0, 1, 2, 3, 4 and 3 more"


async def test_cancelling_map_cancels_the_calls_in_flight_and_waits_for_them(bulk: Bulk) -> None:
    started: list[int] = []
    cleaned_up: list[int] = []
    pool_full = asyncio.Event()

    async def fn(n: int) -> int:
        started.append(n)
        if len(started) == 3:
            pool_full.set()
        try:
            await asyncio.sleep(10)
        finally:
            cleaned_up.append(n)
        return n

    task = asyncio.create_task(bulk.map(range(10), fn, concurrency=3))
    await pool_full.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert sorted(started) == [0, 1, 2]
    assert sorted(cleaned_up) == [0, 1, 2]
    assert bulk_tasks() == []


async def test_a_stray_cancelled_error_from_fn_is_that_items_failure(bulk: Bulk) -> None:
    async def fn(n: int) -> int:
        if n == 1:
            raise asyncio.CancelledError
        return n

    result = await bulk.map([0, 1, 2], fn, concurrency=1)

    assert result.values == {0: 0, 2: 2}
    assert isinstance(result.errors[1], RuntimeError)
    assert isinstance(result.errors[1].__cause__, asyncio.CancelledError)


# --- merged pipeline stream ----------------------------------------------------------------


async def test_pipelines_merges_every_project_and_follows_pages(
    bulk: Bulk, server: ScriptedServer
) -> None:
    server.queue(
        pipelines_path("gh/o/a"),
        page([pipeline_body("gh/o/a", 3), pipeline_body("gh/o/a", 2)], "t2"),
        page([pipeline_body("gh/o/a", 1)]),
    )
    serve_pipelines(server, "gh/o/b", [9])
    serve_pipelines(server, "gh/o/c", [])

    async with bulk.pipelines(["gh/o/a", "gh/o/b", "gh/o/c"], branch="main") as stream:
        got = [(slug, p.number) async for slug, p in stream]

    assert sorted(got) == [("gh/o/a", 1), ("gh/o/a", 2), ("gh/o/a", 3), ("gh/o/b", 9)]
    assert [n for slug, n in got if slug == "gh/o/a"] == [3, 2, 1]
    assert stream.ok and stream.failures == []
    assert {s.query.get("branch") for s in server.seen} == {"main"}


async def test_a_404_project_is_reported_and_the_others_are_streamed(
    bulk: Bulk, server: ScriptedServer
) -> None:
    serve_pipelines(server, "gh/o/a", [2, 1])
    server.default[pipelines_path("gh/o/gone")] = NOT_FOUND
    serve_pipelines(server, "gh/o/c", [5])
    seen_by_callback: list[ProjectFailure] = []

    async with bulk.pipelines(
        ["gh/o/a", "gh/o/gone", "gh/o/c"], on_error=seen_by_callback.append
    ) as stream:
        got = sorted([(slug, p.number) async for slug, p in stream])

    assert got == [("gh/o/a", 1), ("gh/o/a", 2), ("gh/o/c", 5)]
    assert not stream.ok
    (failure,) = stream.failures
    assert seen_by_callback == [failure]
    assert failure.slug == "gh/o/gone" and failure.pipeline is None
    assert isinstance(failure.error, NotFoundError) and failure.error.status == 404
    assert str(failure).startswith("gh/o/gone: NotFoundError: GET /api/v2/project/gh/o/gone")
    with pytest.raises(BulkError) as caught:
        stream.raise_for_errors()
    assert caught.value.failures == (failure,)


async def test_a_malformed_slug_is_that_projects_failure(
    bulk: Bulk, server: ScriptedServer
) -> None:
    serve_pipelines(server, "gh/o/a", [1])

    async with bulk.pipelines(["gh/o/a", "not-a-slug"]) as stream:
        got = [(slug, p.number) async for slug, p in stream]

    assert got == [("gh/o/a", 1)]
    assert [(f.slug, type(f.error)) for f in stream.failures] == [("not-a-slug", ValueError)]


async def test_since_stops_paging_once_a_project_reaches_older_pipelines(
    bulk: Bulk, server: ScriptedServer
) -> None:
    slug = "gh/o/a"
    server.queue(
        pipelines_path(slug),
        page([pipeline_body(slug, n, hours_ago=h) for n, h in [(4, 0), (3, 1)]], "t2"),
        page([pipeline_body(slug, n, hours_ago=h) for n, h in [(2, 2), (1, 30)]], "t3"),
        page([pipeline_body(slug, 0, hours_ago=40)]),
    )

    async with bulk.pipelines([slug], since=T0 - timedelta(hours=24)) as stream:
        got = [p.number async for _, p in stream]

    assert got == [4, 3, 2]
    assert [s.query.get("page-token") for s in server.seen] == [None, "t2"]


async def test_since_on_a_page_boundary_does_not_fetch_another_page(
    bulk: Bulk, server: ScriptedServer
) -> None:
    slug = "gh/o/a"
    server.queue(
        pipelines_path(slug),
        page([pipeline_body(slug, 2, hours_ago=1)], "t2"),
        page([pipeline_body(slug, 1, hours_ago=5)], "t3"),
        page([pipeline_body(slug, 0, hours_ago=6)]),
    )

    async with bulk.pipelines([slug], since=T0 - timedelta(hours=3)) as stream:
        got = [p.number async for _, p in stream]

    assert got == [2]
    assert server.count(pipelines_path(slug)) == 2


async def test_since_must_be_timezone_aware(bulk: Bulk) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        bulk.pipelines(["gh/o/a"], since=datetime(2025, 1, 1))


async def test_the_stream_fetches_at_most_concurrency_projects_at_once(
    bulk: Bulk, server: ScriptedServer
) -> None:
    slugs = [f"gh/o/r{i}" for i in range(6)]
    for slug in slugs:
        serve_pipelines(server, slug, [1], delay=0.03)

    async with bulk.pipelines(slugs, concurrency=2) as stream:
        got = sorted([slug async for slug, _ in stream])

    assert got == sorted(slugs)
    assert server.peak_in_flight == 2


async def test_breaking_early_inside_async_with_cancels_and_awaits_the_producers(
    bulk: Bulk, server: ScriptedServer
) -> None:
    serve_pipelines(server, "gh/o/fast", [1, 2, 3])
    slow = [f"gh/o/slow{i}" for i in range(4)]
    for slug in slow:
        serve_pipelines(server, slug, [1], delay=SLOW)

    async with bulk.pipelines(["gh/o/fast", *slow], concurrency=5) as stream:
        async for slug, _ in stream:
            assert slug == "gh/o/fast"
            break
        assert bulk_tasks(), "the slow producers are still fetching"

    assert bulk_tasks() == []


async def test_breaking_a_plain_async_for_cancels_the_producers_soon_after(
    bulk: Bulk, server: ScriptedServer
) -> None:
    serve_pipelines(server, "gh/o/fast", [1, 2])
    serve_pipelines(server, "gh/o/slow", [1], delay=SLOW)

    async for _ in bulk.pipelines(["gh/o/fast", "gh/o/slow"]):
        running = bulk_tasks()
        break

    assert running, "the slow producer is still fetching"
    _, pending = await asyncio.wait(running, timeout=SLOW / 2)
    assert not pending and all(t.cancelled() for t in running)


async def test_cancelling_the_consumer_cancels_the_producers(
    bulk: Bulk, server: ScriptedServer
) -> None:
    serve_pipelines(server, "gh/o/slow", [1], delay=SLOW)

    async def consume() -> None:
        async with bulk.pipelines(["gh/o/slow"]) as stream:
            async for _ in stream:
                pass

    task = asyncio.create_task(consume())
    await asyncio.sleep(SLOW / 10)
    assert server.seen, "the request is in flight"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert bulk_tasks() == []


async def test_a_stream_can_be_iterated_only_once(bulk: Bulk, server: ScriptedServer) -> None:
    serve_pipelines(server, "gh/o/a", [1])
    stream = bulk.pipelines(["gh/o/a"])
    assert [p.number async for _, p in stream] == [1]
    with pytest.raises(RuntimeError, match="only once"):
        aiter(stream)


async def test_a_failing_on_error_callback_is_logged_not_fatal(
    bulk: Bulk, server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.default[pipelines_path("gh/o/gone")] = NOT_FOUND
    serve_pipelines(server, "gh/o/a", [1])

    def on_error(failure: ProjectFailure) -> None:
        raise RuntimeError("callback bug")

    with caplog.at_level(logging.ERROR, logger="aiocircle.bulk"):
        async with bulk.pipelines(["gh/o/gone", "gh/o/a"], on_error=on_error) as stream:
            got = [slug async for slug, _ in stream]

    assert got == ["gh/o/a"]
    assert [f.slug for f in stream.failures] == ["gh/o/gone"]
    assert "on_error callback raised" in caplog.text


async def test_an_empty_list_of_projects_ends_at_once(bulk: Bulk) -> None:
    async with bulk.pipelines([]) as stream:
        assert [x async for x in stream] == []


# --- merged workflow stream ----------------------------------------------------------------


async def test_workflows_yields_a_record_per_workflow_with_its_jobs(
    bulk: Bulk, server: ScriptedServer
) -> None:
    slug = "gh/o/a"
    serve_pipelines(server, slug, [2, 1])
    for number, names in [(2, ["build", "deploy"]), (1, ["build"])]:
        server.queue(
            f"{API}/pipeline/{pipeline_id(slug, number)}/workflow",
            page([workflow_body(slug, number, name) for name in names]),
        )
    for number, name in [(2, "build"), (2, "deploy"), (1, "build")]:
        server.queue(
            f"{API}/workflow/{pipeline_id(slug, number)}-{name}/job",
            page([job_body(slug, f"{name}-test"), job_body(slug, f"{name}-lint")]),
        )

    async with bulk.workflows([slug], with_jobs=True) as stream:
        records = [r async for r in stream]

    assert [(r.pipeline.number, r.workflow.name) for r in records] == [
        (2, "build"),
        (2, "deploy"),
        (1, "build"),
    ]
    assert all(isinstance(r, WorkflowRecord) and r.slug == slug for r in records)
    assert [j.name for j in records[1].jobs or []] == ["deploy-test", "deploy-lint"]
    assert stream.ok


async def test_workflows_without_jobs_sends_no_job_requests(
    bulk: Bulk, server: ScriptedServer
) -> None:
    slug = "gh/o/a"
    serve_pipelines(server, slug, [1])
    server.queue(
        f"{API}/pipeline/{pipeline_id(slug, 1)}/workflow", page([workflow_body(slug, 1, "build")])
    )

    async with bulk.workflows([slug]) as stream:
        records = [r async for r in stream]

    assert [r.jobs for r in records] == [None]
    assert not any(s.path.endswith("/job") for s in server.seen)


async def test_a_pipeline_whose_workflows_fail_is_reported_and_the_next_one_streamed(
    bulk: Bulk, server: ScriptedServer
) -> None:
    slug = "gh/o/a"
    serve_pipelines(server, slug, [2, 1])
    server.queue(f"{API}/pipeline/{pipeline_id(slug, 2)}/workflow", Reply(500, {"message": "x"}))
    server.queue(
        f"{API}/pipeline/{pipeline_id(slug, 1)}/workflow", page([workflow_body(slug, 1, "build")])
    )

    async with bulk.workflows([slug]) as stream:
        records = [r async for r in stream]

    assert [(r.pipeline.number, r.workflow.name) for r in records] == [(1, "build")]
    (failure,) = stream.failures
    assert isinstance(failure.error, ServerError)
    assert failure.pipeline is not None and failure.pipeline.number == 2
    assert failure.workflow is None
    assert failure.describe() == "gh/o/a pipeline 2"


async def test_a_workflow_whose_jobs_fail_is_still_yielded_with_jobs_none(
    bulk: Bulk, server: ScriptedServer
) -> None:
    slug = "gh/o/a"
    serve_pipelines(server, slug, [1])
    server.queue(
        f"{API}/pipeline/{pipeline_id(slug, 1)}/workflow", page([workflow_body(slug, 1, "build")])
    )
    server.queue(f"{API}/workflow/{pipeline_id(slug, 1)}-build/job", NOT_FOUND)

    async with bulk.workflows([slug], with_jobs=True) as stream:
        records = [r async for r in stream]

    assert [(r.workflow.name, r.jobs) for r in records] == [("build", None)]
    (failure,) = stream.failures
    assert failure.workflow is not None and failure.workflow.name == "build"
    assert failure.describe() == "gh/o/a pipeline 1 workflow 'build'"
