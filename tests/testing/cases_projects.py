"""Conformance cases of the project operations in `aiocircle/testing/_api_projects.py`."""

from __future__ import annotations

from urllib.parse import quote

from conformance import Answers, case, expect_errors, first, projects
from fake_api import Api

SETTINGS = "/project/{provider}/{organization}/{project}/settings"


@case("POST /organization/{org-slug-or-id}/project")
async def _create(api: Api) -> Answers:
    answers = []
    for project in projects(api):
        org = project.organization
        answers.append(
            await api.call(
                "POST",
                f"/organization/{quote(org.slug, safe='')}/project",
                json={"name": "made-by-slug"},
            )
        )
        answers.append(
            await api.call("POST", f"/organization/{org.id}/project", json={"name": "made-by-id"})
        )
    org_id = first(api).organization.id
    expect_errors(
        "POST",
        "/organization/{org-slug-or-id}/project",
        [
            (404, await api.call("POST", "/organization/gh%2Fnobody/project", json={"name": "x"})),
            (400, await api.call("POST", f"/organization/{org_id}/project", json={})),
            (
                409,
                await api.call(
                    "POST", f"/organization/{org_id}/project", json={"name": "made-by-id"}
                ),
            ),
        ],
    )
    return answers


@case("DELETE /project/{project-slug}")
async def _delete(api: Api) -> Answers:
    project = api.fake.state.add_project("gh/doomed/repo")
    answer = await api.call("DELETE", f"/project/{project.slug}")
    expect_errors(
        "DELETE",
        "/project/{project-slug}",
        [(404, await api.call("DELETE", f"/project/{project.slug}"))],
    )
    return [answer]


@case("POST /project/{provider}/{organization}/{project}")
async def _follow(api: Api) -> Answers:
    org = first(api).organization
    answers = [
        await api.call("POST", f"/project/{first(api).slug}"),
        await api.call("POST", f"/project/gh/{org.name}/brand-new"),
    ]
    standalone = next(p for p in projects(api) if p.slug.startswith("circleci/"))
    expect_errors(
        "POST",
        "/project/{provider}/{organization}/{project}",
        [
            (405, await api.call("POST", f"/project/{standalone.slug}")),
            (404, await api.call("POST", "/project/gh/nobody/repo")),
        ],
    )
    return answers


@case("GET " + SETTINGS)
async def _settings(api: Api) -> Answers:
    path = f"/project/{first(api).slug}/settings"
    await api.call("PATCH", path, json={"advanced": {"pr_only_branch_overrides": ["main"]}})
    answers = [await api.call("GET", f"/project/{p.slug}/settings") for p in projects(api)]
    expect_errors("GET", SETTINGS, [(404, await api.call("GET", "/project/gh/no/repo/settings"))])
    return answers


@case("PATCH " + SETTINGS)
async def _patch_settings(api: Api) -> Answers:
    path = f"/project/{first(api).slug}/settings"
    answers = [
        await api.call("PATCH", path, json={"advanced": {"autocancel_builds": True, "oss": True}}),
        await api.call(
            "PATCH",
            path,
            json={
                "advanced": {
                    "build_prs_only": True,
                    "pr_only_branch_overrides": ["main", "release"],
                }
            },
        ),
    ]
    expect_errors(
        "PATCH",
        SETTINGS,
        [
            (400, await api.call("PATCH", path, json={})),
            (400, await api.call("PATCH", path, json={"incorrect": {}})),
            (400, await api.call("PATCH", path, json={"advanced": {"incorrect": True}})),
            (400, await api.call("PATCH", path, json={"advanced": {"autocancel_builds": "yes"}})),
            (
                400,
                await api.call(
                    "PATCH", path, json={"advanced": {"pr_only_branch_overrides": ["b"] * 101}}
                ),
            ),
            (
                404,
                await api.call(
                    "PATCH", "/project/gh/no/repo/settings", json={"advanced": {"oss": True}}
                ),
            ),
        ],
    )
    return answers
