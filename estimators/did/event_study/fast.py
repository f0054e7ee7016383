"""The event-study regression on a balanced, unweighted panel without building the dummies.

Every regressor is a 0/1 event-time dummy and each row has at most one of them, so the
two-way within transform of the dummies has a closed form.  With ``N`` units, ``T`` periods,
``A`` (units x events) and ``B`` (periods x events) the counts of rows in each cell and
``n = A'1`` the rows per event time::

    X_w' X_w = diag(n) - A'A / T - B'B / N + n n' / (N T)
    X_w' y_w = X' y_w                       (the within transform is idempotent)

The residuals ``y_w - (X b)_w`` need one demeaned column, and cluster scores for clusters that
contain whole units are ``sum_{rows of i at e} u - sum_t (B[t, e] / N) u_it`` (the residuals
sum to zero within each unit).  The result is the same fit as ``twfe.fit_two_way`` on the
dummy matrix (checked in the tests), in the time of a few passes over the data.
"""

from __future__ import annotations

import numpy as np
from pilot_eval.estimators.did.twfe import FE_COLLINEARITY_TOLERANCE, TwoWayFit, fitted_params
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.inference import variance
from pilot_eval.estimators.inference.fixed_effects import (
    Absorption,
    Codes,
    demean_one_pass,
    is_nested,
)
from pilot_eval.estimators.inference.ols import collinear_columns
from pilot_eval.estimators.unavailable import Unavailable
from scipy.linalg import LinAlgError, cho_factor, cho_solve

BLOCK_ROWS = 128
"""Rows per block in the tall matrix products: small enough for the BLAS to run each block on
one thread.  A multi-threaded product of a 20,000 x 40 matrix took 2 ms typically but up to
1 s on a busy 2-core machine (threads waiting for a core); blocks take 2-15 ms."""


def gram(matrix: np.ndarray) -> np.ndarray:
    """``matrix' matrix`` summed over row blocks (see ``BLOCK_ROWS``)."""
    out = np.zeros((matrix.shape[1], matrix.shape[1]))
    for start in range(0, matrix.shape[0], BLOCK_ROWS):
        block = matrix[start:start + BLOCK_ROWS]
        out += block.T @ block
    return out


