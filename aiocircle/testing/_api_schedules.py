"""The fake's Schedule tag: a project's scheduled pipelines, checked as CircleCI checks them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import attrs
from aiohttp import web

from ._calls import V2, Call, RouteSpec
from ._http import HttpError, json_response
from ._render import dumps, message, user
from ._state import NotFound, Project, State, User, iso
from ._tagapi import TagApi

_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
#: Who a schedule with ``attribution-actor: system`` runs as; it has no avatar (null).
SYSTEM_ACTOR = User(
    id="00000000-0000-4000-8000-000000000000",
    login="system-actor",
    name="Scheduled",
    avatar_url=None,
)


@attrs.define(eq=False)
class FakeSchedule:
    id: str
    project: Project
    name: str
    description: str | None
    timetable: dict[str, Any]
    parameters: dict[str, Any]
    actor: User
    created_at: datetime
    updated_at: datetime


class SchedulesState:
    """The fake's schedules, in creation order; seed them with :meth:`add_schedule`."""

    def __init__(self, state: State) -> None:
        self._state = state
        self.schedules: dict[str, FakeSchedule] = {}

    def add_schedule(
        self,
        project: Project,
        name: str,
        *,
        timetable: dict[str, Any] | None = None,
        parameters: dict[str, Any] | None = None,
        description: str | None = None,
        actor: User | None = None,
    ) -> FakeSchedule:
        """A new schedule (nightly at 03:00 UTC on weekdays on the default branch by default)."""
        now = self._state.tick()
        schedule = FakeSchedule(
            id=self._state.new_id(),
            project=project,
            name=name,
            description=description,
            timetable=timetable or {"per-hour": 1, "hours-of-day": [3], "days-of-week": ["MON"]},
            parameters=parameters or {"branch": project.default_branch},
            actor=actor or self._state.me,
            created_at=now,
            updated_at=now,
        )
        self.schedules[schedule.id] = schedule
        return schedule

    def schedule(self, schedule_id: str) -> FakeSchedule:
        found = self.schedules.get(schedule_id)
        if found is None:
            raise NotFound("Schedule not found")
        return found


def _render(schedule: FakeSchedule) -> bytes:
    return dumps(
        {
            "id": schedule.id,
            "name": schedule.name,
            "description": schedule.description,
            "timetable": schedule.timetable,
            "project-slug": schedule.project.slug,
            "actor": user(schedule.actor),
            "parameters": schedule.parameters,
            "created-at": iso(schedule.created_at),
            "updated-at": iso(schedule.updated_at),
        }
    )


def _ints(value: object, low: int, high: int) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, int) and not isinstance(v, bool) and low <= v <= high for v in value)
    )


def _timetable(value: object) -> dict[str, Any]:
    """A timetable as CircleCI accepts it, or 400."""
    if not isinstance(value, dict):
        raise HttpError(400, "timetable is an object")
    per_hour = value.get("per-hour")
    if not isinstance(per_hour, int) or isinstance(per_hour, bool) or not 1 <= per_hour <= 60:
        raise HttpError(400, "per-hour must be between 1 and 60")
    if not _ints(value.get("hours-of-day"), 0, 23):
        raise HttpError(400, "hours-of-day must be hours between 0 and 23")
    week, month = value.get("days-of-week"), value.get("days-of-month")
    if (week is None) == (month is None):
        raise HttpError(400, "Specify one of days-of-week and days-of-month")
    if week is not None and (
        not isinstance(week, list) or not week or any(d not in DAYS for d in week)
    ):
        raise HttpError(400, "days-of-week must be days MON to SUN")
    if month is not None and not _ints(month, 1, 31):
        raise HttpError(400, "days-of-month must be days between 1 and 31")
    months = value.get("months")
    if months is not None and (
        not isinstance(months, list) or not months or any(m not in MONTHS for m in months)
    ):
        raise HttpError(400, "months must be months JAN to DEC")
    allowed = {"per-hour", "hours-of-day", "days-of-week", "days-of-month", "months"}
    return {key: value[key] for key in allowed if key in value}


