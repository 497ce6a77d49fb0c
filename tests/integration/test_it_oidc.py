"""``cci.oidc`` against FakeCircleCI over TCP: claims set, read back and deleted per
organization and per project, compared with the fake's state; errors come back typed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from aiocircle import BadRequestError, CircleCI, PermissionDeniedError
from aiocircle.models import ClaimResponse
from aiocircle.testing import FakeCircleCI, Project
from aiocircle.testing._api_oidc import OidcState


@pytest.fixture
async def world() -> AsyncIterator[tuple[FakeCircleCI, CircleCI, Project, Project]]:
    async with FakeCircleCI() as fake, fake.client() as cci:
        mine = fake.state.add_project("gh/acme/widgets")
        theirs = fake.state.add_project("gh/other/gadgets")
        yield fake, cci, mine, theirs


async def test_org_claims_are_set_read_and_deleted(world) -> None:
    fake, cci, project, _ = world
    org = project.organization.id
    assert await cci.oidc.org_claims(org) == ClaimResponse(org_id=org)

    patched = await cci.oidc.update_org_claims(org, audience=["sts.amazonaws.com"], ttl="2h")
    stored = fake.state.part(OidcState).orgs[org]
    assert (stored.audience, stored.ttl) == (["sts.amazonaws.com"], "2h")
    assert patched.audience == ["sts.amazonaws.com"] and patched.ttl == "2h"
    assert patched.ttl_updated_at is not None and patched.ttl_updated_at.tzinfo is not None
    assert await cci.oidc.org_claims(org) == patched

    later = await cci.oidc.update_org_claims(org, ttl=timedelta(minutes=5))
    assert (later.audience, later.ttl) == (["sts.amazonaws.com"], "300s")
    assert later.audience_updated_at == patched.audience_updated_at
    assert later.ttl_updated_at is not None and patched.ttl_updated_at < later.ttl_updated_at

    after = await cci.oidc.delete_org_claims(org, ["ttl"])
    assert (after.audience, after.ttl, after.ttl_updated_at) == (["sts.amazonaws.com"], None, None)
    assert await cci.oidc.delete_org_claims(org, ["audience", "ttl"]) == ClaimResponse(org_id=org)
    assert fake.state.part(OidcState).orgs[org].audience is None


async def test_project_claims_are_kept_apart_from_the_orgs(world) -> None:
    fake, cci, project, _ = world
    org = project.organization.id
    await cci.oidc.update_org_claims(org, audience=["org-wide"])

    patched = await cci.oidc.update_project_claims(
        org, project.id, audience=["only-here"], ttl="1h"
    )
    assert patched.project_id == project.id and patched.org_id == org
    assert await cci.oidc.project_claims(org, project.id) == patched
    assert (await cci.oidc.org_claims(org)).audience == ["org-wide"]
    assert fake.state.part(OidcState).projects[org, project.id].audience == ["only-here"]

    cleared = await cci.oidc.delete_project_claims(org, project.id, ["audience"])
    assert (cleared.audience, cleared.ttl) == (None, "1h")
    assert (await cci.oidc.project_claims(org, project.id)).audience is None


async def test_other_orgs_and_their_projects_are_forbidden(world) -> None:
    _, cci, mine, theirs = world
    unknown = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(PermissionDeniedError, match="403 Forbidden"):
        await cci.oidc.org_claims(unknown)
    with pytest.raises(PermissionDeniedError, match="403 Forbidden"):
        await cci.oidc.project_claims(mine.organization.id, theirs.id)
    with pytest.raises(PermissionDeniedError, match="403 Forbidden"):
        await cci.oidc.update_project_claims(mine.organization.id, unknown, ttl="1h")


async def test_the_fake_refuses_what_the_client_would_have_checked(world) -> None:
    fake, _, project, _ = world
    # The client checks these itself; sent raw, the fake answers as the spec says.
    async with fake.client() as cci:
        path = f"/org/{project.organization.id}/oidc-custom-claims"
        with pytest.raises(BadRequestError, match="ttl: must be a duration"):
            await cci.request("PATCH", path, json={"ttl": "soon"})
        with pytest.raises(BadRequestError, match="claims: is required"):
            await cci.request("DELETE", path)
