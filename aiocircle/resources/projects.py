"""``cci.projects``: projects, checkout keys and environment variables."""

from __future__ import annotations

from typing import Literal

from .._operations import operation
from .._pagination import Paginator
from .._slug import encode_segment, encode_slug
from ..models import CheckoutKey, EnvVar, MessageResponse, Project
from ._base import Resource


class Projects(Resource):
    @operation("getProjectBySlug", "GET", "/project/{project-slug}")
    async def get(self, slug: str) -> Project:
        """A project. ``GET /project/{project-slug}``"""
        return await self._core.model(Project, "GET", f"/project/{encode_slug(slug)}")

    @operation("listCheckoutKeys", "GET", "/project/{project-slug}/checkout-key", paginated=True)
    def checkout_keys(
        self, slug: str, *, digest: Literal["sha256", "md5"] | None = None
    ) -> Paginator[CheckoutKey]:
        """A project's checkout keys. ``GET /project/{project-slug}/checkout-key``"""
        return self._core.paginate(
            CheckoutKey, f"/project/{encode_slug(slug)}/checkout-key", params={"digest": digest}
        )

    @operation("createCheckoutKey", "POST", "/project/{project-slug}/checkout-key")
    async def create_checkout_key(
        self, slug: str, type: Literal["user-key", "deploy-key"]
    ) -> CheckoutKey:
        """Create a checkout key. ``POST /project/{project-slug}/checkout-key``"""
        if type not in ("user-key", "deploy-key"):
            raise ValueError(f"checkout key type must be 'user-key' or 'deploy-key', not {type!r}")
        path = f"/project/{encode_slug(slug)}/checkout-key"
        return await self._core.model(CheckoutKey, "POST", path, json={"type": type})

    @operation("getCheckoutKey", "GET", "/project/{project-slug}/checkout-key/{fingerprint}")
    async def get_checkout_key(self, slug: str, fingerprint: str) -> CheckoutKey:
        """One checkout key. ``GET /project/{project-slug}/checkout-key/{fingerprint}``"""
        return await self._core.model(CheckoutKey, "GET", self._key_path(slug, fingerprint))

    @operation("deleteCheckoutKey", "DELETE", "/project/{project-slug}/checkout-key/{fingerprint}")
    async def delete_checkout_key(self, slug: str, fingerprint: str) -> MessageResponse:
        """Delete a checkout key. ``DELETE /project/{project-slug}/checkout-key/{fingerprint}``"""
        return await self._core.model(MessageResponse, "DELETE", self._key_path(slug, fingerprint))

    @operation("listEnvVars", "GET", "/project/{project-slug}/envvar", paginated=True)
    def env_vars(self, slug: str) -> Paginator[EnvVar]:
        """A project's environment variables (masked). ``GET /project/{project-slug}/envvar``"""
        return self._core.paginate(EnvVar, f"/project/{encode_slug(slug)}/envvar")

    @operation("createEnvVar", "POST", "/project/{project-slug}/envvar")
    async def create_env_var(self, slug: str, name: str, value: str) -> EnvVar:
        """Create or replace an environment variable. ``POST /project/{project-slug}/envvar``"""
        if not name:
            raise ValueError("environment variable name must not be empty")
        path = f"/project/{encode_slug(slug)}/envvar"
        return await self._core.model(EnvVar, "POST", path, json={"name": name, "value": value})

    @operation("getEnvVar", "GET", "/project/{project-slug}/envvar/{name}")
    async def get_env_var(self, slug: str, name: str) -> EnvVar:
        """One environment variable, masked. ``GET /project/{project-slug}/envvar/{name}``"""
        return await self._core.model(EnvVar, "GET", self._env_path(slug, name))

    @operation("deleteEnvVar", "DELETE", "/project/{project-slug}/envvar/{name}")
    async def delete_env_var(self, slug: str, name: str) -> MessageResponse:
        """Delete an environment variable. ``DELETE /project/{project-slug}/envvar/{name}``"""
        return await self._core.model(MessageResponse, "DELETE", self._env_path(slug, name))

    @staticmethod
    def _key_path(slug: str, fingerprint: str) -> str:
        key = encode_segment(fingerprint, "fingerprint")
        return f"/project/{encode_slug(slug)}/checkout-key/{key}"

    @staticmethod
    def _env_path(slug: str, name: str) -> str:
        return f"/project/{encode_slug(slug)}/envvar/{encode_segment(name, 'name')}"
