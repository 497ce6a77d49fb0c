"""Which spec operation each endpoint method serves: the ``@operation`` descriptor.

Every resource method that calls CircleCI is marked with the operation it maps to, so the
surface can be checked against the spec (``python -m aiocircle.testing coverage``) and a
method's path, pagination and retry safety read in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

import attrs

F = TypeVar("F", bound=Callable[..., Any])

#: The attribute ``@operation`` sets on a method.
ATTRIBUTE: Final = "__operation__"

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


@attrs.frozen
class Operation:
    """One operation of CircleCI's API, as the spec names it.

    ``path`` is the spec's template (``/pipeline/{pipeline-id}``); ``paginated`` says the
    method returns a :class:`Paginator`; ``idempotent`` says a retry after the request may
    have reached CircleCI is safe. ``qualname`` is the method serving it (``Pipelines.get``).
    """

    operation_id: str
    method: str
    path: str
    paginated: bool
    idempotent: bool
    qualname: str = ""


_REGISTRY: dict[str, Operation] = {}


def operation(
    operation_id: str,
    method: str,
    path: str,
    *,
    paginated: bool = False,
    idempotent: bool | None = None,
) -> Callable[[F], F]:
    """Mark a resource method as serving ``operation_id`` and record it in the registry.

    ``idempotent`` defaults to what the HTTP method implies (GET, PUT and DELETE are).
    The method itself is returned unchanged: the mark costs nothing at call time.
    """
    method = method.upper()
    if method not in _METHODS:
        raise ValueError(f"unknown HTTP method {method!r} for {operation_id}")
    if not path.startswith("/"):
        raise ValueError(f"operation path must start with '/', not {path!r}")
    safe = method in ("GET", "PUT", "DELETE") if idempotent is None else idempotent

    def mark(function: F) -> F:
        found = Operation(operation_id, method, path, paginated, safe, function.__qualname__)
        already = _REGISTRY.get(operation_id)
        if already is not None and already.qualname != found.qualname:
            raise ValueError(f"{operation_id} is served by {already.qualname} already")
        _REGISTRY[operation_id] = found
        setattr(function, ATTRIBUTE, found)
        return function

    return mark


def operation_of(function: Callable[..., Any]) -> Operation | None:
    """The operation a method was marked with, or ``None``."""
    found = getattr(function, ATTRIBUTE, None)
    return found if isinstance(found, Operation) else None


def marked() -> dict[str, Operation]:
    """The operations marked so far, by operationId. ``aiocircle.resources.operations()``
    imports every resource first, so it has them all; this module imports none of them."""
    return dict(_REGISTRY)
