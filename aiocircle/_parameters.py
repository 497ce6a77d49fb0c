"""Pipeline parameters checked the way CircleCI limits them, before a request is sent.

openapi.json (triggerPipeline, triggerPipelineRun, continuePipeline): "Pipeline parameters
have the following size limits: 100 max entries, 128 maximum key length, 512 maximum value
length"; values are strings, integers or booleans.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_PARAMETERS = 100
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 512

#: A pipeline parameter's value: CircleCI accepts strings, integers and booleans.
ParameterValue = str | int | bool


def check_parameters(parameters: Mapping[str, Any]) -> dict[str, ParameterValue]:
    """A copy of ``parameters`` once they keep CircleCI's limits; ``ValueError`` naming the
    rule otherwise."""
    if not isinstance(parameters, Mapping):
        raise TypeError(f"pipeline parameters must be a mapping, not {type(parameters).__name__}")
    if len(parameters) > MAX_PARAMETERS:
        raise ValueError(
            f"at most {MAX_PARAMETERS} pipeline parameters are allowed, not {len(parameters)}"
        )
    for key, value in parameters.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"a pipeline parameter name must be a non-empty str, not {key!r}")
        if len(key) > MAX_KEY_LENGTH:
            raise ValueError(
                f"pipeline parameter names are at most {MAX_KEY_LENGTH} characters: "
                f"{key[:20]!r}... has {len(key)}"
            )
        if not isinstance(value, str | int | bool):
            raise ValueError(
                f"pipeline parameter {key!r} must be a str, int or bool, not {type(value).__name__}"
            )
        if isinstance(value, str) and len(value) > MAX_VALUE_LENGTH:
            raise ValueError(
                f"pipeline parameter values are at most {MAX_VALUE_LENGTH} characters: "
                f"{key!r} has {len(value)}"
            )
    return dict(parameters)
