"""The fake CircleCI in a child process, with a small control channel (shared by the benchmarks).

Why a child process: on a 2-core machine a fake in the benchmark's own process shares the event
loop with the client being measured, so every request the fake answers is time the client does not
get. In a child process the fake has its own interpreter (and, with 2 cores, its own core).

Child:  ``python benchmarks/_fakeproc.py [the options of python -m aiocircle.testing]``

It builds the fake exactly as ``python -m aiocircle.testing`` does (same option parser, same
``build()``), prints the same ``name: value`` lines, then ``ready``. It then reads one command per
line on stdin and answers each with one JSON line on stdout:

- ``stats``: what the fake saw since the last ``reset`` (per listener, status and fault; leaks);
- ``reset``: clear the fake's stats;
- ``workflows``: every workflow with its project slug, job numbers and artifact count;
- ``checksums``: ``{"slug\\tjob\\tnode\\tpath": sha256}`` for every artifact;
- ``rate_limit {"rate": 20, ...}``: set the API's rate limit to ``RateLimit(**fields)``
  (``rate_limit null``: none), with full buckets.

End of stdin stops the fake and ends the child.

Parent: ``with FakeProcess("--latency", "0.02", ...) as fake: fake.info["base_url"], fake.stats()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing it
    sys.path.insert(0, str(ROOT))

_MAX_BANNER_LINES = 50


# --- child -------------------------------------------------------------------------------------


def _stats(fake: Any) -> dict[str, Any]:
    listeners: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    faults: Counter[str] = Counter()
    for record in fake.stats.requests:
        listeners[record.listener] += 1
        statuses[f"{record.listener} {record.status}"] += 1
        if record.fault:
            faults[f"{record.listener} {record.fault}"] += 1
    return {
        "requests": sum(listeners.values()),
        "listeners": dict(listeners),
        "statuses": dict(statuses),
        "faults": dict(faults),
        "routes": dict(fake.stats.counts),
        "peak_in_flight": dict(fake.stats.peak_in_flight),
        "leaks": len(fake.leaks),
        "leak_where": sorted({w for leak in fake.leaks for w in leak.where}),
    }


def _workflows(fake: Any) -> list[dict[str, Any]]:
    found = []
    for workflow in fake.state.workflows.values():
        numbers = [j.number for j in workflow.jobs if j.number is not None]
        found.append(
            {
                "id": workflow.id,
                "slug": workflow.pipeline.project.slug,
                "pipeline_number": workflow.pipeline.number,
                "job_numbers": numbers,
                "artifacts": sum(len(j.artifacts) for j in workflow.jobs),
                "bytes": sum(a.content.size for j in workflow.jobs for a in j.artifacts.values()),
            }
        )
    return found


def _answer(fake: Any, line: str) -> Any:
    command, _, argument = line.partition(" ")
    if command == "rate_limit":
        from aiocircle.testing import RateLimit

        fields = json.loads(argument or "null")
        fake.knobs.rate_limit = None if fields is None else RateLimit(**fields)
        return {"ok": True}
    if command == "stats":
        return _stats(fake)
    if command == "reset":
        fake.reset_stats()
        return {"ok": True}
    if command == "workflows":
        return _workflows(fake)
    if command in ("redirect", "no-redirect"):
        fake.knobs.redirect = command == "redirect"
        return {"redirect": fake.knobs.redirect}
    if command == "checksums":
        return {"\t".join(map(str, key)): sha for key, sha in fake.expected_checksums().items()}
    return {"error": f"unknown command {command!r}"}


async def _serve(argv: list[str]) -> None:
    from aiocircle.testing.__main__ import build, parse_args

    fake = build(parse_args(argv))
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue[str | None] = asyncio.Queue()

    def read_stdin() -> None:  # a thread: blocked on stdin almost all the time
        for line in sys.stdin:
            loop.call_soon_threadsafe(commands.put_nowait, line.strip())
        loop.call_soon_threadsafe(commands.put_nowait, None)

    async with fake:
        print(f"base_url: {fake.base_url}")
        print(f"token: {fake.token}")
        print(f"api_root: {fake.api_root}")
        print(f"artifacts_host: {fake.artifacts_host}")
        print(f"storage_url: {fake.storage_url}")
        print("ready", flush=True)
        threading.Thread(target=read_stdin, daemon=True).start()
        while (command := await commands.get()) is not None:
            if command:
                print(json.dumps(_answer(fake, command)), flush=True)


# --- parent ------------------------------------------------------------------------------------


class FakeProcess:
    """Start the child, read its addresses into ``info``, send it commands; stop it on exit."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.info: dict[str, str] = {}
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()  # one command at a time, from any thread

    def __enter__(self) -> FakeProcess:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        self._process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), *self.args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        try:
            for _ in range(_MAX_BANNER_LINES):
                line = self._readline()
                if line == "ready":
                    return self
                name, _, value = line.partition(": ")
                self.info[name] = value
            raise RuntimeError("the fake printed no 'ready' line")
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def _readline(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the fake exited (status {self._process.poll()})")
        return line.strip()

    def command(self, name: str) -> Any:
        with self._lock:
            assert self._process is not None and self._process.stdin is not None
            self._process.stdin.write(name + "\n")
            self._process.stdin.flush()
            return json.loads(self._readline())

    def stats(self) -> dict[str, Any]:
        return self.command("stats")  # type: ignore[no-any-return]

    def reset(self) -> None:
        self.command("reset")

    def set_rate_limit(self, fields: dict[str, Any] | None) -> None:
        """``knobs.rate_limit = RateLimit(**fields)`` in the child (``None``: no limit)."""
        answer = self.command(f"rate_limit {json.dumps(fields)}")
        if not answer.get("ok"):
            raise RuntimeError(f"the fake refused the rate limit: {answer}")

    def checksums(self) -> dict[tuple[str, int, int, str], str]:
        found: dict[str, str] = self.command("checksums")
        result = {}
        for key, sha in found.items():
            slug, job, node, path = key.split("\t", 3)
            result[(slug, int(job), int(node), path)] = sha
        return result

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def __exit__(self, *exc: object) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()  # end of stdin: the child stops its fake and exits
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.terminate()  # our own child, by its Popen handle
            process.wait(timeout=15)
        if process.stdout is not None:
            process.stdout.close()


if __name__ == "__main__":
    asyncio.run(_serve(sys.argv[1:]))
