"""Small weighted least-squares helpers shared by the DiD estimators.

The normal equations are solved with a Cholesky factorisation of ``X'WX`` after checking for
collinear columns, so a rank problem reaches the caller as a list of column positions (which
the estimators turn into an ``EstimationError`` naming the column), never as a
``LinAlgError``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pilot_eval.estimators.errors import EstimationError
from scipy.linalg import LinAlgError, cho_factor, cho_solve

COLLINEARITY_TOLERANCE = 1e-10
"""A column is collinear when less than this share of its sum of squares is left after
projecting it on the columns before it."""


@dataclass(frozen=True)
class LeastSquares:
    """Weighted least-squares fit ``y = X b + e``.

    ``residuals`` are ``y - X b`` (not multiplied by the weights); ``bread`` is
    ``(X' W X)^-1``.
    """

    coef: np.ndarray
    residuals: np.ndarray
    bread: np.ndarray


def cross_products(matrix: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """``X' W X`` for a (n x k) matrix (``W`` = identity when ``weights`` is None).

    Long reductions use ``np.einsum`` rather than BLAS: on a busy machine, waking BLAS's
    worker threads for an n x k product cost more (tens of ms) than the product itself.
    """
    weighted = matrix if weights is None else matrix * weights[:, None]
    return np.einsum("ij,ik->jk", weighted, matrix)


def collinear_columns(xtx: np.ndarray, tolerance: float = COLLINEARITY_TOLERANCE) -> list[int]:
    """Positions of columns that are (numerically) linear combinations of earlier columns."""
    kept: list[int] = []
    dropped: list[int] = []
    for j in range(xtx.shape[0]):
        total = xtx[j, j]
        if total <= 0.0:
            dropped.append(j)
            continue
        if kept:
            block = xtx[np.ix_(kept, kept)]
            cross = xtx[kept, j]
            left = total - cross @ np.linalg.lstsq(block, cross, rcond=None)[0]
        else:
            left = total
        if left <= tolerance * total:
            dropped.append(j)
        else:
            kept.append(j)
    return dropped


def least_squares(matrix: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None
                  ) -> LeastSquares:
    """Solve the (weighted) normal equations; call ``collinear_columns`` first."""
    xtx = cross_products(matrix, weights)
    xty = np.einsum("ij,i->j", matrix if weights is None else matrix * weights[:, None], y)
    try:
        factor = cho_factor(xtx)
    except LinAlgError as exc:
        raise EstimationError(
            "the regressors are collinear (X'X is not positive definite); drop a covariate "
            "that repeats another or is constant within units"
        ) from exc
    coef = cho_solve(factor, xty)
    bread = cho_solve(factor, np.eye(xtx.shape[0]))
    residuals = y - np.einsum("ij,j->i", matrix, coef)
    return LeastSquares(coef, residuals, bread)


def centred_sums_of_squares(matrix: np.ndarray, weights: np.ndarray | None, *, centre: bool = True
                ) -> np.ndarray:
    """(Weighted) sum of squares of each column, around its (weighted) mean if ``centre``."""
    result = np.empty(matrix.shape[1])
    total = None if weights is None else float(weights.sum())
    for j in range(matrix.shape[1]):
        column = matrix[:, j]
        if centre:
            mean = (column.mean() if weights is None or total is None
                    else float(np.einsum("i,i->", weights, column)) / total)
            column = column - mean
        squared = column if weights is None else weights * column
        result[j] = np.einsum("i,i->", squared, column)
    return result
