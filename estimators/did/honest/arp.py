"""The moment-inequality test of Andrews, Roth & Pakes (ARP) with nuisance parameters.

Tests ``H0: E[y] - X delta <= 0 for some delta`` from ``y ~ N(mu, Sigma)``. The statistic is the
linear program ``eta = min_{eta, delta} eta  s.t.  y - X delta <= eta * sd(y)``; its dual is
``max_lambda lambda'y  s.t.  lambda >= 0, lambda' sd = 1, lambda' X = 0``, so ``eta`` is the
largest ``lambda'y`` over the vertices of that polytope. The conditional test compares
``eta / sigma_B`` with a normal truncated to ``[v_lo, v_up]`` (the range of ``lambda_*' y`` over
which the optimal vertex ``lambda_*`` stays optimal); the least-favourable hybrid first rejects
when ``eta`` exceeds the ``1 - kappa`` quantile of ``eta`` under ``mu = 0`` and truncates from
above at that critical value (HonestDiD's ``hybrid_flag = "LF"``).

The vertices are enumerated once per ``(X, sd)``; the truncation bounds and the least-favourable
quantile then follow exactly from them (HonestDiD finds the bounds by bisection over linear
programs, to 1e-6).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.inference.distributions import truncnorm_ppf
from scipy.optimize import linprog

VERTEX_TOLERANCE = 1e-10
RAY_TOLERANCE = 1e-9
"""A ray entry below ``-RAY_TOLERANCE`` (largest entry 1) makes it infeasible; above, it is
rounding and set to zero."""
MAX_VERTEX_SUPPORTS = 2_000_000


@dataclass(frozen=True)
class ArpLp:
    """Solution of the ARP linear program: ``eta``, the minimising ``delta`` and the duals."""

    eta: float
    delta: np.ndarray
    lam: np.ndarray


def arp_lp(y: np.ndarray, x: np.ndarray, sigma: np.ndarray) -> ArpLp:
    """``min eta s.t. y - X delta <= eta * sqrt(diag(Sigma))`` by HiGHS, with its dual.

    ``lam`` are the Lagrange multipliers of the inequalities (non-negative, ``lam' sd = 1``).
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float).reshape(y.size, -1)
    sd = np.sqrt(np.diag(sigma))
    a_ub = -np.column_stack([sd, x])
    cost = np.zeros(1 + x.shape[1])
    cost[0] = 1.0
    solution = linprog(cost, A_ub=a_ub, b_ub=-y, bounds=(None, None), method="highs")
    if solution.status != 0:
        raise EstimationError(f"the ARP linear program failed ({solution.message})")
    return ArpLp(float(solution.x[0]), solution.x[1:], -solution.ineqlin.marginals)


def dual_rays(x: np.ndarray) -> np.ndarray:
    """Extreme rays of the cone ``{lambda >= 0 : lambda' X = 0}``, one per row, scaled to sum 1.

    The vertices of ``{lambda >= 0 : lambda' [sd, X] = e_1}`` are these rays divided by
    ``sd' ray`` (``dual_vertices``), so rays enumerated once serve every ``sd``: in the
    relative-magnitudes bounds ``X`` is the same for every ``Mbar`` and ``(s, sign)`` and only
    ``sd`` changes.  A ray's support is ``rank(X) + 1`` rows whose ``X`` block has rank
    ``rank(X)``; the ray spans the null space of that block's transpose.
    """
    x = np.asarray(x, dtype=float)
    m = x.shape[0]
    basis = _independent_columns(x)
    q = len(basis)
    supports = np.array(list(combinations(range(m), q + 1)), dtype=np.intp).reshape(-1, q + 1)
    if supports.shape[0] > MAX_VERTEX_SUPPORTS:
        raise EstimationError(f"{m} moments with {q} nuisance parameters are too many "
                              "for the vertex enumeration; use fewer post periods")
    if q == 0:
        null = np.ones((supports.shape[0], 1))
    else:
        blocks = x[supports][:, :, basis].transpose(0, 2, 1)  # (n, q, q + 1): X_S'
        _, singular, right = np.linalg.svd(blocks)
        keep = singular[:, -1] > VERTEX_TOLERANCE * singular[:, 0]
        supports, null = supports[keep], right[keep, -1, :]
    null = null / np.abs(null).max(axis=1, keepdims=True)
    null *= np.where(null.sum(axis=1) < 0.0, -1.0, 1.0)[:, None]
    feasible = np.all(null >= -RAY_TOLERANCE, axis=1)
    rays = np.zeros((int(feasible.sum()), m))
    rows = np.repeat(np.arange(rays.shape[0]), q + 1)
    rays[rows, supports[feasible].ravel()] = np.maximum(null[feasible], 0.0).ravel()
    rays /= rays.sum(axis=1, keepdims=True)
    return np.unique(np.round(rays, 12), axis=0)


def dual_vertices(x: np.ndarray, sd: np.ndarray, *, rays: np.ndarray | None = None
                  ) -> np.ndarray:
    """Vertices of ``{lambda >= 0 : lambda' [sd, X] = e_1}``, one per row (``sd > 0``).

    ``rays`` (``dual_rays(x)``) saves enumerating them again for another ``sd``.
    """
    if rays is None:
        rays = dual_rays(x)
    vertices = rays / (rays @ np.asarray(sd, dtype=float))[:, None]
    return np.unique(np.round(vertices, 12), axis=0)


def _independent_columns(w: np.ndarray) -> list[int]:
    columns: list[int] = []
    for j in range(w.shape[1]):
        if np.linalg.matrix_rank(w[:, columns + [j]]) > len(columns):
            columns.append(j)
    return columns


