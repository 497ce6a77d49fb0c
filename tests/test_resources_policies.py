"""``cci.policies``: each method's request (method, path, query, body) and typed result,
and the input checks that refuse a request before it is sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aioresponses import aioresponses
from bodies import BASE

from aiocircle import BadRequestError, CircleCI, NotFoundError
from aiocircle.models import (
    BundleDiff,
    Decision,
    DecisionLog,
    DecisionSettings,
    Policy,
    Violation,
)

OWNER = "5034460f-c7c4-4c43-9457-de07e2029e7b"
ROOT = f"{BASE}/owner/{OWNER}/context/config"
LOG = {
    "id": "7a0fa6c4-6a8a-4e0b-a8d8-2b9a1a0a2c11",
    "created_at": "2026-01-02T03:04:05.678Z",
    "decision": {"status": "HARD_FAIL", "hard_failures": [{"rule": "r", "reason": "no"}]},
    "metadata": {"build_number": 7, "vcs": {"branch": "main"}},
    "policies": {"r": "a" * 128},
    "time_taken_ms": 4,
}
POLICY = {"name": "r", "content": "package org", "created_at": "2026-01-02T03:04:05Z"}


async def test_decision_logs_page_by_offset_with_the_filters(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    after = datetime(2026, 1, 1, tzinfo=UTC)
    query = "after=2026-01-01T00%3A00%3A00%2B00%3A00&branch=main&build_number=7&status=PASS"
    mock_api.get(f"{ROOT}/decision?{query}", payload=[LOG, LOG])
    mock_api.get(f"{ROOT}/decision?{query}&offset=2", payload=[{**LOG, "id": "x"}])
    mock_api.get(f"{ROOT}/decision?{query}&offset=3", payload=[])

    logs = await cci.policies.decision_logs(
        OWNER, status="PASS", after=after, branch="main", build_number=7
    ).collect()

    first, second, third = sent()
    assert (first.method, first.url.raw_path) == (
        "GET",
        f"/api/v2/owner/{OWNER}/context/config/decision",
    )
    assert first.query == {
        "status": "PASS",
        "after": "2026-01-01T00:00:00+00:00",
        "branch": "main",
        "build_number": "7",
    }
    assert (second.query["offset"], third.query["offset"]) == ("2", "3")
    assert [log.id for log in logs] == [LOG["id"], LOG["id"], "x"]
    assert isinstance(logs[0], DecisionLog)
    assert logs[0].decision == Decision(
        status="HARD_FAIL", hard_failures=[Violation(rule="r", reason="no")]
    )
    assert logs[0].metadata is not None and logs[0].metadata.vcs is not None
    assert logs[0].metadata.vcs.branch == "main"
    assert logs[0].created_at == datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


async def test_decision_logs_send_the_project_and_before_filters(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    before = datetime(2026, 1, 1, 12, tzinfo=UTC)
    query = f"before=2026-01-01T12%3A00%3A00%2B00%3A00&project_id={OWNER}"
    mock_api.get(f"{ROOT}/decision?{query}", payload=[])

    assert await cci.policies.decision_logs(OWNER, before=before, project_id=OWNER).collect() == []

    assert sent.only().query == {"before": "2026-01-01T12:00:00+00:00", "project_id": OWNER}


@pytest.mark.parametrize(
    ("kwargs", "rule"),
    [
        ({"after": datetime(2026, 1, 1)}, "after must be a timezone-aware"),
        ({"before": datetime(2026, 1, 1)}, "before must be a timezone-aware"),
        (
            {"after": datetime(2026, 1, 2, tzinfo=UTC), "before": datetime(2026, 1, 1, tzinfo=UTC)},
            "after must be earlier than before",
        ),
        ({"build_number": -1}, "build_number must be a non-negative int"),
        ({"build_number": True}, "build_number must be a non-negative int"),
    ],
)
def test_decision_logs_refuse_bad_filters_before_sending(
    cci: CircleCI, sent, kwargs: dict[str, object], rule: str
) -> None:
    with pytest.raises(ValueError, match=rule):
        cci.policies.decision_logs(OWNER, **kwargs)  # type: ignore[arg-type]
    assert sent() == []


async def test_decide_posts_the_input_and_metadata(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(
        f"{ROOT}/decision",
        payload={"status": "SOFT_FAIL", "soft_failures": [{"rule": "w", "reason": "r"}]},
    )

    decision = await cci.policies.decide(OWNER, "version: 2.1\n", metadata={"build_number": 3})

    request = sent.only()
    assert (request.method, request.url.raw_path) == (
        "POST",
        f"/api/v2/owner/{OWNER}/context/config/decision",
    )
    assert request.json == {"input": "version: 2.1\n", "metadata": {"build_number": 3}}
    assert decision.status == "SOFT_FAIL"
    assert decision.soft_failures == [Violation(rule="w", reason="r")]
    assert decision.hard_failures is None


async def test_decide_refuses_an_input_that_is_not_text(cci: CircleCI, sent) -> None:
    with pytest.raises(ValueError, match="input must be the config as a string"):
        await cci.policies.decide(OWNER, {"version": 2.1})  # type: ignore[arg-type]
    assert sent() == []


async def test_decision_settings_get_and_set(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.get(f"{ROOT}/decision/settings", payload={"enabled": True})
    mock_api.patch(f"{ROOT}/decision/settings", payload={"enabled": False})

    assert await cci.policies.decision_settings(OWNER) == DecisionSettings(enabled=True)
    assert await cci.policies.set_decision_settings(OWNER, enabled=False) == DecisionSettings(
        enabled=False
    )

    got, patched = sent()
    assert (got.method, got.json) == ("GET", None)
    assert (patched.method, patched.url.raw_path, patched.json) == (
        "PATCH",
        f"/api/v2/owner/{OWNER}/context/config/decision/settings",
        {"enabled": False},
    )


async def test_set_decision_settings_wants_a_bool(cci: CircleCI, sent) -> None:
    with pytest.raises(ValueError, match="enabled must be a bool"):
        await cci.policies.set_decision_settings(OWNER, enabled="no")  # type: ignore[arg-type]
    assert sent() == []


async def test_decision_log_and_its_bundle_encode_the_decision_id(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(f"{ROOT}/decision/a%2Fb", payload=LOG)
    mock_api.get(f"{ROOT}/decision/a%2Fb/policy-bundle", payload={"r": [POLICY]})

    log = await cci.policies.decision_log(OWNER, "a/b")
    bundle = await cci.policies.decision_policy_bundle(OWNER, "a/b")

    first, second = sent()
    assert first.url.raw_path == f"/api/v2/owner/{OWNER}/context/config/decision/a%2Fb"
    assert second.url.raw_path.endswith("/decision/a%2Fb/policy-bundle")
    assert log.policies == {"r": "a" * 128}
    assert bundle == {
        "r": [
            Policy(
                name="r",
                content="package org",
                created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            )
        ]
    }


async def test_bundle_and_policy_document(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.get(f"{BASE}/owner/{OWNER}/context/other/policy-bundle", payload={})
    mock_api.get(f"{ROOT}/policy-bundle/my%20rule", payload=POLICY)

    assert await cci.policies.bundle(OWNER, context="other") == {}
    policy = await cci.policies.policy(OWNER, "my rule")

    first, second = sent()
    assert first.url.raw_path == f"/api/v2/owner/{OWNER}/context/other/policy-bundle"
    assert second.url.raw_path == f"/api/v2/owner/{OWNER}/context/config/policy-bundle/my%20rule"
    assert policy.name == "r" and policy.created_by is None
    assert "package org" not in repr(policy)


async def test_create_bundle_posts_the_files_and_dry_runs(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(f"{ROOT}/policy-bundle", payload={"created": ["a"]}, status=201)
    mock_api.post(f"{ROOT}/policy-bundle?dry=true", payload={"modified": ["a"]})

    created = await cci.policies.create_bundle(OWNER, {"a.rego": "package org"})
    dry = await cci.policies.create_bundle(OWNER, {"a.rego": "package org2"}, dry=True)

    first, second = sent()
    assert (first.method, first.query, first.json) == (
        "POST",
        {},
        {"policies": {"a.rego": "package org"}},
    )
    assert second.query == {"dry": "true"}
    assert created == BundleDiff(created=["a"])
    assert dry == BundleDiff(modified=["a"])


@pytest.mark.parametrize(
    ("policies", "rule"),
    [
        ("package org", "policies must map file names"),
        ({"": "x"}, "policy file names must be non-empty"),
        ({"a.rego": 1}, "content must be a string"),
        ({"a.rego": "x" * 2_700_000}, "CircleCI accepts at most 2621440"),
    ],
)
async def test_create_bundle_refuses_bad_bundles_before_sending(
    cci: CircleCI, sent, policies: object, rule: str
) -> None:
    with pytest.raises(ValueError, match=rule):
        await cci.policies.create_bundle(OWNER, policies)  # type: ignore[arg-type]
    assert sent() == []


@pytest.mark.parametrize(("owner", "what"), [("", "owner_id"), ("..", "owner_id")])
async def test_an_empty_or_dot_owner_is_refused(cci: CircleCI, sent, owner: str, what: str) -> None:
    with pytest.raises(ValueError, match=what):
        await cci.policies.bundle(owner)
    with pytest.raises(ValueError, match="context must not be empty"):
        await cci.policies.bundle(OWNER, context="")
    assert sent() == []


async def test_error_bodies_of_the_policy_service_become_typed_errors(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    mock_api.get(f"{ROOT}/policy-bundle/nope", status=404, payload={"error": "policy not found"})
    mock_api.get(f"{ROOT}/decision/settings", status=400, payload={"error": "context: bad"})

    with pytest.raises(NotFoundError, match="policy not found"):
        await cci.policies.policy(OWNER, "nope")
    with pytest.raises(BadRequestError, match="context: bad"):
        await cci.policies.decision_settings(OWNER)
