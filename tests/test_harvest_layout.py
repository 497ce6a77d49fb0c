"""The default layout, as text (what the harvest uses per file) and as a path (its public form)."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from aiocircle import JobArtifact, default_layout
from aiocircle.harvest._pool import _parts
from aiocircle.harvest._types import default_relative
from aiocircle.models import Artifact

PATHS = [
    "report.xml",
    "out/sub/f1.bin",
    "./out//f.txt",
    "a/./b/",
    "/etc/passwd",
    "//twice/rooted",
    "",
    ".",
    "../up",
    "dir/../../x",
    "name with spaces/ünïcode.txt",
]


def _item(path: str, number: int | None = 12, name: str | None = "build & test") -> JobArtifact:
    return JobArtifact(
        artifact=Artifact(path=path, node_index=3, url="http://x/a"),
        project_slug="gh/acme/app",
        job_number=number,
        job_name=name,
    )


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("number", "name"), [(12, "build & test"), (7, None), (None, "x")])
def test_the_text_form_is_the_layout_pathlib_would_build(
    path: str, number: int | None, name: str | None
) -> None:
    item = _item(path, number, name)
    job = "latest" if number is None else f"{number}-{'build_test' if name else 'job'}"
    expected = PurePosixPath(job, "3", path)  # what default_layout built before
    assert default_layout(item) == expected
    assert PurePosixPath(default_relative(item)) == expected
    assert default_relative(item).startswith("/") == expected.is_absolute()


@pytest.mark.parametrize("path", PATHS)
def test_parts_are_pathlibs_without_the_root(path: str) -> None:
    pure = PurePosixPath(path)
    assert _parts(path) == [p for p in pure.parts if p not in ("/", "//")]
