"""How likely a pre-trend test was to see a trend that matters (Roth 2022).

A pre-trend test that finds nothing reassures only if it could have found something: Roth
("Pretest with caution: event-study estimates after testing for parallel trends", AER:
Insights 4(3), 2022) asks how large a linear differential trend the test would detect with a
given probability.  ``linear_trend_power`` is the probability that the joint test of the leads
rejects when the pilot units drift from the comparison units along a straight line of slope
``slope`` per period (zero at the reference period); ``slope_for_power`` inverts it.

The test is the event study's: ``F = b' V^-1 b / q`` on ``q`` leads, referred to ``F(q, d)``
(fixest ``wald()``; ``d = None``: chi-squared).  Under a trend ``delta_e = slope (e - r)`` the
leads are ``N(delta, V)``, so ``q F`` is non-central chi-squared (or ``F`` non-central F) with
non-centrality ``lambda = delta' V^-1 delta``.  An end bin that pools several event times
counts at the mean event time of the rows it pools (``EventTimeEstimate.mean_event``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.inference.distributions import chi2_isf, f_isf, ncf_sf, ncx2_sf
from pilot_eval.estimators.inference.roots import brentq


@dataclass(frozen=True)
class TrendPower:
    """The test's power against one linear trend."""

    slope: float
    power: float
    noncentrality: float
    restrictions: int
    alpha: float


def _inputs(vcov: np.ndarray, lead_times: Sequence[float], reference: float
            ) -> tuple[np.ndarray, float]:
    cov = np.asarray(vcov, dtype=float)
    times = np.asarray(lead_times, dtype=float) - float(reference)
    if cov.shape != (times.size, times.size) or times.size == 0:
        raise EstimatorConfigError(f"vcov must be {times.size} x {times.size} (one row per "
                                   f"lead) but is {cov.shape}")
    try:
        per_unit_slope = float(times @ np.linalg.solve(cov, times))
    except np.linalg.LinAlgError as error:
        raise EstimationError("the leads' covariance is singular: the pre-trend test's power "
                              "cannot be computed") from error
    return times, per_unit_slope


def _power(noncentrality: float, q: int, alpha: float, df_denominator: float | None) -> float:
    if df_denominator is None:
        return float(ncx2_sf(chi2_isf(alpha, q), q, noncentrality))
    critical = f_isf(alpha, q, df_denominator)
    return float(ncf_sf(critical, q, df_denominator, noncentrality))


def linear_trend_power(vcov: np.ndarray, lead_times: Sequence[float], *, slope: float,
                       reference: float = -1.0, alpha: float = 0.05,
                       df_denominator: float | None = None) -> TrendPower:
    """Power of the joint test of the leads against the trend ``slope * (e - reference)``.

    Parameters
    ----------
    vcov
        Covariance of the lead coefficients (``q x q``).
    lead_times
        Event time of each lead (the mean pooled event time for an end bin).
    slope
        The trend's slope per period (its sign does not matter).
    reference, alpha, df_denominator
        The normalised period, the test's size and its denominator degrees of freedom
        (``None``: chi-squared).
    """
    if not 0.0 < alpha < 1.0:
        raise EstimatorConfigError(f"alpha={alpha!r} must be between 0 and 1")
    _, per_unit_slope = _inputs(vcov, lead_times, reference)
    q = len(lead_times)
    noncentrality = slope * slope * per_unit_slope
    return TrendPower(float(abs(slope)), _power(noncentrality, q, alpha, df_denominator),
                      float(noncentrality), q, float(alpha))


def slope_for_power(vcov: np.ndarray, lead_times: Sequence[float], *, power: float = 0.8,
                    reference: float = -1.0, alpha: float = 0.05,
                    df_denominator: float | None = None) -> float:
    """The smallest slope the test detects with probability ``power`` (``pretrends``'s
    ``slope_for_power``, for the joint test)."""
    if not alpha < power < 1.0:
        raise EstimatorConfigError(f"power={power!r} must be above alpha ({alpha}) and below 1")
    _, per_unit_slope = _inputs(vcov, lead_times, reference)
    q = len(lead_times)
    top = 1.0
    while _power(top, q, alpha, df_denominator) < power:
        top *= 2.0
    noncentrality = brentq(
        lambda lam: _power(lam, q, alpha, df_denominator) - power, 0.0, top, xtol=1e-12)
    return float(np.sqrt(noncentrality / per_unit_slope))
