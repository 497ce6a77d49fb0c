"""Resource namespaces: one module per part of the API, thin methods over the core."""

from .artifacts import Artifacts
from .jobs import Jobs
from .oidc import Oidc
from .organizations import Organizations
from .otel_exporters import OtelExporters
from .pipeline_definitions import PipelineDefinitions
from .pipelines import Pipelines
from .policies import Policies
from .projects import Projects
from .triggers import Triggers
from .users import Users
from .workflows import Workflows

__all__ = [
    "Artifacts",
    "Jobs",
    "Oidc",
    "Organizations",
    "OtelExporters",
    "PipelineDefinitions",
    "Pipelines",
    "Policies",
    "Projects",
    "Triggers",
    "Users",
    "Workflows",
]
