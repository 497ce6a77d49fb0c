"""What API handlers of the fake share: the prefixes, one authenticated call, a route's spec."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable

import attrs
from aiohttp import web

from ._http import HttpError
from ._state import User

V2 = "/api/v2"
V1 = "/api/v1.1"


@attrs.frozen
class Call:
    """One authenticated API request, as handlers see it."""

    request: web.BaseRequest
    params: dict[str, str]
    user: User


Handler = Callable[[Call], Awaitable[web.Response]]


@attrs.frozen
class RouteSpec:
    prefix: str
    method: str
    template: str
    handler: str

    @property
    def name(self) -> str:
        """The counting key: `GET /me` for API v2, `GET /api/v1.1/...` for API v1.1."""
        path = self.template if self.prefix == V2 else self.prefix + self.template
        return f"{self.method} {path}"


def encode_page_token(kind: str, position: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode().rstrip("=")


def decode_page_token(token: str, kind: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        found, _, position = text.partition(":")
        if found == kind:
            return int(position)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise HttpError(400, "Invalid page-token")
