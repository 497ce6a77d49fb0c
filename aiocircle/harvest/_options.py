"""How a harvest runs: one frozen settings object shared by every ``download_*`` method."""

from __future__ import annotations

from typing import TypedDict

import attrs

from ._events import ProgressCallback
from ._types import Filter, Layout


def _at_least_one(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{attribute.name} must be an integer of at least 1, not {value!r}")


@attrs.frozen(kw_only=True)
class HarvestOptions:
    """Settings of one harvest.

    - ``concurrency``: downloads in flight at once (the worker pool's size);
    - ``include`` / ``exclude``: glob pattern(s) on the artifact path, or a predicate;
    - ``overwrite``: download every file again, trusting nothing on disk;
    - ``progress``: a callback receiving :mod:`progress events <aiocircle.harvest>`;
    - ``layout``: where an artifact goes under the destination (default
      :func:`default_layout`);
    - ``manifest``: keep ``.aiocircle-manifest.json`` in the destination so a rerun skips
      complete files without a single request.

    ``attrs.evolve(options, concurrency=32)`` makes a variant.
    """

    concurrency: int = attrs.field(default=8, validator=_at_least_one)
    include: Filter | None = None
    exclude: Filter | None = None
    overwrite: bool = False
    progress: ProgressCallback | None = None
    layout: Layout | None = None
    manifest: bool = True


class HarvestChanges(TypedDict, total=False):
    """Keyword arguments the ``download_*`` methods accept on top of ``options=``: each
    replaces that field of the options (``concurrency=32`` and so on)."""

    concurrency: int
    include: Filter | None
    exclude: Filter | None
    overwrite: bool
    progress: ProgressCallback | None
    layout: Layout | None
    manifest: bool


def resolve_options(options: HarvestOptions | None, changes: HarvestChanges) -> HarvestOptions:
    """``options`` (or the defaults) with ``changes`` applied, validated."""
    base = options if options is not None else HarvestOptions()
    if not isinstance(base, HarvestOptions):
        raise TypeError(f"options must be HarvestOptions, not {type(base).__name__}")
    return attrs.evolve(base, **changes) if changes else base
