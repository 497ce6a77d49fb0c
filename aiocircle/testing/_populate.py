"""`populate`: a deterministic data set of projects, pipelines, workflows, jobs and artifacts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from ._state import Job, Pipeline, Project, State, User, Workflow

_JOB_NAMES = ("build", "test", "lint", "docs", "e2e", "package", "deploy", "audit")
_ARTIFACT_PATHS = (
    "reports/junit.xml",
    "coverage/index.html",
    "dist/app.tar.gz",
    "logs/build.log",
    "screenshots/home.png",
    "metrics.json",
)


def _pair(value: tuple[int, int] | Sequence[int]) -> tuple[int, int]:
    low, high = value
    if not 0 <= low <= high:
        raise ValueError(f"expected 0 <= min <= max, got {value!r}")
    return low, high


def _projects(value: int | Sequence[str]) -> int | tuple[str, ...]:
    return value if isinstance(value, int) else tuple(value)


def _share(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} is a share between 0 and 1, got {value}")


@attrs.frozen
class Dataset:
    """What `State.populate` builds. Same seed and same `Dataset`, same data.

    - `projects`: a count (slugs cycle through `gh/acme/repo-N`, `bb/acme/repo-N` and
      `circleci/<org-id>/<project-id>`) or explicit slugs.
    - Pipelines are numbered 1..N, their `created_at` goes back `interval` seconds (a random
      number in that range) per pipeline from the fake's epoch: newest first means descending
      `created_at`, so a "since" cut-off can be tested.
    - Every workflow is a `build` job and the others requiring it. `failed_share` of workflows
      fail (a failed `build` leaves the others `not_run`); `errored_share` of pipelines are
      errored config with no workflows; `running_pipelines` newest pipelines per project are
      still running; `approval_share` of workflows end in an approval job (on hold in running
      pipelines).
    - Jobs get parallelism up to `parallelism`; artifacts are spread over the nodes.
    - `flaky_share` of the test results of finished jobs are flaky: the job also holds a second
      result of the same test with the other outcome (a rerun of the test on the same commit),
      which Insights' flaky tests then list. 0 by default (and no random draw is made).
    - `hostile_paths` adds, to the newest pipeline's `build` job of the first project, artifacts
      whose paths try to escape (`../escape.txt`, `/abs/path.txt`, `a/../../up.txt`), one path
      written by two nodes, an empty file and an odd name. `huge_artifact_size` adds one
      artifact of that many bytes there (generated on the fly, never held in memory).
    """

    projects: int | tuple[str, ...] = attrs.field(default=1, converter=_projects)
    pipelines_per_project: int = 5
    workflows_per_pipeline: int = 1
    jobs_per_workflow: int = 3
    artifacts_per_job: int = 2
    artifact_size: tuple[int, int] = attrs.field(default=(0, 4096), converter=_pair)
    tests_per_job: int = 2
    failed_share: float = attrs.field(default=0.0, validator=_share)
    errored_share: float = attrs.field(default=0.0, validator=_share)
    approval_share: float = attrs.field(default=0.0, validator=_share)
    running_pipelines: int = 0
    parallelism: int = 1
    branches: tuple[str, ...] = attrs.field(default=("main", "develop"), converter=tuple)
    interval: tuple[int, int] = attrs.field(default=(600, 7200), converter=_pair)
    hostile_paths: bool = False
    huge_artifact_size: int | None = None
    flaky_share: float = attrs.field(default=0.0, validator=_share)


def populate(state: State, dataset: Dataset) -> list[Project]:
    """Build `dataset` into `state`; returns the projects in order."""
    rng = state.rng
    teammate = next((u for u in state.users.values() if u.login == "teammate"), None)
    if teammate is None:
        teammate = state.add_user("teammate", name="Team Mate")
    slugs = (
        dataset.projects
        if isinstance(dataset.projects, tuple)
        else tuple(_slug(state, i) for i in range(dataset.projects))
    )
    projects = []
    for slug in slugs:
        project = state.add_project(slug, default_branch=dataset.branches[0])
        state.add_checkout_key(project)
        state.add_env_var(project, "DEPLOY_ENV", "staging")
        state.add_env_var(project, "API_KEY", f"key-{rng.getrandbits(48):012x}")
        moments = []
        moment = state.now
        for _ in range(dataset.pipelines_per_project):
            moment -= timedelta(seconds=rng.randint(*dataset.interval))
            moments.append(moment)
        for age, created_at in enumerate(reversed(moments)):
            newest_first = dataset.pipelines_per_project - 1 - age
            _pipeline(
                state,
                dataset,
                project,
                created_at,
                running=newest_first < dataset.running_pipelines,
                actor=state.me if rng.random() < 0.7 else teammate,
            )
        projects.append(project)
    if projects and (dataset.hostile_paths or dataset.huge_artifact_size is not None):
        _hostile(state, dataset, projects[0])
    return projects


def _slug(state: State, index: int) -> str:
    kind = index % 3
    if kind == 0:
        return f"gh/acme/repo-{index}"
    if kind == 1:
        return f"bb/acme/repo-{index}"
    org = next((o.id for o in state.organizations.values() if o.vcs == "circleci"), None)
    return f"circleci/{org or state.new_id()}/{state.new_id()}"


def _pipeline(
    state: State,
    dataset: Dataset,
    project: Project,
    created_at: datetime,
    *,
    running: bool,
    actor: User,
) -> None:
    rng = state.rng
    branch = dataset.branches[rng.randrange(len(dataset.branches))]
    if rng.random() < dataset.errored_share and not running:
        state.add_pipeline(
            project,
            branch=branch,
            state="errored",
            created_at=created_at,
            actor=actor,
            errors=[("config", "Config does not conform to schema: missing workflows")],
        )
        return
    pipeline = state.add_pipeline(
        project,
        branch=branch,
        created_at=created_at,
        actor=actor,
    )
    for index in range(dataset.workflows_per_pipeline):
        name = "build-and-test" if index == 0 else f"workflow-{index}"
        workflow = state.add_workflow(
            pipeline, name, created_at=pipeline.created_at + timedelta(seconds=2 + index)
        )
        _jobs(state, dataset, workflow, running=running)


def _jobs(state: State, dataset: Dataset, workflow: Workflow, *, running: bool) -> None:
    rng = state.rng
    failed = not running and rng.random() < dataset.failed_share
    failing = rng.randrange(max(1, dataset.jobs_per_workflow))
    start = workflow.created_at + timedelta(seconds=5)
    build: Job | None = None
    last: Job | None = None
    for index in range(dataset.jobs_per_workflow):
        name = _JOB_NAMES[index] if index < len(_JOB_NAMES) else f"job-{index}"
        if running:
            status = "running" if index == 0 else "blocked"
        elif failed and index == failing:
            status = "failed"
        elif failed and failing == 0:
            status = "not_run"
        else:
            status = "success"
        duration = float(rng.randint(20, 900))
        job = state.add_job(
            workflow,
            name,
            status=status,
            requires=[build] if build is not None else [],
            parallelism=rng.randint(1, max(1, dataset.parallelism)),
            started_at=start if build is None else build.started_at + timedelta(seconds=30),
            duration=None if running else duration,
        )
        build = build or job
        last = job
        _artifacts(state, dataset, job)
        for number in range(dataset.tests_per_job):
            broken = status == "failed" and number == 0
            state.add_test_result(
                job,
                f"test_case_{number}",
                classname=f"tests.test_{name}",
                file=f"tests/test_{name}.py",
                result="failure" if broken else "success",
                run_time=round(rng.uniform(0.001, 2.0), 3),
                message="AssertionError: expected 1, got 2" if broken else None,
            )
            # Drawn only when asked for, so the data of other data sets stays the same.
            if dataset.flaky_share and not running and rng.random() < dataset.flaky_share:
                state.add_test_result(
                    job,
                    f"test_case_{number}",
                    classname=f"tests.test_{name}",
                    file=f"tests/test_{name}.py",
                    result="success" if broken else "failure",
                    run_time=round(rng.uniform(0.001, 2.0), 3),
                    message=None if broken else "AssertionError: flaked",
                )
    if last is not None and rng.random() < dataset.approval_share:
        approval = "blocked" if running else "not_run" if failed else "success"
        state.add_approval(workflow, "hold", status=approval, requires=[last])


def _artifacts(state: State, dataset: Dataset, job: Job) -> None:
    rng = state.rng
    for index in range(dataset.artifacts_per_job):
        base = _ARTIFACT_PATHS[index % len(_ARTIFACT_PATHS)]
        rounds = index // len(_ARTIFACT_PATHS)
        path = base if rounds == 0 else f"{rounds}/{base}"
        state.add_artifact(
            job,
            path,
            size=rng.randint(*dataset.artifact_size),
            node_index=index % job.parallelism,
        )


def _hostile(state: State, dataset: Dataset, project: Project) -> None:
    pipeline: Pipeline | None = next(
        (p for p in reversed(project.pipelines) if p.workflows and p.workflows[0].jobs), None
    )
    if pipeline is None:
        raise ValueError("hostile paths need a pipeline with a workflow and a job")
    job = pipeline.workflows[0].jobs[0]
    if dataset.hostile_paths:
        job.parallelism = max(job.parallelism, 2)
        for path in ("../escape.txt", "/abs/path.txt", "a/../../up.txt", "odd name ü.txt"):
            state.add_artifact(job, path, size=64)
        state.add_artifact(job, "dup/same.txt", size=100, node_index=0)
        state.add_artifact(job, "dup/same.txt", size=200, node_index=1)
        state.add_artifact(job, "empty.txt", size=0)
    if dataset.huge_artifact_size is not None:
        state.add_artifact(job, "huge/big.bin", size=dataset.huge_artifact_size)
