"""``cci.pipeline_definitions``: a project's pipeline definitions, request by request."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aioresponses import aioresponses
from bodies import BASE, PROJECT_ID

from aiocircle import CircleCI
from aiocircle.models import (
    CheckoutSource,
    ConfigSource,
    PipelineDefinition,
    PipelineDefinitionDeleted,
    SourceRepo,
)

DEFINITION_ID = "2338d0ae-5541-4bbf-88a2-55e9f7281f3c"
DEFS = f"{BASE}/projects/{PROJECT_ID}/pipeline-definitions"
REPO = {"full_name": "acme/widgets", "external_id": "1001"}
DEFINITION = {
    "id": DEFINITION_ID,
    "name": "main",
    "created_at": "2026-08-01T10:00:00.000Z",
    "config_source": {"provider": "github_app", "repo": REPO, "file_path": ".circleci/a.yml"},
    "checkout_source": {"provider": "github_app", "repo": REPO},
}
TYPED = PipelineDefinition(
    id=DEFINITION_ID,
    name="main",
    created_at=datetime(2026, 8, 1, 10, tzinfo=UTC),
    config_source=ConfigSource(
        provider="github_app",
        repo=SourceRepo(full_name="acme/widgets", external_id="1001"),
        file_path=".circleci/a.yml",
    ),
    checkout_source=CheckoutSource(
        provider="github_app", repo=SourceRepo(full_name="acme/widgets", external_id="1001")
    ),
)


async def test_list_returns_the_projects_definitions(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(DEFS, payload={"items": [DEFINITION, {"id": DEFINITION_ID}]})

    found = await cci.pipeline_definitions.list(PROJECT_ID)

    assert sent.only().url.path == f"/api/v2/projects/{PROJECT_ID}/pipeline-definitions"
    assert found == [TYPED, PipelineDefinition(id=DEFINITION_ID)]


async def test_list_of_an_answer_without_items_is_empty(cci: CircleCI, mock_api) -> None:
    mock_api.get(DEFS, payload={})
    assert await cci.pipeline_definitions.list(PROJECT_ID) == []


async def test_create_sends_the_github_app_config_and_checkout_sources(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(DEFS, payload=DEFINITION)

    created = await cci.pipeline_definitions.create(
        PROJECT_ID,
        name="main",
        config_file_path=".circleci/a.yml",
        config_repo_id="1001",
        checkout_repo_id="1001",
    )

    assert sent.only().json == {
        "name": "main",
        "config_source": {
            "provider": "github_app",
            "file_path": ".circleci/a.yml",
            "repo": {"external_id": "1001"},
        },
        "checkout_source": {"provider": "github_app", "repo": {"external_id": "1001"}},
    }
    assert created == TYPED


async def test_create_with_a_circleci_config_source_sends_no_repo(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(DEFS, payload=DEFINITION)

    await cci.pipeline_definitions.create(
        PROJECT_ID,
        name="docs",
        config_file_path="docs.yml",
        checkout_repo_id="1002",
        config_provider="circleci",
    )

    assert sent.only().json["config_source"] == {"provider": "circleci", "file_path": "docs.yml"}


@pytest.mark.parametrize(
    ("kwargs", "rule"),
    [
        ({"config_repo_id": None}, "config_repo_id is required when config_provider"),
        (
            {"config_provider": "circleci", "config_repo_id": "1"},
            "config_repo_id must not be given",
        ),
        ({"config_provider": "gitlab"}, "'github_app' or 'circleci'"),
        ({"name": " "}, "name must be a non-empty string"),
        ({"checkout_repo_id": ""}, "checkout_repo_id must be a non-empty string"),
        ({"config_file_path": ""}, "config_file_path must be a non-empty string"),
    ],
)
async def test_create_checks_the_sources_before_sending(
    cci: CircleCI, sent, kwargs: dict[str, str | None], rule: str
) -> None:
    arguments: dict[str, str | None] = {
        "name": "main",
        "config_file_path": "a.yml",
        "config_repo_id": "1",
        "checkout_repo_id": "1",
        **kwargs,
    }
    with pytest.raises(ValueError, match=rule):
        await cci.pipeline_definitions.create(PROJECT_ID, **arguments)  # type: ignore[arg-type]
    assert sent() == []


async def test_get_update_and_delete_address_one_definition(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    one = f"{DEFS}/{DEFINITION_ID}"
    mock_api.get(one, payload=DEFINITION)
    mock_api.patch(one, payload={**DEFINITION, "name": "renamed"})
    mock_api.delete(one, payload={"message": "Pipeline definition deleted."})

    fetched = await cci.pipeline_definitions.get(PROJECT_ID, DEFINITION_ID)
    updated = await cci.pipeline_definitions.update(
        PROJECT_ID, DEFINITION_ID, name="renamed", config_file_path="b.yml", checkout_repo_id="7"
    )
    deleted = await cci.pipeline_definitions.delete(PROJECT_ID, DEFINITION_ID)

    path = f"/api/v2/projects/{PROJECT_ID}/pipeline-definitions/{DEFINITION_ID}"
    assert [(r.method, r.url.path) for r in sent()] == [
        ("GET", path),
        ("PATCH", path),
        ("DELETE", path),
    ]
    assert sent()[1].json == {
        "name": "renamed",
        "config_source": {"file_path": "b.yml"},
        "checkout_source": {"provider": "github_app", "repo": {"external_id": "7"}},
    }
    assert fetched == TYPED
    assert updated.name == "renamed"
    assert deleted == PipelineDefinitionDeleted(message="Pipeline definition deleted.")


async def test_update_with_nothing_to_change_is_refused(cci: CircleCI, sent) -> None:
    with pytest.raises(ValueError, match="update needs name, config_file_path or checkout"):
        await cci.pipeline_definitions.update(PROJECT_ID, DEFINITION_ID)
    assert sent() == []
