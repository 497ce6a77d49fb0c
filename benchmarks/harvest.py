"""Harvest every artifact of one workflow: aiocircle against pycircleci, a sequential loop and a
bare aiohttp floor, side by side in one run.

    python -m pip install -e ".[bench]"     # pycircleci 0.7.0
    python benchmarks/harvest.py [--artifacts 500] [--jobs 50] [--concurrency 16] [--rounds 3]

The fake CircleCI runs in a child process (see _fakeproc.py for why) with `--latency` (20 ms)
before every answer on all three listeners (API, artifacts host, storage). One project, one
pipeline, one workflow of `--jobs` jobs with `--artifacts` artifacts spread over them. Every
contender harvests the same workflow into a fresh temporary folder, then every file is checked
against the fake's SHA-256. The contenders:

a. aiocircle: `cci.artifacts.download_workflow(workflow_id, dest, concurrency=N)` with the
   client's default `max_concurrency=16` for the API requests;
b. pycircleci 0.7.0 (sync): `get_workflow_jobs(paginate=True)`, then per job `get_artifacts`
   (API v1.1) and `download_artifact(url, destdir, filename)` per artifact; pointed at the fake
   with its documented `url=` argument (no patching);
c. a sequential loop as CircleCI's docs do it (list the jobs, list each job's artifacts, download
   each one after the other), written with aiohttp and one keep-alive session;
d. a bare aiohttp floor at aiocircle's concurrency: jobs listed page by page, artifact lists
   fetched concurrently (at most N at once), downloads at most N at once, redirects followed by
   hand with the token sent only to the artifacts host.

a and d are fast, so they run `--rounds` times, interleaved, and the median counts; b and c run
once. The ideal is (requests x latency / N): every request of aiocircle's run waiting its 20 ms
with N of them always in flight.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp
from yarl import URL

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fakeproc import FakeProcess

Key = tuple[str, int, int, str]  # (project slug, job number, node index, artifact path)
Files = dict[Key, Path]
CHUNK = 256 * 1024
MAX_PAGES = 1000  # every pagination loop stops here at the latest
TIMEOUT = aiohttp.ClientTimeout(total=120)
TMP: str | None = None  # --tmp: where the temporary destination folders go


def layout(dest: Path, job: int, node: int, path: str) -> Path:
    """Where b, c and d put an artifact (aiocircle uses its default layout)."""
    return dest.joinpath(str(job), str(node), *Path(path).parts)


# --- a. aiocircle --------------------------------------------------------------------------------


async def run_aiocircle(
    info: dict[str, str], workflow: dict[str, Any], dest: Path, n: int
) -> Files:
    from aiocircle import CircleCI

    host = info["artifacts_host"].removeprefix("http://")
    async with CircleCI(
        token=info["token"], base_url=info["base_url"], artifact_hosts=(host,)
    ) as cci:
        report = await cci.artifacts.download_workflow(workflow["id"], dest, concurrency=n)
    report.raise_for_failures()
    files: Files = {}
    for entry in report.downloaded:
        item = entry.item
        assert item.job_number is not None and entry.local_path is not None
        key = (item.project_slug, item.job_number, item.artifact.node_index, item.artifact.path)
        files[key] = entry.local_path
    return files


# --- b. pycircleci -------------------------------------------------------------------------------


def run_pycircleci(info: dict[str, str], workflow: dict[str, Any], dest: Path) -> Files:
    from pycircleci.api import Api  # type: ignore[import-untyped]

    api = Api(token=info["token"], url=info["api_root"])  # the documented base-url option
    files: Files = {}
    for job in api.get_workflow_jobs(workflow["id"], paginate=True):
        number = job.get("job_number")
        if number is None:  # approval jobs
            continue
        vcs, org, repo = job["project_slug"].split("/")
        vcs_type = {"gh": "github", "bb": "bitbucket"}.get(vcs, vcs)
        for artifact in api.get_artifacts(org, repo, number, vcs_type=vcs_type):
            target = layout(dest, number, artifact["node_index"], artifact["path"])
            target.parent.mkdir(parents=True, exist_ok=True)
            # download_artifact() follows the 302 with requests and writes the body as it comes
            # (it checks no status); filename= keeps files of the same name apart.
            api.download_artifact(artifact["url"], str(target.parent), target.name)
            files[(job["project_slug"], number, artifact["node_index"], artifact["path"])] = target
    return files


# --- c and d: plain aiohttp ----------------------------------------------------------------------


class Plain:
    """The few calls a hand-written harvest makes; the token goes to the API and artifacts host."""

    def __init__(self, session: aiohttp.ClientSession, info: dict[str, str]) -> None:
        self.session = session
        self.base = info["base_url"]
        self.token = {"Circle-Token": info["token"]}
        self.artifacts_origin = URL(info["artifacts_host"]).origin()

    async def get_json(self, url: str, params: dict[str, str] | None = None) -> Any:
        async with self.session.get(url, headers=self.token, params=params) as response:
            response.raise_for_status()
            return await response.json()

    async def pages(self, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token: str | None = None
        for _ in range(MAX_PAGES):
            data = await self.get_json(self.base + path, {"page-token": token} if token else None)
            items.extend(data["items"])
            token = data.get("next_page_token")
            if not token:
                return items
        raise RuntimeError(f"more than {MAX_PAGES} pages of {path}")

    async def jobs(self, workflow_id: str) -> list[dict[str, Any]]:
        return await self.pages(f"/workflow/{workflow_id}/job")

    async def artifacts(self, slug: str, number: int) -> list[dict[str, Any]]:
        return await self.pages(f"/project/{slug}/{number}/artifacts")

    async def download(self, url: str, target: Path) -> None:
        current = URL(url, encoded=True)
        for _ in range(5):
            headers = self.token if current.origin() == self.artifacts_origin else None
            async with self.session.get(current, headers=headers, allow_redirects=False) as r:
                if r.status in (301, 302, 303, 307, 308):
                    current = current.join(URL(r.headers["Location"], encoded=True))
                    continue
                r.raise_for_status()
                target.parent.mkdir(parents=True, exist_ok=True)
                # Opened and written on the loop, as aiocircle does: a fair floor.
                with open(target, "wb") as file:  # noqa: ASYNC230
                    async for chunk in r.content.iter_chunked(CHUNK):
                        file.write(chunk)
                return
        raise RuntimeError(f"too many redirects for {url}")


async def run_sequential(info: dict[str, str], workflow: dict[str, Any], dest: Path) -> Files:
    files: Files = {}
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        plain = Plain(session, info)
        for job in await plain.jobs(workflow["id"]):
            number = job.get("job_number")
            if number is None:
                continue
            for artifact in await plain.artifacts(job["project_slug"], number):
                target = layout(dest, number, artifact["node_index"], artifact["path"])
                await plain.download(artifact["url"], target)
                files[(job["project_slug"], number, artifact["node_index"], artifact["path"])] = (
                    target
                )
    return files


async def run_floor(info: dict[str, str], workflow: dict[str, Any], dest: Path, n: int) -> Files:
    files: Files = {}
    listing, downloading = asyncio.Semaphore(n), asyncio.Semaphore(n)
    connector = aiohttp.TCPConnector(limit=2 * n)
    async with aiohttp.ClientSession(connector=connector, timeout=TIMEOUT) as session:
        plain = Plain(session, info)

        async def fetch(key: Key, url: str) -> None:
            target = layout(dest, key[1], key[2], key[3])
            async with downloading:
                await plain.download(url, target)
            files[key] = target

        async with asyncio.TaskGroup() as group:

            async def job_artifacts(slug: str, number: int) -> None:
                async with listing:
                    found = await plain.artifacts(slug, number)
                for artifact in found:
                    key = (slug, number, artifact["node_index"], artifact["path"])
                    group.create_task(fetch(key, artifact["url"]))

            token: str | None = None
            for _ in range(MAX_PAGES):  # jobs page by page; each job's list starts at once
                data = await plain.get_json(
                    f"{plain.base}/workflow/{workflow['id']}/job",
                    {"page-token": token} if token else None,
                )
                for job in data["items"]:
                    if job.get("job_number") is not None:
                        group.create_task(job_artifacts(job["project_slug"], job["job_number"]))
                token = data.get("next_page_token")
                if not token:
                    break
    return files


# --- measuring -----------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def verify(files: Files, expected: dict[Key, str]) -> tuple[int, int, int]:
    """(files with the right SHA-256, wrong or missing ones, unexpected ones)."""
    good = sum(
        1 for key, sha in expected.items() if key in files and sha256_file(files[key]) == sha
    )
    return good, len(expected) - good, len(set(files) - set(expected))


def cpu_seconds(pid: int) -> float:
    """User + system CPU of another process of ours (the fake), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Result:
    def __init__(self, label: str) -> None:
        self.label = label
        self.walls: list[float] = []
        self.requests = self.leaks = self.good = self.bad = self.extra = 0
        self.client_cpu: list[float] = []
        self.fake_cpu: list[float] = []
        self.peak: dict[str, int] = {}

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)


