"""``cci.projects``: the project, its checkout keys and its environment variables."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aioresponses import aioresponses
from bodies import (
    ACCEPTED,
    BASE,
    CHECKOUT_KEY,
    ENCODED_SLUG,
    ENV_VAR,
    FINGERPRINT,
    ORG_ID,
    PROJECT,
    PROJECT_ID,
    SLUG,
    TOKEN,
    page,
)
from yarl import URL

from aiocircle import CircleCI, RetryPolicy, ServerError
from aiocircle.models import (
    AdvancedSettings,
    CheckoutKey,
    EnvVar,
    MessageResponse,
    Project,
    ProjectSettings,
    VcsInfo,
)

PROJECT_URL = f"{BASE}/project/{ENCODED_SLUG}"
PROJECT_PATH = f"/api/v2/project/{ENCODED_SLUG}"
ENCODED_FINGERPRINT = FINGERPRINT.replace(":", "%3A")
# Parsed without encoded=True, yarl would turn %3A back into ":" and the mock would not match.
KEY_URL = URL(f"{PROJECT_URL}/checkout-key/{ENCODED_FINGERPRINT}", encoded=True)


async def test_get_project_encodes_the_slug_and_types_the_result(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(PROJECT_URL, payload=PROJECT)

    project = await cci.projects.get(SLUG)

    request = sent.only()
    assert request.method == "GET"
    assert request.url.raw_path == "/api/v2/project/gh/my%20org/repo"
    assert request.headers["Circle-Token"] == TOKEN
    assert project == Project(
        slug="gh/CircleCI-Public/api-preview-docs",
        name="api-preview-docs",
        id=PROJECT_ID,
        organization_name="CircleCI-Public",
        organization_slug="gh/CircleCI-Public",
        organization_id=ORG_ID,
        vcs_info=VcsInfo(
            vcs_url="https://github.com/CircleCI-Public/api-preview-docs",
            provider="GitHub",
            default_branch="main",
        ),
    )
    assert project.vcs_info.raw == PROJECT["vcs_info"]


async def test_checkout_keys_sends_digest_and_maps_dashed_keys(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(f"{PROJECT_URL}/checkout-key?digest=sha256", payload=page([CHECKOUT_KEY]))

    keys = await cci.projects.checkout_keys(SLUG, digest="sha256").collect()

    request = sent.only()
    assert request.method == "GET"
    assert request.url.raw_path == f"{PROJECT_PATH}/checkout-key"
    assert request.query == {"digest": "sha256"}
    assert request.headers["Circle-Token"] == TOKEN
    assert keys == [
        CheckoutKey(
            public_key="ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 deploy@circleci",
            type="deploy-key",
            fingerprint=FINGERPRINT,
            preferred=True,
            created_at=datetime(2015, 9, 21, 17, 29, 21, 42000, tzinfo=UTC),
        )
    ]


async def test_checkout_keys_without_digest_sends_no_query(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(f"{PROJECT_URL}/checkout-key", payload=page([]))

    assert await cci.projects.checkout_keys(SLUG).collect() == []
    assert sent.only().query == {}


async def test_create_checkout_key_posts_the_type(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(f"{PROJECT_URL}/checkout-key", status=201, payload=CHECKOUT_KEY)

    key = await cci.projects.create_checkout_key(SLUG, "deploy-key")

    request = sent.only()
    assert request.method == "POST"
    assert request.url.raw_path == f"{PROJECT_PATH}/checkout-key"
    assert request.json == {"type": "deploy-key"}
    assert request.headers["Circle-Token"] == TOKEN
    assert key.fingerprint == FINGERPRINT
    assert key.created_at.tzinfo is not None


async def test_create_checkout_key_refuses_an_unknown_type_before_any_request(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    with pytest.raises(ValueError, match="github-user-key"):
        await cci.projects.create_checkout_key(SLUG, "github-user-key")  # type: ignore[arg-type]
    assert mock_api.requests == {}


async def test_get_checkout_key_encodes_the_fingerprint(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(KEY_URL, payload=CHECKOUT_KEY)

    key = await cci.projects.get_checkout_key(SLUG, FINGERPRINT)

    request = sent.only()
    assert request.method == "GET"
    assert request.url.raw_path == f"{PROJECT_PATH}/checkout-key/{ENCODED_FINGERPRINT}"
    assert request.url.path.endswith(f"/checkout-key/{FINGERPRINT}")
    assert request.headers["Circle-Token"] == TOKEN
    assert key.public_key.startswith("ssh-rsa ")
    assert key.preferred is True


async def test_delete_checkout_key_sends_delete(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.delete(KEY_URL, payload=ACCEPTED)

    answer = await cci.projects.delete_checkout_key(SLUG, FINGERPRINT)

    request = sent.only()
    assert request.method == "DELETE"
    assert request.url.raw_path == f"{PROJECT_PATH}/checkout-key/{ENCODED_FINGERPRINT}"
    assert request.json is None
    assert request.headers["Circle-Token"] == TOKEN
    assert answer == MessageResponse(message="Accepted.")


async def test_env_vars_lists_masked_values(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    second = {"name": "NPM_TOKEN", "value": "xxxxf00d"}  # created-at is optional
    mock_api.get(f"{PROJECT_URL}/envvar", payload=page([ENV_VAR, second]))

    env_vars = await cci.projects.env_vars(SLUG).collect()

    request = sent.only()
    assert request.method == "GET"
    assert request.url.raw_path == f"{PROJECT_PATH}/envvar"
    assert request.headers["Circle-Token"] == TOKEN
    assert env_vars == [
        EnvVar(
            name="AWS_ACCESS_KEY_ID",
            value="xxxx1234",
            created_at=datetime(2023, 4, 14, 21, 20, 14, tzinfo=UTC),
        ),
        EnvVar(name="NPM_TOKEN", value="xxxxf00d", created_at=None),
    ]


async def test_create_env_var_posts_name_and_value(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(f"{PROJECT_URL}/envvar", status=201, payload=ENV_VAR)

    env_var = await cci.projects.create_env_var(SLUG, "AWS_ACCESS_KEY_ID", "AKIA-not-real")

    request = sent.only()
    assert request.method == "POST"
    assert request.url.raw_path == f"{PROJECT_PATH}/envvar"
    assert request.json == {"name": "AWS_ACCESS_KEY_ID", "value": "AKIA-not-real"}
    assert request.headers["Circle-Token"] == TOKEN
    assert env_var.name == "AWS_ACCESS_KEY_ID"
    assert env_var.value == "xxxx1234"
    assert env_var.created_at == datetime(2023, 4, 14, 21, 20, 14, tzinfo=UTC)


async def test_create_env_var_refuses_an_empty_name_before_any_request(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    with pytest.raises(ValueError, match="name"):
        await cci.projects.create_env_var(SLUG, "", "value")
    assert mock_api.requests == {}


async def test_get_env_var_encodes_the_name(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.get(f"{PROJECT_URL}/envvar/AWS_ACCESS_KEY_ID", payload=ENV_VAR)
    mock_api.get(f"{PROJECT_URL}/envvar/odd%2Fname", payload={**ENV_VAR, "name": "odd/name"})

    env_var = await cci.projects.get_env_var(SLUG, "AWS_ACCESS_KEY_ID")
    await cci.projects.get_env_var(SLUG, "odd/name")

    first, second = sent()
    assert first.method == "GET"
    assert first.url.raw_path == f"{PROJECT_PATH}/envvar/AWS_ACCESS_KEY_ID"
    assert first.headers["Circle-Token"] == TOKEN
    assert second.url.raw_path == f"{PROJECT_PATH}/envvar/odd%2Fname"
    assert env_var.value == "xxxx1234"


async def test_delete_env_var_sends_delete(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.delete(f"{PROJECT_URL}/envvar/AWS_ACCESS_KEY_ID", payload=ACCEPTED)

    answer = await cci.projects.delete_env_var(SLUG, "AWS_ACCESS_KEY_ID")

    request = sent.only()
    assert request.method == "DELETE"
    assert request.url.raw_path == f"{PROJECT_PATH}/envvar/AWS_ACCESS_KEY_ID"
    assert request.headers["Circle-Token"] == TOKEN
    assert answer.message == "Accepted."


# --- create, delete, settings ---------------------------------------------------------------

SETTINGS = {
    "advanced": {
        "autocancel_builds": False,
        "build_fork_prs": False,
        "build_prs_only": True,
        "disable_ssh": False,
        "forks_receive_secret_env_vars": False,
        "oss": False,
        "set_github_status": True,
        "setup_workflows": False,
        "write_settings_requires_admin": False,
        "pr_only_branch_overrides": ["main"],
    }
}


@pytest.mark.parametrize(
    ("org", "encoded"),
    [("gh/my org", "gh%2Fmy%20org"), (ORG_ID, ORG_ID), ("circleci/abc", "circleci%2Fabc")],
)
async def test_create_posts_the_name_to_the_organization(
    cci: CircleCI, mock_api: aioresponses, sent, org: str, encoded: str
) -> None:
    mock_api.post(URL(f"{BASE}/organization/{encoded}/project", encoded=True), payload=PROJECT)

    project = await cci.projects.create(org, "api-preview-docs")

    request = sent.only()
    assert (request.method, request.url.raw_path) == (
        "POST",
        f"/api/v2/organization/{encoded}/project",
    )
    assert request.json == {"name": "api-preview-docs"}
    assert request.headers["Circle-Token"] == TOKEN
    assert project.id == PROJECT_ID
    assert isinstance(project, Project)


@pytest.mark.parametrize(
    ("org", "name", "message"),
    [
        ("gh/acme", " ", "name"),
        ("gitlab/acme", "x", "organization slug"),
        ("", "x", "organization"),
    ],
)
async def test_create_refuses_bad_arguments_before_any_request(
    cci: CircleCI, mock_api: aioresponses, org: str, name: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await cci.projects.create(org, name)
    assert mock_api.requests == {}


async def test_create_is_not_retried_after_a_server_error(mock_api: aioresponses, sent) -> None:
    async with CircleCI(
        TOKEN, base_url=BASE, retry=RetryPolicy(max_attempts=3, backoff_base=0)
    ) as cci:
        mock_api.post(f"{BASE}/organization/{ORG_ID}/project", status=500, body="oops", repeat=True)
        mock_api.post(f"{PROJECT_URL}", status=500, body="oops", repeat=True)
        with pytest.raises(ServerError):
            await cci.projects.create(ORG_ID, "x")
        with pytest.raises(ServerError):
            await cci.projects.create_by_slug(SLUG)

    assert [r.method for r in sent()] == ["POST", "POST"]


async def test_delete_deletes_the_project(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.delete(PROJECT_URL, payload={"message": "Project deleted."})

    answer = await cci.projects.delete(SLUG)

    request = sent.only()
    assert (request.method, request.url.raw_path) == ("DELETE", PROJECT_PATH)
    assert answer == MessageResponse(message="Project deleted.")


async def test_create_by_slug_posts_to_the_project_and_types_its_settings(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(PROJECT_URL, status=201, payload=SETTINGS)

    settings = await cci.projects.create_by_slug(SLUG)

    request = sent.only()
    assert (request.method, request.url.raw_path) == ("POST", PROJECT_PATH)
    assert request.json is None
    assert settings.advanced is not None
    assert settings.advanced.build_prs_only is True
    assert settings.advanced.pr_only_branch_overrides == ["main"]


async def test_settings_gets_the_advanced_settings(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(f"{PROJECT_URL}/settings", payload={"advanced": {"oss": True}})

    settings = await cci.projects.settings(SLUG)

    request = sent.only()
    assert (request.method, request.url.raw_path) == ("GET", f"{PROJECT_PATH}/settings")
    assert settings == ProjectSettings(advanced=AdvancedSettings(oss=True))
    assert settings.advanced is not None and settings.advanced.autocancel_builds is None


async def test_update_settings_patches_only_what_is_given(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.patch(f"{PROJECT_URL}/settings", payload=SETTINGS)

    settings = await cci.projects.update_settings(
        SLUG, build_prs_only=True, autocancel_builds=False, pr_only_branch_overrides=("main",)
    )

    request = sent.only()
    assert (request.method, request.url.raw_path) == ("PATCH", f"{PROJECT_PATH}/settings")
    assert request.json == {
        "advanced": {
            "autocancel_builds": False,
            "build_prs_only": True,
            "pr_only_branch_overrides": ["main"],
        }
    }
    assert settings.raw == SETTINGS


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "at least one setting"),
        ({"oss": "yes"}, "must be a bool"),
        ({"pr_only_branch_overrides": "main"}, "not one str"),
        ({"pr_only_branch_overrides": [f"b{i}" for i in range(101)]}, "at most 100 branches"),
        ({"pr_only_branch_overrides": ["main", ""]}, "non-empty branch names"),
    ],
)
async def test_update_settings_refuses_bad_settings_before_any_request(
    cci: CircleCI, mock_api: aioresponses, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await cci.projects.update_settings(SLUG, **options)  # type: ignore[arg-type]
    assert mock_api.requests == {}
