"""Events and staff needed to detect a hazard ratio of leaving (log-rank test / Cox model).

* Schoenfeld (1983, Biometrics 39, "Sample-size formula for the proportional-hazards regression
  model"): ``E = (z_(1-alpha/2) + z_power)**2 / (p1 p2 ln(HR)**2)`` events, ``p1``/``p2`` the
  shares of people in each group.  Power for E events: ``Phi(sqrt(E p1 p2) |ln HR| - z)``.
* Freedman (1982): ``E = (z + z)**2 (1 + R HR)**2 / (R (1 - HR)**2)``, ``R = n2 / n1``.
* People from events as Stata ``power logrank``: ``N = E / Pr(E) / (1 - withdrawal)`` with
  ``Pr(E) = 1 - (p1 s1 + p2 s2)`` from the share still in post (``s1``, ``s2``) at the end of
  follow-up, the exact (unrounded) E carried into N; N and each group rounded up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

from pilot_eval.estimators.errors import EstimatorConfigError
from pilot_eval.estimators.inference.distributions import norm_cdf, norm_ppf
from pilot_eval.estimators.power.analytic import check_alpha, check_power, solve_effect

LogrankMethod = Literal["schoenfeld", "freedman"]
LOGRANK_METHODS: tuple[str, ...] = get_args(LogrankMethod)


def _check(hazard_ratio: float, p1: float) -> None:
    if not (isinstance(hazard_ratio, int | float) and hazard_ratio > 0
            and math.isfinite(hazard_ratio)):
        raise EstimatorConfigError(f"hazard ratio {hazard_ratio!r} must be a positive number")
    if hazard_ratio == 1:
        raise EstimatorConfigError("hazard ratio 1 means no effect, which cannot be detected; "
                                   "give the ratio that matters, e.g. 0.8 for 20% fewer leavers")
    if not 0.0 < p1 < 1.0:
        raise EstimatorConfigError(f"p1={p1!r}: the share of staff in the first group must be "
                                   "between 0 and 1")


def _z(alpha: float, onesided: bool) -> float:
    check_alpha(alpha)
    return float(norm_ppf(1.0 - (alpha if onesided else alpha / 2.0)))


def logrank_events(hazard_ratio: float, *, power: float = 0.8, alpha: float = 0.05,
                   p1: float = 0.5, onesided: bool = False,
                   method: LogrankMethod = "schoenfeld") -> float:
    """Events (leavers) needed, unrounded; report ``math.ceil`` of it as Stata does."""
    _check(hazard_ratio, p1)
    check_power(power)
    total = (_z(alpha, onesided) + float(norm_ppf(power))) ** 2
    if method == "schoenfeld":
        return total / (p1 * (1.0 - p1) * math.log(hazard_ratio) ** 2)
    if method == "freedman":
        ratio = (1.0 - p1) / p1
        return total * (1.0 + ratio * hazard_ratio) ** 2 / (ratio * (1.0 - hazard_ratio) ** 2)
    raise EstimatorConfigError(f"method={method!r} is not allowed; choose one of: "
                               f"{', '.join(LOGRANK_METHODS)}")


def logrank_power(hazard_ratio: float, *, events: float, alpha: float = 0.05, p1: float = 0.5,
                  onesided: bool = False) -> float:
    """Power of the log-rank test after ``events`` events (Schoenfeld)."""
    _check(hazard_ratio, p1)
    if events <= 0:
        raise EstimatorConfigError(f"events={events!r} must be positive")
    shift = math.sqrt(events * p1 * (1.0 - p1)) * abs(math.log(hazard_ratio))
    return float(norm_cdf(shift - _z(alpha, onesided)))


def logrank_mde(*, events: float, power: float = 0.8, alpha: float = 0.05, p1: float = 0.5,
                onesided: bool = False) -> float:
    """The hazard ratio below 1 detected with ``power`` after ``events`` events (its inverse
    is detected equally well)."""
    log_ratio = solve_effect(
        lambda d: logrank_power(math.exp(-d), events=events, alpha=alpha, p1=p1,
                                onesided=onesided) if d > 0 else 0.0, power, 1.0)
    return math.exp(-log_ratio)


@dataclass(frozen=True)
class LogrankSize:
    """Events and people needed for a hazard ratio (as Stata ``power logrank`` reports them)."""

    events_exact: float
    probability_of_event: float
    n1: int
    n2: int

    @property
    def events(self) -> int:
        return math.ceil(self.events_exact - 1e-9)

    @property
    def n(self) -> int:
        return self.n1 + self.n2


def logrank_sample_size(hazard_ratio: float, *, s1: float, power: float = 0.8,
                        alpha: float = 0.05, p1: float = 0.5, withdrawal: float = 0.0,
                        onesided: bool = False,
                        method: LogrankMethod = "schoenfeld") -> LogrankSize:
    """People needed when ``s1`` of the first group is still in post at the end of follow-up.

    ``s2 = s1 ** hazard_ratio`` (proportional hazards).
    """
    if not 0.0 < s1 < 1.0:
        raise EstimatorConfigError(f"s1={s1!r}: the share still in post at the end of "
                                   "follow-up must be between 0 and 1")
    if not 0.0 <= withdrawal < 1.0:
        raise EstimatorConfigError(f"withdrawal={withdrawal!r} must be at least 0 and below 1")
    events = logrank_events(hazard_ratio, power=power, alpha=alpha, p1=p1, onesided=onesided,
                            method=method)
    s2 = s1 ** hazard_ratio
    pr_event = 1.0 - (p1 * s1 + (1.0 - p1) * s2)
    n = math.ceil(events / pr_event / (1.0 - withdrawal) - 1e-9)
    return LogrankSize(events, pr_event, math.ceil(n * p1 - 1e-9),
                       math.ceil(n * (1.0 - p1) - 1e-9))


__all__ = ["LOGRANK_METHODS", "LogrankSize", "logrank_events", "logrank_mde", "logrank_power",
           "logrank_sample_size"]
