"""The real client against FakeCircleCI over TCP on 127.0.0.1: every method, pagination,
state changes, auth and not-found errors, and the token staying off storage.

Typed results are compared with the fake's own state (`fake.state`), never with themselves.
"""

from __future__ import annotations

import hashlib
import traceback
from pathlib import Path

import aiohttp
import pytest
from _it_helpers import PAGE_SIZE, seeded_fake, slugs

from aiocircle import (
    AuthenticationError,
    BadRequestError,
    CircleCI,
    NotFoundError,
    RetryPolicy,
)
from aiocircle.testing import FakeCircleCI, JobSpec, WorkflowSpec
from aiocircle.testing import Job as FakeJob


def _pages(count: int) -> int:
    """Requests a list of `count` items takes at `PAGE_SIZE` items a page."""
    return max(1, -(-count // PAGE_SIZE))


# --- users ----------------------------------------------------------------------------------


async def test_users_me_get_and_collaborations_match_the_fake_state() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        me = await cci.users.me()
        teammate = next(u for u in fake.state.users.values() if u.login == "teammate")
        other = await cci.users.get(teammate.id)
        collaborations = await cci.users.collaborations()

    state_me = fake.state.me
    assert (me.id, me.login, me.name, me.avatar_url) == (
        state_me.id,
        state_me.login,
        state_me.name,
        state_me.avatar_url,
    )
    assert (other.id, other.login, other.name) == (teammate.id, "teammate", teammate.name)
    expected = [(o.id, o.slug, o.name, o.vcs_type) for o in state_me.organizations]
    assert len(expected) == 3  # gh, bb and circleci organizations
    assert [(c.id, c.slug, c.name, c.vcs_type) for c in collaborations] == expected


# --- projects -------------------------------------------------------------------------------


async def test_projects_get_returns_each_project_as_the_fake_holds_it() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        projects = [await cci.projects.get(slug) for slug in slugs(fake)]

    assert [p.slug.split("/")[0] for p in projects] == ["gh", "bb", "circleci"]
    for got, held in zip(projects, fake.state.projects.values(), strict=True):
        assert (got.slug, got.id, got.name) == (held.slug, held.id, held.name)
        assert (got.organization_id, got.organization_slug, got.organization_name) == (
            held.organization.id,
            held.organization.slug,
            held.organization.name,
        )
        assert (got.vcs_info.vcs_url, got.vcs_info.default_branch, got.vcs_info.provider) == (
            held.vcs_url,
            held.default_branch,
            held.provider,
        )


async def test_checkout_keys_are_created_listed_fetched_and_deleted() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[0]
        keys = fake.state.project(slug).checkout_keys
        deploy = await cci.projects.create_checkout_key(slug, "deploy-key")
        user = await cci.projects.create_checkout_key(slug, "user-key")
        assert deploy.fingerprint in keys and user.fingerprint in keys
        assert (deploy.type, user.type) == ("deploy-key", "github-user-key")
        assert deploy.public_key == keys[deploy.fingerprint].public_key

        md5 = await cci.projects.checkout_keys(slug).collect()
        sha256 = await cci.projects.checkout_keys(slug, digest="sha256").collect()
        assert [k.fingerprint for k in md5] == list(keys)  # three keys: two pages
        assert [k.fingerprint for k in sha256] == [k.fingerprint_sha256 for k in keys.values()]
        assert [k.preferred for k in md5] == [True, False, False]

        by_md5 = await cci.projects.get_checkout_key(slug, deploy.fingerprint)
        by_sha = await cci.projects.get_checkout_key(
            slug, keys[deploy.fingerprint].fingerprint_sha256
        )
        assert by_md5 == deploy
        assert by_sha.public_key == deploy.public_key

        deleted = await cci.projects.delete_checkout_key(slug, deploy.fingerprint)
        assert deleted.message == "ok"
        assert deploy.fingerprint not in keys
        with pytest.raises(NotFoundError):
            await cci.projects.get_checkout_key(slug, deploy.fingerprint)
    assert fake.stats.count("GET /project/{project-slug}/checkout-key") == 2 * _pages(3)


async def test_env_vars_are_created_listed_masked_fetched_and_deleted() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[1]
        variables = fake.state.project(slug).env_vars
        created = await cci.projects.create_env_var(slug, "RELEASE_TOKEN", "rel-7f3a9c")
        assert (created.name, created.value) == ("RELEASE_TOKEN", "xxxx3a9c")
        assert variables["RELEASE_TOKEN"].value == "rel-7f3a9c"

        listed = await cci.projects.env_vars(slug).collect()
        assert [(v.name, v.value) for v in listed] == [
            (v.name, "xxxx" + v.value[-4:]) for v in variables.values()
        ]
        assert len(listed) == 3  # DEPLOY_ENV, API_KEY and ours: two pages

        one = await cci.projects.get_env_var(slug, "RELEASE_TOKEN")
        assert one == created

        deleted = await cci.projects.delete_env_var(slug, "RELEASE_TOKEN")
        assert deleted.message == "ok"
        assert "RELEASE_TOKEN" not in variables
        with pytest.raises(NotFoundError, match="Environment variable not found"):
            await cci.projects.get_env_var(slug, "RELEASE_TOKEN")


# --- pipelines ------------------------------------------------------------------------------


async def test_pipelines_list_every_page_newest_first_and_filters_by_branch() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[0]
        everything = await cci.pipelines.list(slug).collect()
        develop = await cci.pipelines.list(slug, branch="develop").collect()

    held = list(reversed(fake.state.project(slug).pipelines))
    on_develop = [p for p in held if p.branch == "develop"]
    assert 0 < len(on_develop) < len(held)
    assert [(p.id, p.number) for p in everything] == [(p.id, p.number) for p in held]
    assert [p.number for p in everything] == [6, 5, 4, 3, 2, 1]
    assert [(p.id, p.vcs and p.vcs.branch) for p in develop] == [
        (p.id, "develop") for p in on_develop
    ]
    for got, want in zip(everything, held, strict=True):
        assert got.project_slug == slug
        assert got.state == want.state
        assert got.created_at == want.created_at
        assert got.trigger.actor.login == want.actor.login
        assert got.vcs is not None and got.vcs.revision == want.revision
    route = "GET /project/{project-slug}/pipeline"
    assert fake.stats.count(route) == _pages(len(held)) + _pages(len(on_develop))


async def test_pipelines_mine_lists_only_the_token_users_pipelines() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[0]
        mine = await cci.pipelines.mine(slug).collect()

    held = list(reversed(fake.state.project(slug).pipelines))
    expected = [p.id for p in held if p.actor is fake.state.me]
    assert 0 < len(expected) < len(held)  # the teammate's pipelines are left out
    assert [p.id for p in mine] == expected
    assert {p.trigger.actor.login for p in mine} == {"octocat"}


async def test_pipeline_get_by_id_and_number_config_and_workflows_agree_with_the_state() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[0]
        held = next(p for p in fake.state.project(slug).pipelines if p.workflows)
        by_id = await cci.pipelines.get(held.id)
        by_number = await cci.pipelines.get_by_number(slug, held.number)
        config = await cci.pipelines.config(held.id)
        workflows = await cci.pipelines.workflows(held.id).collect()

    assert by_id == by_number
    assert (by_id.id, by_id.number, by_id.project_slug) == (held.id, held.number, slug)
    for workflow in held.workflows:
        assert f"  {workflow.name}:" in config.source
        for job in workflow.jobs:
            assert f"      - {job.name}\n" in config.source
    assert config.compiled == config.source
    assert [(w.id, w.name, w.status) for w in workflows] == [
        (w.id, w.name, w.status) for w in reversed(held.workflows)
    ]
    assert {(w.pipeline_id, w.pipeline_number) for w in workflows} == {(held.id, held.number)}


async def test_trigger_starts_a_pipeline_that_runs_the_projects_template() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[0]
        project = fake.state.project(slug)
        before = len(project.pipelines)
        created = await cci.pipelines.trigger(
            slug, branch="feature/it", parameters={"deploy": True, "shards": 3}
        )
        tagged = await cci.pipelines.trigger(slug, tag="v1.2.3")
        got = await cci.pipelines.get(created.id)
        newest_mine = await cci.pipelines.mine(slug).first()
        [workflow] = await cci.pipelines.workflows(created.id).collect()
        jobs = await cci.workflows.jobs(workflow.id).collect()
        got_tagged = await cci.pipelines.get(tagged.id)

    assert len(project.pipelines) == before + 2
    held = fake.state.pipelines[created.id]
    assert (created.number, tagged.number) == (before + 1, before + 2)
    assert (held.branch, held.trigger_type, held.actor) == ("feature/it", "api", fake.state.me)
    assert held.parameters == {"deploy": True, "shards": 3}
    assert got.vcs is not None and got.vcs.branch == "feature/it"
    assert got.trigger.type == "api"
    assert got_tagged.vcs is not None and got_tagged.vcs.tag == "v1.2.3"
    assert newest_mine is not None and newest_mine.id == tagged.id
    assert (workflow.name, workflow.status) == ("build-and-test", "running")
    assert [(j.name, j.status) for j in jobs] == [("build", "running"), ("test", "blocked")]
    assert jobs[1].dependencies == [jobs[0].id]


# --- workflows ------------------------------------------------------------------------------


async def test_workflow_get_and_jobs_match_the_state_approval_jobs_included() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        held = next(
            w for w in fake.state.workflows.values() if any(j.type == "approval" for j in w.jobs)
        )
        workflow = await cci.workflows.get(held.id)
        jobs = await cci.workflows.jobs(held.id).collect()

    assert (workflow.id, workflow.name, workflow.status) == (held.id, held.name, held.status)
    assert (workflow.pipeline_id, workflow.pipeline_number) == (
        held.pipeline.id,
        held.pipeline.number,
    )
    assert workflow.started_by == held.started_by
    assert workflow.created_at == held.created_at
    assert workflow.stopped_at == held.stopped_at
    assert len(jobs) == 4  # three build jobs and the approval: two pages
    assert [
        (j.id, j.name, j.type, j.status, j.job_number, j.dependencies, j.approval_request_id)
        for j in jobs
    ] == [
        (
            j.id,
            j.name,
            j.type,
            j.status,
            j.number,
            list(j.dependencies),
            j.id if j.type == "approval" else None,
        )
        for j in held.jobs
    ]


async def test_cancel_then_rerun_a_triggered_workflow() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[0]
        created = await cci.pipelines.trigger(slug, branch="main")
        [workflow] = await cci.pipelines.workflows(created.id).collect()
        jobs = await cci.workflows.jobs(workflow.id).collect()
        assert [j.status for j in jobs] == ["running", "blocked"]

        answer = await cci.workflows.cancel(workflow.id)
        assert answer.message == "Accepted."
        held = fake.state.workflows[workflow.id]
        assert held.status == "canceled"
        assert [j.status for j in held.jobs] == ["canceled", "canceled"]
        canceled = await cci.workflows.get(workflow.id)
        assert (canceled.status, canceled.canceled_by) == ("canceled", fake.state.me.id)
        assert canceled.stopped_at is not None
        assert [j.status for j in await cci.workflows.jobs(workflow.id).collect()] == [
            "canceled",
            "canceled",
        ]

        rerun = await cci.workflows.rerun(workflow.id)
        new = fake.state.workflows[rerun.workflow_id]
        listed = await cci.pipelines.workflows(created.id).collect()
        new_jobs = await cci.workflows.jobs(rerun.workflow_id).collect()

    assert rerun.workflow_id != workflow.id
    assert (new.pipeline.id, new.name) == (created.id, workflow.name)
    assert [w.id for w in listed] == [rerun.workflow_id, workflow.id]  # the rerun comes first
    assert [w.status for w in listed] == ["running", "canceled"]
    old_numbers = {j.job_number for j in jobs}
    assert [(j.name, j.status) for j in new_jobs] == [("build", "running"), ("test", "blocked")]
    assert not {j.id for j in new_jobs} & {j.id for j in jobs}
    assert all(j.job_number is not None and j.job_number > max(old_numbers) for j in new_jobs)
    assert [j.id for j in new.jobs] == [j.id for j in new_jobs]
    assert [j.status for j in held.jobs] == ["canceled", "canceled"]  # the old one is untouched


def _failed_workflow(fake: FakeCircleCI) -> tuple[str, dict[str, FakeJob]]:
    """build passes, unit fails, lint passes, deploy (needing unit and lint) did not run."""
    state = fake.state
    project = state.add_project("gh/acme/rerun-me")
    workflow = state.add_workflow(state.add_pipeline(project), "ci")
    build = state.add_job(workflow, "build")
    unit = state.add_job(workflow, "unit", requires=[build], status="failed")
    lint = state.add_job(workflow, "lint", requires=[build])
    deploy = state.add_job(workflow, "deploy", requires=[unit, lint], status="not_run")
    return workflow.id, {j.name: j for j in (build, unit, lint, deploy)}


async def test_rerun_from_failed_reruns_only_the_jobs_that_did_not_pass() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        workflow_id, old = _failed_workflow(fake)
        assert (await cci.workflows.get(workflow_id)).status == "failed"
        rerun = await cci.workflows.rerun(workflow_id, from_failed=True)
        jobs = {j.name: j for j in await cci.workflows.jobs(rerun.workflow_id).collect()}
        workflow = await cci.workflows.get(rerun.workflow_id)

    assert list(jobs) == ["build", "unit", "lint", "deploy"]
    for carried in ("build", "lint"):  # passed: carried over, same id and number
        assert (jobs[carried].id, jobs[carried].job_number) == (
            old[carried].id,
            old[carried].number,
        )
        assert jobs[carried].status == "success"
    for again in ("unit", "deploy"):  # did not pass: new jobs with new numbers
        assert jobs[again].id != old[again].id
        assert jobs[again].job_number not in {j.number for j in old.values()}
    assert (jobs["unit"].status, jobs["deploy"].status) == ("running", "blocked")
    assert sorted(jobs["deploy"].dependencies) == sorted([jobs["unit"].id, old["lint"].id])
    assert workflow.status == "running"
    assert old["unit"].status == "failed"  # the failed workflow keeps its history
    assert fake.state.workflows[workflow_id].status == "failed"


async def test_rerun_of_chosen_jobs_reruns_those_jobs_only() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        workflow_id, old = _failed_workflow(fake)
        rerun = await cci.workflows.rerun(workflow_id, jobs=[old["lint"].id])
        jobs = {j.name: j for j in await cci.workflows.jobs(rerun.workflow_id).collect()}

    assert jobs["lint"].id != old["lint"].id
    assert jobs["lint"].status == "running"
    assert [jobs[n].id for n in ("build", "unit", "deploy")] == [
        old[n].id for n in ("build", "unit", "deploy")
    ]


async def test_approve_passes_the_approval_and_starts_the_jobs_waiting_on_it() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[1]
        fake.state.project(slug).template = (
            WorkflowSpec("deploy", (JobSpec("hold", type="approval"), JobSpec("ship", ("hold",)))),
        )
        created = await cci.pipelines.trigger(slug)
        [workflow] = await cci.pipelines.workflows(created.id).collect()
        hold, ship = await cci.workflows.jobs(workflow.id).collect()
        assert (workflow.status, hold.type, hold.status, ship.status) == (
            "on_hold",
            "approval",
            "on_hold",
            "blocked",
        )
        assert hold.job_number is None and hold.approval_request_id == hold.id

        answer = await cci.workflows.approve(workflow.id, hold.approval_request_id)
        assert answer.message == "Accepted."
        hold, ship = await cci.workflows.jobs(workflow.id).collect()
        after = await cci.workflows.get(workflow.id)
        with pytest.raises(BadRequestError, match="not on hold"):
            await cci.workflows.approve(workflow.id, hold.id)
        with pytest.raises(NotFoundError, match="Approval request not found"):
            await cci.workflows.approve(workflow.id, ship.id)

    assert (hold.status, hold.approved_by) == ("success", fake.state.me.id)
    assert ship.status == "running"
    assert after.status == "running"
    assert fake.state.workflows[workflow.id].status == "running"


# --- jobs and artifacts ---------------------------------------------------------------------


async def test_job_details_and_every_page_of_its_test_results_match_the_state() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[0]
        project = fake.state.project(slug)
        held = next(j for j in project.jobs.values() if j.status == "failed")
        fake.state.add_test_result(held, "test_extra", result="skipped", run_time=0.5)
        assert held.number is not None
        details = await cci.jobs.get(slug, held.number)
        tests = await cci.jobs.tests(slug, held.number).collect()

    assert (details.number, details.name, details.status) == (held.number, held.name, "failed")
    assert (details.project.slug, details.project.id) == (slug, project.id)
    assert details.pipeline.id == held.pipeline.id
    assert (details.latest_workflow.id, details.latest_workflow.name) == (
        held.workflows[-1].id,
        held.workflows[-1].name,
    )
    assert details.parallelism == held.parallelism == len(details.parallel_runs)
    assert details.duration == held.duration_ms
    assert (details.started_at, details.stopped_at) == (held.started_at, held.stopped_at)
    assert [(t.name, t.classname, t.file, t.result, t.run_time, t.message) for t in tests] == [
        (t.name, t.classname, t.file, t.result, t.run_time, t.message) for t in held.tests
    ]
    assert len(tests) == 4 and any(t.result == "failure" for t in tests)
    assert fake.stats.count("GET /project/{project-slug}/{job-number}/tests") == _pages(4)


async def test_job_cancel_cancels_a_running_job_and_its_workflow() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[2]  # a circleci/<org-id>/<project-id> slug
        created = await cci.pipelines.trigger(slug)
        [workflow] = await cci.pipelines.workflows(created.id).collect()
        build, _ = await cci.workflows.jobs(workflow.id).collect()
        assert build.job_number is not None and build.status == "running"

        answer = await cci.jobs.cancel(slug, build.job_number)
        details = await cci.jobs.get(slug, build.job_number)

    assert answer.message == "Accepted."
    assert details.status == "canceled"
    held = fake.state.project(slug).jobs[build.job_number]
    assert (held.status, held.canceled_by) == ("canceled", fake.state.me.id)
    assert fake.state.workflows[workflow.id].status == "canceled"


async def test_artifacts_list_every_page_and_latest_picks_the_newest_matching_job() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[0]
        project = fake.state.project(slug)
        held = project.jobs[1]
        assert held.number is not None
        listed = await cci.artifacts.list(slug, held.number).collect()
        latest_main = await cci.artifacts.latest(slug, branch="main")
        latest_failed = await cci.artifacts.latest(slug, branch="develop", filter="failed")
        host = fake.artifacts_host

    assert [(a.path, a.node_index) for a in listed] == [
        (path, node) for node, path in held.artifacts
    ]
    assert len(listed) == 3  # two pages
    assert all(a.url.startswith(host + "/") for a in listed)

    def newest(branch: str, status: str) -> list[tuple[str, int]]:
        job = max(
            (
                j
                for j in project.jobs.values()
                if j.pipeline.branch == branch and j.status == status
            ),
            key=lambda j: j.number or 0,
        )
        return [(path, node) for node, path in job.artifacts]

    assert [(a.path, a.node_index) for a in latest_main] == newest("main", "success")
    assert [(a.path, a.node_index) for a in latest_failed] == newest("develop", "failed")
    assert fake.stats.count("GET /api/v1.1/project/{project-slug}/latest/artifacts") == 2


# --- any endpoint ---------------------------------------------------------------------------


async def test_request_calls_any_endpoint_with_the_same_auth_and_decoding() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[0]
        me = await cci.request("GET", "/me")
        page = await cci.request("GET", f"/project/{slug}/pipeline", params={"branch": "develop"})
        created = await cci.request(
            "POST", f"/project/{slug}/envvar", json={"name": "VIA_REQUEST", "value": "abc-1234"}
        )
        assert fake.state.project(slug).env_vars["VIA_REQUEST"].value == "abc-1234"
        deleted = await cci.request("DELETE", f"/project/{slug}/envvar/VIA_REQUEST")
        with pytest.raises(NotFoundError, match="Not found"):
            await cci.request("GET", "/no-such-endpoint/gh/acme/repo-0")

    assert me["id"] == fake.state.me.id and me["login"] == "octocat"
    develop = [p.id for p in reversed(fake.state.project(slug).pipelines) if p.branch == "develop"]
    assert [p["id"] for p in page["items"]] == develop[:PAGE_SIZE]
    assert page["next_page_token"] is not None
    assert created == {
        "name": "VIA_REQUEST",
        "value": "xxxx1234",
        "created-at": created["created-at"],
    }
    assert deleted == {"message": "ok"}
    assert "VIA_REQUEST" not in fake.state.project(slug).env_vars


# --- errors ---------------------------------------------------------------------------------


async def test_a_wrong_token_raises_authentication_error_once_without_the_token() -> None:
    wrong = "wrong-token-5ecr3t"
    async with seeded_fake() as fake:
        before = len(fake.state.pipelines)
        retry = RetryPolicy(backoff_base=0.01)
        async with CircleCI(wrong, base_url=fake.base_url, retry=retry) as cci:
            with pytest.raises(AuthenticationError) as me:
                await cci.users.me()
            with pytest.raises(AuthenticationError) as listing:
                await cci.pipelines.list(slugs(fake)[0]).collect()
            with pytest.raises(AuthenticationError) as trigger:
                await cci.pipelines.trigger(slugs(fake)[0])

    for error in (me.value, listing.value, trigger.value):
        assert error.status == 401
        assert error.message == "You must log in first."
        shown = "".join(traceback.format_exception(error)) + repr(error)
        assert wrong not in shown and fake.token not in shown
    assert fake.stats.count("GET /me") == 1  # a 401 is not retried
    assert fake.stats.count("GET /project/{project-slug}/pipeline") == 1
    assert fake.stats.count("POST /project/{project-slug}/pipeline") == 1
    assert len(fake.state.pipelines) == before


async def test_unknown_project_pipeline_workflow_and_job_raise_not_found_once() -> None:
    unknown = "5d9b3a3c-0000-4000-8000-000000000000"
    async with seeded_fake() as fake, fake.client(retry=RetryPolicy(backoff_base=0.01)) as cci:
        slug = slugs(fake)[0]
        with pytest.raises(NotFoundError, match="Project not found"):
            await cci.projects.get("gh/acme/no-such-repo")
        with pytest.raises(NotFoundError, match="Project not found"):
            await cci.pipelines.list("gh/acme/no-such-repo").collect()
        with pytest.raises(NotFoundError, match="Pipeline not found"):
            await cci.pipelines.get(unknown)
        with pytest.raises(NotFoundError, match="Pipeline not found"):
            await cci.pipelines.get_by_number(slug, 999)
        with pytest.raises(NotFoundError, match="Workflow not found"):
            await cci.workflows.get(unknown)
        with pytest.raises(NotFoundError, match="Workflow not found"):
            await cci.workflows.cancel(unknown)
        with pytest.raises(NotFoundError, match="Job not found"):
            await cci.jobs.get(slug, 9999)

    assert fake.stats.count("GET /project/{project-slug}") == 1  # a 404 is not retried
    assert fake.stats.count("GET /pipeline/{pipeline-id}") == 1
    assert fake.stats.count("POST /workflow/{id}/cancel") == 1
    assert all(r.status == 404 for r in fake.stats.requests)


# --- the token and storage ------------------------------------------------------------------


async def test_the_token_never_reaches_storage(tmp_path: Path) -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[0]
        workflow = next(w for p in fake.state.project(slug).pipelines for w in p.workflows)
        await cci.users.me()
        await cci.pipelines.list(slug).collect()
        report = await cci.artifacts.download_workflow(workflow.id, tmp_path / "workflow")
        latest = await cci.artifacts.download_latest(slug, tmp_path / "latest", branch="main")
        one = (await cci.artifacts.list(slug, 1).collect())[0]
        single = await cci.artifacts.download(one, tmp_path / "single")

    for result in (report, latest, single):
        assert result.ok and result.downloaded
        for entry in result.downloaded:
            assert entry.local_path is not None
            data = entry.local_path.read_bytes()
            number = entry.item.job_number
            if number is not None:
                expected = fake.expected_sha256(
                    slug, number, entry.item.artifact.node_index, entry.path
                )
                assert hashlib.sha256(data).hexdigest() == expected
    downloads = len(report.downloaded) + len(latest.downloaded) + len(single.downloaded)
    served = [r for r in fake.stats.requests if r.listener == "storage" and r.status == 200]
    via_host = [r for r in fake.stats.requests if r.listener == "artifacts" and r.status == 302]
    assert len(served) == len(via_host) == downloads  # every file went host -> storage
    assert fake.leaks == []


async def test_the_leak_log_catches_a_token_sent_to_storage() -> None:
    # The check above is only worth something if a leak shows up: send one on purpose.
    async with seeded_fake() as fake, aiohttp.ClientSession() as http:
        artifact = fake.artifacts()[0]
        url = fake.presigned_url(artifact)
        async with http.get(url, headers={"Circle-Token": fake.token}) as response:
            await response.read()
    assert [leak.where for leak in fake.leaks] == [("header:Circle-Token",)]
