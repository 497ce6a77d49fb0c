"""``cci.webhooks``: a project's outbound webhooks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from yarl import URL

from .._operations import operation
from .._pagination import Paginator
from ..models import MessageResponse, Webhook, WebhookEvent
from ._base import Resource
from ._ids import check_uuid

_EVENTS = frozenset(WebhookEvent)


def _name(name: str) -> str:
    if not name.strip():
        raise ValueError("webhook name must not be empty")
    return name


def _url(url: str) -> str:
    # The spec: "protocol must be included as well (only https is supported)".
    try:
        parsed = URL(url)
    except (TypeError, ValueError):
        raise ValueError("webhook url must be an https:// URL with a host") from None
    if parsed.scheme != "https" or not parsed.host:
        raise ValueError(f"webhook url must be an https:// URL with a host, not {url!r}")
    return url


def _events(events: Sequence[WebhookEvent | str]) -> list[str]:
    if isinstance(events, str) or not events:
        raise ValueError("events must be a non-empty list of 'workflow-completed', 'job-completed'")
    unknown = [event for event in events if event not in _EVENTS]
    if unknown:
        raise ValueError(
            f"events must be among 'workflow-completed', 'job-completed': not {unknown}"
        )
    return [str(event) for event in events]


def _secret(signing_secret: str) -> str:
    # The message names the rule, never the value.
    if not isinstance(signing_secret, str):
        raise TypeError("signing_secret must be a str")
    return signing_secret


def _verify_tls(verify_tls: bool) -> bool:
    if not isinstance(verify_tls, bool):
        raise TypeError(f"verify_tls must be a bool, not {type(verify_tls).__name__}")
    return verify_tls


def _scope_type(scope_type: str) -> str:
    if scope_type != "project":
        raise ValueError(f"scope_type must be 'project' (the only scope), not {scope_type!r}")
    return scope_type


class Webhooks(Resource):
    @operation("getWebhooks", "GET", "/webhook", paginated=True)
    def list(
        self, scope_id: str, *, scope_type: Literal["project"] = "project"
    ) -> Paginator[Webhook]:
        """The webhooks of a scope (a project, by its id). ``GET /webhook``"""
        params = {
            "scope-id": check_uuid(scope_id, "scope_id"),
            "scope-type": _scope_type(scope_type),
        }
        return self._core.paginate(Webhook, "/webhook", params=params)

    @operation("createWebhook", "POST", "/webhook")
    async def create(
        self,
        name: str,
        url: str,
        events: Sequence[WebhookEvent | str],
        *,
        scope_id: str,
        signing_secret: str,
        verify_tls: bool = True,
        scope_type: Literal["project"] = "project",
    ) -> Webhook:
        """Create a webhook posting ``events`` of a project to ``url``. ``POST /webhook``

        Not retried once the request may have reached CircleCI: that could make two.
        """
        body = {
            "name": _name(name),
            "url": _url(url),
            "events": _events(events),
            "verify-tls": _verify_tls(verify_tls),
            "signing-secret": _secret(signing_secret),
            "scope": {"id": check_uuid(scope_id, "scope_id"), "type": _scope_type(scope_type)},
        }
        return await self._core.model(Webhook, "POST", "/webhook", json=body)

    @operation("getWebhookById", "GET", "/webhook/{webhook-id}")
    async def get(self, webhook_id: str) -> Webhook:
        """One webhook. ``GET /webhook/{webhook-id}``"""
        return await self._core.model(Webhook, "GET", _path(webhook_id))

    @operation("updateWebhook", "PUT", "/webhook/{webhook-id}")
    async def update(
        self,
        webhook_id: str,
        *,
        name: str | None = None,
        url: str | None = None,
        events: Sequence[WebhookEvent | str] | None = None,
        signing_secret: str | None = None,
        verify_tls: bool | None = None,
    ) -> Webhook:
        """Change the fields given, keep the others. ``PUT /webhook/{webhook-id}``"""
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = _name(name)
        if url is not None:
            body["url"] = _url(url)
        if events is not None:
            body["events"] = _events(events)
        if signing_secret is not None:
            body["signing-secret"] = _secret(signing_secret)
        if verify_tls is not None:
            body["verify-tls"] = _verify_tls(verify_tls)
        if not body:
            raise ValueError("update() needs at least one field to change")
        return await self._core.model(Webhook, "PUT", _path(webhook_id), json=body)

    @operation("deleteWebhook", "DELETE", "/webhook/{webhook-id}")
    async def delete(self, webhook_id: str) -> MessageResponse:
        """Delete a webhook. ``DELETE /webhook/{webhook-id}``"""
        return await self._core.model(MessageResponse, "DELETE", _path(webhook_id))


def _path(webhook_id: str) -> str:
    return f"/webhook/{check_uuid(webhook_id, 'webhook_id')}"
