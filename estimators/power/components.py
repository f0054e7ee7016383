"""Variance components of a pilot's own outcome panel, for the analytic power formulas.

From a balanced block of months without the pilot (``units x periods``), after removing each
month's mean (what period fixed effects absorb):

* ``between`` = team-level variance (one-way ANOVA method of moments, floored at 0),
* ``within`` = month-to-month variance inside a team,
* ``icc`` = ``between / (between + within)``: McKenzie's constant correlation between two months
  of one team (and the intraclass correlation of the cluster design effect),
* ``serial_correlation`` = pooled lag-1 autocorrelation of the within-team deviations: the
  correlation left after the team effect.  Positive values mean nearby months move together
  more than distant ones, which the constant-correlation formulas do not see (Burlig, Preonas
  and Woerman 2020); the simulation, which keeps whole series, does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.unavailable import Unavailable


@dataclass(frozen=True)
class VarianceComponents:
    """Between-team and within-team variance of an outcome and its serial correlation."""

    n_units: int
    n_periods: int
    between: float
    within: float
    serial_correlation: float | Unavailable

    @property
    def total(self) -> float:
        return self.between + self.within

    @property
    def sd(self) -> float:
        return float(np.sqrt(self.total))

    @property
    def icc(self) -> float:
        return self.between / self.total if self.total > 0 else 0.0

    def to_dict(self) -> dict[str, object]:
        serial = self.serial_correlation
        return {"n_units": self.n_units, "n_periods": self.n_periods,
                "between_variance": self.between, "within_variance": self.within,
                "total_variance": self.total, "sd": self.sd, "icc": self.icc,
                "serial_correlation": None if isinstance(serial, Unavailable) else serial,
                "unavailable": ({"serial_correlation": serial.reason}
                                if isinstance(serial, Unavailable) else {})}


def variance_components(values: np.ndarray) -> VarianceComponents:
    """Components of a complete ``units x periods`` array (at least 2 units and 2 periods)."""
    y = np.asarray(values, dtype=float)
    if y.ndim != 2 or y.shape[0] < 2 or y.shape[1] < 2:
        raise EstimationError(f"variance components need at least 2 teams and 2 months; got "
                              f"an array of shape {y.shape}")
    if not np.all(np.isfinite(y)):
        raise EstimationError("variance components need a complete block (no missing values)")
    n, t = y.shape
    z = y - y.mean(axis=0, keepdims=True)
    unit_means = z.mean(axis=1)
    deviations = z - unit_means[:, None]
    ms_between = t * np.sum(unit_means**2) / (n - 1)
    ms_within = np.sum(deviations**2) / ((n - 1) * (t - 1))
    between = max((ms_between - ms_within) / t, 0.0)
    serial: float | Unavailable
    lagged, current = deviations[:, :-1].ravel(), deviations[:, 1:].ravel()
    denominator = np.sqrt(np.sum(lagged**2) * np.sum(current**2))
    if t < 3 or denominator <= 0:
        serial = Unavailable("needs at least 3 months with variation inside teams")
    else:
        serial = float(np.sum(lagged * current) / denominator)
    return VarianceComponents(n, t, float(between), float(ms_within), serial)


__all__ = ["VarianceComponents", "variance_components"]
