"""Where the command line writes: destination folders and report files.

A destination is checked before any request is sent, and a folder the command created is
removed again if the run left it empty. A report file is written beside its target and
renamed into place only once it is complete, so an interrupted report leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO


def destination(text: str) -> Path:
    """An argparse type for ``--dest``: a folder path; ``""`` is refused (it would mean ".")."""
    if not text.strip():
        raise ValueError("must name a folder (use '.' for the current one)")
    return Path(text)


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return Path(".")


def check_destination(dest: Path) -> Path:
    """Refuse a destination that cannot be a folder; return its nearest existing ancestor.

    Raises ``ValueError`` naming the file in the way, rather than letting ``mkdir`` fail
    with a bare ``[Errno 17]`` later.
    """
    existing = _nearest_existing(dest)
    if not existing.is_dir():
        if existing == dest:
            raise ValueError(f"--dest {dest} is a file, not a folder")
        raise ValueError(f"--dest {dest}: {existing} is a file, not a folder")
    return existing


@contextlib.contextmanager
def removing_if_empty(dest: Path) -> Iterator[None]:
    """Remove the folders below ``dest``'s nearest existing ancestor that the run created,
    if they are still empty when it ends (however it ends)."""
    existing = check_destination(dest)
    try:
        yield
    finally:
        if existing != dest:
            below = [p for p in dest.parents if p != existing and p.is_relative_to(existing)]
            for folder in (dest, *below):
                try:
                    folder.rmdir()  # only succeeds while empty
                except OSError:
                    break


@contextlib.contextmanager
def replacing(target: Path) -> Iterator[TextIO]:
    """A text file that becomes ``target`` when the block ends normally.

    Rows go to a hidden ``.<name>.<random>.part`` beside ``target``; an exception (or Ctrl-C)
    deletes it and leaves any earlier ``target`` untouched.
    """
    part = _part(target)
    try:
        with part.open("x", newline="", encoding="utf-8") as out:
            yield out
        part.replace(target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def replacing_bytes(target: Path) -> Iterator[BinaryIO]:
    """:func:`replacing` for a binary file (Parquet)."""
    part = _part(target)
    try:
        with part.open("xb") as out:
            yield out
        part.replace(target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def _part(target: Path) -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
