"""``cci.policies`` against FakeCircleCI over TCP: a pushed bundle is what the bundle and
document reads return, decisions are logged and page by offset, settings round-trip, and
errors come back typed. Results are compared with the fake's own state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from aiocircle import BadRequestError, CircleCI, NotFoundError, PermissionDeniedError
from aiocircle.models import BundleDiff, DecisionSettings, Violation
from aiocircle.testing import FakeCircleCI
from aiocircle.testing._api_policies import PoliciesState

FORBID_LATEST = 'policy_name := "no_latest"\n# forbid: :latest\n'
WARN_ROOT = "package org\n# warn: user: root\n"


@pytest.fixture
async def world() -> AsyncIterator[tuple[FakeCircleCI, CircleCI, str]]:
    async with FakeCircleCI(page_size=2) as fake, fake.client() as cci:
        project = fake.state.add_project("gh/acme/widgets")
        yield fake, cci, project.organization.id


async def test_a_pushed_bundle_is_what_bundle_and_policy_return(world) -> None:
    fake, cci, owner = world

    dry = await cci.policies.create_bundle(owner, {"latest.rego": FORBID_LATEST}, dry=True)
    assert dry == BundleDiff(created=["no_latest"], deleted=[], modified=[])
    assert await cci.policies.bundle(owner) == {}

    created = await cci.policies.create_bundle(
        owner, {"latest.rego": FORBID_LATEST, "policies/root.rego": WARN_ROOT}
    )
    assert created == BundleDiff(created=["no_latest", "root"], deleted=[], modified=[])

    bundle = await cci.policies.bundle(owner)
    stored = fake.state.part(PoliciesState).owner(owner).bundle
    assert sorted(bundle) == sorted(stored) == ["no_latest", "root"]
    (latest,) = bundle["no_latest"]
    assert latest.content == FORBID_LATEST
    assert latest.created_by == fake.state.me.id
    assert latest.created_at is not None and latest.created_at.tzinfo is not None
    assert await cci.policies.policy(owner, "root") == bundle["root"][0]

    changed = await cci.policies.create_bundle(owner, {"latest.rego": FORBID_LATEST + "#\n"})
    assert changed == BundleDiff(created=[], deleted=["root"], modified=["no_latest"])
    with pytest.raises(NotFoundError, match="policy not found"):
        await cci.policies.policy(owner, "root")


async def test_decisions_are_logged_and_page_by_offset(world) -> None:
    fake, cci, owner = world
    await cci.policies.create_bundle(owner, {"a.rego": FORBID_LATEST, "b.rego": WARN_ROOT})
    configs = ["image: x:latest", "user: root", "image: x:1.0", "image: y:latest", "ok"]
    decisions = [
        await cci.policies.decide(
            owner, text, metadata={"build_number": n, "vcs": {"branch": "main" if n % 2 else "dev"}}
        )
        for n, text in enumerate(configs)
    ]
    assert [d.status for d in decisions] == ["HARD_FAIL", "SOFT_FAIL", "PASS", "HARD_FAIL", "PASS"]
    assert decisions[0].hard_failures == [
        Violation(rule="no_latest", reason="':latest' is not allowed")
    ]
    assert decisions[0].enabled_rules == ["b", "no_latest"]

    paginator = cci.policies.decision_logs(owner)
    pages = [page async for page in paginator.pages()]
    # 5 logs at 2 a page: offsets 0, 2, 4, then an empty page at 5 ends the list.
    assert [len(page.items) for page in pages] == [2, 2, 1, 0]
    assert [page.next_offset for page in pages] == [2, 4, 5, None]
    assert fake.stats.count("GET /owner/{ownerID}/context/{context}/decision") == 4
    logs = [log for page in pages for log in page.items]
    records = fake.state.part(PoliciesState).owner(owner).decisions
    assert [log.id for log in logs] == [r.id for r in reversed(records)]
    assert [log.decision.status for log in logs if log.decision] == [
        d.status for d in reversed(decisions)
    ]

    failed = await cci.policies.decision_logs(owner, status="HARD_FAIL").collect()
    assert [log.id for log in failed] == [records[3].id, records[0].id]
    on_main = await cci.policies.decision_logs(owner, branch="main").collect()
    assert [log.metadata.build_number for log in on_main if log.metadata] == [3, 1]
    built = await cci.policies.decision_logs(owner, build_number=2).collect()
    assert [log.id for log in built] == [records[2].id]
    window = await cci.policies.decision_logs(
        owner,
        after=records[0].created_at,
        before=records[4].created_at,
    ).collect()
    assert [log.id for log in window] == [r.id for r in reversed(records[1:4])]
    assert (
        await cci.policies.decision_logs(
            owner, before=records[0].created_at - timedelta(seconds=1)
        ).collect()
        == []
    )


async def test_a_decision_log_keeps_the_bundle_it_was_made_with(world) -> None:
    fake, cci, owner = world
    await cci.policies.create_bundle(owner, {"a.rego": FORBID_LATEST})
    await cci.policies.decide(owner, "image: x:latest")
    await cci.policies.create_bundle(owner, {"b.rego": WARN_ROOT})
    (record,) = fake.state.part(PoliciesState).owner(owner).decisions

    log = await cci.policies.decision_log(owner, record.id)
    then = await cci.policies.decision_policy_bundle(owner, record.id)

    assert log.id == record.id and log.decision is not None
    assert log.decision.status == "HARD_FAIL"
    assert log.policies is not None and list(log.policies) == ["no_latest"]
    assert len(log.policies["no_latest"]) == 128
    assert sorted(then) == ["no_latest"]
    assert sorted(await cci.policies.bundle(owner)) == ["b"]
    with pytest.raises(NotFoundError, match="decision log not found"):
        await cci.policies.decision_log(owner, "no-such-decision")
    with pytest.raises(NotFoundError, match="decision log not found"):
        await cci.policies.decision_policy_bundle(owner, "no-such-decision")


async def test_settings_round_trip_and_a_disabled_owner_passes_everything(world) -> None:
    fake, cci, owner = world
    await cci.policies.create_bundle(owner, {"a.rego": FORBID_LATEST})
    assert await cci.policies.decision_settings(owner) == DecisionSettings(enabled=True)

    assert await cci.policies.set_decision_settings(owner, enabled=False) == DecisionSettings(
        enabled=False
    )
    assert await cci.policies.decision_settings(owner) == DecisionSettings(enabled=False)
    assert fake.state.part(PoliciesState).owner(owner).enabled is False
    assert (await cci.policies.decide(owner, "image: x:latest")).status == "PASS"

    await cci.policies.set_decision_settings(owner, enabled=True)
    assert (await cci.policies.decide(owner, "image: x:latest")).status == "HARD_FAIL"


async def test_unknown_owners_and_contexts_are_refused(world) -> None:
    _, cci, owner = world
    with pytest.raises(PermissionDeniedError, match="Forbidden"):
        await cci.policies.bundle("someone-else")
    with pytest.raises(BadRequestError, match="context: must be a valid value"):
        await cci.policies.decision_settings(owner, context="deploy")
    with pytest.raises(BadRequestError, match=r"metadata\.project_id: must be a valid UUID"):
        await cci.policies.decide(owner, "x", metadata={"project_id": "not-a-uuid"})
