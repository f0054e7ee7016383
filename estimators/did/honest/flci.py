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
from functools import cached_property

import numpy as np
from pilot_eval.estimators.did.honest.flci_path import least_bias_path
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


NEWTON_STEPS = 100


def folded_normal_quantiles(means: np.ndarray, level: float) -> np.ndarray:
    """``folded_normal_quantile`` for many means at once (``level > 0.5``), by Newton's method.

    The coverage ``Phi(c - m) - Phi(-c - m)`` is increasing and concave in ``c`` above ``m``,
    so Newton's steps from ``m + Phi^-1(level)`` (below the root, since
    ``Phi(c - m) >= level`` there) rise monotonically to it; they stop when no step moves.
    """
    means = np.abs(np.asarray(means, dtype=float))
    c = means + float(special.ndtri(level))
    for _ in range(NEWTON_STEPS):
        gap = special.ndtr(c - means) - special.ndtr(-c - means) - level
        slope = np.exp(-0.5 * (c - means) ** 2) + np.exp(-0.5 * (c + means) ** 2)
        step = -gap / (slope * 0.3989422804014327)  # 1 / sqrt(2 pi)
        moved = c + np.maximum(step, 0.0)
        if np.array_equal(moved, c):
            break
        c = moved
    return c


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

    def pool(self, m: float) -> tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray]:
        """The candidates for ``m`` with their standard deviations and worst-case biases at
        ``M = 1`` (the minimum-variance estimator alone when ``m = 0``)."""
        pool = (self.lowest_sd,) if m == 0.0 or not self.grid else self.grid
        if pool is self.grid:
            return pool, self._grid_sd, self._grid_bias
        return (pool, np.array([self.problem.sd(z) for z in pool]),
                np.array([self.problem.bias(z) for z in pool]))

    @cached_property
    def _grid_sd(self) -> np.ndarray:
        return np.array([self.problem.sd(z) for z in self.grid])

    @cached_property
    def _grid_bias(self) -> np.ndarray:
        return np.array([self.problem.bias(z) for z in self.grid])


def flci_candidates(sigma: np.ndarray, *, n_pre: int, l_vec: np.ndarray,
                    grid_points: int = GRID_POINTS) -> Candidates:
    """Solve the ``grid_points`` bias-minimisation problems once, for every ``M``.

    The grid's ends are the minimum-variance and the least-biased weights themselves; the
    points between are solved exactly along the path of active sets (``flci_path``), with
    SLSQP where no certified closed form is found.
    """
    problem = _problem(sigma, n_pre, l_vec)
    z_low = _lowest_sd(problem)
    z_unbiased = _least_bias(problem)
    h_low, h_high = problem.sd(z_low), problem.sd(z_unbiased)
    grid: list[np.ndarray] = []
    if h_high > h_low:
        heights = np.linspace(h_low, h_high, grid_points)
        cov = problem.basis.T @ problem.sigma @ problem.basis
        grid = least_bias_path(
            problem.mu_map @ problem.basis, problem.mu_map @ problem.base, cov, z_low,
            heights[:-1], lambda h, start: _least_bias_given_sd(problem, h, start))
        grid = grid + [z_unbiased] if grid_points > 1 else [z_low]
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
    pool, sds, biases = candidates.pool(m)
    means = m * biases / sds
    if quantile is folded_normal_quantile and 1.0 - alpha > 0.5:
        halves = sds * folded_normal_quantiles(means, 1.0 - alpha)
    else:
        halves = sds * np.array([quantile(float(x), 1.0 - alpha) for x in means])
    best = int(np.argmin(halves))  # the first of equal lengths
    half, z = float(halves[best]), pool[best]
    weights = problem.weights(z)
    centre = float(weights @ beta)
    return Flci(centre - half, centre + half, half, weights, problem.sd(z), m * problem.bias(z))
