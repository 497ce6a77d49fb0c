"""Lazy async paginators over CircleCI's ``page-token`` / ``next_page_token`` lists."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, TypeVar

import attrs

from .errors import PaginationError

T = TypeVar("T")


@attrs.frozen
class Page(Generic[T]):
    """One page of a list: its items and the token of the next page (``None`` at the end)."""

    items: list[T]
    next_page_token: str | None


class Paginator(Generic[T]):
    """An async iterator over every item of a paginated list.

    Nothing is sent until iteration starts, and only one page is held at a time.
    Iterating again starts again from the first page.

    >>> async for pipeline in cci.pipelines.list("gh/org/repo"):  # doctest: +SKIP
    ...     print(pipeline.number)
    """

    def __init__(self, fetch_page: Callable[[str | None], Awaitable[Page[T]]]) -> None:
        self._fetch_page = fetch_page

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Yield whole pages; raises :class:`PaginationError` if a token repeats."""
        seen: set[str] = set()
        token: str | None = None
        while True:
            page = await self._fetch_page(token)
            yield page
            token = page.next_page_token
            if not token:
                return
            if token in seen:
                raise PaginationError(f"the API repeated page token {token!r}; stopping")
            seen.add(token)

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
