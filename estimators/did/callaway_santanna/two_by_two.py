"""Two-group, two-period DiD estimators for panel data, each with its influence function.

These are the building blocks of Callaway & Sant'Anna: every ATT(g,t) is one of them, applied to
the units of cohort ``g`` (``treated == 1``) and its comparison units, with the outcome change
``delta_y = Y_t - Y_base``.  They follow Sant'Anna & Zhao (2020) as implemented in R ``DRDID``
(``reg_did_panel``, ``std_ipw_did_panel``, ``drdid_panel``), which R ``did::att_gt`` calls:

* ``reg``: outcome regression (Heckman, Ichimura & Todd 1997): OLS of ``delta_y`` on the
  covariates among comparison units, the averaged prediction over the treated is subtracted;
* ``ipw``: inverse probability weighting with a logit propensity score and Hajek-normalised
  (standardised) weights (Abadie 2005);
* ``dr``: the locally efficient doubly robust estimator (logit propensity score + OLS outcome
  regression), ``DRDID::drdid_panel`` -- the default of ``did::att_gt``.

Every function returns a ``TwoByTwo``: the estimate and the influence function over the units it
was given (mean zero; ``sum(psi**2) / n**2`` is the variance).  Propensity scores are capped at
``1 - 1e-6`` and comparison units with a score of at least ``TRIM_LEVEL`` get weight zero, as in
``DRDID`` 1.2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TRIM_LEVEL = 0.995  # DRDID's default trim.level for comparison units' propensity scores
PS_CAP = 1.0 - 1e-6  # DRDID: pmin(ps, 1 - 1e-6) avoids dividing by zero
LOGIT_TOLERANCE = 1e-12
LOGIT_MAX_ITERATIONS = 100
COLLINEAR = 1e-10  # smallest eigenvalue of the scaled X'X below which covariates are collinear


# Tall-and-skinny products (n units x k covariates) go through einsum, not BLAS: on a busy
# shared machine a threaded BLAS call on an n x 1 matrix can take 100x longer than the
# arithmetic (measured 28 ms vs 0.2 ms for n = 30,000 with the load of other processes).


def xtwx(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``X' diag(w) X`` (k x k)."""
    return np.einsum("ij,i,ik->jk", x, w, x)


