"""Inference for event-study coefficients: vectorised t intervals, the pre-trend F test and
the average of post-period effects (shared by ``EventStudy`` and ``SunAbraham``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pilot_eval.estimators.did.twfe import TwoWayFit
from pilot_eval.estimators.inference import variance
from pilot_eval.estimators.inference.distributions import f_sf
from pilot_eval.estimators.unavailable import Unavailable


@dataclass(frozen=True)
class WaldTest:
    """Joint test that the coefficients are zero: ``F = b' V^-1 b / q`` on ``(q, df)``."""

    statistic: float | Unavailable
    df: int
    df_denominator: int
    p_value: float | Unavailable


def wald_test(coef: np.ndarray, covariance: variance.Covariance, index: list[int], *,
              df_denominator: int) -> WaldTest:
    """F test that ``coef[index]`` are all zero: ``F = b' V^-1 b / q`` on ``(q, df_denominator)``.

    fixest's ``wald()`` convention: the statistic uses the model's (clustered) covariance and
    the denominator df is ``nobs - nparams`` (every slope and fixed-effect parameter counted),
    whatever the variance type.  (pyfixest's ``wald_test`` has the same statistic but uses
    ``G - 1`` df with clusters.)
    """
    q = len(index)
    if q == 0:
        reason = "no pre-period (lead) coefficients to test"
        return WaldTest(Unavailable(reason), 0, df_denominator, Unavailable(reason))
    if isinstance(covariance.matrix, Unavailable):
        return WaldTest(covariance.matrix, q, df_denominator, covariance.matrix)
    b = coef[index]
    v = covariance.matrix[np.ix_(index, index)]
    try:
        w = float(b @ np.linalg.solve(v, b))
    except np.linalg.LinAlgError:
        reason = "the covariance of the lead coefficients is singular"
        return WaldTest(Unavailable(reason), q, df_denominator, Unavailable(reason))
    if df_denominator <= 0:
        reason = "no residual degrees of freedom"
        return WaldTest(w / q, q, df_denominator, Unavailable(reason))
    return WaldTest(w / q, q, df_denominator, float(f_sf(w / q, q, df_denominator)))


def residual_df(fit: TwoWayFit) -> int:
    """fixest's ``nobs - nparams``: rows minus slopes minus fixed-effect parameters."""
    return int(fit.n_obs - len(fit.names) - fit.fixed_effect_params)


def average_effect(coef: np.ndarray, covariance: variance.Covariance, index: list[int],
                   level: float) -> tuple[float, variance.Inference]:
    """Equal-weight average of ``coef[index]`` with its t inference."""
    weights = np.zeros(coef.shape[0])
    weights[index] = 1.0 / len(index)
    estimate = float(weights @ coef)
    if isinstance(covariance.matrix, Unavailable):
        missing = covariance.matrix
        return estimate, variance.Inference(missing, missing, missing, missing, missing)
    combined = variance.Covariance(np.atleast_2d(weights @ covariance.matrix @ weights),
                                   covariance.se_type, covariance.df, covariance.small_sample,
                                   covariance.n_params, covariance.n_clusters)
    return estimate, variance.t_inference(estimate, combined, 0, level)
