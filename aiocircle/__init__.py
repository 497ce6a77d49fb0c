"""aiocircle: an asyncio client for the CircleCI API v2."""

from ._client import CircleCI, __version__
from ._config import Timeout
from ._pagination import OffsetPages, Page, PageStyle, Paginator, TokenPages
from ._ratelimit import Budget, earliest_start, parse_budget
from ._retry import RetryEvent, RetryPolicy
from ._throttle import Throttle
from .bulk import (
    Bulk,
    BulkError,
    BulkResult,
    Failure,
    MergedStream,
    ProjectFailure,
    Success,
    WorkflowRecord,
)
from .download import (
    DownloadEntry,
    DownloadError,
    DownloadReport,
    DownloadStatus,
    JobArtifact,
    ListingFailure,
    default_layout,
)
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
    RedirectError,
    ServerError,
    TransportError,
)
from .limiter import Answer, Permit, RateLimiter
from .redis_limiter import RedisRateLimiter
from .report import WorkflowRow, workflow_rows, write_csv, write_jsonl
from .transport import AiohttpTransport, Request, Response, Transport

__all__ = [
    "APIError",
    "AiohttpTransport",
    "Answer",
    "AuthenticationError",
    "BadRequestError",
    "Budget",
    "Bulk",
    "BulkError",
    "BulkResult",
    "CircleCI",
    "CircleCIError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "DecodeError",
    "DownloadEntry",
    "DownloadError",
    "DownloadReport",
    "DownloadStatus",
    "Failure",
    "JobArtifact",
    "ListingFailure",
    "MergedStream",
    "NotFoundError",
    "OffsetPages",
    "Page",
    "PageStyle",
    "PaginationError",
    "Paginator",
    "PermissionDeniedError",
    "Permit",
    "ProjectFailure",
    "RateLimitError",
    "RateLimiter",
    "RedirectError",
    "RedisRateLimiter",
    "Request",
    "Response",
    "RetryEvent",
    "RetryPolicy",
    "ServerError",
    "Success",
    "Throttle",
    "Timeout",
    "TokenPages",
    "Transport",
    "TransportError",
    "WorkflowRecord",
    "WorkflowRow",
    "__version__",
    "default_layout",
    "earliest_start",
    "parse_budget",
    "workflow_rows",
    "write_csv",
    "write_jsonl",
]
