"""Every paginated resource method: ``page-token`` on later pages, errors mid-list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aioresponses import aioresponses
from bodies import (
    ARTIFACT,
    BASE,
    BUILD_JOB,
    CHECKOUT_KEY,
    ENCODED_SLUG,
    ENV_VAR,
    PIPELINE,
    PIPELINE_ID,
    SLUG,
    TEST_RESULT,
    TOKEN,
    WORKFLOW,
    WORKFLOW_ID,
    page,
)

from aiocircle import CircleCI, DecodeError, NotFoundError, PaginationError, Paginator

Lister = Callable[[CircleCI], Paginator[Any]]

# (how to call it, the path it lists, one item as the API sends it)
LISTS: dict[str, tuple[Lister, str, dict[str, Any]]] = {
    "pipelines.list": (
        lambda cci: cci.pipelines.list(SLUG),
        f"/project/{ENCODED_SLUG}/pipeline",
        PIPELINE,
    ),
    "pipelines.mine": (
        lambda cci: cci.pipelines.mine(SLUG),
        f"/project/{ENCODED_SLUG}/pipeline/mine",
        PIPELINE,
    ),
    "pipelines.workflows": (
        lambda cci: cci.pipelines.workflows(PIPELINE_ID),
        f"/pipeline/{PIPELINE_ID}/workflow",
        WORKFLOW,
    ),
    "projects.checkout_keys": (
        lambda cci: cci.projects.checkout_keys(SLUG),
        f"/project/{ENCODED_SLUG}/checkout-key",
        CHECKOUT_KEY,
    ),
    "projects.env_vars": (
        lambda cci: cci.projects.env_vars(SLUG),
        f"/project/{ENCODED_SLUG}/envvar",
        ENV_VAR,
    ),
    "workflows.jobs": (
        lambda cci: cci.workflows.jobs(WORKFLOW_ID),
        f"/workflow/{WORKFLOW_ID}/job",
        BUILD_JOB,
    ),
    "jobs.tests": (
        lambda cci: cci.jobs.tests(SLUG, 1042),
        f"/project/{ENCODED_SLUG}/1042/tests",
        TEST_RESULT,
    ),
    "artifacts.list": (
        lambda cci: cci.artifacts.list(SLUG, 1042),
        f"/project/{ENCODED_SLUG}/1042/artifacts",
        ARTIFACT,
    ),
}

each_list = pytest.mark.parametrize(("lister", "path", "item"), LISTS.values(), ids=LISTS.keys())


@each_list
async def test_later_pages_send_the_previous_page_token(
    cci: CircleCI,
    mock_api: aioresponses,
    sent,
    lister: Lister,
    path: str,
    item: dict[str, Any],
) -> None:
    mock_api.get(f"{BASE}{path}", payload=page([item, item], "token-2"))
    mock_api.get(f"{BASE}{path}?page-token=token-2", payload=page([item], "token-3"))
    mock_api.get(f"{BASE}{path}?page-token=token-3", payload=page([item]))

    items = await lister(cci).collect()

    requests = sent()
    assert [r.query for r in requests] == [{}, {"page-token": "token-2"}, {"page-token": "token-3"}]
    assert {r.url.raw_path for r in requests} == {f"/api/v2{path}"}
    assert {r.method for r in requests} == {"GET"}
    assert all(r.headers["Circle-Token"] == TOKEN for r in requests)
    assert len(items) == 4
    assert all(i.raw == item for i in items)


@each_list
async def test_a_404_on_page_two_raises_not_found_after_page_one(
    cci: CircleCI,
    mock_api: aioresponses,
    lister: Lister,
    path: str,
    item: dict[str, Any],
) -> None:
    mock_api.get(f"{BASE}{path}", payload=page([item], "token-2"))
    mock_api.get(f"{BASE}{path}?page-token=token-2", status=404, payload={"message": "Not found."})
    received = []

    with pytest.raises(NotFoundError) as raised:
        async for entry in lister(cci):
            received.append(entry)

    assert len(received) == 1
    assert raised.value.status == 404
    assert raised.value.path == f"/api/v2{path}".replace("%20", " ")


async def test_an_empty_string_token_ends_the_list(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(f"{BASE}/pipeline/{PIPELINE_ID}/workflow", payload=page([WORKFLOW], ""))

    assert len(await cci.pipelines.workflows(PIPELINE_ID).collect()) == 1
    assert len(sent()) == 1


async def test_a_repeated_page_token_raises_pagination_error(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    url = f"{BASE}/workflow/{WORKFLOW_ID}/job"
    mock_api.get(url, payload=page([BUILD_JOB], "same"))
    mock_api.get(f"{url}?page-token=same", payload=page([BUILD_JOB], "same"), repeat=True)

    with pytest.raises(PaginationError, match="same"):
        await cci.workflows.jobs(WORKFLOW_ID).collect()
    assert len(sent()) == 2


async def test_collect_with_max_items_stops_fetching(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    url = f"{BASE}/project/{ENCODED_SLUG}/pipeline"
    mock_api.get(url, payload=page([PIPELINE, PIPELINE], "token-2"))
    mock_api.get(f"{url}?page-token=token-2", payload=page([PIPELINE]))

    assert len(await cci.pipelines.list(SLUG).collect(max_items=2)) == 2
    assert len(sent()) == 1


@pytest.mark.parametrize(
    "body",
    [{"next_page_token": None}, {"items": {"0": {}}}, [PIPELINE]],
    ids=["no-items", "items-not-a-list", "bare-list"],
)
async def test_a_body_that_is_not_a_page_raises_decode_error(
    cci: CircleCI, mock_api: aioresponses, body: Any
) -> None:
    mock_api.get(f"{BASE}/project/{ENCODED_SLUG}/pipeline", payload=body)

    with pytest.raises(DecodeError, match="items"):
        await cci.pipelines.list(SLUG).collect()


async def test_an_item_missing_a_required_field_raises_decode_error(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    broken = {key: value for key, value in PIPELINE.items() if key != "created_at"}
    mock_api.get(f"{BASE}/project/{ENCODED_SLUG}/pipeline", payload=page([broken]))

    with pytest.raises(DecodeError, match="unexpected response shape"):
        await cci.pipelines.list(SLUG).collect()
