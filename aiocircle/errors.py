"""The exceptions aiocircle raises, all rooted at :class:`CircleCIError`.

::

    CircleCIError
    ├── ConfigurationError          bad client settings (no token, bad base URL)
    ├── ClientClosedError           the client was used after it closed
    ├── PaginationError             the API repeated a page token
    ├── TransportError              connection failure, timeout or a stalled download
    ├── RedirectError               a redirect we will not follow (scheme, hops, no Location)
    ├── DecodeError                 a 2xx body that is not the JSON promised
    ├── ArtifactError               one artifact of a harvest could not be saved
    │   ├── LocalFileError          writing it to disk failed (an ``OSError``)
    │   └── UnsafePathError         its path would land outside the destination
    ├── DownloadError               a harvest had failures (in aiocircle.harvest)
    ├── UsageExportError            a usage export failed or did not finish in time
    └── APIError                    any non-2xx answer
        ├── BadRequestError         400
        ├── AuthenticationError     401
        ├── PermissionDeniedError   403
        ├── NotFoundError           404
        ├── ConflictError           409
        ├── RateLimitError          429 (``retry_after`` in seconds, when known)
        └── ServerError             5xx
"""

from __future__ import annotations


class CircleCIError(Exception):
    """Base class of every error aiocircle raises."""


class ConfigurationError(CircleCIError):
    """The client was configured in a way that cannot work."""


class ClientClosedError(CircleCIError):
    """A request was made on a client that has already been closed."""


class PaginationError(CircleCIError):
    """The API returned a page token it had returned before."""


class TransportError(CircleCIError):
    """The request did not complete: connection error, reset or timeout.

    ``request_sent`` is ``False`` only when the connection never opened, so the
    server cannot have seen the request and even a trigger may be retried.
    """

    def __init__(self, method: str, path: str, reason: str, *, request_sent: bool = True) -> None:
        self.method = method
        self.path = path
        self.reason = reason
        self.request_sent = request_sent
        super().__init__(f"{method} {path}: {reason}")


class RedirectError(CircleCIError):
    """A download's redirect was refused: no or a malformed ``Location``, a scheme other
    than http(s), or more hops than allowed. Not retried: the answer would be the same."""

    def __init__(self, method: str, path: str, reason: str) -> None:
        self.method = method
        self.path = path
        self.reason = reason
        super().__init__(f"{method} {path}: {reason}")


class DecodeError(CircleCIError):
    """A successful response whose body is not the JSON the API promised."""

    def __init__(self, method: str, path: str, reason: str) -> None:
        self.method = method
        self.path = path
        self.reason = reason
        super().__init__(f"{method} {path}: {reason}")


class ArtifactError(CircleCIError):
    """One artifact of a harvest could not be saved for a reason of its own (a layout that
    raised, an unusable URL); the subclasses name the common cases."""


class LocalFileError(ArtifactError):
    """Writing an artifact to disk failed; ``path`` is the file, ``reason`` the OS's words."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class UnsafePathError(ArtifactError):
    """An artifact path that would land outside the destination (or names no file)."""


class UsageExportError(CircleCIError):
    """A usage export ended ``failed`` (``reason`` is CircleCI's ``error_reason``) or was
    still not ready when the report stopped waiting."""

    def __init__(self, export_id: str, reason: str) -> None:
        self.export_id = export_id
        self.reason = reason
        super().__init__(f"usage export {export_id}: {reason}")


class APIError(CircleCIError):
    """The API answered with a non-2xx status."""

    def __init__(self, status: int, message: str, *, method: str, path: str) -> None:
        self.status = status
        self.message = message
        self.method = method
        self.path = path
        super().__init__(self._describe())

    def _describe(self) -> str:
        return f"{self.method} {self.path}: {self.status} {self.message}".rstrip()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._describe()})"


class BadRequestError(APIError):
    """400: the request was malformed."""


class AuthenticationError(APIError):
    """401: the token is missing, wrong or expired."""


class PermissionDeniedError(APIError):
    """403: the token may not do this."""


class NotFoundError(APIError):
    """404: no such resource, or one the token cannot see."""


class ConflictError(APIError):
    """409: the request conflicts with the resource's state."""


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` is the server's wait in seconds, if given."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        method: str,
        path: str,
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(status, message, method=method, path=path)

    def _describe(self) -> str:
        return f"{super()._describe()}, retry_after={self.retry_after}"


class ServerError(APIError):
    """5xx: CircleCI failed to answer."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def error_class_for(status: int) -> type[APIError]:
    """The exception class for a non-2xx status."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, APIError)
