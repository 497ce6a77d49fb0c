"""Artifacts: the token-checking artifacts host, its redirect, storage with Range, leaks."""

from __future__ import annotations

import hashlib
import tracemalloc
from typing import Any

import aiohttp
import pytest
from fake_api import Api

from aiocircle.testing import Artifact, Dataset, FakeCircleCI, artifact_key
from aiocircle.testing._content import BLOCK_SIZE, ArtifactContent


async def listed(api: Api, artifact: Artifact) -> dict[str, Any]:
    """The artifact's item in its job's artifact list."""
    job = artifact.job
    items = await api.items(f"/project/{job.project.slug}/{job.number}/artifacts")
    return next(
        i for i in items if (i["node_index"], i["path"]) == (artifact.node_index, artifact.path)
    )


def some_artifact(fake: FakeCircleCI, *, min_size: int = 1) -> Artifact:
    return next(a for a in fake.artifacts() if a.size >= min_size)


async def storage_location(api: Api, artifact: Artifact) -> str:
    item = await listed(api, artifact)
    async with api.session.get(item["url"], headers=api.headers, allow_redirects=False) as reply:
        assert reply.status == 302
        return reply.headers["Location"]


# --- the artifacts host -------------------------------------------------------------------------


async def test_artifact_urls_point_at_the_artifacts_host(api: Api) -> None:
    item = await listed(api, some_artifact(api.fake))
    assert item["url"].startswith(api.fake.artifacts_host + "/")


async def test_the_artifacts_host_redirects_to_a_presigned_storage_url(api: Api) -> None:
    location = await storage_location(api, some_artifact(api.fake))
    assert location.startswith(api.fake.storage_url + "/")
    assert "X-Amz-Signature=" in location
    assert api.fake.token not in location


async def test_the_artifacts_host_wants_the_token_for_private_projects(api: Api) -> None:
    artifact = some_artifact(api.fake)
    item = await listed(api, artifact)
    async with api.session.get(item["url"], allow_redirects=False) as reply:
        assert reply.status == 401
    artifact.job.project.private = False
    async with api.session.get(item["url"], allow_redirects=False) as reply:
        assert reply.status == 302


async def test_the_deprecated_query_token_works_on_the_artifacts_host_and_is_never_logged(
    api: Api,
) -> None:
    item = await listed(api, some_artifact(api.fake))
    url = item["url"] + "?circle-token=" + api.fake.token
    async with api.session.get(url, allow_redirects=False) as reply:
        assert reply.status == 302
    logged = [r for r in api.fake.stats.requests if r.listener == "artifacts"]
    assert logged and all(api.fake.token not in r.query + r.path for r in logged)
    assert logged[-1].query == "circle-token=<redacted>"


async def test_an_unknown_artifact_is_404(api: Api) -> None:
    async with api.session.get(
        api.fake.artifacts_host + "/nope/1/0/x", headers=api.headers, allow_redirects=False
    ) as reply:
        assert reply.status == 404


# --- storage ------------------------------------------------------------------------------------


async def test_following_the_redirect_without_the_token_yields_the_expected_bytes(api: Api) -> None:
    for artifact in api.fake.artifacts()[:20]:
        location = await storage_location(api, artifact)
        async with api.session.get(location) as reply:
            body = await reply.read()
            assert reply.headers["Content-Length"] == str(artifact.size)
        job = artifact.job
        expected = api.fake.expected_sha256(
            job.project.slug, job.number or 0, artifact.node_index, artifact.path
        )
        assert hashlib.sha256(body).hexdigest() == expected
    assert api.fake.leaks == []


async def test_hostile_paths_round_trip_through_their_urls(api: Api) -> None:
    checksums = api.fake.expected_checksums()
    hostile = [
        a
        for a in api.fake.artifacts()
        if a.path.startswith(("..", "/", "a/..", "dup/", "empty", "odd"))
    ]
    assert {a.path for a in hostile} >= {
        "../escape.txt",
        "/abs/path.txt",
        "dup/same.txt",
        "empty.txt",
    }
    for artifact in hostile:
        location = await storage_location(api, artifact)
        async with api.session.get(location) as reply:
            body = await reply.read()
        key = (artifact.job.project.slug, artifact.job.number, artifact.node_index, artifact.path)
        assert hashlib.sha256(body).hexdigest() == checksums[key]  # type: ignore[index]


