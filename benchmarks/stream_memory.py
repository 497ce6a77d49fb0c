"""Memory while aiocircle downloads one huge artifact: it should stream, not buffer.

    python benchmarks/stream_memory.py [--size 1073741824] [--tmp DIR]

The fake CircleCI runs in a child process (its memory does not count here) with one job holding
a small artifact and `huge/big.bin` of `--size` bytes (1 GiB by default; the fake generates the
bytes on the fly). This process first downloads the small artifact (a warm-up: imports, the
connection pool, the first buffers), then measures while `cci.artifacts.download_job(...,
include="huge/*")` runs:

- VmRSS of this process sampled from /proc/self/status every 5 ms by a thread: the peak during
  the download minus the value just before it;
- `resource.getrusage(RUSAGE_SELF).ru_maxrss` before and after (a lifetime peak, so it only
  moves when the download sets a new one).

Then it checks the file's SHA-256 (read back in 1 MiB pieces) against the fake's. Target: peak RSS
growth under 50 MB. The file needs `--size` bytes of free disk under `--tmp`.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fakeproc import FakeProcess

MB = 1_000_000
SAMPLE_EVERY = 0.005


def vm_rss() -> int:
    """Resident set size of this process in bytes, from /proc/self/status."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def max_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


class Sampler:
    """A thread noting the highest VmRSS until stopped."""

    def __init__(self) -> None:
        self.peak = vm_rss()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            self.peak = max(self.peak, vm_rss())
            self.samples += 1

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, vm_rss())


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


async def run(info: dict[str, str], slug: str, number: int, dest: Path) -> dict[str, float]:
    from aiocircle import CircleCI

    host = info["artifacts_host"].removeprefix("http://")
    async with CircleCI(
        token=info["token"], base_url=info["base_url"], artifact_hosts=(host,)
    ) as cci:
        warm = await cci.artifacts.download_job(slug, number, dest / "warm-up", exclude="huge/*")
        warm.raise_for_failures()
        before, before_max = vm_rss(), max_rss()
        started = time.perf_counter()
        with Sampler() as sampler:
            report = await cci.artifacts.download_job(slug, number, dest, include="huge/*")
        elapsed = time.perf_counter() - started
        report.raise_for_failures()
        (entry,) = report.downloaded
        assert entry.local_path is not None
    return {
        "before": before,
        "peak": sampler.peak,
        "samples": sampler.samples,
        "before_max": before_max,
        "after_max": max_rss(),
        "elapsed": elapsed,
        "bytes": entry.bytes,
        "path": str(entry.local_path),  # type: ignore[dict-item]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1 << 30, help="bytes of the huge artifact")
    parser.add_argument("--tmp", default=None, help="folder for the download (default: temp dir)")
    args = parser.parse_args()
    fake_args = ["--pipelines", "1", "--jobs", "1", "--artifacts", "1", "--artifact-size",
                 "1024:1024", "--huge-artifact-size", str(args.size)]  # fmt: skip
    with FakeProcess(*fake_args) as fake:
        (workflow,) = fake.command("workflows")
        slug, number = workflow["slug"], workflow["job_numbers"][0]
        print(f"computing the expected SHA-256 of {args.size / MB:,.0f} MB in the fake ...")
        expected = fake.checksums()[(slug, number, 0, "huge/big.bin")]
        with tempfile.TemporaryDirectory(prefix="aiocircle-stream-", dir=args.tmp) as folder:
            result = asyncio.run(run(fake.info, slug, number, Path(folder)))
            path = Path(str(result["path"]))
            actual = sha256_file(path)
    growth = result["peak"] - result["before"]
    max_growth = result["after_max"] - result["before_max"]
    print(
        f"downloaded {result['bytes'] / MB:,.0f} MB ({result['bytes']} bytes) in "
        f"{result['elapsed']:.1f} s, {result['bytes'] / MB / result['elapsed']:,.0f} MB/s; "
        f"fake in a child process; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}"
    )
    print(
        f"VmRSS before {result['before'] / MB:.1f} MB, peak during {result['peak'] / MB:.1f} MB "
        f"({result['samples']:.0f} samples): growth {growth / MB:.1f} MB (target < 50 MB)"
    )
    print(
        f"ru_maxrss before {result['before_max'] / MB:.1f} MB, after "
        f"{result['after_max'] / MB:.1f} MB: growth {max_growth / MB:.1f} MB"
    )
    print(f"sha256 {'ok' if actual == expected else 'MISMATCH'}: {actual}")
    if actual != expected:
        print(f"expected {expected}")
        sys.exit(1)


if __name__ == "__main__":
    main()
