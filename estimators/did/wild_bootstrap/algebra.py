"""Numeric core of the wild cluster bootstrap: regression setup, cluster sums, the bootstrap
maps, per-draw sums, p-values and test inversion.

The bootstrap t-statistics of all draws are computed at once from cluster-level sums, as in
Roodman, Nielsen, MacKinnon & Webb (2019, "Fast and wild"): with ``G`` clusters and ``B`` draws
everything per draw is a column of a ``G x B`` matrix product.  Every quantity is linear in the
null value ``beta0``, so the confidence interval (test inversion) costs ``O(B)`` per trial
value.  Fixed effects are handled exactly, as if their dummies were in the regression (the
way pyfixest's ``wildboottest()`` calls the ``wildboottest`` package): the bootstrap residuals
are projected off the unit and period effects through the small normal equations of the
effects, never through an ``n x G`` matrix.  The configuration and result live in
``wild_bootstrap.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import PanelColumns
from pilot_eval.estimators.did.design import key_missing, numeric_column, two_by_two_flags
from pilot_eval.estimators.did.twfe import check_design, fitted_params, panel_arrays
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.inference.fixed_effects import Codes, demean, factorize, fixed_effect_df
from pilot_eval.estimators.inference.ols import collinear_columns
from pilot_eval.estimators.unavailable import Unavailable
from scipy import sparse

TIE_TOLERANCE = 1e-9
"""A draw counts as at least as extreme when ``|t*| >= |t| (1 - TIE_TOLERANCE)``.  Under the
restricted bootstrap the draws ``v = +1`` and ``v = -1`` reproduce ``|t|`` exactly; they are
counted (the observed sample belongs to the bootstrap distribution, the conservative choice),
deliberately rather than by rounding luck."""
CI_TOLERANCE = 1e-10
"""Bisection stops when the bracket is narrower than this times the standard error (or
after ``MAX_BISECTIONS`` halvings, or when floating point cannot split it further)."""
MAX_BISECTIONS = 200
MAX_EXPANSIONS = 40
"""The interval search doubles its width at most this often (2^40 critical-value widths)
before calling that side unbounded."""
EIGEN_TOLERANCE = 1e-10
"""Eigenvalues of the period Schur complement below this (relative) are its null space."""
EXACT_FIT_TOLERANCE = 1e-10
"""Residuals whose norm is below this share of the (fixed-effect-free) outcome's norm are
rounding noise: the model fits exactly, the standard error is zero and no t-statistic exists.
Rounding after demeaning leaves about 1e-13 of the outcome's norm; real noise is far above."""

@dataclass(frozen=True)
class Regression:
    """The regression to bootstrap: column 0 of ``x`` is tested; fixed effects removed."""

    y: np.ndarray
    x: np.ndarray
    cluster: Codes
    unit: Codes | None  # None: no fixed effects (the 2x2 regression has its own dummies)
    period: Codes | None
    n_params: int  # K of the CR1 small-sample factor (fixest convention)
    n_treated_clusters: int  # clusters with at least one treated observation


@dataclass(frozen=True)
class Maps:
    """Per-cluster maps, each linear in the null value: numerator ``n0 - b0 n1`` and scores
    ``(J0 - b0 J1) v``; ``estimate``, ``se_raw`` (CR1 without small-sample factor)."""

    estimate: float
    se_raw: float
    n0: np.ndarray
    n1: np.ndarray
    j0: np.ndarray
    j1: np.ndarray
    residual_share: float = 1.0  # ||residuals|| / ||y||: 0 for an exact fit, NaN on overflow
    score_share: float = 1.0  # ||cluster scores|| / sum |c r|: 0 when they cancel in each


