"""Small value types of the report: a number that may be unavailable, and finding one.

``Value`` is a finite float or ``Unavailable(reason)``; the report never holds NaN.  ``number``
reads one as ``float | None`` for code that only needs the figure (the brief's wording);
``reason`` gives the why of an unavailable one.
"""

from __future__ import annotations

import math
from typing import Any

from pilot_eval.estimators import Unavailable

Value = float | Unavailable
"""A statistic: a finite float, or ``Unavailable(reason)`` when it cannot be computed."""


def number(value: Value | None) -> float | None:
    """The figure, or ``None`` when it is missing or unavailable."""
    if value is None or isinstance(value, Unavailable):
        return None
    return float(value)


def reason(value: Value | None) -> str:
    """Why ``value`` is unavailable (``""`` when it is a number or simply absent)."""
    return value.reason if isinstance(value, Unavailable) else ""


def value_of(raw: Any, why: str = "not reported") -> Value:
    """A finite number from an estimator's dictionary, else ``Unavailable(why)``."""
    if isinstance(raw, Unavailable):
        return raw
    if raw is None or isinstance(raw, bool):
        return Unavailable(why)
    try:
        figure = float(raw)
    except (TypeError, ValueError):
        return Unavailable(why)
    return figure if math.isfinite(figure) else Unavailable(why)


def optional_number(raw: Any) -> float | None:
    """A finite number from an estimator's dictionary, else ``None``."""
    figure = value_of(raw)
    return None if isinstance(figure, Unavailable) else figure


def optional_int(raw: Any) -> int | None:
    """A whole number from an estimator's dictionary (``219.0`` -> ``219``), else ``None``."""
    figure = optional_number(raw)
    return None if figure is None else int(figure)
