"""A tag module adds routes, handlers and its own state to the fake (see `_tagapi.TagApi`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from fake_api import Api

import aiocircle.testing._server as server_module
from aiocircle.testing import FakeCircleCI, State
from aiocircle.testing._calls import V2, Call, RouteSpec
from aiocircle.testing._http import HttpError, json_response
from aiocircle.testing._render import dumps
from aiocircle.testing._state import NotFound
from aiocircle.testing._tagapi import TagApi


class Widgets:
    """A tag's own state: created on first use with the fake's State."""

    def __init__(self, state: State) -> None:
        self._state = state
        self.items: dict[str, str] = {}

    def add(self, name: str) -> str:
        widget_id = self._state.new_id()
        self.items[widget_id] = name
        return widget_id


class WidgetsApi(TagApi):
    ROUTES = (
        RouteSpec(V2, "GET", "/widget", "list_widgets"),
        RouteSpec(V2, "POST", "/widget", "create_widget"),
        RouteSpec(V2, "GET", "/widget/{widget-id}", "get_widget"),
    )

    async def list_widgets(self, call: Call) -> web.Response:
        items = list(self.part(Widgets).items.items())
        return self.page(call, items, lambda item: dumps({"id": item[0], "name": item[1]}))

    async def create_widget(self, call: Call) -> web.Response:
        name = (await self.body(call)).get("name")
        if not isinstance(name, str):
            raise HttpError(400, "name is a string")
        widget_id = self.part(Widgets).add(name)
        return json_response(dumps({"id": widget_id, "name": name}), status=201)

    async def get_widget(self, call: Call) -> web.Response:
        name = self.part(Widgets).items.get(call.params["widget-id"])
        if name is None:
            raise NotFound("Widget not found")
        return json_response(dumps({"id": call.params["widget-id"], "name": name}))


@pytest.fixture
async def widget_api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Api]:
    monkeypatch.setattr(server_module, "TAG_APIS", (WidgetsApi,))
    async with FakeCircleCI(page_size=2) as fake, aiohttp.ClientSession() as session:
        yield Api(fake, session)


async def test_a_tag_module_serves_its_routes_over_its_own_state(widget_api: Api) -> None:
    widgets = widget_api.fake.state.part(Widgets)
    seeded = [widgets.add(name) for name in ("a", "b", "c")]

    status, created = await widget_api.call("POST", "/widget", json={"name": "d"})
    assert status == 201
    assert widget_api.fake.state.part(Widgets) is widgets
    assert [w["name"] for w in await widget_api.items("/widget")] == ["a", "b", "c", "d"]
    assert await widget_api.get(f"/widget/{seeded[1]}") == {"id": seeded[1], "name": "b"}
    assert (await widget_api.call("GET", "/widget/nope"))[0] == 404
    assert (await widget_api.call("POST", "/widget", json={"name": 1}))[0] == 400
    assert widget_api.fake.stats.count("GET /widget") == 2
    assert created["name"] == "d"


async def test_tag_routes_are_listed_beside_the_core_ones(widget_api: Api) -> None:
    routes = widget_api.fake.routes
    assert {"GET /widget", "POST /widget", "GET /widget/{widget-id}", "GET /me"} <= set(routes)


def test_a_tag_route_that_a_core_route_already_serves_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Clash(TagApi):
        ROUTES = (RouteSpec(V2, "GET", "/me", "me"),)

    monkeypatch.setattr(server_module, "TAG_APIS", (Clash,))
    with pytest.raises(ValueError, match="two handlers for GET /me"):
        FakeCircleCI()
