"""Project slugs: validation and percent-encoding, done before any request is sent."""

from __future__ import annotations

import functools
from urllib.parse import quote

_VCS = frozenset({"gh", "github", "bb", "bitbucket", "circleci"})


def encode_slug(slug: str) -> str:
    """Validate a project slug and percent-encode each segment, keeping the slashes.

    ``gh/org/repo``, ``github/…``, ``bb/…``, ``bitbucket/…`` and
    ``circleci/<org-id>/<project-id>`` are accepted; anything else raises ``ValueError``.
    """
    if not isinstance(slug, str):
        raise TypeError(f"project slug must be a str, not {type(slug).__name__}")
    return _encode_slug(slug)


@functools.lru_cache(maxsize=1024)
def _encode_slug(slug: str) -> str:
    """:func:`encode_slug` for a str (a harvest encodes the same few slugs per job)."""
    parts = slug.split("/")
    if len(parts) != 3 or not all(part.strip() for part in parts):
        raise ValueError(
            f"malformed project slug {slug!r}: expected three non-empty segments "
            "like 'gh/org/repo' or 'circleci/<org-id>/<project-id>'"
        )
    if any(part in (".", "..") for part in parts):
        raise ValueError(f"malformed project slug {slug!r}: '.' and '..' are not segments")
    if parts[0] not in _VCS:
        raise ValueError(
            f"malformed project slug {slug!r}: unknown VCS {parts[0]!r}, "
            f"expected one of {', '.join(sorted(_VCS))}"
        )
    return "/".join(quote(part, safe="") for part in parts)


def encode_segment(value: str | int, what: str) -> str:
    """Percent-encode one path segment (an id, a name, a number); empty values are refused."""
    text = str(value)
    if not text.strip():
        raise ValueError(f"{what} must not be empty")
    if text in (".", ".."):
        raise ValueError(f"{what} must not be {text!r}")
    return quote(text, safe="")


def job_number(value: int, what: str = "job number") -> str:
    """Validate a job or pipeline number: a non-negative int."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a non-negative int, not {value!r}")
    return str(value)


def check_org_slug(value: str) -> str:
    """Validate an organization slug, ``vcs/org`` (``gh/acme``, ``circleci/<org-id>``)."""
    if not isinstance(value, str):
        raise TypeError(f"organization slug must be a str, not {type(value).__name__}")
    parts = value.split("/")
    if len(parts) != 2 or not all(part.strip() for part in parts) or parts[0] not in _VCS:
        raise ValueError(
            f"malformed organization slug {value!r}: expected 'vcs/org' like 'gh/acme' or "
            f"'circleci/<org-id>', the VCS one of {', '.join(sorted(_VCS))}"
        )
    return value


def encode_org(value: str) -> str:
    """An organization slug (``gh/acme``) or id as one path segment, its slash encoded."""
    if isinstance(value, str) and "/" in value:
        check_org_slug(value)
    return encode_segment(value, "organization slug or id")
