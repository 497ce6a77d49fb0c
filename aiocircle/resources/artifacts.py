"""``cci.artifacts``: list a job's artifacts.

``GET /project/{slug}/{number}/artifacts`` is absent from CircleCI's August 2026 spec but
still served; CircleCI may retire it.
"""

from __future__ import annotations

from .._pagination import Paginator
from .._slug import encode_slug, job_number
from ..models import Artifact
from ._base import Resource


class Artifacts(Resource):
    def list(self, slug: str, number: int) -> Paginator[Artifact]:
        """A job's artifacts. ``GET /project/{project-slug}/{job-number}/artifacts``"""
        path = f"/project/{encode_slug(slug)}/{job_number(number)}/artifacts"
        return self._core.paginate(Artifact, path)
