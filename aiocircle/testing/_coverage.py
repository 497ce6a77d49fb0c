"""``python -m aiocircle.testing coverage``: which spec operations aiocircle covers.

An operation is covered when three things hold: a client method is marked with it
(``@operation``), the fake serves its method and path, and a test called that method in
the last recorded pytest run. The operations are openapi.json's plus those only in
CircleCI's live list of August 2026 (``aiocircle.testing.spec``).

Test calls are recorded at run time, not guessed from test sources: ``tests/conftest.py``
calls :func:`instrument` when the session starts, so every marked method notes its
operationId when a call to it returns, and the session's end writes the set to pytest's
cache under :data:`CACHE_KEY` (``.pytest_cache/v/aiocircle/operations-called``). The table
therefore reflects the last pytest run in this checkout: run the whole suite first.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from .._operations import Operation, operation_of
from ..resources import operations
from .spec import live_operations, openapi

#: The pytest cache key the test run writes its calls under.
CACHE_KEY = "aiocircle/operations-called"
DEFAULT_CALLS = Path(".pytest_cache") / "v" / CACHE_KEY

_HTTP_METHODS = ("get", "put", "post", "delete", "patch")
_PARAMETER = re.compile(r"\{[^}]*\}")


@attrs.frozen
class SpecOperation:
    operation_id: str
    method: str
    path: str


@attrs.frozen
class Row:
    """One operation of the spec and what covers it."""

    operation: SpecOperation
    served_by: str | None
    fake: bool
    tested: bool

    @property
    def covered(self) -> bool:
        return self.served_by is not None and self.fake and self.tested


def spec_operations() -> list[SpecOperation]:
    """openapi.json's operations, then the live list's operations it lacks (by operationId)."""
    found: dict[str, SpecOperation] = {}
    for path, item in openapi()["paths"].items():
        for method in _HTTP_METHODS:
            if method in item:
                operation_id = item[method]["operationId"]
                found[operation_id] = SpecOperation(operation_id, method.upper(), path)
    for method, path, operation_id in live_operations():
        found.setdefault(operation_id, SpecOperation(operation_id, method, path))
    return list(found.values())


def _shape(method: str, path: str) -> str:
    """Method and path with parameter names blanked: `{webhook-id}` and `{webhook_id}` match."""
    return f"{method} {_PARAMETER.sub('{}', path)}"


def namespaces() -> dict[str, Any]:
    """The client's resource namespaces by attribute name (``pipelines``), as instances."""
    from .. import CircleCI
    from ..resources._base import Resource

    client = CircleCI("coverage")  # builds no session: nothing is sent
    return {name: value for name, value in vars(client).items() if isinstance(value, Resource)}


def _method_names() -> dict[str, str]:
    """`Pipelines.get` -> `pipelines.get`, for every marked method of a namespace."""
    names: dict[str, str] = {}
    for attribute, namespace in namespaces().items():
        for name, member in vars(type(namespace)).items():
            found = operation_of(member)
            if found is not None:
                names[found.qualname] = f"{attribute}.{name}"
    return names


def rows(fake_routes: Iterable[str], tested: Iterable[str]) -> list[Row]:
    """The coverage table: one row per spec operation."""
    served = {_shape(*route.split(" ", 1)) for route in fake_routes}
    marked: dict[str, Operation] = operations()
    names = _method_names()
    called = set(tested)
    table = []
    for spec_op in spec_operations():
        found = marked.get(spec_op.operation_id)
        table.append(
            Row(
                spec_op,
                None if found is None else names.get(found.qualname, found.qualname),
                _shape(spec_op.method, spec_op.path) in served,
                spec_op.operation_id in called,
            )
        )
    return table


def format_table(table: Sequence[Row]) -> list[str]:
    header = ("operationId", "method", "path", "served by", "fake", "test")
    lines = [
        (
            r.operation.operation_id,
            r.operation.method,
            r.operation.path,
            r.served_by or "-",
            "yes" if r.fake else "no",
            "yes" if r.tested else "no",
        )
        for r in table
    ]
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    out = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *lines]
    ]
    covered = sum(r.covered for r in table)
    out.append(f"{covered}/{len(table)} operations covered")
    return out


# --- recording test calls -----------------------------------------------------------------


def instrument(called: set[str]) -> Callable[[], None]:
    """Make every marked namespace method add its operationId to ``called`` when a call to
    it returns (an async one: when its coroutine completes). Returns the undo."""
    undo: list[tuple[type, str, Any]] = []
    for namespace in namespaces().values():
        cls = type(namespace)
        for name, member in list(vars(cls).items()):
            found = operation_of(member)
            if found is not None:
                setattr(cls, name, _recording(member, found.operation_id, called))
                undo.append((cls, name, member))

    def restore() -> None:
        for cls, name, member in undo:
            setattr(cls, name, member)

    return restore


def _recording(function: Callable[..., Any], operation_id: str, called: set[str]) -> Any:
    if inspect.iscoroutinefunction(function):

        @functools.wraps(function)
        async def call_async(*args: Any, **kwargs: Any) -> Any:
            result = await function(*args, **kwargs)
            called.add(operation_id)
            return result

        return call_async

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        called.add(operation_id)
        return result

    return call


def load_calls(path: Path) -> set[str] | None:
    """The operationIds a recorded test run called, or ``None`` when none was recorded."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
        raise ValueError(f"{path} is not a list of operationIds")
    return set(data)


# --- the command --------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m aiocircle.testing coverage",
        description="Which CircleCI API operations have a client method, a fake route and a "
        "test. Run the test suite first: it records the calls tests make.",
    )
    parser.add_argument(
        "--min",
        type=int,
        default=None,
        help="exit 1 when fewer operations are covered (default: all of them)",
    )
    parser.add_argument(
        "--calls",
        type=Path,
        default=DEFAULT_CALLS,
        help=f"the test run's recorded calls (default: {DEFAULT_CALLS})",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from ._server import FakeCircleCI

    args = parse_args(argv)
    calls = load_calls(args.calls)
    if calls is None:
        print(f"no test calls recorded at {args.calls}: run pytest first", file=sys.stderr)
    table = rows(FakeCircleCI().routes, calls or ())
    for line in format_table(table):
        print(line)
    wanted = len(table) if args.min is None else args.min
    return 0 if sum(r.covered for r in table) >= wanted else 1
