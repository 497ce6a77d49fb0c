"""The real client against FakeCircleCI over TCP: `cci.deploys` and `cci.rollbacks`, over
data seeded through the fake's `Deployments`."""

from __future__ import annotations

import pytest
from _it_helpers import seeded_fake, slugs

from aiocircle import BadRequestError, ConflictError, NotFoundError
from aiocircle.testing import Deployments, FakeCircleCI

MISSING = "00000000-0000-4000-8000-000000000000"


def seed(fake: FakeCircleCI) -> Deployments:
    """Seven environments and three components (one with six versions) in the first
    project's organization; every other one without its optional fields."""
    deployments = fake.state.part(Deployments)
    project = fake.state.project(slugs(fake)[0])
    org = project.organization
    environments = [
        deployments.add_environment(
            org,
            f"env-{i}",
            description=f"environment {i}" if i % 2 else None,
            labels={"tier": str(i)} if i % 2 == 0 else None,
        )
        for i in range(7)
    ]
    job = next(iter(project.jobs.values()))
    api = deployments.add_component(project, "api", labels={"team": "core"})
    for i in range(5):
        deployments.deploy(api, environments[0], f"1.{i}.0", job=job if i % 2 else None)
    deployments.deploy(api, environments[1], "1.4.0", namespace="blue")
    deployments.add_component(project, "web")
    deployments.add_component(project, "worker", labels={"team": "jobs"})
    other = fake.state.project(slugs(fake)[1])
    deployments.add_component(other, "elsewhere")
    deployments.add_environment(other.organization, "other-production")
    return deployments


async def test_environments_list_in_sized_pages_and_each_reads_back() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        deployments = seed(fake)
        org = fake.state.project(slugs(fake)[0]).organization
        listed = await cci.deploys.environments(org.id, page_size=2).collect()
        one = await cci.deploys.environment(listed[3].id or "")

    held = [e for e in deployments.environments.values() if e.organization is org]
    assert [e.id for e in listed] == [e.id for e in held]
    assert fake.stats.count("GET /deploy/environments") == 4  # 7 environments, 2 a page
    assert [e.description for e in listed[:2]] == [None, "environment 1"]
    assert listed[0].labels is not None and listed[0].labels[0].value == "0"
    assert listed[1].labels is None
    assert one == listed[3]


async def test_components_filter_by_project_and_count_their_releases() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        seed(fake)
        project = fake.state.project(slugs(fake)[0])
        org_wide = await cci.deploys.components(project.organization.id, page_size=1).collect()
        of_project = await cci.deploys.components(
            project.organization.id, project_id=project.id
        ).collect()
        api = await cci.deploys.component(org_wide[0].id or "")

    assert [c.name for c in org_wide] == ["api", "web", "worker"]
    assert fake.stats.count("GET /deploy/components") == 3 + 1  # one a page, then one page
    assert of_project == org_wide
    assert (api.release_count, api.project_id) == (6, project.id)
    assert api.labels is not None and [(lb.key, lb.value) for lb in api.labels] == [
        ("team", "core")
    ]


async def test_component_versions_page_newest_first_and_filter_by_environment() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        deployments = seed(fake)
        api = next(c for c in deployments.components.values() if c.name == "api")
        production = next(e for e in deployments.environments.values() if e.name == "env-0")
        every = await cci.deploys.component_versions(api.id).collect()
        in_production = await cci.deploys.component_versions(
            api.id, environment_id=production.id
        ).collect()

    assert [v.name for v in every] == ["1.4.0", "1.4.0", "1.3.0", "1.2.0", "1.1.0", "1.0.0"]
    assert fake.stats.count("GET /deploy/components/{component_id}/versions") == 3 + 3
    assert [(v.name, v.is_live) for v in in_production][:2] == [("1.4.0", True), ("1.3.0", False)]
    assert every[0].namespace == "blue" and every[1].namespace is None
    deployed_by_job = [v for v in in_production if v.job_id is not None]
    assert [v.name for v in deployed_by_job] == ["1.3.0", "1.1.0"]
    assert deployed_by_job[0].job_number is not None


async def test_unknown_ids_are_not_found_and_missing_page_size_is_refused_by_the_fake() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        seed(fake)
        with pytest.raises(NotFoundError):
            await cci.deploys.environment(MISSING)
        with pytest.raises(NotFoundError):
            await cci.deploys.component("nope")
        with pytest.raises(NotFoundError):
            await cci.deploys.environments(MISSING).collect()
        org_id = fake.state.project(slugs(fake)[0]).organization.id
        with pytest.raises(BadRequestError, match="page-size"):
            await cci.request("GET", "/deploy/environments", params={"org-id": org_id})


async def test_a_rollback_makes_the_target_live_and_cannot_be_sent_twice() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        deployments = seed(fake)
        project = fake.state.project(slugs(fake)[0])
        versions = {
            "environment_name": "env-0",
            "component_name": "api",
            "current_version": "1.4.0",
            "target_version": "1.2.0",
        }
        rollback = await cci.rollbacks.rollback_project(project.id, **versions, reason="errors")
        live = await cci.deploys.component_versions(
            next(c.id for c in deployments.components.values() if c.name == "api"),
            environment_id=next(
                e.id for e in deployments.environments.values() if e.name == "env-0"
            ),
        ).collect()

        assert rollback.rollback_type == "PIPELINE"
        assert rollback.id is not None
        assert (await cci.pipelines.get(rollback.id)).project_slug == project.slug
        assert [v.name for v in live if v.is_live] == ["1.2.0"]

        with pytest.raises(ConflictError):
            await cci.rollbacks.rollback_project(project.id, **versions)
        with pytest.raises(NotFoundError, match="Target version"):
            await cci.rollbacks.rollback_project(
                project.id, **{**versions, "current_version": "1.2.0", "target_version": "9.9.9"}
            )
        with pytest.raises(NotFoundError, match="Project"):
            await cci.rollbacks.rollback_project(MISSING, **versions)