def untestable_reason(maps: Maps) -> str | None:
    """Why no t-statistic (so no p-value or interval) exists, or ``None`` when one does:
    a non-finite estimate or standard error (values near the float limits) or an exact fit."""
    finite = (np.isfinite(maps.estimate) and np.isfinite(maps.se_raw)
              and np.isfinite(maps.residual_share))
    if not finite:
        return ("the estimate or its standard error is not a finite number (outcome values "
                "near the limits of floating point overflow when squared); rescale the "
                "outcome, e.g. to thousands, or check it for wrong values")
    if maps.residual_share <= EXACT_FIT_TOLERANCE:
        return ("the model fits the outcome exactly (a constant outcome or perfectly additive "
                "unit and period effects), so the standard error is zero and no t-statistic, "
                "p-value or interval exists")
    if maps.se_raw == 0.0 or maps.score_share <= EXACT_FIT_TOLERANCE:
        return ("the residuals cancel within every cluster, so the clustered standard error "
                "is zero to floating-point precision (often one extreme value dominating the "
                "outcome) and no t-statistic, p-value or interval exists; check the outcome "
                "for wrong values")
    return None


@dataclass(frozen=True)
class DrawStats:
    """Per-draw sums: numerator ``N0 - b0 N1``; squared score norm ``a - 2 b0 b + b0^2 c``.

    ``ties`` marks the draws whose weights are equal in every cluster: under the restricted
    bootstrap they reproduce ``|t|`` exactly for every null value, so they are counted as ties
    by construction rather than through rounding (which fails for null values far away).
    """

    n0: np.ndarray
    n1: np.ndarray
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    ties: np.ndarray


def cross_product(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``left' right`` for tall, thin matrices without BLAS threads (numpy's own loop): on a
    busy machine threaded BLAS spends far longer synchronising than computing these."""
    return np.einsum("ij,ik->jk", left, right)


def cluster_sums(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Sums of each column of ``values`` (n x m) within each group: (n_groups x m)."""
    values = values.reshape(values.shape[0], -1)
    return np.column_stack([np.bincount(codes, values[:, j], n_groups)
                            for j in range(values.shape[1])])


def pair_sums(values: np.ndarray, first: Codes, cluster: Codes) -> np.ndarray:
    """Sums of ``values`` by (level of ``first``, cluster): an (n_levels x G) matrix."""
    cell = first.codes * cluster.n_levels + cluster.codes
    total = np.bincount(cell, values, first.n_levels * cluster.n_levels)
    return total.reshape(first.n_levels, cluster.n_levels)


@dataclass(frozen=True)
class EffectsCross:
    """Computes ``M[g, h] = <c 1_g, P_D (u 1_h)>`` for any ``u``, where ``P_D`` projects on
    the unit and period dummies: closed form for a balanced panel, else the effects' normal
    equations solved through their Schur complement on the periods (eigen-decomposed once)."""

    reg: Regression
    c_unit: np.ndarray  # sums of c by (unit, cluster)
    c_period: np.ndarray  # sums of c by (period, cluster)
    balanced: bool
    inv_unit: np.ndarray | None = None
    scaled: np.ndarray | sparse.csr_matrix | None = None  # diag(1/n_unit) x counts
    eig_vectors: np.ndarray | None = None
    eig_inverse: np.ndarray | None = None  # 1/eigenvalue, 0 on the null space

    def __call__(self, u: np.ndarray) -> np.ndarray:
        unit, period = fixed_effects(self.reg)
        cluster = self.reg.cluster
        r_unit, r_period = pair_sums(u, unit, cluster), pair_sums(u, period, cluster)
        if self.balanced:
            n = u.shape[0]
            return (cross_product(self.c_unit, r_unit) / period.n_levels
                    + cross_product(self.c_period, r_period) / unit.n_levels
                    - np.outer(self.c_unit.sum(axis=0), r_unit.sum(axis=0)) / n)
        assert (self.scaled is not None and self.eig_vectors is not None
                and self.eig_inverse is not None and self.inv_unit is not None)  # unbalanced
        rhs = r_period - self.scaled.T @ r_unit
        theta_period = self.eig_vectors @ (self.eig_inverse[:, None]
                                           * (self.eig_vectors.T @ rhs))
        theta_unit = self.inv_unit[:, None] * r_unit - self.scaled @ theta_period
        return (cross_product(self.c_unit, theta_unit)
                + cross_product(self.c_period, theta_period))


