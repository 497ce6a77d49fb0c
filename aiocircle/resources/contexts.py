"""``cci.contexts``: contexts, their environment variables and their restrictions."""

from __future__ import annotations

from typing import Any

from .._operations import operation
from .._pagination import Paginator
from .._slug import encode_segment
from ..models import (
    Context,
    ContextEnvVar,
    ContextRestriction,
    CreatedRestriction,
    MessageResponse,
    OwnerType,
    RestrictionDeleted,
    RestrictionType,
)
from ._base import Resource
from ._ids import check_uuid

_OWNER_TYPES = frozenset(OwnerType)
_RESTRICTION_TYPES = frozenset(RestrictionType)


def _owner(
    owner_id: str | None, owner_slug: str | None, owner_type: OwnerType | str | None
) -> dict[str, str]:
    """The owner of a context as the spec's oneOf allows it: an id, or an organization slug."""
    if (owner_id is None) == (owner_slug is None):
        raise ValueError("a context owner is given by exactly one of owner_id and owner_slug")
    if owner_type is not None and owner_type not in _OWNER_TYPES:
        raise ValueError(f"owner_type must be 'organization' or 'account', not {owner_type!r}")
    if owner_id is not None:
        owner = {"id": check_uuid(owner_id, "owner_id")}
    else:
        assert owner_slug is not None
        if not owner_slug.strip():
            raise ValueError("owner_slug must not be empty")
        if owner_type == OwnerType.ACCOUNT:
            raise ValueError("an account owner is given by owner_id; slugs name organizations")
        owner = {"slug": owner_slug}
    if owner_type is not None:
        owner["type"] = str(owner_type)
    return owner


class Contexts(Resource):
    @operation("listContexts", "GET", "/context", paginated=True)
    def list(
        self,
        *,
        owner_id: str | None = None,
        owner_slug: str | None = None,
        owner_type: OwnerType | str | None = None,
    ) -> Paginator[Context]:
        """The contexts of one owner (an organization id or slug). ``GET /context``"""
        owner = _owner(owner_id, owner_slug, owner_type)
        params = {f"owner-{key}": value for key, value in owner.items()}
        return self._core.paginate(Context, "/context", params=params)

    @operation("createContext", "POST", "/context")
    async def create(
        self,
        name: str,
        *,
        owner_id: str | None = None,
        owner_slug: str | None = None,
        owner_type: OwnerType | str | None = None,
    ) -> Context:
        """Create a context owned by an organization (id or slug) or an account.
        ``POST /context``"""
        if not name.strip():
            raise ValueError("context name must not be empty")
        body = {"name": name, "owner": _owner(owner_id, owner_slug, owner_type)}
        return await self._core.model(Context, "POST", "/context", json=body)

    @operation("getContext", "GET", "/context/{context_id}")
    async def get(self, context_id: str) -> Context:
        """One context. ``GET /context/{context_id}``"""
        return await self._core.model(Context, "GET", _context_path(context_id))

    @operation("deleteContext", "DELETE", "/context/{context_id}")
    async def delete(self, context_id: str) -> MessageResponse:
        """Delete a context and its variables. ``DELETE /context/{context_id}``"""
        return await self._core.model(MessageResponse, "DELETE", _context_path(context_id))

    @operation(
        "listEnvironmentVariablesFromContext",
        "GET",
        "/context/{context_id}/environment-variable",
        paginated=True,
    )
    def env_vars(self, context_id: str) -> Paginator[ContextEnvVar]:
        """A context's variables, names only.
        ``GET /context/{context_id}/environment-variable``"""
        path = f"{_context_path(context_id)}/environment-variable"
        return self._core.paginate(ContextEnvVar, path)

    @operation(
        "addEnvironmentVariableToContext",
        "PUT",
        "/context/{context_id}/environment-variable/{env_var_name}",
    )
    async def set_env_var(
        self, context_id: str, name: str, value: str
    ) -> ContextEnvVar | MessageResponse:
        """Add a variable, or replace its value. The spec allows either answer: the variable
        or a message. ``PUT /context/{context_id}/environment-variable/{env_var_name}``"""
        if not isinstance(value, str):
            raise TypeError(f"environment variable value must be a str, not {type(value).__name__}")
        path = _env_var_path(context_id, name)
        answer: Any = ContextEnvVar | MessageResponse
        found: ContextEnvVar | MessageResponse = await self._core.model(
            answer, "PUT", path, json={"value": value}
        )
        return found

    @operation(
        "deleteEnvironmentVariableFromContext",
        "DELETE",
        "/context/{context_id}/environment-variable/{env_var_name}",
    )
    async def delete_env_var(self, context_id: str, name: str) -> MessageResponse:
        """Remove a variable.
        ``DELETE /context/{context_id}/environment-variable/{env_var_name}``"""
        return await self._core.model(MessageResponse, "DELETE", _env_var_path(context_id, name))

    @operation(
        "getContextRestrictions", "GET", "/context/{context_id}/restrictions", paginated=True
    )
    def restrictions(self, context_id: str) -> Paginator[ContextRestriction]:
        """A context's restrictions. ``GET /context/{context_id}/restrictions``"""
        path = f"{_context_path(context_id)}/restrictions"
        return self._core.paginate(ContextRestriction, path)

    @operation("createContextRestriction", "POST", "/context/{context_id}/restrictions")
    async def create_restriction(
        self, context_id: str, restriction_type: RestrictionType | str, restriction_value: str
    ) -> CreatedRestriction:
        """Restrict a context to a project (its UUID), an expression or a group.
        ``POST /context/{context_id}/restrictions``"""
        if restriction_type not in _RESTRICTION_TYPES:
            raise ValueError(
                "restriction_type must be one of 'project', 'expression', 'group', "
                f"not {restriction_type!r}"
            )
        if not restriction_value.strip():
            raise ValueError("restriction_value must not be empty")
        if restriction_type == RestrictionType.PROJECT:
            check_uuid(restriction_value, "a project restriction's value (the project id)")
        body = {"restriction_type": str(restriction_type), "restriction_value": restriction_value}
        path = f"{_context_path(context_id)}/restrictions"
        return await self._core.model(CreatedRestriction, "POST", path, json=body)

    @operation(
        "deleteContextRestriction", "DELETE", "/context/{context_id}/restrictions/{restriction_id}"
    )
    async def delete_restriction(self, context_id: str, restriction_id: str) -> RestrictionDeleted:
        """Remove a restriction.
        ``DELETE /context/{context_id}/restrictions/{restriction_id}``"""
        restriction = encode_segment(restriction_id, "restriction_id")
        path = f"{_context_path(context_id)}/restrictions/{restriction}"
        return await self._core.model(RestrictionDeleted, "DELETE", path)


def _context_path(context_id: str) -> str:
    return f"/context/{check_uuid(context_id, 'context_id')}"


def _env_var_path(context_id: str, name: str) -> str:
    return f"{_context_path(context_id)}/environment-variable/{encode_segment(name, 'name')}"
