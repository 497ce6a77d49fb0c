"""``cci.deploys`` (environments, components, versions) and ``cci.rollbacks``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aioresponses import aioresponses
from bodies import BASE, ORG_ID, PIPELINE_ID, PROJECT_ID, TOKEN, WORKFLOW_ID, page

from aiocircle import CircleCI, RetryPolicy, ServerError
from aiocircle.models import Component, ComponentVersion, Environment, Label, Rollback

ENVIRONMENT_ID = "1c23d2cb-07b1-4a28-8af3-e369732050ed"
COMPONENT_ID = "b9291e0d-a11e-41fb-8517-c545388b5953"
JOB_ID = "c65b68ef-e73b-4bf2-be9a-7a322a9df150"

# GET /deploy/environments/{environment_id}  (environment)
ENVIRONMENT = {
    "id": ENVIRONMENT_ID,
    "name": "production",
    "description": "Where customers are",
    "labels": [{"key": "tier", "value": "prod"}],
    "created_at": "2025-06-03T09:41:11.524Z",
    "updated_at": "2025-06-04T10:00:00Z",
}
# GET /deploy/components/{component_id}  (component)
COMPONENT = {
    "id": COMPONENT_ID,
    "name": "frontend",
    "project_id": PROJECT_ID,
    "labels": [],
    "release_count": 3,
    "created_at": "2025-06-03T09:41:11.524Z",
    "updated_at": "2025-06-04T10:00:00Z",
}
# GET /deploy/components/{component_id}/versions items  (componentVersion)
VERSION = {
    "name": "1.0.1",
    "environment_id": ENVIRONMENT_ID,
    "namespace": "default",
    "is_live": True,
    "pipeline_id": PIPELINE_ID,
    "workflow_id": WORKFLOW_ID,
    "job_id": JOB_ID,
    "job_number": 1042,
    "last_deployed_at": "2025-06-04T10:00:00Z",
}


async def test_environments_send_org_id_and_page_size_on_every_page(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    second = {"id": "2c23d2cb-07b1-4a28-8af3-e369732050ed", "name": "staging"}
    mock_api.get(
        f"{BASE}/deploy/environments?org-id={ORG_ID}&page-size=2", payload=page([ENVIRONMENT], "T2")
    )
    mock_api.get(
        f"{BASE}/deploy/environments?org-id={ORG_ID}&page-size=2&page-token=T2",
        payload=page([second]),
    )

    environments = await cci.deploys.environments(ORG_ID, page_size=2).collect()

    first_request, second_request = sent()
    assert first_request.method == "GET"
    assert first_request.url.raw_path == "/api/v2/deploy/environments"
    assert first_request.query == {"org-id": ORG_ID, "page-size": "2"}
    assert second_request.query == {"org-id": ORG_ID, "page-size": "2", "page-token": "T2"}
    assert first_request.headers["Circle-Token"] == TOKEN
    assert environments == [
        Environment(
            id=ENVIRONMENT_ID,
            name="production",
            description="Where customers are",
            labels=[Label(key="tier", value="prod")],
            created_at=datetime(2025, 6, 3, 9, 41, 11, 524000, tzinfo=UTC),
            updated_at=datetime(2025, 6, 4, 10, 0, tzinfo=UTC),
        ),
        Environment(id=second["id"], name="staging"),
    ]
    assert environments[1].description is None and environments[1].labels is None


async def test_environment_gets_one(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.get(f"{BASE}/deploy/environments/{ENVIRONMENT_ID}", payload=ENVIRONMENT)

    environment = await cci.deploys.environment(ENVIRONMENT_ID)

    request = sent.only()
    assert (request.method, request.url.raw_path) == (
        "GET",
        f"/api/v2/deploy/environments/{ENVIRONMENT_ID}",
    )
    assert environment.raw == ENVIRONMENT
    assert environment.name == "production"


async def test_components_send_the_project_filter_and_page_size(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    url = f"{BASE}/deploy/components?org-id={ORG_ID}&project-id={PROJECT_ID}&page-size=50"
    mock_api.get(url, payload=page([COMPONENT]))

    components = await cci.deploys.components(ORG_ID, project_id=PROJECT_ID).collect()

    request = sent.only()
    assert request.url.raw_path == "/api/v2/deploy/components"
    assert request.query == {"org-id": ORG_ID, "project-id": PROJECT_ID, "page-size": "50"}
    assert components == [
        Component(
            id=COMPONENT_ID,
            name="frontend",
            project_id=PROJECT_ID,
            labels=[],
            release_count=3,
            created_at=datetime(2025, 6, 3, 9, 41, 11, 524000, tzinfo=UTC),
            updated_at=datetime(2025, 6, 4, 10, 0, tzinfo=UTC),
        )
    ]


async def test_component_gets_one(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.get(f"{BASE}/deploy/components/{COMPONENT_ID}", payload={"id": COMPONENT_ID})

    component = await cci.deploys.component(COMPONENT_ID)

    request = sent.only()
    assert (request.method, request.url.raw_path) == (
        "GET",
        f"/api/v2/deploy/components/{COMPONENT_ID}",
    )
    assert component == Component(id=COMPONENT_ID)


async def test_component_versions_filter_by_environment_and_follow_the_token(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    path = f"{BASE}/deploy/components/{COMPONENT_ID}/versions"
    mock_api.get(f"{path}?environment-id={ENVIRONMENT_ID}", payload=page([VERSION], "T2"))
    mock_api.get(
        f"{path}?environment-id={ENVIRONMENT_ID}&page-token=T2", payload=page([{"name": "1.0.0"}])
    )

    versions = await cci.deploys.component_versions(
        COMPONENT_ID, environment_id=ENVIRONMENT_ID
    ).collect()

    first_request, second_request = sent()
    assert first_request.url.raw_path == f"/api/v2/deploy/components/{COMPONENT_ID}/versions"
    assert first_request.query == {"environment-id": ENVIRONMENT_ID}
    assert second_request.query == {"environment-id": ENVIRONMENT_ID, "page-token": "T2"}
    assert versions == [
        ComponentVersion(
            name="1.0.1",
            environment_id=ENVIRONMENT_ID,
            namespace="default",
            is_live=True,
            pipeline_id=PIPELINE_ID,
            workflow_id=WORKFLOW_ID,
            job_id=JOB_ID,
            job_number=1042,
            last_deployed_at=datetime(2025, 6, 4, 10, 0, tzinfo=UTC),
        ),
        ComponentVersion(name="1.0.0"),
    ]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda cci: cci.deploys.environments(""), "org_id"),
        (lambda cci: cci.deploys.environments(ORG_ID, page_size=0), "page size"),
        (lambda cci: cci.deploys.components(ORG_ID, project_id=" "), "project_id"),
        (lambda cci: cci.deploys.components(ORG_ID, page_size=True), "page size"),
        (lambda cci: cci.deploys.component_versions(""), "component_id"),
        (
            lambda cci: cci.deploys.component_versions(COMPONENT_ID, environment_id=""),
            "environment_id",
        ),
    ],
)
def test_lists_refuse_bad_arguments_before_any_request(
    cci: CircleCI, mock_api: aioresponses, call: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        call(cci)  # type: ignore[operator]
    assert mock_api.requests == {}


@pytest.mark.parametrize("method", ["environment", "component"])
async def test_gets_refuse_an_empty_id_before_any_request(
    cci: CircleCI, mock_api: aioresponses, method: str
) -> None:
    with pytest.raises(ValueError, match="_id"):
        await getattr(cci.deploys, method)("")
    assert mock_api.requests == {}


# --- rollbacks ------------------------------------------------------------------------------

ROLLBACK_URL = f"{BASE}/projects/{PROJECT_ID}/rollback"
ROLLBACK = {"id": PIPELINE_ID, "rollback_type": "PIPELINE"}
VERSIONS = {
    "environment_name": "production",
    "component_name": "frontend",
    "current_version": "1.0.1",
    "target_version": "1.0.0",
}


async def test_rollback_project_posts_the_versions_and_optional_fields(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(ROLLBACK_URL, status=202, payload=ROLLBACK)

    rollback = await cci.rollbacks.rollback_project(
        PROJECT_ID, **VERSIONS, namespace="default", reason="500s", parameters={"force": True}
    )

    request = sent.only()
    assert (request.method, request.url.raw_path) == (
        "POST",
        f"/api/v2/projects/{PROJECT_ID}/rollback",
    )
    assert request.json == {
        **VERSIONS,
        "namespace": "default",
        "reason": "500s",
        "parameters": {"force": True},
    }
    assert request.headers["Circle-Token"] == TOKEN
    assert rollback == Rollback(id=PIPELINE_ID, rollback_type="PIPELINE")


async def test_rollback_project_sends_only_the_required_fields_when_no_others_are_given(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(ROLLBACK_URL, status=202, payload={})

    assert await cci.rollbacks.rollback_project(PROJECT_ID, **VERSIONS) == Rollback()
    assert sent.only().json == VERSIONS


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"environment_name": ""}, "environment_name"),
        ({"component_name": " "}, "component_name"),
        ({"target_version": "1.0.1"}, "differ from current_version"),
        ({"parameters": ["a"]}, "parameters must be a mapping"),
    ],
)
async def test_rollback_project_refuses_bad_arguments_before_any_request(
    cci: CircleCI, mock_api: aioresponses, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await cci.rollbacks.rollback_project(PROJECT_ID, **{**VERSIONS, **changes})  # type: ignore[arg-type]
    assert mock_api.requests == {}


async def test_rollback_project_is_not_retried_after_a_server_error(
    mock_api: aioresponses, sent
) -> None:
    async with CircleCI(
        TOKEN, base_url=BASE, retry=RetryPolicy(max_attempts=3, backoff_base=0)
    ) as cci:
        mock_api.post(ROLLBACK_URL, status=500, body="oops", repeat=True)
        with pytest.raises(ServerError):
            await cci.rollbacks.rollback_project(PROJECT_ID, **VERSIONS)

    assert len(sent()) == 1
