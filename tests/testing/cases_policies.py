"""Conformance cases of Policy Management: each route's answers, success and error
(``{"error"}`` bodies), checked against openapi.json."""

from __future__ import annotations

import io
import json
from typing import Any

from conformance import Answers, case, first
from fake_api import Api

from aiocircle.testing._api_policies import PoliciesState

ROOT = "/owner/{owner}/context/config"
POLICY = 'policy_name := "no_latest"\n# forbid: :latest\n# warn: root\n'


def _root(api: Api) -> str:
    return ROOT.format(owner=first(api).organization.id)


async def _decided(api: Api) -> str:
    """A bundle and six decisions (pass, soft and hard fails, with and without metadata)."""
    root = _root(api)
    await api.call("POST", f"{root}/policy-bundle", json={"policies": {"p.rego": POLICY}})
    metadata = {
        "build_number": 3,
        "project_id": first(api).id,
        "ssh_rerun": False,
        "vcs": {"branch": "main", "origin_repository_url": "https://x", "release_tag": "v1"},
    }
    for text in ("ok", "image: a:latest", "user: root", "root a:latest"):
        await api.call("POST", f"{root}/decision", json={"input": text})
        await api.call("POST", f"{root}/decision", json={"input": text, "metadata": metadata})
    return root


@case("GET /owner/{ownerID}/context/{context}/decision")
async def _decision_logs(api: Api) -> Answers:
    root = await _decided(api)
    answers = [await api.call("GET", f"{root}/decision", offset=str(n)) for n in (0, 5, 20)]
    answers.append(await api.call("GET", f"{root}/decision", status="HARD_FAIL", branch="main"))
    answers.append(await api.call("GET", f"{root}/decision", offset="-1"))
    answers.append(await api.call("GET", f"{root}/decision", after="yesterday"))
    return answers


@case("POST /owner/{ownerID}/context/{context}/decision")
async def _make_decision(api: Api) -> Answers:
    root = _root(api)
    await api.call("POST", f"{root}/policy-bundle", json={"policies": {"p.rego": POLICY}})
    return [
        await api.call("POST", f"{root}/decision", json={"input": text})
        for text in ("ok", "image: a:latest", "user: root", "ok again")
    ] + [
        await api.call("POST", f"{root}/decision", json={}),
        await api.call("POST", f"{root}/decision", json={"input": "x", "metadata": []}),
    ]


@case("GET /owner/{ownerID}/context/{context}/decision/settings")
async def _get_settings(api: Api) -> Answers:
    root = _root(api)
    return [
        await api.call("GET", f"{root}/decision/settings"),
        await api.call("GET", root.replace("/config", "/nope") + "/decision/settings"),
        await api.call("GET", "/owner/someone/context/config/decision/settings"),
    ]


@case("PATCH /owner/{ownerID}/context/{context}/decision/settings")
async def _set_settings(api: Api) -> Answers:
    path = f"{_root(api)}/decision/settings"
    return [
        await api.call("PATCH", path, json={"enabled": False}),
        await api.call("PATCH", path, json={}),
        await api.call("PATCH", path, json={"enabled": "yes"}),
    ]


@case("GET /owner/{ownerID}/context/{context}/decision/{decisionID}")
async def _decision_log(api: Api) -> Answers:
    root = await _decided(api)
    owner = api.fake.state.part(PoliciesState).owner(first(api).organization.id)
    answers = [await api.call("GET", f"{root}/decision/{r.id}") for r in owner.decisions]
    return [*answers, await api.call("GET", f"{root}/decision/nope")]


@case("GET /owner/{ownerID}/context/{context}/decision/{decisionID}/policy-bundle")
async def _decision_bundle(api: Api) -> Answers:
    root = await _decided(api)
    owner = api.fake.state.part(PoliciesState).owner(first(api).organization.id)
    record = owner.decisions[0]
    return [
        await api.call("GET", f"{root}/decision/{record.id}/policy-bundle"),
        await api.call("GET", f"{root}/decision/nope/policy-bundle"),
    ]


@case("GET /owner/{ownerID}/context/{context}/policy-bundle")
async def _bundle(api: Api) -> Answers:
    root = _root(api)
    empty = await api.call("GET", f"{root}/policy-bundle")
    await api.call("POST", f"{root}/policy-bundle", json={"policies": {"a": POLICY, "b": "x"}})
    foreign = await api.call("GET", "/owner/someone/context/config/policy-bundle")
    return [empty, await api.call("GET", f"{root}/policy-bundle"), foreign]


@case("POST /owner/{ownerID}/context/{context}/policy-bundle")
async def _push_bundle(api: Api) -> Answers:
    path = f"{_root(api)}/policy-bundle"
    return [
        await api.call("POST", path, json={"policies": {"a": POLICY}}, dry="true"),
        await api.call("POST", path, json={"policies": {"a": POLICY}}),
        await api.call("POST", path, json={"policies": {"a": POLICY + "#"}}),
        await api.call("POST", path, json={"policies": {"a": 1}}),
        await _too_large(api, path),
    ]


async def _too_large(api: Api, path: str) -> tuple[int, Any]:
    """A bundle over the 2.5 MiB limit (sent as a stream: aiohttp warns about big bytes)."""
    body = json.dumps({"policies": {"a": "x" * 2_700_000}}).encode()
    async with api.session.post(
        api.fake.base_url + path,
        data=io.BytesIO(body),
        headers={**api.headers, "Content-Type": "application/json"},
    ) as response:
        return response.status, await response.json()


@case("GET /owner/{ownerID}/context/{context}/policy-bundle/{policyName}")
async def _policy(api: Api) -> Answers:
    root = _root(api)
    await api.call("POST", f"{root}/policy-bundle", json={"policies": {"a": POLICY}})
    return [
        await api.call("GET", f"{root}/policy-bundle/no_latest"),
        await api.call("GET", f"{root}/policy-bundle/nope"),
    ]
