"""``aiocircle demo``: harvest a whole workflow from the embedded fake CircleCI.

No token and no network: the fake listens on 127.0.0.1, stands for the API, the
artifacts host and S3, and adds latency so the concurrency is visible.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

from ..harvest import DownloadReport
from ..testing import FakeCircleCI
from ._files import check_destination
from ._rate import format_rate
from ._report import EXIT_ERROR, EXIT_OK, print_report, progress_bar, report_summary

_SLUG = "gh/aiocircle/demo"


def _seed(fake: FakeCircleCI, jobs: int, artifacts: int) -> str:
    """A pipeline whose workflow has a build, parallel test jobs and an approval."""
    state = fake.state
    project = state.add_project(_SLUG, default_branch="main")
    pipeline = state.add_pipeline(project, branch="main")
    workflow = state.add_workflow(pipeline, "build-test-deploy")
    build = state.add_job(workflow, "build")
    made = [build]
    for n in range(1, jobs):
        made.append(state.add_job(workflow, f"test-{n}", requires=[build], parallelism=2))
    state.add_approval(workflow, "hold", requires=made[1:])
    for job in made:
        for a in range(artifacts):
            node = a % job.parallelism
            size = 4096 + (a * 7919 + (job.number or 0) * 104_729) % 400_000
            state.add_artifact(job, f"reports/{job.name}/file-{a}.bin", size=size, node_index=node)
    return workflow.id


def _verify(fake: FakeCircleCI, report: DownloadReport) -> list[str]:
    """Paths whose bytes on disk differ from what the fake served."""
    wrong = []
    for entry in report.downloaded + report.skipped:
        item, local = entry.item, entry.local_path
        assert item.job_number is not None and local is not None
        expected = fake.expected_sha256(
            item.project_slug, item.job_number, item.artifact.node_index, item.artifact.path
        )
        if hashlib.sha256(local.read_bytes()).hexdigest() != expected:
            wrong.append(str(local))
    return wrong


def summary_line(report: DownloadReport, wrong: list[str], leaks: int, elapsed: float) -> str:
    """The demo's last line; its speed is the progress bar's (:func:`._rate.format_rate`)."""
    checked = len(report.downloaded) + len(report.skipped)
    return (
        f"{checked} checksums verified, {len(wrong)} mismatched; "
        f"token sent to storage {leaks} times; {elapsed:.2f} s "
        f"({format_rate(report.bytes, elapsed)})"
    )


async def run_demo(args: argparse.Namespace) -> int:
    if args.dest is not None:
        check_destination(args.dest)
    with tempfile.TemporaryDirectory(prefix="aiocircle-demo-") as scratch:
        dest = args.dest or Path(scratch) / "artifacts"
        async with FakeCircleCI(latency=args.latency) as fake:
            workflow_id = _seed(fake, args.jobs, args.artifacts)
            if not args.json:
                print(
                    f"Fake CircleCI at {fake.base_url} ({args.latency * 1000:.0f} ms latency); "
                    f"harvesting workflow {workflow_id} into {dest}",
                    file=sys.stderr,
                )
            async with fake.client() as cci:
                with progress_bar(args) as progress:
                    started = time.monotonic()
                    report = await cci.artifacts.download_workflow(
                        workflow_id, dest, concurrency=16, progress=progress
                    )
                    elapsed = time.monotonic() - started
            if progress is not None:
                # The very time the bar divided by, so its speed and the summary's agree.
                elapsed = progress.elapsed
            wrong = _verify(fake, report)
            leaks = len(fake.leaks)
        if args.json:
            summary = report_summary(report)
            summary.update(seconds=round(elapsed, 3), checksum_mismatches=wrong, token_leaks=leaks)
            del summary["entries"]
            print(json.dumps(summary, indent=2))
        else:
            print_report(report, sys.stdout, as_json=False)
            print(summary_line(report, wrong, leaks, elapsed))
    if not report.entries:
        print("aiocircle: the demo workflow has no artifacts (--artifacts 0)", file=sys.stderr)
    return EXIT_OK if report.ok and not wrong and not leaks and report.entries else EXIT_ERROR
