"""``cci.organizations``: organizations, the URL orb allow-list and groups, request by request."""

from __future__ import annotations

import re

import pytest
from aioresponses import aioresponses
from bodies import BASE, ORG_ID
from yarl import URL

from aiocircle import CircleCI
from aiocircle.models import (
    Group,
    GroupDeleted,
    MessageResponse,
    Organization,
    UrlOrbAllowListChange,
    UrlOrbAllowListEntry,
    UrlOrbAuth,
    VcsType,
)

GROUP_ID = "9e5e5f87-3e87-47ea-be0f-37265b965d6e"
ENTRY_ID = "ba98990a-5a00-4cad-b55e-b44117b92e0c"
ORGANIZATION = {"id": ORG_ID, "name": "acme", "slug": "gh/acme", "vcs_type": "github"}
ENTRY = {
    "id": ENTRY_ID,
    "name": "Public orbs",
    "prefix": "https://raw.githubusercontent.com/CircleCI-Public/orbs/",
    "auth": "github-app",
}


async def test_create_sends_name_and_vcs_type_and_types_the_organization(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(f"{BASE}/organization", status=201, payload=ORGANIZATION)

    org = await cci.organizations.create("acme", "github")

    request = sent.only()
    assert (request.method, request.url.path) == ("POST", "/api/v2/organization")
    assert request.json == {"name": "acme", "vcs_type": "github"}
    assert org == Organization(id=ORG_ID, name="acme", slug="gh/acme", vcs_type=VcsType.GITHUB)


@pytest.mark.parametrize(
    ("name", "vcs_type", "rule"),
    [("", "github", "non-empty"), ("acme", "gitlab", "github, bitbucket, circleci")],
)
async def test_create_refuses_an_empty_name_or_unknown_vcs_before_sending(
    cci: CircleCI, sent, name: str, vcs_type: str, rule: str
) -> None:
    with pytest.raises(ValueError, match=rule):
        await cci.organizations.create(name, vcs_type)
    assert sent() == []


async def test_get_sends_a_slug_as_one_encoded_segment_and_returns_the_json(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(URL(f"{BASE}/organization/gh%2Facme", encoded=True), payload=ORGANIZATION)

    found = await cci.organizations.get("gh/acme")

    assert sent.only().url.raw_path == "/api/v2/organization/gh%2Facme"
    assert found == ORGANIZATION


async def test_delete_returns_the_message(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.delete(f"{BASE}/organization/{ORG_ID}", status=202, payload={"message": "queued"})

    deleted = await cci.organizations.delete(ORG_ID)

    assert sent.only().method == "DELETE"
    assert deleted == MessageResponse(message="queued")


async def test_url_orb_allow_list_returns_its_entries(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(f"{BASE}/organization/{ORG_ID}/url-orb-allow-list", payload={"items": [ENTRY]})

    entries = await cci.organizations.url_orb_allow_list(ORG_ID)

    assert sent.only().url.path == f"/api/v2/organization/{ORG_ID}/url-orb-allow-list"
    assert entries == [
        UrlOrbAllowListEntry(
            id=ENTRY_ID, name=ENTRY["name"], prefix=ENTRY["prefix"], auth=UrlOrbAuth.GITHUB_APP
        )
    ]


async def test_allow_url_orbs_sends_the_entry(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    url = f"{BASE}/organization/{ORG_ID}/url-orb-allow-list"
    mock_api.post(url, payload={"id": ENTRY_ID, "message": "Created."})

    created = await cci.organizations.allow_url_orbs(
        ORG_ID, name=ENTRY["name"], prefix=ENTRY["prefix"], auth="github-app"
    )

    assert sent.only().json == {k: ENTRY[k] for k in ("name", "prefix", "auth")}
    assert created == UrlOrbAllowListChange(id=ENTRY_ID, message="Created.")


@pytest.mark.parametrize(
    ("name", "prefix", "auth", "rule"),
    [
        ("", "https://x/", "none", "name must be a non-empty"),
        ("n", " ", "none", "prefix must be a non-empty"),
        ("n", "https://x/", "password", "github-oauth, none, bitbucket-oauth, github-app"),
    ],
)
async def test_allow_url_orbs_checks_the_entry_before_sending(
    cci: CircleCI, sent, name: str, prefix: str, auth: str, rule: str
) -> None:
    with pytest.raises(ValueError, match=rule):
        await cci.organizations.allow_url_orbs(ORG_ID, name=name, prefix=prefix, auth=auth)
    assert sent() == []


async def test_remove_url_orb_allow_list_entry(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    url = f"{BASE}/organization/{ORG_ID}/url-orb-allow-list/{ENTRY_ID}"
    mock_api.delete(url, payload={"id": ENTRY_ID, "message": "Removed."})

    removed = await cci.organizations.remove_url_orb_allow_list_entry(ORG_ID, ENTRY_ID)

    assert sent.only().method == "DELETE"
    assert removed.id == ENTRY_ID


async def test_groups_page_with_limit_and_the_token(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    pattern = re.compile(rf"^{re.escape(BASE)}/organizations/{ORG_ID}/groups\?.*$")
    mock_api.get(
        pattern, payload={"items": [{"id": GROUP_ID, "name": "a"}], "next_page_token": "t"}
    )
    mock_api.get(pattern, payload={"items": [{"id": ORG_ID}], "next_page_token": None})

    groups = await cci.organizations.groups(ORG_ID, limit=1).collect()

    queries = [request.query for request in sent()]
    assert queries == [{"limit": "1"}, {"limit": "1", "page-token": "t"}]
    assert groups == [Group(id=GROUP_ID, name="a"), Group(id=ORG_ID, name=None)]


@pytest.mark.parametrize("limit", [0, -1, True])
def test_groups_refuses_a_limit_that_is_not_positive(cci: CircleCI, limit: int) -> None:
    with pytest.raises(ValueError, match="limit must be a positive integer"):
        cci.organizations.groups(ORG_ID, limit=limit)


async def test_create_group_get_group_delete_group(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    groups, one = f"{BASE}/organizations/{ORG_ID}/groups", f"/{GROUP_ID}"
    mock_api.post(groups, status=201, payload={"id": GROUP_ID, "name": "Editors"})
    mock_api.get(groups + one, payload={"id": GROUP_ID, "name": "Editors"})
    mock_api.delete(groups + one, payload={})

    created = await cci.organizations.create_group(ORG_ID, "Editors")
    fetched = await cci.organizations.group(ORG_ID, GROUP_ID)
    deleted = await cci.organizations.delete_group(ORG_ID, GROUP_ID)

    assert [(r.method, r.url.path, r.json) for r in sent()] == [
        ("POST", f"/api/v2/organizations/{ORG_ID}/groups", {"name": "Editors"}),
        ("GET", f"/api/v2/organizations/{ORG_ID}/groups/{GROUP_ID}", None),
        ("DELETE", f"/api/v2/organizations/{ORG_ID}/groups/{GROUP_ID}", None),
    ]
    assert created == fetched == Group(id=GROUP_ID, name="Editors")
    assert deleted == GroupDeleted(message=None)


async def test_create_group_refuses_an_empty_name(cci: CircleCI, sent) -> None:
    with pytest.raises(ValueError, match="group name must be a non-empty string"):
        await cci.organizations.create_group(ORG_ID, "")
    assert sent() == []
