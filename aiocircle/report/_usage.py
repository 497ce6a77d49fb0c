"""``usage_export``: an organization's usage export, created, polled, downloaded and read as
typed rows, one gzip CSV part after another, decompressed as the bytes arrive."""

from __future__ import annotations

import codecs
import csv
import zlib
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import attrs

from ..bulk import ProjectFailure, _closing
from ..errors import RateLimitError, UsageExportError
from ..models import UsageExportState
from ._rows import RowBase

if TYPE_CHECKING:
    from .._client import CircleCI

POLL_INTERVAL = 6.0
"""Seconds between status checks at first: CircleCI allows 10 a minute per organization."""
MAX_POLL_INTERVAL = 60.0
"""The longest wait between two status checks; each wait is 1.5 times the one before."""
MAX_WAIT = 3600.0
"""How long to wait for an export to complete before giving up."""
_INFLATED = 256 * 1024  # the most text decompressed from a part at once
_LIMITS = {
    "POST": "CircleCI allows 10 usage export creations an hour per organization",
    "GET": "CircleCI allows 10 usage export status checks a minute per organization",
}


def _number(text: str) -> int | None:
    return int(text) if text.strip() else None


def _decimal(text: str) -> float | None:
    return float(text) if text.strip() else None


def _moment(text: str) -> datetime | None:
    if not text.strip():
        return None
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _text(text: str) -> str | None:
    return text or None


@attrs.frozen(kw_only=True)
class UsageRow(RowBase):
    """One job run of a usage export: where it ran, for how long, and the credits it used.

    Read from the export's CSV columns by name (``JOB_RUN_SECONDS`` becomes
    ``run_seconds``...); a column the export lacks, or an empty cell, is ``None``.
    """

    organization_id: str | None
    organization_name: str | None
    project_id: str | None
    project_name: str | None
    branch: str | None
    pipeline_id: str | None
    pipeline_number: int | None
    workflow_id: str | None
    workflow_name: str | None
    job_id: str | None
    job_name: str | None
    job_number: int | None
    started: datetime | None
    stopped: datetime | None
    status: str | None
    resource_class: str | None
    executor: str | None
    parallelism: int | None
    run_seconds: float | None
    compute_credits: float | None
    total_credits: float | None

    @classmethod
    def from_csv(cls, record: Mapping[str, str]) -> UsageRow:
        """The row of one CSV record keyed by the export's header."""
        values: dict[str, Any] = {}
        for name, (column, parse) in _COLUMNS.items():
            cell = record.get(column)
            values[name] = None if cell is None else parse(cell)
        return cls(**values)


_COLUMNS: dict[str, tuple[str, Any]] = {
    "organization_id": ("ORGANIZATION_ID", _text),
    "organization_name": ("ORGANIZATION_NAME", _text),
    "project_id": ("PROJECT_ID", _text),
    "project_name": ("PROJECT_NAME", _text),
    "branch": ("VCS_BRANCH", _text),
    "pipeline_id": ("PIPELINE_ID", _text),
    "pipeline_number": ("PIPELINE_NUMBER", _number),
    "workflow_id": ("WORKFLOW_ID", _text),
    "workflow_name": ("WORKFLOW_NAME", _text),
    "job_id": ("JOB_ID", _text),
    "job_name": ("JOB_NAME", _text),
    "job_number": ("JOB_RUN_NUMBER", _number),
    "started": ("JOB_RUN_STARTED_AT", _moment),
    "stopped": ("JOB_RUN_STOPPED_AT", _moment),
    "status": ("JOB_BUILD_STATUS", _text),
    "resource_class": ("RESOURCE_CLASS", _text),
    "executor": ("EXECUTOR", _text),
    "parallelism": ("PARALLELISM", _number),
    "run_seconds": ("JOB_RUN_SECONDS", _decimal),
    "compute_credits": ("COMPUTE_CREDITS", _decimal),
    "total_credits": ("TOTAL_CREDITS", _decimal),
}

USAGE_FIELDS = UsageRow.columns()
"""The columns of a usage report, in order."""


