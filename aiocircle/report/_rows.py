"""What every report row shares: its columns in order and its JSON-ready cells."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Protocol

import attrs

Cell = str | int | float | bool | None
"""One value of a row as CSV and JSON Lines write it (datetimes become ISO 8601 strings)."""


class Row(Protocol):
    """A report row: an attrs class whose fields are its columns, in order."""

    __attrs_attrs__: ClassVar[Any]

    def to_dict(self) -> dict[str, Cell]: ...


class RowBase:
    """Mixin for the frozen row classes: ``to_dict`` and ``columns`` from the attrs fields."""

    __slots__ = ()

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        """The row's columns, in order: the CSV header and the JSON keys."""
        return tuple(f.name for f in attrs.fields(cls))  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Cell]:
        """The row as JSON-ready values keyed by its columns; datetimes in ISO 8601."""
        return {name: cell(getattr(self, name)) for name in self.columns()}


def cell(value: object) -> Cell:
    """A value as CSV / JSON hold it: a datetime in ISO 8601, anything else as it is."""
    if isinstance(value, datetime):
        return value.isoformat()
    assert value is None or isinstance(value, str | int | float | bool), value
    return value


def seconds_between(start: datetime | None, stop: datetime | None) -> float | None:
    """``stop - start`` in seconds, or ``None`` when either end is unknown."""
    if start is None or stop is None:
        return None
    return (stop - start).total_seconds()
