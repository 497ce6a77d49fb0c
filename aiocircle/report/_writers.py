"""Writers of report rows: CSV, JSON Lines and (with the ``parquet`` extra) Apache Parquet.

Each consumes an async stream of rows as it arrives and returns how many it wrote; none
holds more than one batch of rows, so memory does not grow with the report.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterable, Sequence
from os import PathLike
from typing import Any, BinaryIO, Protocol, TypeVar

import attrs

from ..bulk import _closing
from ._rows import Row
from ._workflows import FIELDS

R = TypeVar("R", bound=Row)

PARQUET_BATCH_ROWS = 10_000
"""Rows per Parquet row group: the most a Parquet writer holds at once."""


class TextSink(Protocol):
    """Anything with ``write(str)``: a file opened in text mode, ``io.StringIO``, ``sys.stdout``."""

    def write(self, text: str, /) -> object: ...


async def write_csv(
    rows: AsyncIterable[Row], file: TextSink, *, columns: Sequence[str] = FIELDS
) -> int:
    """Write a header of ``columns`` and one CSV line per row; return the rows written.

    Empty cells stand for ``None``. Open files with ``newline=""``, as the ``csv`` module asks.
    ``columns`` defaults to the workflow report's; pass ``JobRow.columns()`` and so on for
    the others (the header is written even when no row comes).
    """
    writer = csv.writer(file)
    writer.writerow(columns)
    count = 0
    async with _closing(rows) as iterator:
        async for row in iterator:
            values = row.to_dict()
            writer.writerow([values[name] for name in columns])
            count += 1
    return count


async def write_jsonl(rows: AsyncIterable[Row], file: TextSink) -> int:
    """Write one JSON object per line per row; return the number of rows written."""
    count = 0
    async with _closing(rows) as iterator:
        async for row in iterator:
            file.write(json.dumps(row.to_dict(), ensure_ascii=False) + "\n")
            count += 1
    return count


async def write_parquet(
    rows: AsyncIterable[R],
    file: str | PathLike[str] | BinaryIO,
    *,
    row_type: type[R],
    batch_rows: int = PARQUET_BATCH_ROWS,
) -> int:
    """Write the rows as an Apache Parquet file, ``batch_rows`` per row group; return the count.

    Needs the ``parquet`` extra (``pip install 'aiocircle[parquet]'``, pyarrow). Column types
    come from ``row_type``'s fields: datetimes are UTC timestamps (microseconds), ``None``
    is null. Raises ``ImportError`` with the install line when pyarrow is missing.
    """
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise ValueError(f"batch_rows must be an int of at least 1, not {batch_rows!r}")
    pa, pq = _pyarrow()
    schema = arrow_schema(row_type)
    names = schema.names
    count = 0
    with pq.ParquetWriter(file, schema) as writer:
        batch: dict[str, list[Any]] = {name: [] for name in names}
        pending = 0
        async with _closing(rows) as iterator:
            async for row in iterator:
                for name in names:
                    batch[name].append(getattr(row, name))
                pending += 1
                count += 1
                if pending >= batch_rows:
                    writer.write_batch(pa.record_batch(batch, schema=schema))
                    batch = {name: [] for name in names}
                    pending = 0
        if pending or count == 0:
            writer.write_batch(pa.record_batch(batch, schema=schema))
    return count


def arrow_schema(row_type: type[Row]) -> Any:
    """The pyarrow schema of a row class, one column per field, in order."""
    pa, _ = _pyarrow()
    types = {
        "str": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "bool": pa.bool_(),
        "datetime": pa.timestamp("us", tz="UTC"),
    }
    columns = []
    for field in attrs.fields(row_type):
        spelled = field.type if isinstance(field.type, str) else field.type.__name__
        base, _, rest = str(spelled).partition(" | ")
        columns.append(pa.field(field.name, types[base], nullable=rest == "None"))
    return pa.schema(columns)


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(
            "Parquet output needs pyarrow: pip install 'aiocircle[parquet]'"
        ) from None
    return pa, pq
