"""``cci.workflows``: get, jobs, cancel, rerun, approve."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from aioresponses import aioresponses
from bodies import (
    ACCEPTED,
    APPROVAL_JOB,
    APPROVAL_JOB_ID,
    APPROVAL_REQUEST_ID,
    BASE,
    BUILD_JOB,
    BUILD_JOB_ID,
    PIPELINE_ID,
    RERUN,
    TOKEN,
    USER_ID,
    WORKFLOW,
    WORKFLOW_ID,
    page,
)
from yarl import URL

from aiocircle import CircleCI, RetryPolicy
from aiocircle.models import (
    JobStatus,
    JobType,
    MessageResponse,
    RerunResponse,
    Workflow,
    WorkflowJob,
    WorkflowStatus,
)

WORKFLOW_URL = f"{BASE}/workflow/{WORKFLOW_ID}"
WORKFLOW_PATH = f"/api/v2/workflow/{WORKFLOW_ID}"


async def test_get_returns_a_typed_workflow(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.get(WORKFLOW_URL, payload=WORKFLOW)

    workflow = await cci.workflows.get(WORKFLOW_ID)

    request = sent.only()
    assert request.method == "GET"
    assert request.url.raw_path == WORKFLOW_PATH
    assert request.headers["Circle-Token"] == TOKEN
    assert workflow == Workflow(
        id=WORKFLOW_ID,
        name="build-and-test",
        status=WorkflowStatus.FAILED,
        created_at=datetime(2025, 6, 3, 9, 41, 13, 1000, tzinfo=UTC),
        stopped_at=datetime(2025, 6, 3, 9, 48, 2, 377000, tzinfo=UTC),
        pipeline_id=PIPELINE_ID,
        pipeline_number=25,
        project_slug="gh/CircleCI-Public/api-preview-docs",
        started_by=USER_ID,
        auto_rerun_number=1,
        max_auto_reruns=5,
    )
    assert workflow.status is WorkflowStatus.FAILED


async def test_get_running_workflow_has_no_stop_time(cci: CircleCI, mock_api: aioresponses) -> None:
    mock_api.get(WORKFLOW_URL, payload={**WORKFLOW, "status": "running", "stopped_at": None})

    workflow = await cci.workflows.get(WORKFLOW_ID)

    assert workflow.status is WorkflowStatus.RUNNING
    assert workflow.stopped_at is None


async def test_get_refuses_an_empty_id_before_any_request(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    with pytest.raises(ValueError, match="workflow_id"):
        await cci.workflows.get("")
    assert mock_api.requests == {}


async def test_jobs_types_build_and_approval_jobs(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.get(f"{WORKFLOW_URL}/job", payload=page([BUILD_JOB, APPROVAL_JOB]))

    build, approval = await cci.workflows.jobs(WORKFLOW_ID).collect()

    request = sent.only()
    assert request.method == "GET"
    assert request.url.raw_path == f"{WORKFLOW_PATH}/job"
    assert request.headers["Circle-Token"] == TOKEN
    assert build == WorkflowJob(
        id=BUILD_JOB_ID,
        name="test",
        project_slug="gh/CircleCI-Public/api-preview-docs",
        status=JobStatus.SUCCESS,
        type=JobType.BUILD,
        dependencies=[],
        job_number=1042,
        started_at=datetime(2025, 6, 3, 9, 41, 15, 210000, tzinfo=UTC),
        stopped_at=datetime(2025, 6, 3, 9, 44, 51, 907000, tzinfo=UTC),
    )
    assert build.status is JobStatus.SUCCESS
    assert build.type is JobType.BUILD
    assert approval.job_number is None
    assert approval.type is JobType.APPROVAL
    assert approval.status is JobStatus.ON_HOLD
    assert approval.approval_request_id == APPROVAL_REQUEST_ID
    assert approval.dependencies == [BUILD_JOB_ID]
    assert approval.requires == {BUILD_JOB_ID: ["success"]}
    assert approval.stopped_at is None
    assert approval.raw == APPROVAL_JOB


async def test_jobs_keep_unknown_statuses_and_types_as_plain_strings(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    future = {
        **BUILD_JOB,
        "status": "some_new_status",
        "type": "some_new_type",
        "retry_policy": {"max": 2},
    }
    mock_api.get(f"{WORKFLOW_URL}/job", payload=page([future, {**BUILD_JOB, "status": "skipped"}]))

    new, skipped = await cci.workflows.jobs(WORKFLOW_ID).collect()

    assert type(new.status) is str
    assert new.status == "some_new_status"
    assert type(new.type) is str
    assert new.type == "some_new_type"
    assert new.raw["retry_policy"] == {"max": 2}
    assert skipped.status is JobStatus.SKIPPED


async def test_cancel_posts_without_a_body(cci: CircleCI, mock_api: aioresponses, sent) -> None:
    mock_api.post(f"{WORKFLOW_URL}/cancel", status=202, payload=ACCEPTED)

    answer = await cci.workflows.cancel(WORKFLOW_ID)

    request = sent.only()
    assert request.method == "POST"
    assert request.url.raw_path == f"{WORKFLOW_PATH}/cancel"
    assert request.json is None
    assert request.headers["Circle-Token"] == TOKEN
    assert answer == MessageResponse(message="Accepted.")


async def test_cancel_is_retried_after_a_server_error(mock_api: aioresponses, sent) -> None:
    # Cancelling twice has the effect of cancelling once, so a 503 is worth a retry.
    retrying = RetryPolicy(max_attempts=3, backoff_base=0)
    async with CircleCI(TOKEN, base_url=BASE, retry=retrying) as cci:
        mock_api.post(f"{WORKFLOW_URL}/cancel", status=503, body="Service Unavailable")
        mock_api.post(f"{WORKFLOW_URL}/cancel", status=202, payload=ACCEPTED)

        answer = await cci.workflows.cancel(WORKFLOW_ID)

    assert len(sent()) == 2
    assert answer.message == "Accepted."


async def test_rerun_with_no_options_sends_an_empty_object(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(f"{WORKFLOW_URL}/rerun", status=202, payload=RERUN)

    rerun = await cci.workflows.rerun(WORKFLOW_ID)

    request = sent.only()
    assert request.method == "POST"
    assert request.url.raw_path == f"{WORKFLOW_PATH}/rerun"
    assert request.json == {}
    assert request.headers["Circle-Token"] == TOKEN
    assert rerun == RerunResponse(workflow_id=RERUN["workflow_id"])


async def test_rerun_of_chosen_jobs_with_ssh_sends_both(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(f"{WORKFLOW_URL}/rerun", status=202, payload=RERUN)

    await cci.workflows.rerun(WORKFLOW_ID, jobs=[BUILD_JOB_ID], enable_ssh=True)

    assert sent.only().json == {"jobs": [BUILD_JOB_ID], "enable_ssh": True}


async def test_rerun_of_chosen_jobs_sends_jobs_and_sparse_tree(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(f"{WORKFLOW_URL}/rerun", status=202, payload=RERUN)

    rerun = await cci.workflows.rerun(
        WORKFLOW_ID, jobs=(BUILD_JOB_ID, APPROVAL_JOB_ID), sparse_tree=True
    )

    assert sent.only().json == {"jobs": [BUILD_JOB_ID, APPROVAL_JOB_ID], "sparse_tree": True}
    assert rerun.workflow_id == RERUN["workflow_id"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"jobs": [BUILD_JOB_ID], "from_failed": True}, "jobs or from_failed"),
        ({"sparse_tree": True}, "sparse_tree"),
        ({"enable_ssh": True}, "enable_ssh needs the jobs"),
        ({"from_failed": True, "enable_ssh": True}, "enable_ssh needs the jobs"),
    ],
)
async def test_rerun_refuses_contradictory_options_before_any_request(
    cci: CircleCI, mock_api: aioresponses, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await cci.workflows.rerun(WORKFLOW_ID, **options)  # type: ignore[arg-type]
    assert mock_api.requests == {}


async def test_approve_posts_to_the_approval_request(
    cci: CircleCI, mock_api: aioresponses, sent
) -> None:
    mock_api.post(f"{WORKFLOW_URL}/approve/{APPROVAL_REQUEST_ID}", status=202, payload=ACCEPTED)

    answer = await cci.workflows.approve(WORKFLOW_ID, APPROVAL_REQUEST_ID)

    request = sent.only()
    assert request.method == "POST"
    assert request.url.raw_path == f"{WORKFLOW_PATH}/approve/{APPROVAL_REQUEST_ID}"
    assert request.json is None
    assert request.headers["Circle-Token"] == TOKEN
    assert answer.message == "Accepted."


async def test_approve_refuses_an_empty_request_id_before_any_request(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    with pytest.raises(ValueError, match="approval_request_id"):
        await cci.workflows.approve(WORKFLOW_ID, "")
    assert mock_api.requests == {}


async def test_a_dot_segment_id_is_refused_before_any_request(
    cci: CircleCI, mock_api: aioresponses
) -> None:
    mock_api.get(URL(f"{BASE}/workflow/../job", encoded=True), payload=page([]))
    with contextlib.suppress(ValueError):
        await cci.workflows.jobs("..").collect()
    assert mock_api.requests == {}
