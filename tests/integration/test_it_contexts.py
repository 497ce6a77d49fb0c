"""``cci.contexts`` against FakeCircleCI over TCP: contexts, variables and restrictions made,
listed over several pages and deleted, compared with the fake's own state."""

from __future__ import annotations

import pytest
from _it_helpers import PAGE_SIZE, seeded_fake

from aiocircle import ConflictError, NotFoundError
from aiocircle.models import ContextEnvVar, MessageResponse, RestrictionType
from aiocircle.testing._api_contexts import ContextsState

MISSING = "5034460f-c7c4-4c43-9457-de07e2029e7b"


async def test_a_context_is_created_listed_fetched_and_deleted() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        organization = next(iter(fake.state.projects.values())).organization
        contexts = fake.state.part(ContextsState)
        for n in range(5):
            contexts.add_context(f"seeded-{n}", organization.id)

        created = await cci.contexts.create("deploy", owner_slug=organization.slug)
        assert contexts.contexts[created.id].name == "deploy"

        by_slug = await cci.contexts.list(owner_slug=organization.slug).collect()
        by_id = await cci.contexts.list(owner_id=organization.id).collect()
        assert [c.id for c in by_slug] == [c.id for c in by_id] == list(contexts.contexts)
        assert len(by_slug) == 6 > 2 * PAGE_SIZE  # three pages
        assert fake.stats.count("GET /context") == 6

        assert await cci.contexts.get(created.id) == created
        assert await cci.contexts.delete(created.id) == MessageResponse(message="Context deleted.")
        assert created.id not in contexts.contexts
        with pytest.raises(NotFoundError, match="Context not found"):
            await cci.contexts.get(created.id)
        with pytest.raises(NotFoundError):
            await cci.contexts.list(owner_slug="gh/nobody").collect()


async def test_env_vars_are_added_listed_without_values_replaced_and_removed() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        contexts = fake.state.part(ContextsState)
        organization = next(iter(fake.state.projects.values())).organization
        context = await cci.contexts.create("release", owner_id=organization.id)
        names = [f"VAR_{n}" for n in range(5)]

        for name in names:
            added = await cci.contexts.set_env_var(context.id, name, f"value-of-{name}")
            assert isinstance(added, ContextEnvVar)
            assert (added.variable, added.context_id) == (name, context.id)
        replaced = await cci.contexts.set_env_var(context.id, "VAR_0", "rotated")
        assert isinstance(replaced, MessageResponse)
        stored = contexts.contexts[context.id].variables
        assert stored["VAR_0"].value == "rotated"

        listed = await cci.contexts.env_vars(context.id).collect()
        assert [v.variable for v in listed] == names
        assert listed[0].updated_at > listed[0].created_at
        assert "rotated" not in repr(listed) and not any("value" in v.raw for v in listed)
        route = "GET /context/{context_id}/environment-variable"
        assert fake.stats.count(route) == 3

        deleted = await cci.contexts.delete_env_var(context.id, "VAR_0")
        assert deleted.message == "Environment variable deleted."
        assert "VAR_0" not in stored
        with pytest.raises(NotFoundError, match="Environment variable not found"):
            await cci.contexts.delete_env_var(context.id, "VAR_0")
        with pytest.raises(NotFoundError):
            await cci.contexts.set_env_var(MISSING, "A", "b")


async def test_restrictions_are_created_listed_and_deleted() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        projects = list(fake.state.projects.values())
        organization = projects[0].organization
        context = await cci.contexts.create("prod", owner_id=organization.id)

        made = [
            await cci.contexts.create_restriction(context.id, "project", project.id)
            for project in projects
        ]
        made.append(await cci.contexts.create_restriction(context.id, "expression", "true"))
        made.append(await cci.contexts.create_restriction(context.id, "group", MISSING))
        assert made[0].name == projects[0].name and made[0].project_id == projects[0].id
        assert made[3].name is None and made[3].project_id is None

        listed = await cci.contexts.restrictions(context.id).collect()
        assert [r.id for r in listed] == [r.id for r in made]
        assert {r.context_id for r in listed} == {context.id}
        assert [r.restriction_type for r in listed] == [RestrictionType.PROJECT] * 3 + [
            RestrictionType.EXPRESSION,
            RestrictionType.GROUP,
        ]
        assert fake.stats.count("GET /context/{context_id}/restrictions") == 3

        with pytest.raises(ConflictError):  # the same rule twice
            await cci.contexts.create_restriction(context.id, "expression", "true")

        assert made[3].id is not None
        await cci.contexts.delete_restriction(context.id, made[3].id)
        stored = fake.state.part(ContextsState).contexts[context.id].restrictions
        assert made[3].id not in stored
        with pytest.raises(NotFoundError):
            await cci.contexts.delete_restriction(context.id, made[3].id)
