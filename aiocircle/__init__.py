"""aiocircle: an asyncio client for the CircleCI API v2."""

from ._client import CircleCI, __version__
from ._config import Timeout
from ._pagination import Page, Paginator
from ._retry import RetryEvent, RetryPolicy
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    CircleCIError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    DecodeError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
)

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "CircleCI",
    "CircleCIError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "DecodeError",
    "NotFoundError",
    "Page",
    "PaginationError",
    "Paginator",
    "PermissionDeniedError",
    "RateLimitError",
    "RetryEvent",
    "RetryPolicy",
    "ServerError",
    "Timeout",
    "TransportError",
    "__version__",
]
