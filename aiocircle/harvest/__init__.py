"""Artifact harvesting: stream many artifacts to disk concurrently, safely and resumably.

- ``_types``: what a harvest works on and reports (:class:`JobArtifact`,
  :class:`DownloadReport`...);
- ``_options``: :class:`HarvestOptions`, the one settings object;
- ``_events``: progress events a callback can ``match`` on;
- ``_sources``: producers listing artifacts (a workflow, a pipeline, a job, items in hand);
- ``_fetch``: one artifact to one file (probe, stream, verify, rename);
- ``_manifest``: ``.aiocircle-manifest.json``, so a rerun skips complete files unasked;
- ``_pool``: :class:`Harvest`, the worker pool running a source.

``cci.artifacts.download_*`` is the public face; this package is what it runs.
"""

from ._events import (
    BytesReceived,
    FileDone,
    FileFailed,
    FileQueued,
    FileRetrying,
    FileSkipped,
    FileStarted,
    HarvestFinished,
    ListingDone,
    ProgressCallback,
    ProgressEvent,
)
from ._options import HarvestChanges, HarvestOptions, resolve_options
from ._pool import Harvest
from ._sources import Listings, Source
from ._types import (
    DownloadEntry,
    DownloadError,
    DownloadReport,
    DownloadStatus,
    Filter,
    JobArtifact,
    Layout,
    ListingFailure,
    default_layout,
)

__all__ = [
    "BytesReceived",
    "DownloadEntry",
    "DownloadError",
    "DownloadReport",
    "DownloadStatus",
    "FileDone",
    "FileFailed",
    "FileQueued",
    "FileRetrying",
    "FileSkipped",
    "FileStarted",
    "Filter",
    "Harvest",
    "HarvestChanges",
    "HarvestFinished",
    "HarvestOptions",
    "JobArtifact",
    "Layout",
    "ListingDone",
    "ListingFailure",
    "Listings",
    "ProgressCallback",
    "ProgressEvent",
    "Source",
    "default_layout",
    "resolve_options",
]