def measure(
    fake: FakeProcess,
    result: Result,
    expected: dict[Key, str],
    run: Callable[[Path], Files],
) -> None:
    with tempfile.TemporaryDirectory(prefix="aiocircle-harvest-", dir=TMP) as folder:
        fake.reset()
        fake_cpu, client_cpu = cpu_seconds(fake.pid), time.process_time()
        started = time.perf_counter()
        files = run(Path(folder))
        result.walls.append(time.perf_counter() - started)
        result.client_cpu.append(time.process_time() - client_cpu)
        result.fake_cpu.append(cpu_seconds(fake.pid) - fake_cpu)
        stats = fake.stats()
        result.requests, result.leaks = stats["requests"], stats["leaks"]
        result.peak = stats["peak_in_flight"]
        good, bad, extra = verify(files, expected)  # the worst run counts
        result.good = good if not result.walls[:-1] else min(result.good, good)
        result.bad, result.extra = max(result.bad, bad), max(result.extra, extra)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=int, default=500, help="at least this many in all")
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=16, help="for a and d")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per request")
    parser.add_argument("--size", default="1024:65536", help="artifact size MIN:MAX bytes")
    parser.add_argument("--rounds", type=int, default=3, help="runs of the fast contenders")
    parser.add_argument("--skip-slow", action="store_true", help="leave out b and c")
    parser.add_argument(
        "--tmp", default=None, help="folder for the destinations (default: the system temp dir)"
    )
    args = parser.parse_args()
    global TMP
    TMP = args.tmp
    per_job = math.ceil(args.artifacts / args.jobs)
    n = args.concurrency

    fake_args = [
        "--pipelines", "1", "--jobs", str(args.jobs), "--artifacts", str(per_job),
        "--artifact-size", args.size, "--latency", str(args.latency),
    ]  # fmt: skip
    with FakeProcess(*fake_args) as fake:
        (workflow,) = fake.command("workflows")
        expected = {k: v for k, v in fake.checksums().items() if k[1] in workflow["job_numbers"]}
        info = fake.info
        print(
            f"harvest: 1 workflow, {len(workflow['job_numbers'])} jobs, "
            f"{workflow['artifacts']} artifacts, {workflow['bytes'] / 1e6:.1f} MB; "
            f"latency {args.latency * 1000:.0f} ms per request on every listener; "
            f"fake in a child process; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}; "
            f"destinations under {TMP or tempfile.gettempdir()}; "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        a = Result(f"a. aiocircle download_workflow (concurrency={n}, max_concurrency=16)")
        d = Result(f"d. bare aiohttp floor (concurrency={n})")
        c = Result("c. sequential aiohttp loop (CircleCI docs)")
        b = Result("b. pycircleci 0.7.0 (sync, requests)")

        def run_async(
            coroutine: Callable[..., Coroutine[Any, Any, Files]], *extra: Any
        ) -> Callable[[Path], Files]:
            return lambda dest: asyncio.run(coroutine(info, workflow, dest, *extra))

        for _ in range(max(1, args.rounds)):
            measure(fake, a, expected, run_async(run_aiocircle, n))
            measure(fake, d, expected, run_async(run_floor, n))
        contenders = [a, d]
        if not args.skip_slow:
            measure(fake, c, expected, run_async(run_sequential))
            try:
                import pycircleci  # type: ignore[import-untyped]  # noqa: F401
            except ImportError:
                print("pycircleci is not installed: python -m pip install -e '.[bench]'")
            else:
                measure(fake, b, expected, lambda dest: run_pycircleci(info, workflow, dest))
                contenders.append(b)
            contenders.insert(2, c)

    width = max(len(r.label) for r in contenders)
    print(
        f"\n{'contender':<{width}}  {'wall s':>7}  {'runs':>16}  {'requests':>8}  "
        f"{'client CPU s':>12}  {'fake CPU s':>10}  {'leaks':>5}  checksums"
    )
    for r in contenders:
        runs = "/".join(f"{w:.2f}" for w in r.walls) if len(r.walls) > 1 else ""
        check = f"{r.good}/{len(expected)} ok" + (f", {r.bad} bad" if r.bad else "")
        check += f", {r.extra} extra" if r.extra else ""
        print(
            f"{r.label:<{width}}  {r.wall:7.2f}  {runs:>16}  {r.requests:8d}  "
            f"{statistics.median(r.client_cpu):12.2f}  {statistics.median(r.fake_cpu):10.2f}  "
            f"{r.leaks:5d}  {check}"
        )
    ideal = a.requests * args.latency / n
    print(f"\npeak requests in flight at the fake during aiocircle's last run: {a.peak}")
    print(f"ideal for aiocircle: {a.requests} requests x {args.latency * 1000:.0f} ms / {n} = "
          f"{ideal:.2f} s; efficiency {ideal / a.wall:.0%}")  # fmt: skip
    print(f"aiocircle over the bare floor: {a.wall / d.wall:.2f}x the floor's time "
          "(target <= 1.25x)")  # fmt: skip
    if c in contenders:
        print(f"speed-up of aiocircle over the sequential loop: {c.wall / a.wall:.1f}x")
    if b in contenders:
        print(f"speed-up of aiocircle over pycircleci: {b.wall / a.wall:.1f}x (target >= 20x; "
              f"at most {b.wall / ideal:.1f}x at concurrency {n}, where aiocircle would take "
              "the ideal time)")  # fmt: skip
    failed = [r.label for r in contenders if r.bad or r.good != len(expected)]
    if failed:
        print(f"CHECKSUM FAILURES: {failed}")
        sys.exit(1)


if __name__ == "__main__":
    main()
