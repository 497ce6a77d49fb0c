"""Usage exports: an org's usage data as gzipped CSV files, produced asynchronously."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs

from ._base import Model


class UsageExportState(enum.StrEnum):
    CREATED = "created"
    PROCESSING = "processing"
    FAILED = "failed"
    COMPLETED = "completed"


@attrs.frozen(kw_only=True)
class UsageExport(Model):
    """A usage export job as polled; ``download_urls`` fill in once ``state`` is
    ``completed``, and ``error_reason`` says why one ``failed``."""

    usage_export_job_id: str
    state: UsageExportState | str
    download_urls: list[str]
    error_reason: str | None = None

    @property
    def done(self) -> bool:
        """Whether the export has finished, completed or failed: polling can stop."""
        return self.state in (UsageExportState.COMPLETED, UsageExportState.FAILED)


@attrs.frozen(kw_only=True)
class UsageExportCreation(Model):
    """The answer to creating a usage export: its id, first state and window."""

    usage_export_job_id: str
    state: UsageExportState | str
    start: datetime
    end: datetime
    download_urls: list[str]


@attrs.frozen(kw_only=True)
class UsageExportRequest:
    """The body of ``POST /organizations/{org_id}/usage_export_job``."""

    start: datetime
    end: datetime
    shared_org_ids: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"start": _iso(self.start), "end": _iso(self.end)}
        if self.shared_org_ids:
            body["shared_org_ids"] = list(self.shared_org_ids)
        return body


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
