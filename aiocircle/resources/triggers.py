"""``cci.triggers``: the triggers of a pipeline definition (which events start pipelines)."""

from __future__ import annotations

import builtins
from typing import Any

from .._operations import operation
from .._slug import encode_segment
from ..models import EventPreset, PipelineTrigger, PipelineTriggerList, TriggerDeleted
from ._base import Resource

_PRESETS = tuple(member.value for member in EventPreset)


def _trigger(project_id: str, trigger_id: str) -> str:
    project = encode_segment(project_id, "project id")
    return f"/projects/{project}/triggers/{encode_segment(trigger_id, 'trigger id')}"


def _of_definition(project_id: str, definition_id: str) -> str:
    project = encode_segment(project_id, "project id")
    definition = encode_segment(definition_id, "pipeline definition id")
    return f"/projects/{project}/pipeline-definitions/{definition}/triggers"


def _text(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string, not {value!r}")
    return value


def _settings(
    event_preset: EventPreset | str | None,
    checkout_ref: str | None,
    config_ref: str | None,
    event_name: str | None,
    disabled: bool | None,
) -> dict[str, Any]:
    """The optional fields create and update share, only those given."""
    if event_preset is not None and event_preset not in _PRESETS:
        raise ValueError(f"event_preset must be one of {', '.join(_PRESETS)}; not {event_preset!r}")
    if disabled is not None and not isinstance(disabled, bool):
        raise ValueError(f"disabled must be a bool, not {disabled!r}")
    given = {
        "event_preset": None if event_preset is None else str(event_preset),
        "checkout_ref": checkout_ref,
        "config_ref": config_ref,
        "event_name": event_name,
        "disabled": disabled,
    }
    return {key: value for key, value in given.items() if value is not None}


class Triggers(Resource):
    @operation(
        "listPipelineDefinitionTriggers",
        "GET",
        "/projects/{project_id}/pipeline-definitions/{pipeline_definition_id}/triggers",
    )
    async def list(self, project_id: str, definition_id: str) -> builtins.list[PipelineTrigger]:
        """Every trigger of a pipeline definition (one response, not paged).
        ``GET /projects/{project_id}/pipeline-definitions/{pipeline_definition_id}/triggers``"""
        path = _of_definition(project_id, definition_id)
        return (await self._core.model(PipelineTriggerList, "GET", path)).items or []

    @operation(
        "createTrigger",
        "POST",
        "/projects/{project_id}/pipeline-definitions/{pipeline_definition_id}/triggers",
    )
    async def create(
        self,
        project_id: str,
        definition_id: str,
        *,
        provider: str,
        repo_id: str | None = None,
        webhook_sender: str | None = None,
        event_preset: EventPreset | str | None = None,
        checkout_ref: str | None = None,
        config_ref: str | None = None,
        event_name: str | None = None,
        disabled: bool | None = None,
    ) -> PipelineTrigger:
        """Add a trigger: events of ``provider`` (``github_app`` with the ``repo_id`` it
        watches, or ``webhook``) start the definition's pipelines.
        ``POST /projects/{project_id}/pipeline-definitions/{pipeline_definition_id}/triggers``"""
        source: dict[str, Any] = {"provider": _text(provider, "provider")}
        if repo_id is not None:
            source["repo"] = {"external_id": _text(repo_id, "repo_id")}
        if webhook_sender is not None:
            source["webhook"] = {"sender": webhook_sender}
        body = {
            "event_source": source,
            **_settings(event_preset, checkout_ref, config_ref, event_name, disabled),
        }
        path = _of_definition(project_id, definition_id)
        return await self._core.model(PipelineTrigger, "POST", path, json=body)

    @operation("getTrigger", "GET", "/projects/{project_id}/triggers/{trigger_id}")
    async def get(self, project_id: str, trigger_id: str) -> PipelineTrigger:
        """One trigger. ``GET /projects/{project_id}/triggers/{trigger_id}``"""
        return await self._core.model(PipelineTrigger, "GET", _trigger(project_id, trigger_id))

    @operation("updateTrigger", "PATCH", "/projects/{project_id}/triggers/{trigger_id}")
    async def update(
        self,
        project_id: str,
        trigger_id: str,
        *,
        event_preset: EventPreset | str | None = None,
        checkout_ref: str | None = None,
        config_ref: str | None = None,
        event_name: str | None = None,
        disabled: bool | None = None,
        webhook_sender: str | None = None,
    ) -> PipelineTrigger:
        """Change a trigger; only what is given is sent (at least one field).
        ``PATCH /projects/{project_id}/triggers/{trigger_id}``"""
        body = _settings(event_preset, checkout_ref, config_ref, event_name, disabled)
        if webhook_sender is not None:
            body["event_source"] = {"webhook": {"sender": webhook_sender}}
        if not body:
            raise ValueError(
                "update needs one of event_preset, checkout_ref, config_ref, event_name, "
                "disabled or webhook_sender"
            )
        path = _trigger(project_id, trigger_id)
        return await self._core.model(PipelineTrigger, "PATCH", path, json=body)

    @operation("deleteTrigger", "DELETE", "/projects/{project_id}/triggers/{trigger_id}")
    async def delete(self, project_id: str, trigger_id: str) -> TriggerDeleted:
        """Delete a trigger. ``DELETE /projects/{project_id}/triggers/{trigger_id}``"""
        return await self._core.model(TriggerDeleted, "DELETE", _trigger(project_id, trigger_id))
