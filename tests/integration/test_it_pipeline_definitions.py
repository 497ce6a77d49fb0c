"""``cci.pipeline_definitions`` and ``cci.triggers`` against FakeCircleCI over TCP: results
agree with the fake's state, and deletes are final."""

from __future__ import annotations

import pytest
from _it_helpers import seeded_fake

from aiocircle import BadRequestError, NotFoundError
from aiocircle.models import EventPreset
from aiocircle.testing._api_pipeline_definitions import PipelineDefinitions
from aiocircle.testing._api_triggers import Triggers


async def test_definitions_are_created_listed_fetched_updated_and_deleted() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        project = next(iter(fake.state.projects_by_id.values()))
        held = fake.state.part(PipelineDefinitions)
        main = await cci.pipeline_definitions.create(
            project.id,
            name="main",
            config_file_path=".circleci/config.yml",
            config_repo_id="1001",
            checkout_repo_id="1001",
        )
        docs = await cci.pipeline_definitions.create(
            project.id,
            name="docs",
            config_file_path="docs.yml",
            checkout_repo_id="1002",
            config_provider="circleci",
        )
        assert main.config_source is not None and main.config_source.repo is not None
        assert main.config_source.repo.external_id == "1001"
        assert docs.config_source is not None and docs.config_source.repo is None
        assert [d.id for d in await cci.pipeline_definitions.list(project.id)] == list(held.by_id)

        updated = await cci.pipeline_definitions.update(
            project.id, docs.id, name="handbook", config_file_path="handbook.yml"
        )
        assert (updated.name, held.by_id[docs.id].config_file_path) == (
            "handbook",
            "handbook.yml",
        )
        assert await cci.pipeline_definitions.get(project.id, docs.id) == updated

        assert (await cci.pipeline_definitions.delete(project.id, main.id)).message
        with pytest.raises(NotFoundError):
            await cci.pipeline_definitions.get(project.id, main.id)
        assert [d.id for d in await cci.pipeline_definitions.list(project.id)] == [docs.id]
        with pytest.raises(NotFoundError):
            await cci.pipeline_definitions.list("no-such-project")


async def test_triggers_are_created_listed_fetched_updated_and_deleted() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        project = next(iter(fake.state.projects_by_id.values()))
        definition = fake.state.part(PipelineDefinitions).add(project, "main")
        pushes = await cci.triggers.create(
            project.id,
            definition.id,
            provider="github_app",
            repo_id="1001",
            event_preset="all-pushes",
        )
        hook = await cci.triggers.create(
            project.id, definition.id, provider="webhook", webhook_sender="deploy-bot"
        )
        held = fake.state.part(Triggers).of_definition(definition)
        assert [t.id for t in await cci.triggers.list(project.id, definition.id)] == [
            t.id for t in held
        ]
        assert pushes.event_preset is EventPreset.ALL_PUSHES
        assert hook.event_source is not None and hook.event_source.webhook is not None
        assert hook.event_source.webhook.sender == "deploy-bot"
        with pytest.raises(BadRequestError):
            await cci.triggers.create(project.id, definition.id, provider="github_app")

        updated = await cci.triggers.update(
            project.id, pushes.id, event_preset=EventPreset.ONLY_TAGS, disabled=True
        )
        assert (updated.event_preset, updated.disabled) == (EventPreset.ONLY_TAGS, True)
        assert await cci.triggers.get(project.id, pushes.id) == updated

        assert (await cci.triggers.delete(project.id, pushes.id)).message
        with pytest.raises(NotFoundError):
            await cci.triggers.get(project.id, pushes.id)
        assert [t.id for t in await cci.triggers.list(project.id, definition.id)] == [hook.id]

        await cci.pipeline_definitions.delete(project.id, definition.id)
        with pytest.raises(NotFoundError):
            await cci.triggers.get(project.id, hook.id)
