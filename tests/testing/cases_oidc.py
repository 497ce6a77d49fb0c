"""Conformance cases of OIDC Token Management: each route's answers, success and error
(``{"error"}`` bodies), checked against openapi.json."""

from __future__ import annotations

from conformance import Answers, case, first, projects
from fake_api import Api

ORG = "/org/{org}/oidc-custom-claims"
PROJECT = "/org/{org}/project/{project}/oidc-custom-claims"
OTHER_ORG = "00000000-0000-4000-8000-000000000000"


def _paths(api: Api) -> tuple[str, str]:
    project = first(api)
    org = project.organization.id
    return ORG.format(org=org), PROJECT.format(org=org, project=project.id)


def _foreign_project(api: Api) -> str:
    """A project path whose project belongs to another organization (403)."""
    mine, theirs = first(api), projects(api)[-1]
    assert mine.organization.id != theirs.organization.id
    return PROJECT.format(org=mine.organization.id, project=theirs.id)


async def _get(api: Api, path: str) -> Answers:
    unset = await api.call("GET", path)
    await api.call("PATCH", path, json={"audience": ["a", "b"], "ttl": "1h30m"})
    return [unset, await api.call("GET", path)]


async def _patch(api: Api, path: str) -> Answers:
    return [
        await api.call("PATCH", path, json={"ttl": "10m"}),
        await api.call("PATCH", path, json={"audience": ["sts.amazonaws.com"]}),
        await api.call("PATCH", path, json={"ttl": "ten minutes"}),
        await api.call("PATCH", path, json={"audience": "one"}),
        await api.call("PATCH", path, json={"issuer": "me"}),
    ]


async def _delete(api: Api, path: str) -> Answers:
    await api.call("PATCH", path, json={"audience": ["a"], "ttl": "1h"})
    return [
        await api.call("DELETE", path, claims="ttl"),
        await api.call("DELETE", path, claims="audience,ttl"),
        await api.call("DELETE", path, claims="issuer"),
        await api.call("DELETE", path),
    ]


@case("GET /org/{orgID}/oidc-custom-claims")
async def _get_org(api: Api) -> Answers:
    org, _ = _paths(api)
    return [
        *await _get(api, org),
        await api.call("GET", ORG.format(org="not-a-uuid")),
        await api.call("GET", ORG.format(org=OTHER_ORG)),
    ]


@case("PATCH /org/{orgID}/oidc-custom-claims")
async def _patch_org(api: Api) -> Answers:
    return await _patch(api, _paths(api)[0])


@case("DELETE /org/{orgID}/oidc-custom-claims")
async def _delete_org(api: Api) -> Answers:
    return await _delete(api, _paths(api)[0])


@case("GET /org/{orgID}/project/{projectID}/oidc-custom-claims")
async def _get_project(api: Api) -> Answers:
    _, project = _paths(api)
    return [
        *await _get(api, project),
        await api.call("GET", _foreign_project(api)),
        await api.call("GET", project.replace(first(api).id, "nope")),
    ]


@case("PATCH /org/{orgID}/project/{projectID}/oidc-custom-claims")
async def _patch_project(api: Api) -> Answers:
    return await _patch(api, _paths(api)[1])


@case("DELETE /org/{orgID}/project/{projectID}/oidc-custom-claims")
async def _delete_project(api: Api) -> Answers:
    return await _delete(api, _paths(api)[1])
