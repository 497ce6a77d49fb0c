"""Conformance cases of the Deploy and Rollback operations (`_api_deploys.py`,
`_api_rollbacks.py`), over data seeded through `Deployments`."""

from __future__ import annotations

from conformance import Answers, case, expect_errors, first, projects
from fake_api import Api

from aiocircle.testing import Deployments

MISSING = "00000000-0000-4000-8000-000000000000"


def seed(api: Api) -> Deployments:
    """Five environments and five components in the first project's organization (half of
    them with a description or labels), versions deployed by jobs and by hand."""
    deployments = api.fake.state.part(Deployments)
    if deployments.environments:
        return deployments
    project = first(api)
    org = project.organization
    environments = [
        deployments.add_environment(
            org,
            name,
            description=f"The {name} environment" if index % 2 == 0 else None,
            labels={"tier": name} if index % 2 else None,
        )
        for index, name in enumerate(("production", "staging", "qa", "dev", "preview"))
    ]
    jobs = [job for p in project.pipelines for w in p.workflows for job in w.jobs]
    for index in range(5):
        component = deployments.add_component(
            project, f"service-{index}", labels={"team": "web"} if index % 2 else None
        )
        for number in range(index + 1):
            deployments.deploy(
                component,
                environments[number % 2],
                f"1.{number}.0",
                namespace="default" if number % 2 else None,
                job=jobs[number] if number % 3 else None,
            )
    for other in projects(api)[1:]:
        deployments.add_component(other, "other-service")
        deployments.add_environment(other.organization, "production")
    return deployments


async def sized_pages(api: Api, path: str, **params: str) -> Answers:
    answers: Answers = []
    token: str | None = None
    while True:
        extra = dict(params, **({"page-token": token} if token else {}))
        status, body = await api.call("GET", path, **extra)
        answers.append((status, body))
        token = body.get("next_page_token") if status == 200 else None
        if token is None:
            return answers


@case("GET /deploy/environments")
async def _environments(api: Api) -> Answers:
    seed(api)
    answers = []
    for project in projects(api):
        org_id = project.organization.id
        answers += await sized_pages(
            api, "/deploy/environments", **{"org-id": org_id, "page-size": "2"}
        )
    assert len(answers) >= 3 + 2
    org_id = first(api).organization.id
    expect_errors(
        "GET",
        "/deploy/environments",
        [
            (400, await api.call("GET", "/deploy/environments", **{"org-id": org_id})),
            (400, await api.call("GET", "/deploy/environments", **{"page-size": "2"})),
            (
                404,
                await api.call(
                    "GET", "/deploy/environments", **{"org-id": MISSING, "page-size": "2"}
                ),
            ),
        ],
    )
    return answers


@case("GET /deploy/environments/{environment_id}")
async def _environment(api: Api) -> Answers:
    deployments = seed(api)
    answers = [await api.call("GET", f"/deploy/environments/{e}") for e in deployments.environments]
    expect_errors(
        "GET",
        "/deploy/environments/{environment_id}",
        [
            (404, await api.call("GET", f"/deploy/environments/{MISSING}")),
            (400, await api.call("GET", "/deploy/environments/not-a-uuid")),
        ],
    )
    return answers


@case("GET /deploy/components")
async def _components(api: Api) -> Answers:
    seed(api)
    org_id = first(api).organization.id
    answers = await sized_pages(api, "/deploy/components", **{"org-id": org_id, "page-size": "2"})
    answers += await sized_pages(
        api,
        "/deploy/components",
        **{"org-id": org_id, "project-id": first(api).id, "page-size": "4"},
    )
    expect_errors(
        "GET",
        "/deploy/components",
        [
            (
                400,
                await api.call("GET", "/deploy/components", **{"org-id": org_id, "page-size": "0"}),
            ),
            (
                404,
                await api.call(
                    "GET", "/deploy/components", **{"org-id": MISSING, "page-size": "2"}
                ),
            ),
        ],
    )
    return answers


@case("GET /deploy/components/{component_id}")
async def _component(api: Api) -> Answers:
    deployments = seed(api)
    answers = [await api.call("GET", f"/deploy/components/{c}") for c in deployments.components]
    expect_errors(
        "GET",
        "/deploy/components/{component_id}",
        [(404, await api.call("GET", "/deploy/components/nope"))],
    )
    return answers


@case("GET /deploy/components/{component_id}/versions")
async def _versions(api: Api) -> Answers:
    deployments = seed(api)
    answers = []
    for component in deployments.components.values():
        path = f"/deploy/components/{component.id}/versions"
        answers += await sized_pages(api, path)
        for environment in list(deployments.environments)[:2]:
            answers += await sized_pages(api, path, **{"environment-id": environment})
    expect_errors(
        "GET",
        "/deploy/components/{component_id}/versions",
        [
            (404, await api.call("GET", "/deploy/components/nope/versions")),
            (
                400,
                await api.call(
                    "GET", f"/deploy/components/{component.id}/versions", **{"environment-id": "x"}
                ),
            ),
        ],
    )
    return answers


@case("POST /projects/{project_id}/rollback", status=202)
async def _rollback(api: Api) -> Answers:
    deployments = seed(api)
    project = first(api)
    component = next(c for c in deployments.components.values() if c.name == "service-4")
    # service-4 has 1.0.0, 1.2.0, 1.4.0 in production without a namespace; 1.4.0 is live.
    body = {
        "environment_name": "production",
        "component_name": "service-4",
        "current_version": "1.4.0",
        "target_version": "1.2.0",
    }
    path = f"/projects/{project.id}/rollback"
    answers = [
        await api.call("POST", path, json={**body, "reason": "broken", "parameters": {"a": [1]}}),
        await api.call(
            "POST", path, json={**body, "current_version": "1.2.0", "target_version": "1.0.0"}
        ),
    ]
    assert [v.name for v in component.versions if v.is_live and v.namespace is None] == ["1.0.0"]
    expect_errors(
        "POST",
        "/projects/{project_id}/rollback",
        [
            (409, await api.call("POST", path, json=body)),
            (400, await api.call("POST", path, json={**body, "extra": 1})),
            (400, await api.call("POST", path, json={"component_name": "service-4"})),
            (404, await api.call("POST", f"/projects/{MISSING}/rollback", json=body)),
            (404, await api.call("POST", path, json={**body, "component_name": "nope"})),
            (
                404,
                await api.call(
                    "POST",
                    path,
                    json={**body, "current_version": "1.0.0", "target_version": "9.9.9"},
                ),
            ),
        ],
    )
    return answers
