"""What the fake saw: a request log, counts per route, requests in flight, the token-leak log.

No token value is ever stored: paths and queries are scrubbed before they are recorded.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterable

import attrs

_QUERY_TOKEN = re.compile(r"(?i)(circle-token=)[^&]*")
REDACTED = "<redacted>"


def scrub(text: str, tokens: Iterable[str]) -> str:
    """`text` with every token, and any `circle-token` query value, replaced by `<redacted>`."""
    for token in tokens:
        if token and token in text:
            text = text.replace(token, REDACTED)
    if "circle-token" in text.lower():
        text = _QUERY_TOKEN.sub(r"\1" + REDACTED, text)
    return text


@attrs.frozen
class RequestRecord:
    """One request as a listener ("api", "artifacts" or "storage") saw it.

    `status` is None when the connection was dropped without an answer; `fault` names the
    knob that interfered: "fail_next", "error", "reset", "truncate" or "rate_limit".
    """

    listener: str
    method: str
    path: str
    query: str
    status: int | None
    route: str
    fault: str | None = None


@attrs.frozen
class LeakRecord:
    """A request to the storage listener that carried the CircleCI token, and where.

    `where` lists places such as `header:Circle-Token`, `header:Authorization`,
    `header:X-Custom` (a header whose value contains the token) or `query:circle-token`.
    """

    method: str
    path: str
    where: tuple[str, ...]


class Stats:
    """Counters and logs; `reset()` clears them (gauges of requests in flight stay current)."""

    def __init__(self, log_size: int = 100_000) -> None:
        self.requests: deque[RequestRecord] = deque(maxlen=log_size)
        #: Requests per route, e.g. `counts["GET /workflow/{id}/job"]`. Artifact-host and
        #: storage requests count as `artifacts GET /{project-id}/{job-number}/{node-index}/{path}`
        #: and `storage GET /{bucket}/{blob}/{name}`.
        self.counts: Counter[str] = Counter()
        self.in_flight: dict[str, int] = dict.fromkeys(("api", "artifacts", "storage"), 0)
        self.peak_in_flight: dict[str, int] = dict.fromkeys(("api", "artifacts", "storage"), 0)
        self.leaks: list[LeakRecord] = []

    def begin(self, listener: str) -> None:
        current = self.in_flight[listener] + 1
        self.in_flight[listener] = current
        if current > self.peak_in_flight[listener]:
            self.peak_in_flight[listener] = current

    def end(self, record: RequestRecord) -> None:
        self.in_flight[record.listener] -= 1
        self.requests.append(record)
        self.counts[record.route] += 1

    def reset(self) -> None:
        self.requests.clear()
        self.counts.clear()
        self.leaks.clear()
        for listener, current in self.in_flight.items():
            self.peak_in_flight[listener] = current

    def count(self, route: str) -> int:
        """Requests seen for a route name, e.g. `count("GET /me")`."""
        return self.counts[route]
