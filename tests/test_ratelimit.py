"""Rate-limit headers to a Budget, and the pacing decision, on plain values."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict

from aiocircle import Budget, earliest_start, parse_budget
from aiocircle._ratelimit import tightest

NOW = 1_800_000_000.0


def test_no_rate_limit_headers_is_no_budget() -> None:
    assert parse_budget({}) is None
    assert parse_budget({"Content-Type": "application/json", "Retry-After": "3"}) is None


@pytest.mark.parametrize("prefix", ["RateLimit-", "X-RateLimit-", "ratelimit-", "X-RATELIMIT-"])
def test_limit_remaining_reset_triple(prefix: str) -> None:
    headers = {f"{prefix}Limit": "100", f"{prefix}Remaining": "42", f"{prefix}Reset": "30"}
    assert parse_budget(headers) == Budget(42, 30.0, limit=100)


def test_reset_as_unix_time_is_read_against_now() -> None:
    headers = {"X-RateLimit-Remaining": "10", "X-RateLimit-Reset": str(int(NOW) + 45)}
    assert parse_budget(headers, now=NOW) == Budget(10, 45.0)
    assert parse_budget(headers) is None  # no clock to read it against: not guessed
    past = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) - 5)}
    assert parse_budget(past, now=NOW) == Budget(0, 0.0)


@pytest.mark.parametrize(
    ("unit", "window"),
    [("Second", 1.0), ("Minute", 60.0), ("Hour", 3600.0), ("Day", 86400.0)],
)
def test_per_window_headers_take_the_window_as_reset_when_none_is_given(
    unit: str, window: float
) -> None:
    headers = {f"X-RateLimit-Limit-{unit}": "100", f"X-RateLimit-Remaining-{unit}": "7"}
    assert parse_budget(headers) == Budget(7, window, limit=100, window=window)


def test_per_window_headers_tightest_wins() -> None:
    headers = {
        "X-RateLimit-Limit-Second": "10",
        "X-RateLimit-Remaining-Second": "9",  # 9 in a second: loose
        "X-RateLimit-Limit-Hour": "1000",
        "X-RateLimit-Remaining-Hour": "360",  # 360 in an hour: 0.1/s, tighter
    }
    assert parse_budget(headers) == Budget(360, 3600.0, limit=1000, window=3600.0)


def test_an_exhausted_budget_beats_any_rate() -> None:
    headers = {
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "2",
        "X-RateLimit-Remaining-Hour": "1",
    }
    assert parse_budget(headers) == Budget(0, 2.0)


def test_structured_ratelimit_with_policy() -> None:
    headers = {"RateLimit": '"default";r=50;t=30', "RateLimit-Policy": '"default";q=100;w=60'}
    assert parse_budget(headers) == Budget(50, 30.0, limit=100, window=60.0)


def test_structured_ratelimit_several_policies_tightest_wins() -> None:
    headers = {
        "RateLimit": '"burst";r=90;t=5, "daily";r=100;t=36000',
        "RateLimit-Policy": '"burst";q=100;w=10, "daily";q=1000;w=86400',
    }
    assert parse_budget(headers) == Budget(100, 36000.0, limit=1000, window=86400.0)


def test_structured_ratelimit_token_names_and_missing_t_uses_window() -> None:
    headers = {"RateLimit": "default;r=5", "RateLimit-Policy": "default;q=10;w=60"}
    assert parse_budget(headers) == Budget(5, 60.0, limit=10, window=60.0)


def test_structured_ratelimit_without_t_or_policy_is_unknown() -> None:
    assert parse_budget({"RateLimit": '"default";r=5'}) is None


def test_older_dictionary_ratelimit() -> None:
    headers = {"RateLimit": "limit=100, remaining=50, reset=5", "RateLimit-Policy": "100;w=60"}
    assert parse_budget(headers) == Budget(50, 5.0, limit=100, window=60.0)


def test_older_policy_gives_the_window_of_the_triple() -> None:
    headers = {
        "RateLimit-Limit": "100",
        "RateLimit-Remaining": "50",
        "RateLimit-Reset": "5",
        "RateLimit-Policy": "100;w=60, 1000;w=3600",
    }
    assert parse_budget(headers) == Budget(50, 5.0, limit=100, window=60.0)


def test_policy_alone_is_its_quota_over_its_window() -> None:
    assert parse_budget({"RateLimit-Policy": '"default";q=100;w=60'}) == Budget(
        100, 60.0, limit=100, window=60.0
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"RateLimit-Remaining": "-1", "RateLimit-Reset": "5"},
        {"RateLimit-Remaining": "5", "RateLimit-Reset": "-5"},
        {"RateLimit-Remaining": "lots", "RateLimit-Reset": "5"},
        {"RateLimit-Remaining": "5", "RateLimit-Reset": "soon"},
        {"RateLimit-Remaining": "5.5", "RateLimit-Reset": "5"},
        {"RateLimit-Remaining": "", "RateLimit-Reset": "5"},
        {"RateLimit-Remaining": "5", "RateLimit-Reset": ""},
        {"RateLimit-Remaining": "9" * 400, "RateLimit-Reset": "5"},
        {"RateLimit-Remaining": "10000000000000", "RateLimit-Reset": "5"},
        {"RateLimit-Remaining": "5", "RateLimit-Reset": "1e400"},
        {"RateLimit-Remaining": "5", "RateLimit-Reset": "inf"},
        {"RateLimit-Remaining": "5", "RateLimit-Reset": "nan"},
        {"RateLimit-Remaining": "5", "RateLimit-Reset": str(10**8)},  # years: implausible
        {"RateLimit": '"default";r=-5;t=30'},
        {"RateLimit": '"default";r=5;t=-30'},
        {"RateLimit": '"default";r=five;t=30'},
        {"RateLimit": '"default";r=5;t="30"'},
        {"RateLimit": '"default";r=?1;t=30'},
        {"RateLimit": '"default";r=' + "9" * 40 + ";t=30"},
        {"RateLimit": '"default;r=5;t=30'},  # unterminated string
        {"RateLimit": '"default";r=5;t=30 garbage'},
        {"RateLimit": ""},
        {"RateLimit": "limit=100, remaining=-1, reset=5"},
        {"RateLimit": "limit=100, remaining=50"},
        {"RateLimit-Policy": '"default";q=-1;w=60'},
        {"RateLimit-Policy": '"default";q=100;w=0'},
        {"RateLimit-Policy": '"default";q=100'},
    ],
)
def test_malformed_values_are_ignored(headers: dict[str, str]) -> None:
    assert parse_budget(headers, now=NOW) is None


def test_a_malformed_family_does_not_hide_a_good_one() -> None:
    headers = {
        "RateLimit-Remaining": "oops",
        "RateLimit-Reset": "5",
        "X-RateLimit-Remaining": "3",
        "X-RateLimit-Reset": "10",
    }
    assert parse_budget(headers) == Budget(3, 10.0)


def test_duplicated_numeric_headers_are_read_cautiously() -> None:
    headers = CIMultiDict(
        [
            ("RateLimit-Remaining", "40"),
            ("ratelimit-remaining", "30"),
            ("RateLimit-Reset", "10, 20"),  # combined by a proxy
        ]
    )
    assert parse_budget(headers) == Budget(30, 20.0)


def test_duplicated_header_with_one_bad_value_is_ignored() -> None:
    headers = CIMultiDict(
        [("RateLimit-Remaining", "40"), ("RateLimit-Remaining", "x"), ("RateLimit-Reset", "9")]
    )
    assert parse_budget(headers) is None


def test_duplicated_structured_fields_are_one_list() -> None:
    headers = CIMultiDict(
        [
            ("RateLimit", '"a";r=90;t=10'),
            ("RateLimit", '"b";r=1;t=10'),
            ("RateLimit-Policy", '"a";q=100;w=10'),
        ]
    )
    assert parse_budget(headers) == Budget(1, 10.0)


def test_tightest_of_nothing_is_none() -> None:
    assert tightest([None, None]) is None


def test_budget_refuses_negative_values() -> None:
    with pytest.raises(ValueError):
        Budget(-1, 5.0)
    with pytest.raises(ValueError):
        Budget(1, -5.0)


# -- pacing ------------------------------------------------------------------------------


def test_first_request_goes_now() -> None:
    assert earliest_start(Budget(10, 10.0), observed_at=100.0, now=100.0) == 100.0


def test_remaining_requests_are_spread_over_the_reset() -> None:
    budget = Budget(4, 8.0)
    starts = [earliest_start(budget, observed_at=100.0, now=100.0, sent=k) for k in range(5)]
    assert starts == [100.0, 102.0, 104.0, 106.0, 108.0]  # the 5th waits for the reset


def test_a_late_caller_is_not_sent_back_in_time() -> None:
    assert earliest_start(Budget(4, 8.0), observed_at=100.0, now=105.0, sent=1) == 105.0


def test_spent_budget_waits_for_the_reset() -> None:
    assert earliest_start(Budget(0, 30.0), observed_at=100.0, now=101.0) == 130.0
    assert earliest_start(Budget(3, 30.0), observed_at=100.0, now=101.0, sent=3) == 130.0


def test_after_the_reset_the_budget_limits_nothing() -> None:
    assert earliest_start(Budget(0, 30.0), observed_at=100.0, now=131.0, sent=99) == 131.0


def test_without_spreading_the_budget_goes_at_once_then_waits() -> None:
    budget = Budget(3, 30.0)
    starts = [
        earliest_start(budget, observed_at=0.0, now=1.0, sent=k, spread=False) for k in range(4)
    ]
    assert starts == [1.0, 1.0, 1.0, 30.0]


def test_spreading_never_starts_more_than_remaining_before_reset() -> None:
    budget = Budget(7, 3.0)
    starts = [earliest_start(budget, observed_at=0.0, now=0.0, sent=k) for k in range(20)]
    assert sum(1 for s in starts if s < 3.0) == 7
