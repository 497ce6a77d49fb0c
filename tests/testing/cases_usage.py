"""Conformance cases of the usage export routes: every answer validates against openapi.json."""

from __future__ import annotations

from datetime import timedelta

from conformance import Answers, case, first
from fake_api import Api

from aiocircle.testing._state import iso


def _window(api: Api) -> dict[str, str]:
    now = api.fake.state.now
    return {"start": iso(now - timedelta(days=20)), "end": iso(now)}


@case("POST /organizations/{org_id}/usage_export_job", status=201)
async def _create(api: Api) -> Answers:
    org = first(api).organization
    return [await api.call("POST", f"/organizations/{org.id}/usage_export_job", json=_window(api))]


@case("GET /organizations/{org_id}/usage_export_job/{usage_export_job_id}")
async def _get(api: Api) -> Answers:
    org = first(api).organization
    path = f"/organizations/{org.id}/usage_export_job"
    _, created = await api.call("POST", path, json=_window(api))
    # created, processing, completed (with its download URLs), completed again
    return [await api.call("GET", f"{path}/{created['usage_export_job_id']}") for _ in range(4)]
