"""The fake's Webhook tag: a project's outbound webhooks.

The fake keeps a webhook's signing secret but answers with it masked (``xxxx`` and its
last four characters, the way CircleCI shows secrets), so a test can see it changed
without the secret leaving the fake.
"""

from __future__ import annotations

import re
from datetime import datetime

import attrs
from aiohttp import web

from ._calls import V2, Call, RouteSpec
from ._http import HttpError, json_response
from ._render import dumps, message
from ._state import NotFound, Project, State, iso
from ._tagapi import TagApi

_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
EVENTS = ("workflow-completed", "job-completed")


@attrs.define(eq=False)
class FakeWebhook:
    id: str
    project: Project
    name: str
    url: str
    events: list[str]
    verify_tls: bool
    signing_secret: str = attrs.field(repr=False)
    created_at: datetime
    updated_at: datetime

    @property
    def masked_secret(self) -> str:
        return "xxxx" + self.signing_secret[-4:]


class WebhooksState:
    """The fake's webhooks, in creation order; seed them with :meth:`add_webhook`."""

    def __init__(self, state: State) -> None:
        self._state = state
        self.webhooks: dict[str, FakeWebhook] = {}

    def add_webhook(
        self,
        project: Project,
        name: str,
        url: str = "https://hooks.example.com/circleci",
        *,
        events: list[str] | None = None,
        verify_tls: bool = True,
        signing_secret: str = "whsec-seeded",
    ) -> FakeWebhook:
        now = self._state.tick()
        webhook = FakeWebhook(
            id=self._state.new_id(),
            project=project,
            name=name,
            url=url,
            events=events or list(EVENTS),
            verify_tls=verify_tls,
            signing_secret=signing_secret,
            created_at=now,
            updated_at=now,
        )
        self.webhooks[webhook.id] = webhook
        return webhook


def _render(webhook: FakeWebhook) -> bytes:
    return dumps(
        {
            "id": webhook.id,
            "name": webhook.name,
            "url": webhook.url,
            "verify-tls": webhook.verify_tls,
            "signing-secret": webhook.masked_secret,
            "scope": {"id": webhook.project.id, "type": "project"},
            "events": webhook.events,
            "created-at": iso(webhook.created_at),
            "updated-at": iso(webhook.updated_at),
        }
    )


def _checked(body: dict[str, object], key: str) -> object:
    """One field of a create or update body, or 400 saying what it must be."""
    value = body[key]
    if key == "name" and not (isinstance(value, str) and value.strip()):
        raise HttpError(400, "name must be a non-empty string")
    if key == "url" and not (isinstance(value, str) and value.startswith("https://")):
        raise HttpError(400, "url must be an https:// URL")
    if key == "events" and not (
        isinstance(value, list) and value and all(event in EVENTS for event in value)
    ):
        raise HttpError(400, "events must be workflow-completed or job-completed")
    if key == "verify-tls" and not isinstance(value, bool):
        raise HttpError(400, "verify-tls must be a boolean")
    if key == "signing-secret" and not isinstance(value, str):
        raise HttpError(400, "signing-secret must be a string")
    return value


_FIELDS = {
    "name": "name",
    "url": "url",
    "events": "events",
    "verify-tls": "verify_tls",
    "signing-secret": "signing_secret",
}


class WebhooksApi(TagApi):
    ROUTES = (
        RouteSpec(V2, "GET", "/webhook", "list_webhooks"),
        RouteSpec(V2, "POST", "/webhook", "create_webhook"),
        RouteSpec(V2, "GET", "/webhook/{webhook-id}", "get_webhook"),
        RouteSpec(V2, "PUT", "/webhook/{webhook-id}", "update_webhook"),
        RouteSpec(V2, "DELETE", "/webhook/{webhook-id}", "delete_webhook"),
    )

    def _scope(self, scope_id: object, scope_type: object) -> Project:
        if scope_type != "project":
            raise HttpError(400, "scope type must be project")
        if not isinstance(scope_id, str) or not _UUID.fullmatch(scope_id):
            raise HttpError(400, "scope id must be a UUID")
        project = self.state.projects_by_id.get(scope_id)
        if project is None:
            raise NotFound("Project not found")
        return project

    def _webhook(self, call: Call) -> FakeWebhook:
        webhook_id = call.params["webhook-id"]
        if not _UUID.fullmatch(webhook_id):
            raise HttpError(400, "webhook-id must be a UUID")
        found = self.part(WebhooksState).webhooks.get(webhook_id)
        if found is None:
            raise NotFound("Webhook not found")
        return found

    async def list_webhooks(self, call: Call) -> web.Response:
        """GET /webhook?scope-id=&scope-type=project"""
        query = call.request.query
        project = self._scope(query.get("scope-id"), query.get("scope-type"))
        found = [w for w in self.part(WebhooksState).webhooks.values() if w.project is project]
        return self.page(call, found, _render)

    async def create_webhook(self, call: Call) -> web.Response:
        """POST /webhook"""
        body = await self.body(call)
        missing = [key for key in (*_FIELDS, "scope") if key not in body]
        if missing:
            raise HttpError(400, f"Missing fields: {', '.join(missing)}")
        scope = body["scope"]
        if not isinstance(scope, dict):
            raise HttpError(400, "scope must be an object")
        project = self._scope(scope.get("id"), scope.get("type"))
        fields = {attr: _checked(body, key) for key, attr in _FIELDS.items()}
        events = fields["events"]
        assert isinstance(events, list)  # _checked made sure
        webhook = self.part(WebhooksState).add_webhook(
            project,
            str(fields["name"]),
            str(fields["url"]),
            events=events,
            verify_tls=bool(fields["verify_tls"]),
            signing_secret=str(fields["signing_secret"]),
        )
        return json_response(_render(webhook), status=201)

    async def get_webhook(self, call: Call) -> web.Response:
        """GET /webhook/{webhook-id}"""
        return json_response(_render(self._webhook(call)))

    async def update_webhook(self, call: Call) -> web.Response:
        """PUT /webhook/{webhook-id}: the fields given change, the others stay."""
        webhook = self._webhook(call)
        body = await self.body(call)
        changes = {attr: _checked(body, key) for key, attr in _FIELDS.items() if key in body}
        for attr, value in changes.items():
            setattr(webhook, attr, value)
        webhook.updated_at = self.state.tick()
        return json_response(_render(webhook))

    async def delete_webhook(self, call: Call) -> web.Response:
        """DELETE /webhook/{webhook-id}"""
        webhook = self._webhook(call)
        del self.part(WebhooksState).webhooks[webhook.id]
        return json_response(message("Webhook deleted."))
