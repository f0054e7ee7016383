"""A JSON codec for the report's frozen dataclasses, driven by their type annotations.

``to_plain(value)`` turns a report (or any part of it) into JSON-safe data: a dataclass becomes
an object of its fields in declaration order, a tuple a list, ``Unavailable(reason)`` the object
``{"unavailable": reason}``, a date its ISO text.  ``from_plain(kind, data)`` rebuilds the value
of type ``kind`` from that data, so that ``from_plain(type(x), to_plain(x)) == x`` for every
report ``x`` (the round trip is exact: JSON keeps every finite float bit for bit).

Non-finite floats are refused when writing: the report says ``Unavailable(reason)`` instead.
Nothing here evaluates code: types come from the dataclasses' own annotations.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import types
import typing
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin

from pilot_eval.estimators import Unavailable

UNAVAILABLE_KEY = "unavailable"


class ReportFormatError(ValueError):
    """The data does not have the shape of the report type it is read as."""


def to_plain(value: Any) -> Any:
    """JSON-safe data for ``value`` (a report dataclass, tuple, mapping or scalar)."""
    if isinstance(value, Unavailable):
        return {UNAVAILABLE_KEY: value.reason}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ReportFormatError(f"a report holds the non-finite number {value!r}; use "
                                    "Unavailable(reason) for a value that cannot be computed")
        return value
    if value is None or isinstance(value, str | int | bool):
        return value
    raise ReportFormatError(f"a report holds a {type(value).__name__}, which has no JSON form")


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_plain(kind: Any, data: Any, where: str = "report") -> Any:
    """The value of type ``kind`` that ``to_plain`` wrote as ``data``."""
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        return _union(get_args(kind), data, where)
    if kind is Any:
        return data
    if origin is Literal:
        if data not in get_args(kind):
            raise ReportFormatError(f"{where}: {data!r} is not one of {get_args(kind)}")
        return data
    if origin is tuple:
        return _tuple(get_args(kind), data, where)
    if origin is dict:
        _, value_kind = get_args(kind)
        _expect(data, dict, where)
        return {str(k): from_plain(value_kind, v, f"{where}.{k}") for k, v in data.items()}
    if kind is Unavailable:
        if isinstance(data, dict) and set(data) == {UNAVAILABLE_KEY}:
            return Unavailable(str(data[UNAVAILABLE_KEY]))
        raise ReportFormatError(f"{where}: expected {{'unavailable': reason}}, got {data!r}")
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _dataclass(kind, data, where)
    return _scalar(kind, data, where)


def _union(options: tuple[Any, ...], data: Any, where: str) -> Any:
    if data is None:
        if type(None) in options:
            return None
        raise ReportFormatError(f"{where}: a value is required")
    if (isinstance(data, dict) and set(data) == {UNAVAILABLE_KEY}
            and Unavailable in options):
        return Unavailable(str(data[UNAVAILABLE_KEY]))
    problems = []
    for option in options:
        if option is type(None) or option is Unavailable:
            continue
        try:
            return from_plain(option, data, where)
        except ReportFormatError as error:
            problems.append(str(error))
    raise ReportFormatError("; ".join(problems) or f"{where}: unexpected {data!r}")


def _tuple(args: tuple[Any, ...], data: Any, where: str) -> tuple[Any, ...]:
    _expect(data, list, where)
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(from_plain(args[0], v, f"{where}[{i}]") for i, v in enumerate(data))
    if len(args) != len(data):
        raise ReportFormatError(f"{where}: expected {len(args)} items, got {len(data)}")
    return tuple(from_plain(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, data,
                                                                                 strict=True)))


def _dataclass(kind: type, data: Any, where: str) -> Any:
    _expect(data, dict, where)
    hints = _hints(kind)
    names = [f.name for f in dataclasses.fields(kind) if f.init]
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ReportFormatError(f"{where}: unknown entries {', '.join(unknown)} for "
                                f"{kind.__name__}")
    values = {}
    for field in dataclasses.fields(kind):
        if not field.init:
            continue
        if field.name not in data:
            if (field.default is dataclasses.MISSING
                    and field.default_factory is dataclasses.MISSING):
                raise ReportFormatError(f"{where}: {kind.__name__} has no '{field.name}'")
            continue
        values[field.name] = from_plain(hints[field.name], data[field.name],
                                        f"{where}.{field.name}")
    return kind(**values)


def _scalar(kind: Any, data: Any, where: str) -> Any:
    if kind is float:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return float(data)
    elif kind is int:
        if isinstance(data, int) and not isinstance(data, bool):
            return data
    elif kind is bool:
        if isinstance(data, bool):
            return data
    elif kind is str:
        if isinstance(data, str):
            return data
    elif kind is dt.date:
        if isinstance(data, str):
            try:
                return dt.date.fromisoformat(data)
            except ValueError:
                pass
    elif kind is dt.datetime:
        if isinstance(data, str):
            try:
                return dt.datetime.fromisoformat(data)
            except ValueError:
                pass
    elif kind is type(None):
        if data is None:
            return None
    else:
        raise ReportFormatError(f"{where}: the report type {kind!r} has no JSON form")
    name = getattr(kind, "__name__", str(kind))
    raise ReportFormatError(f"{where}: expected {name}, got {data!r}")


def _expect(data: Any, kind: type, where: str) -> None:
    if not isinstance(data, kind):
        raise ReportFormatError(f"{where}: expected a JSON {'object' if kind is dict else 'list'}"
                                f", got {type(data).__name__}")
