"""Sample CircleCI API v2 response bodies for the resource tests.

Each body follows the 2xx schema of its operation in CircleCI's OpenAPI document
(``aiocircle/testing/spec/openapi.json``): the same field names, including the
dashed ones (``public-key``, ``created-at``, ``vcs-type``, ``setup-config``), every
required field, and values shaped like the spec's examples. Tests copy and tweak them
(``{**PIPELINE, "state": ...}``) rather than editing them in place.
"""

from __future__ import annotations

from typing import Any

# Where the tests' client points, and the token it sends.
TOKEN = "secret-token"
BASE = "https://circleci.example/api/v2"

# Slugs as callers write them; ENCODED_SLUG is how each must appear in a request path.
SLUG = "gh/my org/repo"
ENCODED_SLUG = "gh/my%20org/repo"

USER_ID = "f2f6b2f5-4f8c-4a9e-8a6f-2b5d7a3c9e01"
ORG_ID = "ec6887ec-7d44-4b31-b468-7e552408ee32"
PROJECT_ID = "0a3c5b7e-9d1f-4e2a-8c6b-5f4d3e2a1b0c"
PIPELINE_ID = "5034460f-c7c4-4c43-9457-de07e2029e7b"
WORKFLOW_ID = "fda08377-fe7e-46b1-8992-3a7aaecac9c3"
BUILD_JOB_ID = "c65b68ef-e73b-4bf2-be9a-7a322a9df150"
APPROVAL_JOB_ID = "5e957edd-5e8c-4985-9178-5d0d69561822"
APPROVAL_REQUEST_ID = "8b2f9c1d-3e4a-4b5c-9d6e-7f8a9b0c1d2e"
FINGERPRINT = "c9:0b:1c:4f:d5:65:56:b9:ad:88:f9:81:2b:37:74:2f"


def page(items: list[dict[str, Any]], next_page_token: str | None = None) -> dict[str, Any]:
    """A list response: ``{"items": [...], "next_page_token": ...}`` (null on the last page)."""
    return {"items": items, "next_page_token": next_page_token}


# GET /me, GET /user/{id}  (User)
USER = {
    "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4",
    "id": USER_ID,
    "login": "octocat",
    "name": "The Octocat",
}

