"""Resource namespaces: one module per part of the API, thin methods over the core."""

from .._operations import Operation, marked
from .artifacts import Artifacts
from .contexts import Contexts
from .deploys import Deploys
from .insights import Insights
from .jobs import Jobs
from .oidc import Oidc
from .organizations import Organizations
from .otel_exporters import OtelExporters
from .pipeline_definitions import PipelineDefinitions
from .pipelines import Pipelines
from .policies import Policies
from .projects import Projects
from .rollbacks import Rollbacks
from .schedules import Schedules
from .triggers import Triggers
from .usage import Usage
from .users import Users
from .webhooks import Webhooks
from .workflows import Workflows

__all__ = [
    "Artifacts",
    "Contexts",
    "Deploys",
    "Insights",
    "Jobs",
    "Oidc",
    "Organizations",
    "OtelExporters",
    "PipelineDefinitions",
    "Pipelines",
    "Policies",
    "Projects",
    "Rollbacks",
    "Schedules",
    "Triggers",
    "Usage",
    "Users",
    "Webhooks",
    "Workflows",
    "operations",
]


def operations() -> dict[str, Operation]:
    """Every operation a resource method is marked with, by operationId (all are imported)."""
    return marked()
