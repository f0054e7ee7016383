"""The smoothness bound at ``M = 0``: the effect allowing any linear pre-trend to continue.

Under Rambachan & Roth's smoothness restriction ``Delta^SD(M)`` with ``M = 0`` the violation of
parallel trends is a straight line through the reference period, ``delta_t = s t``, of unknown
slope ``s``.  The optimal fixed-length confidence interval (HonestDiD's FLCI) then has no bias
to allow for: it is the minimum-variance affine estimator ``v' beta`` with post-period weights
``l`` that is blind to linear trends (``v' t = 0``), plus or minus ``z_{1-alpha/2}`` standard
deviations.  That estimator has a closed form, so this module gives the same interval as
``smoothness_bounds(..., m_grid=(0,))`` (checked to 1e-6 in the tests) without the FLCI's grid
search, which grows quickly with the number of event times (12 leads and 12 lags take
seconds, where this takes microseconds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pilot_eval.estimators.did.honest.bounds import _check
from pilot_eval.estimators.did.honest.flci import event_times
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.inference.distributions import norm_ppf


@dataclass(frozen=True)
class LinearTrendInterval:
    """``l' tau_post`` robust to a linear pre-trend: estimate, standard deviation, interval.

    ``weights`` are ``v`` over ``(pre..., post...)`` (the pre-period part extrapolates the
    trend; the post-period part is ``l``); ``level`` is the interval's coverage.
    """

    estimate: float
    sd: float
    low: float
    high: float
    level: float
    weights: tuple[float, ...]

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0.0 or self.high < 0.0

    def to_dict(self) -> dict[str, object]:
        return {"estimate": self.estimate, "sd": self.sd, "lb": self.low, "ub": self.high,
                "level": self.level, "excludes_zero": self.excludes_zero,
                "restriction": "smoothness, M = 0 (any linear pre-trend continues)"}


def linear_trend_interval(beta: np.ndarray, sigma: np.ndarray, *, n_pre: int,
                          l_vec: np.ndarray | None = None,
                          alpha: float = 0.05) -> LinearTrendInterval:
    """The ``Delta^SD(0)`` interval for ``l' tau_post`` (HonestDiD FLCI at ``M = 0``).

    Parameters
    ----------
    beta, sigma
        Event-study coefficients ``(pre..., post...)`` without the reference (``-1``), and
        their covariance.
    n_pre
        Number of pre-period coefficients (at least one).
    l_vec
        Weights on the post-period effects (default: the first post period).
    alpha
        One minus the coverage.

    Notes
    -----
    With ``Sigma = [[A, B], [B', C]]`` (pre, post blocks) and ``t`` the coefficients' times
    relative to the reference, the pre-period weights minimise ``w'Aw + 2 w'Bl`` subject to
    ``w' t_pre = -l' t_post``: ``w = A^-1 (a lam - B l)`` with ``a = t_pre`` and
    ``lam = (-l' t_post + a' A^-1 B l) / (a' A^-1 a)``.
    """
    beta, sigma, l_vec = _check(beta, sigma, n_pre, l_vec)
    n_post = beta.size - n_pre
    times = event_times(n_pre, n_post)
    a, post_times = times[:n_pre], times[n_pre:]
    pre_block = sigma[:n_pre, :n_pre]
    cross = sigma[:n_pre, n_pre:] @ l_vec
    try:
        solve_a = np.linalg.solve(pre_block, a)
        solve_cross = np.linalg.solve(pre_block, cross)
    except np.linalg.LinAlgError as error:
        raise EstimationError("the pre-period coefficients' covariance is singular, so a "
                              "linear pre-trend cannot be estimated") from error
    lam = (-(l_vec @ post_times) + a @ solve_cross) / (a @ solve_a)
    weights = np.concatenate([solve_a * lam - solve_cross, l_vec])
    estimate = float(weights @ beta)
    sd = float(np.sqrt(max(weights @ sigma @ weights, 0.0)))
    half = float(norm_ppf(1.0 - alpha / 2.0)) * sd
    return LinearTrendInterval(estimate, sd, estimate - half, estimate + half, 1.0 - alpha,
                               tuple(float(v) for v in weights))
