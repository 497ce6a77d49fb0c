"""The fake's API listener: authentication, routing, errors and pagination."""

from __future__ import annotations

from datetime import datetime

import aiohttp
import pytest
from fake_api import Api

from aiocircle.testing import FakeCircleCI


async def status_of(http: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> int:
    async with http.get(url, headers=headers) as response:
        await response.read()
        return response.status


# --- authentication -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Circle-Token": "test-token"},
        {"Authorization": aiohttp.encode_basic_auth("test-token", "")},
        {"Authorization": "Bearer test-token"},
    ],
    ids=["circle-token", "basic", "bearer"],
)
async def test_the_token_is_accepted_in_each_form_circleci_accepts(
    fake_circleci: FakeCircleCI, http: aiohttp.ClientSession, headers: dict[str, str]
) -> None:
    assert await status_of(http, fake_circleci.base_url + "/me", headers) == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Circle-Token": "wrong"},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic !"},
    ],
    ids=["missing", "wrong", "wrong-bearer", "garbled-basic"],
)
async def test_a_missing_or_bad_token_gets_401_with_circleci_message(
    fake_circleci: FakeCircleCI, http: aiohttp.ClientSession, headers: dict[str, str]
) -> None:
    async with http.get(fake_circleci.base_url + "/me", headers=headers) as response:
        assert response.status == 401
        assert await response.json() == {"message": "You must log in first."}


async def test_each_user_token_answers_as_its_own_user(
    fake_circleci: FakeCircleCI, http: aiohttp.ClientSession
) -> None:
    other = fake_circleci.state.add_user("other", token="other-token")
    async with http.get(
        fake_circleci.base_url + "/me", headers={"Circle-Token": "other-token"}
    ) as response:
        assert (await response.json())["id"] == other.id


# --- routing and errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug",
    [
        "gh/acme/repo-0",
        "github/acme/repo-0",
        "gh%2Facme%2Frepo-0",
        "gh/acme%2Frepo-0",
        "GH/ACME/Repo-0",
    ],
)
async def test_a_slug_is_found_in_any_spelling(api: Api, slug: str) -> None:
    assert (await api.get(f"/project/{slug}"))["slug"] == "gh/acme/repo-0"


async def test_bitbucket_and_circleci_slugs_resolve(api: Api) -> None:
    slugs = [p.slug for p in api.fake.state.projects.values()]
    assert slugs[1].startswith("bb/") and slugs[2].startswith("circleci/")
    assert (await api.get("/project/" + slugs[1].replace("bb/", "bitbucket/")))["slug"] == slugs[1]
    project = await api.get(f"/project/{slugs[2]}")
    assert project["vcs_info"]["provider"] == "CircleCI"
    assert project["organization_slug"] == "circleci/" + slugs[2].split("/")[1]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/project/gh/acme/nope", "Project not found"),
        ("/project/gh/acme/nope/pipeline", "Project not found"),
        ("/pipeline/5034460f-c7c4-4c43-9457-de07e2029e7b", "Pipeline not found"),
        ("/project/gh/acme/repo-0/pipeline/9999", "Pipeline not found"),
        ("/workflow/5034460f-c7c4-4c43-9457-de07e2029e7b", "Workflow not found"),
        ("/workflow/5034460f-c7c4-4c43-9457-de07e2029e7b/job", "Workflow not found"),
        ("/project/gh/acme/repo-0/job/9999", "Job not found"),
        ("/project/gh/acme/repo-0/9999/artifacts", "Job not found"),
        ("/project/gh/acme/repo-0/envvar/NOPE", "Environment variable not found"),
        ("/user/5034460f-c7c4-4c43-9457-de07e2029e7b", "User not found"),
        ("/no/such/route", "Not found"),
    ],
)
async def test_unknown_things_get_404_with_a_message(api: Api, path: str, message: str) -> None:
    status, body = await api.call("GET", path)
    assert (status, body) == (404, {"message": message})


