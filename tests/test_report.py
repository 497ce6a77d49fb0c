"""Workflow report rows from merged streams, and their CSV / JSON Lines writers."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from _loopback import Reply, ScriptedServer, scripted_server

from aiocircle import CircleCI, NotFoundError, RetryPolicy
from aiocircle.bulk import WorkflowRecord
from aiocircle.models import Actor, Pipeline, Trigger, Workflow
from aiocircle.report import FIELDS, WorkflowRow, workflow_rows, write_csv, write_jsonl

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
API = "/api/v2"


def pipeline_body(
    slug: str, number: int, *, hours_ago: float, branch: str | None
) -> dict[str, Any]:
    created = (T0 - timedelta(hours=hours_ago)).isoformat()
    body: dict[str, Any] = {
        "id": f"{slug.replace('/', '-')}-p{number}",
        "number": number,
        "project_slug": slug,
        "created_at": created,
        "errors": [],
        "state": "created",
        "trigger": {
            "type": "api",
            "received_at": created,
            "actor": {"login": "octo", "avatar_url": None},
        },
    }
    if branch is not None:
        body["vcs"] = {
            "provider_name": "GitHub",
            "origin_repository_url": "https://github.com/o/r",
            "target_repository_url": "https://github.com/o/r",
            "revision": "abc123",
            "branch": branch,
        }
    return body


def workflow_body(
    pipeline: dict[str, Any], name: str, status: str, created: str, stopped: str | None
) -> dict[str, Any]:
    return {
        "id": f"{pipeline['id']}-{name}",
        "name": name,
        "status": status,
        "created_at": created,
        "stopped_at": stopped,
        "pipeline_id": pipeline["id"],
        "pipeline_number": pipeline["number"],
        "project_slug": pipeline["project_slug"],
        "started_by": "5e6b0cfd-1f1d-4d4e-9c5b-0b0c0d0e0f00",
    }


def items(*bodies: dict[str, Any], token: str | None = None) -> Reply:
    return Reply(body={"items": list(bodies), "next_page_token": token})


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    async with scripted_server() as srv:
        yield srv


@pytest.fixture
async def cci(server: ScriptedServer) -> AsyncIterator[CircleCI]:
    async with CircleCI("tok", base_url=server.base_url, retry=RetryPolicy(max_attempts=1)) as c:
        yield c


def serve_report(server: ScriptedServer) -> None:
    """gh/o/a: pipeline 8 on main (two workflows, one running) and an old pipeline 7;
    gh/o/b: pipeline 3 with no branch (a tag pipeline); gh/o/gone: 404."""
    a8 = pipeline_body("gh/o/a", 8, hours_ago=1, branch="main")
    a7 = pipeline_body("gh/o/a", 7, hours_ago=48, branch="main")
    b3 = pipeline_body("gh/o/b", 3, hours_ago=2, branch=None)
    server.queue(f"{API}/project/gh/o/a/pipeline", items(a8, a7, token="next"))
    server.queue(f"{API}/project/gh/o/b/pipeline", items(b3))
    server.default[f"{API}/project/gh/o/gone/pipeline"] = Reply(404, {"message": "Not found"})
    server.queue(
        f"{API}/pipeline/{a8['id']}/workflow",
        items(
            workflow_body(a8, "build", "success", "2025-03-01T11:00:00Z", "2025-03-01T11:02:30Z"),
            workflow_body(a8, "deploy", "running", "2025-03-01T11:02:31Z", None),
        ),
    )
    server.queue(
        f"{API}/pipeline/{b3['id']}/workflow",
        items(
            workflow_body(b3, "release", "failed", "2025-03-01T10:00:00Z", "2025-03-01T10:00:09.5Z")
        ),
    )


BUILD = WorkflowRow(
    project="gh/o/a",
    pipeline_number=8,
    branch="main",
    workflow="build",
    status="success",
    created=datetime(2025, 3, 1, 11, 0, tzinfo=UTC),
    stopped=datetime(2025, 3, 1, 11, 2, 30, tzinfo=UTC),
    duration_seconds=150.0,
    pipeline_id="gh-o-a-p8",
    workflow_id="gh-o-a-p8-build",
)
DEPLOY = WorkflowRow(
    project="gh/o/a",
    pipeline_number=8,
    branch="main",
    workflow="deploy",
    status="running",
    created=datetime(2025, 3, 1, 11, 2, 31, tzinfo=UTC),
    stopped=None,
    duration_seconds=None,
    pipeline_id="gh-o-a-p8",
    workflow_id="gh-o-a-p8-deploy",
)
RELEASE = WorkflowRow(
    project="gh/o/b",
    pipeline_number=3,
    branch=None,
    workflow="release",
    status="failed",
    created=datetime(2025, 3, 1, 10, 0, tzinfo=UTC),
    stopped=datetime(2025, 3, 1, 10, 0, 9, 500000, tzinfo=UTC),
    duration_seconds=9.5,
    pipeline_id="gh-o-b-p3",
    workflow_id="gh-o-b-p3-release",
)


async def aiter_rows(*rows: WorkflowRow) -> AsyncIterator[WorkflowRow]:
    for row in rows:
        yield row


def test_a_row_flattens_project_pipeline_and_workflow() -> None:
    pipeline = Pipeline(
        id="p",
        number=8,
        project_slug="gh/o/a",
        created_at=T0,
        state="created",
        trigger=Trigger(type="api", received_at=T0, actor=Actor(login="octo")),
        vcs=None,
    )
    workflow = Workflow(
        id="w",
        name="build",
        status="on_hold",
        created_at=T0,
        pipeline_id="p",
        pipeline_number=8,
        project_slug="gh/o/a",
        stopped_at=T0 + timedelta(minutes=1, seconds=1),
    )

    row = WorkflowRow.from_record(WorkflowRecord("gh/o/a", pipeline, workflow))

    assert row.branch is None and row.status == "on_hold"
    assert row.duration_seconds == 61.0


async def test_workflow_rows_streams_rows_since_the_cutoff_and_reports_failed_projects(
    cci: CircleCI, server: ScriptedServer
) -> None:
    serve_report(server)

    rows = workflow_rows(cci, ["gh/o/a", "gh/o/gone", "gh/o/b"], since=T0 - timedelta(hours=24))
    async with rows:
        got = [row async for row in rows]

    assert sorted(got, key=lambda r: (r.project, r.workflow)) == [BUILD, DEPLOY, RELEASE]
    assert [(f.slug, type(f.error)) for f in rows.failures] == [("gh/o/gone", NotFoundError)]
    # pipeline 7 is older than the cutoff: neither its workflows nor a next page were asked for
    assert {s.path for s in server.seen} == {
        f"{API}/project/gh/o/a/pipeline",
        f"{API}/project/gh/o/b/pipeline",
        f"{API}/project/gh/o/gone/pipeline",
        f"{API}/pipeline/gh-o-a-p8/workflow",
        f"{API}/pipeline/gh-o-b-p3/workflow",
    }


async def test_workflow_rows_passes_the_branch_filter(
    cci: CircleCI, server: ScriptedServer
) -> None:
    server.queue(f"{API}/project/gh/o/a/pipeline", items())

    async with workflow_rows(cci, ["gh/o/a"], since=None, branch="release/1.x") as rows:
        assert [r async for r in rows] == []

    assert [s.query for s in server.seen] == [{"branch": "release/1.x"}]


async def test_write_csv_writes_a_header_and_iso_8601_cells() -> None:
    out = io.StringIO()

    count = await write_csv(aiter_rows(BUILD, DEPLOY, RELEASE), out)

    assert count == 3
    assert out.getvalue().splitlines() == [
        "project,pipeline_number,branch,workflow,status,created,stopped,duration_seconds,"
        "pipeline_id,workflow_id",
        "gh/o/a,8,main,build,success,2025-03-01T11:00:00+00:00,2025-03-01T11:02:30+00:00,150.0,"
        "gh-o-a-p8,gh-o-a-p8-build",
        "gh/o/a,8,main,deploy,running,2025-03-01T11:02:31+00:00,,,gh-o-a-p8,gh-o-a-p8-deploy",
        "gh/o/b,3,,release,failed,2025-03-01T10:00:00+00:00,2025-03-01T10:00:09.500000+00:00,9.5,"
        "gh-o-b-p3,gh-o-b-p3-release",
    ]
    assert next(csv.reader(io.StringIO(out.getvalue()))) == list(FIELDS)


async def test_write_csv_of_no_rows_writes_only_the_header() -> None:
    out = io.StringIO()
    assert await write_csv(aiter_rows(), out) == 0
    assert out.getvalue() == ",".join(FIELDS) + "\r\n"


async def test_write_jsonl_writes_one_object_per_line() -> None:
    out = io.StringIO()

    count = await write_jsonl(aiter_rows(BUILD, DEPLOY), out)

    assert count == 2
    assert out.getvalue().endswith("\n")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines == [
        {
            "project": "gh/o/a",
            "pipeline_number": 8,
            "branch": "main",
            "workflow": "build",
            "status": "success",
            "created": "2025-03-01T11:00:00+00:00",
            "stopped": "2025-03-01T11:02:30+00:00",
            "duration_seconds": 150.0,
            "pipeline_id": "gh-o-a-p8",
            "workflow_id": "gh-o-a-p8-build",
        },
        {
            "project": "gh/o/a",
            "pipeline_number": 8,
            "branch": "main",
            "workflow": "deploy",
            "status": "running",
            "created": "2025-03-01T11:02:31+00:00",
            "stopped": None,
            "duration_seconds": None,
            "pipeline_id": "gh-o-a-p8",
            "workflow_id": "gh-o-a-p8-deploy",
        },
    ]
    assert all(list(line) == list(FIELDS) for line in lines)


async def test_writers_consume_a_live_stream_end_to_end(
    cci: CircleCI, server: ScriptedServer
) -> None:
    serve_report(server)
    out = io.StringIO()

    rows = workflow_rows(cci, ["gh/o/b"], since=T0 - timedelta(hours=24))
    assert await write_jsonl(rows, out) == 1

    assert json.loads(out.getvalue())["workflow"] == "release"
    assert rows.ok


async def test_a_writer_that_fails_stops_the_stream_producers(
    cci: CircleCI, server: ScriptedServer
) -> None:
    serve_report(server)

    class FullDisk:
        def write(self, text: str) -> int:
            raise OSError("No space left on device")

    with pytest.raises(OSError, match="No space"):
        await write_jsonl(workflow_rows(cci, ["gh/o/a", "gh/o/b"], since=None), FullDisk())

    assert [t for t in asyncio.all_tasks() if t.get_name().startswith("aiocircle.bulk")] == []