def blocked_product(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``left @ right`` computed by row blocks of ``left`` (see ``BLOCK_ROWS``)."""
    out = np.empty((left.shape[0], right.shape[1]))
    for start in range(0, left.shape[0], BLOCK_ROWS):
        out[start:start + BLOCK_ROWS] = left[start:start + BLOCK_ROWS] @ right
    return out


def applies(unit: Codes, period: Codes, weights: np.ndarray | None, se: str,
            cluster: Codes | None) -> bool:
    """True for a balanced unweighted panel with iid or cluster (whole-unit) variance."""
    if weights is not None or se == "hc1":
        return False
    if unit.codes.shape[0] != unit.n_levels * period.n_levels:
        return False
    cell = unit.codes * period.n_levels + period.codes
    if not np.all(np.bincount(cell, minlength=cell.size) == 1):
        return False
    return se == "iid" or cluster is None or is_nested(unit, cluster)


def cell_counts(codes: np.ndarray, groups: Codes, n_events: int) -> np.ndarray:
    """(groups x events) counts of rows with each event code (``-1`` rows ignored)."""
    flat = groups.codes * (n_events + 1) + (codes + 1)  # column 0 collects the -1 rows
    counts = np.bincount(flat, minlength=groups.n_levels * (n_events + 1))
    return counts.reshape(groups.n_levels, n_events + 1)[:, 1:].astype(np.float64)


def unit_gram(a: np.ndarray, codes: np.ndarray, unit: Codes, n_events: int,
              unit_groups: Codes | None) -> np.ndarray:
    """``A'A``; with ``unit_groups`` (units whose rows of ``A`` are equal, e.g. one pilot start
    in a balanced panel) it is ``sum_g C_g C_g' / n_g`` with ``C_g`` the group's column sums,
    which avoids a tall matrix product."""
    if unit_groups is None:
        return gram(a)
    row_groups = Codes(unit_groups.codes[unit.codes], unit_groups.n_levels,
                       unit_groups.labels)
    sums = cell_counts(codes, row_groups, n_events)
    sizes = np.bincount(unit_groups.codes, minlength=unit_groups.n_levels).astype(float)
    return (sums / sizes[:, None]).T @ sums


def fit_event_dummies(y: np.ndarray, codes: np.ndarray, n_events: int, unit: Codes,
                      period: Codes, *, names: tuple[str, ...], se: str,
                      cluster: Codes | None, unit_groups: Codes | None = None) -> TwoWayFit:
    """``fit_two_way`` of ``y`` on the dummies ``1[codes == j]`` (balanced, unweighted panel).

    ``unit_groups`` (optional) groups units with identical event-time rows (the same start).
    """
    n_units, n_periods, n = unit.n_levels, period.n_levels, y.shape[0]
    a = cell_counts(codes, unit, n_events)
    b = cell_counts(codes, period, n_events)
    n_e = a.sum(axis=0)
    a_gram = unit_gram(a, codes, unit, n_events, unit_groups)
    xtx = np.diag(n_e) - a_gram / n_periods - b.T @ b / n_units + np.outer(n_e, n_e) / n
    raw_ss = n_e - n_e * n_e / n
    for j in range(n_events):
        if raw_ss[j] <= 0.0 or xtx[j, j] <= FE_COLLINEARITY_TOLERANCE * raw_ss[j]:
            raise EstimationError(f"'{names[j]}' is collinear with the unit and period fixed "
                                  "effects; widen or bin the event window", column=names[j])
    dropped = collinear_columns(xtx)
    if dropped:
        raise EstimationError(f"'{names[dropped[0]]}' is a linear combination of the other "
                              "event-time dummies after removing the fixed effects",
                              column=names[dropped[0]])
    y_w = demean_one_pass(np.array(y, dtype=np.float64)[:, None], unit, period)[:, 0]
    xty = np.bincount(codes + 1, y_w, n_events + 1)[1:]
    try:
        factor = cho_factor(xtx)
    except LinAlgError as exc:
        raise EstimationError("the event-time dummies are collinear") from exc
    coef = cho_solve(factor, xty)
    bread = cho_solve(factor, np.eye(n_events))
    residuals = y_w - within_fitted(coef, codes, a, b, unit, period)
    fe_params = n_units + n_periods - 1
    if se == "iid":
        cov = variance.iid(bread, residuals, None,
                           n_params=fitted_params(n_events, fe_params, unit, period, None))
    else:
        cluster = unit if cluster is None else cluster
        scores = _unit_scores(residuals, codes, n_events, unit, period, b)
        if cluster is not unit:
            owner = np.zeros(n_units, dtype=np.intp)
            owner[unit.codes] = cluster.codes
            scores = np.column_stack([np.bincount(owner, scores[:, j], cluster.n_levels)
                                      for j in range(n_events)])
        cov = _cr1_from_scores(scores, bread, n, cluster.n_levels,
                               fitted_params(n_events, fe_params, unit, period, cluster))
    absorption = Absorption("one-pass", 1, True, 0.0, 1)
    return TwoWayFit(names, coef, cov, absorption, n, n_units, n_periods, fe_params)


def within_fitted(coef: np.ndarray, codes: np.ndarray, a: np.ndarray, b: np.ndarray,
                  unit: Codes, period: Codes) -> np.ndarray:
    """The two-way within transform of ``X coef`` from the cell counts (no group sums)."""
    n_units, n_periods = unit.n_levels, period.n_levels
    fitted = np.where(codes >= 0, coef[np.maximum(codes, 0)], 0.0)
    unit_mean = a @ coef / n_periods
    period_mean = b @ coef / n_units
    grand = float(a.sum(axis=0) @ coef) / (n_units * n_periods)
    fitted -= unit_mean[unit.codes]
    fitted -= period_mean[period.codes] - grand
    return fitted


def _unit_scores(residuals: np.ndarray, codes: np.ndarray, n_events: int, unit: Codes,
                 period: Codes, b: np.ndarray) -> np.ndarray:
    """(units x events) sums of ``x_w * u`` over each unit's rows."""
    flat = unit.codes * (n_events + 1) + (codes + 1)  # column 0 collects the -1 rows
    direct = np.bincount(flat, residuals, unit.n_levels * (n_events + 1))
    direct = direct.reshape(unit.n_levels, n_events + 1)[:, 1:]
    by_cell = np.zeros((unit.n_levels, period.n_levels))
    by_cell[unit.codes, period.codes] = residuals
    return direct - blocked_product(by_cell, b / unit.n_levels)


def _cr1_from_scores(scores: np.ndarray, bread: np.ndarray, n: int, n_clusters: int,
                     n_params: int) -> variance.Covariance:
    """CR1 with the fixest small-sample factor from cluster scores (as ``variance.cr1``)."""
    if n_clusters < 2:
        reason = (f"cluster-robust standard errors need at least 2 clusters; the data has "
                  f"{n_clusters}")
        return variance.Covariance(Unavailable(reason), "cluster", 0, Unavailable(reason),
                                   n_params, n_clusters)
    meat = gram(scores)
    small = n_clusters / (n_clusters - 1) * (n - 1) / (n - n_params)
    return variance.Covariance(small * (bread @ meat @ bread), "cluster", n_clusters - 1,
                               small, n_params, n_clusters)
