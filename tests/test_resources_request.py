"""``cci.request``: any endpoint by path or URL, with the client's auth and error mapping."""

from __future__ import annotations

import re

import pytest
from aioresponses import aioresponses
from bodies import BASE, TOKEN

from aiocircle import (
    APIError,
    AuthenticationError,
    BadRequestError,
    CircleCI,
    ConflictError,
    DecodeError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)

INSIGHTS_URL = f"{BASE}/insights/gh/my%20org/repo/branches"


async def test_request_sends_params_and_returns_decoded_json(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    body = {"org_id": "ec6887ec-7d44-4b31-b468-7e552408ee32", "branches": ["main", "dev"]}
    mock_api.get(f"{INSIGHTS_URL}?all-branches=true&reporting-window=last-7-days", payload=body)

    result = await cci.request(
        "get",
        "/insights/gh/my%20org/repo/branches",
        params={"reporting-window": "last-7-days", "all-branches": True, "workflow-name": None},
    )

    request = sent.only()
    assert request.method == "GET"
    assert request.url.raw_path == "/api/v2/insights/gh/my%20org/repo/branches"
    # Booleans are spelled the way CircleCI expects; None values are left out.
    assert request.query == {"reporting-window": "last-7-days", "all-branches": "true"}
    assert request.headers["Circle-Token"] == TOKEN
    assert result == body


async def test_request_posts_a_json_body(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.post(f"{BASE}/context", status=201, payload={"id": "c0ffee", "name": "deploy"})
    owner = {"id": "ec6887ec-7d44-4b31-b468-7e552408ee32", "type": "organization"}

    result = await cci.request("POST", "/context", json={"name": "deploy", "owner": owner})

    request = sent.only()
    assert request.method == "POST"
    assert request.url.raw_path == "/api/v2/context"
    assert request.json == {"name": "deploy", "owner": owner}
    assert request.headers["Circle-Token"] == TOKEN
    assert result == {"id": "c0ffee", "name": "deploy"}


async def test_request_adds_a_missing_leading_slash(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(f"{BASE}/me", payload={"id": "x"})

    await cci.request("GET", "me")

    assert sent.only().url.raw_path == "/api/v2/me"


async def test_request_returns_none_for_an_empty_body(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    mock_api.delete(f"{BASE}/context/c0ffee", status=204, body=b"")

    assert await cci.request("DELETE", "/context/c0ffee") is None


async def test_request_raises_decode_error_for_a_non_json_2xx(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    mock_api.get(f"{BASE}/me", body="<html>maintenance</html>", content_type="text/html")

    with pytest.raises(DecodeError, match="not JSON"):
        await cci.request("GET", "/me")


async def test_request_to_the_api_origin_by_absolute_url_sends_the_token(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get("https://circleci.example/api/v1.1/me", payload={"login": "octocat"})

    await cci.request("GET", "https://circleci.example/api/v1.1/me")

    assert sent.only().headers["Circle-Token"] == TOKEN


@pytest.mark.parametrize(
    "url",
    [
        "https://output.circle-artifacts.com/output/job/c65b/artifacts/0/report.json",
        "http://circleci.example/api/v2/me",  # same host, other scheme
        "https://circleci.example:8443/api/v2/me",  # same host, other port
        "https://circleci.example.attacker.test/api/v2/me",
        "https://circleci.example@attacker.test/api/v2/me",
    ],
)
async def test_request_to_another_origin_does_not_send_the_token(
    cci: CircleCI, mock_api: aioresponses, sent, url: str
) -> None:
    mock_api.get(url, payload={"ok": True})

    assert await cci.request("GET", url) == {"ok": True}

    request = sent.only()
    assert "Circle-Token" not in request.headers
    assert TOKEN not in repr(request.kwargs)
    assert request.headers["Accept"] == "application/json"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, APIError),
        (429, RateLimitError),
        (500, ServerError),
        (504, ServerError),
    ],
)
async def test_request_maps_error_statuses_to_typed_errors(
    cci: CircleCI, mock_api: aioresponses, status: int, error: type[APIError]
) -> None:
    mock_api.get(f"{BASE}/project/gh/o/r", status=status, payload={"message": "Project not found"})

    with pytest.raises(error) as raised:
        await cci.request("GET", "/project/gh/o/r")

    assert type(raised.value) is error
    assert raised.value.status == status
    assert raised.value.message == "Project not found"
    assert (raised.value.method, raised.value.path) == ("GET", "/api/v2/project/gh/o/r")


async def test_request_reads_a_plain_text_rate_limit_body(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    mock_api.get(
        f"{BASE}/me",
        status=429,
        body="Rate limited.",
        content_type="text/plain",
        headers={"Retry-After": "12"},
    )

    with pytest.raises(RateLimitError) as raised:
        await cci.request("GET", "/me")

    assert raised.value.retry_after == 12.0
    assert raised.value.message == "Rate limited."


async def test_request_percent_encodes_a_raw_space_in_the_path(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(re.compile(r"^https://circleci\.example/api/v2/insights/.*"), payload={})

    await cci.request("GET", "/insights/gh/my org/repo/branches")

    assert sent.only().url.raw_path == "/api/v2/insights/gh/my%20org/repo/branches"
