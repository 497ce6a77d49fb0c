"""``cci.organizations`` against FakeCircleCI over TCP: results agree with the fake's state."""

from __future__ import annotations

import pytest
from _it_helpers import seeded_fake

from aiocircle import BadRequestError, ConflictError, NotFoundError
from aiocircle.models import UrlOrbAuth, VcsType
from aiocircle.testing._api_organizations import Organizations


async def test_an_organization_is_created_fetched_by_id_and_slug_then_deleted() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        created = await cci.organizations.create("Acme Labs", VcsType.BITBUCKET)
        held = fake.state.part(Organizations).by_id[created.id]
        assert (created.name, created.slug, created.vcs_type) == (
            held.name,
            "bb/Acme Labs",
            VcsType.BITBUCKET,
        )
        assert await cci.organizations.get(created.id) == created.raw
        assert (await cci.organizations.get("bitbucket/acme labs"))["id"] == created.id
        with pytest.raises(BadRequestError):
            await cci.organizations.create("Acme Labs", "github")

        deleted = await cci.organizations.delete(created.slug)
        assert deleted.message
        assert created.id not in fake.state.part(Organizations).by_id
        with pytest.raises(NotFoundError):
            await cci.organizations.get(created.id)


async def test_a_seeded_projects_organization_is_found_by_its_slug() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        shared = next(iter(fake.state.organizations.values()))
        found = await cci.organizations.get(shared.slug)
        assert (found["id"], found["name"]) == (shared.id, shared.name)


async def test_url_orb_allow_list_entries_are_added_listed_and_removed() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        org = fake.state.part(Organizations).add("orb-users")
        added = [
            await cci.organizations.allow_url_orbs(
                org.slug, name=f"entry {auth}", prefix=f"https://orbs.example/{auth}/", auth=auth
            )
            for auth in ("github-app", "none", "bitbucket-oauth")
        ]
        entries = await cci.organizations.url_orb_allow_list(org.id)
        assert [e.id for e in entries] == [a.id for a in added] == list(org.allow_list)
        assert [e.auth for e in entries] == [
            UrlOrbAuth.GITHUB_APP,
            UrlOrbAuth.NONE,
            UrlOrbAuth.BITBUCKET_OAUTH,
        ]

        removed = await cci.organizations.remove_url_orb_allow_list_entry(org.id, added[1].id)
        assert removed.id == added[1].id
        assert [e.id for e in await cci.organizations.url_orb_allow_list(org.id)] == [
            added[0].id,
            added[2].id,
        ]
        with pytest.raises(NotFoundError):
            await cci.organizations.remove_url_orb_allow_list_entry(org.id, added[1].id)


async def test_groups_are_created_listed_over_pages_by_limit_fetched_and_deleted() -> None:
    async with seeded_fake(page_size=50) as fake, fake.client() as cci:
        org = fake.state.part(Organizations).add("grouped")
        made = [await cci.organizations.create_group(org.id, f"team-{i}") for i in range(7)]
        assert [g.id for g in made] == list(org.groups)

        listed = await cci.organizations.groups(org.id, limit=3).collect()
        assert [(g.id, g.name) for g in listed] == list(org.groups.items())
        # limit=3 over 7 groups: three pages, each asked for with limit
        assert fake.stats.count("GET /organizations/{org_id}/groups") == 3

        assert await cci.organizations.group(org.id, made[2].id) == made[2]
        with pytest.raises(ConflictError, match="already exists"):
            await cci.organizations.create_group(org.id, "team-0")

        deleted = await cci.organizations.delete_group(org.id, made[2].id)
        assert deleted.message == "Group deleted."
        assert made[2].id not in org.groups
        with pytest.raises(NotFoundError):
            await cci.organizations.group(org.id, made[2].id)
