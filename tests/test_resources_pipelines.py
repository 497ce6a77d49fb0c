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
    PipelineNotTriggered,
    PipelineRun,
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


# --- followed, values, continue_setup, run ---------------------------------------------------

RUN_PATH = f"/api/v2/project/{ENCODED_SLUG}/pipeline/run"
RUN_URL = f"{BASE}/project/{ENCODED_SLUG}/pipeline/run"


async def test_followed_sends_the_org_slug_and_mine_and_follows_the_token(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    second = {**PIPELINE, "id": "7e4f1a2b-0c3d-4e5f-8a9b-1c2d3e4f5a6b", "number": 24}
    mock_api.get(f"{BASE}/pipeline?org-slug=gh/acme&mine=true", payload=page([PIPELINE], "T2"))
    mock_api.get(
        f"{BASE}/pipeline?org-slug=gh/acme&mine=true&page-token=T2", payload=page([second])
    )

    pipelines = await cci.pipelines.followed("gh/acme", mine=True).collect()

    first_request, second_request = sent()
    assert first_request.method == "GET"
    assert first_request.url.raw_path == "/api/v2/pipeline"
    assert first_request.query == {"org-slug": "gh/acme", "mine": "true"}
    assert second_request.query == {"org-slug": "gh/acme", "mine": "true", "page-token": "T2"}
    assert first_request.headers["Circle-Token"] == TOKEN
    assert [p.number for p in pipelines] == [25, 24]
    assert isinstance(pipelines[0], Pipeline)


async def test_followed_without_arguments_sends_no_query(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(f"{BASE}/pipeline", payload=page([PIPELINE]))

    assert len(await cci.pipelines.followed().collect()) == 1
    assert sent.only().query == {}


@pytest.mark.parametrize("slug", ["acme", "gh/acme/widgets", "gitlab/acme", "gh/", ""])
async def test_followed_refuses_a_malformed_org_slug_before_any_request(
    cci: CircleCI, mock_api: aioresponses, slug: str
) -> None:
    with pytest.raises(ValueError, match="organization slug"):
        cci.pipelines.followed(slug)
    assert mock_api.requests == {}


async def test_values_returns_the_pipeline_values_by_name(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    values = {
        "pipeline.id": PIPELINE_ID,
        "pipeline.number": 25,
        "pipeline.git.branch.is_default": True,
    }
    mock_api.get(f"{BASE}/pipeline/{PIPELINE_ID}/values", payload=values)

    got = await cci.pipelines.values(PIPELINE_ID)

    request = sent.only()
    assert (request.method, request.url.raw_path) == (
        "GET",
        f"/api/v2/pipeline/{PIPELINE_ID}/values",
    )
    assert got == values


async def test_continue_setup_posts_the_key_configuration_and_parameters(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(f"{BASE}/pipeline/continue", payload={"message": "Pipeline continued."})

    answer = await cci.pipelines.continue_setup(
        "ck-123", "version: 2.1\n", parameters={"deploy": True}
    )

    request = sent.only()
    assert (request.method, request.url.raw_path) == ("POST", "/api/v2/pipeline/continue")
    assert request.json == {
        "continuation-key": "ck-123",
        "configuration": "version: 2.1\n",
        "parameters": {"deploy": True},
    }
    assert answer.message == "Pipeline continued."


@pytest.mark.parametrize(
    ("key", "configuration", "message"),
    [("", "version: 2.1", "continuation_key"), ("ck", "  ", "configuration")],
)
async def test_continue_setup_refuses_empty_arguments_before_any_request(
    cci: CircleCI, mock_api: aioresponses, key: str, configuration: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await cci.pipelines.continue_setup(key, configuration)
    assert mock_api.requests == {}


async def test_run_sends_definition_refs_and_parameters_and_types_a_201(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(RUN_URL, status=201, payload=PIPELINE_CREATION)

    run = await cci.pipelines.run(
        SLUG,
        definition_id="2338d0ae-5541-4bbf-88a2-55e9f7281f80",
        config_branch="main",
        checkout_tag="v2",
        parameters={"deploy": True},
    )

    request = sent.only()
    assert (request.method, request.url.raw_path) == ("POST", RUN_PATH)
    assert request.json == {
        "definition_id": "2338d0ae-5541-4bbf-88a2-55e9f7281f80",
        "config": {"branch": "main"},
        "checkout": {"tag": "v2"},
        "parameters": {"deploy": True},
    }
    assert run == PipelineRun(
        id=PIPELINE_CREATION["id"],
        state=PipelineState.PENDING,
        number=26,
        created_at=datetime(2025, 6, 3, 10, 2, 45, 118000, tzinfo=UTC),
    )


async def test_run_answered_200_says_why_no_pipeline_was_created(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    reason = {"message": "Ignoring pipeline due to CI skip in the commit"}
    mock_api.post(RUN_URL, status=200, payload=reason)

    run = await cci.pipelines.run(SLUG)

    assert sent.only().json == {}
    assert run == PipelineNotTriggered(message=reason["message"])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"config_branch": "main", "config_tag": "v1"}, "config: a branch or a tag"),
        ({"checkout_branch": "main", "checkout_tag": "v1"}, "checkout: a branch or a tag"),
        ({"definition_id": " "}, "definition_id"),
    ],
)
async def test_run_refuses_contradictory_options_before_any_request(
    cci: CircleCI, mock_api: aioresponses, options: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await cci.pipelines.run(SLUG, **options)  # type: ignore[arg-type]
    assert mock_api.requests == {}


# Each pipeline-parameter rule of the spec, for each method that sends parameters.
_BAD_PARAMETERS = [
    ({f"p{i}": i for i in range(101)}, "at most 100 pipeline parameters"),
    ({"k" * 129: 1}, "names are at most 128 characters"),
    ({"notes": "x" * 513}, "values are at most 512 characters"),
    ({"ratio": 0.5}, "must be a str, int or bool"),
    ({"": 1}, "non-empty str"),
]


@pytest.mark.parametrize(("parameters", "message"), _BAD_PARAMETERS)
@pytest.mark.parametrize("method", ["trigger", "run", "continue_setup"])
async def test_pipeline_parameters_beyond_circlecis_limits_raise_before_any_request(
    cci: CircleCI, mock_api: aioresponses, method: str, parameters: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        if method == "continue_setup":
            await cci.pipelines.continue_setup("ck", "version: 2.1", parameters=parameters)  # type: ignore[arg-type]
        else:
            await getattr(cci.pipelines, method)(SLUG, parameters=parameters)
    assert mock_api.requests == {}


async def test_parameters_at_the_limits_are_sent(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(PIPELINES_URL, status=201, payload=PIPELINE_CREATION)
    parameters: dict[str, str | int | bool] = {f"p{i}": i for i in range(99)}
    parameters["k" * 128] = "v" * 512

    await cci.pipelines.trigger(SLUG, parameters=parameters)

    assert sent.only().json == {"parameters": parameters}


@pytest.mark.parametrize("method", ["run", "continue_setup"])
async def test_run_and_continue_are_not_retried_after_a_server_error(
    mock_api: aioresponses, sent, method: str
) -> None:
    retrying = RetryPolicy(max_attempts=3, backoff_base=0)
    async with CircleCI(TOKEN, base_url=BASE, retry=retrying) as cci:
        mock_api.post(RUN_URL, status=502, body="Bad Gateway", repeat=True)
        mock_api.post(f"{BASE}/pipeline/continue", status=502, body="Bad Gateway", repeat=True)
        with pytest.raises(ServerError):
            if method == "run":
                await cci.pipelines.run(SLUG)
            else:
                await cci.pipelines.continue_setup("ck", "version: 2.1")

    assert len(sent()) == 1
