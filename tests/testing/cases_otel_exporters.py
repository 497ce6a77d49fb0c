"""Conformance cases of the OpenTelemetry exporters (live-only: the schemas are written here,
from what `cci.otel_exporters` sends and what docs/otel-exporters.md says the fake answers)."""

from __future__ import annotations

from typing import Any

from conformance import MESSAGE, Answers, case
from fake_api import Api

from aiocircle.testing._api_organizations import Organizations
from aiocircle.testing._api_otel_exporters import OtelExporters

EXPORTER: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "org_id": {"type": "string"},
        "endpoint": {"type": "string"},
        "protocol": {"enum": ["grpc", "http"]},
        "insecure": {"type": "boolean"},
        # Header names with masked values: the values are the collector's secrets.
        "headers": {"type": "object", "additionalProperties": {"const": "xxxx"}},
    },
    "required": ["id", "org_id", "endpoint", "protocol", "insecure"],
    "additionalProperties": False,
}
EXPORTERS = {
    "type": "object",
    "properties": {"items": {"type": "array", "items": EXPORTER}},
    "required": ["items"],
    "additionalProperties": False,
}


def seed(api: Api) -> tuple[str, list[Any]]:
    """An organization with an exporter with headers and one without."""
    org = api.fake.state.part(Organizations).add("otel-org")
    exporters = api.fake.state.part(OtelExporters)
    return org.id, [
        exporters.add(org.id, "api.honeycomb.io:443", headers={"x-honeycomb-team": "key"}),
        exporters.add(org.id, "collector.internal:4318", "http", insecure=True),
    ]


@case("GET /otel/exporters", status=200, schema=EXPORTERS)
async def _list(api: Api) -> Answers:
    org_id, _ = seed(api)
    empty = api.fake.state.part(Organizations).add("quiet-org")
    return [
        await api.call("GET", "/otel/exporters", **{"org-id": org_id}),
        await api.call("GET", "/otel/exporters", **{"org-id": empty.id}),
    ]


@case("POST /otel/exporters", status=201, schema=EXPORTER)
async def _create(api: Api) -> Answers:
    org_id, _ = seed(api)
    bodies = [
        {"org_id": org_id, "endpoint": "otel.example.com:4317", "protocol": "grpc"},
        {
            "org_id": org_id,
            "endpoint": "otel.example.com:4318",
            "protocol": "http",
            "insecure": True,
            "headers": {"authorization": "Bearer secret"},
        },
    ]
    return [await api.call("POST", "/otel/exporters", json=body) for body in bodies]


@case("DELETE /otel/exporters/{otel_exporter_id}", status=200, schema=MESSAGE)
async def _delete(api: Api) -> Answers:
    _, exporters = seed(api)
    return [await api.call("DELETE", f"/otel/exporters/{e.id}") for e in exporters]
