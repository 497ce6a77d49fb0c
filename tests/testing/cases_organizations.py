"""Conformance cases of the organizations tag: organizations, URL orb allow-list, groups."""

from __future__ import annotations

from typing import Any

from conformance import Answers, case, success
from fake_api import Api

from aiocircle.testing._api_organizations import Organizations

# GET /organization/{org-slug-or-id} is only in CircleCI's live list: the fake answers the
# shape POST /organization documents, which is what the client's docs promise for it.
ORGANIZATION: Any = success("POST", "/organization")[201]


def _orgs(api: Api) -> Organizations:
    return api.fake.state.part(Organizations)


async def _seeded(api: Api) -> Any:
    """An organization with two allow-list entries and seven groups (several pages)."""
    orgs = _orgs(api)
    org = orgs.add("conformance-org", "github")
    for index in range(7):
        orgs.add_group(org, f"group-{index}")
    for auth in ("github-app", "none"):
        status, _ = await api.call(
            "POST",
            f"/organization/{org.id}/url-orb-allow-list",
            json={"name": auth, "prefix": f"https://orbs.example/{auth}/", "auth": auth},
        )
        assert status == 200
    return org


@case("POST /organization")
async def _create(api: Api) -> Answers:
    return [
        await api.call("POST", "/organization", json={"name": f"org-{vcs}", "vcs_type": vcs})
        for vcs in ("github", "bitbucket", "circleci")
    ]


@case("GET /organization/{org-slug-or-id}", schema=ORGANIZATION)
async def _get(api: Api) -> Answers:
    org = await _seeded(api)
    seeded_project_org = next(iter(api.fake.state.organizations.values()))
    return [
        await api.call("GET", f"/organization/{org.id}"),
        await api.call("GET", f"/organization/{org.slug.replace('/', '%2F')}"),
        await api.call("GET", f"/organization/{seeded_project_org.id}"),
    ]


@case("DELETE /organization/{org-slug-or-id}")
async def _delete(api: Api) -> Answers:
    org = await _seeded(api)
    return [await api.call("DELETE", f"/organization/{org.id}")]


@case("GET /organization/{org-slug-or-id}/url-orb-allow-list")
async def _allow_list(api: Api) -> Answers:
    org = await _seeded(api)
    empty = _orgs(api).add("empty-org")
    return [
        await api.call("GET", f"/organization/{org.id}/url-orb-allow-list"),
        await api.call("GET", f"/organization/{empty.id}/url-orb-allow-list"),
    ]


@case("POST /organization/{org-slug-or-id}/url-orb-allow-list")
async def _allow(api: Api) -> Answers:
    org = _orgs(api).add("allow-org")
    body = {"name": "public", "prefix": "https://orbs.example/", "auth": "github-oauth"}
    return [await api.call("POST", f"/organization/{org.id}/url-orb-allow-list", json=body)]


@case("DELETE /organization/{org-slug-or-id}/url-orb-allow-list/{allow-list-entry-id}")
async def _disallow(api: Api) -> Answers:
    org = await _seeded(api)
    return [
        await api.call("DELETE", f"/organization/{org.id}/url-orb-allow-list/{entry}")
        for entry in list(org.allow_list)
    ]


@case("GET /organizations/{org_id}/groups")
async def _groups(api: Api) -> Answers:
    org = await _seeded(api)
    answers: Answers = []
    token: str | None = None
    while True:
        params = {"limit": "3", **({"page-token": token} if token else {})}
        status, body = await api.call("GET", f"/organizations/{org.id}/groups", **params)
        answers.append((status, body))
        token = body.get("next_page_token")
        if not token:
            return answers


@case("POST /organizations/{org_id}/groups")
async def _create_group(api: Api) -> Answers:
    org = _orgs(api).add("group-org")
    return [await api.call("POST", f"/organizations/{org.id}/groups", json={"name": "Editors"})]


@case("GET /organizations/{org_id}/groups/{group_id}")
async def _group(api: Api) -> Answers:
    org = await _seeded(api)
    return [await api.call("GET", f"/organizations/{org.id}/groups/{g}") for g in org.groups]


@case("DELETE /organizations/{org_id}/groups/{group_id}")
async def _delete_group(api: Api) -> Answers:
    org = await _seeded(api)
    group_id = next(iter(org.groups))
    return [await api.call("DELETE", f"/organizations/{org.id}/groups/{group_id}")]
