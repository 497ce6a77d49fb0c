"""Project slugs in every method that takes one: validated, then encoded segment by segment."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from aioresponses import aioresponses
from bodies import BASE, PIPELINE, page
from yarl import URL

from aiocircle import CircleCI

SlugCall = Callable[[CircleCI, Any], Any]

SLUG_METHODS: dict[str, SlugCall] = {
    "projects.get": lambda cci, slug: cci.projects.get(slug),
    "projects.checkout_keys": lambda cci, slug: cci.projects.checkout_keys(slug),
    "projects.create_checkout_key": lambda cci, slug: cci.projects.create_checkout_key(
        slug, "deploy-key"
    ),
    "projects.get_checkout_key": lambda cci, slug: cci.projects.get_checkout_key(slug, "ab:cd"),
    "projects.delete_checkout_key": lambda cci, slug: cci.projects.delete_checkout_key(
        slug, "ab:cd"
    ),
    "projects.env_vars": lambda cci, slug: cci.projects.env_vars(slug),
    "projects.create_env_var": lambda cci, slug: cci.projects.create_env_var(slug, "A", "b"),
    "projects.get_env_var": lambda cci, slug: cci.projects.get_env_var(slug, "A"),
    "projects.delete_env_var": lambda cci, slug: cci.projects.delete_env_var(slug, "A"),
    "pipelines.list": lambda cci, slug: cci.pipelines.list(slug, branch="main"),
    "pipelines.mine": lambda cci, slug: cci.pipelines.mine(slug),
    "pipelines.get_by_number": lambda cci, slug: cci.pipelines.get_by_number(slug, 25),
    "pipelines.trigger": lambda cci, slug: cci.pipelines.trigger(slug, branch="main"),
    "jobs.get": lambda cci, slug: cci.jobs.get(slug, 1042),
    "jobs.cancel": lambda cci, slug: cci.jobs.cancel(slug, 1042),
    "jobs.tests": lambda cci, slug: cci.jobs.tests(slug, 1042),
    "artifacts.list": lambda cci, slug: cci.artifacts.list(slug, 1042),
}

MALFORMED = ["gh/org", "gh//repo", "svn/o/r", "gh/o/r/x", "", "/gh/o/r", "gh/ /repo", "GH/o/r"]


async def _call(method: SlugCall, cci: CircleCI, slug: Any) -> None:
    """Call a method and drive it far enough to send: await it, or iterate its pages."""
    result = method(cci, slug)
    if inspect.isawaitable(result):
        await result
    else:
        await result.collect()


@pytest.mark.parametrize("slug", MALFORMED)
@pytest.mark.parametrize("method", SLUG_METHODS.values(), ids=SLUG_METHODS.keys())
async def test_malformed_slug_raises_before_any_request(
    cci: CircleCI, mock_api: aioresponses, method: SlugCall, slug: str
) -> None:
    with pytest.raises(ValueError, match="malformed project slug"):
        await _call(method, cci, slug)
    assert mock_api.requests == {}


@pytest.mark.parametrize("method", SLUG_METHODS.values(), ids=SLUG_METHODS.keys())
async def test_non_string_slug_raises_type_error_before_any_request(
    cci: CircleCI, mock_api: aioresponses, method: SlugCall
) -> None:
    with pytest.raises(TypeError, match="slug must be a str"):
        await _call(method, cci, ("gh", "org", "repo"))
    assert mock_api.requests == {}


@pytest.mark.parametrize(
    ("slug", "encoded"),
    [
        ("gh/my org/repo", "gh/my%20org/repo"),
        ("github/org/re#po?x=1", "github/org/re%23po%3Fx%3D1"),
        ("bb/team/my%20repo", "bb/team/my%2520repo"),
        ("bitbucket/team/r+d", "bitbucket/team/r%2Bd"),
        (
            "circleci/ec6887ec-7d44-4b31-b468-7e552408ee32/0a3c5b7e-9d1f-4e2a-8c6b-5f4d3e2a1b0c",
            "circleci/ec6887ec-7d44-4b31-b468-7e552408ee32/0a3c5b7e-9d1f-4e2a-8c6b-5f4d3e2a1b0c",
        ),
    ],
)
async def test_each_slug_segment_is_percent_encoded_and_slashes_stay(
    cci: CircleCI, mock_api: aioresponses, sent, slug: str, encoded: str
) -> None:
    url = URL(f"{BASE}/project/{encoded}/pipeline?branch=main", encoded=True)
    mock_api.get(url, payload=page([PIPELINE]))

    await cci.pipelines.list(slug, branch="main").collect()

    request = sent.only()
    assert request.url.raw_path == f"/api/v2/project/{encoded}/pipeline"
    assert request.query == {"branch": "main"}


@pytest.mark.parametrize("slug", ["gh/../..", "gh/org/.."])
async def test_dot_segments_in_a_slug_are_refused_before_any_request(
    cci: CircleCI, mock_api: aioresponses, slug: str
) -> None:
    # "/project/gh/../../pipeline" normalises to "/pipeline": a different endpoint.
    mock_api.get(URL(f"{BASE}/project/{slug}/pipeline", encoded=True), payload=page([]))
    with contextlib.suppress(ValueError):
        await cci.pipelines.list(slug).collect()
    assert mock_api.requests == {}