# GET /me/collaborations  (array of Collaboration)
COLLABORATIONS = [
    {
        "id": ORG_ID,
        "vcs-type": "github",
        "name": "CircleCI-Public",
        "avatar_url": "https://avatars.githubusercontent.com/u/1231870?v=4",
        "slug": "gh/CircleCI-Public",
    },
    {
        "id": "d4a1b2c3-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "vcs-type": "circleci",
        "name": "standalone-org",
        "avatar_url": "",
        "slug": "circleci/d4a1b2c3-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    },
]

# GET /project/{project-slug}  (Project)
PROJECT = {
    "slug": "gh/CircleCI-Public/api-preview-docs",
    "name": "api-preview-docs",
    "id": PROJECT_ID,
    "organization_name": "CircleCI-Public",
    "organization_slug": "gh/CircleCI-Public",
    "organization_id": ORG_ID,
    "vcs_info": {
        "vcs_url": "https://github.com/CircleCI-Public/api-preview-docs",
        "provider": "GitHub",
        "default_branch": "main",
    },
}

# GET/POST /project/{project-slug}/checkout-key[/{fingerprint}]  (CheckoutKey)
CHECKOUT_KEY = {
    "public-key": "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 deploy@circleci",
    "type": "deploy-key",
    "fingerprint": FINGERPRINT,
    "preferred": True,
    "created-at": "2015-09-21T17:29:21.042Z",
}

# GET/POST /project/{project-slug}/envvar[/{name}]  (EnvironmentVariable, value masked)
ENV_VAR = {
    "name": "AWS_ACCESS_KEY_ID",
    "value": "xxxx1234",
    "created-at": "2023-04-14T21:20:14Z",
}

# GET /pipeline/{pipeline-id} and the items of pipeline lists  (Pipeline)
PIPELINE = {
    "id": PIPELINE_ID,
    "errors": [],
    "project_slug": "gh/CircleCI-Public/api-preview-docs",
    "updated_at": "2025-06-03T09:41:12.802Z",
    "number": 25,
    "trigger_parameters": {"deploy_prod": True, "nightly_runs": 3},
    "state": "created",
    "created_at": "2025-06-03T09:41:11.524Z",
    "trigger": {
        "type": "webhook",
        "received_at": "2025-06-03T09:41:11.324Z",
        "actor": {
            "login": "octocat",
            "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4",
        },
    },
    "vcs": {
        "provider_name": "GitHub",
        "target_repository_url": "https://github.com/CircleCI-Public/api-preview-docs",
        "branch": "feature/design-new-api",
        "review_id": "123",
        "review_url": "https://github.com/CircleCI-Public/api-preview-docs/pull/123",
        "revision": "f454a02b5d10fcccfd7d9dd7608a76d6493a98b4",
        "commit": {"subject": "Document pagination", "body": "Closes #122."},
        "origin_repository_url": "https://github.com/CircleCI-Public/api-preview-docs",
    },
}

# GET /pipeline/{pipeline-id}/config  (PipelineConfig)
PIPELINE_CONFIG = {
    "source": "version: 2.1\nsetup: true\n",
    "compiled": "version: 2\njobs:\n  build:\n    docker:\n      - image: cimg/base:stable\n",
    "setup-config": "version: 2.1\nsetup: true\n",
    "compiled-setup-config": "version: 2\njobs:\n  setup: {}\n",
}

# POST /project/{project-slug}/pipeline, 201  (PipelineCreation)
PIPELINE_CREATION = {
    "id": "6f6a9c5e-8d4b-4e3a-9f2c-1b0a9d8c7e6f",
    "state": "pending",
    "number": 26,
    "created_at": "2025-06-03T10:02:45.118Z",
}

# GET /workflow/{id} and the items of GET /pipeline/{pipeline-id}/workflow  (Workflow)
WORKFLOW = {
    "pipeline_id": PIPELINE_ID,
    "id": WORKFLOW_ID,
    "name": "build-and-test",
    "project_slug": "gh/CircleCI-Public/api-preview-docs",
    "status": "failed",
    "started_by": USER_ID,
    "pipeline_number": 25,
    "created_at": "2025-06-03T09:41:13.001Z",
    "stopped_at": "2025-06-03T09:48:02.377Z",
    "auto_rerun_number": 1,
    "max_auto_reruns": 5,
}

# Items of GET /workflow/{id}/job  (Job): a build job and an approval job on hold.
BUILD_JOB = {
    "dependencies": [],
    "job_number": 1042,
    "id": BUILD_JOB_ID,
    "started_at": "2025-06-03T09:41:15.210Z",
    "name": "test",
    "project_slug": "gh/CircleCI-Public/api-preview-docs",
    "status": "success",
    "type": "build",
    "stopped_at": "2025-06-03T09:44:51.907Z",
}
APPROVAL_JOB = {
    "dependencies": [BUILD_JOB_ID],
    "id": APPROVAL_JOB_ID,
    "started_at": "2025-06-03T09:44:52.015Z",
    "name": "hold-for-release",
    "project_slug": "gh/CircleCI-Public/api-preview-docs",
    "status": "on_hold",
    "type": "approval",
    "approval_request_id": APPROVAL_REQUEST_ID,
    "requires": {BUILD_JOB_ID: ["success"]},
}

# POST /workflow/{id}/rerun, 202
RERUN = {"workflow_id": "0e53027b-521a-4c40-9042-47e72b3c63a3"}

# Deletes, cancels and approvals  (MessageResponse)
ACCEPTED = {"message": "Accepted."}

# GET /project/{project-slug}/job/{job-number}  (Job Details)
JOB_DETAILS = {
    "web_url": "https://app.circleci.com/pipelines/github/CircleCI-Public/api-preview-docs/25/workflows/fda08377-fe7e-46b1-8992-3a7aaecac9c3/jobs/1042",
    "project": {
        "id": PROJECT_ID,
        "slug": "gh/CircleCI-Public/api-preview-docs",
        "name": "api-preview-docs",
        "external_url": "https://github.com/CircleCI-Public/api-preview-docs",
    },
    "parallel_runs": [{"index": 0, "status": "success"}, {"index": 1, "status": "success"}],
    "started_at": "2025-06-03T09:41:15.210Z",
    "latest_workflow": {"id": WORKFLOW_ID, "name": "build-and-test"},
    "name": "test",
    "executor": {"resource_class": "medium", "type": "docker"},
    "parallelism": 2,
    "status": "success",
    "number": 1042,
    "pipeline": {"id": PIPELINE_ID},
    "duration": 216697,
    "created_at": "2025-06-03T09:41:14.002Z",
    "messages": [],
    "contexts": [{"name": "aws-deploy"}],
    "organization": {"name": "CircleCI-Public"},
    "queued_at": "2025-06-03T09:41:14.877Z",
    "stopped_at": "2025-06-03T09:44:51.907Z",
}

# Items of GET /project/{project-slug}/{job-number}/tests  (TestsResponse)
TEST_RESULT = {
    "message": "",
    "source": "pytest",
    "run_time": 0.042,
    "file": "tests/test_api.py",
    "result": "success",
    "name": "test_list_pipelines",
    "classname": "tests.test_api",
}

# Items of GET /project/{project-slug}/{job-number}/artifacts  (Artifact)
ARTIFACT = {
    "path": "coverage/index.html",
    "node_index": 0,
    "url": "https://output.circle-artifacts.com/output/job/c65b68ef-e73b-4bf2-be9a-7a322a9df150/artifacts/0/coverage/index.html",
}
