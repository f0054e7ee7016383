"""Allowed option values, listed in one place and validated at the boundary."""

from __future__ import annotations

from typing import Literal, get_args

from pilot_eval.estimators.errors import EstimatorConfigError

SeType = Literal["iid", "hc1", "cluster"]
SE_TYPES: tuple[str, ...] = get_args(SeType)


def check_choice(option: str, value: object, allowed: tuple[str, ...]) -> None:
    """Raise ``EstimatorConfigError`` unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise EstimatorConfigError(
            f"{option}={value!r} is not allowed; choose one of: {', '.join(allowed)}"
        )


def check_level(level: float) -> None:
    """Confidence levels are strictly between 0 and 1 (0.95 for a 95% interval)."""
    if not (isinstance(level, int | float) and 0.0 < float(level) < 1.0):
        raise EstimatorConfigError(
            f"level={level!r} must be a number between 0 and 1, for example 0.95 for 95% intervals"
        )
