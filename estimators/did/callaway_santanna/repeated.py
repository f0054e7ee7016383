"""The locally efficient doubly robust DiD for rows that are not paired across periods.

R ``did::att_gt(allow_unbalanced_panel = TRUE)`` estimates each ATT(g,t) of an unbalanced panel
from every row observed in its two periods -- a unit seen only in one of them still counts --
with the repeated-cross-section estimator of Sant'Anna & Zhao (2020, section 3.2, the locally
efficient ``tau^{dr,lo}_rc``; R ``DRDID::drdid_rc``), and sums the rows' influence functions
within units, so that standard errors stay clustered at the unit.

``dr_did_rc(y, post, treated, x)`` returns a ``TwoByTwo`` whose influence function has one
value per row given (mean zero; ``sum(psi**2) / n**2`` is the variance).  Notation: ``D`` the
cohort indicator, ``T`` the later period, ``p(x)`` a logit propensity score (capped at
``1 - 1e-6``; comparison rows with ``p >= 0.995`` get weight 0, as ``DRDID``), ``mu_{d,t}(x)``
OLS fits of the outcome within each (D, T) cell.  Then

.. math::

    \\tau = \\bar\\eta^{D,1} - \\bar\\eta^{D,0} - (\\bar\\eta^{C,1} - \\bar\\eta^{C,0})
            + (\\bar\\eta^{d,1} - \\bar\\eta^{dT,1}) - (\\bar\\eta^{d,0} - \\bar\\eta^{dT,0})

with Hajek-normalised weighted means of ``Y - mu_{0,T}(X)`` among treated rows in each period
(``eta^{D,t}``) and among propensity-reweighted comparison rows (``eta^{C,t}``), and of
``mu_{1,t}(X) - mu_{0,t}(X)`` over all treated rows (``eta^{d,t}``) and over the treated rows of
period t (``eta^{dT,t}``).  The influence function adds the estimation effects of the four
regressions and of the propensity score.
"""

from __future__ import annotations

import numpy as np
from pilot_eval.estimators.did.callaway_santanna.two_by_two import (
    TwoByTwo,
    column_means,
    logit_linear_representation,
    trimmed_scores,
    xb,
    xtv,
    xtwx,
)


def _ols(x: np.ndarray, y: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fitted values over all rows of an OLS on ``rows`` (0/1), and its asymptotic linear
    representation (n x k: each row's contribution to the coefficients)."""
    n = len(y)
    xpx = xtwx(x, rows)
    beta = np.linalg.solve(xpx, xtv(x, rows * y))
    fitted = xb(x, beta)
    scores = x * (rows * (y - fitted))[:, None]
    return fitted, xb(scores, np.linalg.inv(xpx / n))


def _hajek(weights: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """``eta = w * v / mean(w)``, its mean, and its influence ``eta - w * mean / mean(w)``."""
    scale = weights.mean()
    eta = weights * values / scale
    mean = float(eta.mean())
    return eta, mean, eta - weights * mean / scale


def dr_did_rc(y: np.ndarray, post: np.ndarray, treated: np.ndarray,
              x: np.ndarray) -> TwoByTwo:
    """Locally efficient doubly robust DiD for repeated cross-sections (``DRDID::drdid_rc``).

    ``y``, ``post`` (0/1: the later period), ``treated`` (0/1: the cohort) are per row; ``x``
    is the n x k design with an intercept first.
    """
    d, t = treated, post
    ps, keep = trimmed_scores(x, d)
    fit_c0, alr_c0 = _ols(x, y, (1 - d) * (1 - t))
    fit_c1, alr_c1 = _ols(x, y, (1 - d) * t)
    fit_t0, alr_t0 = _ols(x, y, d * (1 - t))
    fit_t1, alr_t1 = _ols(x, y, d * t)
    fit_c = t * fit_c1 + (1 - t) * fit_c0
    odds = ps / (1.0 - ps)
    w_t0, w_t1 = keep * d * (1 - t), keep * d * t
    w_c0, w_c1 = keep * odds * (1 - d) * (1 - t), keep * odds * (1 - d) * t
    w_d = keep * d

    _, treat0, inf_treat0 = _hajek(w_t0, y - fit_c)
    _, treat1, inf_treat1 = _hajek(w_t1, y - fit_c)
    _, cont0, inf_cont0 = _hajek(w_c0, y - fit_c)
    _, cont1, inf_cont1 = _hajek(w_c1, y - fit_c)
    _, d_post, inf_eff1 = _hajek(w_d, fit_t1 - fit_c1)
    _, dt_post, inf_eff2 = _hajek(w_t1, fit_t1 - fit_c1)
    _, d_pre, inf_eff3 = _hajek(w_d, fit_t0 - fit_c0)
    _, dt_pre, inf_eff4 = _hajek(w_t0, fit_t0 - fit_c0)
    estimate = (treat1 - treat0) - (cont1 - cont0) + (d_post - dt_post) - (d_pre - dt_pre)

    # estimation effect of the comparison regressions on the treated terms
    m1_post = -column_means(x, w_t1 * t) / w_t1.mean()
    m1_pre = -column_means(x, w_t0 * (1 - t)) / w_t0.mean()
    inf_treat = inf_treat1 - inf_treat0 + xb(alr_c1, m1_post) + xb(alr_c0, m1_pre)
    # ... and of the propensity score and the comparison regressions on the comparison terms
    alr_ps = logit_linear_representation(x, d, ps)
    m2_pre = column_means(x, w_c0 * (y - fit_c - cont0)) / w_c0.mean()
    m2_post = column_means(x, w_c1 * (y - fit_c - cont1)) / w_c1.mean()
    m3_post = -column_means(x, w_c1 * t) / w_c1.mean()
    m3_pre = -column_means(x, w_c0 * (1 - t)) / w_c0.mean()
    inf_cont = (inf_cont1 - inf_cont0 + xb(alr_ps, m2_post - m2_pre)
                + xb(alr_c1, m3_post) + xb(alr_c0, m3_pre))
    # the local-efficiency terms and their regressions' estimation effects
    inf_eff = (inf_eff1 - inf_eff2) - (inf_eff3 - inf_eff4)
    mom_post = column_means(x, w_d / w_d.mean() - w_t1 / w_t1.mean())
    mom_pre = column_means(x, w_d / w_d.mean() - w_t0 / w_t0.mean())
    inf_or = xb(alr_t1 - alr_c1, mom_post) - xb(alr_t0 - alr_c0, mom_pre)
    return TwoByTwo(float(estimate), inf_treat - inf_cont + inf_eff + inf_or)
