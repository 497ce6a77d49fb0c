"""``cci.workflows``: get, list jobs, cancel, rerun and approve workflows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._operations import operation
from .._pagination import Paginator
from .._slug import encode_segment
from ..models import MessageResponse, RerunResponse, Workflow, WorkflowJob
from ._base import Resource


class Workflows(Resource):
    @operation("getWorkflowById", "GET", "/workflow/{id}")
    async def get(self, workflow_id: str) -> Workflow:
        """A workflow. ``GET /workflow/{id}``"""
        return await self._core.model(Workflow, "GET", self._path(workflow_id))

    @operation("listWorkflowJobs", "GET", "/workflow/{id}/job", paginated=True)
    def jobs(self, workflow_id: str) -> Paginator[WorkflowJob]:
        """A workflow's jobs, approval jobs included. ``GET /workflow/{id}/job``"""
        return self._core.paginate(WorkflowJob, f"{self._path(workflow_id)}/job")

    @operation("cancelWorkflow", "POST", "/workflow/{id}/cancel", idempotent=True)
    async def cancel(self, workflow_id: str) -> MessageResponse:
        """Cancel a running workflow. ``POST /workflow/{id}/cancel``

        Safe to retry: cancelling twice has the same effect as once.
        """
        path = f"{self._path(workflow_id)}/cancel"
        return await self._core.model(MessageResponse, "POST", path, idempotent=True)

    @operation("rerunWorkflow", "POST", "/workflow/{id}/rerun", idempotent=False)
    async def rerun(
        self,
        workflow_id: str,
        *,
        jobs: Sequence[str] | None = None,
        from_failed: bool = False,
        sparse_tree: bool = False,
        enable_ssh: bool = False,
    ) -> RerunResponse:
        """Rerun a workflow, whole, from failed, or chosen jobs. ``POST /workflow/{id}/rerun``

        Never retried once the request may have reached CircleCI.
        """
        if from_failed and jobs:
            raise ValueError("rerun() takes jobs or from_failed, not both")
        # openapi.json: sparse_tree and enable_ssh each "requires the jobs parameter" and so
        # excludes from_failed.
        if sparse_tree and not jobs:
            raise ValueError("sparse_tree needs the jobs to rerun")
        if enable_ssh and not jobs:
            raise ValueError("enable_ssh needs the jobs to rerun (and so excludes from_failed)")
        body: dict[str, Any] = {}
        if jobs:
            body["jobs"] = list(jobs)
        if from_failed:
            body["from_failed"] = True
        if sparse_tree:
            body["sparse_tree"] = True
        if enable_ssh:
            body["enable_ssh"] = True
        path = f"{self._path(workflow_id)}/rerun"
        return await self._core.model(RerunResponse, "POST", path, json=body, idempotent=False)

    @operation(
        "approvePendingApprovalJobById",
        "POST",
        "/workflow/{id}/approve/{approval_request_id}",
        idempotent=True,
    )
    async def approve(self, workflow_id: str, approval_request_id: str) -> MessageResponse:
        """Approve a pending approval job. ``POST /workflow/{id}/approve/{approval_request_id}``"""
        request_id = encode_segment(approval_request_id, "approval_request_id")
        path = f"{self._path(workflow_id)}/approve/{request_id}"
        return await self._core.model(MessageResponse, "POST", path, idempotent=True)

    @staticmethod
    def _path(workflow_id: str) -> str:
        return f"/workflow/{encode_segment(workflow_id, 'workflow_id')}"
