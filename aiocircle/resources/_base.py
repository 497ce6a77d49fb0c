"""What every resource namespace shares: a handle on the core."""

from __future__ import annotations

from .._core import Core


class Resource:
    """A namespace of endpoint methods; each method builds a path and calls the core."""

    def __init__(self, core: Core) -> None:
        self._core = core
