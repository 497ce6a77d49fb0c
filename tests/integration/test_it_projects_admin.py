"""The real client against FakeCircleCI over TCP: creating, deleting and configuring
projects (`cci.projects.create`, `delete`, `create_by_slug`, `settings`, `update_settings`)."""

from __future__ import annotations

import pytest
from _it_helpers import seeded_fake, slugs

from aiocircle import APIError, BadRequestError, ConflictError, NotFoundError
from aiocircle.testing import ProjectSettingsStore


async def test_a_created_project_can_be_fetched_and_deleted_by_slug_and_by_org_id() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        gh, _, standalone = (fake.state.project(s) for s in slugs(fake))
        by_slug = await cci.projects.create(gh.organization.slug, "new-service")
        by_id = await cci.projects.create(standalone.organization.id, "standalone-service")

        assert by_slug.slug == f"{gh.organization.slug}/new-service"
        assert by_slug.organization_id == gh.organization.id
        assert (await cci.projects.get(by_slug.slug)) == by_slug
        assert by_id.slug.startswith(f"circleci/{standalone.organization.id}/")
        assert by_id.name == "standalone-service"
        assert fake.state.projects_by_id[by_id.id].name == "standalone-service"

        with pytest.raises(ConflictError):
            await cci.projects.create(gh.organization.id, "new-service")
        with pytest.raises(NotFoundError, match="Organization not found"):
            await cci.projects.create("gh/nobody", "x")

        deleted = await cci.projects.delete(by_slug.slug)
        assert deleted.message == "Project deleted."
        with pytest.raises(NotFoundError):
            await cci.projects.get(by_slug.slug)
        with pytest.raises(NotFoundError):
            await cci.projects.delete(by_slug.slug)


async def test_deleting_a_project_takes_its_pipelines_with_it() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[0]
        pipeline = fake.state.project(slug).pipelines[0]
        await cci.projects.delete(slug)
        with pytest.raises(NotFoundError):
            await cci.pipelines.get(pipeline.id)
        assert slug not in [p.slug for p in fake.state.projects.values()]


async def test_create_by_slug_follows_a_repository_and_answers_its_settings() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        gh_slug, _, standalone = slugs(fake)
        org = gh_slug.split("/")[1]
        settings = await cci.projects.create_by_slug(f"gh/{org}/brand-new")
        assert settings.advanced is not None
        assert settings.advanced.set_github_status is True
        assert settings.advanced.pr_only_branch_overrides is None  # none set: left out
        assert (await cci.projects.get(f"gh/{org}/brand-new")).name == "brand-new"

        with pytest.raises(APIError) as refused:
            await cci.projects.create_by_slug(standalone)
        assert refused.value.status == 405
        with pytest.raises(NotFoundError):
            await cci.projects.create_by_slug("gh/nobody/repo")


async def test_settings_changes_are_kept_and_read_back() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[0]
        before = await cci.projects.settings(slug)
        assert before.advanced is not None and before.advanced.build_prs_only is False

        after = await cci.projects.update_settings(
            slug, build_prs_only=True, pr_only_branch_overrides=["main", "release"], oss=True
        )
        again = await cci.projects.settings(slug)

        assert after == again
        assert again.advanced is not None
        assert again.advanced.build_prs_only is True
        assert again.advanced.pr_only_branch_overrides == ["main", "release"]
        # The project is private: CircleCI answers 200 but leaves oss off.
        assert again.advanced.oss is False
        held = fake.state.part(ProjectSettingsStore).of(fake.state.project(slug))
        assert held.flags["build_prs_only"] is True

        with pytest.raises(NotFoundError):
            await cci.projects.settings("gh/nobody/repo")


async def test_the_fake_refuses_settings_the_client_would_not_send() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[0]
        with pytest.raises(BadRequestError, match="Unknown advanced setting"):
            await cci.request("PATCH", f"/project/{slug}/settings", json={"advanced": {"x": True}})
