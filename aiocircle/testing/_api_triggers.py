"""The fake's triggers of pipeline definitions: which events start pipelines
(``/projects/{project_id}/pipeline-definitions/{id}/triggers`` and ``.../triggers/{id}``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
from aiohttp import web

from ._api_pipeline_definitions import FakeDefinition, PipelineDefinitions, project_by_id
from ._calls import V2, Call, RouteSpec
from ._http import HttpError, json_response
from ._render import dumps
from ._state import NotFound, State, iso
from ._tagapi import TagApi

EVENT_PRESETS = (
    "all-pushes",
    "only-tags",
    "default-branch-pushes",
    "only-build-prs",
    "only-open-prs",
    "only-labeled-prs",
    "only-merged-prs",
    "only-ready-for-review-prs",
    "only-branch-delete",
    "only-build-pushes-to-non-draft-prs",
    "only-merged-or-closed-prs",
)
_SETTINGS = ("event_preset", "checkout_ref", "config_ref", "event_name", "disabled")


@attrs.define(eq=False)
class FakeTrigger:
    id: str
    definition: FakeDefinition
    created_at: datetime
    #: "github_app" (a repository's events) or "webhook" (a custom webhook).
    provider: str
    repo_id: str | None = None
    webhook_sender: str | None = None
    #: event_preset, checkout_ref, config_ref, event_name, disabled: only those set are sent.
    settings: dict[str, Any] = attrs.Factory(dict)

    def to_json(self) -> dict[str, Any]:
        source: dict[str, Any] = {"provider": self.provider}
        if self.repo_id is not None:
            project = self.definition.project
            full_name = f"{project.organization.name}/{project.name}"
            source["repo"] = {"full_name": full_name, "external_id": self.repo_id}
        if self.provider == "webhook":
            url = f"https://internal.circleci.com/private/soc/e/{self.id}?secret=fake-secret"
            source["webhook"] = {"url": url, "sender": self.webhook_sender or ""}
        return {
            "id": self.id,
            "created_at": iso(self.created_at),
            "event_source": source,
            "disabled": False,
            **self.settings,
        }


class Triggers:
    """Triggers by id. A trigger whose definition was deleted is gone with it."""

    def __init__(self, state: State) -> None:
        self._state = state
        self._by_id: dict[str, FakeTrigger] = {}

    def add(
        self,
        definition: FakeDefinition,
        provider: str = "github_app",
        *,
        repo_id: str | None = None,
        webhook_sender: str | None = None,
        **settings: Any,
    ) -> FakeTrigger:
        trigger = FakeTrigger(
            id=self._state.new_id(),
            definition=definition,
            created_at=self._state.now,
            provider=provider,
            repo_id=repo_id,
            webhook_sender=webhook_sender,
            settings=settings,
        )
        self._by_id[trigger.id] = trigger
        return trigger

    def _alive(self, trigger: FakeTrigger) -> bool:
        definitions = self._state.part(PipelineDefinitions).by_id
        return definitions.get(trigger.definition.id) is trigger.definition

    def of_definition(self, definition: FakeDefinition) -> list[FakeTrigger]:
        return [t for t in self._by_id.values() if t.definition is definition]

    def find(self, project_id: str, trigger_id: str) -> FakeTrigger:
        found = self._by_id.get(trigger_id)
        if found is None or found.definition.project.id != project_id or not self._alive(found):
            raise NotFound("Trigger not found.")
        return found

    def delete(self, trigger: FakeTrigger) -> None:
        del self._by_id[trigger.id]


def _settings(body: dict[str, Any]) -> dict[str, Any]:
    """The optional settings of a create or update body, checked."""
    found = {key: body[key] for key in _SETTINGS if key in body}
    if "event_preset" in found and found["event_preset"] not in EVENT_PRESETS:
        raise HttpError(400, f"event_preset must be one of {', '.join(EVENT_PRESETS)}")
    if "disabled" in found and not isinstance(found["disabled"], bool):
        raise HttpError(400, "disabled is a boolean")
    for key in ("checkout_ref", "config_ref", "event_name"):
        if key in found and not isinstance(found[key], str):
            raise HttpError(400, f"{key} is a string")
    return found


def _sender(source: dict[str, Any]) -> str | None:
    webhook = source.get("webhook")
    if webhook is None:
        return None
    if not isinstance(webhook, dict) or not isinstance(webhook.get("sender", ""), str):
        raise HttpError(400, "event_source.webhook.sender is a string")
    sender: str | None = webhook.get("sender")
    return sender


class TriggersApi(TagApi):
    ROUTES = (
        RouteSpec(
            V2,
            "GET",
            "/projects/{project_id}/pipeline-definitions/{pipeline_definition_id}/triggers",
            "list_triggers",
        ),
        RouteSpec(
            V2,
            "POST",
            "/projects/{project_id}/pipeline-definitions/{pipeline_definition_id}/triggers",
            "create_trigger",
        ),
        RouteSpec(V2, "GET", "/projects/{project_id}/triggers/{trigger_id}", "get_trigger"),
        RouteSpec(V2, "PATCH", "/projects/{project_id}/triggers/{trigger_id}", "update_trigger"),
        RouteSpec(V2, "DELETE", "/projects/{project_id}/triggers/{trigger_id}", "delete_trigger"),
    )

    def _definition(self, call: Call) -> FakeDefinition:
        project = project_by_id(self.state, call.params["project_id"])
        return self.part(PipelineDefinitions).find(project, call.params["pipeline_definition_id"])

    def _trigger(self, call: Call) -> FakeTrigger:
        project_by_id(self.state, call.params["project_id"])
        return self.part(Triggers).find(call.params["project_id"], call.params["trigger_id"])

    async def list_triggers(self, call: Call) -> web.Response:
        definition = self._definition(call)
        items = [t.to_json() for t in self.part(Triggers).of_definition(definition)]
        return json_response(dumps({"items": items}))

    async def create_trigger(self, call: Call) -> web.Response:
        definition = self._definition(call)
        body = await self.body(call)
        source = body.get("event_source")
        if not isinstance(source, dict):
            raise HttpError(400, "event_source is a required object")
        provider = source.get("provider")
        if not isinstance(provider, str) or not provider:
            raise HttpError(400, "event_source.provider is a required string")
        repo = source.get("repo")
        repo_id = None
        if repo is not None:
            if not isinstance(repo, dict) or not isinstance(repo.get("external_id"), str):
                raise HttpError(400, "event_source.repo.external_id is a required string")
            repo_id = repo["external_id"]
        if provider == "github_app" and repo_id is None:
            raise HttpError(400, "event_source.repo is required for the github_app provider")
        trigger = self.part(Triggers).add(
            definition,
            provider,
            repo_id=repo_id,
            webhook_sender=_sender(source),
            **_settings(body),
        )
        return json_response(dumps(trigger.to_json()))

    async def get_trigger(self, call: Call) -> web.Response:
        return json_response(dumps(self._trigger(call).to_json()))

    async def update_trigger(self, call: Call) -> web.Response:
        trigger = self._trigger(call)
        body = await self.body(call)
        if set(body) - {*_SETTINGS, "event_source"}:
            raise HttpError(400, "Unexpected request body provided.")
        settings = _settings(body)
        sender = trigger.webhook_sender
        if "event_source" in body:
            source = body["event_source"]
            if not isinstance(source, dict) or set(source) - {"webhook"}:
                raise HttpError(400, "Only event_source.webhook.sender can be changed.")
            sender = _sender(source)
        trigger.settings = {**trigger.settings, **settings}
        trigger.webhook_sender = sender
        return json_response(dumps(trigger.to_json()))

    async def delete_trigger(self, call: Call) -> web.Response:
        self.part(Triggers).delete(self._trigger(call))
        return json_response(dumps({"message": "Trigger deleted."}))
