"""``cci.otel_exporters``: where CircleCI sends an organization's OpenTelemetry spans.

These operations are in CircleCI's live API (August 2026) but not in openapi.json, so their
answers are returned as decoded JSON, not models. The request shapes follow CircleCI's
OpenTelemetry guide: ``org_id``, ``endpoint``, ``protocol`` (``grpc`` or ``http``),
``insecure`` and ``headers`` in the body; the list takes the organization as ``org-id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from .._operations import operation
from .._slug import encode_segment
from ._base import Resource

Protocol = Literal["grpc", "http"]
_PROTOCOLS = ("grpc", "http")


def _text(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string, not {value!r}")
    return value


class OtelExporters(Resource):
    @operation("listOtelExporters", "GET", "/otel/exporters")
    async def list(self, org_id: str) -> Any:
        """The exporters of an organization, as decoded JSON (the fake answers
        ``{"items": [...]}``; CircleCI documents no shape). ``GET /otel/exporters``"""
        params = {"org-id": _text(org_id, "org_id")}
        return await self._core.json("GET", "/otel/exporters", params=params)

    @operation("createOtelExporter", "POST", "/otel/exporters")
    async def create(
        self,
        org_id: str,
        *,
        endpoint: str,
        protocol: Protocol,
        headers: Mapping[str, str] | None = None,
        insecure: bool = False,
    ) -> Any:
        """Send the organization's spans to the OTLP collector at ``endpoint``
        (``host:port``) over ``protocol``, with extra ``headers`` (an API key, say) on every
        export; ``insecure`` only for a collector without TLS. Returns the decoded JSON.
        ``POST /otel/exporters``"""
        if protocol not in _PROTOCOLS:
            raise ValueError(f"protocol must be 'grpc' or 'http', not {protocol!r}")
        if not isinstance(insecure, bool):
            raise ValueError(f"insecure must be a bool, not {insecure!r}")
        sent_headers = dict(headers or {})
        for name, value in sent_headers.items():
            if not isinstance(name, str) or not name.strip() or not isinstance(value, str):
                # The value may be a secret: name only the header.
                raise ValueError(f"headers must map non-empty names to strings (header {name!r})")
        body = {
            "org_id": _text(org_id, "org_id"),
            "endpoint": _text(endpoint, "endpoint"),
            "protocol": protocol,
            "insecure": insecure,
            "headers": sent_headers,
        }
        return await self._core.json("POST", "/otel/exporters", json=body)

    @operation("deleteOtelExporter", "DELETE", "/otel/exporters/{otel_exporter_id}")
    async def delete(self, exporter_id: str) -> Any:
        """Stop exporting to an exporter; returns the decoded JSON.
        ``DELETE /otel/exporters/{otel_exporter_id}``"""
        exporter = encode_segment(exporter_id, "exporter id")
        return await self._core.json("DELETE", f"/otel/exporters/{exporter}")
