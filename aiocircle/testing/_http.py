"""HTTP helpers shared by the fake's listeners: responses, credentials, dropped connections."""

from __future__ import annotations

import base64
import binascii
import socket
import struct

from aiohttp import web

from ._render import dumps, message

JSON = "application/json"


class HttpError(Exception):
    """Raised by a handler to answer `status` with CircleCI's `{"message": ...}` body
    (`key="error"` for the services that answer `{"error": ...}`: policies, OIDC); with no
    `key`, the route's tag decides (`TagApi.ERROR_KEY`)."""

    def __init__(self, status: int, text: str, *, key: str | None = None) -> None:
        super().__init__(text)
        self.status = status
        self.text = text
        self.key = key


def json_response(body: bytes, status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, content_type=JSON)


def error_response(status: int, text: str, key: str = "message") -> web.Response:
    body = message(text) if key == "message" else dumps({key: text})
    return web.Response(body=body, status=status, content_type=JSON)


def presented_token(request: web.BaseRequest) -> str | None:
    """The token a request carries, the way CircleCI accepts it.

    `Circle-Token` header, HTTP basic with the token as user name, `Authorization: Bearer`,
    and the deprecated `circle-token` query parameter (which pycircleci still sends).
    """
    headers = request.headers
    token = headers.get("Circle-Token")
    if token:
        return token
    authorization = headers.get("Authorization")
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer":
            return credentials.strip() or None
        if scheme == "basic":
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return None
            return decoded.partition(":")[0] or None
    if "circle-token" in request.query_string:
        return request.query.get("circle-token") or None
    return None


def drop_connection(request: web.BaseRequest) -> web.Response:
    """Reset the connection (RST, no answer); return a response aiohttp will fail to send.

    aiohttp treats the failure to send it as a client disconnect and stays quiet.
    """
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    return web.Response(status=500)
