"""The fake's organizations tag: its state behaves, and its error bodies follow the spec."""

from __future__ import annotations

from typing import Any

import pytest
from conformance import check_error
from fake_api import Api

from aiocircle.testing._api_organizations import Organizations

# (method, spec template, path to send (formatted with {org}), body, status expected)
ERRORS = [
    ("POST", "/organization", "/organization", {"name": "x", "vcs_type": "svn"}, 400),
    ("POST", "/organization", "/organization", {"vcs_type": "github"}, 400),
    ("DELETE", "/organization/{org-slug-or-id}", "/organization/nope", None, 404),
    (
        "GET",
        "/organization/{org-slug-or-id}/url-orb-allow-list",
        "/organization/nope/url-orb-allow-list",
        None,
        404,
    ),
    (
        "POST",
        "/organization/{org-slug-or-id}/url-orb-allow-list",
        "/organization/{org}/url-orb-allow-list",
        {"name": "n", "prefix": "https://x/", "auth": "password"},
        400,
    ),
    (
        "DELETE",
        "/organization/{org-slug-or-id}/url-orb-allow-list/{allow-list-entry-id}",
        "/organization/{org}/url-orb-allow-list/nope",
        None,
        404,
    ),
    ("GET", "/organizations/{org_id}/groups", "/organizations/nope/groups", None, 404),
    (
        "POST",
        "/organizations/{org_id}/groups",
        "/organizations/{org}/groups",
        {"name": "taken"},
        409,
    ),
    (
        "POST",
        "/organizations/{org_id}/groups",
        "/organizations/{org}/groups",
        {"name": "n", "extra": 1},
        400,
    ),
    (
        "GET",
        "/organizations/{org_id}/groups/{group_id}",
        "/organizations/{org}/groups/nope",
        None,
        404,
    ),
    (
        "DELETE",
        "/organizations/{org_id}/groups/{group_id}",
        "/organizations/{org}/groups/nope",
        None,
        404,
    ),
]


@pytest.mark.parametrize(("method", "template", "path", "body", "status"), ERRORS)
async def test_error_answers_have_the_status_and_body_the_spec_documents(
    api: Api, method: str, template: str, path: str, body: Any, status: int
) -> None:
    orgs = api.fake.state.part(Organizations)
    org = orgs.add("errors-org")
    orgs.add_group(org, "taken")

    got, answer = await api.call(method, path.format(org=org.id), json=body)

    assert got == status, answer
    check_error(method, template, (got, answer), status)


async def test_created_organization_is_found_by_id_and_slug_until_deleted(api: Api) -> None:
    status, created = await api.call(
        "POST", "/organization", json={"name": "Acme-Two", "vcs_type": "github"}
    )
    assert (status, created["slug"]) == (201, "gh/Acme-Two")
    assert await api.get(f"/organization/{created['id']}") == created
    assert await api.get("/organization/github%2Facme-two") == created

    assert (await api.call("DELETE", "/organization/gh%2FAcme-Two"))[0] == 202
    assert (await api.call("GET", f"/organization/{created['id']}"))[0] == 404
    assert (await api.call("DELETE", f"/organization/{created['id']}"))[0] == 404


async def test_a_seeded_projects_organization_is_found_and_can_be_deleted(api: Api) -> None:
    shared = next(iter(api.fake.state.organizations.values()))
    found = await api.get(f"/organization/{shared.id}")
    assert (found["name"], found["slug"]) == (shared.name, shared.slug)
    assert (await api.call("DELETE", f"/organization/{shared.id}"))[0] == 202
    assert (await api.call("GET", f"/organization/{shared.id}"))[0] == 404


async def test_allow_list_entries_are_listed_until_removed(api: Api) -> None:
    org = api.fake.state.part(Organizations).add("allow-org")
    path = f"/organization/{org.id}/url-orb-allow-list"
    entry = {"name": "ours", "prefix": "https://orbs.example/ours/", "auth": "none"}
    status, created = await api.call("POST", path, json=entry)
    assert status == 200
    assert (await api.get(path))["items"] == [{"id": created["id"], **entry}]

    assert (await api.call("DELETE", f"{path}/{created['id']}"))[0] == 200
    assert (await api.get(path))["items"] == []
    assert (await api.call("DELETE", f"{path}/{created['id']}"))[0] == 404


async def test_groups_page_by_limit_and_disappear_when_deleted(api: Api) -> None:
    orgs = api.fake.state.part(Organizations)
    org = orgs.add("groups-org")
    ids = [orgs.add_group(org, f"g{index}") for index in range(5)]
    first = await api.get(f"/organizations/{org.id}/groups", limit="2")
    assert [g["id"] for g in first["items"]] == ids[:2]
    assert first["total_count"] == 5
    assert first["next_page_token"]

    path = f"/organizations/{org.id}/groups/{ids[0]}"
    assert (await api.call("DELETE", path))[0] == 200
    assert (await api.call("GET", path))[0] == 404
    assert (await api.call("GET", f"/organizations/{org.id}/groups", limit="0"))[0] == 400
