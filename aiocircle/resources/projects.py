"""``cci.projects``: projects, their settings, checkout keys and environment variables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from .._operations import operation
from .._pagination import Paginator
from .._slug import encode_org, encode_segment, encode_slug
from ..models import CheckoutKey, EnvVar, MessageResponse, Project, ProjectSettings
from ._base import Resource

#: At most this many branches in ``pr_only_branch_overrides`` (the spec's 400 example).
MAX_BRANCH_OVERRIDES = 100


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

    @operation("createProject", "POST", "/organization/{org-slug-or-id}/project", idempotent=False)
    async def create(self, org_slug_or_id: str, name: str) -> Project:
        """Create a project in an organization (any organization type).
        ``POST /organization/{org-slug-or-id}/project``

        ``org_slug_or_id`` is the organization's id or slug (``gh/acme``). Never retried
        once the request may have reached CircleCI.
        """
        if not name.strip():
            raise ValueError("project name must not be empty")
        path = f"/organization/{encode_org(org_slug_or_id)}/project"
        return await self._core.model(Project, "POST", path, json={"name": name}, idempotent=False)

    @operation("deleteProjectBySlug", "DELETE", "/project/{project-slug}")
    async def delete(self, slug: str) -> MessageResponse:
        """Delete a project. ``DELETE /project/{project-slug}``"""
        return await self._core.model(MessageResponse, "DELETE", f"/project/{encode_slug(slug)}")

    @operation(
        "createProject1", "POST", "/project/{provider}/{organization}/{project}", idempotent=False
    )
    async def create_by_slug(self, slug: str) -> ProjectSettings:
        """Create (follow) the project of a GitHub OAuth or Bitbucket repository and return
        its default settings. ``POST /project/{provider}/{organization}/{project}``

        Deprecated by CircleCI in favour of :meth:`create`, and missing from its live
        operation list of August 2026: CircleCI may retire it. The repository needs a main
        branch and a ``.circleci/config.yml``. Never retried once it may have reached
        CircleCI.
        """
        path = f"/project/{encode_slug(slug)}"
        return await self._core.model(ProjectSettings, "POST", path, idempotent=False)

    @operation("getProjectSettings", "GET", "/project/{provider}/{organization}/{project}/settings")
    async def settings(self, slug: str) -> ProjectSettings:
        """A project's advanced settings (experimental at CircleCI).
        ``GET /project/{provider}/{organization}/{project}/settings``"""
        return await self._core.model(
            ProjectSettings, "GET", f"/project/{encode_slug(slug)}/settings"
        )

    @operation(
        "patchProjectSettings",
        "PATCH",
        "/project/{provider}/{organization}/{project}/settings",
        idempotent=True,
    )
    async def update_settings(
        self,
        slug: str,
        *,
        autocancel_builds: bool | None = None,
        build_fork_prs: bool | None = None,
        build_prs_only: bool | None = None,
        disable_ssh: bool | None = None,
        forks_receive_secret_env_vars: bool | None = None,
        oss: bool | None = None,
        set_github_status: bool | None = None,
        setup_workflows: bool | None = None,
        write_settings_requires_admin: bool | None = None,
        pr_only_branch_overrides: Sequence[str] | None = None,
    ) -> ProjectSettings:
        """Change the advanced settings given (the others stay) and return them all.
        ``PATCH /project/{provider}/{organization}/{project}/settings``

        Retried like a ``PUT``: setting the same values twice has the same effect as once.
        ``pr_only_branch_overrides`` replaces the list (at most 100 branches).
        """
        flags = {
            "autocancel_builds": autocancel_builds,
            "build_fork_prs": build_fork_prs,
            "build_prs_only": build_prs_only,
            "disable_ssh": disable_ssh,
            "forks_receive_secret_env_vars": forks_receive_secret_env_vars,
            "oss": oss,
            "set_github_status": set_github_status,
            "setup_workflows": setup_workflows,
            "write_settings_requires_admin": write_settings_requires_admin,
        }
        advanced: dict[str, Any] = {}
        for key, value in flags.items():
            if value is None:
                continue
            if not isinstance(value, bool):
                raise ValueError(f"setting {key!r} must be a bool, not {value!r}")
            advanced[key] = value
        if pr_only_branch_overrides is not None:
            branches = _branches(pr_only_branch_overrides)
            advanced["pr_only_branch_overrides"] = branches
        if not advanced:
            raise ValueError("update_settings() needs at least one setting to change")
        path = f"/project/{encode_slug(slug)}/settings"
        return await self._core.model(
            ProjectSettings, "PATCH", path, json={"advanced": advanced}, idempotent=True
        )

    @staticmethod
    def _key_path(slug: str, fingerprint: str) -> str:
        key = encode_segment(fingerprint, "fingerprint")
        return f"/project/{encode_slug(slug)}/checkout-key/{key}"

    @staticmethod
    def _env_path(slug: str, name: str) -> str:
        return f"/project/{encode_slug(slug)}/envvar/{encode_segment(name, 'name')}"


def _branches(branches: Sequence[str]) -> list[str]:
    if isinstance(branches, str):
        raise ValueError("pr_only_branch_overrides is a list of branch names, not one str")
    found = list(branches)
    if len(found) > MAX_BRANCH_OVERRIDES:
        raise ValueError(
            f"pr_only_branch_overrides takes at most {MAX_BRANCH_OVERRIDES} branches, "
            f"not {len(found)}"
        )
    if not all(isinstance(b, str) and b.strip() for b in found):
        raise ValueError("pr_only_branch_overrides holds non-empty branch names")
    return found
