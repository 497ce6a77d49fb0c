"""``cci.schedules``: a project's scheduled pipelines."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._operations import operation
from .._pagination import Paginator
from .._slug import encode_slug
from ..models import AttributionActor, DayOfWeek, MessageResponse, Month, Schedule, Timetable
from ._base import Resource
from ._ids import check_uuid

_DAYS = frozenset(DayOfWeek)
_MONTHS = frozenset(Month)
_ACTORS = frozenset(AttributionActor)


def _int_in(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _timetable_body(timetable: Timetable) -> dict[str, Any]:
    """The timetable as the spec's JSON, or ``ValueError`` naming the rule it breaks."""
    if not isinstance(timetable, Timetable):
        raise TypeError(f"timetable must be a Timetable, not {type(timetable).__name__}")
    if not _int_in(timetable.per_hour, 1, 60):
        raise ValueError(f"per_hour must be an int from 1 to 60, not {timetable.per_hour!r}")
    # The spec says "between 0 and 24"; a UTC clock's hours are 0 to 23.
    if not timetable.hours_of_day or not all(_int_in(h, 0, 23) for h in timetable.hours_of_day):
        raise ValueError(
            f"hours_of_day must be a non-empty list of hours 0-23, not {timetable.hours_of_day!r}"
        )
    if bool(timetable.days_of_week) == bool(timetable.days_of_month):
        raise ValueError("a timetable takes days_of_week or days_of_month (one, not both)")
    body: dict[str, Any] = {"per-hour": timetable.per_hour, "hours-of-day": timetable.hours_of_day}
    if timetable.days_of_week:
        unknown = [d for d in timetable.days_of_week if d not in _DAYS]
        if unknown:
            raise ValueError(f"days_of_week must be among {', '.join(DayOfWeek)}: not {unknown}")
        body["days-of-week"] = [str(d) for d in timetable.days_of_week]
    if timetable.days_of_month:
        if not all(_int_in(d, 1, 31) for d in timetable.days_of_month):
            raise ValueError(f"days_of_month must be days 1-31, not {timetable.days_of_month!r}")
        body["days-of-month"] = timetable.days_of_month
    if timetable.months is not None:
        unknown = [m for m in timetable.months if m not in _MONTHS]
        if unknown or not timetable.months:
            raise ValueError(f"months must be a non-empty list among {', '.join(Month)}")
        body["months"] = [str(m) for m in timetable.months]
    return body


def _parameters(parameters: Mapping[str, int | str | bool]) -> dict[str, int | str | bool]:
    """Pipeline parameters as the spec allows them: scalar values, ``branch`` or ``tag``."""
    if "branch" not in parameters and "tag" not in parameters:
        raise ValueError("schedule parameters must contain 'branch' or 'tag'")
    for key, value in parameters.items():
        if not isinstance(value, int | str | bool):
            raise ValueError(f"parameter {key!r} must be an int, str or bool, not {value!r}")
    return dict(parameters)


def _actor(actor: AttributionActor | str) -> str:
    if actor not in _ACTORS:
        raise ValueError(f"attribution_actor must be 'current' or 'system', not {actor!r}")
    return str(actor)


def _name(name: str) -> str:
    if not name.strip():
        raise ValueError("schedule name must not be empty")
    return name


class Schedules(Resource):
    @operation("listSchedulesForProject", "GET", "/project/{project-slug}/schedule", paginated=True)
    def list(self, slug: str) -> Paginator[Schedule]:
        """A project's schedules. ``GET /project/{project-slug}/schedule``"""
        return self._core.paginate(Schedule, f"/project/{encode_slug(slug)}/schedule")

    @operation("createSchedule", "POST", "/project/{project-slug}/schedule")
    async def create(
        self,
        slug: str,
        name: str,
        timetable: Timetable,
        parameters: Mapping[str, int | str | bool],
        *,
        attribution_actor: AttributionActor | str = AttributionActor.CURRENT,
        description: str | None = None,
    ) -> Schedule:
        """Schedule a project's pipeline. ``POST /project/{project-slug}/schedule``

        Not retried once the request may have reached CircleCI: that could make two.
        """
        body: dict[str, Any] = {
            "name": _name(name),
            "timetable": _timetable_body(timetable),
            "attribution-actor": _actor(attribution_actor),
            "parameters": _parameters(parameters),
        }
        if description is not None:
            body["description"] = description
        path = f"/project/{encode_slug(slug)}/schedule"
        return await self._core.model(Schedule, "POST", path, json=body)

    @operation("getScheduleById", "GET", "/schedule/{schedule-id}")
    async def get(self, schedule_id: str) -> Schedule:
        """One schedule. ``GET /schedule/{schedule-id}``"""
        return await self._core.model(Schedule, "GET", _path(schedule_id))

    # Setting fields to given values: repeating the request changes nothing more.
    @operation("updateSchedule", "PATCH", "/schedule/{schedule-id}", idempotent=True)
    async def update(
        self,
        schedule_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        timetable: Timetable | None = None,
        parameters: Mapping[str, int | str | bool] | None = None,
        attribution_actor: AttributionActor | str | None = None,
    ) -> Schedule:
        """Change the fields given, keep the others. ``PATCH /schedule/{schedule-id}``"""
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = _name(name)
        if description is not None:
            body["description"] = description
        if timetable is not None:
            body["timetable"] = _timetable_body(timetable)
        if parameters is not None:
            body["parameters"] = _parameters(parameters)
        if attribution_actor is not None:
            body["attribution-actor"] = _actor(attribution_actor)
        if not body:
            raise ValueError("update() needs at least one field to change")
        path = _path(schedule_id)
        return await self._core.model(Schedule, "PATCH", path, json=body, idempotent=True)

    @operation("deleteScheduleById", "DELETE", "/schedule/{schedule-id}")
    async def delete(self, schedule_id: str) -> MessageResponse:
        """Delete a schedule. ``DELETE /schedule/{schedule-id}``"""
        return await self._core.model(MessageResponse, "DELETE", _path(schedule_id))


def _path(schedule_id: str) -> str:
    return f"/schedule/{check_uuid(schedule_id, 'schedule_id')}"
