"""The fake's OpenTelemetry exporters: state that agrees with itself, secrets never answered,
and error bodies of CircleCI's usual `{"message"}` shape."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from cases_otel_exporters import seed
from conformance import MESSAGE
from fake_api import Api

from aiocircle.testing._api_otel_exporters import OtelExporters


async def test_an_exporter_is_listed_for_its_organization_until_deleted(api: Api) -> None:
    org_id, seeded = seed(api)
    body = {"org_id": org_id, "endpoint": "otel.example.com:4317", "protocol": "grpc"}
    status, created = await api.call("POST", "/otel/exporters", json=body)
    assert status == 201
    assert "headers" not in created
    listed = await api.get("/otel/exporters", **{"org-id": org_id})
    assert [e["id"] for e in listed["items"]] == [*(e.id for e in seeded), created["id"]]
    # CircleCI's changelog spells the parameter org_id: the fake takes that too.
    assert await api.get("/otel/exporters", org_id=org_id) == listed

    assert (await api.call("DELETE", f"/otel/exporters/{created['id']}"))[0] == 200
    assert created["id"] not in api.fake.state.part(OtelExporters).by_id
    assert (await api.call("DELETE", f"/otel/exporters/{created['id']}"))[0] == 404


async def test_header_values_are_kept_but_never_answered(api: Api) -> None:
    org_id, _ = seed(api)
    body = {
        "org_id": org_id,
        "endpoint": "api.honeycomb.io:443",
        "protocol": "grpc",
        "headers": {"x-honeycomb-team": "hc-secret"},
    }
    _, created = await api.call("POST", "/otel/exporters", json=body)
    listed = await api.get("/otel/exporters", **{"org-id": org_id})
    assert "hc-secret" not in repr(created) + repr(listed)
    held = api.fake.state.part(OtelExporters).by_id[created["id"]]
    assert held.headers == {"x-honeycomb-team": "hc-secret"}
    assert "hc-secret" not in repr(held)


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "status"),
    [
        ("GET", "/otel/exporters", {}, None, 400),
        ("GET", "/otel/exporters", {"org-id": "nope"}, None, 404),
        ("POST", "/otel/exporters", {}, {"endpoint": "x:1", "protocol": "grpc"}, 400),
        (
            "POST",
            "/otel/exporters",
            {},
            {"org_id": "{org}", "endpoint": "x:1", "protocol": "udp"},
            400,
        ),
        ("POST", "/otel/exporters", {}, {"org_id": "{org}", "protocol": "grpc"}, 400),
        ("DELETE", "/otel/exporters/nope", {}, None, 404),
    ],
)
async def test_errors_answer_a_message(
    api: Api, method: str, path: str, params: dict[str, str], body: Any, status: int
) -> None:
    org_id, _ = seed(api)
    if body and body.get("org_id") == "{org}":
        body = {**body, "org_id": org_id}
    got, answer = await api.call(method, path, json=body, **params)
    assert got == status, answer
    jsonschema.validate(answer, MESSAGE)  # {"message": str} and nothing else
