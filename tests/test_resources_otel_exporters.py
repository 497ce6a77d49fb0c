"""``cci.otel_exporters``: an organization's OpenTelemetry exporters, request by request."""

from __future__ import annotations

import re

import pytest
from aioresponses import aioresponses
from bodies import BASE, ORG_ID

from aiocircle import CircleCI

EXPORTER_ID = "3d0c8a5e-4b0f-4e0b-9a55-2f1c7d3e9b10"
EXPORTER = {
    "id": EXPORTER_ID,
    "org_id": ORG_ID,
    "endpoint": "api.honeycomb.io:443",
    "protocol": "grpc",
    "insecure": False,
}


async def test_list_names_the_organization_as_org_id_and_returns_the_json(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(re.compile(rf"^{re.escape(BASE)}/otel/exporters\?.*$"), payload={"items": []})

    found = await cci.otel_exporters.list(ORG_ID)

    request = sent.only()
    assert (request.method, request.url.path) == ("GET", "/api/v2/otel/exporters")
    assert request.query == {"org-id": ORG_ID}
    assert found == {"items": []}


async def test_create_sends_the_exporter_and_returns_the_json(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(f"{BASE}/otel/exporters", status=201, payload=EXPORTER)

    created = await cci.otel_exporters.create(
        ORG_ID,
        endpoint="api.honeycomb.io:443",
        protocol="grpc",
        headers={"x-honeycomb-team": "hc-key"},
    )

    assert sent.only().json == {
        "org_id": ORG_ID,
        "endpoint": "api.honeycomb.io:443",
        "protocol": "grpc",
        "insecure": False,
        "headers": {"x-honeycomb-team": "hc-key"},
    }
    assert created == EXPORTER


@pytest.mark.parametrize(
    ("kwargs", "rule"),
    [
        ({"protocol": "udp"}, "protocol must be 'grpc' or 'http'"),
        ({"endpoint": ""}, "endpoint must be a non-empty string"),
        ({"org_id": " "}, "org_id must be a non-empty string"),
        ({"insecure": "yes"}, "insecure must be a bool"),
        ({"headers": {"x-key": 42}}, "headers must map non-empty names to strings"),
    ],
)
async def test_create_checks_the_exporter_before_sending(
    cci: CircleCI, sent, kwargs: dict[str, object], rule: str
) -> None:
    arguments: dict[str, object] = {
        "org_id": ORG_ID,
        "endpoint": "x:4317",
        "protocol": "grpc",
        **kwargs,
    }
    with pytest.raises(ValueError, match=rule):
        await cci.otel_exporters.create(**arguments)  # type: ignore[arg-type]
    assert sent() == []


async def test_a_bad_header_is_named_without_its_value(cci: CircleCI) -> None:
    with pytest.raises(ValueError) as raised:
        await cci.otel_exporters.create(
            ORG_ID, endpoint="x:1", protocol="http", headers={"": "hc-secret"}
        )
    assert "hc-secret" not in str(raised.value)


async def test_delete_addresses_the_exporter(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.delete(f"{BASE}/otel/exporters/{EXPORTER_ID}", payload={"message": "deleted"})

    assert await cci.otel_exporters.delete(EXPORTER_ID) == {"message": "deleted"}
    assert sent.only().method == "DELETE"


async def test_list_refuses_an_empty_org_id(cci: CircleCI, sent) -> None:
    with pytest.raises(ValueError, match="org_id"):
        await cci.otel_exporters.list("")
    assert sent() == []
