"""The package's import graph has no cycles, and every public class's type hints resolve.

Imports are read with :mod:`ast`, so imports under ``TYPE_CHECKING`` and inside functions
count as well: a cycle hidden behind either still couples two modules both ways.
"""

from __future__ import annotations

import ast
import inspect
import typing
from pathlib import Path

import pytest

import aiocircle
import aiocircle.harvest
import aiocircle.testing

PACKAGE = Path(aiocircle.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The aiocircle modules ``path`` imports anywhere in its body."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            # `from pkg import module` imports that module; `from module import name`, module.
            targets = [
                f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in modules else origin
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = list(PACKAGE.rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    graph = {_module_name(p): _imports(p, modules) for p in paths}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_cycle_finder_sees_a_cycle() -> None:
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_reads_type_checking_and_function_level_imports() -> None:
    graph = import_graph()
    # cli/_main imports ._demo inside a function only; redis_limiter imports redis only
    # under TYPE_CHECKING (and lazily), its own modules at the top.
    assert "aiocircle.cli._demo" in graph["aiocircle.cli._main"]
    assert "aiocircle.cli._progress" in graph["aiocircle.cli._report"]
    assert len(graph) > 40


def test_no_import_cycles_among_aiocircle_modules() -> None:
    assert find_cycles(import_graph()) == []


def _public_classes() -> list[tuple[str, type]]:
    found = []
    for module in (aiocircle, aiocircle.harvest, aiocircle.testing):
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isclass(value):
                found.append((f"{module.__name__}.{name}", value))
    return found


@pytest.mark.parametrize(("name", "cls"), _public_classes(), ids=lambda v: str(v))
def test_type_hints_resolve_on_public_class_and_its_methods(name: str, cls: type) -> None:
    typing.get_type_hints(cls)
    for attribute, member in vars(cls).items():
        function = member.fget if isinstance(member, property) else member
        if isinstance(function, staticmethod | classmethod):
            function = function.__func__
        # Methods written in the class's own module (attrs-generated ones have no file).
        if inspect.isfunction(function) and function.__code__.co_filename == inspect.getfile(cls):
            assert isinstance(typing.get_type_hints(function), dict), f"{name}.{attribute}"
