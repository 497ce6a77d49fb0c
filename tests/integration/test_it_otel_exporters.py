"""``cci.otel_exporters`` against FakeCircleCI over TCP: exporters agree with the fake's
state, header values stay secret, deletes are final."""

from __future__ import annotations

import pytest
from _it_helpers import seeded_fake

from aiocircle import BadRequestError, NotFoundError
from aiocircle.testing._api_otel_exporters import OtelExporters


async def test_exporters_are_created_listed_and_deleted_for_an_organization() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        org = next(iter(fake.state.organizations.values()))
        honeycomb = await cci.otel_exporters.create(
            org.id,
            endpoint="api.honeycomb.io:443",
            protocol="grpc",
            headers={"x-honeycomb-team": "hc-secret"},
        )
        local = await cci.otel_exporters.create(
            org.id, endpoint="collector:4318", protocol="http", insecure=True
        )
        held = fake.state.part(OtelExporters).by_id
        assert held[honeycomb["id"]].headers == {"x-honeycomb-team": "hc-secret"}
        assert honeycomb["headers"] == {"x-honeycomb-team": "xxxx"}
        assert (local["protocol"], local["insecure"]) == ("http", True)

        listed = await cci.otel_exporters.list(org.id)
        assert [e["id"] for e in listed["items"]] == [honeycomb["id"], local["id"]]

        assert (await cci.otel_exporters.delete(honeycomb["id"]))["message"]
        assert honeycomb["id"] not in held
        assert [e["id"] for e in (await cci.otel_exporters.list(org.id))["items"]] == [local["id"]]
        with pytest.raises(NotFoundError):
            await cci.otel_exporters.delete(honeycomb["id"])
        with pytest.raises(NotFoundError):
            await cci.otel_exporters.list("no-such-org")


async def test_the_fake_refuses_an_exporter_the_client_would_not_build() -> None:
    async with seeded_fake() as fake, fake.client() as cci:
        org = next(iter(fake.state.organizations.values()))
        no_endpoint = {"org_id": org.id, "protocol": "grpc"}
        with pytest.raises(BadRequestError, match="endpoint is required"):
            await cci.request("POST", "/otel/exporters", json=no_endpoint)
    assert fake.stats.count("POST /otel/exporters") == 1
