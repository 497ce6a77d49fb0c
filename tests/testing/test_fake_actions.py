"""State changes through the API: trigger, cancel, rerun, approve, env vars, checkout keys."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fake_api import Api

from aiocircle.testing import FakeCircleCI, JobSpec, Workflow, WorkflowSpec

SLUG = "gh/acme/repo-0"


async def jobs_of(api: Api, workflow_id: str) -> list[dict[str, Any]]:
    return await api.items(f"/workflow/{workflow_id}/job")


async def trigger(api: Api, body: dict[str, Any] | None = None) -> dict[str, Any]:
    status, created = await api.call("POST", f"/project/{SLUG}/pipeline", json=body)
    assert status == 201, created
    assert isinstance(created, dict)
    return created


# --- trigger ------------------------------------------------------------------------------------


async def test_a_triggered_pipeline_is_newest_and_runs_the_project_template(api: Api) -> None:
    before = await api.get(f"/project/{SLUG}/pipeline")
    created = await trigger(api, {"branch": "feature/x", "parameters": {"deploy": True}})
    assert set(created) == {"id", "state", "number", "created_at"}
    assert created["number"] == before["items"][0]["number"] + 1
    assert created["created_at"] > before["items"][0]["created_at"]
    newest = (await api.get(f"/project/{SLUG}/pipeline"))["items"][0]
    assert (newest["id"], newest["vcs"]["branch"], newest["trigger"]["type"]) == (
        created["id"],
        "feature/x",
        "api",
    )
    (workflow,) = (await api.get(f"/pipeline/{created['id']}/workflow"))["items"]
    assert (workflow["name"], workflow["status"]) == ("build-and-test", "running")
    jobs = await jobs_of(api, workflow["id"])
    assert [(j["name"], j["status"]) for j in jobs] == [("build", "running"), ("test", "blocked")]
    assert jobs[1]["dependencies"] == [jobs[0]["id"]]


async def test_a_tag_pipeline_has_a_tag_and_no_branch(api: Api) -> None:
    created = await trigger(api, {"tag": "v1.0.0"})
    pipeline = await api.get(f"/pipeline/{created['id']}")
    assert pipeline["vcs"]["tag"] == "v1.0.0" and "branch" not in pipeline["vcs"]


@pytest.mark.parametrize(
    "body",
    [
        {"branch": "main", "tag": "v1"},
        {"parameters": {"x": 1.5}},
        {"parameters": {"x": "y" * 513}},
        {"parameters": {f"p{i}": i for i in range(101)}},
        {"branch": 3},
        ["not", "an", "object"],
    ],
    ids=["branch-and-tag", "float", "long-value", "too-many", "branch-type", "array"],
)
async def test_a_bad_trigger_gets_400(api: Api, body: Any) -> None:
    status, answer = await api.call("POST", f"/project/{SLUG}/pipeline", json=body)
    assert status == 400 and answer["message"]


# --- cancel -------------------------------------------------------------------------------------


async def test_cancelling_a_workflow_cancels_its_active_jobs(api: Api) -> None:
    created = await trigger(api)
    (workflow,) = (await api.get(f"/pipeline/{created['id']}/workflow"))["items"]
    status, body = await api.call("POST", f"/workflow/{workflow['id']}/cancel")
    assert (status, body) == (202, {"message": "Accepted."})
    after = await api.get(f"/workflow/{workflow['id']}")
    assert after["status"] == "canceled"
    assert after["canceled_by"] == api.fake.state.me.id
    assert after["stopped_at"] is not None
    assert {j["status"] for j in await jobs_of(api, workflow["id"])} == {"canceled"}


async def test_cancelling_a_job_by_number_updates_its_workflow(api: Api) -> None:
    created = await trigger(api)
    workflow = api.fake.state.pipelines[created["id"]].workflows[0]
    build = workflow.jobs[0]
    status, body = await api.call("POST", f"/project/{SLUG}/job/{build.number}/cancel")
    assert (status, body) == (200, {"message": "Accepted."})
    job = await api.get(f"/project/{SLUG}/job/{build.number}")
    assert (job["status"], job["stopped_at"] is not None) == ("canceled", True)
    assert (await api.get(f"/workflow/{workflow.id}"))["status"] == "canceled"


# --- rerun --------------------------------------------------------------------------------------


def failed_workflow(fake: FakeCircleCI) -> Workflow:
    return next(
        w
        for w in fake.state.workflows.values()
        if w.status == "failed" and w.jobs[0].status == "success"
    )


async def test_rerun_from_failed_reruns_only_the_jobs_that_did_not_pass(api: Api) -> None:
    old = failed_workflow(api.fake)
    old_jobs = await jobs_of(api, old.id)
    status, body = await api.call("POST", f"/workflow/{old.id}/rerun", json={"from_failed": True})
    assert status == 202
    new = await api.get(f"/workflow/{body['workflow_id']}")
    assert (new["pipeline_id"], new["name"]) == (old.pipeline.id, old.name)
    assert new["status"] in ("running", "failing")
    new_jobs = await jobs_of(api, new["id"])
    for before, after in zip(old_jobs, new_jobs, strict=True):
        assert before["name"] == after["name"]
        if before["status"] == "success":
            assert after == before  # carried over: same job, same number
        elif before["type"] == "approval":
            assert after["id"] != before["id"] and "job_number" not in after
        else:
            assert after["job_number"] > before["job_number"]
            assert after["status"] in ("running", "blocked")
    assert [j["status"] for j in await jobs_of(api, old.id)] == [j["status"] for j in old_jobs]
    workflows = (await api.get(f"/pipeline/{old.pipeline.id}/workflow"))["items"]
    assert workflows[0]["id"] == new["id"]  # newest first


async def test_a_plain_rerun_runs_every_job_again(api: Api) -> None:
    old = failed_workflow(api.fake)
    status, body = await api.call("POST", f"/workflow/{old.id}/rerun")
    assert status == 202
    new_jobs = await jobs_of(api, body["workflow_id"])
    assert {j["id"] for j in new_jobs}.isdisjoint(j.id for j in old.jobs)


async def test_rerun_of_chosen_jobs_keeps_the_others(api: Api) -> None:
    old = failed_workflow(api.fake)
    chosen = old.jobs[0]
    body = {"jobs": [chosen.id], "enable_ssh": True}
    status, answer = await api.call("POST", f"/workflow/{old.id}/rerun", json=body)
    assert status == 202
    new_jobs = await jobs_of(api, answer["workflow_id"])
    assert new_jobs[0]["id"] != chosen.id
    assert [j["id"] for j in new_jobs[1:]] == [j.id for j in old.jobs[1:]]


@pytest.mark.parametrize(
    "body",
    [
        {"from_failed": True, "jobs": ["x"]},
        {"enable_ssh": True},
        {"sparse_tree": True},
        {"jobs": ["5034460f-c7c4-4c43-9457-de07e2029e7b"]},
        {"from_failed": "yes"},
    ],
)
async def test_a_bad_rerun_gets_400(api: Api, body: dict[str, Any]) -> None:
    old = failed_workflow(api.fake)
    status, _ = await api.call("POST", f"/workflow/{old.id}/rerun", json=body)
    assert status == 400


async def test_rerun_from_failed_of_a_passed_workflow_gets_400(api: Api) -> None:
    passed = next(w for w in api.fake.state.workflows.values() if w.status == "success")
    status, body = await api.call(
        "POST", f"/workflow/{passed.id}/rerun", json={"from_failed": True}
    )
    assert (status, body) == (400, {"message": "Workflow has not failed"})


# --- approve ------------------------------------------------------------------------------------


async def test_approving_releases_the_jobs_waiting_on_the_approval(api: Api) -> None:
    project = api.fake.state.project(SLUG)
    project.template = (
        WorkflowSpec("deploy", (JobSpec("hold", type="approval"), JobSpec("ship", ("hold",)))),
    )
    created = await trigger(api)
    (workflow,) = (await api.get(f"/pipeline/{created['id']}/workflow"))["items"]
    assert workflow["status"] == "on_hold"
    hold, ship = await jobs_of(api, workflow["id"])
    assert (hold["type"], hold["status"], "job_number" in hold) == ("approval", "on_hold", False)
    assert hold["approval_request_id"] == hold["id"]
    status, _ = await api.call("POST", f"/workflow/{workflow['id']}/approve/{hold['id']}")
    assert status == 202
    hold, ship = await jobs_of(api, workflow["id"])
    assert (hold["status"], hold["approved_by"]) == ("success", api.fake.state.me.id)
    assert ship["status"] == "running"
    assert (await api.get(f"/workflow/{workflow['id']}"))["status"] == "running"
    again = await api.call("POST", f"/workflow/{workflow['id']}/approve/{hold['id']}")
    assert again == (400, {"message": "Job is not on hold"})
    unknown = await api.call("POST", f"/workflow/{workflow['id']}/approve/{ship['id']}")
    assert unknown == (404, {"message": "Approval request not found"})


async def test_complete_workflow_finishes_every_active_job(api: Api) -> None:
    created = await trigger(api)
    workflow = api.fake.state.pipelines[created["id"]].workflows[0]
    api.fake.state.complete_workflow(workflow, "failed")
    answer = await api.get(f"/workflow/{workflow.id}")
    assert (answer["status"], answer["stopped_at"] is not None) == ("failed", True)


# --- env vars and checkout keys -----------------------------------------------------------------


async def test_env_vars_are_stored_and_shown_masked(api: Api) -> None:
    path = f"/project/{SLUG}/envvar"
    status, created = await api.call("POST", path, json={"name": "SECRET", "value": "hunter2-abcd"})
    assert (status, created["value"]) == (201, "xxxxabcd")
    assert (await api.get(f"{path}/SECRET"))["value"] == "xxxxabcd"
    assert "SECRET" in [v["name"] for v in await api.items(path)]
    assert await api.call("DELETE", f"{path}/SECRET") == (200, {"message": "ok"})
    assert (await api.call("GET", f"{path}/SECRET"))[0] == 404
    assert (await api.call("POST", path, json={"name": "X"}))[0] == 400


async def test_checkout_keys_are_created_found_by_either_fingerprint_and_deleted(api: Api) -> None:
    path = f"/project/{SLUG}/checkout-key"
    status, key = await api.call("POST", path, json={"type": "user-key"})
    assert (status, key["type"], key["preferred"]) == (201, "github-user-key", False)
    sha = next(
        i for i in await api.items(path, digest="sha256") if i["public-key"] == key["public-key"]
    )
    assert sha["fingerprint"].startswith("SHA256:")
    by_sha = await api.get(f"{path}/{quote(sha['fingerprint'], safe='')}")
    assert by_sha["public-key"] == key["public-key"]
    assert await api.call("DELETE", f"{path}/{key['fingerprint']}") == (200, {"message": "ok"})
    assert (await api.call("GET", f"{path}/{key['fingerprint']}"))[0] == 404
    assert (await api.call("POST", path, json={"type": "root-key"}))[0] == 400
    assert (await api.call("GET", path, digest="crc32"))[0] == 400
