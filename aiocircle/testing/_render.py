"""Entities to CircleCI's JSON shapes, as openapi.json names the fields.

List items are encoded once per entity and the bytes cached on it (any change to the entity
drops them), so a page is a join of cached pieces.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

from ._state import (
    Artifact,
    CheckoutKey,
    EnvVar,
    Job,
    Organization,
    Pipeline,
    Project,
    TestResult,
    User,
    Workflow,
    iso,
)

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def dumps(value: object) -> bytes:
    return _encode(value).encode()


class _Cached(Protocol):
    cached_json: bytes | None


E = TypeVar("E", bound=_Cached)


def cached(entity: E, render: Callable[[E], dict[str, Any]]) -> bytes:
    """The entity's JSON bytes, encoded on first use."""
    body = entity.cached_json
    if body is None:
        body = dumps(render(entity))
        entity.cached_json = body
    return body


def page(items: Sequence[bytes], next_page_token: str | None) -> bytes:
    token = b"null" if next_page_token is None else dumps(next_page_token)
    return b'{"items":[' + b",".join(items) + b'],"next_page_token":' + token + b"}"


def user(u: User) -> dict[str, Any]:
    return {"id": u.id, "login": u.login, "name": u.name, "avatar_url": u.avatar_url}


def collaboration(org: Organization) -> dict[str, Any]:
    return {
        "id": org.id,
        "vcs-type": org.vcs_type,
        "name": org.name,
        "avatar_url": org.avatar_url,
        "slug": org.slug,
    }


def project(p: Project) -> dict[str, Any]:
    return {
        "slug": p.slug,
        "name": p.name,
        "id": p.id,
        "organization_name": p.organization.name,
        "organization_slug": p.organization.slug,
        "organization_id": p.organization.id,
        "vcs_info": {
            "vcs_url": p.vcs_url,
            "provider": p.provider,
            "default_branch": p.default_branch,
        },
    }


def pipeline(p: Pipeline) -> dict[str, Any]:
    vcs: dict[str, Any] = {
        "provider_name": p.project.provider,
        "origin_repository_url": p.project.vcs_url,
        "target_repository_url": p.project.vcs_url,
        "revision": p.revision,
        "commit": {"subject": p.commit_subject, "body": ""},
    }
    if p.tag is not None:
        vcs["tag"] = p.tag
    else:
        vcs["branch"] = p.branch
    return {
        "id": p.id,
        "errors": [{"type": kind, "message": message} for kind, message in p.errors],
        "project_slug": p.project.slug,
        "updated_at": iso(p.updated_at),
        "number": p.number,
        "state": p.state,
        "created_at": iso(p.created_at),
        "trigger": {
            "type": p.trigger_type,
            "received_at": iso(p.created_at),
            "actor": {"login": p.actor.login, "avatar_url": p.actor.avatar_url},
        },
        "vcs": vcs,
    }


def pipeline_created(p: Pipeline) -> dict[str, Any]:
    return {"id": p.id, "state": p.state, "number": p.number, "created_at": iso(p.created_at)}


def config(p: Pipeline) -> dict[str, Any]:
    lines = ["version: 2.1", "workflows:"]
    for workflow in p.workflows:
        lines.append(f"  {workflow.name}:")
        lines.append("    jobs:")
        lines.extend(f"      - {job.name}" for job in workflow.jobs)
    source = "\n".join(lines) + "\n"
    return {"source": source, "compiled": source}


def workflow(w: Workflow) -> dict[str, Any]:
    body: dict[str, Any] = {
        "pipeline_id": w.pipeline.id,
        "id": w.id,
        "name": w.name,
        "project_slug": w.pipeline.project.slug,
        "status": w.status,
        "started_by": w.started_by,
        "pipeline_number": w.pipeline.number,
        "created_at": iso(w.created_at),
        "stopped_at": None if w.stopped_at is None else iso(w.stopped_at),
    }
    if w.canceled_by is not None:
        body["canceled_by"] = w.canceled_by
    return body


def job(j: Job) -> dict[str, Any]:
    """A workflow's job list item; approval jobs have no `job_number` key."""
    body: dict[str, Any] = {
        "id": j.id,
        "name": j.name,
        "type": j.type,
        "status": j.status,
        "dependencies": list(j.dependencies),
        "project_slug": j.project.slug,
        "started_at": iso(j.started_at),
        "stopped_at": None if j.stopped_at is None else iso(j.stopped_at),
    }
    if j.number is not None:
        body["job_number"] = j.number
    if j.approval_request_id is not None:
        body["approval_request_id"] = j.approval_request_id
    if j.approved_by is not None:
        body["approved_by"] = j.approved_by
    if j.canceled_by is not None:
        body["canceled_by"] = j.canceled_by
    return body


def job_details(j: Job) -> dict[str, Any]:
    p = j.project
    latest = j.workflows[-1]
    return {
        "web_url": (
            f"https://app.circleci.com/pipelines/{p.slug}/{j.pipeline.number}"
            f"/workflows/{latest.id}/jobs/{j.number}"
        ),
        "project": {"id": p.id, "slug": p.slug, "name": p.name, "external_url": p.vcs_url},
        "parallel_runs": [{"index": i, "status": j.status} for i in range(j.parallelism)],
        "started_at": iso(j.started_at),
        "latest_workflow": {"id": latest.id, "name": latest.name},
        "name": j.name,
        "executor": {"resource_class": j.resource_class, "type": j.executor_type},
        "parallelism": j.parallelism,
        "status": j.status,
        "number": j.number,
        "pipeline": {"id": j.pipeline.id},
        "duration": j.duration_ms,
        "created_at": iso(j.created_at),
        "messages": [],
        "contexts": [{"name": name} for name in j.contexts],
        "organization": {"name": p.organization.name},
        "queued_at": iso(j.created_at),
        "stopped_at": None if j.stopped_at is None else iso(j.stopped_at),
    }


def artifact_url(a: Artifact, host: str) -> str:
    # The path is one percent-encoded segment, `/` included, so that `..` and leading `/` in
    # hostile paths survive URL normalisation on the way back.
    return f"{host}/{a.job.project.id}/{a.job.number}/{a.node_index}/{quote(a.path, safe='')}"


def artifact(a: Artifact, host: str) -> dict[str, Any]:
    return {"path": a.path, "node_index": a.node_index, "url": artifact_url(a, host)}


def artifact_v1(a: Artifact, host: str) -> dict[str, Any]:
    """API v1.1's artifact shape."""
    return {
        "path": a.path,
        "pretty_path": a.path,
        "node_index": a.node_index,
        "url": artifact_url(a, host),
    }


def test_result(t: TestResult) -> dict[str, Any]:
    return {
        "message": t.message,
        "source": t.source,
        "run_time": t.run_time,
        "file": t.file,
        "result": t.result,
        "name": t.name,
        "classname": t.classname,
    }


def checkout_key(k: CheckoutKey, digest: str = "md5") -> dict[str, Any]:
    return {
        "public-key": k.public_key,
        "type": k.type,
        "fingerprint": k.fingerprint_sha256 if digest == "sha256" else k.fingerprint_md5,
        "preferred": k.preferred,
        "created-at": iso(k.created_at),
    }


def env_var(e: EnvVar) -> dict[str, Any]:
    return {"name": e.name, "value": e.masked, "created-at": iso(e.created_at)}


def message(text: str) -> bytes:
    return dumps({"message": text})
