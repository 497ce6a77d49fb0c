"""Resource namespaces: one module per part of the API, thin methods over the core."""

from .artifacts import Artifacts
from .jobs import Jobs
from .pipelines import Pipelines
from .projects import Projects
from .users import Users
from .workflows import Workflows

__all__ = ["Artifacts", "Jobs", "Pipelines", "Projects", "Users", "Workflows"]
