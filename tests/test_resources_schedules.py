"""``cci.schedules``: what each method sends, what it refuses to send, and its models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aioresponses import aioresponses
from bodies import BASE, ENCODED_SLUG, SLUG, USER, page

from aiocircle import CircleCI
from aiocircle.models import DayOfWeek, MessageResponse, Month, Schedule, Timetable, User

SCHEDULE_ID = "7c1d9e2f-3a4b-4c5d-8e6f-9a0b1c2d3e4f"
SCHEDULE = {
    "id": SCHEDULE_ID,
    "name": "nightly",
    "description": None,
    "timetable": {"per-hour": 1, "hours-of-day": [3], "days-of-week": ["MON", "FRI"]},
    "project-slug": "gh/my org/repo",
    "actor": USER,
    "parameters": {"branch": "main", "deploy": True, "shards": 4},
    "created-at": "2024-05-01T10:00:00.000Z",
    "updated-at": "2024-05-02T10:00:00.000Z",
}
NIGHTLY = Timetable(per_hour=1, hours_of_day=[3], days_of_week=["MON", DayOfWeek.FRI])
SCHEDULE_URL = f"{BASE}/schedule/{SCHEDULE_ID}"
SCHEDULE_PATH = f"/api/v2/schedule/{SCHEDULE_ID}"


async def test_list_types_each_schedule_with_dashed_keys_and_open_enums(
    cci: CircleCI, mock_api: aioresponses, sent: Any
) -> None:
    by_month = {
        **SCHEDULE,
        "description": "monthly",
        "timetable": {"per-hour": 2, "hours-of-day": [1], "days-of-month": [1], "months": ["JAN"]},
    }
    mock_api.get(f"{BASE}/project/{ENCODED_SLUG}/schedule", payload=page([SCHEDULE, by_month]))

    found = await cci.schedules.list(SLUG).collect()

    assert sent.only().url.raw_path == f"/api/v2/project/{ENCODED_SLUG}/schedule"
    assert found[0] == Schedule(
        id=SCHEDULE_ID,
        name="nightly",
        description=None,
        timetable=Timetable(
            per_hour=1, hours_of_day=[3], days_of_week=[DayOfWeek.MON, DayOfWeek.FRI]
        ),
        project_slug="gh/my org/repo",
        actor=User(
            id=USER["id"], login=USER["login"], name=USER["name"], avatar_url=USER["avatar_url"]
        ),
        parameters={"branch": "main", "deploy": True, "shards": 4},
        created_at=datetime(2024, 5, 1, 10, tzinfo=UTC),
        updated_at=datetime(2024, 5, 2, 10, tzinfo=UTC),
    )
    assert found[1].timetable.months == [Month.JAN]
    assert found[1].timetable.days_of_week is None and found[1].description == "monthly"


async def test_create_posts_the_timetable_in_the_spec_s_keys(
    cci: CircleCI, mock_api: aioresponses, sent: Any
) -> None:
    mock_api.post(f"{BASE}/project/{ENCODED_SLUG}/schedule", payload=SCHEDULE, status=201)

    schedule = await cci.schedules.create(
        SLUG,
        "nightly",
        Timetable(per_hour=1, hours_of_day=[3], days_of_month=[1, 15], months=[Month.JAN, "FEB"]),
        {"branch": "main", "deploy": True},
        attribution_actor="system",
        description="twice a month",
    )

    request = sent.only()
    assert (request.method, request.url.raw_path) == (
        "POST",
        f"/api/v2/project/{ENCODED_SLUG}/schedule",
    )
    assert request.json == {
        "name": "nightly",
        "timetable": {
            "per-hour": 1,
            "hours-of-day": [3],
            "days-of-month": [1, 15],
            "months": ["JAN", "FEB"],
        },
        "attribution-actor": "system",
        "parameters": {"branch": "main", "deploy": True},
        "description": "twice a month",
    }
    assert schedule.id == SCHEDULE_ID


@pytest.mark.parametrize(
    ("timetable", "rule"),
    [
        (Timetable(per_hour=0, hours_of_day=[3], days_of_week=["MON"]), "per_hour .* 1 to 60"),
        (Timetable(per_hour=61, hours_of_day=[3], days_of_week=["MON"]), "per_hour .* 1 to 60"),
        (Timetable(per_hour=True, hours_of_day=[3], days_of_week=["MON"]), "per_hour"),
        (Timetable(per_hour=1, hours_of_day=[], days_of_week=["MON"]), "hours_of_day"),
        (Timetable(per_hour=1, hours_of_day=[24], days_of_week=["MON"]), "hours 0-23"),
        (Timetable(per_hour=1, hours_of_day=[3]), "days_of_week or days_of_month"),
        (
            Timetable(per_hour=1, hours_of_day=[3], days_of_week=["MON"], days_of_month=[1]),
            "one, not both",
        ),
        (Timetable(per_hour=1, hours_of_day=[3], days_of_week=["MONDAY"]), "days_of_week must"),
        (Timetable(per_hour=1, hours_of_day=[3], days_of_month=[32]), "days 1-31"),
        (Timetable(per_hour=1, hours_of_day=[3], days_of_month=[0]), "days 1-31"),
        (
            Timetable(per_hour=1, hours_of_day=[3], days_of_week=["MON"], months=["January"]),
            "months must be",
        ),
        (Timetable(per_hour=1, hours_of_day=[3], days_of_week=["MON"], months=[]), "months"),
    ],
)
async def test_a_timetable_the_spec_does_not_allow_is_refused_before_sending(
    cci: CircleCI, sent: Any, timetable: Timetable, rule: str
) -> None:
    with pytest.raises(ValueError, match=rule):
        await cci.schedules.create(SLUG, "nightly", timetable, {"branch": "main"})
    with pytest.raises(ValueError, match=rule):
        await cci.schedules.update(SCHEDULE_ID, timetable=timetable)
    assert sent() == []


@pytest.mark.parametrize(
    ("kwargs", "rule"),
    [
        ({"name": " "}, "name must not be empty"),
        ({"parameters": {"deploy": True}}, "'branch' or 'tag'"),
        ({"parameters": {"branch": "main", "list": [1]}}, "parameter 'list' must be"),
        ({"attribution_actor": "me"}, "attribution_actor must be 'current' or 'system'"),
    ],
)
async def test_create_refuses_bad_fields_before_sending(
    cci: CircleCI, sent: Any, kwargs: dict[str, Any], rule: str
) -> None:
    fields: dict[str, Any] = {"name": "nightly", "parameters": {"branch": "main"}, **kwargs}
    name, parameters = fields.pop("name"), fields.pop("parameters")
    with pytest.raises(ValueError, match=rule):
        await cci.schedules.create(SLUG, name, NIGHTLY, parameters, **fields)
    assert sent() == []


async def test_get_and_delete_use_the_schedule_path(
    cci: CircleCI, mock_api: aioresponses, sent: Any
) -> None:
    mock_api.get(SCHEDULE_URL, payload=SCHEDULE)
    mock_api.delete(SCHEDULE_URL, payload={"message": "Schedule deleted."})

    assert (await cci.schedules.get(SCHEDULE_ID)).name == "nightly"
    assert await cci.schedules.delete(SCHEDULE_ID) == MessageResponse(message="Schedule deleted.")
    assert [(r.method, r.url.path) for r in sent()] == [
        ("GET", SCHEDULE_PATH),
        ("DELETE", SCHEDULE_PATH),
    ]


async def test_update_patches_only_the_fields_given(
    cci: CircleCI, mock_api: aioresponses, sent: Any
) -> None:
    mock_api.patch(SCHEDULE_URL, payload={**SCHEDULE, "name": "renamed"})

    updated = await cci.schedules.update(
        SCHEDULE_ID, name="renamed", timetable=NIGHTLY, attribution_actor="current"
    )

    request = sent.only()
    assert (request.method, request.url.path) == ("PATCH", SCHEDULE_PATH)
    assert request.json == {
        "name": "renamed",
        "timetable": {"per-hour": 1, "hours-of-day": [3], "days-of-week": ["MON", "FRI"]},
        "attribution-actor": "current",
    }
    assert updated.name == "renamed"


async def test_update_with_nothing_to_change_or_a_bad_id_sends_nothing(
    cci: CircleCI, sent: Any
) -> None:
    with pytest.raises(ValueError, match="at least one field"):
        await cci.schedules.update(SCHEDULE_ID)
    with pytest.raises(ValueError, match="schedule_id must be a UUID"):
        await cci.schedules.get("nightly")
    with pytest.raises(ValueError, match="malformed project slug"):
        cci.schedules.list("acme/widgets")
    assert sent() == []
