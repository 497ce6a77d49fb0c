"""``.aiocircle-manifest.json``: what a harvest wrote, so a rerun can trust it without asking.

Per file (keyed by its path under the destination) it records the artifact's URL, job,
node and path, and the size and ``mtime_ns`` the file had when it was renamed into place.
A rerun skips a file when its entry names the same URL and the file on disk still has
that size and mtime. The manifest is rewritten atomically (temporary file, then rename)
now and then as files complete and at the end; an unreadable one is ignored with a warning.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from pathlib import Path
from typing import Any

from ._types import JobArtifact

logger = logging.getLogger("aiocircle")

MANIFEST_NAME = ".aiocircle-manifest.json"
_VERSION = 1
_FLUSH_EVERY = 64
"""Completed files between rewrites, at least; and at least half as many as are recorded
already, so rewriting costs O(n) in all rather than O(n²)."""
_FLUSH_SECONDS = 2.0
"""And at least this long between rewrites: a short harvest writes its manifest once."""


class Manifest:
    """The manifest of one destination folder, loaded once and rewritten as files complete."""

    def __init__(self, root: Path) -> None:
        self.path = root / MANIFEST_NAME
        self._root = root
        self._files: dict[str, dict[str, Any]] = self._load()
        self._pending = 0
        self._flushed_at = time.monotonic()

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            text = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            logger.warning("ignoring the harvest manifest %s: %s", self.path, exc)
            return {}
        try:
            data = json.loads(text)
            files = data["files"] if data.get("version") == _VERSION else None
            if not isinstance(files, dict) or not all(isinstance(v, dict) for v in files.values()):
                raise ValueError("not a manifest of this version")
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            logger.warning("ignoring the corrupt harvest manifest %s: %s", self.path, exc)
            return {}
        return files

    def trusts(self, item: JobArtifact, key: str, target: Path) -> bool:
        """Whether ``target`` (``key`` below the root) is the complete file of ``item`` that
        this manifest recorded."""
        entry = self._files.get(key)
        if entry is None or entry.get("url") != item.artifact.url:
            return False
        try:
            stat = target.stat()
        except OSError:
            return False
        return entry.get("size") == stat.st_size and entry.get("mtime_ns") == stat.st_mtime_ns

    def record(self, item: JobArtifact, key: str, written: os.stat_result | Path) -> None:
        """Note that the file ``key`` below the root now holds ``item`` completely, as
        ``written`` (its stat, or its path to stat); rewrite now and then."""
        if isinstance(written, os.stat_result):
            stat = written
        else:
            try:
                stat = written.stat()
            except OSError:
                return
        self._files[key] = {
            "url": item.artifact.url,
            "project": item.project_slug,
            "job_number": item.job_number,
            "node_index": item.artifact.node_index,
            "path": item.artifact.path,
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
        }
        self._pending += 1
        if (
            self._pending >= max(_FLUSH_EVERY, len(self._files) // 2)
            and time.monotonic() - self._flushed_at >= _FLUSH_SECONDS
        ):
            self.flush()

    def flush(self) -> None:
        """Write the manifest atomically if anything changed; a failure is only logged."""
        if not self._pending:
            return
        self._pending = 0
        self._flushed_at = time.monotonic()
        temporary = self._root / f".aiocircle-{secrets.token_hex(4)}.manifest.tmp"
        # dumps(), not dump(): only the one-shot form uses the C encoder.
        text = json.dumps({"version": _VERSION, "files": self._files}, separators=(",", ":"))
        try:
            with open(temporary, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(temporary, self.path)
        except OSError as exc:
            logger.warning("could not write the harvest manifest %s: %s", self.path, exc)
            temporary.unlink(missing_ok=True)