async def test_a_known_path_with_the_wrong_method_gets_405(api: Api) -> None:
    status, _ = await api.call("DELETE", "/me")
    assert status == 405


async def test_unknown_routes_are_404_even_without_a_token(
    fake_circleci: FakeCircleCI, http: aiohttp.ClientSession
) -> None:
    assert await status_of(http, fake_circleci.base_url + "/nope", {}) == 404


# --- pagination ---------------------------------------------------------------------------------


async def test_pipelines_page_newest_first_with_opaque_tokens(api: Api) -> None:
    project = next(iter(api.fake.state.projects.values()))
    slug = project.slug
    first = await api.get(f"/project/{slug}/pipeline")
    assert len(first["items"]) == 5
    assert isinstance(first["next_page_token"], str)
    items = await api.items(f"/project/{slug}/pipeline")
    numbers = [item["number"] for item in items]
    assert numbers == list(range(len(project.pipelines), 0, -1))
    moments = [datetime.fromisoformat(item["created_at"]) for item in items]
    assert moments == sorted(moments, reverse=True)


async def test_a_pipeline_triggered_between_pages_does_not_shift_the_next_page(api: Api) -> None:
    slug = "gh/acme/repo-0"
    first = await api.get(f"/project/{slug}/pipeline")
    status, _ = await api.call("POST", f"/project/{slug}/pipeline")
    assert status == 201
    second = await api.get(f"/project/{slug}/pipeline", **{"page-token": first["next_page_token"]})
    assert second["items"][0]["number"] == first["items"][-1]["number"] - 1


async def test_the_branch_filter_keeps_paging_within_the_branch(api: Api) -> None:
    items = await api.items("/project/gh/acme/repo-0/pipeline", branch="develop")
    project = api.fake.state.project("gh/acme/repo-0")
    expected = [p.number for p in reversed(project.pipelines) if p.branch == "develop"]
    assert [item["number"] for item in items] == expected
    assert all(item["vcs"]["branch"] == "develop" for item in items)


async def test_mine_lists_only_pipelines_the_token_user_triggered(api: Api) -> None:
    project = api.fake.state.project("gh/acme/repo-0")
    mine = await api.items("/project/gh/acme/repo-0/pipeline/mine")
    expected = [p.number for p in reversed(project.pipelines) if p.actor is api.fake.state.me]
    assert [item["number"] for item in mine] == expected
    assert 0 < len(mine) < len(project.pipelines)


async def test_offset_lists_page_and_end_with_a_null_token(api: Api) -> None:
    project = api.fake.state.project("gh/acme/repo-0")
    job = next(j for j in project.jobs.values() if len(j.artifacts) > 5)
    first = await api.get(f"/project/gh/acme/repo-0/{job.number}/artifacts")
    assert len(first["items"]) == 5 and first["next_page_token"] is not None
    items = await api.items(f"/project/gh/acme/repo-0/{job.number}/artifacts")
    assert [(i["node_index"], i["path"]) for i in items] == list(job.artifacts)


async def test_page_size_can_change_on_a_running_fake(api: Api) -> None:
    api.fake.knobs.page_size = 2
    body = await api.get("/project/gh/acme/repo-0/pipeline")
    assert len(body["items"]) == 2


@pytest.mark.parametrize("token", ["garbage", "b2Zmc2V0OjU"])  # the second is "offset:5"
async def test_a_foreign_or_garbled_page_token_gets_400(api: Api, token: str) -> None:
    status, body = await api.call(
        "GET", "/project/gh/acme/repo-0/pipeline", **{"page-token": token}
    )
    assert status == 400
    assert "page-token" in body["message"]


async def test_an_empty_page_token_means_the_first_page(api: Api) -> None:
    assert await api.get("/project/gh/acme/repo-0/pipeline", **{"page-token": ""}) == (
        await api.get("/project/gh/acme/repo-0/pipeline")
    )