def _merged(old: dict[str, Any], new: object) -> object:
    """A partial timetable over the old one; new days of either kind replace the old days."""
    if not isinstance(new, dict):
        return new
    days = ("days-of-week", "days-of-month")
    kept = {k: v for k, v in old.items() if not (k in days and any(d in new for d in days))}
    return {**kept, **new}


def _parameters(value: object) -> dict[str, Any]:
    if not isinstance(value, dict) or not ("branch" in value or "tag" in value):
        raise HttpError(400, "parameters must be an object containing branch or tag")
    if not all(isinstance(v, int | str | bool) for v in value.values()):
        raise HttpError(400, "parameter values are integers, strings or booleans")
    return value


class SchedulesApi(TagApi):
    ROUTES = (
        RouteSpec(V2, "GET", "/project/{project-slug}/schedule", "list_schedules"),
        RouteSpec(V2, "POST", "/project/{project-slug}/schedule", "create_schedule"),
        RouteSpec(V2, "GET", "/schedule/{schedule-id}", "get_schedule"),
        RouteSpec(V2, "PATCH", "/schedule/{schedule-id}", "update_schedule"),
        RouteSpec(V2, "DELETE", "/schedule/{schedule-id}", "delete_schedule"),
    )

    def _actor(self, call: Call, value: object) -> User:
        if value == "current":
            return call.user
        if value == "system":
            return SYSTEM_ACTOR
        raise HttpError(400, "attribution-actor must be current or system")

    def _schedule(self, call: Call) -> FakeSchedule:
        schedule_id = call.params["schedule-id"]
        if not _UUID.fullmatch(schedule_id):
            raise HttpError(400, "schedule-id must be a UUID")
        return self.part(SchedulesState).schedule(schedule_id)

    async def list_schedules(self, call: Call) -> web.Response:
        """GET /project/{project-slug}/schedule"""
        project = self.project(call)
        found = [s for s in self.part(SchedulesState).schedules.values() if s.project is project]
        return self.page(call, found, _render)

    async def create_schedule(self, call: Call) -> web.Response:
        """POST /project/{project-slug}/schedule"""
        project = self.project(call)
        body = await self.body(call)
        name, description = body.get("name"), body.get("description")
        if not isinstance(name, str) or not name.strip():
            raise HttpError(400, "name must be a non-empty string")
        if description is not None and not isinstance(description, str):
            raise HttpError(400, "description must be a string")
        schedule = self.part(SchedulesState).add_schedule(
            project,
            name,
            timetable=_timetable(body.get("timetable")),
            parameters=_parameters(body.get("parameters")),
            description=description,
            actor=self._actor(call, body.get("attribution-actor")),
        )
        return json_response(_render(schedule), status=201)

    async def get_schedule(self, call: Call) -> web.Response:
        """GET /schedule/{schedule-id}"""
        return json_response(_render(self._schedule(call)))

    async def update_schedule(self, call: Call) -> web.Response:
        """PATCH /schedule/{schedule-id}: the fields given change, the others stay."""
        schedule = self._schedule(call)
        body = await self.body(call)
        changes: dict[str, Any] = {}
        if "name" in body:
            if not isinstance(body["name"], str) or not body["name"].strip():
                raise HttpError(400, "name must be a non-empty string")
            changes["name"] = body["name"]
        if "description" in body:
            if body["description"] is not None and not isinstance(body["description"], str):
                raise HttpError(400, "description must be a string")
            changes["description"] = body["description"]
        if "timetable" in body:
            changes["timetable"] = _timetable(_merged(schedule.timetable, body["timetable"]))
        if "parameters" in body:
            changes["parameters"] = _parameters(body["parameters"])
        if "attribution-actor" in body:
            changes["actor"] = self._actor(call, body["attribution-actor"])
        for key, value in changes.items():
            setattr(schedule, key, value)
        schedule.updated_at = self.state.tick()
        return json_response(_render(schedule))

    async def delete_schedule(self, call: Call) -> web.Response:
        """DELETE /schedule/{schedule-id}"""
        schedule = self._schedule(call)
        del self.part(SchedulesState).schedules[schedule.id]
        return json_response(message("Schedule deleted."))
