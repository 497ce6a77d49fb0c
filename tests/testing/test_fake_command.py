"""`python -m aiocircle.testing`: its help and what it says when it cannot listen."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from aiocircle.testing.__main__ import main, parse_args


def test_help_shows_every_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(["--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for shown in (
        "--port PORT API port; 0 picks a free one (default: 0)",
        "(default: test-token)",
        "MIN:MAX bytes (default: 0:4096)",
        "items per page (default: 20)",
        "rate-limit bucket size (default: 10)",
    ):
        assert shown in text
    assert parse_args([]).artifact_size == (0, 4096)


def test_a_port_in_use_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as exited:
            main(["--port", str(port)])
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert err.startswith(
            f"python -m aiocircle.testing: cannot listen on 127.0.0.1 port {port}: "
        )
        assert str(port) in err and "0 for a free one" in err

        # The same as a process, the way a user meets it.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        done = subprocess.run(
            [sys.executable, "-m", "aiocircle.testing", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 2
    assert done.stdout == "" and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
