"""A statistic that cannot be computed is a value with a reason, never a silent NaN."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Unavailable:
    """Stands in for a number that could not be computed, and says why.

    Examples: a standard error with one cluster, a p-value with zero residual degrees of freedom.
    """

    reason: str

    def __bool__(self) -> bool:  # an unavailable statistic is falsy, like a missing value
        return False

    def __str__(self) -> str:
        return f"not available ({self.reason})"


def json_number(value: Any) -> float | int | None:
    """Return ``value`` as a JSON-safe number: ``None`` for ``Unavailable`` and non-finite floats."""
    if value is None or isinstance(value, Unavailable):
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    number = float(value)
    return number if math.isfinite(number) else None


class JsonReady(list):
    """A list whose items are JSON-safe already (plain numbers, ``None``, strings, and dicts and
    lists of them, keys strings): ``pilot_eval.jsonio.json_safe`` passes it through instead of
    walking every value again (a survival curve of 100k spells holds half a million)."""

    __slots__ = ()


def json_numbers(values: Any) -> list[float | None]:
    """``[json_number(v) for v in values]`` for an array of numbers, in one pass of numpy."""
    import numpy as np  # here: importing the estimators package loads no numerics

    array = np.asarray(values, dtype=float)
    listed = array.tolist()
    finite = np.isfinite(array)
    if not finite.all():
        for i in np.flatnonzero(~finite).tolist():
            listed[i] = None
    return listed


def reasons(**values: Any) -> dict[str, str]:
    """Map the names of unavailable statistics to their reasons (for a result's ``to_dict``)."""
    return {name: v.reason for name, v in values.items() if isinstance(v, Unavailable)}
