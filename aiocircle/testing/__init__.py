"""A fake CircleCI API v2 on loopback, for testing code that talks to CircleCI.

See docs/testing.md. `FakeCircleCI` is the entry point; the pytest plugin in
`aiocircle.testing.pytest_plugin` provides a `fake_circleci` fixture.
"""

from ._api_deploys import Deployments
from ._api_pipelines import PipelineRuns
from ._api_projects import ProjectSettingsStore
from ._content import ArtifactContent, artifact_key
from ._faults import FailRule, Faults, Knobs, RateLimit
from ._observe import LeakRecord, RequestRecord, Stats
from ._populate import Dataset
from ._server import FakeCircleCI
from ._state import (
    Artifact,
    CheckoutKey,
    EnvVar,
    Job,
    JobSpec,
    Organization,
    Pipeline,
    Project,
    State,
    TestResult,
    User,
    Workflow,
    WorkflowSpec,
)

__all__ = [
    "Artifact",
    "ArtifactContent",
    "CheckoutKey",
    "Dataset",
    "Deployments",
    "EnvVar",
    "FailRule",
    "FakeCircleCI",
    "Faults",
    "Job",
    "JobSpec",
    "Knobs",
    "LeakRecord",
    "Organization",
    "Pipeline",
    "PipelineRuns",
    "Project",
    "ProjectSettingsStore",
    "RateLimit",
    "RequestRecord",
    "State",
    "Stats",
    "TestResult",
    "User",
    "Workflow",
    "WorkflowSpec",
    "artifact_key",
]
