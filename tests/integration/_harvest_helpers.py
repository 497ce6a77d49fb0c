"""Helpers shared by the integration tests of artifact harvesting and the CLI.

They seed the fake CircleCI with a known workflow, check downloaded files against the
fake's checksums and look for leftovers (``.part`` files, files of the wrong size).
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from aiocircle.harvest import DownloadReport, JobArtifact
from aiocircle.harvest._manifest import MANIFEST_NAME
from aiocircle.testing import FakeCircleCI, Job

SLUG = "gh/acme/harvest"
WORKFLOW_NAME = "build-and-test"
SHARED_PATH = "shared/same-name.txt"
"""Written by every node of the parallel ``test`` job: each copy must be kept."""


@attrs.frozen
class Seeded:
    """What :func:`seed_workflow` built."""

    slug: str
    pipeline_id: str
    workflow_id: str
    jobs: tuple[Job, ...]
    """The build jobs (approval jobs left out), in creation order."""

    @property
    def artifact_count(self) -> int:
        return sum(len(job.artifacts) for job in self.jobs)


def seed_workflow(
    fake: FakeCircleCI,
    *,
    slug: str = SLUG,
    per_job: int = 40,
    max_size: int = 150_000,
    parallelism: int = 3,
) -> Seeded:
    """One pipeline, one workflow: ``build``, a parallel ``test``, ``lint`` and an approval.

    Every job gets ``per_job`` artifacts (plus, on ``test``, ``SHARED_PATH`` on every node),
    sizes drawn from the fake's seeded random source, some of them empty, some spanning
    several 64 KiB blocks.
    """
    state = fake.state
    project = state.add_project(slug, default_branch="main")
    pipeline = state.add_pipeline(project, branch="main")
    workflow = state.add_workflow(pipeline, WORKFLOW_NAME)
    build = state.add_job(workflow, "build")
    test = state.add_job(workflow, "test", requires=[build], parallelism=parallelism)
    lint = state.add_job(workflow, "lint", requires=[build])
    state.add_approval(workflow, "hold", requires=[test, lint])
    rng = state.rng
    for job in (build, test, lint):
        for index in range(per_job):
            size = 0 if index % 17 == 0 else rng.randint(1, max_size)
            state.add_artifact(
                job,
                f"out/{job.name}/dir-{index % 4}/file-{index}.bin",
                size=size,
                node_index=index % job.parallelism,
            )
    for node in range(test.parallelism):
        state.add_artifact(test, SHARED_PATH, size=100 + node * 50, node_index=node)
    return Seeded(
        slug=slug,
        pipeline_id=pipeline.id,
        workflow_id=workflow.id,
        jobs=(build, test, lint),
    )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def expected_for(fake: FakeCircleCI, item: JobArtifact) -> str:
    assert item.job_number is not None
    return fake.expected_sha256(
        item.project_slug, item.job_number, item.artifact.node_index, item.artifact.path
    )


def mismatches(fake: FakeCircleCI, report: DownloadReport) -> list[str]:
    """Local files (downloaded or skipped) whose bytes differ from the fake's."""
    wrong = []
    for entry in report.downloaded + report.skipped:
        assert entry.local_path is not None, entry
        if not entry.local_path.is_file():
            wrong.append(f"{entry.local_path} (missing)")
        elif sha256_file(entry.local_path) != expected_for(fake, entry.item):
            wrong.append(str(entry.local_path))
    return wrong


def layout_path(dest: Path, job: Job, node_index: int, path: str) -> Path:
    """Where the default layout puts an artifact: ``<number>-<name>/<node>/<path>``."""
    return dest / f"{job.number}-{job.name}" / str(node_index) / path


def part_files(root: Path) -> list[Path]:
    """Temporary download files (``.aiocircle-<random>.part``) anywhere under ``root``."""
    return sorted(p for p in root.rglob("*") if p.name.startswith(".") and p.suffix == ".part")


def files_under(root: Path) -> list[Path]:
    """Every regular file under ``root`` (symlinks not followed, the manifest left out), sorted."""
    return sorted(
        p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and p.name != MANIFEST_NAME
    )


def names_in(folder: Path) -> list[str]:
    """The entries of one folder, sorted (for async tests: no pathlib calls of their own)."""
    return sorted(p.name for p in folder.iterdir())


def exists(path: str | Path) -> bool:
    return Path(path).exists() or Path(path).is_symlink()


def storage_records(fake: FakeCircleCI) -> list[Any]:
    return [r for r in fake.stats.requests if r.listener == "storage"]


def artifacts_records(fake: FakeCircleCI) -> list[Any]:
    return [r for r in fake.stats.requests if r.listener == "artifacts"]


@contextmanager
def fake_in_thread(fake: FakeCircleCI) -> Iterator[FakeCircleCI]:
    """Serve ``fake`` from a loop of its own in a daemon thread, for code that calls
    ``asyncio.run`` itself (the CLI's ``main``).

    Seed ``fake.state`` before entering, or while no request is in flight.
    """
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_forever()

    thread = threading.Thread(target=serve, name="fake-circleci", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(fake.start(), loop).result(timeout=10)
        started.set()
        yield fake
    finally:
        if started.is_set():
            asyncio.run_coroutine_threadsafe(fake.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
