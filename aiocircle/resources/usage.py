"""``cci.usage``: create an org's usage export and follow it until its files are ready."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

from yarl import URL

from .._operations import operation
from .._retry import retry_delay
from .._slug import encode_segment
from ..errors import APIError, TransportError
from ..models.usage import UsageExport, UsageExportCreation, UsageExportRequest
from ._base import Resource

#: The spec: `end` "must be no more than 31 days after `start`".
MAX_WINDOW = timedelta(days=31)


class Usage(Resource):
    @operation(
        "createUsageExport", "POST", "/organizations/{org_id}/usage_export_job", idempotent=False
    )
    async def create_export(
        self,
        org_id: str,
        *,
        start: datetime,
        end: datetime,
        shared_org_ids: Sequence[str] = (),
    ) -> UsageExportCreation:
        """Start a usage export of ``start`` to ``end`` (inclusive, at most 31 days, starting
        no more than one year ago). ``POST /organizations/{org_id}/usage_export_job``

        Never retried once the request may have reached CircleCI: a retry could start a
        second export.
        """
        request = self._request(start, end, shared_org_ids)
        path = f"{self._path(org_id)}/usage_export_job"
        return await self._core.model(
            UsageExportCreation, "POST", path, json=request.to_json(), idempotent=False
        )

    @operation(
        "getUsageExport", "GET", "/organizations/{org_id}/usage_export_job/{usage_export_job_id}"
    )
    async def get_export(self, org_id: str, export_id: str) -> UsageExport:
        """A usage export's state and, once completed, its download URLs.
        ``GET /organizations/{org_id}/usage_export_job/{usage_export_job_id}``"""
        job = encode_segment(export_id, "export_id")
        path = f"{self._path(org_id)}/usage_export_job/{job}"
        return await self._core.model(UsageExport, "GET", path)

    async def download(self, url: str) -> AsyncIterator[bytes]:
        """The bytes of one file of a completed export (a ``download_urls`` entry), as they
        arrive.

        Goes through the core's download path: the token is sent only to CircleCI's own
        hosts, never to the storage the URL points at. A failed attempt is retried under the
        client's retry policy and resumes where it stopped (``Range``), so bytes already
        yielded are never yielded again.
        """
        target = URL(url, encoded=True)
        core = self._core
        received = 0
        number = 0
        while True:
            number += 1
            headers = {"Range": f"bytes={received}-"} if received else {}
            try:
                async with core.download(target, headers=headers, attempt=number) as answer:
                    # A server that ignores Range sends it all again: skip what we have.
                    skip = received if answer.status == 200 else 0
                    async for chunk in answer:
                        if skip:
                            dropped = min(skip, len(chunk))
                            chunk, skip = chunk[dropped:], skip - dropped
                        if chunk:
                            received += len(chunk)
                            yield chunk
                return
            except (APIError, TransportError) as exc:
                delay = retry_delay(core.retry, exc, attempt=number, idempotent=True)
                if delay is None:
                    raise
                await core.clock.sleep(delay)

    def _request(
        self, start: datetime, end: datetime, shared_org_ids: Sequence[str]
    ) -> UsageExportRequest:
        """The body, checked the way the spec words it, on the client's clock."""
        for name, moment in (("start", start), ("end", end)):
            if not isinstance(moment, datetime):
                raise TypeError(f"{name} must be a datetime, not {type(moment).__name__}")
            if moment.tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware (naive datetimes are ambiguous)")
        if end <= start:
            raise ValueError("start must be before end")
        if end - start > MAX_WINDOW:
            raise ValueError("end must be no more than 31 days after start")
        now = datetime.fromtimestamp(self._core.clock.time(), UTC)
        if start < _one_year_before(now):
            raise ValueError("start must be no more than one year ago")
        if isinstance(shared_org_ids, str):
            raise TypeError("shared_org_ids is a sequence of org ids, not one string")
        for org in shared_org_ids:
            try:
                uuid.UUID(org)
            except (TypeError, ValueError):
                raise ValueError(f"shared_org_ids must be UUIDs, not {org!r}") from None
        return UsageExportRequest(
            start=start.astimezone(UTC),
            end=end.astimezone(UTC),
            shared_org_ids=tuple(shared_org_ids),
        )

    @staticmethod
    def _path(org_id: str) -> str:
        return f"/organizations/{encode_segment(org_id, 'org_id')}"


def _one_year_before(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - 1, day=28)
