"""Harvest every artifact of one workflow: aiocircle against a bare aiohttp floor (and, with
--slow, pycircleci and a sequential loop), with and without a redirect hop.

    python -m pip install -e ".[bench]"     # pycircleci 0.7.0, for --slow
    python benchmarks/harvest.py [--artifacts 500] [--jobs 50] [--concurrency 32] [--rounds 7]

The fake CircleCI runs in a child process (see _fakeproc.py for why) with `--latency` (20 ms)
before every answer on all three listeners (API, artifacts host, storage). One project, one
pipeline, one workflow of `--jobs` jobs with `--artifacts` artifacts (4 KB by default) spread
over them. Two set-ups: the artifacts host answers 302 to storage (as CircleCI does), or serves
the bytes itself (no redirect: per-file costs show most). Every contender harvests the same
workflow into a fresh temporary folder; every file is checked against the fake's SHA-256.

a. aiocircle: `cci.artifacts.download_workflow(workflow_id, dest, concurrency=N)`, the client
   built with `max_concurrency=N` (the limiter bounds every attempt until its headers arrive);
e. aiocircle as in a, but with `max_concurrency=16`, below `concurrency`: the limiter then
   holds downloads to 16 at once whatever `concurrency` says (shown once per set-up);
d. the floor, a straightforward bare aiohttp harvest: list the jobs page by page, list each
   job's artifacts, download every artifact under one `asyncio.Semaphore(N)` shared by all
   requests, write each file; redirects followed by hand with the token sent only to the
   artifacts host;
b. pycircleci 0.7.0 (sync; --slow): `get_workflow_jobs`, `get_artifacts`, `download_artifact`;
c. a sequential aiohttp loop as CircleCI's docs do it (--slow).

a and d run `--rounds` times, interleaved. Printed: aiocircle's wall time over the floor's in each
set-up (target <= 1.10x) and its client CPU per file over the floor's (target <= 1.5x), each the
median over rounds of the ratio within a round, with the load average, since the machine may be
shared.
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
    info: dict[str, str], workflow: dict[str, Any], dest: Path, n: int, limit: int | None = None
) -> Files:
    from aiocircle import CircleCI

    host = info["artifacts_host"].removeprefix("http://")
    async with CircleCI(
        token=info["token"],
        base_url=info["base_url"],
        artifact_hosts=(host,),
        max_concurrency=limit or n,
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
    gate = asyncio.Semaphore(n)  # every request, listing or download, takes a turn
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        plain = Plain(session, info)

        async def fetch(key: Key, url: str) -> None:
            target = layout(dest, key[1], key[2], key[3])
            async with gate:
                await plain.download(url, target)
            files[key] = target

        async with asyncio.TaskGroup() as group:

            async def job_artifacts(slug: str, number: int) -> None:
                async with gate:
                    found = await plain.artifacts(slug, number)
                for artifact in found:
                    key = (slug, number, artifact["node_index"], artifact["path"])
                    group.create_task(fetch(key, artifact["url"]))

            token: str | None = None
            for _ in range(MAX_PAGES):  # jobs page by page; each job's list starts at once
                async with gate:
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


def _print_table(title: str, contenders: list[Result], expected: dict[Key, str]) -> None:
    width = max(len(r.label) for r in contenders)
    print(
        f"\n{title}\n{'contender':<{width}}  {'wall s':>7}  {'runs':>16}  {'requests':>8}  "
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=int, default=500, help="at least this many in all")
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=32, help="for a and d")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per request")
    parser.add_argument("--size", default="4096:4096", help="artifact size MIN:MAX bytes")
    parser.add_argument("--rounds", type=int, default=7, help="runs of a and d per set-up")
    parser.add_argument("--slow", action="store_true", help="also run b and c (redirect set-up)")
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
    results: dict[str, tuple[Result, Result]] = {}
    failed: list[str] = []
    loads = [os.getloadavg()[0]]
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

        def run_async(
            coroutine: Callable[..., Coroutine[Any, Any, Files]], *extra: Any
        ) -> Callable[[Path], Files]:
            return lambda dest: asyncio.run(coroutine(info, workflow, dest, *extra))

        for setup in ("no-redirect", "redirect"):
            fake.command(setup)
            a = Result(f"a. aiocircle download_workflow (concurrency={n}, max_concurrency={n})")
            d = Result(f"d. bare aiohttp floor (semaphore {n})")
            for _ in range(max(1, args.rounds)):
                measure(fake, a, expected, run_async(run_aiocircle, n))
                measure(fake, d, expected, run_async(run_floor, n))
            e = Result("e. aiocircle as a, but max_concurrency=16 (one run)")
            measure(fake, e, expected, run_async(run_aiocircle, n, 16))
            loads.append(os.getloadavg()[0])
            results[setup] = (a, d)
            contenders = [a, d, e]
            if args.slow and setup == "redirect":
                c = Result("c. sequential aiohttp loop (CircleCI docs)")
                measure(fake, c, expected, run_async(run_sequential))
                contenders.append(c)
                try:
                    import pycircleci  # type: ignore[import-untyped]  # noqa: F401
                except ImportError:
                    print("pycircleci is not installed: python -m pip install -e '.[bench]'")
                else:
                    b = Result("b. pycircleci 0.7.0 (sync, requests)")
                    measure(fake, b, expected, lambda dest: run_pycircleci(info, workflow, dest))
                    contenders.append(b)
            _print_table(f"set-up: {setup}", contenders, expected)
            print(f"peak requests in flight at the fake, aiocircle's last run: {a.peak}")
            for slow in contenders[3:]:
                print(f"speed-up of aiocircle over {slow.label}: {slow.wall / a.wall:.1f}x")
            failed += [
                f"{setup}: {r.label}" for r in contenders if r.bad or r.good != len(expected)
            ]

    files = len(expected)
    shown = ", ".join(f"{x:.2f}" for x in loads)
    print(f"\nload average (1 min) before and after each set-up: {shown}")
    print(
        "ratios: the median over rounds of aiocircle's figure over the floor's in the same round "
        "(a and d run back to back, so a machine that slows down slows both)"
    )
    for setup, (a, d) in results.items():
        wall = statistics.median(x / y for x, y in zip(a.walls, d.walls, strict=True))
        cpu = statistics.median(x / y for x, y in zip(a.client_cpu, d.client_cpu, strict=True))
        cpu_a = statistics.median(a.client_cpu) / files * 1e6
        cpu_d = statistics.median(d.client_cpu) / files * 1e6
        print(
            f"{setup:>11}: aiocircle / floor wall time {wall:.2f}x (target <= 1.10x); "
            f"client CPU per file {cpu:.2f}x (target <= 1.5x; medians {cpu_a:.0f} us / "
            f"{cpu_d:.0f} us)"
        )
    if failed:
        print(f"CHECKSUM FAILURES: {failed}")
        sys.exit(1)


if __name__ == "__main__":
    main()
