"""``cci.pipelines``: list, mine, get, get_by_number, config, workflows, trigger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aioresponses import aioresponses
from bodies import (
    BASE,
    ENCODED_SLUG,
    PIPELINE,
    PIPELINE_CONFIG,
    PIPELINE_CREATION,
    PIPELINE_ID,
    SLUG,
    TOKEN,
    WORKFLOW,
    WORKFLOW_ID,
    page,
)

from aiocircle import CircleCI, RetryPolicy, ServerError
from aiocircle.models import (
    Actor,
    Commit,
    Pipeline,
    PipelineConfig,
    PipelineCreation,
    PipelineState,
    PipelineVcs,
    Trigger,
    WorkflowStatus,
)

PIPELINES_URL = f"{BASE}/project/{ENCODED_SLUG}/pipeline"
PIPELINES_PATH = f"/api/v2/project/{ENCODED_SLUG}/pipeline"


async def test_list_sends_branch_on_every_page_and_follows_the_token(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    second = {**PIPELINE, "id": "7e4f1a2b-0c3d-4e5f-8a9b-1c2d3e4f5a6b", "number": 24}
    mock_api.get(f"{PIPELINES_URL}?branch=feature/x", payload=page([PIPELINE], "NEXT+/=token"))
    mock_api.get(
        f"{PIPELINES_URL}?branch=feature/x&page-token=NEXT%2B/%3Dtoken", payload=page([second])
    )

    pipelines = [p async for p in cci.pipelines.list(SLUG, branch="feature/x")]

    first_request, second_request = sent()
    assert first_request.method == second_request.method == "GET"
    assert first_request.url.raw_path == second_request.url.raw_path == PIPELINES_PATH
    assert first_request.query == {"branch": "feature/x"}
    assert second_request.query == {"branch": "feature/x", "page-token": "NEXT+/=token"}
    assert first_request.headers["Circle-Token"] == second_request.headers["Circle-Token"] == TOKEN
    assert [(p.number, p.id) for p in pipelines] == [(25, PIPELINE_ID), (24, second["id"])]


async def test_list_without_branch_sends_no_branch(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(PIPELINES_URL, payload=page([PIPELINE]))

    assert len(await cci.pipelines.list(SLUG).collect()) == 1
    assert sent.only().query == {}


async def test_list_sends_nothing_until_iterated(cci: CircleCI, mock_api: aioresponses) -> None:
    mock_api.get(PIPELINES_URL, payload=page([PIPELINE]))

    pipelines = cci.pipelines.list(SLUG)
    assert mock_api.requests == {}

    assert await pipelines.first() is not None
    assert len(mock_api.requests) == 1


async def test_mine_lists_the_token_owners_pipelines(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(f"{PIPELINES_URL}/mine", payload=page([PIPELINE]))

    pipelines = await cci.pipelines.mine(SLUG).collect()

    request = sent.only()
    assert request.method == "GET"
    assert request.url.raw_path == f"{PIPELINES_PATH}/mine"
    assert request.query == {}
    assert request.headers["Circle-Token"] == TOKEN
    assert [p.id for p in pipelines] == [PIPELINE_ID]


async def test_get_returns_a_fully_typed_pipeline(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(f"{BASE}/pipeline/{PIPELINE_ID}", payload=PIPELINE)

    pipeline = await cci.pipelines.get(PIPELINE_ID)

    request = sent.only()
    assert request.method == "GET"
    assert request.url.raw_path == f"/api/v2/pipeline/{PIPELINE_ID}"
    assert request.headers["Circle-Token"] == TOKEN
    assert pipeline == Pipeline(
        id=PIPELINE_ID,
        number=25,
        project_slug="gh/CircleCI-Public/api-preview-docs",
        created_at=datetime(2025, 6, 3, 9, 41, 11, 524000, tzinfo=UTC),
        updated_at=datetime(2025, 6, 3, 9, 41, 12, 802000, tzinfo=UTC),
        state=PipelineState.CREATED,
        errors=[],
        trigger_parameters={"deploy_prod": True, "nightly_runs": 3},
        trigger=Trigger(
            type="webhook",
            received_at=datetime(2025, 6, 3, 9, 41, 11, 324000, tzinfo=UTC),
            actor=Actor(
                login="octocat", avatar_url="https://avatars.githubusercontent.com/u/583231?v=4"
            ),
        ),
        vcs=PipelineVcs(
            provider_name="GitHub",
            origin_repository_url="https://github.com/CircleCI-Public/api-preview-docs",
            target_repository_url="https://github.com/CircleCI-Public/api-preview-docs",
            revision="f454a02b5d10fcccfd7d9dd7608a76d6493a98b4",
            branch="feature/design-new-api",
            review_id="123",
            review_url="https://github.com/CircleCI-Public/api-preview-docs/pull/123",
            commit=Commit(subject="Document pagination", body="Closes #122."),
        ),
    )
    assert pipeline.state is PipelineState.CREATED
    assert pipeline.created_at.utcoffset() == timedelta(0)
    assert pipeline.trigger.received_at.tzinfo is not None
    assert pipeline.raw == PIPELINE
    assert pipeline.trigger.actor.raw == PIPELINE["trigger"]["actor"]


async def test_get_converts_offsets_and_naive_timestamps_to_aware_datetimes(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    body = {
        **PIPELINE,
        "created_at": "2025-06-03T11:41:11+02:00",
        "updated_at": "2025-06-03T09:41:12",
    }
    mock_api.get(f"{BASE}/pipeline/{PIPELINE_ID}", payload=body)

    pipeline = await cci.pipelines.get(PIPELINE_ID)

    assert pipeline.created_at == datetime(2025, 6, 3, 9, 41, 11, tzinfo=UTC)
    assert pipeline.created_at.utcoffset() == timedelta(hours=2)
    assert pipeline.updated_at == datetime(2025, 6, 3, 9, 41, 12, tzinfo=UTC)
    assert pipeline.updated_at is not None
    assert pipeline.updated_at.tzinfo is UTC


async def test_get_keeps_an_unknown_state_as_a_plain_string(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    body = {**PIPELINE, "state": "some_new_state", "schema_version": 2}
    mock_api.get(f"{BASE}/pipeline/{PIPELINE_ID}", payload=body)

    pipeline = await cci.pipelines.get(PIPELINE_ID)

    assert type(pipeline.state) is str
    assert pipeline.state == "some_new_state"
    assert pipeline.raw["schema_version"] == 2


async def test_get_by_number_puts_the_number_in_the_path(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(f"{PIPELINES_URL}/25", payload=PIPELINE)

    pipeline = await cci.pipelines.get_by_number(SLUG, 25)

    request = sent.only()
    assert request.method == "GET"
    assert request.url.raw_path == f"{PIPELINES_PATH}/25"
    assert request.headers["Circle-Token"] == TOKEN
    assert pipeline.number == 25


@pytest.mark.parametrize("number", [-1, "25", 2.0, True, None])
async def test_get_by_number_refuses_a_bad_number_before_any_request(
    cci: CircleCI, mock_api: aioresponses, number: object
) -> None:
    with pytest.raises(ValueError, match="pipeline number"):
        await cci.pipelines.get_by_number(SLUG, number)  # type: ignore[arg-type]
    assert mock_api.requests == {}


async def test_config_maps_dashed_setup_keys(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.get(f"{BASE}/pipeline/{PIPELINE_ID}/config", payload=PIPELINE_CONFIG)

    config = await cci.pipelines.config(PIPELINE_ID)

    request = sent.only()
    assert request.method == "GET"
    assert request.url.raw_path == f"/api/v2/pipeline/{PIPELINE_ID}/config"
    assert request.headers["Circle-Token"] == TOKEN
    assert config == PipelineConfig(
        source=PIPELINE_CONFIG["source"],
        compiled=PIPELINE_CONFIG["compiled"],
        setup_config=PIPELINE_CONFIG["setup-config"],
        compiled_setup_config=PIPELINE_CONFIG["compiled-setup-config"],
    )


async def test_config_without_setup_leaves_setup_fields_none(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    body = {"source": "version: 2.1\n", "compiled": "version: 2\n"}
    mock_api.get(f"{BASE}/pipeline/{PIPELINE_ID}/config", payload=body)

    config = await cci.pipelines.config(PIPELINE_ID)

    assert (config.setup_config, config.compiled_setup_config) == (None, None)


async def test_workflows_lists_a_pipelines_workflows(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(f"{BASE}/pipeline/{PIPELINE_ID}/workflow", payload=page([WORKFLOW]))

    workflows = await cci.pipelines.workflows(PIPELINE_ID).collect()

    request = sent.only()
    assert request.method == "GET"
    assert request.url.raw_path == f"/api/v2/pipeline/{PIPELINE_ID}/workflow"
    assert request.headers["Circle-Token"] == TOKEN
    assert [w.id for w in workflows] == [WORKFLOW_ID]
    assert workflows[0].status is WorkflowStatus.FAILED


async def test_trigger_sends_branch_and_parameters(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(PIPELINES_URL, status=201, payload=PIPELINE_CREATION)

    created = await cci.pipelines.trigger(
        SLUG, branch="main", parameters={"deploy_prod": True, "replicas": 3, "region": "eu"}
    )

    request = sent.only()
    assert request.method == "POST"
    assert request.url.raw_path == PIPELINES_PATH
    assert request.query == {}
    assert request.json == {
        "branch": "main",
        "parameters": {"deploy_prod": True, "replicas": 3, "region": "eu"},
    }
    assert request.headers["Circle-Token"] == TOKEN
    assert created == PipelineCreation(
        id=PIPELINE_CREATION["id"],
        state=PipelineState.PENDING,
        number=26,
        created_at=datetime(2025, 6, 3, 10, 2, 45, 118000, tzinfo=UTC),
    )
    assert created.state is PipelineState.PENDING


async def test_trigger_on_a_tag_sends_only_the_tag(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(PIPELINES_URL, status=201, payload=PIPELINE_CREATION)

    await cci.pipelines.trigger(SLUG, tag="v3.1.4159")

    assert sent.only().json == {"tag": "v3.1.4159"}


async def test_trigger_without_arguments_sends_an_empty_object(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(PIPELINES_URL, status=201, payload=PIPELINE_CREATION)

    await cci.pipelines.trigger(SLUG)

    assert sent.only().json == {}


async def test_trigger_with_branch_and_tag_raises_before_any_request(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    with pytest.raises(ValueError, match="branch or a tag"):
        await cci.pipelines.trigger(SLUG, branch="main", tag="v1.0.0")
    assert mock_api.requests == {}


async def test_trigger_is_not_retried_after_a_server_error(mock_api: aioresponses, sent) -> None:
    # A retried trigger could start a second pipeline; a GET in the same client is retried.
    retrying = RetryPolicy(max_attempts=3, backoff_base=0)
    async with CircleCI(TOKEN, base_url=BASE, retry=retrying) as cci:
        mock_api.post(PIPELINES_URL, status=502, body="Bad Gateway", repeat=True)
        mock_api.get(f"{PIPELINES_URL}/25", status=502, body="Bad Gateway")
        mock_api.get(f"{PIPELINES_URL}/25", payload=PIPELINE)

        with pytest.raises(ServerError) as raised:
            await cci.pipelines.trigger(SLUG, branch="main")
        pipeline = await cci.pipelines.get_by_number(SLUG, 25)

    attempts = [(r.method, r.url.raw_path) for r in sent()]
    assert attempts == [
        ("POST", PIPELINES_PATH),
        ("GET", f"{PIPELINES_PATH}/25"),
        ("GET", f"{PIPELINES_PATH}/25"),
    ]
    assert raised.value.status == 502
    assert pipeline.number == 25


async def test_null_commit_fields_are_none_not_the_string_none(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    vcs = {**PIPELINE["vcs"], "revision": None, "commit": {"subject": None, "body": None}}
    mock_api.get(f"{BASE}/pipeline/{PIPELINE_ID}", payload={**PIPELINE, "vcs": vcs})

    pipeline = await cci.pipelines.get(PIPELINE_ID)

    assert pipeline.vcs is not None
    assert pipeline.vcs.commit is not None
    assert (pipeline.vcs.revision, pipeline.vcs.commit.subject) == (None, None)
