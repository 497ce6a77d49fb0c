"""Conformance cases of the Schedule tag: every route's answers, errors included, per the spec."""

from __future__ import annotations

from typing import Any

from conformance import Answers, case, check_error, first, pages, projects
from fake_api import Api

from aiocircle.testing._api_schedules import SchedulesState

MISSING = "5034460f-c7c4-4c43-9457-de07e2029e7b"
BY_MONTH = {"per-hour": 2, "hours-of-day": [1, 13], "days-of-month": [1, 15], "months": ["JAN"]}


def seed(api: Api, count: int) -> list[Any]:
    """Schedules with and without a description, months and a system actor, by turns."""
    schedules = api.fake.state.part(SchedulesState)
    return [
        schedules.add_schedule(
            first(api),
            f"nightly-{n}",
            timetable=BY_MONTH if n % 2 else None,
            description=f"run {n}" if n % 2 else None,
            parameters={"branch": "main", "deploy": n % 2 == 0, "shards": n},
        )
        for n in range(count)
    ]


@case("GET /project/{project-slug}/schedule")
async def _schedules(api: Api) -> Answers:
    seed(api, 12)
    answers = await pages(api, f"/project/{first(api).slug}/schedule")
    assert len(answers) >= 3
    for project in projects(api)[1:]:
        answers += await pages(api, f"/project/{project.slug}/schedule")
    missing = await api.call("GET", "/project/gh/nobody/nothing/schedule")
    check_error("GET", "/project/{project-slug}/schedule", missing, 404)
    return answers


@case("POST /project/{project-slug}/schedule")
async def _create_schedule(api: Api) -> Answers:
    path = f"/project/{first(api).slug}/schedule"
    weekly = {
        "name": "weekly",
        "timetable": {"per-hour": 1, "hours-of-day": [0], "days-of-week": ["SUN"]},
        "attribution-actor": "system",
        "parameters": {"tag": "v1"},
    }
    monthly = {
        "name": "monthly",
        "description": "first of the month",
        "timetable": BY_MONTH,
        "attribution-actor": "current",
        "parameters": {"branch": "main"},
    }
    answers = [await api.call("POST", path, json=body) for body in (weekly, monthly)]
    template = "/project/{project-slug}/schedule"
    too_often = {**weekly, "timetable": {**weekly["timetable"], "per-hour": 61}}
    check_error("POST", template, await api.call("POST", path, json=too_often), 400)
    both = {**weekly, "timetable": {**BY_MONTH, "days-of-week": ["MON"]}}
    check_error("POST", template, await api.call("POST", path, json=both), 400)
    no_branch = {**weekly, "parameters": {"deploy": True}}
    check_error("POST", template, await api.call("POST", path, json=no_branch), 400)
    return answers


@case("GET /schedule/{schedule-id}")
async def _schedule(api: Api) -> Answers:
    found = seed(api, 2)
    check_error(
        "GET", "/schedule/{schedule-id}", await api.call("GET", f"/schedule/{MISSING}"), 404
    )
    check_error("GET", "/schedule/{schedule-id}", await api.call("GET", "/schedule/x"), 400)
    return [await api.call("GET", f"/schedule/{s.id}") for s in found]


@case("PATCH /schedule/{schedule-id}")
async def _update_schedule(api: Api) -> Answers:
    found = seed(api, 1)[0]
    path = f"/schedule/{found.id}"
    answers = [
        await api.call("PATCH", path, json={"name": "renamed", "description": None}),
        await api.call("PATCH", path, json={"timetable": {"days-of-month": [2]}}),
        await api.call("PATCH", path, json={"attribution-actor": "system"}),
    ]
    assert answers[1][1]["timetable"]["days-of-month"] == [2]
    bad = await api.call("PATCH", path, json={"timetable": {"hours-of-day": [24]}})
    check_error("PATCH", "/schedule/{schedule-id}", bad, 400)
    missing = await api.call("PATCH", f"/schedule/{MISSING}", json={"name": "x"})
    check_error("PATCH", "/schedule/{schedule-id}", missing, 404)
    return answers


@case("DELETE /schedule/{schedule-id}")
async def _delete_schedule(api: Api) -> Answers:
    found = seed(api, 1)[0]
    answer = await api.call("DELETE", f"/schedule/{found.id}")
    again = await api.call("DELETE", f"/schedule/{found.id}")
    check_error("DELETE", "/schedule/{schedule-id}", again, 404)
    return [answer]