def fixed_effects(reg: Regression) -> tuple[Codes, Codes]:
    """The unit and period codes of a regression with fixed effects (TWFE)."""
    if reg.unit is None or reg.period is None:
        raise ValueError("this step needs the unit and period effects of a TWFE regression")
    return reg.unit, reg.period


def effects_cross(c: np.ndarray, reg: Regression) -> EffectsCross:
    """Prepare ``EffectsCross`` for the coefficient map ``c`` of ``reg``."""
    unit, period = fixed_effects(reg)
    cluster = reg.cluster
    c_unit, c_period = pair_sums(c, unit, cluster), pair_sums(c, period, cluster)
    n = unit.codes.size
    cells = unit.n_levels * period.n_levels
    if cells == n and np.all(np.bincount(unit.codes * period.n_levels + period.codes,
                                         minlength=cells) == 1):
        return EffectsCross(reg, c_unit, c_period, balanced=True)
    counts = sparse.csr_matrix((np.ones(n), (unit.codes, period.codes)),
                               shape=(unit.n_levels, period.n_levels))
    inv_unit = 1.0 / np.asarray(counts.sum(axis=1)).ravel()
    scaled = sparse.diags(inv_unit) @ counts
    schur = (np.diag(np.asarray(counts.sum(axis=0)).ravel())
             - (counts.T @ scaled).toarray())
    values, vectors = np.linalg.eigh(schur)
    keep = values > EIGEN_TOLERANCE * max(float(values.max()), 1.0)
    inverse = np.where(keep, 1.0 / np.where(keep, values, 1.0), 0.0)
    return EffectsCross(reg, c_unit, c_period, False, inv_unit, scaled, vectors, inverse)


def score_map(c: np.ndarray, u: np.ndarray, reg: Regression, h_map: np.ndarray,
              cross: EffectsCross | None) -> tuple[np.ndarray, np.ndarray]:
    """Numerator weights ``n_g = c_g'u_g`` and the score map ``J`` with ``s = J v``.

    ``s_g = c_g' M (u o v)_g`` where ``M`` removes the regressors and the fixed effects.
    """
    g = reg.cluster.n_levels
    numer = np.bincount(reg.cluster.codes, c * u, g)
    jmap = np.diag(numer) - h_map @ cluster_sums(reg.x * u[:, None], reg.cluster.codes, g).T
    if cross is not None:
        jmap -= cross(u)
    return numer, jmap


def bootstrap_maps(reg: Regression, *, impose_null: bool) -> Maps:
    """Coefficient, CR1 scale and the maps of the restricted (or unrestricted) bootstrap."""
    x, y = reg.x, reg.y
    gram = cross_product(x, x)
    if collinear_columns(gram):
        raise EstimationError(
            "the tested coefficient is not identified: after removing the other regressors "
            "(and fixed effects) the pilot indicator or a covariate has no variation left; drop "
            "the covariate that repeats another, or check the pilot start column")
    inverse = np.linalg.inv(gram)
    c = x @ inverse[:, 0]  # beta_hat = c'y (Frisch-Waugh-Lovell)
    estimate = float(c @ y)
    residuals = y - x @ (inverse @ cross_product(x, y[:, None])[:, 0])
    scores = np.bincount(reg.cluster.codes, c * residuals, reg.cluster.n_levels)
    with np.errstate(over="ignore", invalid="ignore"):
        se_raw = float(np.sqrt(scores @ scores))
        share = _norm_share(residuals, y)
        cancel = _score_share(c * residuals, reg.cluster)
    g = reg.cluster.n_levels
    h_map = cluster_sums(x * c[:, None], reg.cluster.codes, g) @ inverse
    cross = effects_cross(c, reg) if reg.unit is not None else None
    if impose_null:  # u(b0) = M_W (y - b0 x): W = the other regressors
        other = x[:, 1:]
        if other.shape[1]:
            solve = np.linalg.lstsq(other, np.column_stack([y, x[:, 0]]), rcond=None)[0]
            restricted = np.column_stack([y, x[:, 0]]) - other @ solve
        else:
            restricted = np.column_stack([y, x[:, 0]])
        n0, j0 = score_map(c, restricted[:, 0], reg, h_map, cross)
        n1, j1 = score_map(c, restricted[:, 1], reg, h_map, cross)
    else:
        n0, j0 = score_map(c, residuals, reg, h_map, cross)
        n1, j1 = np.zeros(g), np.zeros((g, g))
    return Maps(estimate, se_raw, n0, n1, j0, j1, share, cancel)


