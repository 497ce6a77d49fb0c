"""The base of a tag module's handlers: how one spec tag adds routes and state to the fake.

A tag module (``_api_contexts.py``, say) subclasses :class:`TagApi`, lists its ``ROUTES``
with the spec's templates, writes one handler per route, keeps its entities in its own state
class (reached with :meth:`TagApi.part`), and is named once in ``_registry.TAG_APIS``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol, TypeVar

from aiohttp import web

from ._calls import Call, RouteSpec
from ._faults import Knobs
from ._state import Project, State

T = TypeVar("T")
P = TypeVar("P")


class TagHost(Protocol):
    """What a tag module uses of the fake's API (``_api.Api``), typed by shape so that
    module and this one do not import each other."""

    state: State
    knobs: Knobs

    def project_of(self, call: Call) -> Project: ...

    def presign_file(self, blob_id: str) -> str: ...

    async def body_of(self, call: Call) -> dict[str, Any]: ...

    def page_of(
        self, call: Call, items: Sequence[T], encode: Callable[[T], bytes]
    ) -> web.Response: ...


class TagApi:
    """Handlers of one spec tag; ``ROUTES`` name handler methods of the subclass.

    ::

        class ContextsApi(TagApi):
            ROUTES = (RouteSpec(V2, "GET", "/context/{context_id}", "get_context"),)

            async def get_context(self, call: Call) -> web.Response:
                found = self.part(Contexts).get(call.params["context_id"])
                ...
    """

    ROUTES: ClassVar[tuple[RouteSpec, ...]] = ()
    #: The key of the text in this tag's error bodies: CircleCI answers `{"message": ...}`,
    #: the policy and OIDC services `{"error": ...}`. The fake's own answers on these routes
    #: (wrong token, unknown id, bad body) use it too.
    ERROR_KEY: ClassVar[str] = "message"

    def __init__(self, api: TagHost) -> None:
        self._api = api

    @property
    def state(self) -> State:
        """The fake's shared state (users, projects, pipelines, ...)."""
        return self._api.state

    @property
    def knobs(self) -> Knobs:
        return self._api.knobs

    def part(self, kind: Callable[[State], P]) -> P:
        """This tag's own state container (see :meth:`State.part`)."""
        return self._api.state.part(kind)

    def project(self, call: Call) -> Project:
        """The project named by ``{project-slug}``, or 404 as CircleCI answers it."""
        return self._api.project_of(call)

    async def body(self, call: Call) -> dict[str, Any]:
        """The request's JSON object body (``{}`` when empty), or 400."""
        return await self._api.body_of(call)

    def presign_file(self, blob_id: str) -> str:
        """The pre-signed storage URL of a file put with `State.add_file`."""
        return self._api.presign_file(blob_id)

    @classmethod
    def error_keys(cls, tags: Sequence[type[TagApi]]) -> dict[str, str]:
        """``{route name: error key}`` for the routes of ``tags`` whose key is not
        ``message``."""
        return {
            spec.name: tag.ERROR_KEY
            for tag in tags
            if tag.ERROR_KEY != cls.ERROR_KEY
            for spec in tag.ROUTES
        }

    def page(self, call: Call, items: Sequence[T], encode: Callable[[T], bytes]) -> web.Response:
        """A ``{items, next_page_token}`` page of ``items`` for the ``page-token`` asked for,
        ``knobs.page_size`` long."""
        return self._api.page_of(call, items, encode)
