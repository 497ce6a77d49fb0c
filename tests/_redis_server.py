"""A real redis-server for the Redis limiter tests: the one CI started, or one of our own.

Without a server the tests are skipped with the reason, except under CI (``CI=true``),
where a missing server fails them: CI must never pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

URL_ENV = "AIOCIRCLE_TEST_REDIS_URL"


def require(reason: str) -> None:
    """Skip with ``reason``, or fail under CI, where the Redis tests must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the Redis tests (.ci/run starts a server)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ping(url: str, timeout: float = 1.0) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


@contextmanager
def redis_server(port: int | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start ``redis-server`` on 127.0.0.1 (a free port unless given), no persistence;
    yields its URL and process, and stops it at the end."""
    binary = shutil.which("redis-server")
    if binary is None:
        require("redis-server is not on PATH (apt-get install redis-server)")
        raise AssertionError("unreachable")
    port = port or free_port()
    workdir = tempfile.mkdtemp(prefix="aiocircle-redis-")
    args = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        workdir,
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 20
        while not ping(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield url, proc
    finally:
        stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
