"""``cci.schedules`` against FakeCircleCI over TCP: schedules made, listed over several pages,
changed and deleted, compared with the fake's own state."""

from __future__ import annotations

import pytest
from _it_helpers import FAST_RETRY, PAGE_SIZE, seeded_fake, slugs

from aiocircle import BadRequestError, NotFoundError, ServerError
from aiocircle.models import DayOfWeek, Month, Timetable
from aiocircle.testing._api_schedules import SYSTEM_ACTOR, SchedulesState

WEEKDAYS = Timetable(per_hour=1, hours_of_day=[3], days_of_week=["MON", "TUE", "WED"])


async def test_a_schedule_is_created_listed_updated_and_deleted() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[0]
        stored = fake.state.part(SchedulesState).schedules
        made = [
            await cci.schedules.create(
                slug, f"nightly-{n}", WEEKDAYS, {"branch": "main", "shard": n}
            )
            for n in range(4)
        ]
        monthly = await cci.schedules.create(
            slug,
            "monthly",
            Timetable(per_hour=2, hours_of_day=[0, 12], days_of_month=[1], months=[Month.JAN]),
            {"tag": "v1"},
            attribution_actor="system",
            description="first of January",
        )
        assert monthly.actor.login == SYSTEM_ACTOR.login and monthly.actor.avatar_url is None
        assert made[0].actor.id == fake.state.me.id and made[0].description is None
        assert monthly.timetable.months == [Month.JAN]
        assert stored[monthly.id].parameters == {"tag": "v1"}

        listed = await cci.schedules.list(slug).collect()
        assert [s.id for s in listed] == [s.id for s in [*made, monthly]] == list(stored)
        assert len(listed) > 2 * PAGE_SIZE  # three pages
        assert fake.stats.count("GET /project/{project-slug}/schedule") == 3
        assert await cci.schedules.list(slugs(fake)[1]).collect() == []

        assert await cci.schedules.get(monthly.id) == monthly
        changed = await cci.schedules.update(
            made[0].id,
            name="weekly",
            timetable=Timetable(per_hour=1, hours_of_day=[6], days_of_week=[DayOfWeek.SUN]),
        )
        assert (changed.name, changed.timetable.days_of_week) == ("weekly", [DayOfWeek.SUN])
        assert changed.parameters == made[0].parameters and changed.updated_at > made[0].updated_at
        assert stored[made[0].id].name == "weekly"

        deleted = await cci.schedules.delete(made[1].id)
        assert deleted.message == "Schedule deleted." and made[1].id not in stored
        with pytest.raises(NotFoundError, match="Schedule not found"):
            await cci.schedules.get(made[1].id)
        with pytest.raises(NotFoundError):
            await cci.schedules.update(made[1].id, name="x")


async def test_the_fake_refuses_a_timetable_the_client_would_not_send() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        slug = slugs(fake)[0]
        body = {
            "name": "n",
            "timetable": {"per-hour": 1, "hours-of-day": [3]},
            "attribution-actor": "current",
            "parameters": {"branch": "main"},
        }
        with pytest.raises(BadRequestError, match="days-of-week and days-of-month"):
            await cci.request("POST", f"/project/{slug}/schedule", json=body)
        assert fake.state.part(SchedulesState).schedules == {}


async def test_an_update_is_retried_after_a_5xx_and_a_create_is_not() -> None:
    async with seeded_fake() as fake, fake.client(retry=FAST_RETRY) as cci:
        slug = slugs(fake)[0]
        stored = fake.state.part(SchedulesState).schedules
        fake.fail_next(f"/project/{slug}/schedule", status=503, method="POST")
        with pytest.raises(ServerError):
            await cci.schedules.create(slug, "nightly", WEEKDAYS, {"branch": "main"})
        assert stored == {}

        made = await cci.schedules.create(slug, "nightly", WEEKDAYS, {"branch": "main"})
        fake.fail_next(f"/schedule/{made.id}", status=503, method="PATCH", times=2)
        changed = await cci.schedules.update(made.id, name="renamed")
        assert changed.name == stored[made.id].name == "renamed"
        patches = [
            r.status for r in fake.stats.requests if r.route == "PATCH /schedule/{schedule-id}"
        ]
        assert patches == [503, 503, 200]