def xtv(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``X' v`` (k)."""
    return np.einsum("ij,i->j", x, v)


def xb(x: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``X b`` for an n x k matrix and a k-vector (or k x m matrix)."""
    return np.einsum("ij,j->i", x, b) if b.ndim == 1 else np.einsum("ij,jk->ik", x, b)


def column_means(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``mean_i(w_i * x_i)`` (k)."""
    return xtv(x, w) / len(w)


def collinear(x: np.ndarray) -> bool:
    """True when the columns of ``x`` are (numerically) linearly dependent."""
    xtx = xtwx(x, np.ones(len(x)))
    scale = np.sqrt(np.diag(xtx))
    if np.any(scale == 0):
        return True
    return float(np.linalg.eigvalsh(xtx / np.outer(scale, scale))[0]) < COLLINEAR


@dataclass(frozen=True)
class TwoByTwo:
    """One 2x2 DiD estimate with its influence function (one value per unit given)."""

    estimate: float
    influence: np.ndarray


@dataclass(frozen=True)
class LogitFit:
    """Propensity score fitted by maximum likelihood (Newton-Raphson)."""

    coefficients: np.ndarray
    fitted: np.ndarray
    converged: bool
    iterations: int


def logit_newton(x: np.ndarray, d: np.ndarray) -> LogitFit:
    """Logit of ``d`` (0/1) on ``x`` by Newton-Raphson with step halving.

    With an intercept only the maximum is ``log(p / (1 - p))`` and Newton's first step from
    there is zero, so that case costs one pass.
    """
    k = x.shape[1]
    beta = np.zeros(k)
    share = float(d.mean())
    if 0.0 < share < 1.0 and np.allclose(x[:, 0], 1.0):
        beta[0] = np.log(share / (1.0 - share))

    def loglik(b: np.ndarray) -> float:
        eta = xb(x, b)
        return float(np.sum(d * eta - np.logaddexp(0.0, eta)))

    current = loglik(beta)
    for iteration in range(1, LOGIT_MAX_ITERATIONS + 1):
        p = 1.0 / (1.0 + np.exp(-xb(x, beta)))
        gradient = xtv(x, d - p)
        hessian = xtwx(x, p * (1.0 - p))
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            return LogitFit(beta, p, False, iteration)
        scale = 1.0
        while scale > 1e-8:
            candidate = beta + scale * step
            value = loglik(candidate)
            if value >= current - 1e-12:
                break
            scale /= 2.0
        beta, current = candidate, value
        if np.max(np.abs(scale * step)) < LOGIT_TOLERANCE:
            p = 1.0 / (1.0 + np.exp(-xb(x, beta)))
            return LogitFit(beta, p, True, iteration)
    p = 1.0 / (1.0 + np.exp(-xb(x, beta)))
    return LogitFit(beta, p, False, LOGIT_MAX_ITERATIONS)


def control_ols(x: np.ndarray, delta_y: np.ndarray, treated: np.ndarray) -> np.ndarray:
    """OLS coefficients of ``delta_y`` on ``x`` among comparison units (``treated == 0``)."""
    weights = 1.0 - treated
    return np.linalg.solve(xtwx(x, weights), xtv(x, weights * delta_y))


def ols_linear_representation(
    x: np.ndarray, delta_y: np.ndarray, treated: np.ndarray, fitted: np.ndarray
) -> np.ndarray:
    """Asymptotic linear representation (n x k) of the comparison-group OLS coefficients."""
    n = len(treated)
    weights = 1.0 - treated
    xpx = xtwx(x, weights) / n
    scores = x * (weights * (delta_y - fitted))[:, None]
    return xb(scores, np.linalg.inv(xpx))


def logit_linear_representation(x: np.ndarray, treated: np.ndarray, ps: np.ndarray) -> np.ndarray:
    """Asymptotic linear representation (n x k) of the logit coefficients."""
    n = len(treated)
    w = ps * (1.0 - ps)
    hessian_inverse = np.linalg.inv(xtwx(x, w)) * n
    return xb(x * (treated - ps)[:, None], hessian_inverse)


def trimmed_scores(x: np.ndarray, treated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Capped propensity scores and the 0/1 trimming indicator of ``DRDID``."""
    ps = np.minimum(logit_newton(x, treated).fitted, PS_CAP)
    keep = np.where(treated == 1, 1.0, (ps < TRIM_LEVEL).astype(float))
    return ps, keep


def reg_did_panel(delta_y: np.ndarray, treated: np.ndarray, x: np.ndarray) -> TwoByTwo:
    """Outcome-regression DiD: ATT = mean_treated(dY) - mean_treated(X'beta_control)."""
    fitted = xb(x, control_ols(x, delta_y, treated))
    w_treat = treated
    mean_w = w_treat.mean()
    eta_treat = np.mean(w_treat * delta_y) / mean_w
    eta_cont = np.mean(w_treat * fitted) / mean_w
    alr_ols = ols_linear_representation(x, delta_y, treated, fitted)
    inf_treat = (w_treat * delta_y - w_treat * eta_treat) / mean_w
    m1 = column_means(x, w_treat)
    inf_cont = (w_treat * fitted - w_treat * eta_cont + xb(alr_ols, m1)) / mean_w
    return TwoByTwo(float(eta_treat - eta_cont), inf_treat - inf_cont)


def ipw_did_panel(delta_y: np.ndarray, treated: np.ndarray, x: np.ndarray) -> TwoByTwo:
    """Standardised (Hajek) IPW DiD with a logit propensity score."""
    ps, keep = trimmed_scores(x, treated)
    w_treat = keep * treated
    w_cont = keep * ps * (1.0 - treated) / (1.0 - ps)
    eta_treat = np.mean(w_treat * delta_y) / w_treat.mean()
    eta_cont = np.mean(w_cont * delta_y) / w_cont.mean()
    alr_ps = logit_linear_representation(x, treated, ps)
    inf_treat = (w_treat * delta_y - w_treat * eta_treat) / w_treat.mean()
    m2 = column_means(x, w_cont * (delta_y - eta_cont))
    inf_cont = (w_cont * delta_y - w_cont * eta_cont + xb(alr_ps, m2)) / w_cont.mean()
    return TwoByTwo(float(eta_treat - eta_cont), inf_treat - inf_cont)


def dr_did_panel(delta_y: np.ndarray, treated: np.ndarray, x: np.ndarray) -> TwoByTwo:
    """Locally efficient doubly robust DiD (``DRDID::drdid_panel``)."""
    ps, keep = trimmed_scores(x, treated)
    fitted = xb(x, control_ols(x, delta_y, treated))
    residual = delta_y - fitted
    w_treat = keep * treated
    w_cont = keep * ps * (1.0 - treated) / (1.0 - ps)
    eta_treat = np.mean(w_treat * residual) / w_treat.mean()
    eta_cont = np.mean(w_cont * residual) / w_cont.mean()
    alr_ols = ols_linear_representation(x, delta_y, treated, fitted)
    alr_ps = logit_linear_representation(x, treated, ps)
    m1 = column_means(x, w_treat)
    inf_treat = (w_treat * residual - w_treat * eta_treat - xb(alr_ols, m1)) / w_treat.mean()
    m2 = column_means(x, w_cont * (residual - eta_cont))
    m3 = column_means(x, w_cont)
    inf_cont = (w_cont * residual - w_cont * eta_cont + xb(alr_ps, m2) - xb(alr_ols, m3))
    inf_cont = inf_cont / w_cont.mean()
    return TwoByTwo(float(eta_treat - eta_cont), inf_treat - inf_cont)


ESTIMATORS = {"reg": reg_did_panel, "ipw": ipw_did_panel, "dr": dr_did_panel}


def difference_in_means(delta_y: np.ndarray, treated: np.ndarray) -> TwoByTwo:
    """``reg``, ``ipw`` and ``dr`` without covariates (the design is an intercept alone).

    The propensity score is then the treated share ``p`` and the outcome regression the
    comparison mean, so all three reduce to ``mean(dY | treated) - mean(dY | comparison)``
    with influence ``n D (dY - m1) / n1 - n (1 - D)(dY - m0) / n0`` -- no logit or regression
    is fitted. Valid while no comparison unit is trimmed (``p < TRIM_LEVEL``); callers use the
    general estimators otherwise.
    """
    n = delta_y.size
    comparison = 1.0 - treated
    n1, n0 = float(treated.sum()), float(comparison.sum())
    m1 = float(np.einsum("i,i->", treated, delta_y)) / n1
    m0 = float(np.einsum("i,i->", comparison, delta_y)) / n0
    influence = (n / n1) * treated * (delta_y - m1) - (n / n0) * comparison * (delta_y - m0)
    return TwoByTwo(m1 - m0, influence)


def overlap_problem(x: np.ndarray, treated: np.ndarray) -> str | None:
    """R ``did``'s pre-check for ``dr``/``ipw``: a fitted score of 0.999 or more breaks overlap."""
    if x.shape[1] == 1:
        share = float(treated.mean())
        return None if share < 0.999 else f"overlap violated: {share:.4f} of the units are treated"
    fit = logit_newton(x, treated)
    if float(fit.fitted.max()) >= 0.999:
        return "overlap violated: a propensity score of 0.999 or more"
    return None


def regression_problem(x: np.ndarray, treated: np.ndarray) -> str | None:
    """R ``did``'s pre-check for ``dr``/``reg``: the comparison units' X'X must be invertible."""
    if not np.any(treated == 0):
        return "no comparison units"
    if np.linalg.cond(xtwx(x, 1.0 - treated), 1) > 1.0 / np.finfo(float).eps:
        return "too few comparison units (or too little covariate variation) for the regression"
    return None
