"""``cci.jobs`` (get, cancel, tests) and ``cci.artifacts`` (list)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aioresponses import aioresponses
from bodies import (
    ACCEPTED,
    ARTIFACT,
    BASE,
    ENCODED_SLUG,
    JOB_DETAILS,
    PIPELINE_ID,
    PROJECT_ID,
    SLUG,
    TEST_RESULT,
    TOKEN,
    WORKFLOW_ID,
    page,
)

from aiocircle import CircleCI, RetryPolicy
from aiocircle.models import (
    Artifact,
    Executor,
    JobContext,
    JobDetails,
    JobOrganization,
    JobProject,
    JobStatus,
    LatestWorkflow,
    ParallelRun,
    PipelineRef,
    TestResult,
)

PROJECT_URL = f"{BASE}/project/{ENCODED_SLUG}"
PROJECT_PATH = f"/api/v2/project/{ENCODED_SLUG}"
BAD_NUMBERS = [-1, "1042", 1042.0, True, None]


async def test_get_returns_typed_job_details(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.get(f"{PROJECT_URL}/job/1042", payload=JOB_DETAILS)

    job = await cci.jobs.get(SLUG, 1042)

    request = sent.only()
    assert request.method == "GET"
    assert request.url.raw_path == f"{PROJECT_PATH}/job/1042"
    assert request.headers["Circle-Token"] == TOKEN
    assert job == JobDetails(
        number=1042,
        name="test",
        status=JobStatus.SUCCESS,
        web_url=JOB_DETAILS["web_url"],
        project=JobProject(
            id=PROJECT_ID,
            slug="gh/CircleCI-Public/api-preview-docs",
            name="api-preview-docs",
            external_url="https://github.com/CircleCI-Public/api-preview-docs",
        ),
        organization=JobOrganization(name="CircleCI-Public"),
        pipeline=PipelineRef(id=PIPELINE_ID),
        latest_workflow=LatestWorkflow(id=WORKFLOW_ID, name="build-and-test"),
        executor=Executor(resource_class="medium", type="docker"),
        parallelism=2,
        created_at=datetime(2025, 6, 3, 9, 41, 14, 2000, tzinfo=UTC),
        queued_at=datetime(2025, 6, 3, 9, 41, 14, 877000, tzinfo=UTC),
        started_at=datetime(2025, 6, 3, 9, 41, 15, 210000, tzinfo=UTC),
        stopped_at=datetime(2025, 6, 3, 9, 44, 51, 907000, tzinfo=UTC),
        duration=216697,
        parallel_runs=[
            ParallelRun(index=0, status="success"),
            ParallelRun(index=1, status="success"),
        ],
        messages=[],
        contexts=[JobContext(name="aws-deploy")],
    )
    assert job.status is JobStatus.SUCCESS
    assert job.raw == JOB_DETAILS


async def test_get_keeps_an_unknown_job_status_as_a_plain_string(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    body = {**JOB_DETAILS, "status": "some_new_status", "stopped_at": None, "duration": None}
    mock_api.get(f"{PROJECT_URL}/job/1042", payload=body)

    job = await cci.jobs.get(SLUG, 1042)

    assert type(job.status) is str
    assert job.status == "some_new_status"
    assert (job.stopped_at, job.duration) == (None, None)


@pytest.mark.parametrize("number", BAD_NUMBERS)
async def test_get_refuses_a_bad_job_number_before_any_request(
    cci: CircleCI, mock_api: aioresponses, number: object
) -> None:
    with pytest.raises(ValueError, match="job number"):
        await cci.jobs.get(SLUG, number)  # type: ignore[arg-type]
    assert mock_api.requests == {}


async def test_job_number_zero_is_accepted(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.get(f"{PROJECT_URL}/job/0", payload={**JOB_DETAILS, "number": 0})

    job = await cci.jobs.get(SLUG, 0)

    assert sent.only().url.raw_path == f"{PROJECT_PATH}/job/0"
    assert job.number == 0


async def test_cancel_posts_to_the_job(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.post(f"{PROJECT_URL}/job/1042/cancel", payload=ACCEPTED)

    answer = await cci.jobs.cancel(SLUG, 1042)

    request = sent.only()
    assert request.method == "POST"
    assert request.url.raw_path == f"{PROJECT_PATH}/job/1042/cancel"
    assert request.json is None
    assert request.headers["Circle-Token"] == TOKEN
    assert answer.message == "Accepted."


@pytest.mark.parametrize("number", BAD_NUMBERS)
async def test_cancel_refuses_a_bad_job_number_before_any_request(
    cci: CircleCI, mock_api: aioresponses, number: object
) -> None:
    with pytest.raises(ValueError, match="job number"):
        await cci.jobs.cancel(SLUG, number)  # type: ignore[arg-type]
    assert mock_api.requests == {}


async def test_tests_lists_typed_test_results(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    failed = {
        **TEST_RESULT,
        "name": "test_trigger",
        "result": "failure",
        "message": "AssertionError: 201 != 200",
        "run_time": 1.5,
    }
    mock_api.get(f"{PROJECT_URL}/1042/tests", payload=page([TEST_RESULT, failed]))

    results = await cci.jobs.tests(SLUG, 1042).collect()

    request = sent.only()
    assert request.method == "GET"
    assert request.url.raw_path == f"{PROJECT_PATH}/1042/tests"
    assert request.headers["Circle-Token"] == TOKEN
    assert results == [
        TestResult(
            name="test_list_pipelines",
            classname="tests.test_api",
            result="success",
            run_time=0.042,
            file="tests/test_api.py",
            source="pytest",
            message="",
        ),
        TestResult(
            name="test_trigger",
            classname="tests.test_api",
            result="failure",
            run_time=1.5,
            file="tests/test_api.py",
            source="pytest",
            message="AssertionError: 201 != 200",
        ),
    ]


@pytest.mark.parametrize("number", BAD_NUMBERS)
async def test_tests_refuses_a_bad_job_number_before_any_request(
    cci: CircleCI, mock_api: aioresponses, number: object
) -> None:
    with pytest.raises(ValueError, match="job number"):
        cci.jobs.tests(SLUG, number)  # type: ignore[arg-type]
    assert mock_api.requests == {}


async def test_artifacts_list_types_each_artifact(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    second_node = {**ARTIFACT, "node_index": 1, "url": ARTIFACT["url"].replace("/0/", "/1/")}
    mock_api.get(f"{PROJECT_URL}/1042/artifacts", payload=page([ARTIFACT, second_node]))

    artifacts = await cci.artifacts.list(SLUG, 1042).collect()

    request = sent.only()
    assert request.method == "GET"
    assert request.url.raw_path == f"{PROJECT_PATH}/1042/artifacts"
    assert request.headers["Circle-Token"] == TOKEN
    assert artifacts == [
        Artifact(path="coverage/index.html", node_index=0, url=ARTIFACT["url"]),
        Artifact(path="coverage/index.html", node_index=1, url=second_node["url"]),
    ]


@pytest.mark.parametrize("number", BAD_NUMBERS)
async def test_artifacts_list_refuses_a_bad_job_number_before_any_request(
    cci: CircleCI, mock_api: aioresponses, number: object
) -> None:
    with pytest.raises(ValueError, match="job number"):
        cci.artifacts.list(SLUG, number)  # type: ignore[arg-type]
    assert mock_api.requests == {}


# --- by job id ------------------------------------------------------------------------------

JOB_ID = "c65b68ef-e73b-4bf2-be9a-7a322a9df150"


async def test_cancel_by_id_posts_to_the_job_and_is_retried_like_a_get(
    mock_api: aioresponses, sent
) -> None:
    async with CircleCI(
        TOKEN, base_url=BASE, retry=RetryPolicy(max_attempts=2, backoff_base=0)
    ) as cci:
        mock_api.post(f"{BASE}/jobs/{JOB_ID}/cancel", status=502, body="Bad Gateway")
        mock_api.post(f"{BASE}/jobs/{JOB_ID}/cancel", payload=ACCEPTED)

        answer = await cci.jobs.cancel_by_id(JOB_ID)

    attempts = sent()
    assert [(r.method, r.url.raw_path) for r in attempts] == [
        ("POST", f"/api/v2/jobs/{JOB_ID}/cancel")
    ] * 2
    assert attempts[0].json is None
    assert attempts[0].headers["Circle-Token"] == TOKEN
    assert answer.message == "Accepted."


async def test_get_by_id_returns_the_decoded_json(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    body = {"id": JOB_ID, "type": "build", **JOB_DETAILS, "shiny_new_field": [1]}
    mock_api.get(f"{BASE}/jobs/{JOB_ID}", payload=body)

    job = await cci.jobs.get_by_id(JOB_ID)

    request = sent.only()
    assert (request.method, request.url.raw_path) == ("GET", f"/api/v2/jobs/{JOB_ID}")
    assert request.headers["Circle-Token"] == TOKEN
    assert job == body


@pytest.mark.parametrize("method", ["cancel_by_id", "get_by_id"])
@pytest.mark.parametrize("job_id", ["", " ", ".."])
async def test_by_id_methods_refuse_an_empty_id_before_any_request(
    cci: CircleCI, mock_api: aioresponses, method: str, job_id: str
) -> None:
    with pytest.raises(ValueError, match="job_id"):
        await getattr(cci.jobs, method)(job_id)
    assert mock_api.requests == {}
