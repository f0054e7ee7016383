"""Poisson regression with two absorbed fixed effects (as fixest's ``fepois``).

``poisson_two_way(y, x, unit, period, offset)`` maximises the Poisson likelihood of
``log E[y] = offset + a_unit + g_period + x'b`` by iteratively reweighted least squares. Each
step is the weighted least-squares fit of the working response on ``x`` and both sets of
dummies; by Frisch-Waugh-Lovell it is done on the working response and ``x`` with the
(``mu``-weighted) fixed effects projected out, so no dummy matrix is ever built.

The projection is exact (a direct solve, no iteration): with ``C`` the cell weights of the
larger effect against the smaller one, the smaller effect's coefficients solve the Schur
complement ``(diag(W_small) - C' diag(1 / W_large) C) g = ...``, a system of the size of the
smaller effect (months or teams, not team-months), by Cholesky with its first coefficient set
to zero (the effects are identified up to one constant in a connected panel). Panels that are
not connected, or whose cell matrix would be too large, fall back to weighted alternating
projections (``fixed_effects.demean``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pilot_eval.estimators.inference.fixed_effects import Codes, demean, fixed_effect_df
from scipy.linalg import cho_factor, cho_solve

MAX_ITERATIONS = 100
DEVIANCE_TOLERANCE = 1e-12  # relative change of the deviance at convergence
DIRECT_MAX_CELLS = 20_000_000
"""Largest (larger effect x smaller effect) cell matrix the direct projection builds."""


@dataclass(frozen=True)
class PoissonFit:
    """Coefficients of ``x``, fitted means, the bread of ``x`` and convergence.

    ``x_within`` is ``x`` with the ``mu``-weighted fixed effects projected out at the
    solution; ``bread`` is ``(x_within' diag(mu) x_within)^-1``, the ``x`` block of the
    inverse Hessian of the full model. The cluster scores of ``b`` are
    ``x_within * (y - mu)`` summed by cluster.
    """

    beta: np.ndarray
    mu: np.ndarray
    bread: np.ndarray
    x_within: np.ndarray
    deviance: float
    iterations: int
    converged: bool


class WeightedTwoWay:
    """Residuals of columns after a weighted least-squares fit on unit and period dummies."""

    def __init__(self, unit: Codes, period: Codes, weights: np.ndarray, *,
                 direct: bool = True) -> None:
        """``direct=False`` (a panel that is not connected) uses alternating projections."""
        self.unit, self.period, self.weights = unit, period, weights
        large, small = (unit, period) if unit.n_levels >= period.n_levels else (period, unit)
        self.large, self.small = large, small
        self.direct = direct and large.n_levels * small.n_levels <= DIRECT_MAX_CELLS
        if not self.direct:
            return
        cells = np.bincount(large.codes * small.n_levels + small.codes, weights,
                            large.n_levels * small.n_levels)
        self.cells = cells.reshape(large.n_levels, small.n_levels)
        self.large_totals = self.cells.sum(axis=1)
        self.scaled = self.cells / self.large_totals[:, None]
        schur = np.diag(self.cells.sum(axis=0)) - self.cells.T @ self.scaled
        self.factor = cho_factor(schur[1:, 1:]) if small.n_levels > 1 else None

    def residuals(self, columns: np.ndarray) -> np.ndarray:
        """``columns`` (n x k) less their weighted projection on both sets of dummies."""
        columns = np.asarray(columns, dtype=np.float64).reshape(columns.shape[0], -1)
        if not self.direct:
            return demean(np.array(columns, order="F"), self.unit, self.period,
                          weights=self.weights).matrix
        large, small = self.large, self.small
        out = np.empty_like(columns)
        for j in range(columns.shape[1]):
            weighted = columns[:, j] * self.weights
            large_sums = np.bincount(large.codes, weighted, large.n_levels)
            small_sums = np.bincount(small.codes, weighted, small.n_levels)
            g = np.zeros(small.n_levels)
            if self.factor is not None:
                rhs = small_sums - self.scaled.T @ large_sums
                g[1:] = cho_solve(self.factor, rhs[1:])
            a = (large_sums - self.cells @ g) / self.large_totals
            out[:, j] = columns[:, j] - a[large.codes] - g[small.codes]
        return out


def poisson_deviance(y: np.ndarray, mu: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(2.0 * np.sum(term - (y - mu)))


def poisson_two_way(y: np.ndarray, x: np.ndarray, unit: Codes, period: Codes,
                    offset: np.ndarray) -> PoissonFit:
    """Poisson maximum likelihood of ``y`` on ``x`` (n x p) with unit and period effects.

    Rows must have a positive total count in their unit and in their period (drop the others
    first: their effect is minus infinity). Starts from ``mu = y + mean(y) / 2`` and stops when
    the deviance changes by at most ``DEVIANCE_TOLERANCE`` relative to itself.
    """
    x = np.asarray(x, dtype=np.float64).reshape(y.size, -1)
    mu = y + 0.5 * (y.mean() if y.mean() > 0 else 1.0)
    eta = np.log(mu)
    deviance_old = np.inf
    beta = np.zeros(x.shape[1])
    converged, iteration = False, 0
    x_within = x
    connected = fixed_effect_df(unit, period) == unit.n_levels + period.n_levels - 1
    while iteration < MAX_ITERATIONS and not converged:
        iteration += 1
        z = eta - offset + (y - mu) / mu
        projector = WeightedTwoWay(unit, period, mu, direct=connected)
        within = projector.residuals(np.column_stack([z, x]))
        z_within, x_within = within[:, 0], within[:, 1:]
        weighted_x = x_within * mu[:, None]
        beta = np.linalg.solve(weighted_x.T @ x_within, weighted_x.T @ z_within)
        # fitted working response = z less the residual of the full weighted fit
        eta = z - (z_within - x_within @ beta) + offset
        mu = np.exp(eta)
        deviance = poisson_deviance(y, mu)
        converged = abs(deviance - deviance_old) <= DEVIANCE_TOLERANCE * (abs(deviance) + 0.1)
        deviance_old = deviance
    x_within = WeightedTwoWay(unit, period, mu, direct=connected).residuals(x)
    bread = np.linalg.inv((x_within * mu[:, None]).T @ x_within)
    return PoissonFit(beta, mu, bread, x_within, deviance_old, iteration, converged)


__all__ = ["PoissonFit", "WeightedTwoWay", "poisson_deviance", "poisson_two_way"]
