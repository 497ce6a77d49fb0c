"""The public surface is what we mean to export."""

from __future__ import annotations

import aiocircle
import aiocircle.harvest
import aiocircle.models


def test_all_is_sorted_and_complete() -> None:
    for module in (aiocircle, aiocircle.models, aiocircle.harvest):
        assert module.__all__ == sorted(module.__all__)
        for name in module.__all__:
            assert hasattr(module, name), name


def test_public_names_do_not_leak_private_helpers() -> None:
    assert not [n for n in aiocircle.__all__ if n.startswith("_") and n != "__version__"]
    assert {"CircleCI", "RetryPolicy", "Paginator", "CircleCIError"} <= set(aiocircle.__all__)