async def test_a_tampered_signature_is_403_and_an_unknown_object_404(api: Api) -> None:
    location = await storage_location(api, some_artifact(api.fake))
    async with api.session.get(location[:-4] + "0000") as reply:
        assert reply.status == 403
        assert "SignatureDoesNotMatch" in await reply.text()
    async with api.session.get(api.fake.storage_url + "/circle-artifacts/nope/x") as reply:
        assert reply.status == 404


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=10-19", 10, 20),
        ("bytes=100-", 100, None),
        ("bytes=-7", -7, None),
        ("bytes=0-99999999", 0, None),
    ],
)
async def test_a_range_request_gets_206_with_content_range(
    api: Api, header: str, start: int, end: int | None
) -> None:
    artifact = some_artifact(api.fake, min_size=200)
    whole = artifact.content.read()
    location = await storage_location(api, artifact)
    async with api.session.get(location, headers={"Range": header}) as reply:
        body = await reply.read()
        assert reply.status == 206
        first = start % artifact.size
        assert body == whole[first : end if end is not None else None]
        last = first + len(body) - 1
        assert reply.headers["Content-Range"] == f"bytes {first}-{last}/{artifact.size}"
        assert reply.headers["Content-Length"] == str(len(body))


async def test_a_range_past_the_end_gets_416(api: Api) -> None:
    artifact = some_artifact(api.fake)
    location = await storage_location(api, artifact)
    async with api.session.get(location, headers={"Range": f"bytes={artifact.size}-"}) as reply:
        assert reply.status == 416
        assert reply.headers["Content-Range"] == f"bytes */{artifact.size}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "items=0-5", "bytes=abc"])
async def test_multi_range_or_malformed_ranges_get_the_whole_object_like_s3(
    api: Api, header: str
) -> None:
    artifact = some_artifact(api.fake, min_size=20)
    location = await storage_location(api, artifact)
    async with api.session.get(location, headers={"Range": header}) as reply:
        assert reply.status == 200
        assert len(await reply.read()) == artifact.size


async def test_if_range_with_a_stale_etag_gets_the_whole_object(api: Api) -> None:
    artifact = some_artifact(api.fake, min_size=20)
    location = await storage_location(api, artifact)
    async with api.session.get(location) as reply:
        etag = reply.headers["ETag"]
        assert reply.headers["Accept-Ranges"] == "bytes"
    headers = {"Range": "bytes=5-", "If-Range": etag}
    async with api.session.get(location, headers=headers) as reply:
        assert reply.status == 206
    headers["If-Range"] = '"stale"'
    async with api.session.get(location, headers=headers) as reply:
        assert reply.status == 200
        assert len(await reply.read()) == artifact.size


async def test_head_gives_the_length_without_a_body(api: Api) -> None:
    artifact = some_artifact(api.fake)
    location = await storage_location(api, artifact)
    async with api.session.head(location) as reply:
        assert reply.status == 200
        assert reply.headers["Content-Length"] == str(artifact.size)
        assert await reply.read() == b""


async def test_a_resumed_download_matches_only_when_resumed_at_the_right_offset(api: Api) -> None:
    artifact = some_artifact(api.fake, min_size=1000)
    location = await storage_location(api, artifact)
    expected = artifact.sha256

    async def part(start: int) -> bytes:
        async with api.session.get(location, headers={"Range": f"bytes={start}-"}) as reply:
            return await reply.read()

    head = artifact.content.read(0, 500)
    assert hashlib.sha256(head + await part(500)).hexdigest() == expected
    assert hashlib.sha256(head + await part(499)).hexdigest() != expected


# --- the token-leak log -------------------------------------------------------------------------


async def test_the_leak_log_records_a_token_forwarded_to_storage(api: Api) -> None:
    artifact = some_artifact(api.fake)
    item = await listed(api, artifact)
    # A careless client: a session-wide Circle-Token header follows the redirect to storage.
    async with (
        aiohttp.ClientSession(headers=api.headers) as careless,
        careless.get(item["url"]) as reply,
    ):
        assert reply.status == 200
    assert len(api.fake.leaks) == 1
    leak = api.fake.leaks[0]
    assert leak.where == ("header:Circle-Token",)
    assert leak.path.startswith("/circle-artifacts/")
    assert api.fake.token not in repr(api.fake.leaks)


