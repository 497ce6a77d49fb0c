"""Pure response handling: status → error class, messages, Retry-After parsing."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict

from aiocircle import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DecodeError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from aiocircle._sansio import decode_json, error_from_response, error_message, parse_retry_after

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (405, APIError),
        (409, ConflictError),
        (413, APIError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (504, ServerError),
    ],
)
def test_status_picks_the_error_class(status: int, cls: type[APIError]) -> None:
    error = error_from_response(
        status, CIMultiDict(), b'{"message": "nope"}', method="GET", path="/me", now=NOW
    )
    assert type(error) is cls
    assert (error.status, error.message, error.method, error.path) == (status, "nope", "GET", "/me")


def test_message_from_error_key_of_policy_endpoints() -> None:
    assert error_message(b'{"error": "policy says no"}') == "policy says no"


def test_message_is_raw_text_when_body_is_not_json() -> None:
    assert error_message(b"Rate limited.") == "Rate limited."


def test_long_html_error_page_is_cut() -> None:
    message = error_message(b"<html>" + b"x" * 5000)
    assert len(message) < 600


def test_plain_text_429_still_gives_rate_limit_error_with_retry_after() -> None:
    headers = CIMultiDict({"Retry-After": "7", "Content-Type": "text/plain"})
    error = error_from_response(429, headers, b"Rate limited.", method="GET", path="/me", now=NOW)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7.0
    assert error.message == "Rate limited."
    assert "retry_after=7.0" in repr(error)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("12", 12.0),
        (" 0.5 ", 0.5),
        ("-3", 0.0),
        ("soon", None),
        ("nan", None),
        ("Tue, 14 Nov 2023 22:13:50 GMT", 30.0),
        ("Tue, 14 Nov 2023 22:13:00 GMT", 0.0),
    ],
)
def test_retry_after_in_seconds_or_http_date(value: str | None, expected: float | None) -> None:
    # NOW is 2023-11-14 22:13:20 UTC.
    assert parse_retry_after(value, NOW) == expected


def test_decode_json_rejects_html_on_a_2xx() -> None:
    with pytest.raises(DecodeError, match="not JSON"):
        decode_json(b"<html>maintenance</html>", method="GET", path="/me")


def test_decode_json_rejects_empty_body() -> None:
    with pytest.raises(DecodeError, match="empty"):
        decode_json(b"", method="GET", path="/me")
