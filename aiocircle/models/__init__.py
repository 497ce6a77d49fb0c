"""Typed models of CircleCI API v2 responses."""

from ._base import MessageResponse, Model
from .jobs import (
    Artifact,
    Executor,
    JobContext,
    JobDetails,
    JobMessage,
    JobOrganization,
    JobProject,
    LatestWorkflow,
    ParallelRun,
    PipelineRef,
    TestResult,
)
from .pipelines import (
    Actor,
    Commit,
    Pipeline,
    PipelineConfig,
    PipelineCreation,
    PipelineError,
    PipelineState,
    PipelineVcs,
    Trigger,
)
from .projects import CheckoutKey, EnvVar, Project, VcsInfo
from .users import Collaboration, User
from .workflows import JobStatus, JobType, RerunResponse, Workflow, WorkflowJob, WorkflowStatus

__all__ = [
    "Actor",
    "Artifact",
    "CheckoutKey",
    "Collaboration",
    "Commit",
    "EnvVar",
    "Executor",
    "JobContext",
    "JobDetails",
    "JobMessage",
    "JobOrganization",
    "JobProject",
    "JobStatus",
    "JobType",
    "LatestWorkflow",
    "MessageResponse",
    "Model",
    "ParallelRun",
    "Pipeline",
    "PipelineConfig",
    "PipelineCreation",
    "PipelineError",
    "PipelineRef",
    "PipelineState",
    "PipelineVcs",
    "Project",
    "RerunResponse",
    "TestResult",
    "Trigger",
    "User",
    "VcsInfo",
    "Workflow",
    "WorkflowJob",
    "WorkflowStatus",
]
