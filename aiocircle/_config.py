"""Small frozen settings objects and the token wrapper."""

from __future__ import annotations

import os

import attrs

from .errors import ConfigurationError

DEFAULT_BASE_URL = "https://circleci.com/api/v2"
DEFAULT_ARTIFACT_HOSTS = ("*.circle-artifacts.com",)
TOKEN_VARIABLES = ("CIRCLECI_TOKEN", "CIRCLE_TOKEN")


@attrs.frozen(kw_only=True)
class Timeout:
    """Time limits in seconds; ``None`` disables one.

    ``total`` bounds a whole API request. Artifact downloads ignore ``total`` (files
    can be gigabytes) and rely on ``connect`` and ``read``, which bound every wait (for
    downloads ``read`` is at most ``idle``), and on ``idle``: a download body that delivers
    fewer than ``idle_bytes`` bytes in a window of ``idle`` seconds is stalled, fails with
    :class:`~aiocircle.TransportError` and is retried (resuming). So no request can hang
    forever, not even one fed a byte at a time.
    """

    connect: float | None = 10.0
    read: float | None = 60.0
    total: float | None = 300.0
    idle: float | None = 30.0
    idle_bytes: int = attrs.field(default=1024, validator=attrs.validators.ge(1))


@attrs.frozen(repr=False)
class Secret:
    """A token that never shows itself in a repr, a log line or an exception."""

    _value: str

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


def resolve_token(token: str | None) -> Secret:
    """The explicit token, else ``CIRCLECI_TOKEN``, else ``CIRCLE_TOKEN``."""
    if token is None:
        for name in TOKEN_VARIABLES:
            token = os.environ.get(name) or None
            if token:
                break
    token = (token or "").strip()
    if not token:
        raise ConfigurationError(
            "no CircleCI token: pass token=... or set the CIRCLECI_TOKEN or CIRCLE_TOKEN "
            "environment variable"
        )
    if any(c in token for c in "\r\n"):
        raise ConfigurationError("the CircleCI token contains a line break")
    return Secret(token)


BASE_URL_VARIABLE = "CIRCLECI_BASE_URL"


def resolve_base_url(base_url: str | None) -> str:
    """The explicit base URL, else ``CIRCLECI_BASE_URL``, else CircleCI's own API v2 root."""
    if base_url is None:
        base_url = os.environ.get(BASE_URL_VARIABLE, "").strip() or DEFAULT_BASE_URL
    return base_url


def normalize_artifact_host(pattern: str) -> str:
    """An artifact host pattern as matched against ``host`` or ``host:port``.

    A URL is accepted too, so what a server prints can be pasted as is:
    ``http://127.0.0.1:8080/`` becomes ``127.0.0.1:8080``. The scheme and any path are
    dropped; the port is kept.
    """
    text = pattern.strip().lower()
    scheme, sep, rest = text.partition("://")
    if sep:
        if scheme not in ("http", "https"):
            raise ConfigurationError(
                f"artifact host {pattern!r}: only http(s) URLs or host patterns are accepted"
            )
        text = rest
    host = text.split("/", 1)[0]
    if not host or "@" in host or any(c.isspace() for c in host):
        raise ConfigurationError(
            f"artifact host {pattern!r} is not a host pattern such as '*.circle-artifacts.com' "
            "or 'files.example.com:8443'"
        )
    return host
