"""The fake's Policy Management: bundles, decisions, their audit log and settings.

The fake does not run Rego. A policy decides by comment lines in its source:
``# forbid: TEXT`` hard-fails a config whose input contains TEXT, ``# warn: TEXT``
soft-fails it; ``policy_name := "NAME"`` names the policy (else the file name's stem).
Errors answer ``{"error": ...}``, as the policy service does.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime
from typing import Any

import attrs
from aiohttp import web

from ._calls import V2, Call, RouteSpec
from ._http import HttpError, json_response
from ._render import dumps
from ._state import State, iso
from ._tagapi import TagApi

#: CircleCI refuses a bundle over about 2.5 MiB with 413.
MAX_BUNDLE_BYTES = 2_621_440
#: The one policy context CircleCI knows.
CONTEXTS = frozenset({"config"})
_NAME = re.compile(r'^\s*policy_name\s*:?=\s*"([^"]+)"', re.M)
_RULE = re.compile(r"^\s*#\s*(forbid|warn):\s*(.+?)\s*$", re.M)
_METADATA = ("build_number", "project_id", "ssh_rerun", "vcs")
_VCS = ("branch", "origin_repository_url", "release_tag", "target_repository_url")


@attrs.frozen
class PolicyDocument:
    name: str
    content: str
    created_at: datetime
    created_by: str


@attrs.frozen
class DecisionRecord:
    id: str
    number: int
    created_at: datetime
    decision: dict[str, Any]
    metadata: dict[str, Any] | None
    bundle: dict[str, PolicyDocument]
    time_taken_ms: int


@attrs.define
class Owner:
    """One owner's policies in one context."""

    bundle: dict[str, PolicyDocument] = attrs.Factory(dict)
    enabled: bool = True
    decisions: list[DecisionRecord] = attrs.Factory(list)


class PoliciesState:
    """Policy bundles, decision settings and decision logs per (owner id, context)."""

    def __init__(self, state: State) -> None:
        self._state = state
        self.owners: dict[tuple[str, str], Owner] = {}

    def owner(self, owner_id: str, context: str = "config") -> Owner:
        return self.owners.setdefault((owner_id, context), Owner())

    def push(self, owner: Owner, files: dict[str, str], *, dry: bool = False) -> dict[str, Any]:
        """Replace ``owner``'s bundle with ``files`` (file name to source); the names created,
        deleted and modified."""
        now = self._state.tick()
        author = self._state.me.id
        new = {}
        for file_name, content in files.items():
            found = _NAME.search(content)
            name = found.group(1) if found else file_name.rsplit("/", 1)[-1].removesuffix(".rego")
            kept = owner.bundle.get(name)
            unchanged = kept is not None and kept.content == content
            new[name] = kept if unchanged and kept else PolicyDocument(name, content, now, author)
        old = owner.bundle
        diff = {
            "created": sorted(new.keys() - old.keys()),
            "deleted": sorted(old.keys() - new.keys()),
            "modified": sorted(n for n in new.keys() & old.keys() if new[n] is not old[n]),
        }
        if not dry:
            owner.bundle = new
        return diff

    def decide(self, owner: Owner, text: str, metadata: dict[str, Any] | None) -> DecisionRecord:
        """Evaluate ``text`` against ``owner``'s bundle and log the decision."""
        number = len(owner.decisions)
        decision: dict[str, Any]
        if not owner.enabled:
            decision = {"status": "PASS", "reason": "policy evaluation is disabled"}
        else:
            hard: list[dict[str, str]] = []
            soft: list[dict[str, str]] = []
            for doc in owner.bundle.values():
                for kind, needle in _RULE.findall(doc.content):
                    if needle in text:
                        violation = {"rule": doc.name, "reason": f"{needle!r} is not allowed"}
                        (hard if kind == "forbid" else soft).append(violation)
            status = "HARD_FAIL" if hard else "SOFT_FAIL" if soft else "PASS"
            decision = {"status": status, "enabled_rules": sorted(owner.bundle)}
            # Empty failure lists are left out on every other decision: the spec allows both.
            if hard or number % 2:
                decision["hard_failures"] = hard
            if soft or number % 2:
                decision["soft_failures"] = soft
        record = DecisionRecord(
            id=self._state.new_id(),
            number=number,
            created_at=self._state.tick(),
            decision=decision,
            metadata=metadata,
            bundle=dict(owner.bundle),
            time_taken_ms=3 + number % 5,
        )
        owner.decisions.append(record)
        return record


