"""``cci.users``: the current user, other users, collaborations."""

from __future__ import annotations

from .._operations import operation
from .._slug import encode_segment
from ..models import Collaboration, User
from ._base import Resource


class Users(Resource):
    @operation("getCurrentUser", "GET", "/me")
    async def me(self) -> User:
        """The user the token belongs to. ``GET /me``"""
        return await self._core.model(User, "GET", "/me")

    @operation("getUser", "GET", "/user/{id}")
    async def get(self, user_id: str) -> User:
        """A user by id. ``GET /user/{id}``"""
        return await self._core.model(User, "GET", f"/user/{encode_segment(user_id, 'user_id')}")

    @operation("getCollaborations", "GET", "/me/collaborations")
    async def collaborations(self) -> list[Collaboration]:
        """Organizations the user belongs to. ``GET /me/collaborations``"""
        return await self._core.model(list[Collaboration], "GET", "/me/collaborations")
