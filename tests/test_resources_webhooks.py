"""``cci.webhooks``: what each method sends, what it refuses to send, and the secret kept out
of sight."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aioresponses import aioresponses
from bodies import BASE, PROJECT_ID, page

from aiocircle import CircleCI
from aiocircle.models import MessageResponse, Webhook, WebhookEvent, WebhookScope

WEBHOOK_ID = "3f2e1d0c-9b8a-4765-8432-10fedcba9876"
SECRET = "whsec-very-secret-value"
WEBHOOK = {
    "id": WEBHOOK_ID,
    "name": "deliveries",
    "url": "https://hooks.example.com/in",
    "verify-tls": True,
    "signing-secret": SECRET,
    "scope": {"id": PROJECT_ID, "type": "project"},
    "events": ["workflow-completed", "job-completed", "pipeline-created"],
    "created-at": "2024-05-01T10:00:00.000Z",
    "updated-at": "2024-05-02T10:00:00.000Z",
}
WEBHOOK_URL = f"{BASE}/webhook/{WEBHOOK_ID}"
WEBHOOK_PATH = f"/api/v2/webhook/{WEBHOOK_ID}"


async def test_list_sends_the_scope_and_types_each_webhook(
    cci: CircleCI, mock_api: aioresponses, sent: Any
) -> None:
    mock_api.get(
        f"{BASE}/webhook?scope-id={PROJECT_ID}&scope-type=project", payload=page([WEBHOOK])
    )

    found = await cci.webhooks.list(PROJECT_ID).collect()

    request = sent.only()
    assert (request.method, request.url.path) == ("GET", "/api/v2/webhook")
    assert request.query == {"scope-id": PROJECT_ID, "scope-type": "project"}
    assert found == [
        Webhook(
            id=WEBHOOK_ID,
            name="deliveries",
            url="https://hooks.example.com/in",
            verify_tls=True,
            signing_secret=SECRET,
            scope=WebhookScope(id=PROJECT_ID, type="project"),
            events=[
                WebhookEvent.WORKFLOW_COMPLETED,
                WebhookEvent.JOB_COMPLETED,
                "pipeline-created",
            ],
            created_at=datetime(2024, 5, 1, 10, tzinfo=UTC),
            updated_at=datetime(2024, 5, 2, 10, tzinfo=UTC),
        )
    ]


async def test_the_signing_secret_is_never_in_a_repr(cci: CircleCI, mock_api: aioresponses) -> None:
    mock_api.get(WEBHOOK_URL, payload=WEBHOOK)

    webhook = await cci.webhooks.get(WEBHOOK_ID)

    assert webhook.signing_secret == SECRET
    assert SECRET not in repr(webhook) and SECRET not in str(webhook)
    assert "deliveries" in repr(webhook)


async def test_create_posts_every_required_field(
    cci: CircleCI, mock_api: aioresponses, sent: Any
) -> None:
    mock_api.post(f"{BASE}/webhook", payload=WEBHOOK, status=201)

    webhook = await cci.webhooks.create(
        "deliveries",
        "https://hooks.example.com/in",
        [WebhookEvent.WORKFLOW_COMPLETED, "job-completed"],
        scope_id=PROJECT_ID,
        signing_secret=SECRET,
        verify_tls=False,
    )

    request = sent.only()
    assert (request.method, request.url.path) == ("POST", "/api/v2/webhook")
    assert request.json == {
        "name": "deliveries",
        "url": "https://hooks.example.com/in",
        "events": ["workflow-completed", "job-completed"],
        "verify-tls": False,
        "signing-secret": SECRET,
        "scope": {"id": PROJECT_ID, "type": "project"},
    }
    assert webhook.id == WEBHOOK_ID


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"name": " "}, "webhook name must not be empty"),
        ({"url": "http://hooks.example.com/in"}, "https:// URL"),
        ({"url": "hooks.example.com/in"}, "https:// URL"),
        ({"url": "https://"}, "https:// URL with a host"),
        ({"events": []}, "events must be a non-empty list"),
        ({"events": "job-completed"}, "events must be a non-empty list"),
        ({"events": ["workflow-started"]}, "events must be among"),
        ({"scope_id": "web"}, "scope_id must be a UUID"),
        ({"scope_type": "organization"}, "scope_type must be 'project'"),
    ],
)
async def test_create_refuses_what_the_spec_does_not_allow(
    cci: CircleCI, sent: Any, changes: dict[str, Any], rule: str
) -> None:
    fields: dict[str, Any] = {
        "name": "deliveries",
        "url": "https://hooks.example.com/in",
        "events": ["job-completed"],
        "scope_id": PROJECT_ID,
        "signing_secret": SECRET,
        **changes,
    }
    with pytest.raises(ValueError, match=rule) as raised:
        await cci.webhooks.create(
            fields.pop("name"), fields.pop("url"), fields.pop("events"), **fields
        )
    assert SECRET not in str(raised.value)
    assert sent() == []


async def test_create_refuses_a_secret_or_verify_tls_of_the_wrong_type(
    cci: CircleCI, sent: Any
) -> None:
    url = "https://hooks.example.com/in"
    with pytest.raises(TypeError, match="signing_secret must be a str"):
        await cci.webhooks.create(
            "d", url, ["job-completed"], scope_id=PROJECT_ID, signing_secret=1
        )  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="verify_tls must be a bool"):
        await cci.webhooks.create(
            "d",
            url,
            ["job-completed"],
            scope_id=PROJECT_ID,
            signing_secret="s",
            verify_tls="no",  # type: ignore[arg-type]
        )
    assert sent() == []


async def test_list_refuses_a_bad_scope(cci: CircleCI, sent: Any) -> None:
    with pytest.raises(ValueError, match="scope_id must be a UUID"):
        cci.webhooks.list("gh/acme/widgets")
    with pytest.raises(ValueError, match="scope_type must be 'project'"):
        cci.webhooks.list(PROJECT_ID, scope_type="organization")  # type: ignore[arg-type]
    assert sent() == []


async def test_update_puts_only_the_fields_given(
    cci: CircleCI, mock_api: aioresponses, sent: Any
) -> None:
    mock_api.put(WEBHOOK_URL, payload={**WEBHOOK, "name": "renamed"})

    updated = await cci.webhooks.update(
        WEBHOOK_ID, name="renamed", events=["job-completed"], verify_tls=False
    )

    request = sent.only()
    assert (request.method, request.url.path) == ("PUT", WEBHOOK_PATH)
    assert request.json == {"name": "renamed", "events": ["job-completed"], "verify-tls": False}
    assert updated.name == "renamed"


async def test_update_checks_what_it_sends_and_needs_a_change(cci: CircleCI, sent: Any) -> None:
    with pytest.raises(ValueError, match="at least one field"):
        await cci.webhooks.update(WEBHOOK_ID)
    with pytest.raises(ValueError, match="https:// URL"):
        await cci.webhooks.update(WEBHOOK_ID, url="ftp://hooks.example.com")
    with pytest.raises(ValueError, match="events must be among"):
        await cci.webhooks.update(WEBHOOK_ID, events=["push"])
    with pytest.raises(ValueError, match="webhook_id must be a UUID"):
        await cci.webhooks.get("deliveries")
    assert sent() == []


async def test_delete_sends_delete(cci: CircleCI, mock_api: aioresponses, sent: Any) -> None:
    mock_api.delete(WEBHOOK_URL, payload={"message": "Webhook deleted."})

    assert await cci.webhooks.delete(WEBHOOK_ID) == MessageResponse(message="Webhook deleted.")
    request = sent.only()
    assert (request.method, request.url.path) == ("DELETE", WEBHOOK_PATH)
