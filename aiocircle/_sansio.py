"""Pure, I/O-free helpers: response classification, error messages, header parsing.

Everything here works on plain values, so it is tested without a network.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from .errors import APIError, DecodeError, RateLimitError, error_class_for

_MAX_MESSAGE = 500


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP date).

    ``now`` is the current Unix time, injected so tests are exact. Returns ``None``
    when the header is absent or unreadable; never a negative number.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - now
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return None
    return max(0.0, seconds)


def mask(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` replaced by ``***``."""
    return text.replace(secret, "***") if secret else text


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _loads(text: str | bytes) -> Any:
    """``json.loads`` that raises ``ValueError`` for anything it cannot read, including a
    body nested too deeply to decode (``RecursionError``)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def error_message(body: bytes, redact: str | None = None) -> str:
    """The human message of an error body: ``{"message"}``, ``{"error"}`` or the raw text.

    ``redact`` (the token) is masked first, then the text is cut to a readable length,
    so no part of the token survives the cut.
    """
    text = mask(body.decode("utf-8", errors="replace"), redact).strip()
    try:
        data = _loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("message", "error"):
            if isinstance(data.get(key), str):
                return _shorten(str(data[key]), _MAX_MESSAGE)
    return _shorten(text, _MAX_MESSAGE)


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    method: str,
    path: str,
    now: float,
    redact: str | None = None,
) -> APIError:
    """Build the typed error for a non-2xx response; the status picks the class.

    ``redact`` (the token) is masked wherever the server's message repeats it.
    """
    cls = error_class_for(status)
    message = error_message(body, redact)
    if cls is RateLimitError:
        return RateLimitError(
            status,
            message,
            method=method,
            path=path,
            retry_after=parse_retry_after(headers.get("Retry-After"), now),
        )
    return cls(status, message, method=method, path=path)


def decode_json(body: bytes, *, method: str, path: str, redact: str | None = None) -> Any:
    """Decode a 2xx body, raising :class:`DecodeError` when it is not JSON (or nested too
    deeply to decode); the quoted start of a bad body has ``redact`` masked."""
    if not body.strip():
        raise DecodeError(method, path, "empty body where JSON was expected")
    try:
        return _loads(body)
    except ValueError as exc:
        snippet = _shorten(mask(body.decode("utf-8", errors="replace"), redact), 80)
        raise DecodeError(method, path, f"body is not JSON ({exc}): {snippet!r}") from None
