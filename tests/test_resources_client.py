"""``CircleCI`` itself: the token and where it comes from, repr, closing, borrowed sessions."""

from __future__ import annotations

import traceback

import aiohttp
import pytest
from aioresponses import aioresponses
from bodies import BASE, TOKEN, USER

from aiocircle import (
    AuthenticationError,
    CircleCI,
    CircleCIError,
    ClientClosedError,
    ConfigurationError,
    RetryPolicy,
)

NO_RETRY = RetryPolicy(max_attempts=1)


def _everything_printed(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + str(exc)


@pytest.fixture
def no_token_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("CIRCLECI_TOKEN", raising=False)
    monkeypatch.delenv("CIRCLE_TOKEN", raising=False)
    return monkeypatch


def test_missing_token_names_both_environment_variables(no_token_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError) as raised:
        CircleCI(token=None, base_url=BASE)

    assert "CIRCLECI_TOKEN" in str(raised.value)
    assert "CIRCLE_TOKEN" in str(raised.value).replace("CIRCLECI_TOKEN", "")


def test_empty_environment_variables_count_as_missing(no_token_env: pytest.MonkeyPatch) -> None:
    no_token_env.setenv("CIRCLECI_TOKEN", "")
    no_token_env.setenv("CIRCLE_TOKEN", "")

    with pytest.raises(ConfigurationError):
        CircleCI(base_url=BASE)


@pytest.mark.parametrize("blank", [" ", "\t", "  \t "])
def test_a_blank_token_is_refused(no_token_env: pytest.MonkeyPatch, blank: str) -> None:
    with pytest.raises(ConfigurationError):
        CircleCI(blank, base_url=BASE)


@pytest.mark.parametrize(
    ("environment", "explicit", "expected"),
    [
        ({"CIRCLECI_TOKEN": "from-circleci", "CIRCLE_TOKEN": "from-circle"}, None, "from-circleci"),
        ({"CIRCLE_TOKEN": "from-circle"}, None, "from-circle"),
        ({"CIRCLECI_TOKEN": "", "CIRCLE_TOKEN": "from-circle"}, None, "from-circle"),
        ({"CIRCLECI_TOKEN": "from-circleci"}, "explicit", "explicit"),
    ],
    ids=["CIRCLECI_TOKEN-wins", "CIRCLE_TOKEN-alone", "empty-CIRCLECI_TOKEN", "argument-wins"],
)
async def test_token_precedence(
    no_token_env: pytest.MonkeyPatch,
    mock_api: aioresponses,
    sent,
    environment: dict[str, str],
    explicit: str | None,
    expected: str,
) -> None:
    for name, value in environment.items():
        no_token_env.setenv(name, value)
    mock_api.get(f"{BASE}/me", payload=USER)

    async with CircleCI(explicit, base_url=BASE, retry=NO_RETRY) as cci:
        await cci.users.me()

    assert sent.only().headers["Circle-Token"] == expected


async def test_repr_never_shows_the_token(cci: CircleCI) -> None:
    assert TOKEN not in repr(cci)
    assert repr(cci) == f"<CircleCI base_url={BASE!r} token=***>"

    await cci.close()

    assert TOKEN not in repr(cci)
    assert repr(cci).endswith(" closed>")


async def test_errors_never_show_the_token(cci: CircleCI, mock_api: aioresponses) -> None:
    mock_api.get(f"{BASE}/me", status=401, payload={"message": "Invalid token provided."})
    # Nothing is registered for /user/x: aioresponses refuses the connection.

    with pytest.raises(AuthenticationError) as unauthorized:
        await cci.users.me()
    with pytest.raises(CircleCIError) as unreachable:
        await cci.users.get("x")
    await cci.close()
    with pytest.raises(ClientClosedError) as closed:
        await cci.users.me()

    assert unauthorized.value.status == 401
    assert str(unauthorized.value) == "GET /api/v2/me: 401 Invalid token provided."
    for raised in (unauthorized, unreachable, closed):
        assert TOKEN not in _everything_printed(raised.value)


async def test_request_after_close_raises_without_sending(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    mock_api.get(f"{BASE}/me", payload=USER, repeat=True)
    await cci.users.me()

    await cci.close()

    assert cci.closed
    with pytest.raises(ClientClosedError):
        await cci.users.me()
    with pytest.raises(ClientClosedError):
        await cci.request("GET", "/me")
    with pytest.raises(ClientClosedError):
        await cci.pipelines.list("gh/org/repo").collect()
    assert sum(len(calls) for calls in mock_api.requests.values()) == 1


async def test_close_twice_is_harmless_and_a_closed_client_cannot_reopen(cci: CircleCI) -> None:
    await cci.close()
    await cci.close()

    with pytest.raises(ConfigurationError, match="reopened"):
        async with cci:
            pass


async def test_a_borrowed_session_is_used_and_left_open(mock_api: aioresponses, sent) -> None:
    mock_api.get(f"{BASE}/me", payload=USER, repeat=True)

    async with aiohttp.ClientSession(headers={"User-Agent": "callers-app/2.0"}) as session:
        cci = CircleCI(TOKEN, base_url=BASE, retry=NO_RETRY, session=session)
        user = await cci.users.me()
        await cci.close()

        assert cci.closed
        assert not session.closed
        async with session.get(f"{BASE}/me") as response:
            assert response.status == 200

    first = sent()[0]
    assert first.headers["Circle-Token"] == TOKEN
    # The session's own default headers prove the request went through it.
    assert first.headers["User-Agent"] == "callers-app/2.0"
    assert user.login == "octocat"


async def test_an_owned_session_is_closed_by_close(mock_api: aioresponses) -> None:
    mock_api.get(f"{BASE}/me", payload=USER)
    cci = CircleCI(TOKEN, base_url=BASE, retry=NO_RETRY)
    await cci.users.me()
    session = cci._core.transport.session

    await cci.close()

    assert session.closed
