"""``cci.rollbacks``: roll a project's component back to an earlier version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._operations import operation
from .._slug import encode_segment
from ..models import Rollback
from ._base import Resource


class Rollbacks(Resource):
    @operation("rollbackProject", "POST", "/projects/{project_id}/rollback", idempotent=False)
    async def rollback_project(
        self,
        project_id: str,
        *,
        environment_name: str,
        component_name: str,
        current_version: str,
        target_version: str,
        namespace: str | None = None,
        reason: str | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> Rollback:
        """Roll a component of a project back from ``current_version`` to
        ``target_version`` in an environment, by a rollback pipeline or command.
        ``POST /projects/{project_id}/rollback``

        Never retried once the request may have reached CircleCI: a repeated request could
        start a second rollback. ``parameters`` go to the rollback pipeline as they are.
        """
        required = {
            "environment_name": environment_name,
            "component_name": component_name,
            "current_version": current_version,
            "target_version": target_version,
        }
        for key, value in required.items():
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{key} must be a non-empty str")
        if current_version == target_version:
            raise ValueError("target_version must differ from current_version")
        body: dict[str, Any] = dict(required)
        for key, optional in (("namespace", namespace), ("reason", reason)):
            if optional is not None:
                body[key] = optional
        if parameters is not None:
            if not isinstance(parameters, Mapping):
                raise ValueError("parameters must be a mapping of names to values")
            body["parameters"] = dict(parameters)
        path = f"/projects/{encode_segment(project_id, 'project_id')}/rollback"
        return await self._core.model(Rollback, "POST", path, json=body, idempotent=False)
