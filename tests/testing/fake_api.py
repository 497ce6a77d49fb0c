"""Raw requests to a fake CircleCI's API with its token (a helper for these tests)."""

from __future__ import annotations

from typing import Any

import aiohttp

from aiocircle.testing import FakeCircleCI


class Api:
    """Small helpers for raw requests to the fake's API with its token."""

    def __init__(self, fake: FakeCircleCI, session: aiohttp.ClientSession) -> None:
        self.fake = fake
        self.session = session
        self.headers = {"Circle-Token": fake.token}

    async def call(
        self, method: str, path: str, *, json: Any = None, **params: str
    ) -> tuple[int, Any]:
        async with self.session.request(
            method,
            self.fake.base_url + path,
            headers=self.headers,
            params=params or None,
            json=json,
        ) as response:
            body = await response.json(content_type=None)
            return response.status, body

    async def get(self, path: str, **params: str) -> Any:
        status, body = await self.call("GET", path, **params)
        assert status == 200, (path, status, body)
        return body

    async def items(self, path: str, **params: str) -> list[Any]:
        """Every item of a paginated list, following `next_page_token`."""
        collected: list[Any] = []
        token: str | None = None
        while True:
            extra = dict(params, **({"page-token": token} if token else {}))
            body = await self.get(path, **extra)
            collected.extend(body["items"])
            token = body["next_page_token"]
            if token is None:
                return collected
