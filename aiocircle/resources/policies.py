"""``cci.policies``: config policy bundles, decisions, their audit logs and settings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .._operations import operation
from .._pagination import OffsetPages, Paginator
from .._slug import encode_segment
from ..models import BundleDiff, Decision, DecisionLog, DecisionSettings, Policy, PolicyBundle
from ._base import Resource

#: CircleCI refuses bundles over about 2.5 MiB (413); checked before sending.
MAX_BUNDLE_BYTES = 2_621_440
_DECISION_LOGS = OffsetPages()


class Policies(Resource):
    """Policies of an owner (an organization id) in a policy context (``"config"``, the
    one CircleCI evaluates pipelines' configs in)."""

    @operation(
        "GetDecisionLogs", "GET", "/owner/{ownerID}/context/{context}/decision", paginated=True
    )
    def decision_logs(
        self,
        owner_id: str,
        *,
        context: str = "config",
        status: str | None = None,
        after: datetime | None = None,
        before: datetime | None = None,
        branch: str | None = None,
        project_id: str | None = None,
        build_number: int | None = None,
    ) -> Paginator[DecisionLog]:
        """The owner's decision audit logs, filtered, newest first; paged by offset.
        ``GET /owner/{ownerID}/context/{context}/decision``"""
        for name, when in (("after", after), ("before", before)):
            if when is not None and when.tzinfo is None:
                raise ValueError(f"{name} must be a timezone-aware datetime")
        if after is not None and before is not None and after >= before:
            raise ValueError("after must be earlier than before")
        if build_number is not None and (
            isinstance(build_number, bool) or not isinstance(build_number, int) or build_number < 0
        ):
            raise ValueError(f"build_number must be a non-negative int, not {build_number!r}")
        params = {
            "status": status,
            "after": after.isoformat() if after else None,
            "before": before.isoformat() if before else None,
            "branch": branch,
            "project_id": project_id,
            "build_number": build_number,
        }
        path = f"{_base(owner_id, context)}/decision"
        return self._core.paginate(DecisionLog, path, params=params, style=_DECISION_LOGS)

    @operation("MakeDecision", "POST", "/owner/{ownerID}/context/{context}/decision")
    async def decide(
        self,
        owner_id: str,
        input: str,
        *,
        metadata: Mapping[str, Any] | None = None,
        context: str = "config",
    ) -> Decision:
        """Evaluate ``input`` (a config, as YAML or JSON text) and ``metadata`` against the
        owner's policies. ``POST /owner/{ownerID}/context/{context}/decision``"""
        if not isinstance(input, str):
            raise ValueError(f"input must be the config as a string, not {type(input).__name__}")
        body: dict[str, Any] = {"input": input}
        if metadata is not None:
            body["metadata"] = dict(metadata)
        path = f"{_base(owner_id, context)}/decision"
        return await self._core.model(Decision, "POST", path, json=body)

    @operation("GetDecisionSettings", "GET", "/owner/{ownerID}/context/{context}/decision/settings")
    async def decision_settings(
        self, owner_id: str, *, context: str = "config"
    ) -> DecisionSettings:
        """Whether policy evaluation is enabled.
        ``GET /owner/{ownerID}/context/{context}/decision/settings``"""
        path = f"{_base(owner_id, context)}/decision/settings"
        return await self._core.model(DecisionSettings, "GET", path)

    @operation(
        "SetDecisionSettings",
        "PATCH",
        "/owner/{ownerID}/context/{context}/decision/settings",
        idempotent=True,
    )
    async def set_decision_settings(
        self, owner_id: str, *, enabled: bool, context: str = "config"
    ) -> DecisionSettings:
        """Turn policy evaluation on or off (setting a value twice is the same as once).
        ``PATCH /owner/{ownerID}/context/{context}/decision/settings``"""
        if not isinstance(enabled, bool):
            raise ValueError(f"enabled must be a bool, not {enabled!r}")
        path = f"{_base(owner_id, context)}/decision/settings"
        return await self._core.model(DecisionSettings, "PATCH", path, json={"enabled": enabled})

    @operation("GetDecisionLog", "GET", "/owner/{ownerID}/context/{context}/decision/{decisionID}")
    async def decision_log(
        self, owner_id: str, decision_id: str, *, context: str = "config"
    ) -> DecisionLog:
        """One decision audit log.
        ``GET /owner/{ownerID}/context/{context}/decision/{decisionID}``"""
        return await self._core.model(DecisionLog, "GET", _decision(owner_id, context, decision_id))

    @operation(
        "GetDecisionLogPolicyBundle",
        "GET",
        "/owner/{ownerID}/context/{context}/decision/{decisionID}/policy-bundle",
    )
    async def decision_policy_bundle(
        self, owner_id: str, decision_id: str, *, context: str = "config"
    ) -> PolicyBundle:
        """The bundle a decision was made with, by policy name.
        ``GET /owner/{ownerID}/context/{context}/decision/{decisionID}/policy-bundle``"""
        path = f"{_decision(owner_id, context, decision_id)}/policy-bundle"
        return await self._core.model(PolicyBundle, "GET", path)

    @operation("GetPolicyBundle", "GET", "/owner/{ownerID}/context/{context}/policy-bundle")
    async def bundle(self, owner_id: str, *, context: str = "config") -> PolicyBundle:
        """The owner's current policy bundle, by policy name.
        ``GET /owner/{ownerID}/context/{context}/policy-bundle``"""
        path = f"{_base(owner_id, context)}/policy-bundle"
        return await self._core.model(PolicyBundle, "GET", path)

    @operation("CreatePolicyBundle", "POST", "/owner/{ownerID}/context/{context}/policy-bundle")
    async def create_bundle(
        self,
        owner_id: str,
        policies: Mapping[str, str],
        *,
        dry: bool = False,
        context: str = "config",
    ) -> BundleDiff:
        """Replace the bundle with ``policies`` (file name to Rego source); ``dry=True`` only
        reports what would change. ``POST /owner/{ownerID}/context/{context}/policy-bundle``"""
        if isinstance(policies, str) or not isinstance(policies, Mapping):
            raise ValueError("policies must map file names to Rego source text")
        for name, content in policies.items():
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"policy file names must be non-empty strings, not {name!r}")
            if not isinstance(content, str):
                raise ValueError(f"policy {name!r}: content must be a string")
        body = {"policies": dict(policies)}
        size = len(json.dumps(body).encode())
        if size > MAX_BUNDLE_BYTES:
            raise ValueError(
                f"policy bundle is {size} bytes; CircleCI accepts at most {MAX_BUNDLE_BYTES}"
            )
        path = f"{_base(owner_id, context)}/policy-bundle"
        params = {"dry": True} if dry else None
        return await self._core.model(BundleDiff, "POST", path, params=params, json=body)

    @operation(
        "GetPolicyDocument", "GET", "/owner/{ownerID}/context/{context}/policy-bundle/{policyName}"
    )
    async def policy(self, owner_id: str, policy_name: str, *, context: str = "config") -> Policy:
        """One policy document of the current bundle.
        ``GET /owner/{ownerID}/context/{context}/policy-bundle/{policyName}``"""
        name = encode_segment(policy_name, "policy_name")
        path = f"{_base(owner_id, context)}/policy-bundle/{name}"
        return await self._core.model(Policy, "GET", path)


def _base(owner_id: str, context: str) -> str:
    owner, kind = encode_segment(owner_id, "owner_id"), encode_segment(context, "context")
    return f"/owner/{owner}/context/{kind}"


def _decision(owner_id: str, context: str, decision_id: str) -> str:
    return f"{_base(owner_id, context)}/decision/{encode_segment(decision_id, 'decision_id')}"
