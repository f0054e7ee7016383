"""iid, HC1 and CR1 covariance matrices with the fixest / Stata small-sample convention.

With ``N`` observations, ``K`` estimated parameters and ``G`` clusters:

* ``iid``: ``s^2 (X'WX)^-1`` with ``s^2 = sum(w e^2) / (N - K)``; t with ``N - K`` df.
* ``hc1``: ``N/(N - K) * B (sum w^2 e^2 x x') B``; t with ``N - K`` df.
* ``cluster`` (CR1): ``G/(G - 1) * (N - 1)/(N - K) * B (sum_g s_g s_g') B`` with cluster
  scores ``s_g = sum_{i in g} w_i e_i x_i``; t with ``G - 1`` df.

``K`` counts the slope coefficients plus the fixed-effect parameters; for ``cluster`` the
fixed effects nested in the cluster variable are not counted, except one parameter for each
(fixest ``ssc(fixef.K = "nested")``, Stata ``xtreg, fe vce(cluster)``).  The callers work
out ``K``; this module only applies the formulas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pilot_eval.estimators.inference.distributions import t_ppf, t_sf
from pilot_eval.estimators.inference.fixed_effects import Codes, is_nested
from pilot_eval.estimators.unavailable import Unavailable


def fitted_params(n_slopes: int, fe_params: int, unit: Codes, period: Codes,
                  cluster: Codes | None) -> int:
    """``K`` of the small-sample factor (fixest ``fixef.K = "nested"``).

    All fixed-effect parameters count for iid and HC1.  With clusters, a fixed effect nested
    in the cluster variable loses its ``levels - 1`` parameters (it is then counted like an
    intercept); on Grunfeld this gives ``K = 1 + 20`` and fixest's 0.06328129.
    """
    k = n_slopes + fe_params
    if cluster is not None:
        for codes in (unit, period):
            if is_nested(codes, cluster):
                k -= codes.n_levels - 1
    return k


@dataclass(frozen=True)
class Covariance:
    """A covariance matrix and the facts needed to describe and use it.

    ``matrix`` is ``Unavailable`` (with the reason) when it cannot be computed.
    """

    matrix: np.ndarray | Unavailable
    se_type: str
    df: int
    small_sample: float | Unavailable
    n_params: int
    n_clusters: int | None = None


def iid(bread: np.ndarray, residuals: np.ndarray, weights: np.ndarray | None, *,
        n_params: int) -> Covariance:
    """Homoskedastic covariance ``s^2 (X'WX)^-1``."""
    n = residuals.shape[0]
    df = n - n_params
    if df <= 0:
        reason = f"no residual degrees of freedom ({n} observations, {n_params} parameters)"
        return Covariance(Unavailable(reason), "iid", max(df, 0), Unavailable(reason), n_params)
    factor = residuals if weights is None else weights * residuals
    sigma2 = float(np.einsum("i,i->", factor, residuals)) / df
    return Covariance(sigma2 * bread, "iid", df, 1.0, n_params)


def hc1(matrix: np.ndarray, bread: np.ndarray, residuals: np.ndarray,
        weights: np.ndarray | None, *, n_params: int) -> Covariance:
    """Heteroskedasticity-robust covariance with the ``N/(N-K)`` factor."""
    n = residuals.shape[0]
    df = n - n_params
    if df <= 0:
        reason = f"no residual degrees of freedom ({n} observations, {n_params} parameters)"
        return Covariance(Unavailable(reason), "hc1", max(df, 0), Unavailable(reason), n_params)
    factor = residuals if weights is None else weights * residuals
    scores = matrix * factor[:, None]
    meat = np.einsum("ij,ik->jk", scores, scores)  # no BLAS threads for a long reduction
    small = n / df
    return Covariance(small * (bread @ meat @ bread), "hc1", df, small, n_params)


def cluster_scores(matrix: np.ndarray, factor: np.ndarray, codes: np.ndarray,
                   n_clusters: int) -> np.ndarray:
    """Per-cluster sums of ``x_i * factor_i`` (G x k), by ``np.bincount``."""
    return np.column_stack([
        np.bincount(codes, matrix[:, j] * factor, n_clusters) for j in range(matrix.shape[1])
    ])


def cr1(matrix: np.ndarray, bread: np.ndarray, residuals: np.ndarray,
        weights: np.ndarray | None, codes: np.ndarray, n_clusters: int, *,
        n_params: int) -> Covariance:
    """Cluster-robust CR1 covariance with ``G/(G-1) * (N-1)/(N-K)``; t with ``G-1`` df."""
    n = residuals.shape[0]
    if n_clusters < 2:
        reason = (f"cluster-robust standard errors need at least 2 clusters; the data has "
                  f"{n_clusters}")
        return Covariance(Unavailable(reason), "cluster", 0, Unavailable(reason), n_params,
                          n_clusters)
    if n - n_params <= 0:
        reason = f"no residual degrees of freedom ({n} observations, {n_params} parameters)"
        return Covariance(Unavailable(reason), "cluster", n_clusters - 1, Unavailable(reason),
                          n_params, n_clusters)
    factor = residuals if weights is None else weights * residuals
    scores = cluster_scores(matrix, factor, codes, n_clusters)
    meat = np.einsum("ij,ik->jk", scores, scores)
    small = n_clusters / (n_clusters - 1) * (n - 1) / (n - n_params)
    return Covariance(small * (bread @ meat @ bread), "cluster", n_clusters - 1, small,
                      n_params, n_clusters)


@dataclass(frozen=True)
class Inference:
    """Standard error, t statistic, two-sided p-value and confidence interval of one estimate."""

    se: float | Unavailable
    t_stat: float | Unavailable
    p_value: float | Unavailable
    ci_low: float | Unavailable
    ci_high: float | Unavailable


def t_inference(estimate: float, covariance: Covariance, index: int, level: float) -> Inference:
    """t-based inference for coefficient ``index`` with the covariance's degrees of freedom."""
    matrix = covariance.matrix
    if isinstance(matrix, Unavailable):
        return Inference(matrix, matrix, matrix, matrix, matrix)
    variance = float(matrix[index, index])
    if not np.isfinite(variance) or variance <= 0.0:
        missing = Unavailable(f"the estimated variance is {variance!r} (not positive)")
        return Inference(missing, missing, missing, missing, missing)
    se = float(np.sqrt(variance))
    t_stat = estimate / se
    df = covariance.df
    p_value = float(2.0 * t_sf(abs(t_stat), df))
    half = float(t_ppf(0.5 + level / 2.0, df)) * se
    return Inference(se, t_stat, p_value, estimate - half, estimate + half)


def coefficient_inference(coef: np.ndarray, covariance: Covariance,
                          level: float) -> list[Inference]:
    """``t_inference`` for every coefficient at once (one vectorised scipy call)."""
    n = coef.shape[0]
    if isinstance(covariance.matrix, Unavailable):
        missing = covariance.matrix
        return [Inference(missing, missing, missing, missing, missing)] * n
    var = np.diag(covariance.matrix).astype(float)
    good = np.isfinite(var) & (var > 0.0)
    se = np.sqrt(np.where(good, var, 1.0))
    t_stat = coef / se
    p_value = np.asarray(2.0 * t_sf(np.abs(t_stat), covariance.df))
    half = np.asarray(se * float(t_ppf(0.5 + level / 2.0, covariance.df)))
    out = []
    for j in range(n):
        if not good[j]:
            missing = Unavailable(f"the estimated variance is {float(var[j])!r} (not positive)")
            out.append(Inference(missing, missing, missing, missing, missing))
        else:
            out.append(Inference(float(se[j]), float(t_stat[j]), float(p_value[j]),
                                  float(coef[j] - half[j]), float(coef[j] + half[j])))
    return out


def describe(cov: Covariance, cluster_name: str | None = None, *,
             fixed_effects: bool = True) -> str:
    """A plain sentence naming the variance estimator, its small-sample factor and the df."""
    k_note = " (fixed effects counted in K)" if fixed_effects else ""
    if cov.se_type == "iid":
        text = f"classical (iid) standard errors{k_note}"
    elif cov.se_type == "hc1":
        text = f"HC1 heteroskedasticity-robust, factor N/(N-K){k_note}"
    else:
        by = f" by {cluster_name}" if cluster_name else ""
        count = f", {cov.n_clusters} clusters" if cov.n_clusters is not None else ""
        text = f"CR1 cluster-robust{by} (fixest/Stata small-sample factor{count})"
    return f"{text}, t with {cov.df} df"
