"""Fixed-length confidence intervals (FLCI) under smoothness restrictions (Rambachan & Roth 2023).

Numeric steps of ``bounds.smoothness_bounds``.  Event-study coefficients are ordered
``beta = (pre periods -T_pre..-1, post periods 1..T_post)`` relative to the omitted reference
period 0.  The parameter is ``theta = l' tau_post``.

An affine estimator ``v' beta`` with ``v = (w, l)`` has bias ``v' delta`` for the parallel-trends
violation ``delta``.  Under ``Delta^SD(M)`` (second differences of ``delta``, with
``delta_0 = 0``, bounded by ``M`` in absolute value) the bias is bounded only when ``v`` is
orthogonal to linear trends, and then its worst case is ``M * ||mu||_1`` where ``mu`` is the
unique solution of ``A' mu = v`` (``A`` = the second-difference matrix).  The FLCI is
``v' beta +- h * cv_alpha(M * bias / h)`` with ``h = sd(v' beta)`` and ``cv_alpha(t)`` the
``1 - alpha`` quantile of ``|N(t, 1)|``; HonestDiD minimises this over ``w`` on a grid of
``h`` values (``findOptimalFLCI``, 100 points from the smallest ``h`` to the ``h`` of the
least-biased estimator), and so does this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

GRID_POINTS = 100
"""Number of ``h`` values searched (HonestDiD's ``numPoints`` default)."""


@dataclass(frozen=True)
class Flci:
    """One fixed-length confidence interval and the estimator behind it."""

    low: float
    high: float
    half_length: float
    weights: np.ndarray
    sd: float
    max_bias: float


def second_differences(n_pre: int, n_post: int) -> np.ndarray:
    """``A`` with rows ``delta_{t+1} - 2 delta_t + delta_{t-1}`` over ``t = -n_pre+1..n_post-1``.

    Columns are the event times without the reference (``delta_0 = 0`` is dropped).
    """
    times = np.arange(-n_pre, n_post + 1)
    full = np.zeros((times.size - 2, times.size))
    for row in range(times.size - 2):
        full[row, row:row + 3] = (1.0, -2.0, 1.0)
    return np.delete(full, n_pre, axis=1)


def event_times(n_pre: int, n_post: int) -> np.ndarray:
    """``(-n_pre, ..., -1, 1, ..., n_post)``: the time of each coefficient."""
    return np.concatenate([np.arange(-n_pre, 0), np.arange(1, n_post + 1)]).astype(float)


def folded_normal_quantile(mean: float, level: float) -> float:
    """The ``level`` quantile of ``|N(mean, 1)|`` (analytic; HonestDiD simulates it)."""
    mean = abs(mean)

    def coverage(c: float) -> float:  # ndtr is what scipy.stats.norm.cdf evaluates
        return float(special.ndtr(c - mean) - special.ndtr(-c - mean)) - level

    upper = mean + float(special.ndtri(level)) + 10.0
    return float(optimize.brentq(coverage, 0.0, upper, xtol=1e-14, rtol=1e-15))


@dataclass(frozen=True)
class _Problem:
    """The FLCI problem in the free coordinates ``z`` of the pre-period weights."""

    base: np.ndarray  # v(z) = base + basis @ z
    basis: np.ndarray
    mu_map: np.ndarray  # mu(v) = mu_map @ v
    sigma: np.ndarray

    def weights(self, z: np.ndarray) -> np.ndarray:
        return self.base + self.basis @ z

    def bias(self, z: np.ndarray) -> float:
        return float(np.abs(self.mu_map @ self.weights(z)).sum())

    def sd(self, z: np.ndarray) -> float:
        v = self.weights(z)
        return float(np.sqrt(v @ self.sigma @ v))


def _problem(sigma: np.ndarray, n_pre: int, l_vec: np.ndarray) -> _Problem:
    n_post = l_vec.size
    times = event_times(n_pre, n_post)
    a = second_differences(n_pre, n_post)
    mu_map = np.linalg.pinv(a.T)
    # pre weights w satisfy times_pre . w = -times_post . l (no bias from a linear trend)
    t_pre = times[:n_pre]
    target = -float(times[n_pre:] @ l_vec)
    w0 = t_pre * target / float(t_pre @ t_pre)
    null = np.linalg.svd(t_pre[None, :])[2][1:].T  # n_pre x (n_pre - 1)
    base = np.concatenate([w0, l_vec])
    basis = np.vstack([null, np.zeros((n_post, null.shape[1]))])
    return _Problem(base, basis, mu_map, sigma)


def _lowest_sd(problem: _Problem) -> np.ndarray:
    """``z`` minimising ``sd`` (a quadratic: solve its normal equations)."""
    b, s = problem.basis, problem.sigma
    return np.linalg.lstsq(b.T @ s @ b, -(b.T @ s @ problem.base), rcond=None)[0]


def _least_bias(problem: _Problem) -> np.ndarray:
    """``z`` minimising ``||mu(v(z))||_1`` (a linear programme)."""
    g = problem.mu_map @ problem.basis
    c = problem.mu_map @ problem.base
    k, r = g.shape[1], g.shape[0]
    # variables (z, u): min 1'u  s.t.  -u <= c + G z <= u
    cost = np.concatenate([np.zeros(k), np.ones(r)])
    upper = np.block([[g, -np.eye(r)], [-g, -np.eye(r)]])
    rhs = np.concatenate([-c, c])
    bounds = [(None, None)] * k + [(0, None)] * r
    solution = optimize.linprog(cost, A_ub=upper, b_ub=rhs, bounds=bounds, method="highs")
    return solution.x[:k]


def _least_bias_given_sd(problem: _Problem, h: float, start: np.ndarray) -> np.ndarray:
    """``z`` minimising the bias subject to ``sd <= h`` (a second-order cone programme).

    Solved as a smooth problem in ``(z, u)`` with ``-u <= mu <= u`` by SLSQP.
    """
    g = problem.mu_map @ problem.basis
    c = problem.mu_map @ problem.base
    k, r = g.shape[1], g.shape[0]
    s_bb = problem.basis.T @ problem.sigma @ problem.basis
    s_b0 = problem.basis.T @ problem.sigma @ problem.base
    s_00 = float(problem.base @ problem.sigma @ problem.base)

    def variance_slack(x: np.ndarray) -> float:
        z = x[:k]
        return h * h - (s_00 + 2.0 * s_b0 @ z + z @ s_bb @ z)

    def variance_slack_grad(x: np.ndarray) -> np.ndarray:
        return np.concatenate([-(2.0 * s_b0 + 2.0 * s_bb @ x[:k]), np.zeros(r)])

    linear = np.block([[-g, np.eye(r)], [g, np.eye(r)]])
    offset = np.concatenate([-c, c])
    constraints = [
        {"type": "ineq", "fun": lambda x: linear @ x + offset, "jac": lambda x: linear},
        {"type": "ineq", "fun": variance_slack, "jac": variance_slack_grad},
    ]
    x0 = np.concatenate([start, np.abs(c + g @ start) + 1e-9])
    cost = np.concatenate([np.zeros(k), np.ones(r)])
    solution = optimize.minimize(lambda x: float(cost @ x), x0, jac=lambda x: cost,
                                 constraints=constraints, method="SLSQP",
                                 options={"ftol": 1e-15, "maxiter": 1000})
    return solution.x[:k]


@dataclass(frozen=True)
class Candidates:
    """The least-biased estimator at each ``h`` of HonestDiD's grid (independent of ``M``:
    the worst-case bias is ``M`` times that of ``M = 1``), plus the minimum-variance one."""

    problem: _Problem
    lowest_sd: np.ndarray
    grid: tuple[np.ndarray, ...]


def flci_candidates(sigma: np.ndarray, *, n_pre: int, l_vec: np.ndarray,
                    grid_points: int = GRID_POINTS) -> Candidates:
    """Solve the ``grid_points`` bias-minimisation problems once, for every ``M``."""
    problem = _problem(sigma, n_pre, l_vec)
    z_low = _lowest_sd(problem)
    z_unbiased = _least_bias(problem)
    h_low, h_high = problem.sd(z_low), problem.sd(z_unbiased)
    grid, start = [], z_low
    if h_high > h_low:
        for h in np.linspace(h_low, h_high, grid_points):
            start = _least_bias_given_sd(problem, float(h), start)
            grid.append(start)
    return Candidates(problem, z_low, tuple(grid))


def optimal_flci(beta: np.ndarray, sigma: np.ndarray, *, n_pre: int, l_vec: np.ndarray,
                 m: float, alpha: float = 0.05, grid_points: int = GRID_POINTS,
                 quantile: Callable[[float, float], float] = folded_normal_quantile,
                 candidates: Candidates | None = None) -> Flci:
    """The shortest FLCI for ``l' tau_post`` under ``Delta^SD(m)`` over HonestDiD's ``h`` grid.

    ``quantile(mean, level)`` is the folded-normal quantile (analytic by default; tests pass
    HonestDiD's simulated one to reproduce R digit for digit).  ``candidates`` (from
    ``flci_candidates`` with the same ``sigma``, ``n_pre`` and ``l_vec``) saves re-solving the
    grid for each ``m``.
    """
    if candidates is None:
        candidates = flci_candidates(sigma, n_pre=n_pre, l_vec=l_vec, grid_points=grid_points)
    problem = candidates.problem
    pool = [candidates.lowest_sd] if m == 0.0 or not candidates.grid else candidates.grid
    best: tuple[float, np.ndarray] | None = None
    for z in pool:
        sd, bias = problem.sd(z), problem.bias(z)
        half = sd * quantile(m * bias / sd, 1.0 - alpha)
        if best is None or half < best[0]:
            best = (half, z)
    if best is None:
        raise ValueError("no candidate FLCI to choose from (empty pool)")
    half, z = best
    weights = problem.weights(z)
    centre = float(weights @ beta)
    return Flci(centre - half, centre + half, half, weights, problem.sd(z), m * problem.bias(z))
