"""The Insights and usage routes' error answers: statuses as documented, bodies valid
against the spec's error schemas (`default` for Insights, 400/404 for usage exports)."""

from __future__ import annotations

from typing import Any

import pytest
from conformance import check_error, first
from fake_api import Api

SLUG = "gh/acme/repo-0"


INSIGHTS_ERRORS = [
    (
        "/insights/{project-slug}/workflows",
        f"/insights/{SLUG}/workflows",
        {"reporting-window": "x"},
        400,
    ),
    (
        "/insights/{project-slug}/workflows",
        f"/insights/{SLUG}/workflows",
        {"all-branches": "true", "branch": "main"},
        400,
    ),
    ("/insights/{project-slug}/workflows", "/insights/gh/nobody/none/workflows", {}, 404),
    (
        "/insights/{project-slug}/workflows/{workflow-name}",
        f"/insights/{SLUG}/workflows/w",
        {"end-date": "2025-06-01T00:00:00Z"},
        400,
    ),
    (
        "/insights/{project-slug}/workflows/{workflow-name}",
        f"/insights/{SLUG}/workflows/w",
        {"start-date": "2025-01-01T00:00:00Z", "end-date": "2025-06-01T00:00:00Z"},
        400,
    ),
    (
        "/insights/{project-slug}/workflows/{workflow-name}",
        f"/insights/{SLUG}/workflows/w",
        {"start-date": "yesterday"},
        400,
    ),
    (
        "/insights/{project-slug}/workflows/{workflow-name}/jobs",
        f"/insights/{SLUG}/workflows/w/jobs",
        {"all-branches": "maybe"},
        400,
    ),
    (
        "/insights/time-series/{project-slug}/workflows/{workflow-name}/jobs",
        f"/insights/time-series/{SLUG}/workflows/w/jobs",
        {"granularity": "weekly"},
        400,
    ),
    (
        "/insights/{project-slug}/workflows/{workflow-name}/summary",
        f"/insights/{SLUG}/workflows/none/summary",
        {},
        404,
    ),
    (
        "/insights/{project-slug}/workflows/{workflow-name}/test-metrics",
        "/insights/gh/nobody/none/workflows/w/test-metrics",
        {},
        404,
    ),
    ("/insights/{project-slug}/flaky-tests", "/insights/gh/nobody/none/flaky-tests", {}, 404),
    ("/insights/{project-slug}/branches", "/insights/gh/nobody/none/branches", {}, 404),
    (
        "/insights/pages/{project-slug}/summary",
        f"/insights/pages/{SLUG}/summary",
        {"reporting-window": "x"},
        400,
    ),
    ("/insights/{org-slug}/summary", "/insights/gh/nobody/summary", {}, 404),
    ("/insights/{org-slug}/summary", "/insights/gh/acme/summary", {"reporting-window": "x"}, 400),
]


@pytest.mark.parametrize(("template", "path", "params", "status"), INSIGHTS_ERRORS)
async def test_insights_errors_follow_the_spec(
    api: Api, template: str, path: str, params: dict[str, str], status: int
) -> None:
    got, body = await api.call("GET", path, **params)

    assert got == status, body
    check_error("GET", template, (got, body), status)


USAGE = "/organizations/{org_id}/usage_export_job"


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ({"start": "2025-06-01T00:00:00Z"}, "Unexpected request body provided."),
        ({"start": "2025-06-01T00:00:00Z", "end": "2025-06-02T00:00:00Z", "x": 1}, "Unexpected"),
        ({"start": "2025-06-02T00:00:00Z", "end": "2025-06-01T00:00:00Z"}, "before end"),
        ({"start": "2025-04-01T00:00:00Z", "end": "2025-05-15T00:00:00Z"}, "31 days"),
        ({"start": "2024-05-01T00:00:00Z", "end": "2024-05-15T00:00:00Z"}, "one year ago"),
        (
            {
                "start": "2025-05-01T00:00:00Z",
                "end": "2025-05-15T00:00:00Z",
                "shared_org_ids": ["x"],
            },
            "UUIDs",
        ),
    ],
)
async def test_usage_export_bodies_are_checked(api: Api, body: dict[str, Any], rule: str) -> None:
    org = first(api).organization

    got, answer = await api.call("POST", f"/organizations/{org.id}/usage_export_job", json=body)

    assert got == 400
    check_error("POST", USAGE, (got, answer), 400)
    assert rule in answer["message"]


async def test_usage_export_unknowns_are_404s(api: Api) -> None:
    org = first(api).organization
    unknown_org = "00000000-0000-4000-8000-000000000000"
    answers = [
        (
            "POST",
            USAGE,
            await api.call("POST", f"/organizations/{unknown_org}/usage_export_job", json={}),
        ),
        (
            "GET",
            USAGE + "/{usage_export_job_id}",
            await api.call("GET", f"/organizations/{org.id}/usage_export_job/{unknown_org}"),
        ),
    ]
    for method, template, (got, body) in answers:
        assert got == 404
        check_error(method, template, (got, body), 404)
