"""The real client against FakeCircleCI over TCP: the followed-projects pipeline list,
pipeline values, continuing a setup pipeline and `pipeline/run`."""

from __future__ import annotations

import pytest
from _it_helpers import PAGE_SIZE, seeded_fake, slugs

from aiocircle import BadRequestError, NotFoundError
from aiocircle.models import PipelineNotTriggered, PipelineRun, PipelineState
from aiocircle.testing import PipelineRuns


async def test_followed_lists_every_page_of_an_organizations_pipelines_newest_first() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        project = fake.state.project(slugs(fake)[0])
        org = project.organization
        followed = await cci.pipelines.followed(org.slug).collect()
        everything = await cci.pipelines.followed().collect()
        mine = await cci.pipelines.followed(org.slug, mine=True).collect()

    held = sorted(project.pipelines, key=lambda p: (p.created_at, p.number), reverse=True)
    assert [p.id for p in followed] == [p.id for p in held]
    assert len(followed) >= 3 * PAGE_SIZE  # three pages at least
    assert len(everything) == len(fake.state.pipelines)
    assert [p.id for p in mine] == [p.id for p in held if p.actor is fake.state.me]
    assert 0 < len(mine) < len(followed)
    assert fake.stats.count("GET /pipeline") >= 3 + 1 + 1


async def test_followed_of_an_unknown_organization_is_not_found() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        with pytest.raises(NotFoundError):
            await cci.pipelines.followed("gh/nobody").collect()


async def test_values_describe_the_pipeline() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        project = fake.state.project(slugs(fake)[0])
        on_branch = project.pipelines[0]
        on_tag = fake.state.add_pipeline(project, tag="v1.0.0")
        branch_values = await cci.pipelines.values(on_branch.id)
        tag_values = await cci.pipelines.values(on_tag.id)
        with pytest.raises(NotFoundError):
            await cci.pipelines.values("nope")

    assert branch_values["pipeline.id"] == on_branch.id
    assert branch_values["pipeline.number"] == on_branch.number
    assert branch_values["pipeline.git.branch"] == on_branch.branch
    assert branch_values["pipeline.git.revision"] == on_branch.revision
    assert "pipeline.git.tag" not in branch_values
    assert tag_values["pipeline.git.tag"] == "v1.0.0"
    assert "pipeline.git.branch" not in tag_values


async def test_continue_setup_runs_the_setup_pipelines_workflows_once() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        project = fake.state.project(slugs(fake)[0])
        pipeline, key = fake.state.part(PipelineRuns).add_setup(project)
        assert (pipeline.state, pipeline.workflows) == ("setup", [])

        answer = await cci.pipelines.continue_setup(key, "version: 2.1\n", parameters={"go": True})
        assert answer.message == "Pipeline continued."
        got = await cci.pipelines.get(pipeline.id)
        assert got.state == PipelineState.CREATED
        workflows = await cci.pipelines.workflows(pipeline.id).collect()
        assert [w.name for w in workflows] == [spec.name for spec in project.template]

        with pytest.raises(BadRequestError, match="already been continued"):
            await cci.pipelines.continue_setup(key, "version: 2.1\n")
        with pytest.raises(NotFoundError):
            await cci.pipelines.continue_setup("unknown-key", "version: 2.1\n")


async def test_run_creates_a_pipeline_unless_the_commit_says_ci_skip() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[0]
        project = fake.state.project(slug)
        fake.state.part(PipelineRuns).skip_branch(project, "docs")
        before = len(project.pipelines)

        created = await cci.pipelines.run(slug, config_branch="main", parameters={"deploy": True})
        tagged = await cci.pipelines.run(slug, checkout_tag="v2.0.0")
        skipped = await cci.pipelines.run(slug, checkout_branch="docs")

        assert isinstance(created, PipelineRun) and isinstance(tagged, PipelineRun)
        assert created.id is not None
        held = fake.state.pipelines[created.id]
        assert (created.number, held.branch, dict(held.parameters)) == (
            held.number,
            "main",
            {"deploy": True},
        )
        assert fake.state.pipelines[str(tagged.id)].tag == "v2.0.0"
        assert isinstance(skipped, PipelineNotTriggered)
        assert skipped.message == "Ignoring pipeline due to CI skip in the commit"
        assert len(project.pipelines) == before + 2
        assert (await cci.pipelines.get(created.id)).trigger.type == "api"

        with pytest.raises(NotFoundError):
            await cci.pipelines.run("gh/nobody/repo")
