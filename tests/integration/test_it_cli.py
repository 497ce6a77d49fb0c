"""The ``aiocircle`` command line against the fake CircleCI over TCP.

``main()`` runs its own ``asyncio.run``, so the fake serves from a loop of its own in a
background thread (one fake for the module; each test resets its stats).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from _harvest_helpers import (
    SLUG,
    Seeded,
    fake_in_thread,
    files_under,
    part_files,
    seed_workflow,
    sha256_file,
)

from aiocircle.cli import main
from aiocircle.report import FIELDS
from aiocircle.testing import Dataset, FakeCircleCI

MANY = "gh/acme/many"
EMPTY = "gh/acme/empty"
WRONG_TOKEN = "wrong-token-3f9a1c"


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests say what token and base URL they use; the caller's environment does not."""
    for name in ("CIRCLECI_TOKEN", "CIRCLE_TOKEN", "CIRCLECI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeCircleCI, Seeded]]:
    fake = FakeCircleCI(seed=21, page_size=5)
    seeded = seed_workflow(fake, per_job=4, max_size=3000)
    fake.populate(Dataset(projects=[MANY], pipelines_per_project=12, approval_share=0.5))
    fake.state.add_project(EMPTY)
    with fake_in_thread(fake):
        yield fake, seeded


@pytest.fixture
def fake(served: tuple[FakeCircleCI, Seeded]) -> FakeCircleCI:
    served[0].reset_stats()
    return served[0]


@pytest.fixture
def seeded(served: tuple[FakeCircleCI, Seeded]) -> Seeded:
    return served[1]


def connect(fake: FakeCircleCI, token: str | None = None) -> list[str]:
    return [
        "--base-url",
        fake.base_url,
        "--token",
        token or fake.token,
        "--artifact-host",
        fake.artifacts_host.removeprefix("http://"),
    ]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the command; an argparse error (SystemExit) counts as its exit status."""
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def requests_sent(fake: FakeCircleCI) -> int:
    return sum(fake.stats.counts.values())


def assert_one_clean_line(err: str, *secrets: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("aiocircle: "), err
    assert "Traceback" not in err
    for secret in secrets:
        assert secret not in err


# --- artifacts download --------------------------------------------------------------------


def test_download_workflow_json(
    fake: FakeCircleCI, seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "wf"
    code, out, err = run(
        capsys,
        "artifacts",
        "download",
        *connect(fake),
        "--workflow",
        seeded.workflow_id,
        "--dest",
        str(dest),
        "--json",
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["downloaded"] == seeded.artifact_count
    assert summary["failed"] == summary["refused"] == summary["skipped"] == 0
    assert summary["listing_failures"] == []
    assert summary["bytes"] == sum(a.size for j in seeded.jobs for a in j.artifacts.values())
    for entry in summary["entries"]:
        assert entry["status"] == "downloaded" and entry["project"] == SLUG
        local = Path(entry["local_path"])
        assert local.is_relative_to(dest.resolve())
        expected = fake.expected_sha256(
            SLUG, entry["job_number"], entry["node_index"], entry["path"]
        )
        assert sha256_file(local) == expected
        assert local.relative_to(dest.resolve()).parts[:2] == (
            f"{entry['job_number']}-{entry['job_name']}",
            str(entry["node_index"]),
        )
    assert fake.leaks == []
    assert part_files(tmp_path) == []

    # Again: everything is already there.
    code, out, _ = run(
        capsys,
        "artifacts",
        "download",
        *connect(fake),
        "--workflow",
        seeded.workflow_id,
        "--dest",
        str(dest),
        "--json",
    )
    again = json.loads(out)
    assert code == 0 and again["skipped"] == seeded.artifact_count and again["bytes"] == 0


def test_download_pipeline_and_job_with_include(
    fake: FakeCircleCI, seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        "artifacts",
        "download",
        *connect(fake),
        "--pipeline",
        seeded.pipeline_id,
        "--dest",
        str(tmp_path / "p"),
        "--include",
        "out/test/*",
        "--include",
        "out/lint/*",
        "--exclude",
        "*/dir-0/*",
    )
    assert code == 0, err
    got = files_under(tmp_path / "p")
    test_job, lint_job = seeded.jobs[1], seeded.jobs[2]
    wanted = [
        a
        for j in (test_job, lint_job)
        for a in j.artifacts.values()
        if a.path.startswith("out/") and "/dir-0/" not in a.path
    ]
    assert len(got) == len(wanted) > 0
    assert out.startswith(f"{len(wanted)} downloaded (")

    build = seeded.jobs[0]
    code, out, err = run(
        capsys,
        "artifacts",
        "download",
        *connect(fake),
        "--job",
        SLUG,
        str(build.number),
        "--dest",
        str(tmp_path / "j"),
        "--json",
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["downloaded"] == len(build.artifacts)
    for entry in summary["entries"]:
        assert entry["job_number"] == build.number
        assert sha256_file(Path(entry["local_path"])) == fake.expected_sha256(
            SLUG, build.number or 0, entry["node_index"], entry["path"]
        )


def test_download_with_nothing_matched_exits_1(
    fake: FakeCircleCI, seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys,
        "artifacts",
        "download",
        *connect(fake),
        "--workflow",
        seeded.workflow_id,
        "--dest",
        str(tmp_path),
        "--include",
        "no/such/*",
    )
    assert code == 1
    assert_one_clean_line(err)
    assert "no artifacts matched" in err
    assert files_under(tmp_path) == []


def test_download_of_an_unknown_workflow_exits_1(
    fake: FakeCircleCI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unknown = "5034460f-c7c4-4c43-9457-de07e2029e7b"
    code, _, err = run(
        capsys,
        "artifacts",
        "download",
        *connect(fake),
        "--workflow",
        unknown,
        "--dest",
        str(tmp_path / "d"),
    )
    assert code == 1
    assert_one_clean_line(err, fake.token)
    assert "404" in err and "Workflow not found" in err
    assert "does not end in" not in err  # the base URL is right: no hint about it
    assert list(tmp_path.iterdir()) == []  # the folder the run created, left empty, is gone


def test_wrong_token_exits_1_with_one_line_and_no_token(
    fake: FakeCircleCI, seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "pipelines", "list", MANY, *connect(fake, WRONG_TOKEN))
    assert code == 1
    assert_one_clean_line(err, WRONG_TOKEN)
    assert "401" in err
    assert WRONG_TOKEN not in out

    code, out, err = run(
        capsys,
        "artifacts",
        "download",
        *connect(fake, WRONG_TOKEN),
        "--workflow",
        seeded.workflow_id,
        "--dest",
        str(tmp_path),
    )
    assert code == 1
    assert_one_clean_line(err, WRONG_TOKEN)
    assert "401" in err and WRONG_TOKEN not in out
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(
    "argv",
    [
        ("pipelines", "list", "not-a-slug"),
        ("pipelines", "list", "svn/acme/repo"),
        ("report", "workflows", "gh/acme", "--since", "2025-01-01"),
        ("artifacts", "download", "--job", "gh/acme", "1", "--dest", "unused"),
    ],
)
def test_bad_slug_exits_2_with_one_line(
    fake: FakeCircleCI, argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    command, action, *rest = argv
    code, _, err = run(capsys, command, action, *connect(fake), *rest)
    assert code == 2, err
    assert_one_clean_line(err, fake.token)
    assert "slug" in err
    assert sum(fake.stats.counts.values()) == 0  # refused before any request


# --- pipelines, workflows, report ----------------------------------------------------------


def test_pipelines_list(fake: FakeCircleCI, capsys: pytest.CaptureFixture[str]) -> None:
    project = fake.state.project(MANY)
    newest_first = sorted(project.pipelines, key=lambda p: p.number, reverse=True)

    code, out, err = run(capsys, "pipelines", "list", MANY, *connect(fake), "--limit", "7")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert [int(line.split()[0]) for line in lines] == [p.number for p in newest_first[:7]]

    code, out, err = run(
        capsys, "pipelines", "list", MANY, *connect(fake), "--branch", "develop", "--json"
    )
    assert code == 0, err
    listed = json.loads(out)
    develop = [p for p in newest_first if p.branch == "develop"]
    assert [p["number"] for p in listed] == [p.number for p in develop]
    assert {p["vcs"]["branch"] for p in listed} == {"develop"}
    assert {p["id"] for p in listed} == {p.id for p in develop}

    code, out, err = run(
        capsys, "pipelines", "list", MANY, *connect(fake), "--limit", "3", "--json"
    )
    assert code == 0 and len(json.loads(out)) == 3
    assert fake.stats.count("GET /project/{project-slug}/pipeline") >= 2


def test_pipelines_list_of_a_missing_project_exits_1(
    fake: FakeCircleCI, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "pipelines", "list", "gh/acme/absent", *connect(fake))
    assert code == 1
    assert_one_clean_line(err, fake.token)
    assert "Project not found" in err


def test_workflows_jobs(
    fake: FakeCircleCI, seeded: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "workflows", "jobs", *connect(fake), seeded.workflow_id)
    assert code == 0, err
    rows = [line.split() for line in out.strip().splitlines()]
    assert [row[-1] for row in rows] == ["build", "test", "lint", "hold"]
    assert [row[0] for row in rows] == [str(j.number) for j in seeded.jobs] + ["-"]
    assert rows[-1][2] == "approval"

    code, out, err = run(capsys, "workflows", "jobs", *connect(fake), seeded.workflow_id, "--json")
    assert code == 0, err
    jobs = json.loads(out)
    assert [j["name"] for j in jobs] == ["build", "test", "lint", "hold"]
    assert jobs[-1]["type"] == "approval" and jobs[-1].get("job_number") is None


def _report_expectation(fake: FakeCircleCI) -> tuple[str, list[tuple[int, str]]]:
    """A --since cut-off between the 5th and 6th newest pipelines, and the rows it keeps."""
    project = fake.state.project(MANY)
    newest_first = sorted(project.pipelines, key=lambda p: p.created_at, reverse=True)
    cut = newest_first[4].created_at - timedelta(seconds=1)
    since = cut.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    kept = [(p.number, w.name) for p in newest_first if p.created_at >= cut for w in p.workflows]
    return since, kept


def test_report_workflows_csv_and_jsonl(
    fake: FakeCircleCI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    since, kept = _report_expectation(fake)
    assert len(kept) == 5

    target = tmp_path / "report.csv"
    code, out, err = run(
        capsys,
        "report",
        "workflows",
        *connect(fake),
        MANY,
        "--since",
        since,
        "--format",
        "csv",
        "--output",
        str(target),
    )
    assert code == 0, err
    assert out == ""
    assert f"{len(kept)} rows written" in err
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert tuple(rows[0].keys()) == FIELDS
    assert sorted((int(r["pipeline_number"]), r["workflow"]) for r in rows) == sorted(kept)
    assert {r["project"] for r in rows} == {MANY}

    code, out, err = run(
        capsys, "report", "workflows", *connect(fake), MANY, "--since", since, "--format", "jsonl"
    )
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert sorted((r["pipeline_number"], r["workflow"]) for r in records) == sorted(kept)
    assert all(set(r) == set(FIELDS) for r in records)

    # One missing project: its failure is reported, the other's rows still written, exit 1.
    target = tmp_path / "partial.jsonl"
    code, out, err = run(
        capsys,
        "report",
        "workflows",
        *connect(fake),
        MANY,
        "gh/acme/absent",
        "--since",
        since,
        "--format",
        "jsonl",
        "--output",
        str(target),
    )
    assert code == 1
    assert "gh/acme/absent" in err and "Traceback" not in err
    assert len(target.read_text(encoding="utf-8").splitlines()) == len(kept)


# --- the demo ------------------------------------------------------------------------------


def test_demo_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    dest = tmp_path / "demo"
    code, out, err = run(
        capsys,
        "demo",
        "--json",
        "--jobs",
        "3",
        "--artifacts",
        "4",
        "--latency",
        "0",
        "--dest",
        str(dest),
    )
    assert code == 0, err
    summary: dict[str, Any] = json.loads(out)
    assert summary["checksum_mismatches"] == []
    assert summary["token_leaks"] == 0
    assert summary["downloaded"] == 3 * 4 and summary["failed"] == summary["refused"] == 0
    assert "entries" not in summary
    assert len(files_under(dest)) == 12 and part_files(dest) == []


# --- exit status: one test per documented rule ----------------------------------------------


def test_exit_0_pipelines_list_json_with_no_pipelines_prints_an_empty_array(
    fake: FakeCircleCI, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "pipelines", "list", EMPTY, *connect(fake), "--json")
    assert (code, json.loads(out), err) == (0, [], "")

    code, out, err = run(capsys, "pipelines", "list", EMPTY, *connect(fake))
    assert code == 1 and out == ""
    assert_one_clean_line(err)
    assert f"no pipelines for {EMPTY}" in err


def test_exit_1_without_a_token_names_the_option_and_sends_nothing(
    fake: FakeCircleCI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (
        ("pipelines", "list", MANY),
        ("workflows", "jobs", "5034460f-c7c4-4c43-9457-de07e2029e7b"),
        ("artifacts", "download", "--workflow", "x", "--dest", str(tmp_path / "d")),
    ):
        code, out, err = run(capsys, *argv, "--base-url", fake.base_url)
        assert code == 1, err
        assert_one_clean_line(err)
        assert "--token" in err and "CIRCLECI_TOKEN" in err and "token=" not in err
        assert out == ""
    code, _, err = run(
        capsys, "pipelines", "list", MANY, "--base-url", fake.base_url, "--token", " "
    )
    assert code == 1 and "--token is empty" in err
    assert requests_sent(fake) == 0
    assert list(tmp_path.iterdir()) == []


def test_exit_1_for_an_unusable_base_url_from_the_environment(
    fake: FakeCircleCI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CIRCLECI_BASE_URL", "ftp://example.com/api/v2")
    code, _, err = run(capsys, "pipelines", "list", MANY, "--token", fake.token)
    assert code == 1
    assert_one_clean_line(err, fake.token)
    assert "base_url must be an http(s) URL" in err


def test_exit_2_for_a_bad_base_url_or_artifact_host_on_the_command_line(
    fake: FakeCircleCI, capsys: pytest.CaptureFixture[str]
) -> None:
    for option, value in (
        ("--base-url", "circleci.com/api/v2"),
        ("--base-url", "https://user:pw@circleci.com/api/v2"),
        ("--artifact-host", "ftp://files.example.com"),
        ("--artifact-host", "https://"),
    ):
        code, _, err = run(capsys, "pipelines", "list", MANY, "--token", fake.token, option, value)
        assert code == 2, (option, value, err)
        assert f"argument {option}" in err and "Traceback" not in err
    assert requests_sent(fake) == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("artifacts", "download", "--workflow", "x", "--concurrency", "0"), "at least 1"),
        (("pipelines", "list", MANY, "--limit", "0"), "at least 1"),
        (("pipelines", "list", MANY, "--limit", "many"), "not a whole number"),
        (("report", "workflows", MANY, "--since", "yesterday"), "not an ISO date"),
    ],
)
def test_exit_2_for_numbers_and_dates_out_of_range(
    fake: FakeCircleCI,
    tmp_path: Path,
    argv: tuple[str, ...],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    extra = ("--dest", str(tmp_path / "d")) if argv[0] == "artifacts" else ()
    code, _, err = run(capsys, *argv, *extra, *connect(fake))
    assert code == 2, err
    assert message in err and "Traceback" not in err
    assert requests_sent(fake) == 0


def test_exit_2_for_a_destination_that_cannot_be_a_folder(
    fake: FakeCircleCI, seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me", encoding="utf-8")
    cases = {
        "": "argument --dest: must name a folder",
        str(a_file): f"--dest {a_file} is a file, not a folder",
        str(a_file / "sub"): f"{a_file} is a file, not a folder",
    }
    for dest, message in cases.items():
        code, _, err = run(
            capsys,
            "artifacts",
            "download",
            *connect(fake),
            "--workflow",
            seeded.workflow_id,
            "--dest",
            dest,
        )
        assert code == 2, (dest, err)
        assert message in err and "Errno" not in err and "Traceback" not in err
    assert a_file.read_text(encoding="utf-8") == "keep me"
    assert requests_sent(fake) == 0


@pytest.mark.parametrize(
    ("argv", "code"),
    [(("--jobs", "0"), 2), (("--artifacts", "-1"), 2), (("--artifacts", "0"), 1)],
)
def test_demo_exit_status_for_its_sizes(
    argv: tuple[str, ...], code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    got, _, err = run(capsys, "demo", "--json", "--latency", "0", "--jobs", "2", *argv)
    assert got == code, err
    if code == 1:
        assert "no artifacts" in err


def test_exit_130_when_interrupted_leaves_no_report_file(
    fake: FakeCircleCI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import aiocircle.report

    async def interrupted(rows: Any, out: Any) -> int:
        out.write("project,partial\n")
        raise KeyboardInterrupt

    monkeypatch.setattr(aiocircle.report, "write_csv", interrupted)
    target = tmp_path / "report.csv"
    code, _, err = run(
        capsys,
        "report",
        "workflows",
        MANY,
        *connect(fake),
        "--since",
        "2025-01-01",
        "--output",
        str(target),
    )
    assert code == 130
    assert err.strip() == "aiocircle: interrupted; no partial files were left"
    assert list(tmp_path.iterdir()) == []


# --- artifact hosts, hints and messages --------------------------------------------------------


def test_artifact_host_given_as_the_url_the_fake_prints(
    fake: FakeCircleCI, seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert fake.artifacts_host.startswith("http://127.0.0.1:")
    code, out, err = run(
        capsys,
        "artifacts",
        "download",
        "--base-url",
        fake.base_url,
        "--token",
        fake.token,
        "--artifact-host",
        fake.artifacts_host + "/",
        "--job",
        SLUG,
        str(seeded.jobs[0].number),
        "--dest",
        str(tmp_path),
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["downloaded"] == len(seeded.jobs[0].artifacts)
    assert fake.leaks == []


def test_a_401_from_the_artifacts_host_names_the_job_and_hints_at_artifact_host(
    fake: FakeCircleCI, seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build = seeded.jobs[0]
    host = fake.artifacts_host.removeprefix("http://")
    code, out, err = run(
        capsys,
        "artifacts",
        "download",
        "--base-url",
        fake.base_url,
        "--token",
        fake.token,
        "--workflow",
        seeded.workflow_id,
        "--include",
        "out/build/*",
        "--dest",
        str(tmp_path / "d"),
    )
    assert code == 1
    failures = [line for line in out.splitlines() if line.startswith("  failed: ")]
    assert len(failures) == len(build.artifacts)
    assert all(
        line.startswith(f"  failed: {SLUG}#{build.number} build: out/build/") for line in failures
    )
    assert all("401" in line for line in failures)
    assert_one_clean_line(err, fake.token)
    assert "--artifact-host" in err and "artifact_hosts" in err and f"--artifact-host {host}" in err
    assert not (tmp_path / "d").exists()  # created by the run, left empty, removed


def test_a_base_url_without_api_v2_gets_a_hint_with_the_404(
    fake: FakeCircleCI, capsys: pytest.CaptureFixture[str]
) -> None:
    root = fake.base_url.removesuffix("/api/v2")
    code, _, err = run(capsys, "pipelines", "list", MANY, "--token", fake.token, "--base-url", root)
    assert code == 1
    assert_one_clean_line(err, fake.token)
    assert "404" in err and "does not end in /api/v2" in err


def test_base_url_from_the_environment_and_the_option_wins(
    fake: FakeCircleCI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CIRCLECI_TOKEN", fake.token)
    monkeypatch.setenv("CIRCLECI_BASE_URL", fake.base_url)
    code, out, err = run(capsys, "pipelines", "list", MANY, "--limit", "2")
    assert code == 0, err
    assert len(out.splitlines()) == 2

    monkeypatch.setenv("CIRCLECI_BASE_URL", "http://127.0.0.1:9/api/v2")  # nothing listens
    code, out, err = run(
        capsys, "pipelines", "list", MANY, "--limit", "2", "--base-url", fake.base_url
    )
    assert code == 0, err


def test_report_of_one_row_says_row(
    fake: FakeCircleCI, seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "one.csv"
    code, _, err = run(
        capsys,
        "report",
        "workflows",
        SLUG,
        *connect(fake),
        "--since",
        "2000-01-01",
        "--output",
        str(target),
    )
    assert code == 0, err
    lines = err.strip().splitlines()
    assert lines[0] == f"1 row written to {target}"
    # Then the summary: the report, its rows, the projects read, failures and time.
    assert lines[1].split() == ["report", "rows", "projects", "failures", "time"]
    assert lines[2].split()[:6] == ["workflows", "1", "1", "of", "1", "0"]
    assert len(target.read_text(encoding="utf-8").splitlines()) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["one.csv"]


# --- without the cli extra (rich) ------------------------------------------------------------

_NO_RICH = '''
import sys


class _NoRich:
    """Make `import rich` fail as it does where the `cli` extra is not installed."""

    def find_spec(self, name, path=None, target=None):
        if name == "rich" or name.startswith("rich."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, _NoRich())
'''


def test_every_command_works_without_rich(
    fake: FakeCircleCI, seeded: Seeded, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    blocker = tmp_path / "site"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(_NO_RICH, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIRCLE", "PYTHON"))}
    env["PYTHONPATH"] = str(blocker)

    def cli(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "aiocircle", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    probe = subprocess.run(
        [sys.executable, "-c", "import rich"], env=env, capture_output=True, text=True, check=False
    )
    assert probe.returncode == 1 and "No module named 'rich'" in probe.stderr

    listed = cli("pipelines", "list", MANY, *connect(fake), "--json")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 12

    jobs = cli("workflows", "jobs", seeded.workflow_id, *connect(fake))
    assert jobs.returncode == 0, jobs.stderr
    assert [line.split()[-1] for line in jobs.stdout.splitlines()] == [
        "build",
        "test",
        "lint",
        "hold",
    ]

    report = cli("report", "workflows", SLUG, *connect(fake), "--since", "2000-01-01")
    assert report.returncode == 0, report.stderr
    assert report.stdout.splitlines()[0] == ",".join(FIELDS)
    # Without rich the closing summary is one plain line.
    assert report.stderr.strip().splitlines()[-1].startswith("report: workflows  rows: ")

    dest = tmp_path / "out"
    download = cli(
        "artifacts",
        "download",
        "--workflow",
        seeded.workflow_id,
        *connect(fake),
        "--dest",
        str(dest),
    )
    assert download.returncode == 0, download.stderr
    assert len(files_under(dest)) == seeded.artifact_count

    demo = cli("demo", "--json", "--jobs", "2", "--artifacts", "2", "--latency", "0")
    assert demo.returncode == 0, demo.stderr
    assert json.loads(demo.stdout)["downloaded"] == 4
    for run_ in (listed, jobs, report, download, demo):
        assert "Traceback" not in run_.stderr and "aiocircle[cli]" not in run_.stderr
