"""``cci.oidc``: each method's request (method, path, query, body) and typed result, and the
input checks (UUID ids, the ttl pattern, claim names) that refuse a request before sending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aioresponses import aioresponses
from bodies import BASE

from aiocircle import CircleCI, PermissionDeniedError
from aiocircle.models import ClaimResponse

ORG = "5034460f-c7c4-4c43-9457-de07e2029e7b"
PROJECT = "7a0fa6c4-6a8a-4e0b-a8d8-2b9a1a0a2c11"
ORG_PATH = f"/api/v2/org/{ORG}/oidc-custom-claims"
PROJECT_PATH = f"/api/v2/org/{ORG}/project/{PROJECT}/oidc-custom-claims"
CLAIMS = {
    "org_id": ORG,
    "audience": ["sts.amazonaws.com"],
    "audience_updated_at": "2026-01-02T03:04:05.678Z",
    "ttl": "1h",
    "ttl_updated_at": "2026-01-02T03:04:05Z",
}


async def test_org_claims_get_patch_and_delete(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.get(f"{BASE}/org/{ORG}/oidc-custom-claims", payload=CLAIMS)
    mock_api.patch(f"{BASE}/org/{ORG}/oidc-custom-claims", payload=CLAIMS)
    mock_api.delete(
        f"{BASE}/org/{ORG}/oidc-custom-claims?claims=audience,ttl", payload={"org_id": ORG}
    )

    got = await cci.oidc.org_claims(ORG)
    patched = await cci.oidc.update_org_claims(ORG, audience=["sts.amazonaws.com"], ttl="1h")
    deleted = await cci.oidc.delete_org_claims(ORG, ["audience", "ttl", "audience"])

    get, patch, delete = sent()
    assert (get.method, get.url.raw_path, get.json) == ("GET", ORG_PATH, None)
    assert (patch.method, patch.url.raw_path) == ("PATCH", ORG_PATH)
    assert patch.json == {"audience": ["sts.amazonaws.com"], "ttl": "1h"}
    assert (delete.method, delete.url.raw_path, delete.query) == (
        "DELETE",
        ORG_PATH,
        {"claims": "audience,ttl"},
    )
    assert (
        got
        == patched
        == ClaimResponse(
            org_id=ORG,
            audience=["sts.amazonaws.com"],
            audience_updated_at=datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
            ttl="1h",
            ttl_updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        )
    )
    assert deleted == ClaimResponse(org_id=ORG)


async def test_project_claims_get_patch_and_delete(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    body = {"org_id": ORG, "project_id": PROJECT, "ttl": "90s"}
    base = f"{BASE}/org/{ORG}/project/{PROJECT}/oidc-custom-claims"
    mock_api.get(base, payload=body)
    mock_api.patch(base, payload=body)
    mock_api.delete(f"{base}?claims=ttl", payload={"org_id": ORG, "project_id": PROJECT})

    got = await cci.oidc.project_claims(ORG, PROJECT)
    patched = await cci.oidc.update_project_claims(ORG, PROJECT, ttl=timedelta(seconds=90))
    deleted = await cci.oidc.delete_project_claims(ORG, PROJECT, ["ttl"])

    get, patch, delete = sent()
    assert (get.method, get.url.raw_path) == ("GET", PROJECT_PATH)
    assert (patch.method, patch.url.raw_path, patch.json) == ("PATCH", PROJECT_PATH, {"ttl": "90s"})
    assert (delete.method, delete.url.raw_path, delete.query) == (
        "DELETE",
        PROJECT_PATH,
        {"claims": "ttl"},
    )
    assert got == patched == ClaimResponse(org_id=ORG, project_id=PROJECT, ttl="90s")
    assert deleted.ttl is None and deleted.audience is None


async def test_ids_are_sent_in_canonical_uuid_form(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(f"{BASE}/org/{ORG}/oidc-custom-claims", payload={"org_id": ORG})

    await cci.oidc.org_claims(ORG.upper())

    assert sent.only().url.raw_path == ORG_PATH


@pytest.mark.parametrize(
    ("ttl", "sent_as"),
    [
        ("1h30m", "1h30m"),
        ("500ms", "500ms"),
        ("1w2d3h4m5s6ms7s", "1w2d3h4m5s6ms7s"),
        (timedelta(hours=1), "3600s"),
        (timedelta(milliseconds=1500), "1500ms"),
    ],
)
async def test_ttl_is_sent_as_a_json_duration(
    cci: CircleCI, mock_api: aioresponses, sent, ttl: str | timedelta, sent_as: str
) -> None:
    mock_api.patch(f"{BASE}/org/{ORG}/oidc-custom-claims", payload={"org_id": ORG})

    await cci.oidc.update_org_claims(ORG, ttl=ttl)

    assert sent.only().json == {"ttl": sent_as}


@pytest.mark.parametrize(
    ("kwargs", "rule"),
    [
        ({}, "give audience or ttl"),
        ({"ttl": "1 hour"}, "ttl must be a duration like '1h30m'"),
        ({"ttl": "1y"}, "ttl must be a duration like '1h30m'"),
        ({"ttl": "1s2s3s4s5s6s7s8s"}, "at most 7 parts"),
        ({"ttl": ""}, "ttl must be a duration"),
        ({"ttl": 3600}, "ttl must be a duration"),
        ({"ttl": timedelta(0)}, "ttl must be a positive whole number of milliseconds"),
        ({"ttl": timedelta(microseconds=1500)}, "ttl must be a positive whole number"),
        ({"audience": "sts.amazonaws.com"}, "audience must be a list of non-empty strings"),
        ({"audience": ["ok", ""]}, "audience must be a list of non-empty strings"),
    ],
)
async def test_bad_claims_are_refused_before_sending(
    cci: CircleCI, sent, kwargs: dict[str, object], rule: str
) -> None:
    with pytest.raises(ValueError, match=rule):
        await cci.oidc.update_org_claims(ORG, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=rule):
        await cci.oidc.update_project_claims(ORG, PROJECT, **kwargs)  # type: ignore[arg-type]
    assert sent() == []


@pytest.mark.parametrize(
    ("claims", "rule"),
    [
        ([], "name at least one claim"),
        ("ttl", "claims must be a list"),
        (["issuer"], "must be 'audience' or 'ttl', not \\['issuer'\\]"),
    ],
)
async def test_claims_to_delete_are_checked_before_sending(
    cci: CircleCI, sent, claims: object, rule: str
) -> None:
    with pytest.raises(ValueError, match=rule):
        await cci.oidc.delete_org_claims(ORG, claims)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=rule):
        await cci.oidc.delete_project_claims(ORG, PROJECT, claims)  # type: ignore[arg-type]
    assert sent() == []


@pytest.mark.parametrize("bad", ["acme", "", "../x", f"{ORG}/x"])
async def test_ids_that_are_not_uuids_are_refused_before_sending(
    cci: CircleCI, sent, bad: str
) -> None:
    with pytest.raises(ValueError, match="org_id must be a UUID"):
        await cci.oidc.org_claims(bad)
    with pytest.raises(ValueError, match="project_id must be a UUID"):
        await cci.oidc.project_claims(ORG, bad)
    assert sent() == []


async def test_an_error_body_becomes_a_typed_error(cci: CircleCI, mock_api: aioresponses) -> None:
    mock_api.get(f"{BASE}/org/{ORG}/oidc-custom-claims", status=403, payload={"error": "Forbidden"})

    with pytest.raises(PermissionDeniedError, match="403 Forbidden"):
        await cci.oidc.org_claims(ORG)


def test_the_repr_stays_short() -> None:
    claims = ClaimResponse(
        org_id=ORG,
        audience=["a"],
        ttl="1h",
        audience_updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        ttl_updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        raw={"org_id": ORG, "private": "x"},
    )
    text = repr(claims)
    assert text == f"ClaimResponse(org_id='{ORG}', project_id=None, audience=['a'], ttl='1h')"