def _policy(doc: PolicyDocument) -> dict[str, Any]:
    return {
        "name": doc.name,
        "content": doc.content,
        "created_at": iso(doc.created_at),
        "created_by": doc.created_by,
    }


def _bundle(bundle: dict[str, PolicyDocument]) -> bytes:
    return dumps({name: [_policy(doc)] for name, doc in sorted(bundle.items())})


def _log(record: DecisionRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": record.id,
        "created_at": iso(record.created_at),
        "decision": record.decision,
        "policies": {
            name: hashlib.sha512(doc.content.encode()).hexdigest()
            for name, doc in sorted(record.bundle.items())
        },
    }
    if record.metadata is not None:
        out["metadata"] = record.metadata
    # time_taken_ms on every other log: optional in the spec.
    if record.number % 2 == 0:
        out["time_taken_ms"] = record.time_taken_ms
    return out


def _bad(text: str) -> HttpError:
    return HttpError(400, text, key="error")


def _metadata(raw: Any) -> dict[str, Any] | None:
    """The metadata the decision log keeps: the spec's fields, with their types checked."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _bad("metadata: must be an object.")
    kept = {key: raw[key] for key in _METADATA if key in raw}
    build = kept.get("build_number")
    if build is not None and (isinstance(build, bool) or not isinstance(build, int)):
        raise _bad("metadata.build_number: must be an integer.")
    vcs = kept.get("vcs")
    if vcs is not None:
        if not isinstance(vcs, dict):
            raise _bad("metadata.vcs: must be an object.")
        kept["vcs"] = {key: str(vcs[key]) for key in _VCS if key in vcs}
    if "ssh_rerun" in kept and not isinstance(kept["ssh_rerun"], bool):
        raise _bad("metadata.ssh_rerun: must be a boolean.")
    if "project_id" in kept and not _is_uuid(kept["project_id"]):
        raise _bad("metadata.project_id: must be a valid UUID.")
    return kept


def _is_uuid(value: Any) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _when(call: Call, name: str) -> datetime | None:
    text = call.request.query.get(name)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _bad(f"{name}: must be a date-time.") from None
    if moment.tzinfo is None:
        raise _bad(f"{name}: must carry a time zone.")
    return moment


class PoliciesApi(TagApi):
    ERROR_KEY = "error"
    ROUTES = (
        RouteSpec(V2, "GET", "/owner/{ownerID}/context/{context}/decision", "decision_logs"),
        RouteSpec(V2, "POST", "/owner/{ownerID}/context/{context}/decision", "make_decision"),
        RouteSpec(
            V2, "GET", "/owner/{ownerID}/context/{context}/decision/settings", "get_settings"
        ),
        RouteSpec(
            V2, "PATCH", "/owner/{ownerID}/context/{context}/decision/settings", "set_settings"
        ),
        RouteSpec(
            V2, "GET", "/owner/{ownerID}/context/{context}/decision/{decisionID}", "decision_log"
        ),
        RouteSpec(
            V2,
            "GET",
            "/owner/{ownerID}/context/{context}/decision/{decisionID}/policy-bundle",
            "decision_bundle",
        ),
        RouteSpec(V2, "GET", "/owner/{ownerID}/context/{context}/policy-bundle", "get_bundle"),
        RouteSpec(V2, "POST", "/owner/{ownerID}/context/{context}/policy-bundle", "push_bundle"),
        RouteSpec(
            V2,
            "GET",
            "/owner/{ownerID}/context/{context}/policy-bundle/{policyName}",
            "get_policy",
        ),
    )

    def _owner(self, call: Call) -> Owner:
        """The owner and context of the path: a known organization, the ``config`` context."""
        owner_id, context = call.params["ownerID"], call.params["context"]
        if context not in CONTEXTS:
            raise _bad("context: must be a valid value.")
        if not any(org.id == owner_id for org in self.state.organizations.values()):
            raise HttpError(403, "Forbidden", key="error")
        return self.part(PoliciesState).owner(owner_id, context)

    def _decision(self, call: Call) -> DecisionRecord:
        wanted = call.params["decisionID"]
        for record in self._owner(call).decisions:
            if record.id == wanted:
                return record
        raise HttpError(404, "decision log not found", key="error")

    async def _json(self, call: Call, limit: int = 1 << 20) -> dict[str, Any]:
        """The JSON object body, or ``{"error"}`` 400 / 413."""
        request = call.request.clone(client_max_size=limit + 1024)
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise HttpError(413, "http: request payload too large", key="error") from None
        if len(raw) > limit:
            raise HttpError(413, "http: request payload too large", key="error")
        try:
            data = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise _bad("body: must be valid JSON.") from None
        if not isinstance(data, dict):
            raise _bad("body: must be a JSON object.")
        return data

    async def decision_logs(self, call: Call) -> web.Response:
        owner = self._owner(call)
        query = call.request.query
        try:
            offset = int(query.get("offset", "0"))
        except ValueError:
            raise _bad("offset: must be an integer.") from None
        if offset < 0:
            raise _bad("offset: must be no less than 0.")
        after, before = _when(call, "after"), _when(call, "before")
        found = []
        for record in reversed(owner.decisions):
            meta = record.metadata or {}
            if "status" in query and record.decision["status"] != query["status"]:
                continue
            if after is not None and record.created_at <= after:
                continue
            if before is not None and record.created_at >= before:
                continue
            if "branch" in query and (meta.get("vcs") or {}).get("branch") != query["branch"]:
                continue
            if "project_id" in query and meta.get("project_id") != query["project_id"]:
                continue
            if "build_number" in query and str(meta.get("build_number")) != query["build_number"]:
                continue
            found.append(record)
        chosen = found[offset : offset + self.knobs.page_size]
        return json_response(dumps([_log(record) for record in chosen]))

    async def make_decision(self, call: Call) -> web.Response:
        owner = self._owner(call)
        body = await self._json(call)
        text = body.get("input")
        if not isinstance(text, str):
            raise _bad("input: is required and must be a string.")
        record = self.part(PoliciesState).decide(owner, text, _metadata(body.get("metadata")))
        return json_response(dumps(record.decision))

    async def get_settings(self, call: Call) -> web.Response:
        return json_response(dumps({"enabled": self._owner(call).enabled}))

    async def set_settings(self, call: Call) -> web.Response:
        owner = self._owner(call)
        body = await self._json(call)
        if "enabled" in body:
            if not isinstance(body["enabled"], bool):
                raise _bad("enabled: must be a boolean.")
            owner.enabled = body["enabled"]
        return json_response(dumps({"enabled": owner.enabled}))

    async def decision_log(self, call: Call) -> web.Response:
        return json_response(dumps(_log(self._decision(call))))

    async def decision_bundle(self, call: Call) -> web.Response:
        return json_response(_bundle(self._decision(call).bundle))

    async def get_bundle(self, call: Call) -> web.Response:
        return json_response(_bundle(self._owner(call).bundle))

    async def push_bundle(self, call: Call) -> web.Response:
        owner = self._owner(call)
        body = await self._json(call, MAX_BUNDLE_BYTES)
        files = body.get("policies", {})
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise _bad("policies: must map file names to policy source.")
        dry = call.request.query.get("dry", "false").lower() == "true"
        diff = self.part(PoliciesState).push(owner, files, dry=dry)
        return json_response(dumps(diff), status=200 if dry else 201)

    async def get_policy(self, call: Call) -> web.Response:
        doc = self._owner(call).bundle.get(call.params["policyName"])
        if doc is None:
            raise HttpError(404, "policy not found", key="error")
        return json_response(dumps(_policy(doc)))
