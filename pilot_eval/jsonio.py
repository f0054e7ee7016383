"""JSON-safe conversion of results (numpy numbers, non-finite floats).

Files are written by ``pilot_eval.atomic`` (``write_json``), the one writer of every output.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from pilot_eval.estimators.unavailable import JsonReady


def json_safe(value: Any) -> Any:
    """Recursively turn numpy scalars into Python numbers and non-finite floats into ``None``.

    The exact built-in types are dispatched on first (a large results dictionary holds
    millions of plain floats, strings and dicts: ``isinstance`` against ``Mapping`` and unions
    cost several times the conversion); anything else goes through ``_json_safe_other``.
    """
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        return {k if type(k) is str else str(k): json_safe(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [json_safe(v) for v in value]
    if kind is JsonReady:
        return value
    return _json_safe_other(value)


def _json_safe_other(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    return value


def dumps(value: Any, *, indent: int | None = 2) -> str:
    return json.dumps(json_safe(value), indent=indent, ensure_ascii=False, allow_nan=False)
