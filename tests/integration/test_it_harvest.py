"""Artifact harvesting end to end: aiocircle against the fake CircleCI over TCP.

Every test talks HTTP to the fake's three listeners (API, artifacts host, storage) and checks
the files on disk against the fake's checksums.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from _harvest_helpers import (
    SHARED_PATH,
    artifacts_records,
    exists,
    files_under,
    layout_path,
    mismatches,
    names_in,
    part_files,
    seed_workflow,
    sha256_file,
    storage_records,
)

from aiocircle import CircleCI, RetryPolicy
from aiocircle.errors import AuthenticationError, NotFoundError
from aiocircle.harvest import (
    BytesReceived,
    DownloadStatus,
    FileDone,
    FileFailed,
    FileQueued,
    FileRetrying,
    FileSkipped,
    FileStarted,
    Harvest,
    HarvestFinished,
    HarvestOptions,
    JobArtifact,
    ListingDone,
    ProgressEvent,
    default_layout,
)
from aiocircle.harvest._manifest import MANIFEST_NAME
from aiocircle.models import Artifact
from aiocircle.testing import Dataset, FakeCircleCI, Faults

FAST_RETRY = RetryPolicy(backoff_base=0.01, max_attempts=12)
NO_RETRY = RetryPolicy(max_attempts=1)


@pytest.fixture
async def fake() -> AsyncIterator[FakeCircleCI]:
    async with FakeCircleCI(seed=11, page_size=20) as started:
        yield started


def client(fake: FakeCircleCI, retry: RetryPolicy = FAST_RETRY, **kwargs: Any) -> CircleCI:
    return fake.client(retry=retry, **kwargs)


# --- a whole workflow --------------------------------------------------------------------------


async def test_workflow_harvest_matches_checksums_and_layout(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    seeded = seed_workflow(fake)
    dest = tmp_path / "dest"
    async with client(fake) as cci:
        report = await cci.artifacts.download_workflow(seeded.workflow_id, dest, concurrency=8)

    assert report.ok, report
    assert len(report.downloaded) == seeded.artifact_count >= 100
    assert report.skipped == report.failed == report.refused == []
    assert mismatches(fake, report) == []
    # Layout: dest/<job_number>-<job_name>/<node_index>/<path>, one file per artifact.
    expected_paths = {
        layout_path(dest, job, node, path) for job in seeded.jobs for (node, path) in job.artifacts
    }
    assert {e.local_path for e in report.entries} == {p.resolve() for p in expected_paths}
    assert set(files_under(dest)) == expected_paths
    assert report.bytes == sum(a.size for job in seeded.jobs for a in job.artifacts.values())
    # The approval job has no number and no artifacts: never listed, never a folder.
    assert all(e.item.job_name != "hold" for e in report.entries)
    assert sorted(p.name for p in dest.iterdir()) == sorted(
        [MANIFEST_NAME] + [f"{job.number}-{job.name}" for job in seeded.jobs]
    )
    assert fake.stats.count("GET /project/{project-slug}/{job-number}/artifacts") >= 3
    assert part_files(tmp_path) == []


async def test_parallel_nodes_with_the_same_path_are_all_kept(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    seeded = seed_workflow(fake, per_job=2, parallelism=3)
    test_job = seeded.jobs[1]
    async with client(fake) as cci:
        report = await cci.artifacts.download_workflow(
            seeded.workflow_id, tmp_path, include=SHARED_PATH
        )

    assert report.ok
    assert sorted(e.item.artifact.node_index for e in report.downloaded) == [0, 1, 2]
    for node in range(3):
        local = layout_path(tmp_path, test_job, node, SHARED_PATH)
        assert local.stat().st_size == 100 + node * 50
        assert sha256_file(local) == fake.expected_sha256(
            seeded.slug, test_job.number or 0, node, SHARED_PATH
        )
    assert mismatches(fake, report) == []


async def test_token_goes_to_the_artifacts_host_and_never_to_storage(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    seeded = seed_workflow(fake, per_job=5)
    async with client(fake) as cci:
        report = await cci.artifacts.download_workflow(seeded.workflow_id, tmp_path)

    assert report.ok and len(report.downloaded) == seeded.artifact_count
    assert fake.leaks == []
    # The project is private: the artifacts host answers 401 without the token, 302 with it.
    hops = artifacts_records(fake)
    assert len(hops) == seeded.artifact_count
    assert {r.status for r in hops} == {302}
    assert {r.status for r in storage_records(fake)} == {200}


async def test_without_the_artifact_host_configured_the_token_is_withheld(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    seeded = seed_workflow(fake, per_job=1)
    async with client(fake, retry=NO_RETRY, artifact_hosts=()) as cci:
        report = await cci.artifacts.download_workflow(seeded.workflow_id, tmp_path)

    assert len(report.failed) == seeded.artifact_count
    assert all("401" in (e.message or "") for e in report.failed)
    assert files_under(tmp_path) == [] and part_files(tmp_path) == []
    assert fake.leaks == []


# --- faults, reruns, resume ----------------------------------------------------------------


# Each download attempt is two requests (artifacts host, storage), so an attempt fails about
# a quarter of the time in the brief's mix; 12 attempts leave about one run in 100,000 with a
# file that never came through. The heavier mix gets the same 12 attempts.
@pytest.mark.parametrize(
    ("faults", "retry", "per_job", "heavy"),
    [
        # The brief's mix, over 105 artifacts. Resets (2 %) and truncations (1 %) are rolled
        # in an order the concurrency decides, so a run may see none of one kind: errors
        # (10 %) are certain on every listener.
        (Faults(error_rate=0.10, reset_rate=0.02, truncate_rate=0.01), FAST_RETRY, 34, False),
        # Heavier, over 213 artifacts: resets and truncations surely happen. (Whether a
        # truncation leaves bytes to resume from depends on where it cuts and on timing, so
        # the Range resume itself is checked deterministically further down.)
        (
            Faults(error_rate=0.10, reset_rate=0.05, truncate_rate=0.10),
            RetryPolicy(backoff_base=0.01, max_attempts=12),
            70,
            True,
        ),
    ],
    ids=["brief-mix", "heavy-mix"],
)
async def test_harvest_through_faults_on_every_listener_ends_complete(
    tmp_path: Path, faults: Faults, retry: RetryPolicy, per_job: int, heavy: bool
) -> None:
    assert faults.listeners == {"api", "artifacts", "storage"}  # the default: all three
    async with FakeCircleCI(seed=5, page_size=20) as fake:
        seeded = seed_workflow(fake, per_job=per_job)
        fake.knobs.faults = faults
        retries: list[FileRetrying] = []

        def on_event(event: ProgressEvent) -> None:
            if isinstance(event, FileRetrying):
                retries.append(event)

        dest = tmp_path / "dest"
        async with client(fake, retry=retry) as cci:
            report = await cci.artifacts.download_workflow(
                seeded.workflow_id, dest, concurrency=8, progress=on_event
            )
        records = list(fake.stats.requests)

    assert report.ok, report.failed[:3] or report.listing
    assert len(report.downloaded) == seeded.artifact_count >= 100
    assert mismatches(fake, report) == []
    assert part_files(tmp_path) == []
    assert len(files_under(dest)) == seeded.artifact_count
    # Faults really happened, on every listener, and downloads were retried.
    kinds = {(r.listener, r.fault) for r in records if r.fault is not None}
    assert {("api", "error"), ("artifacts", "error"), ("storage", "error")} <= kinds
    assert retries
    if heavy:
        assert {("artifacts", "reset"), ("storage", "reset"), ("storage", "truncate")} <= kinds
    assert fake.leaks == []


async def test_rerun_of_a_complete_harvest_sends_nothing_to_artifacts_host_or_storage(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    seeded = seed_workflow(fake, per_job=10)
    async with client(fake) as cci:
        first = await cci.artifacts.download_workflow(seeded.workflow_id, tmp_path)
        before = {p: p.stat().st_mtime_ns for p in files_under(tmp_path)}
        fake.reset_stats()
        second = await cci.artifacts.download_workflow(seeded.workflow_id, tmp_path)

    assert len(first.downloaded) == seeded.artifact_count
    assert second.ok
    assert second.downloaded == []
    assert len(second.skipped) == seeded.artifact_count
    assert second.bytes == 0
    assert mismatches(fake, second) == []
    assert {p: p.stat().st_mtime_ns for p in files_under(tmp_path)} == before
    # The manifest vouched for every file: only the listing went out.
    assert artifacts_records(fake) == [] and storage_records(fake) == []
    assert fake.stats.count("GET /project/{project-slug}/{job-number}/artifacts") >= 3


async def test_rerun_without_a_manifest_probes_and_downloads_nothing(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    seeded = seed_workflow(fake, per_job=10)
    async with client(fake) as cci:
        first = await cci.artifacts.download_workflow(seeded.workflow_id, tmp_path)
        (tmp_path / MANIFEST_NAME).unlink()
        before = {p: p.stat().st_mtime_ns for p in files_under(tmp_path)}
        fake.reset_stats()
        second = await cci.artifacts.download_workflow(seeded.workflow_id, tmp_path)
        storage = storage_records(fake)
        fake.reset_stats()
        third = await cci.artifacts.download_workflow(seeded.workflow_id, tmp_path)

    assert len(first.downloaded) == seeded.artifact_count
    assert second.ok and second.downloaded == []
    assert {e.status for e in second.entries} == {DownloadStatus.SKIPPED}
    assert mismatches(fake, second) == []
    assert {p: p.stat().st_mtime_ns for p in files_under(tmp_path)} == before
    # Storage served no body: 416 "you have it all" to the probes, 200 only for empty files.
    assert len(storage) == seeded.artifact_count
    served = [fake.state.blobs[r.path.split("/")[2]].size for r in storage if r.status != 416]
    assert served and set(served) == {0}
    # The probed files went into a new manifest: the third run asks nothing.
    assert third.ok and len(third.skipped) == seeded.artifact_count
    assert storage_records(fake) == []


async def test_rerun_replaces_a_file_of_the_wrong_size(fake: FakeCircleCI, tmp_path: Path) -> None:
    seeded = seed_workflow(fake, per_job=3, max_size=5000)
    async with client(fake) as cci:
        first = await cci.artifacts.download_workflow(seeded.workflow_id, tmp_path)
        victim = next(e for e in first.downloaded if e.bytes > 10)
        assert victim.local_path is not None
        victim.local_path.write_bytes(b"stale")  # shorter than the artifact
        longer = next(e for e in first.downloaded if e is not victim and e.bytes > 0)
        assert longer.local_path is not None
        longer.local_path.write_bytes(b"x" * (longer.bytes + 10))  # longer than the artifact
        second = await cci.artifacts.download_workflow(seeded.workflow_id, tmp_path)

    assert second.ok
    assert {e.path for e in second.downloaded} == {victim.path, longer.path}
    assert len(second.skipped) == seeded.artifact_count - 2
    assert mismatches(fake, second) == []


async def test_truncated_body_is_resumed_with_range(fake: FakeCircleCI, tmp_path: Path) -> None:
    project = fake.state.add_project("gh/acme/resume")
    workflow = fake.state.add_workflow(fake.state.add_pipeline(project, branch="main"), "wf")
    job = fake.state.add_job(workflow, "build")
    fake.state.add_artifact(job, "big/blob.bin", size=1_500_000)
    fake.knobs.faults = Faults(truncate_rate=1.0)
    started = 0

    def on_event(event: ProgressEvent) -> None:
        nonlocal started
        if isinstance(event, FileRetrying):
            fake.knobs.faults = Faults()  # the retry gets the rest of the body
        if isinstance(event, FileStarted):
            started += 1

    async with client(fake) as cci:
        report = await cci.artifacts.download_job(
            "gh/acme/resume", job.number or 0, tmp_path, progress=on_event
        )

    assert report.ok and len(report.downloaded) == 1
    assert mismatches(fake, report) == []
    assert report.downloaded[0].bytes == 1_500_000
    storage = storage_records(fake)
    assert [r.fault for r in storage] == ["truncate", None]
    assert [r.status for r in storage] == [200, 206]  # the second one asked for a Range
    assert started == 1  # one file, announced once
    assert part_files(tmp_path) == []


# --- hostile paths and symlinks ------------------------------------------------------------


async def test_hostile_paths_are_refused_and_nothing_lands_outside(tmp_path: Path) -> None:
    async with FakeCircleCI(seed=3) as fake:
        fake.populate(Dataset(projects=1, pipelines_per_project=2, hostile_paths=True))
        project = next(iter(fake.state.projects.values()))
        newest = project.pipelines[-1]
        job = newest.workflows[0].jobs[0]
        dest = tmp_path / "dest"
        async with client(fake) as cci:
            report = await cci.artifacts.download_workflow(newest.workflows[0].id, dest)

        refused = {e.path for e in report.refused}
        assert refused == {"../escape.txt", "/abs/path.txt", "a/../../up.txt"}
        assert all(e.local_path is None and e.error for e in report.refused)
        assert report.failed == [] and not report.ok
        # Everything else arrived intact, the odd name and the empty file included.
        assert mismatches(fake, report) == []
        local = {e.path: e.local_path for e in report.downloaded}
        assert local["odd name ü.txt"] == layout_path(dest, job, 0, "odd name ü.txt").resolve()
        assert local["empty.txt"] is not None and local["empty.txt"].stat().st_size == 0
        dups = [e for e in report.downloaded if e.path == "dup/same.txt"]
        assert sorted(e.item.artifact.node_index for e in dups) == [0, 1]

    assert names_in(tmp_path) == ["dest"]
    assert not exists("/abs/path.txt") and not exists("/abs")
    assert not exists(dest.parent / "escape.txt") and not exists(dest.parent / "up.txt")
    assert part_files(tmp_path) == []


async def test_symlink_planted_in_dest_is_not_followed(fake: FakeCircleCI, tmp_path: Path) -> None:
    project = fake.state.add_project("gh/acme/links")
    workflow = fake.state.add_workflow(fake.state.add_pipeline(project, branch="main"), "wf")
    job = fake.state.add_job(workflow, "build")
    fake.state.add_artifact(job, "reports/junit.xml", size=300)
    fake.state.add_artifact(job, "direct.txt", size=40)
    fake.state.add_artifact(job, "safe/ok.txt", size=50)
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "dest"
    node_dir = layout_path(dest, job, 0, "x").parent
    node_dir.mkdir(parents=True)
    (node_dir / "reports").symlink_to(outside, target_is_directory=True)
    (node_dir / "direct.txt").symlink_to(outside / "direct.txt")  # dangling, points out

    async with client(fake) as cci:
        report = await cci.artifacts.download_workflow(workflow.id, dest)

    assert {e.path for e in report.refused} == {"reports/junit.xml", "direct.txt"}
    assert [e.path for e in report.downloaded] == ["safe/ok.txt"]
    assert list(outside.iterdir()) == []
    assert (node_dir / "reports").is_symlink() and (node_dir / "direct.txt").is_symlink()
    assert part_files(tmp_path) == []


# --- cancellation ----------------------------------------------------------------------------


async def test_cancelled_harvest_leaves_no_partial_files(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    seeded = seed_workflow(fake, per_job=2, max_size=1000)
    big = fake.state.add_artifact(seeded.jobs[0], "huge/big.bin", size=2_000_000)
    sizes = {
        (job.number, a.node_index, a.path): a.size
        for job in seeded.jobs
        for a in job.artifacts.values()
    }
    fake.knobs.bandwidth = 400_000  # 5 s for the big file: it is cut off mid-way
    first_bytes = asyncio.Event()

    def on_event(event: ProgressEvent) -> None:
        if isinstance(event, BytesReceived) and event.item.artifact.path == big.path:
            first_bytes.set()

    dest = tmp_path / "dest"
    async with client(fake) as cci:
        task = asyncio.create_task(
            cci.artifacts.download_workflow(seeded.workflow_id, dest, progress=on_event)
        )
        await asyncio.wait_for(first_bytes.wait(), timeout=10)
        assert part_files(dest), "the big file is being written to a .part file"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    assert part_files(tmp_path) == []
    big_target = layout_path(dest, seeded.jobs[0], 0, big.path)
    assert not big_target.exists()
    for local in files_under(dest):
        job_folder, node, *rest = local.relative_to(dest).parts
        number = int(job_folder.split("-", 1)[0])
        assert local.stat().st_size == sizes[(number, int(node), "/".join(rest))], local


async def test_cancelling_with_a_full_queue_of_listed_artifacts_does_not_hang(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    """One slow download, dozens listed behind it: the queue is full when the harvest is
    cancelled, and nothing may wait for room in it afterwards."""
    seeded = seed_workflow(fake, per_job=20, max_size=200_000)
    fake.knobs.bandwidth = 100_000
    started = asyncio.Event()

    def on_event(event: ProgressEvent) -> None:
        if isinstance(event, BytesReceived):
            started.set()

    async with client(fake) as cci:
        task = asyncio.create_task(
            cci.artifacts.download_workflow(
                seeded.workflow_id, tmp_path, concurrency=1, progress=on_event
            )
        )
        await asyncio.wait_for(started.wait(), timeout=10)
        await asyncio.sleep(0.2)  # listing runs on, filling the queue behind the one worker
        task.cancel()
        async with asyncio.timeout(5):
            with pytest.raises(asyncio.CancelledError):
                await task
    assert part_files(tmp_path) == []


async def test_downloads_start_while_later_jobs_are_still_being_listed(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    state = fake.state
    project = state.add_project("gh/acme/many-jobs")
    workflow = state.add_workflow(state.add_pipeline(project, branch="main"), "wide")
    for n in range(12):
        job = state.add_job(workflow, f"job-{n}")
        for a in range(3):
            state.add_artifact(job, f"out/{a}.txt", size=100)
    fake.knobs.page_size = 1  # twelve pages of jobs, listed one after another
    fake.knobs.latency = 0.02
    async with client(fake) as cci:
        report = await cci.artifacts.download_workflow(workflow.id, tmp_path, concurrency=4)

    assert report.ok and len(report.downloaded) == 36
    log = list(fake.stats.requests)
    first_download = next(i for i, r in enumerate(log) if r.listener == "storage")
    last_listing = max(i for i, r in enumerate(log) if r.route == "GET /workflow/{id}/job")
    assert first_download < last_listing


# --- filters -------------------------------------------------------------------------------


async def test_include_and_exclude_globs_and_a_callable(fake: FakeCircleCI, tmp_path: Path) -> None:
    seeded = seed_workflow(fake, per_job=8)
    everything = [
        (job, a.node_index, a.path) for job in seeded.jobs for a in job.artifacts.values()
    ]

    async with client(fake) as cci:
        globbed = await cci.artifacts.download_workflow(
            seeded.workflow_id,
            tmp_path / "globs",
            include=["out/build/*", "out/lint/*"],
            exclude="*/dir-0/*",
        )
        only_test_node_1 = await cci.artifacts.download_workflow(
            seeded.workflow_id,
            tmp_path / "callable",
            include=lambda item: item.job_name == "test" and item.artifact.node_index == 1,
            exclude=lambda item: item.artifact.path == SHARED_PATH,
        )

    def wanted(job: Any, path: str) -> bool:
        return job.name in ("build", "lint") and "/dir-0/" not in path

    assert sorted(e.path for e in globbed.downloaded) == sorted(
        p for job, _, p in everything if wanted(job, p)
    )
    assert len(files_under(tmp_path / "globs")) == len(globbed.downloaded) > 0
    assert sorted(e.path for e in only_test_node_1.downloaded) == sorted(
        p for job, node, p in everything if job.name == "test" and node == 1 and p != SHARED_PATH
    )
    assert mismatches(fake, globbed) == mismatches(fake, only_test_node_1) == []


# --- failures ------------------------------------------------------------------------------


async def test_artifact_404_on_either_hop_is_reported_and_writes_nothing(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    seeded = seed_workflow(fake, per_job=4)
    build = seeded.jobs[0]
    gone_host = "out/build/dir-1/file-1.bin"
    gone_storage = "file-2.bin"  # storage paths end with the artifact's file name
    fake.fail_next(f"*/{gone_host}", status=404, listener="artifacts")
    fake.fail_next(f"*/{gone_storage}", status=404, listener="storage")
    async with client(fake) as cci:
        report = await cci.artifacts.download_workflow(seeded.workflow_id, tmp_path)

    failed = {e.path: e for e in report.failed}
    assert set(failed) == {gone_host, "out/build/dir-2/file-2.bin"}
    for entry in failed.values():
        assert entry.local_path is None and "404" in (entry.message or "")
        node = entry.item.artifact.node_index
        assert not layout_path(tmp_path, build, node, entry.path).exists()
    assert len(report.downloaded) == seeded.artifact_count - 2
    assert mismatches(fake, report) == []
    assert part_files(tmp_path) == []
    with pytest.raises(Exception, match="2 artifact download"):
        report.raise_for_failures()


async def test_an_html_error_page_is_never_saved(fake: FakeCircleCI, tmp_path: Path) -> None:
    seeded = seed_workflow(fake, per_job=2, max_size=2000)
    page = "<html><body><h1>500 Internal Server Error</h1></body></html>"
    html = {"Content-Type": "text/html"}
    # Two artifacts: one whose storage keeps failing, one that fails twice then works.
    stuck, flaky = "file-0.bin", "file-1.bin"
    fake.fail_next(f"*/{stuck}", status=500, body=page, headers=html, times=100, listener=None)
    fake.fail_next(f"*/{flaky}", status=500, body=page, headers=html, times=2, listener="storage")
    async with client(fake, retry=RetryPolicy(backoff_base=0.001, max_attempts=4)) as cci:
        report = await cci.artifacts.download_workflow(seeded.workflow_id, tmp_path)

    assert {e.path.rsplit("/", 1)[-1] for e in report.failed} == {stuck}
    assert all("500" in (e.message or "") for e in report.failed)
    assert mismatches(fake, report) == []
    for local in files_under(tmp_path):
        assert b"<html>" not in local.read_bytes()
    assert not any(p.name == stuck for p in files_under(tmp_path))
    assert part_files(tmp_path) == []


# --- the other entry points ----------------------------------------------------------------


async def test_download_pipeline_job_and_single_artifact(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    seeded = seed_workflow(fake, per_job=3)
    extra = fake.state.add_workflow(fake.state.pipelines[seeded.pipeline_id], "nightly")
    nightly = fake.state.add_job(extra, "nightly")
    fake.state.add_artifact(nightly, "nightly/report.txt", size=777)

    async with client(fake) as cci:
        whole = await cci.artifacts.download_pipeline(seeded.pipeline_id, tmp_path / "pipeline")
        lint = seeded.jobs[2]
        one_job = await cci.artifacts.download_job(
            seeded.slug, lint.number or 0, tmp_path / "job", job_name="lint"
        )
        listed = await cci.artifacts.list(seeded.slug, lint.number or 0).collect()
        single = await cci.artifacts.download(listed[0], tmp_path / "single")
        unnamed = await cci.artifacts.download_job(seeded.slug, lint.number or 0, tmp_path / "n")

    assert whole.ok and len(whole.downloaded) == seeded.artifact_count + 1
    assert mismatches(fake, whole) == []
    assert layout_path(tmp_path / "pipeline", nightly, 0, "nightly/report.txt").is_file()

    assert one_job.ok and len(one_job.downloaded) == len(lint.artifacts)
    assert mismatches(fake, one_job) == []
    assert {p.relative_to(tmp_path / "job").parts[0] for p in files_under(tmp_path / "job")} == {
        f"{lint.number}-lint"
    }
    # Without a job name, the name is looked up so the folder matches download_workflow's.
    assert unnamed.ok
    assert {p.relative_to(tmp_path / "n").parts[0] for p in files_under(tmp_path / "n")} == {
        f"{lint.number}-lint"
    }

    assert single.ok and len(single.downloaded) == 1
    only = single.downloaded[0]
    assert only.local_path == (tmp_path / "single" / "latest" / "0" / listed[0].path).resolve()
    assert sha256_file(only.local_path) == fake.expected_sha256(
        seeded.slug, lint.number or 0, 0, listed[0].path
    )


async def test_download_job_of_a_missing_project_reports_a_listing_failure(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    async with client(fake) as cci:
        report = await cci.artifacts.download_job("gh/acme/nope", 1, tmp_path)
    assert report.entries == []
    assert [(f.project_slug, f.job_number) for f in report.listing] == [("gh/acme/nope", 1)]
    assert "404" in report.listing[0].message
    assert not report.ok


async def test_latest_and_download_latest(fake: FakeCircleCI, tmp_path: Path) -> None:
    state = fake.state
    project = state.add_project("gh/acme/latest", default_branch="main")
    jobs = {}
    for branch, status in (("main", "success"), ("main", "failed"), ("feature", "success")):
        workflow = state.add_workflow(state.add_pipeline(project, branch=branch), "wf")
        job = state.add_job(workflow, "build", status=status)
        state.add_artifact(job, f"{branch}-{status}.txt", size=123)
        state.add_artifact(job, "common/log.txt", size=456)
        jobs[(branch, status)] = job

    async with client(fake) as cci:
        main_ok = await cci.artifacts.latest("gh/acme/latest", branch="main")
        main_failed = await cci.artifacts.latest("gh/acme/latest", branch="main", filter="failed")
        report = await cci.artifacts.download_latest(
            "gh/acme/latest", tmp_path, branch="main", include="common/*"
        )

    assert sorted(a.path for a in main_ok) == ["common/log.txt", "main-success.txt"]
    assert sorted(a.path for a in main_failed) == ["common/log.txt", "main-failed.txt"]
    assert report.ok and [e.path for e in report.downloaded] == ["common/log.txt"]
    local = report.downloaded[0].local_path
    assert local == (tmp_path / "latest" / "0" / "common" / "log.txt").resolve()
    job = jobs[("main", "success")]
    assert sha256_file(local) == fake.expected_sha256(
        "gh/acme/latest", job.number or 0, 0, "common/log.txt"
    )


# --- progress ------------------------------------------------------------------------------


async def test_a_raising_progress_callback_breaks_nothing_and_events_are_ordered(
    fake: FakeCircleCI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seeded = seed_workflow(fake, per_job=6)
    events: list[ProgressEvent] = []

    def fragile(event: ProgressEvent) -> None:
        events.append(event)
        raise RuntimeError("the progress display broke")

    async with client(fake) as cci:
        report = await cci.artifacts.download_workflow(
            seeded.workflow_id, tmp_path, progress=fragile
        )

    assert report.ok and len(report.downloaded) == seeded.artifact_count
    assert mismatches(fake, report) == []
    assert "the progress callback raised" in caplog.text
    assert isinstance(events[-1], HarvestFinished) and events[-1].report is report
    assert sum(isinstance(e, HarvestFinished) for e in events) == 1

    assert [e for e in events if isinstance(e, ListingDone)] == [
        ListingDone(total_files=seeded.artifact_count)
    ]
    per_file: dict[tuple[Any, ...], list[ProgressEvent]] = defaultdict(list)
    for event in events[:-1]:
        if isinstance(event, ListingDone):
            continue
        item = event.item  # type: ignore[union-attr]
        per_file[(item.job_number, item.artifact.node_index, item.artifact.path)].append(event)
    assert len(per_file) == seeded.artifact_count
    sizes = {
        (job.number, a.node_index, a.path): a.size
        for job in seeded.jobs
        for a in job.artifacts.values()
    }
    for key, seq in per_file.items():
        assert isinstance(seq[0], FileQueued), seq
        assert isinstance(seq[1], FileStarted) and seq[1].total == sizes[key]
        assert isinstance(seq[-1], FileDone) and seq[-1].bytes == sizes[key]
        middle = seq[2:-1]
        assert all(isinstance(e, BytesReceived) for e in middle)
        assert sum(e.bytes for e in middle) == sizes[key]  # type: ignore[union-attr]

    # A rerun announces skips, not downloads.
    skips: list[ProgressEvent] = []
    async with client(fake) as cci:
        await cci.artifacts.download_workflow(seeded.workflow_id, tmp_path, progress=skips.append)
    kinds = {type(e) for e in skips}
    assert kinds == {FileQueued, ListingDone, FileSkipped, HarvestFinished}


async def test_listing_done_reports_the_true_total_before_the_last_downloads_finish(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    # Far more files than workers and queue slots: listing ends while downloads go on.
    seeded = seed_workflow(fake, per_job=30, max_size=2000)
    events: list[ProgressEvent] = []
    async with client(fake) as cci:
        report = await cci.artifacts.download_workflow(
            seeded.workflow_id, tmp_path, concurrency=2, exclude="*/file-1*", progress=events.append
        )

    assert report.ok
    done_at = [i for i, e in enumerate(events) if isinstance(e, ListingDone)]
    assert len(done_at) == 1
    listing_done = events[done_at[0]]
    queued = [i for i, e in enumerate(events) if isinstance(e, FileQueued)]
    finished = [i for i, e in enumerate(events) if isinstance(e, FileDone)]
    # The total counts what passed the filters, is announced after the last FileQueued,
    # and before the downloads are over.
    assert listing_done == ListingDone(total_files=len(queued))
    assert len(queued) == len(report.entries) < seeded.artifact_count
    assert max(queued) < done_at[0] < max(finished)
    assert sum(i > done_at[0] for i in finished) >= 1


async def test_no_listing_done_when_listing_itself_fails(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    events: list[ProgressEvent] = []
    async with client(fake) as cci:
        with pytest.raises(NotFoundError):
            await cci.artifacts.download_workflow(
                "00000000-0000-0000-0000-000000000000", tmp_path, progress=events.append
            )
    assert not any(isinstance(e, ListingDone) for e in events)


async def test_refused_and_failed_files_are_announced(fake: FakeCircleCI, tmp_path: Path) -> None:
    project = fake.state.add_project("gh/acme/events")
    workflow = fake.state.add_workflow(fake.state.add_pipeline(project, branch="main"), "wf")
    job = fake.state.add_job(workflow, "build")
    fake.state.add_artifact(job, "../bad.txt", size=10)
    fake.state.add_artifact(job, "missing.txt", size=10)
    fake.fail_next("*/missing.txt", status=404, listener="artifacts")
    events: list[ProgressEvent] = []
    async with client(fake) as cci:
        await cci.artifacts.download_workflow(workflow.id, tmp_path, progress=events.append)
    failed = {e.item.artifact.path: e for e in events if isinstance(e, FileFailed)}
    assert failed["../bad.txt"].refused is True
    assert failed["missing.txt"].refused is False
    assert not any(isinstance(e, FileStarted | FileDone) for e in events)


# --- fan-out across projects ---------------------------------------------------------------


async def test_fan_out_keeps_the_projects_that_exist(fake: FakeCircleCI, tmp_path: Path) -> None:
    good = ["gh/acme/alpha", "bb/acme/beta"]
    bad = ["gh/acme/missing", "gh/nobody/nothing"]
    for slug in good:
        seed_workflow(fake, slug=slug, per_job=3, max_size=2000)

    async def harvest_newest(slug: str) -> Any:
        newest = await cci.pipelines.list(slug).collect(max_items=1)
        return await cci.artifacts.download_pipeline(
            newest[0].id, tmp_path / slug.replace("/", "_")
        )

    async with client(fake) as cci:
        result = await cci.bulk.map([bad[0], *good, bad[1]], harvest_newest, concurrency=4)
        listed = await cci.bulk.map(
            [*good, *bad], lambda slug: cci.pipelines.list(slug).collect(), concurrency=2
        )
        pairs = []
        async with cci.bulk.pipelines([*good, *bad]) as stream:
            async for slug, pipeline in stream:
                pairs.append((slug, pipeline.number))

    assert set(result.values) == set(good)
    assert set(result.errors) == set(bad)
    assert all(isinstance(err, NotFoundError) for err in result.errors.values())
    for report in result.values.values():
        assert report.ok and len(report.downloaded) == 3 * 3 + 3
        assert mismatches(fake, report) == []
    assert [type(o).__name__ for o in listed.outcomes] == [
        "Success",
        "Success",
        "Failure",
        "Failure",
    ]
    assert sorted(pairs) == [(slug, 1) for slug in sorted(good)]
    assert sorted(f.slug for f in stream.failures) == sorted(bad)
    assert all(isinstance(f.error, NotFoundError) for f in stream.failures)
    assert not exists(tmp_path / "gh_acme_missing")


async def test_unknown_workflow_or_pipeline_raises_not_found_itself(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    unknown = "5034460f-c7c4-4c43-9457-de07e2029e7b"
    async with client(fake) as cci:
        with pytest.raises(NotFoundError, match="Workflow not found"):
            await cci.artifacts.download_workflow(unknown, tmp_path / "w")
        with pytest.raises(NotFoundError, match="Pipeline not found"):
            await cci.artifacts.download_pipeline(unknown, tmp_path / "p")
    assert files_under(tmp_path) == []


async def test_a_failed_workflow_listing_mid_harvest_cleans_up(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    seeded = seed_workflow(fake, per_job=3, max_size=1000)
    pipeline = fake.state.pipelines[seeded.pipeline_id]
    second = fake.state.add_workflow(pipeline, "deploy")
    job = fake.state.add_job(second, "deploy")
    big = fake.state.add_artifact(job, "slow/big.bin", size=3_000_000)
    fake.knobs.bandwidth = 500_000
    # The first workflow's jobs: 503 four times (1.5 s of backoff), then 401. By then the
    # other workflow's big file is half-way through.
    listing = f"/workflow/{seeded.workflow_id}/job"
    fake.fail_next(listing, status=503, times=4)
    fake.fail_next(listing, status=401, times=1)
    patient = RetryPolicy(backoff_base=0.1, max_attempts=8, jitter=lambda: 1.0)
    received: list[int] = []

    def on_event(event: ProgressEvent) -> None:
        if isinstance(event, BytesReceived) and event.item.artifact.path == big.path:
            received.append(event.bytes)

    async with client(fake, retry=patient) as cci:
        with pytest.raises(AuthenticationError):
            await cci.artifacts.download_pipeline(seeded.pipeline_id, tmp_path, progress=on_event)
    assert 0 < sum(received) < big.size  # it was cut off mid-download
    assert part_files(tmp_path) == []
    assert not exists(layout_path(tmp_path, job, 0, big.path))


async def test_download_pipeline_after_rerun_from_failed_lists_each_job_once(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    """A rerun from failed lists the passed jobs again; their files are not refused twice."""
    state = fake.state
    project = state.add_project("gh/acme/rerun")
    pipeline = state.add_pipeline(project, branch="main")
    workflow = state.add_workflow(pipeline, "build-and-test")
    build = state.add_job(workflow, "build")
    test = state.add_job(workflow, "test", requires=[build], status="failed")
    for job in (build, test):
        state.add_artifact(job, f"{job.name}/out.txt", size=1000)
    async with client(fake) as cci:
        rerun = await cci.workflows.rerun(workflow.id, from_failed=True)
        jobs = await cci.workflows.jobs(rerun.workflow_id).collect()
        assert build.number in {j.job_number for j in jobs}  # the passed job is listed again
        report = await cci.artifacts.download_pipeline(pipeline.id, tmp_path)

    assert report.ok, report.entries
    assert report.refused == []
    assert mismatches(fake, report) == []
    assert len(report.downloaded) == len({(e.item.job_number, e.path) for e in report.entries})


async def test_one_broken_artifact_fails_alone_and_the_others_download(
    fake: FakeCircleCI, tmp_path: Path
) -> None:
    seeded = seed_workflow(fake, per_job=5, max_size=1000)
    job = seeded.jobs[0]
    good = await _listed(fake, seeded.slug, job.number or 0)
    broken = [
        JobArtifact(
            artifact=Artifact(path="bad-url.txt", node_index=0, url="http://[bad"),
            project_slug=seeded.slug,
            job_number=job.number,
            job_name=job.name,
        ),
        JobArtifact(
            artifact=Artifact(path="", node_index=0, url=good[0].artifact.url),
            project_slug=seeded.slug,
            job_number=job.number,
            job_name=job.name,
        ),
    ]

    def layout(item: JobArtifact) -> str:
        if item.artifact.path.endswith("file-1.bin"):
            raise KeyError("a layout bug")
        return str(default_layout(item))

    async with client(fake) as cci:
        harvest = Harvest(cci._core, tmp_path, HarvestOptions(concurrency=2, layout=layout))
        report = await harvest.from_items([*broken, *good])

    by_path = {e.path: e for e in report.entries}
    assert by_path["bad-url.txt"].status is DownloadStatus.FAILED
    assert by_path[""].status is DownloadStatus.REFUSED
    assert [e.status for e in report.entries if "file-1.bin" in e.path] == [DownloadStatus.FAILED]
    assert len(report.downloaded) == len(good) - 1
    assert mismatches(fake, report) == []
    assert part_files(tmp_path) == []


async def _listed(fake: FakeCircleCI, slug: str, number: int) -> list[JobArtifact]:
    async with client(fake) as cci:
        return [
            JobArtifact(artifact=a, project_slug=slug, job_number=number, job_name="build")
            async for a in cci.artifacts.list(slug, number)
        ]


async def test_cancelled_while_the_partial_file_is_being_created_leaves_nothing(
    fake: FakeCircleCI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    import aiocircle.harvest._fetch as fetch

    seeded = seed_workflow(fake, per_job=1, max_size=1000)
    creating = asyncio.Event()
    loop = asyncio.get_running_loop()
    real = fetch._new_partial_file

    def slow_create(target: Path, folders: fetch.Folders) -> Any:
        loop.call_soon_threadsafe(creating.set)
        time.sleep(0.3)  # a slow file system: the cancellation lands meanwhile
        return real(target, folders)

    monkeypatch.setattr(fetch, "_new_partial_file", slow_create)
    async with client(fake) as cci:
        task = asyncio.create_task(cci.artifacts.download_workflow(seeded.workflow_id, tmp_path))
        await asyncio.wait_for(creating.wait(), timeout=10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    await asyncio.sleep(0.5)  # long enough for the slow thread to have finished in any case
    assert part_files(tmp_path) == []
