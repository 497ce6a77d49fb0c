"""The base every model shares: frozen, slotted, keyword-only, with its raw JSON."""

from __future__ import annotations

from typing import Any

import attrs


@attrs.frozen(kw_only=True)
class Model:
    """A typed view of one API object.

    ``raw`` is the JSON object the model was built from, for fields CircleCI has added
    that the model does not know yet. It is left out of ``==`` and ``repr``.
    """

    raw: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False)


@attrs.frozen(kw_only=True)
class MessageResponse(Model):
    """The ``{"message": ...}`` answer of deletes and cancels."""

    message: str
