"""The pytest plugin in a brand-new project, configured exactly as docs/testing.md says.

Each test writes a project into a temp folder and runs pytest on it in a subprocess, so the
plugin is loaded the way a user gets it: through the installed ``pytest11`` entry point.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

TESTING_MD = Path(__file__).resolve().parents[2] / "docs" / "testing.md"


def _blocks(language: str) -> list[str]:
    text = TESTING_MD.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.S | re.M)


def _documented_config() -> str:
    config = _blocks("toml")[0]
    assert "[tool.pytest.ini_options]" in config
    return config


def _documented_test() -> str:
    """The first python block of "In a test": the example test using the fixture."""
    test = next(b for b in _blocks("python") if "fake_circleci" in b)
    assert "async def test_" in test
    return test


def _project(root: Path, *, config: str | None) -> Path:
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "test_pipelines.py").write_text(_documented_test(), encoding="utf-8")
    if config is not None:
        (root / "pyproject.toml").write_text(config, encoding="utf-8")
    else:  # a rootdir marker without pytest settings, so this repository's are not used
        (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return root


def _pytest(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "CIRCLE"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_documented_configuration_passes_the_documented_test(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", config=_documented_config())
    done = _pytest(root, "-W", "error")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b1 passed\b", done.stdout), done.stdout
    assert "warning" not in done.stdout.lower(), done.stdout
    assert str(root) in done.stdout  # it ran in the new project, not in this repository


def test_without_configuration_the_plugin_still_runs_the_test(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", config=None)
    done = _pytest(root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b1 passed\b", done.stdout), done.stdout
    assert "not natively supported" not in done.stdout


@pytest.mark.parametrize("config", [None, "documented"])
def test_without_an_asyncio_runner_it_fails_saying_what_to_set(
    tmp_path: Path, config: str | None
) -> None:
    root = _project(tmp_path / "project", config=_documented_config() if config else None)
    done = _pytest(root, "-p", "no:asyncio")
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"\b1 error\b", done.stdout), done.stdout
    assert "no asyncio runner runs it" in done.stdout
    assert 'asyncio_mode = "auto"' in done.stdout
    assert "not natively supported" not in done.stdout
