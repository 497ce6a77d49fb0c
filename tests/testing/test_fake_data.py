"""The fake's data: deterministic populate, builders, workflow status, routing (no network)."""

from __future__ import annotations

from typing import Any

import pytest

from aiocircle.testing import Dataset, State
from aiocircle.testing import _render as render
from aiocircle.testing._populate import populate
from aiocircle.testing._routing import Router, compile_route, split_path
from aiocircle.testing._state import EPOCH, derive_workflow_status

DATASET = Dataset(
    projects=4,
    pipelines_per_project=6,
    workflows_per_pipeline=2,
    failed_share=0.3,
    errored_share=0.2,
    approval_share=0.5,
    running_pipelines=1,
    parallelism=3,
    tests_per_job=2,
    hostile_paths=True,
)


def snapshot(state: State) -> list[Any]:
    """Everything the API would show, as plain data."""
    out: list[Any] = []
    for project in state.projects.values():
        out.append(render.project(project))
        out.extend(render.env_var(v) for v in project.env_vars.values())
        out.extend(render.checkout_key(k) for k in project.checkout_keys.values())
        for pipeline in project.pipelines:
            out.append(render.pipeline(pipeline))
            for workflow in pipeline.workflows:
                out.append(render.workflow(workflow))
                for job in workflow.jobs:
                    out.append(render.job(job))
                    out.extend(render.test_result(t) for t in job.tests)
                    out.extend(
                        (a.path, a.node_index, a.size, a.sha256) for a in job.artifacts.values()
                    )
    return out


def populated(seed: int, dataset: Dataset = DATASET) -> State:
    state = State(seed=seed)
    populate(state, dataset)
    return state


def test_the_same_seed_builds_the_same_data() -> None:
    assert snapshot(populated(5)) == snapshot(populated(5))


def test_another_seed_builds_other_data() -> None:
    assert snapshot(populated(5)) != snapshot(populated(6))


def test_populate_covers_the_kinds_of_data_clients_meet() -> None:
    state = populated(5)
    slugs = [p.slug for p in state.projects.values()]
    assert [s.split("/")[0] for s in slugs] == ["gh", "bb", "circleci", "gh"]
    workflows = list(state.workflows.values())
    assert {w.status for w in workflows} >= {"success", "failed", "running"}
    jobs = list(state.jobs.values())
    assert any(j.type == "approval" and j.number is None for j in jobs)
    assert any(j.parallelism > 1 for j in jobs)
    assert any(
        p.state == "errored" and not p.workflows and p.errors for p in state.pipelines.values()
    )
    actors = {p.actor.login for p in state.pipelines.values()}
    assert actors == {"octocat", "teammate"}


def test_pipelines_are_numbered_in_time_order_before_the_epoch() -> None:
    state = populated(5)
    for project in state.projects.values():
        moments = [p.created_at for p in project.pipelines]
        assert moments == sorted(moments) and moments[-1] < EPOCH
        assert [p.number for p in project.pipelines] == list(range(1, len(moments) + 1))
    assert render.pipeline(next(iter(state.pipelines.values())))["created_at"].endswith("Z")


def test_hostile_paths_land_on_the_first_projects_newest_build_job() -> None:
    state = populated(5, Dataset(projects=1, hostile_paths=True, huge_artifact_size=10**9))
    job = max(
        (
            j
            for j in state.jobs.values()
            if any(a.path == "empty.txt" for a in j.artifacts.values())
        ),
        key=lambda j: j.number or 0,
    )
    artifacts = {(a.node_index, a.path): a.size for a in job.artifacts.values()}
    assert {(0, "../escape.txt"), (0, "/abs/path.txt"), (0, "a/../../up.txt")} <= artifacts.keys()
    assert artifacts[(0, "dup/same.txt")] != artifacts[(1, "dup/same.txt")]
    assert artifacts[(0, "empty.txt")] == 0
    assert artifacts[(0, "huge/big.bin")] == 10**9


@pytest.mark.parametrize(
    "kwargs",
    [
        {"failed_share": 1.5},
        {"artifact_size": (10, 5)},
        {"interval": (-1, 5)},
    ],
)
def test_a_dataset_rejects_impossible_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Dataset(**kwargs)