def least_favourable_cv(vertices: np.ndarray, sigma: np.ndarray, *, kappa: float,
                        normals: np.ndarray) -> float:
    """``1 - kappa`` quantile of ``eta`` when ``y ~ N(0, Sigma)`` (HonestDiD's LF value).

    ``normals`` are independent standard normal draws, one row per simulation; they are turned
    into ``N(0, Sigma)`` draws with the symmetric square root of ``Sigma`` (as R's
    ``mvtnorm::rmvnorm``). The quantile is R's type 7 (linear interpolation).
    """
    values, vectors = np.linalg.eigh(sigma)
    root = (vectors * np.sqrt(np.maximum(values, 0.0))) @ vectors.T
    draws = normals @ root
    eta = np.max(draws @ vertices.T, axis=1)
    return float(np.quantile(eta, 1.0 - kappa))


def truncation(y: np.ndarray, sigma: np.ndarray, gamma: np.ndarray,
               vertices: np.ndarray) -> tuple[float, float]:
    """``[v_lo, v_up]``: the values of ``gamma'y`` for which ``gamma`` stays an optimal vertex.

    With ``b = Sigma gamma / gamma'Sigma gamma`` and ``s = y - b gamma'y``, vertex ``v`` beats
    ``gamma`` at ``c = gamma'y`` unless ``v's + (v'b - 1) c <= 0``.
    """
    b = sigma @ gamma / float(gamma @ sigma @ gamma)
    s = y - b * float(gamma @ y)
    slope = vertices @ b - 1.0
    level = vertices @ s
    below = slope < -1e-10
    above = slope > 1e-10
    v_lo = float(np.max(-level[below] / slope[below])) if below.any() else -np.inf
    v_up = float(np.min(-level[above] / slope[above])) if above.any() else np.inf
    return v_lo, v_up


def truncated_normal_quantile(p: float, low: float, high: float) -> float:
    """Quantile ``p`` of a standard normal truncated to ``[low, high]``."""
    return float(truncnorm_ppf(p, low, high))


def conditional_lf_rejects(y: np.ndarray, sigma: np.ndarray, *, alpha: float, kappa: float,
                           lf_cv: float, vertices: np.ndarray) -> bool:
    """The conditional / least-favourable hybrid ARP test at size ``alpha``.

    ``eta = max_v v'y`` over the dual ``vertices`` (equal to ``arp_lp(...).eta``). Rejects when
    ``eta > lf_cv``; otherwise compares ``eta / sigma_B`` with the
    ``1 - (alpha - kappa) / (1 - kappa)`` quantile (floored at 0) of a standard normal truncated
    to ``[v_lo, min(v_up, lf_cv)] / sigma_B``, where ``sigma_B = sqrt(gamma'Sigma gamma)`` for
    the optimal dual vertex ``gamma``. When ``eta / sigma_B`` falls outside that range (only by
    numerical error) the test does not reject, as HonestDiD.
    """
    values = vertices @ y
    best = int(np.argmax(values))
    eta = float(values[best])
    if eta > lf_cv:
        return True
    gamma = vertices[best]
    sigma_b = float(np.sqrt(gamma @ sigma @ gamma))
    if sigma_b < 1e-10:
        return eta > 0.0
    v_lo, v_up = truncation(y, sigma, gamma, vertices)
    z_lo, z_up = v_lo / sigma_b, min(v_up, lf_cv) / sigma_b
    stat = eta / sigma_b
    if not z_lo <= stat <= z_up:
        return False
    size = (alpha - kappa) / (1.0 - kappa)
    return stat > max(0.0, truncated_normal_quantile(1.0 - size, z_lo, z_up))


def conditional_lf_accepts(y0: np.ndarray, slope: np.ndarray, sigma: np.ndarray, *,
                           thetas: np.ndarray, alpha: float, kappa: float, lf_cv: float,
                           vertices: np.ndarray) -> np.ndarray:
    """``conditional_lf_rejects`` negated for every ``y = y0 - slope * theta``, vectorised.

    Returns a boolean array (``True`` = ``theta`` accepted), one entry per ``theta``.
    """
    y = y0[None, :] - thetas[:, None] * slope[None, :]
    values = y @ vertices.T
    best = np.argmax(values, axis=1)
    eta = values[np.arange(thetas.size), best]
    reject = eta > lf_cv  # the least-favourable stage; the rest needs the conditional test
    todo = np.flatnonzero(~reject)
    y, eta, gamma = y[todo], eta[todo], vertices[best[todo]]
    sigma_gamma = gamma @ sigma
    var_b = np.einsum("ij,ij->i", sigma_gamma, gamma)
    sigma_b = np.sqrt(np.maximum(var_b, 0.0))
    degenerate = sigma_b < 1e-10
    b = sigma_gamma / np.where(degenerate, 1.0, var_b)[:, None]
    s = y - b * eta[:, None]
    tilt = b @ vertices.T - 1.0
    level = s @ vertices.T
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = -level / tilt
    v_lo = np.max(np.where(tilt < -1e-10, cut, -np.inf), axis=1)
    v_up = np.min(np.where(tilt > 1e-10, cut, np.inf), axis=1)
    scale = np.where(degenerate, 1.0, sigma_b)
    z_lo, z_up, stat = v_lo / scale, np.minimum(v_up, lf_cv) / scale, eta / scale
    inside = (z_lo <= stat) & (stat <= z_up) & ~degenerate
    size = (alpha - kappa) / (1.0 - kappa)
    decided = degenerate & (eta > 0.0)
    if inside.any():
        critical = truncnorm_ppf(1.0 - size, z_lo[inside], z_up[inside])
        decided[inside] = stat[inside] > np.maximum(0.0, critical)
    reject[todo] = decided
    return ~reject
