"""Resource namespaces: one module per part of the API, thin methods over the core."""

from .artifacts import Artifacts
from .jobs import Jobs
from .oidc import Oidc
from .organizations import Organizations
from .pipelines import Pipelines
from .policies import Policies
from .projects import Projects
from .users import Users
from .workflows import Workflows

__all__ = [
    "Artifacts",
    "Jobs",
    "Oidc",
    "Organizations",
    "Pipelines",
    "Policies",
    "Projects",
    "Users",
    "Workflows",
]