def test_explicit_slugs_are_used_as_given() -> None:
    state = populated(1, Dataset(projects=["github/acme/web", "bitbucket/acme/api"]))
    assert [p.slug for p in state.projects.values()] == ["gh/acme/web", "bb/acme/api"]


# --- builders -----------------------------------------------------------------------------------


def test_builders_compose_a_pipeline_by_hand() -> None:
    state = State(seed=1)
    project = state.add_project("gh/acme/web")
    pipeline = state.add_pipeline(project, branch="main")
    workflow = state.add_workflow(pipeline, "build")
    build = state.add_job(workflow, "build", parallelism=2)
    test = state.add_job(workflow, "test", requires=[build], status="failed")
    state.add_artifact(build, "dist/a.tar.gz", size=10, node_index=1)
    assert (build.number, test.number, test.dependencies) == (1, 2, (build.id,))
    assert workflow.status == "failed"
    with pytest.raises(ValueError):
        state.add_artifact(build, "dist/a.tar.gz", size=10, node_index=1)
    with pytest.raises(ValueError):
        state.add_artifact(build, "x", node_index=2)
    with pytest.raises(ValueError):
        state.add_project("github/acme/web")


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["success", "success"], "success"),
        (["success", "running", "blocked"], "running"),
        (["failed", "running"], "failing"),
        (["success", "on_hold", "blocked"], "on_hold"),
        (["canceled", "blocked"], "canceled"),
        (["failed", "not_run"], "failed"),
        (["success", "unauthorized"], "unauthorized"),
    ],
)
def test_a_workflow_status_follows_its_jobs(statuses: list[str], expected: str) -> None:
    state = State(seed=1)
    workflow = state.add_workflow(state.add_pipeline(state.add_project("gh/a/b")), "w")
    for index, status in enumerate(statuses):
        state.add_job(workflow, f"j{index}", status=status)
    assert derive_workflow_status(workflow.jobs) == expected == workflow.status


def test_cached_json_is_dropped_when_an_entity_changes() -> None:
    state = State(seed=1)
    user = state.me
    before = render.cached(user, render.user)
    user.name = "Renamed"
    assert render.cached(user, render.user) != before


# --- routing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "segments"),
    [
        ("/project/gh/o/r/pipeline", ["project", "gh", "o", "r", "pipeline"]),
        ("/project/gh%2Fo%2Fr/pipeline", ["project", "gh", "o", "r", "pipeline"]),
        ("/project/gh/o%2Fr/1/artifacts", ["project", "gh", "o", "r", "1", "artifacts"]),
        (
            "/project/gh/o/r/checkout-key/SHA256:ab%2Fcd",
            ["project", "gh", "o", "r", "checkout-key", "SHA256:ab/cd"],
        ),
        ("/workflow/abc/job", ["workflow", "abc", "job"]),
    ],
)
def test_split_path_expands_only_the_slug(raw: str, segments: list[str]) -> None:
    assert split_path(raw) == segments


def test_literal_segments_win_over_parameters() -> None:
    router: Router[str] = Router()
    for method, template in [
        ("GET", "/project/{project-slug}/pipeline/{pipeline-number}"),
        ("GET", "/project/{project-slug}/pipeline/mine"),
        ("GET", "/project/{project-slug}/{job-number}/artifacts"),
        ("GET", "/project/{project-slug}/job/{job-number}"),
    ]:
        router.add(compile_route(method, template, template, f"{method} {template}"))

    def resolve(path: str) -> Any:
        match = router.resolve("GET", split_path(path))
        assert not isinstance(match, int), path
        return match.route.template, match.params

    assert resolve("/project/gh/o/r/pipeline/mine")[0].endswith("/mine")
    assert resolve("/project/gh/o/r/pipeline/7")[1] == {
        "project-slug": "gh/o/r",
        "pipeline-number": "7",
    }
    assert resolve("/project/gh/o/r/job/3")[0].endswith("/job/{job-number}")
    assert resolve("/project/gh/o/r/3/artifacts")[0].endswith("/artifacts")
    assert router.resolve("POST", split_path("/project/gh/o/r/pipeline/mine")) == 405
    assert router.resolve("GET", split_path("/project/gh/o/r/nope/x/y")) == 404
