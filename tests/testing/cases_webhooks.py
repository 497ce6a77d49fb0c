"""Conformance cases of the Webhook tag: every route's answers, errors included, per the spec."""

from __future__ import annotations

from typing import Any

from conformance import Answers, case, check_error, first, pages, projects
from fake_api import Api

from aiocircle.testing._api_webhooks import WebhooksState

MISSING = "5034460f-c7c4-4c43-9457-de07e2029e7b"


def seed(api: Api, count: int) -> list[Any]:
    webhooks = api.fake.state.part(WebhooksState)
    return [
        webhooks.add_webhook(
            first(api),
            f"hook-{n}",
            events=["job-completed"] if n % 2 else None,
            verify_tls=n % 2 == 0,
        )
        for n in range(count)
    ]


def new(api: Api, **changes: Any) -> dict[str, Any]:
    return {
        "name": "deliveries",
        "url": "https://hooks.example.com/in",
        "events": ["workflow-completed"],
        "verify-tls": True,
        "signing-secret": "whsec-0123456789",
        "scope": {"id": first(api).id, "type": "project"},
        **changes,
    }


@case("GET /webhook")
async def _webhooks(api: Api) -> Answers:
    seed(api, 12)
    scope = {"scope-id": first(api).id, "scope-type": "project"}
    answers = await pages(api, "/webhook", **scope)
    assert len(answers) >= 3
    assert all(item["signing-secret"] == "xxxxeded" for _, b in answers for item in b["items"])
    for project in projects(api)[1:]:
        answers += await pages(api, "/webhook", **{"scope-id": project.id, "scope-type": "project"})
    check_error("GET", "/webhook", await api.call("GET", "/webhook"), 400)
    unknown = await api.call("GET", "/webhook", **{"scope-id": MISSING, "scope-type": "project"})
    check_error("GET", "/webhook", unknown, 404)
    return answers


@case("POST /webhook")
async def _create_webhook(api: Api) -> Answers:
    answers = [
        await api.call("POST", "/webhook", json=new(api)),
        await api.call("POST", "/webhook", json=new(api, events=["job-completed"])),
    ]
    assert "whsec-0123456789" not in str(answers)
    bad_event = new(api, events=["workflow-started"])
    check_error("POST", "/webhook", await api.call("POST", "/webhook", json=bad_event), 400)
    plain_http = new(api, url="http://hooks.example.com/in")
    check_error("POST", "/webhook", await api.call("POST", "/webhook", json=plain_http), 400)
    org_scope = new(api, scope={"id": first(api).id, "type": "organization"})
    check_error("POST", "/webhook", await api.call("POST", "/webhook", json=org_scope), 400)
    return answers


@case("GET /webhook/{webhook-id}")
async def _webhook(api: Api) -> Answers:
    found = seed(api, 2)
    template = "/webhook/{webhook-id}"
    check_error("GET", template, await api.call("GET", f"/webhook/{MISSING}"), 404)
    check_error("GET", template, await api.call("GET", "/webhook/hook-0"), 400)
    return [await api.call("GET", f"/webhook/{w.id}") for w in found]


@case("PUT /webhook/{webhook-id}")
async def _update_webhook(api: Api) -> Answers:
    found = seed(api, 1)[0]
    path = f"/webhook/{found.id}"
    answers = [
        await api.call("PUT", path, json={"name": "renamed", "verify-tls": False}),
        await api.call("PUT", path, json={"signing-secret": "whsec-rotated"}),
    ]
    assert answers[1][1]["signing-secret"] == "xxxxated"
    bad = await api.call("PUT", path, json={"events": []})
    check_error("PUT", "/webhook/{webhook-id}", bad, 400)
    missing = await api.call("PUT", f"/webhook/{MISSING}", json={"name": "x"})
    check_error("PUT", "/webhook/{webhook-id}", missing, 404)
    return answers


@case("DELETE /webhook/{webhook-id}")
async def _delete_webhook(api: Api) -> Answers:
    found = seed(api, 1)[0]
    answer = await api.call("DELETE", f"/webhook/{found.id}")
    again = await api.call("DELETE", f"/webhook/{found.id}")
    check_error("DELETE", "/webhook/{webhook-id}", again, 404)
    return [answer]