class UsageExportRows:
    """The rows of one usage export, as :func:`usage_export` returns them.

    Iterating creates the export, polls it (every ``poll_interval`` seconds at first, on the
    client's clock, backing off to ``max_poll_interval``), then downloads and reads every
    part in turn. ``export_id`` and ``parts`` fill in as that happens. Errors are raised,
    not collected: ``failures`` stays empty, for symmetry with the other reports.
    """

    def __init__(
        self,
        cci: CircleCI,
        org_id: str,
        *,
        start: datetime,
        end: datetime,
        shared_org_ids: Sequence[str],
        poll_interval: float,
        max_poll_interval: float,
        max_wait: float,
    ) -> None:
        for name, value in (
            ("poll_interval", poll_interval),
            ("max_poll_interval", max_poll_interval),
            ("max_wait", max_wait),
        ):
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"{name} must be a positive number of seconds, not {value!r}")
        if max_poll_interval < poll_interval:
            raise ValueError("max_poll_interval must be at least poll_interval")
        # The window is checked now, before anything is sent (the resource's own checks).
        cci.usage._request(start, end, shared_org_ids)
        self._cci = cci
        self._org_id = org_id
        self._window = (start, end, tuple(shared_org_ids))
        self._poll = (float(poll_interval), float(max_poll_interval), float(max_wait))
        self._iterator: AsyncIterator[UsageRow] | None = None
        self.export_id: str | None = None
        """The export's id, once created."""
        self.parts: list[str] = []
        """The download URLs of the completed export."""
        self.status_checks = 0
        """How many times the export's state was asked for."""
        self.failures: list[ProjectFailure] = []

    @property
    def ok(self) -> bool:
        return not self.failures

    def __aiter__(self) -> AsyncIterator[UsageRow]:
        if self._iterator is not None:
            raise RuntimeError("a usage export can be read once; ask for a new one")
        self._iterator = self._rows()
        return self._iterator

    async def aclose(self) -> None:
        iterator = self._iterator
        if iterator is not None and hasattr(iterator, "aclose"):
            await iterator.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _rows(self) -> AsyncIterator[UsageRow]:
        await self._create()
        await self._wait()
        for url in self.parts:
            assert self.export_id is not None
            chunks = self._cci.usage.download(url)
            async with _closing(_csv_records(chunks, self.export_id)) as records:
                async for record in records:
                    yield UsageRow.from_csv(record)

    async def _create(self) -> None:
        start, end, shared = self._window
        try:
            created = await self._cci.usage.create_export(
                self._org_id, start=start, end=end, shared_org_ids=shared
            )
        except RateLimitError as exc:
            raise _limited(exc) from exc
        self.export_id = created.usage_export_job_id

    async def _wait(self) -> None:
        assert self.export_id is not None
        clock = self._cci._core.clock
        interval, longest, max_wait = self._poll
        waited = 0.0
        while True:
            # CircleCI needs time to start: the first check waits too.
            if waited + interval > max_wait:
                raise UsageExportError(
                    self.export_id, f"not completed after {waited:.0f} s of waiting"
                )
            await clock.sleep(interval)
            waited += interval
            try:
                export = await self._cci.usage.get_export(self._org_id, self.export_id)
            except RateLimitError as exc:
                raise _limited(exc) from exc
            finally:
                self.status_checks += 1
            if export.state == UsageExportState.FAILED:
                raise UsageExportError(self.export_id, export.error_reason or "failed")
            if export.state == UsageExportState.COMPLETED:
                self.parts = list(export.download_urls)
                return
            interval = min(longest, interval * 1.5)


def usage_export(
    cci: CircleCI,
    org_id: str,
    *,
    start: datetime,
    end: datetime,
    shared_org_ids: Sequence[str] = (),
    poll_interval: float = POLL_INTERVAL,
    max_poll_interval: float = MAX_POLL_INTERVAL,
    max_wait: float = MAX_WAIT,
) -> UsageExportRows:
    """A :class:`UsageRow` per job run in the organization's usage export of ``start`` to
    ``end`` (at most 31 days, within the last year).

    Nothing is sent until iteration starts; then one ``POST`` creates the export, status
    checks follow no more often than every ``poll_interval`` seconds (default 6 s, under
    CircleCI's 10 a minute per organization), and every gzip CSV part is downloaded,
    decompressed and parsed as its bytes arrive, so memory does not grow with the export.
    A 429 is raised as :class:`~aiocircle.RateLimitError` naming the limit; an export that
    fails or never completes as :class:`~aiocircle.UsageExportError`.
    """
    return UsageExportRows(
        cci,
        org_id,
        start=start,
        end=end,
        shared_org_ids=shared_org_ids,
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
        max_wait=max_wait,
    )


def _limited(exc: RateLimitError) -> RateLimitError:
    limit = _LIMITS.get(exc.method, "CircleCI limits usage exports per organization")
    return RateLimitError(
        exc.status,
        f"{exc.message} ({limit})".strip(),
        method=exc.method,
        path=exc.path,
        retry_after=exc.retry_after,
    )


async def _csv_records(
    chunks: AsyncIterator[bytes], export_id: str = "?"
) -> AsyncIterator[dict[str, str]]:
    """CSV records, keyed by the header, from gzip bytes; one chunk and one record in memory.

    Handles gzip files of several members, and quoted fields that span lines.
    """
    inflate = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    decode = codecs.getincrementaldecoder("utf-8-sig")()
    header: list[str] | None = None
    pending = ""  # text after the last complete record
    async with _closing(chunks) as incoming:
        async for chunk in incoming:
            data: bytes | None = chunk
            while data is not None:
                # At most _INFLATED bytes at a time: a well-compressed chunk can hold megabytes.
                inflated = inflate.decompress(data, _INFLATED)
                pending += decode.decode(inflated)
                if inflate.unconsumed_tail:
                    data = inflate.unconsumed_tail
                elif inflate.eof and inflate.unused_data:  # another gzip member follows
                    data = inflate.unused_data
                    inflate = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
                elif len(inflated) == _INFLATED:
                    data = b""  # all input taken, but more output may be waiting
                else:
                    data = None
                records, pending = _split_records(pending)
                for record in records:
                    cells = next(csv.reader([record]))
                    if header is None:
                        header = cells
                    elif cells:
                        yield dict(zip(header, cells, strict=False))
    if not inflate.eof:
        raise UsageExportError(export_id, "a part ended in the middle of its gzip data")
    pending += decode.decode(b"", final=True)
    if pending.strip() and header is not None:
        yield dict(zip(header, next(csv.reader([pending])), strict=False))


def _split_records(text: str) -> tuple[list[str], str]:
    """The complete CSV records of ``text`` (a newline outside quotes ends one), and the rest.

    ``text`` starts at a record's start, so an even count of quotes before a newline means
    the newline is outside quotes (a doubled quote inside a field counts twice).
    """
    records = []
    start = position = 0
    while (newline := text.find("\n", position)) != -1:
        if text.count('"', start, newline) % 2 == 0:
            records.append(text[start:newline].rstrip("\r"))
            start = newline + 1
        position = newline + 1
    return records, text[start:]
