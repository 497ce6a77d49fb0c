"""``cci.users``: GET /me, GET /user/{id}, GET /me/collaborations."""

from __future__ import annotations

import pytest
from aioresponses import aioresponses
from bodies import BASE, COLLABORATIONS, TOKEN, USER, USER_ID

from aiocircle import CircleCI
from aiocircle.models import Collaboration, User


async def test_me_gets_the_token_owner(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.get(f"{BASE}/me", payload=USER)

    user = await cci.users.me()

    request = sent.only()
    assert request.method == "GET"
    assert request.url.raw_path == "/api/v2/me"
    assert request.query == {}
    assert request.json is None
    assert request.headers["Circle-Token"] == TOKEN
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"].startswith("aiocircle/")
    assert user == User(
        id=USER_ID,
        login="octocat",
        name="The Octocat",
        avatar_url="https://avatars.githubusercontent.com/u/583231?v=4",
    )
    assert user.raw == USER


async def test_get_user_percent_encodes_the_id(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.get(f"{BASE}/user/{USER_ID}", payload=USER)
    mock_api.get(f"{BASE}/user/a%2Fb%3Fc", payload=USER)

    user = await cci.users.get(USER_ID)
    await cci.users.get("a/b?c")

    first, second = sent()
    assert first.method == "GET"
    assert first.url.raw_path == f"/api/v2/user/{USER_ID}"
    assert first.headers["Circle-Token"] == TOKEN
    # A slash or question mark in an id must not add a path segment or a query.
    assert second.url.raw_path == "/api/v2/user/a%2Fb%3Fc"
    assert second.query == {}
    assert user.login == "octocat"


async def test_collaborations_returns_a_typed_list(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(f"{BASE}/me/collaborations", payload=COLLABORATIONS)

    orgs = await cci.users.collaborations()

    request = sent.only()
    assert (request.method, request.url.raw_path) == ("GET", "/api/v2/me/collaborations")
    assert request.headers["Circle-Token"] == TOKEN
    assert [type(org) for org in orgs] == [Collaboration, Collaboration]
    assert orgs[0].vcs_type == "github"  # from the dashed JSON key "vcs-type"
    assert orgs[0].slug == "gh/CircleCI-Public"
    assert orgs[1].vcs_type == "circleci"
    assert orgs[1].raw == COLLABORATIONS[1]


async def test_user_ignores_unknown_fields_but_keeps_them_in_raw(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    body = {**USER, "pronouns": "they/them", "settings": {"beta": True}}
    mock_api.get(f"{BASE}/me", payload=body)

    user = await cci.users.me()

    assert user.login == "octocat"
    assert not hasattr(user, "pronouns")
    assert user.raw["settings"] == {"beta": True}
    assert user.raw == body


async def test_get_user_refuses_an_empty_id_before_any_request(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    with pytest.raises(ValueError, match="user_id"):
        await cci.users.get("")
    assert mock_api.requests == {}


async def test_collaborations_keeps_every_organization_when_one_has_a_null_id(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    # The spec marks Collaboration.id nullable; one such entry used to fail the whole list.
    body = [COLLABORATIONS[0], {**COLLABORATIONS[1], "id": None}]
    mock_api.get(f"{BASE}/me/collaborations", payload=body)

    orgs = await cci.users.collaborations()

    assert [org.slug for org in orgs] == [c["slug"] for c in COLLABORATIONS]
    assert orgs[0].id == COLLABORATIONS[0]["id"]
    assert orgs[1].id is None
    assert (orgs[1].name, orgs[1].vcs_type) == ("standalone-org", "circleci")
    assert orgs[1].raw == body[1]