def _score_share(products: np.ndarray, cluster: Codes) -> float:
    """``||cluster sums of products|| / sum |products|`` (scaled, so no overflow): about
    1e-16 when the sums cancel to rounding, NaN when anything is not finite."""
    if not np.all(np.isfinite(products)):
        return float("nan")
    scale = float(np.max(np.abs(products), initial=0.0))
    if scale == 0.0:
        return 0.0
    scaled = products / scale
    sums = np.bincount(cluster.codes, scaled, cluster.n_levels)
    return float(np.linalg.norm(sums) / np.sum(np.abs(scaled)))


def _norm_share(residuals: np.ndarray, y: np.ndarray) -> float:
    """``||residuals|| / ||y||`` (scaled by the largest entry, so no overflow for finite
    values); 0.0 when ``y`` is all zeros, NaN when anything is not finite."""
    if not (np.all(np.isfinite(residuals)) and np.all(np.isfinite(y))):
        return float("nan")
    scale = float(np.max(np.abs(y), initial=0.0))
    if scale == 0.0:
        return 0.0
    return float(np.linalg.norm(residuals / scale) / np.linalg.norm(y / scale))


def bootstrap_t(maps: Maps, v: np.ndarray, beta0: float) -> np.ndarray:
    """Bootstrap t-statistics (without the common small-sample factor) for weights ``v``
    (G x B) under the null value ``beta0``."""
    numer = (maps.n0 - beta0 * maps.n1) @ v
    scores = (maps.j0 - beta0 * maps.j1) @ v
    with np.errstate(divide="ignore", invalid="ignore"):
        return numer / np.sqrt(np.einsum("gb,gb->b", scores, scores))


def draw_stats(maps: Maps, blocks: Iterator[np.ndarray], *, impose_null: bool) -> DrawStats:
    """The per-draw sums that give ``t*(b0)`` for any ``b0``, block by block of draws."""
    g = maps.n0.shape[0]
    stacked = np.vstack([maps.n0, maps.n1, maps.j0, maps.j1])  # one matrix product per block
    parts = []
    for v in blocks:
        product = stacked @ v
        p0, p1 = product[2:g + 2], product[g + 2:]
        ties = np.all(v == v[:1], axis=0) if impose_null else np.zeros(v.shape[1], bool)
        parts.append((product[0], product[1], np.einsum("gb,gb->b", p0, p0),
                      np.einsum("gb,gb->b", p0, p1), np.einsum("gb,gb->b", p1, p1), ties))
    return DrawStats(*(np.concatenate(column) for column in zip(*parts, strict=True)))


