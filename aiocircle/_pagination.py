"""Lazy async paginators over CircleCI's lists, in each page style the API uses.

CircleCI pages lists four ways (see docs/client.md):

- ``page-token`` in, ``{items, next_page_token}`` out: most lists (:data:`PAGE_TOKEN`);
- the same with a required ``page-size``: the Deploy lists (``TokenPages.sized(n)``);
- the same with ``limit``: an organization's groups (``TokenPages.limited(n)``);
- ``offset`` in, a bare JSON array out: policy decision logs (:class:`OffsetPages`).

A style builds the query of a page from a cursor and reads the items and the next cursor
from the decoded body; the :class:`Paginator` owns the loop and its guards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Generic, Protocol, TypeVar

import attrs

from .errors import DecodeError, PaginationError

T = TypeVar("T")

#: A position in a list: a page token (str) or an offset (int); ``None`` is the first page.
Cursor = str | int
Query = dict[str, Any]


@attrs.frozen
class Page(Generic[T]):
    """One page of a list: its items and where the next page starts (``None`` at the end).

    ``next_page_token`` is set by the token styles, ``next_offset`` by the offset style.
    """

    items: list[T]
    next_page_token: str | None
    next_offset: int | None = None


class PageStyle(Protocol):
    """How one kind of CircleCI list is paged."""

    def query(self, cursor: Cursor | None) -> Query:
        """The query parameters that ask for the page at ``cursor``."""
        ...

    def read(self, body: Any, cursor: Cursor | None, where: str) -> tuple[list[Any], Cursor | None]:
        """The raw items of a decoded page and the cursor of the next (``None``: the last).

        Raises :class:`DecodeError` (``where`` is ``"GET /path"``) for a body of another shape.
        """
        ...

    def stalled(self, previous: list[Any], items: list[Any]) -> bool:
        """Whether a page made no progress over the one before (the list would never end)."""
        ...


def _decode_error(where: str, reason: str) -> DecodeError:
    method, _, path = where.partition(" ")
    return DecodeError(method, path, reason)


@attrs.frozen
class TokenPages:
    """``page-token`` in, ``{items, next_page_token}`` out; optionally a page size.

    ``size`` is sent as ``size_param`` on every page (CircleCI's Deploy lists require
    ``page-size``; organization groups take ``limit``). A missing, null or empty
    ``next_page_token`` ends the list; a token of any other type is a :class:`DecodeError`.
    """

    size: int | None = None
    size_param: str = "page-size"
    token_param: str = "page-token"

    def __attrs_post_init__(self) -> None:
        if self.size is not None and (isinstance(self.size, bool) or self.size < 1):
            raise ValueError(f"page size must be a positive integer, not {self.size!r}")

    @classmethod
    def sized(cls, size: int) -> TokenPages:
        """Token pages of ``size`` items, asked for with ``page-size`` (the Deploy lists)."""
        return cls(size=size, size_param="page-size")

    @classmethod
    def limited(cls, limit: int) -> TokenPages:
        """Token pages of ``limit`` items, asked for with ``limit`` (organization groups)."""
        return cls(size=limit, size_param="limit")

    def query(self, cursor: Cursor | None) -> Query:
        query: Query = {self.token_param: cursor}
        if self.size is not None:
            query[self.size_param] = self.size
        return query

    def read(self, body: Any, cursor: Cursor | None, where: str) -> tuple[list[Any], Cursor | None]:
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise _decode_error(where, "expected {items, next_page_token}")
        token = body.get("next_page_token")
        if token is not None and not isinstance(token, str):
            raise _decode_error(
                where, f"next_page_token must be a string or null, not {type(token).__name__}"
            )
        return body["items"], token or None

    def stalled(self, previous: list[Any], items: list[Any]) -> bool:
        # A repeated token is the guard here; equal pages with new tokens can be real data.
        return False


@attrs.frozen
class OffsetPages:
    """``offset`` in, a bare JSON array out (policy decision logs).

    The next offset is this one plus the items received; an empty page ends the list.
    A page equal to the one before means the server ignores the offset: a
    :class:`PaginationError` rather than a list that never ends.
    """

    param: str = "offset"

    def query(self, cursor: Cursor | None) -> Query:
        return {self.param: cursor}

    def read(self, body: Any, cursor: Cursor | None, where: str) -> tuple[list[Any], Cursor | None]:
        if not isinstance(body, list):
            raise _decode_error(where, "expected a JSON array of items")
        if not body:
            return body, None
        start = cursor if isinstance(cursor, int) else 0
        return body, start + len(body)

    def stalled(self, previous: list[Any], items: list[Any]) -> bool:
        return bool(items) and items == previous


#: The style of most CircleCI lists.
PAGE_TOKEN = TokenPages()


class Paginator(Generic[T]):
    """An async iterator over every item of a paginated list.

    Nothing is sent until iteration starts, and only one page is held at a time.
    Iterating again starts again from the first page. ``fetch`` sends one request with
    the page's query (the style's cursor parameters; the list's own parameters are the
    fetcher's to add) and returns the decoded JSON; ``structure`` turns one raw item into a
    ``T``; ``where`` (``"GET /path"``) names the list in errors.

    >>> async for pipeline in cci.pipelines.list("gh/org/repo"):  # doctest: +SKIP
    ...     print(pipeline.number)
    """

    def __init__(
        self,
        fetch: Callable[[Query], Awaitable[Any]],
        structure: Callable[[Any], T],
        *,
        style: PageStyle = PAGE_TOKEN,
        where: str = "GET",
    ) -> None:
        self._fetch = fetch
        self._structure = structure
        self._style = style
        self._where = where

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Yield whole pages; raises :class:`PaginationError` if a cursor repeats or a
        page makes no progress."""
        seen: set[Cursor] = set()
        cursor: Cursor | None = None
        previous: list[Any] = []
        while True:
            body = await self._fetch(self._style.query(cursor))
            raw, after = self._style.read(body, cursor, self._where)
            if self._style.stalled(previous, raw):
                raise PaginationError(
                    f"{self._where}: the page at {cursor!r} repeats the one before; stopping"
                )
            items = [self._structure(item) for item in raw]
            yield Page(
                items,
                after if isinstance(after, str) else None,
                after if isinstance(after, int) else None,
            )
            if after is None:
                return
            if after in seen:
                raise PaginationError(f"the API repeated page token {after!r}; stopping")
            seen.add(after)
            cursor, previous = after, raw

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def collect(self, max_items: int | None = None) -> list[T]:
        """All items as a list, or the first ``max_items``; stops fetching once it has enough."""
        if max_items is not None and max_items < 0:
            raise ValueError(f"max_items must not be negative, not {max_items}")
        items: list[T] = []
        if max_items == 0:
            return items
        async for page in self.pages():
            items.extend(page.items)
            if max_items is not None and len(items) >= max_items:
                return items[:max_items]
        return items

    async def first(self) -> T | None:
        """The first item, or ``None`` when the list is empty."""
        found = await self.collect(max_items=1)
        return found[0] if found else None
