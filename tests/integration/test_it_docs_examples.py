"""Every ```python block in README.md and docs/**/*.md runs against the fake CircleCI.

Pages are found by globbing, so a new page is picked up with no change here. The blocks of a
page run in order in one namespace, like a notebook: a block may use what an earlier block of
the same page defined. A top-level ``await`` runs on one event loop per page; blocks that call
``asyncio.run(main())`` run as scripts. The page's working directory is a temp folder.

What a page's examples find (see "Conventions" in docs/index.md):

- ``CIRCLECI_TOKEN`` and ``CIRCLECI_BASE_URL`` point at a fake, so ``CircleCI()`` talks to it,
  and the fake's artifacts host stands in for ``*.circle-artifacts.com``;
- the names in :func:`_namespace`: ``cci`` (a client of that fake), ``fake``, ``CircleCI``,
  ``aiohttp``, ``workflow_id``, ``pipeline_id``, ``pipeline`` and ``new_secret``;
- the data of :func:`_world`: ``gh/acme/widgets`` with pipelines up to #1234 on ``main``, whose
  workflow ``5034460f-...`` has ``build`` (job 4711, with artifacts), a failed ``test``, ``lint``
  and an approval on hold; and ``gh/acme/gadgets``. ``gh/acme/retired`` does not exist.

Comments on the line before a block's fence change how it is run:

- ``<!-- not-run: REASON -->``: only compiled (a signature, or a call to a host the fake does
  not stand for); such blocks are listed by ``test_blocks_that_do_not_run_say_why``;
- ``<!-- raises: ExceptionName -->``: the block must raise that exception;
- ``<!-- examples-fake: empty -->`` anywhere on a page: the page's fake holds no data (for
  pages whose examples build their own).
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from _harvest_helpers import fake_in_thread

from aiocircle import CircleCI
from aiocircle.testing import FakeCircleCI

ROOT = Path(__file__).resolve().parents[2]
DOC_WORKFLOW_ID = "5034460f-c7c4-4c43-9457-de07e2029e7b"
_FENCE = re.compile(r"^```python\n(.*?)^```[ \t]*$", re.S | re.M)
_MARK = re.compile(r"<!--\s*(not-run|raises)\s*:\s*(.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    source: str
    not_run: str | None = None
    raises: str | None = None

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    page = path.relative_to(ROOT).as_posix()
    found = []
    for match in _FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        mark = _MARK.search(before)
        kind, value = (mark.group(1), mark.group(2)) if mark else (None, None)
        found.append(
            Block(
                page,
                line,
                match.group(1),
                not_run=value if kind == "not-run" else None,
                raises=value if kind == "raises" else None,
            )
        )
    return found


def _empty_fake(path: Path) -> bool:
    return "<!-- examples-fake: empty -->" in path.read_text(encoding="utf-8")


def _compile(block: Block) -> Any:
    return compile(
        block.source, block.where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )


PAGES = [p for p in _pages() if _blocks(p)]
ALL_BLOCKS = [b for p in PAGES for b in _blocks(p)]


def _world(fake: FakeCircleCI) -> dict[str, Any]:
    """The data the examples expect; returns the ids they are given as names."""
    state = fake.state
    widgets = state.add_project("gh/acme/widgets", default_branch="main")
    gadgets = state.add_project("gh/acme/gadgets", default_branch="main")
    state.add_env_var(widgets, "API_KEY", "s3cr3t")
    state.add_checkout_key(widgets, "deploy-key")
    for project in (widgets, gadgets):
        for branch in ("develop", "main"):
            workflow = state.add_workflow(state.add_pipeline(project, branch=branch), "build")
            job = state.add_job(workflow, "build")
            state.add_artifact(job, "reports/junit.xml", size=300)
    widgets.next_pipeline_number = 1234
    widgets.next_job_number = 4711
    pipeline = state.add_pipeline(widgets, branch="main")
    workflow = state.add_workflow(pipeline, "build-and-test")
    state.workflows[DOC_WORKFLOW_ID] = state.workflows.pop(workflow.id)
    workflow.id = DOC_WORKFLOW_ID
    build = state.add_job(workflow, "build")
    for path, size in (
        ("dist/app.tar.gz", 4096),
        ("reports/junit.xml", 884),
        ("coverage/index.html", 2000),
        ("build.log", 500),
    ):
        state.add_artifact(build, path, size=size)
    test = state.add_job(workflow, "test", requires=[build], status="failed")
    state.add_artifact(test, "reports/test.xml", size=700)
    state.add_test_result(test, "test_login", result="failure", message="AssertionError: 401")
    state.add_test_result(test, "test_logout")
    state.add_job(workflow, "lint", requires=[build])
    state.add_approval(workflow, "hold", requires=[build])
    # Done failing, with the approval still waiting: so one page can both rerun it from
    # failed and approve it (the fake does not check that the two go together).
    workflow.status = "failed"
    return {"workflow_id": DOC_WORKFLOW_ID, "pipeline_id": pipeline.id}


def _namespace(fake: FakeCircleCI, cci: CircleCI, ids: dict[str, Any]) -> dict[str, Any]:
    names: dict[str, Any] = {
        "__name__": "__docs_example__",
        "cci": cci,
        "fake": fake,
        "CircleCI": CircleCI,
        "aiohttp": aiohttp,
        "new_secret": "n3w-s3cr3t",
        "workflow_id": ids.get("workflow_id"),
        "pipeline_id": ids.get("pipeline_id"),
    }
    if ids.get("pipeline_id"):
        names["pipeline"] = fake.state.pipelines[ids["pipeline_id"]]
    return names


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Examples may configure logging; the rest of the test run should not notice."""
    loggers = [logging.getLogger(), logging.getLogger("aiocircle")]
    levels = [logger.level for logger in loggers]
    handlers = list(logging.getLogger().handlers)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)
    logging.getLogger().handlers[:] = handlers


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_examples_of_a_page_run_against_the_fake(
    page: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    restored_logging: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake = FakeCircleCI(seed=11)
    ids = {} if _empty_fake(page) else _world(fake)
    with fake_in_thread(fake):
        host = fake.artifacts_host.removeprefix("http://")
        monkeypatch.setenv("CIRCLECI_TOKEN", fake.token)
        monkeypatch.setenv("CIRCLECI_BASE_URL", fake.base_url)
        monkeypatch.delenv("CIRCLE_TOKEN", raising=False)
        defaults = CircleCI.__init__.__kwdefaults__
        assert defaults is not None
        monkeypatch.setitem(defaults, "artifact_hosts", ("*.circle-artifacts.com", host))
        monkeypatch.chdir(tmp_path)
        _run_page(page, fake, ids)
    capsys.readouterr()  # the examples print; what they print is not checked here
    assert fake.leaks == []


def _run_page(page: Path, fake: FakeCircleCI, ids: dict[str, Any]) -> None:
    loop = asyncio.new_event_loop()
    cci = loop.run_until_complete(_started_client())
    try:
        names = _namespace(fake, cci, ids)
        for block in _blocks(page):
            if block.not_run:
                _compile(block)
                continue
            try:
                _run_block(block, names, loop)
            finally:
                _tidy(names, loop, cci=cci, fake=fake)
    finally:
        loop.run_until_complete(cci.close())
        loop.close()


async def _started_client() -> CircleCI:
    return CircleCI()


def _run_block(block: Block, names: dict[str, Any], loop: asyncio.AbstractEventLoop) -> None:
    code = _compile(block)
    try:
        if code.co_flags & inspect.CO_COROUTINE:
            loop.run_until_complete(eval(code, names))
        else:
            exec(code, names)
    except BaseException as exc:
        if block.raises and type(exc).__name__ == block.raises:
            return
        raise AssertionError(f"the example at {block.where} failed: {exc!r}") from exc
    if block.raises:
        raise AssertionError(f"the example at {block.where} should raise {block.raises}")


def _tidy(
    names: dict[str, Any], loop: asyncio.AbstractEventLoop, *, cci: CircleCI, fake: FakeCircleCI
) -> None:
    """Close the clients a block made, and give the next block the page's ``cci`` and fake."""
    for value in list(names.values()):
        if isinstance(value, CircleCI) and value is not cci and not value.closed:
            loop.run_until_complete(value.close())
    names["cci"], names["fake"] = cci, fake


def test_blocks_that_do_not_run_say_why(capsys: pytest.CaptureFixture[str]) -> None:
    not_run = [b for b in ALL_BLOCKS if b.not_run is not None]
    with capsys.disabled():
        print(f"\n{len(not_run)} of {len(ALL_BLOCKS)} documented examples are not run:")
        for block in not_run:
            print(f"  {block.where}: {block.not_run}")
    assert all(len(b.not_run or "") >= 10 for b in not_run)
    assert len(not_run) * 5 < len(ALL_BLOCKS)  # the exception, not the rule


def test_the_examples_are_found() -> None:
    pages = {b.page for b in ALL_BLOCKS}
    assert {"README.md", "docs/client.md", "docs/harvesting.md", "docs/testing.md"} <= pages
    assert len(ALL_BLOCKS) >= 60
