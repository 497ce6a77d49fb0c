"""``cci.deploys``: an organization's deploy environments, components and their versions.

The environment and component lists page with a required ``page-size`` and a ``page-token``
(``TokenPages.sized``). The spec lists no paging parameter for component versions but answers
with a ``next_page_token``; it is followed with ``page-token``, as the other lists are.
"""

from __future__ import annotations

from .._operations import operation
from .._pagination import PAGE_TOKEN, Paginator, TokenPages
from .._slug import encode_segment
from ..models import Component, ComponentVersion, Environment
from ._base import Resource

#: Items per page of the environment and component lists unless told.
DEFAULT_PAGE_SIZE = 50


class Deploys(Resource):
    @operation("listEnvironments", "GET", "/deploy/environments", paginated=True)
    def environments(
        self, org_id: str, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Paginator[Environment]:
        """An organization's deploy environments. ``GET /deploy/environments?org-id=``"""
        params = {"org-id": _id(org_id, "org_id")}
        return self._core.paginate(
            Environment, "/deploy/environments", params=params, style=TokenPages.sized(page_size)
        )

    @operation("getEnvironment", "GET", "/deploy/environments/{environment_id}")
    async def environment(self, environment_id: str) -> Environment:
        """One environment. ``GET /deploy/environments/{environment_id}``"""
        path = f"/deploy/environments/{encode_segment(environment_id, 'environment_id')}"
        return await self._core.model(Environment, "GET", path)

    @operation("listComponents", "GET", "/deploy/components", paginated=True)
    def components(
        self, org_id: str, *, project_id: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Paginator[Component]:
        """An organization's components, or one project's.
        ``GET /deploy/components?org-id=&project-id=``"""
        params = {
            "org-id": _id(org_id, "org_id"),
            "project-id": None if project_id is None else _id(project_id, "project_id"),
        }
        return self._core.paginate(
            Component, "/deploy/components", params=params, style=TokenPages.sized(page_size)
        )

    @operation("getComponent", "GET", "/deploy/components/{component_id}")
    async def component(self, component_id: str) -> Component:
        """One component. ``GET /deploy/components/{component_id}``"""
        return await self._core.model(Component, "GET", self._component_path(component_id))

    @operation(
        "listComponentVersions", "GET", "/deploy/components/{component_id}/versions", paginated=True
    )
    def component_versions(
        self, component_id: str, *, environment_id: str | None = None
    ) -> Paginator[ComponentVersion]:
        """The versions of a component, in every environment or in one.
        ``GET /deploy/components/{component_id}/versions?environment-id=``"""
        params = {
            "environment-id": (
                None if environment_id is None else _id(environment_id, "environment_id")
            )
        }
        path = f"{self._component_path(component_id)}/versions"
        return self._core.paginate(ComponentVersion, path, params=params, style=PAGE_TOKEN)

    @staticmethod
    def _component_path(component_id: str) -> str:
        return f"/deploy/components/{encode_segment(component_id, 'component_id')}"


def _id(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty id")
    return value
