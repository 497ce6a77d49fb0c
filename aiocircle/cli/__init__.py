"""The ``aiocircle`` command line: artifacts, pipelines, workflows, reports and a demo."""

from ._main import main

__all__ = ["main"]