@pytest.mark.parametrize(
    ("headers", "where"),
    [
        ({"X-Debug": "token=test-token"}, ("header:X-Debug",)),
        ({"Authorization": "Bearer test-token"}, ("header:Authorization",)),
    ],
)
async def test_the_leak_log_finds_the_token_in_any_header(
    api: Api, headers: dict[str, str], where: tuple[str, ...]
) -> None:
    location = await storage_location(api, some_artifact(api.fake))
    async with api.session.get(location, headers=headers) as reply:
        await reply.read()
    assert [leak.where for leak in api.fake.leaks] == [where]


async def test_s3_refuses_an_authorization_header_next_to_a_presigned_url(api: Api) -> None:
    location = await storage_location(api, some_artifact(api.fake))
    async with api.session.get(location, headers={"Authorization": "Bearer x"}) as reply:
        assert reply.status == 400
        assert "Only one auth mechanism allowed" in await reply.text()


async def test_basic_auth_is_dropped_by_aiohttp_on_the_cross_origin_redirect(api: Api) -> None:
    item = await listed(api, some_artifact(api.fake))
    headers = {"Authorization": aiohttp.encode_basic_auth(api.fake.token, "")}
    async with api.session.get(item["url"], headers=headers) as reply:
        assert reply.status == 200
    assert api.fake.leaks == []


# --- content ------------------------------------------------------------------------------------


def test_content_is_recomputable_without_the_fake(fake: FakeCircleCI) -> None:
    artifact = some_artifact(fake)
    key = artifact_key(
        fake.seed,
        artifact.job.project.slug,
        artifact.job.number or 0,
        artifact.node_index,
        artifact.path,
    )
    assert ArtifactContent(key, artifact.size).sha256() == artifact.sha256


def test_content_depends_on_the_position_of_every_block() -> None:
    content = ArtifactContent(b"k" * 32, 4 * BLOCK_SIZE)
    blocks = [content.read(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE) for i in range(4)]
    assert len(set(blocks)) == 4
    whole = content.read()
    for start, end in [(0, 1), (BLOCK_SIZE - 3, BLOCK_SIZE + 3), (5, 3 * BLOCK_SIZE + 7)]:
        assert content.read(start, end) == whole[start:end]
    assert b"".join(content.iter_range(chunk_size=1000)) == whole


async def test_a_huge_artifact_streams_without_being_held_in_memory(
    http: aiohttp.ClientSession,
) -> None:
    size = 48 * 1024 * 1024 + 123
    dataset = Dataset(
        projects=1, pipelines_per_project=1, artifacts_per_job=0, huge_artifact_size=size
    )
    async with FakeCircleCI(dataset=dataset) as fake:
        huge = next(a for a in fake.artifacts() if a.path == "huge/big.bin")
        api = Api(fake, http)
        location = await storage_location(api, huge)
        digest = hashlib.sha256()
        tracemalloc.start()
        try:
            async with http.get(location) as reply:
                async for piece in reply.content.iter_chunked(BLOCK_SIZE):
                    digest.update(piece)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 8 * 1024 * 1024
    assert digest.hexdigest() == huge.sha256


# --- API v1.1 -----------------------------------------------------------------------------------


async def test_v1_lists_a_build_artifacts_with_pretty_path(api: Api) -> None:
    artifact = some_artifact(api.fake)
    job = artifact.job
    url = f"{api.fake.v1_url}/project/github/acme/repo-0/{job.number}/artifacts"
    headers = {"Authorization": aiohttp.encode_basic_auth(api.fake.token, "")}
    async with api.session.get(url, headers=headers) as reply:
        items = await reply.json()
    assert [(i["node_index"], i["path"]) for i in items] == list(job.artifacts)
    assert all(i["pretty_path"] == i["path"] for i in items)
    assert items[0]["url"] == (await listed(api, artifact))["url"]


async def test_v1_latest_artifacts_picks_the_newest_build_on_the_branch(api: Api) -> None:
    project = api.fake.state.project("gh/acme/repo-0")
    newest = max(
        (j for j in project.jobs.values() if j.pipeline.branch == "main" and j.status == "success"),
        key=lambda j: j.number or 0,
    )
    url = f"{api.fake.v1_url}/project/gh/acme/repo-0/latest/artifacts"
    params = {"branch": "main", "filter": "successful"}
    async with api.session.get(url, headers=api.headers, params=params) as reply:
        items = await reply.json()
    assert [(i["node_index"], i["path"]) for i in items] == list(newest.artifacts)
