"""The fake's OpenTelemetry exporters of an organization (``/otel/exporters``).

openapi.json does not describe these operations; the shapes follow CircleCI's OpenTelemetry
guide for requests, and for answers are the fake's own (see docs/otel-exporters.md):
an exporter is ``{id, org_id, endpoint, protocol, insecure, headers?}`` with header values
masked, the list ``{items}``, create answers 201 and delete ``{message}``.
"""

from __future__ import annotations

from typing import Any

import attrs
from aiohttp import web

from ._api_organizations import Organizations
from ._calls import V2, Call, RouteSpec
from ._http import HttpError, json_response
from ._render import dumps
from ._state import NotFound, State
from ._tagapi import TagApi

PROTOCOLS = ("grpc", "http")


@attrs.define(eq=False)
class FakeExporter:
    id: str
    org_id: str
    endpoint: str
    protocol: str
    insecure: bool = False
    #: Extra headers sent with each export; their values are secrets, never answered.
    headers: dict[str, str] = attrs.field(factory=dict, repr=False)

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "id": self.id,
            "org_id": self.org_id,
            "endpoint": self.endpoint,
            "protocol": self.protocol,
            "insecure": self.insecure,
        }
        if self.headers:
            found["headers"] = {name: "xxxx" for name in self.headers}
        return found


class OtelExporters:
    def __init__(self, state: State) -> None:
        self._state = state
        self.by_id: dict[str, FakeExporter] = {}

    def add(
        self, org_id: str, endpoint: str, protocol: str = "grpc", **kwargs: Any
    ) -> FakeExporter:
        exporter = FakeExporter(self._state.new_id(), org_id, endpoint, protocol, **kwargs)
        self.by_id[exporter.id] = exporter
        return exporter


class OtelExportersApi(TagApi):
    ROUTES = (
        RouteSpec(V2, "GET", "/otel/exporters", "list_exporters"),
        RouteSpec(V2, "POST", "/otel/exporters", "create_exporter"),
        RouteSpec(V2, "DELETE", "/otel/exporters/{otel_exporter_id}", "delete_exporter"),
    )

    def _org_id(self, value: object) -> str:
        if not isinstance(value, str) or not value:
            raise HttpError(400, "org_id is required")
        return self.part(Organizations).find(value).id

    async def list_exporters(self, call: Call) -> web.Response:
        # CircleCI's guide spells the parameter org-id, its changelog org_id: take either.
        query = call.request.query
        org_id = self._org_id(query.get("org-id", query.get("org_id")))
        items = [e.to_json() for e in self.part(OtelExporters).by_id.values() if e.org_id == org_id]
        return json_response(dumps({"items": items}))

    async def create_exporter(self, call: Call) -> web.Response:
        body = await self.body(call)
        org_id = self._org_id(body.get("org_id"))
        endpoint = body.get("endpoint")
        if not isinstance(endpoint, str) or not endpoint.strip():
            raise HttpError(400, "endpoint is required")
        protocol = body.get("protocol")
        if protocol not in PROTOCOLS:
            raise HttpError(400, "protocol must be grpc or http")
        insecure = body.get("insecure", False)
        headers = body.get("headers") or {}
        if not isinstance(insecure, bool):
            raise HttpError(400, "insecure is a boolean")
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise HttpError(400, "headers is an object of strings")
        exporter = self.part(OtelExporters).add(
            org_id, endpoint, protocol, insecure=insecure, headers=dict(headers)
        )
        return json_response(dumps(exporter.to_json()), status=201)

    async def delete_exporter(self, call: Call) -> web.Response:
        if self.part(OtelExporters).by_id.pop(call.params["otel_exporter_id"], None) is None:
            raise NotFound("Exporter not found.")
        return json_response(dumps({"message": "Exporter deleted."}))