def p_value_at(draws: DrawStats, maps: Maps, beta0: float) -> float:
    """Symmetric bootstrap p-value ``P*(|t*| >= |t|)`` of ``H0: beta = beta0``.

    Raises ``EstimationError`` when no t-statistic exists (see ``untestable_reason``);
    ``WildClusterBootstrap.fit`` asks first and reports ``Unavailable`` instead.
    """
    if not (maps.se_raw > 0.0 and np.isfinite(maps.se_raw)):
        raise EstimationError(untestable_reason(maps) or "the standard error is zero")
    t_abs = abs(maps.estimate - beta0) / maps.se_raw
    if beta0 == 0.0:
        square = draws.a
    else:
        square = np.maximum(draws.a - 2.0 * beta0 * draws.b + beta0 * beta0 * draws.c, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_star = np.abs(draws.n0 - beta0 * draws.n1) / np.sqrt(square)
    return float(np.mean((t_star >= t_abs * (1.0 - TIE_TOLERANCE)) | draws.ties))


def invert(draws: DrawStats, maps: Maps, alpha: float, direction: float,
           width: float) -> float | Unavailable:
    """The CI bound on one side: where the p-value falls below ``alpha`` (bisection)."""
    inside, outside = maps.estimate, maps.estimate + direction * width
    for _ in range(MAX_EXPANSIONS):
        if p_value_at(draws, maps, outside) < alpha:
            break
        inside, outside = outside, maps.estimate + 2.0 * (outside - maps.estimate)
    else:
        return Unavailable("the bootstrap p-value never fell below the test level: the "
                           "interval is unbounded on this side")
    for _ in range(MAX_BISECTIONS):
        middle = 0.5 * (inside + outside)
        if abs(outside - inside) <= CI_TOLERANCE * maps.se_raw or middle in (inside, outside):
            break
        if p_value_at(draws, maps, middle) < alpha:
            outside = middle
        else:
            inside = middle
    return 0.5 * (inside + outside)


def treated_clusters(treated: np.ndarray, cluster: Codes) -> int:
    """Number of clusters with at least one treated observation."""
    return int(np.count_nonzero(np.bincount(cluster.codes, treated != 0, cluster.n_levels)))


def twfe_regression(frame: pd.DataFrame, columns: PanelColumns) -> tuple[Regression, str, int]:
    """Treatment (and covariates) on unit and period effects, partialled out by FWL."""
    arrays = panel_arrays(frame, columns, "cluster")
    check_design(arrays, columns)
    if arrays.weights is not None:
        raise EstimationError(
            "the wild cluster bootstrap does not support regression weights (neither does "
            "wildboottest); remove the weights role or use CR1 standard errors",
            column=columns.weights)
    stacked = np.asfortranarray(np.column_stack([arrays.y, arrays.regressors]))
    within = demean(stacked, arrays.unit, arrays.period)
    if not within.absorption.converged:
        raise EstimationError("removing the unit and period effects did not converge; the "
                              "bootstrap cannot be trusted on this panel")
    fe_params = (arrays.unit.n_levels + arrays.period.n_levels - 1
                 if within.absorption.method == "one-pass"
                 else fixed_effect_df(arrays.unit, arrays.period))
    if arrays.cluster is None:
        raise EstimationError("the wild cluster bootstrap needs clusters: give a cluster or "
                              "unit column")
    k = fitted_params(arrays.regressors.shape[1], fe_params, arrays.unit, arrays.period,
                      arrays.cluster)
    reg = Regression(within.matrix[:, 0].copy(), np.ascontiguousarray(within.matrix[:, 1:]),
                     arrays.cluster, arrays.unit, arrays.period, k,
                     treated_clusters(arrays.regressors[:, 0], arrays.cluster))
    return reg, arrays.cluster_name or "", arrays.n_dropped


def two_by_two_regression(frame: pd.DataFrame, columns: PanelColumns
                          ) -> tuple[Regression, str, int]:
    """``y = a + b G + c P + beta G*P (+ covariates)``, clustered by the cluster or unit."""
    cluster_name = columns.cluster or columns.unit
    if cluster_name is None:
        raise EstimationError("the wild cluster bootstrap needs a cluster (or unit) column")
    flags = two_by_two_flags(frame, columns)
    y = numeric_column(frame, columns.outcome, "outcome")
    covariates = [numeric_column(frame, c, "covariate") for c in columns.covariates]
    x = np.column_stack([flags.group * flags.post, np.ones_like(y), flags.group, flags.post,
                         *covariates])
    keep = ~(np.isnan(y) | np.isnan(x).any(axis=1) | key_missing(frame, cluster_name))
    cluster = factorize(frame[cluster_name].to_numpy()[keep])
    reg = Regression(y[keep], x[keep], cluster, None, None, x.shape[1],
                     treated_clusters(x[keep, 0], cluster))
    if np.linalg.matrix_rank(reg.x) < reg.x.shape[1]:
        raise EstimationError("the 2x2 regression is collinear: both groups need rows before "
                              "and after the pilot start (and covariates must vary)")
    return reg, cluster_name, int((~keep).sum())
