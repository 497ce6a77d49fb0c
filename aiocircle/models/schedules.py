"""Scheduled pipelines: when a project's pipeline is triggered and with which parameters."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs

from .._converter import json_key
from ._base import Model
from .users import User


class DayOfWeek(enum.StrEnum):
    MON = "MON"
    TUE = "TUE"
    WED = "WED"
    THU = "THU"
    FRI = "FRI"
    SAT = "SAT"
    SUN = "SUN"


class Month(enum.StrEnum):
    JAN = "JAN"
    FEB = "FEB"
    MAR = "MAR"
    APR = "APR"
    MAY = "MAY"
    JUN = "JUN"
    JUL = "JUL"
    AUG = "AUG"
    SEP = "SEP"
    OCT = "OCT"
    NOV = "NOV"
    DEC = "DEC"


class AttributionActor(enum.StrEnum):
    """Whose name a scheduled pipeline runs under: the caller's or the system's."""

    CURRENT = "current"
    SYSTEM = "system"


@attrs.frozen(kw_only=True)
class Timetable(Model):
    """When a schedule triggers: ``per_hour`` times in each of ``hours_of_day`` (UTC), on
    ``days_of_week`` or on ``days_of_month`` (one or the other), in ``months`` (all if unset).

    Also what :meth:`Schedules.create` and :meth:`Schedules.update` take; they check it
    against the spec's rules before sending.
    """

    per_hour: int = json_key("per-hour")
    hours_of_day: list[int] = json_key("hours-of-day")
    days_of_week: list[DayOfWeek | str] | None = json_key("days-of-week", default=None)
    days_of_month: list[int] | None = json_key("days-of-month", default=None)
    months: list[Month | str] | None = json_key("months", default=None)


@attrs.frozen(kw_only=True)
class Schedule(Model):
    """A scheduled pipeline of a project. ``parameters`` are the pipeline parameters it
    triggers with (integers, strings or booleans; ``branch`` or ``tag`` among them)."""

    id: str
    name: str
    description: str | None = None
    timetable: Timetable
    project_slug: str = json_key("project-slug")
    actor: User
    parameters: dict[str, Any]
    created_at: datetime = json_key("created-at")
    updated_at: datetime = json_key("updated-at")
