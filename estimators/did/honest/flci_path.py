"""The least-biased FLCI estimator at each standard deviation, exactly (active sets).

``flci.flci_candidates`` needs, for each ``h`` of HonestDiD's grid, the pre-period weights
``z`` minimising the worst-case bias ``||c + G z||_1`` subject to ``sd(z) <= h``.  In the
coordinates ``w = L'(z - z_low)`` (``L L'`` the covariance of the free weights, ``z_low`` the
minimum-variance weights) the constraint is the ball ``||w|| <= rho`` with
``rho^2 = h^2 - sd(z_low)^2`` and the bias is ``||r(w)||_1``, ``r(w) = c0 + H w``.

Between the grid's ends the ball constraint binds, and the solution is pinned down by which
residuals are zero (the set ``Z``) and the signs ``sigma`` of the others: it lies on the
affine set ``{r_Z(w) = 0}`` and minimises the linear ``sigma' r_N(w)`` on that set's sphere
of radius ``rho``, a closed form.  The Karush-Kuhn-Tucker conditions (signs of ``r_N`` as
guessed, multipliers of ``Z`` within ``[-1, 1]``) certify it as the optimum of this convex
problem.  The guess comes from the previous grid point and is corrected where a certificate
fails (a residual crossing zero joins ``Z``, a multiplier beyond one leaves it); when no
certificate is found in a few steps the grid point is solved by SLSQP, as before (its
solutions are accurate to about 1e-8; the closed forms to rounding).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

MAX_STEPS = 12
"""Active-set corrections tried at one grid point before falling back to SLSQP."""
SIGN_TOLERANCE = 1e-12
"""A residual of the wrong sign within this (relative to the residuals' scale) is zero."""
MULTIPLIER_TOLERANCE = 1e-9
"""Multipliers of the zero residuals may exceed one in size by this much (rounding)."""
RANK_TOLERANCE = 1e-12


def closed_form(h: np.ndarray, c0: np.ndarray, rho: float, zero: np.ndarray,
                signs: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(w, multipliers of the zero rows)`` for the active set ``(zero, signs)``, or
    ``None`` when it cannot hold (rows dependent, no freedom left, or the ball too small)."""
    k = h.shape[1]
    free = np.ones(h.shape[0], dtype=bool)
    free[zero] = False
    pull = h[free].T @ signs[free]  # gradient of sigma' r_N
    if zero.size:
        if zero.size >= k:
            return None
        h_z = h[zero]
        left, singular, right = np.linalg.svd(h_z)
        if singular[-1] <= RANK_TOLERANCE * singular[0]:
            return None
        w_z = -right[:zero.size].T @ ((left.T @ c0[zero]) / singular)
        null = right[zero.size:].T
    else:
        w_z, null = np.zeros(k), np.eye(k)
    direction = null.T @ pull
    room = rho * rho - float(w_z @ w_z)
    size = float(np.sqrt(direction @ direction))
    if room <= 0.0 or size <= RANK_TOLERANCE * max(1.0, float(np.abs(pull).max())):
        return None
    radius = float(np.sqrt(room))
    w = w_z - null @ (direction * (radius / size))
    if not zero.size:
        return w, np.zeros(0)
    mu = size / radius
    multipliers = np.linalg.lstsq(h[zero].T, -mu * w - pull, rcond=None)[0]
    return w, multipliers


def certified(h: np.ndarray, c0: np.ndarray, w: np.ndarray, zero: np.ndarray,
              signs: np.ndarray, multipliers: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """Rows that break the certificate: free rows with the wrong sign, zero rows whose
    multiplier exceeds one in size."""
    residual = c0 + h @ w
    scale = max(float(np.abs(c0).max()), float(np.abs(residual).max()), 1e-300)
    free = np.ones(h.shape[0], dtype=bool)
    free[zero] = False
    crossed = np.flatnonzero(free & (signs * residual < -SIGN_TOLERANCE * scale))
    leaving = zero[np.abs(multipliers) > 1.0 + MULTIPLIER_TOLERANCE]
    return crossed, leaving


def solve_ball(h: np.ndarray, c0: np.ndarray, rho: float, zero: np.ndarray,
               signs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Certified ``(w, zero, signs)`` at radius ``rho`` starting from a guessed active set."""
    zero, signs = np.sort(zero), signs.copy()
    for _ in range(MAX_STEPS):
        found = closed_form(h, c0, rho, zero, signs)
        if found is None:
            return None
        w, multipliers = found
        crossed, leaving = certified(h, c0, w, zero, signs, multipliers)
        if not crossed.size and not leaving.size:
            return w, zero, signs
        signs[leaving] = np.sign(multipliers[np.searchsorted(zero, leaving)])
        zero = np.sort(np.concatenate([np.setdiff1d(zero, leaving), crossed]))
    return None


def active_set(residual: np.ndarray, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """``(zero rows, signs)`` read from residuals: zero within ``tolerance`` of the largest."""
    scale = max(float(np.abs(residual).max()), 1e-300)
    zero = np.flatnonzero(np.abs(residual) <= tolerance * scale)
    return zero, np.where(residual < 0.0, -1.0, 1.0)


def least_bias_path(g: np.ndarray, c: np.ndarray, cov: np.ndarray, z_low: np.ndarray,
                    heights: np.ndarray,
                    fallback: Callable[[float, np.ndarray], np.ndarray]) -> list[np.ndarray]:
    """``argmin_z ||c + G z||_1`` s.t. ``sd(z) <= h`` for each of the increasing ``heights``
    (``heights[0] = sd(z_low)``), where ``sd(z)^2 = sd(z_low)^2 + (z - z_low)' cov (z -
    z_low)``.  ``fallback(h, start)`` solves one grid point numerically."""
    lower = np.linalg.cholesky(cov)
    to_z = np.linalg.inv(lower.T)  # z - z_low = to_z @ w
    h_mat = g @ to_z
    c0 = c + g @ z_low
    # rows the weights cannot move (zero in theory, rounding in practice) add a constant
    moves = np.abs(h_mat).max(axis=1) > RANK_TOLERANCE * max(float(np.abs(h_mat).max()), 1e-300)
    h_mat, c0 = h_mat[moves], c0[moves]
    path = [z_low]
    zero, signs = active_set(c0, SIGN_TOLERANCE)
    for height in heights[1:]:
        rho = float(np.sqrt(max(height * height - heights[0] * heights[0], 0.0)))
        found = solve_ball(h_mat, c0, rho, zero, signs)
        if found is None:  # numerically, then read the active set off the answer
            z = fallback(float(height), path[-1])
            zero, signs = active_set(c0 + h_mat @ (lower.T @ (z - z_low)), 1e-7)
            found = solve_ball(h_mat, c0, rho, zero, signs)
            if found is None:
                path.append(z)
                continue
        w, zero, signs = found
        path.append(z_low + to_z @ w)
    return path
