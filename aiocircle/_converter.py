"""The one cattrs converter that turns API JSON into models.

- JSON keys with dashes (``created-at``) map to snake_case fields through ``json_key``.
- Timestamps become timezone-aware ``datetime`` objects (UTC when the API omits a zone).
- A field typed ``SomeStatus | str`` takes the enum member when the value is known and
  keeps the plain string when CircleCI has added a value since (``| None`` allows null).
- Unknown keys are ignored; every model keeps the JSON it was built from in ``raw``.
"""

from __future__ import annotations

import enum
import types
from datetime import UTC, datetime
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

T = TypeVar("T")

JSON_KEY = "aiocircle_json_key"


def json_key(name: str, **kwargs: Any) -> Any:
    """An attrs field whose JSON key differs from its Python name."""
    metadata = {**kwargs.pop("metadata", {}), JSON_KEY: name}
    return attrs.field(metadata=metadata, **kwargs)


def _structure_datetime(value: Any, _: type) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        # The spec's env-var example carries a Clojure reader tag: "#joda/inst 2023-04-14T…".
        parsed = datetime.fromisoformat(value.removeprefix("#joda/inst ").strip())
    else:
        raise TypeError(f"expected an ISO-8601 timestamp, got {value!r}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _open_enum(type_: Any) -> type[enum.Enum] | None:
    """The enum of an ``SomeEnum | str`` (or ``SomeEnum | str | None``) annotation, else
    ``None``."""
    if get_origin(type_) not in (Union, types.UnionType):
        return None
    args = set(get_args(type_)) - {type(None)}
    if str not in args or len(args) != 2:
        return None
    (other,) = args - {str}
    if isinstance(other, type) and issubclass(other, enum.Enum):
        return other
    return None


def _structure_open_enum(value: Any, type_: Any) -> Any:
    enum_cls = _open_enum(type_)
    assert enum_cls is not None
    if value is None and type(None) in get_args(type_):
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a string for {enum_cls.__name__}, got {value!r}")
    try:
        return enum_cls(value)
    except ValueError:
        return value


def _is_model(cls: Any) -> bool:
    return attrs.has(cls) and any(f.name == "raw" for f in attrs.fields(cls))


def _model_hook(cls: Any) -> Any:
    renames = {
        f.name: override(rename=f.metadata[JSON_KEY])
        for f in attrs.fields(cls)
        if JSON_KEY in f.metadata
    }
    overrides: dict[str, Any] = {"raw": override(omit=True), **renames}
    build = make_dict_structure_fn(cls, converter, **overrides)

    def structure(data: Any, _: type) -> Any:
        if not isinstance(data, dict):
            raise TypeError(f"expected a JSON object for {cls.__name__}, got {type(data).__name__}")
        model = build(data, cls)
        # Models are frozen; ``raw`` is set once, here, after construction.
        object.__setattr__(model, "raw", data)
        return model

    return structure


def _strict(kind: type) -> Any:
    """JSON scalars must already have the right type: no ``str(None)`` or ``bool("false")``."""
    accepted: tuple[type, ...] = (int, float) if kind is float else (kind,)

    def structure(value: Any, _: type) -> Any:
        if isinstance(value, bool) and kind is not bool:
            raise TypeError(f"expected {kind.__name__}, got a boolean")
        if not isinstance(value, accepted):
            raise TypeError(f"expected {kind.__name__}, got {value!r}")
        return kind(value)

    return structure


converter = cattrs.Converter()
for _kind in (str, int, float, bool):
    converter.register_structure_hook(_kind, _strict(_kind))
converter.register_structure_hook(datetime, _structure_datetime)
converter.register_structure_hook_func(lambda t: _open_enum(t) is not None, _structure_open_enum)
converter.register_structure_hook_factory(_is_model, _model_hook)


def structure(data: Any, cls: type[T]) -> T:
    """Build a model (or a list of them) from decoded JSON."""
    result: T = converter.structure(data, cls)
    return result
