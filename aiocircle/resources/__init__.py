"""Resource namespaces: one module per part of the API, thin methods over the core."""

from .artifacts import Artifacts
from .deploys import Deploys
from .insights import Insights
from .jobs import Jobs
from .oidc import Oidc
from .pipelines import Pipelines
from .policies import Policies
from .projects import Projects
from .rollbacks import Rollbacks
from .usage import Usage
from .users import Users
from .workflows import Workflows

__all__ = [
    "Artifacts",
    "Deploys",
    "Insights",
    "Jobs",
    "Oidc",
    "Pipelines",
    "Policies",
    "Projects",
    "Rollbacks",
    "Usage",
    "Users",
    "Workflows",
]
