"""A :class:`Comparison` as plain JSON data, and back (the shape the CLI prints and the gRPC
``CompareRuns`` messages mirror).

Field names are the dataclass fields (snake_case), as for a Diagnosis
(:mod:`analyzer.render.json`, whose number spelling is reused: NaN -> ``null``, infinities ->
``"Infinity"``/``"-Infinity"``); enums travel as their string values; each run's diagnosis is
``diagnosis_to_dict``'s document. ``comparison_from_dict(comparison_to_dict(c)) == c`` except
that NaN compares unequal to itself (see the tests).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Mapping
from enum import Enum
from typing import Any

from analyzer.compare import model
from analyzer.model.findings import Diagnosis
from analyzer.render.json import diagnosis_from_dict, diagnosis_to_dict, json_float, json_number


def _encode(value: Any) -> Any:
    if isinstance(value, Diagnosis):
        return diagnosis_to_dict(value)
    if dataclasses.is_dataclass(value):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float):
        return json_number(value)
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    return value


def comparison_to_dict(c: model.Comparison) -> dict[str, Any]:
    """JSON-ready data for ``c`` (only dicts, lists, strings, numbers, booleans and None)."""
    return _encode(c)


def _decode(kind: Any, value: Any) -> Any:
    if kind is Diagnosis:
        return diagnosis_from_dict(value)
    if dataclasses.is_dataclass(kind):
        return _build(kind, value)
    origin = typing.get_origin(kind)
    if origin is tuple:
        (item, _ellipsis) = typing.get_args(kind)
        return tuple(_decode(item, v) for v in value)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        (inner,) = [a for a in typing.get_args(kind) if a is not type(None)]
        return _decode(inner, value)
    if kind is float:
        return json_float(value)
    return kind(value)  # str, int, bool and the enums (from their string values)


@functools.cache
def _field_types(cls: type) -> dict[str, Any]:
    """``cls``'s resolved annotations, once per class (resolving them took three quarters of
    decoding a comparison of many runs)."""
    return typing.get_type_hints(cls, vars(model) | {"Diagnosis": Diagnosis})


def _build(cls: type, obj: Mapping[str, Any]) -> Any:
    hints = _field_types(cls)
    values = {f.name: _decode(hints[f.name], obj[f.name]) for f in dataclasses.fields(cls)
              if f.name in obj}  # fmt: skip
    return cls(**values)


def comparison_from_dict(obj: Mapping[str, Any]) -> model.Comparison:
    """The :class:`Comparison` that :func:`comparison_to_dict` turned into ``obj``."""
    return _build(model.Comparison, obj)
