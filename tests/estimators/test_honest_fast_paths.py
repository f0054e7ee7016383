"""The HonestDiD fast paths (issue 12) against the paths they replaced, and brute force.

Data: the demo pilot's four outcomes (the event studies behind its sensitivity bounds, the
benchmark of ``pilot-eval demo``), BCdata (tests/data/README-event.md) and random covariance
matrices.

* Relative magnitudes: the dual vertices are now the rays of one cone (the same for every
  ``Mbar`` and ``(s, sign)``) scaled by each test's standard deviations, and the truncated
  normal quantile is ``inference.distributions.truncnorm_ppf``.  The previous path (every
  basis of every test enumerated, ``scipy.stats.truncnorm``) is rebuilt here and the bounds
  must equal it to ``FAST_PATH_ATOL``.
* Smoothness (FLCI): the least-biased weights at each standard deviation of HonestDiD's grid
  are closed forms certified by their optimality conditions (``flci_path``) instead of SLSQP.
  SLSQP was accurate to about 1e-8 only (its answers from two starting points differ by up to
  7e-8 in the weights on the demo, and they overstep ``sd <= h`` by up to 7e-9), so the
  bounds are compared with the SLSQP path to ``SLSQP_ATOL``, and the new weights are checked
  exactly: feasible, never more biased than SLSQP's answer pulled back inside the constraint,
  and optimal by a duality certificate to ``DUALITY_ATOL``.
"""

from __future__ import annotations

import warnings
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators.did.honest import arp, flci, relative_magnitude
from pilot_eval.estimators.did.honest.bounds import smoothness_bounds
from pilot_eval.estimators.inference.distributions import truncnorm_ppf
from scipy import stats

FAST_PATH_ATOL = 1e-10  # a faster code path against the one it replaced (issue 12)
SLSQP_ATOL = 1e-6  # the FLCI bounds against SLSQP's (accurate to about 1e-8 in the weights)
DUALITY_ATOL = 1e-10  # primal minus dual value of an exact optimum, relative to the bias
FEASIBLE_ATOL = 1e-12  # sd(weights) - h, relative to h
TRUNCNORM_RTOL = 1e-12  # our truncated-normal quantile against scipy.stats'

DATA = Path(__file__).resolve().parents[1] / "data" / "honestdid"


def demo_inputs() -> list[tuple[np.ndarray, np.ndarray, int, np.ndarray]]:
    """The demo's four sensitivity problems, as ``analysis.Sensitivity`` builds them."""
    from pilot_eval.estimators.columns import PanelColumns
    from pilot_eval.estimators.did.event_study.estimator import EventStudy
    from pilot_eval.estimators.did.honest.bounds import from_event_study
    from pilot_eval.estimators.thresholds import SENSITIVITY_WINDOW

    from pilot_eval.demo import OUTCOMES, demo_path

    frame = pd.read_csv(demo_path("outcomes.csv"))
    leads, lags = SENSITIVITY_WINDOW
    found = []
    for outcome in OUTCOMES:
        study = EventStudy(leads=leads, lags=lags, bin_endpoints=False, se="cluster").fit(
            frame, PanelColumns(outcome.column, unit="team", time="month",
                                cohort="pilot_start", cluster="team"))
        inputs = from_event_study(study)
        found.append((inputs.beta, inputs.sigma, inputs.n_pre,
                      np.full(inputs.n_post, 1.0 / inputs.n_post)))
    return found


def random_inputs(seed: int) -> list[tuple[np.ndarray, np.ndarray, int, np.ndarray]]:
    rng = np.random.default_rng(seed)
    found = []
    for n_pre, n_post in [(4, 4), (3, 5), (5, 4), (2, 3), (6, 6)]:
        k = n_pre + n_post
        root = rng.normal(size=(k, k))
        sigma = root @ root.T / k * 0.01 + np.eye(k) * 1e-3 * rng.uniform()
        beta = rng.normal(size=k) * 0.1
        for l_vec in (np.eye(n_post)[0], np.full(n_post, 1.0 / n_post)):
            found.append((beta, sigma, n_pre, l_vec))
    return found


@pytest.fixture(scope="module")
def problems():
    beta = pd.read_csv(DATA / "bcdata_betahat.csv")["betahat"].to_numpy()
    sigma = np.loadtxt(DATA / "bcdata_sigma.csv", delimiter=",")
    return demo_inputs() + [(beta, sigma, 4, np.eye(4)[0])] + random_inputs(7)


# ---------------------------------------------------------------- relative magnitudes

def basis_vertices(x: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """The previous enumeration: solve ``W_S' lambda = e_1`` on every basis ``S`` of
    ``W = [sd, X]`` and keep the non-negative solutions."""
    w = np.column_stack([sd, x])
    columns: list[int] = []
    for j in range(w.shape[1]):  # independent columns of W, in order
        if np.linalg.matrix_rank(w[:, columns + [j]]) > len(columns):
            columns.append(j)
    rank = len(columns)
    supports = np.array(list(combinations(range(w.shape[0]), rank)))
    squares = w[supports][:, :, columns].transpose(0, 2, 1)  # W_S', one per basis
    singular = np.linalg.svd(squares, compute_uv=False)
    keep = singular[:, -1] > 1e-10 * singular[:, 0]
    lam = np.linalg.solve(squares[keep], np.broadcast_to(np.eye(rank)[0], (keep.sum(), rank))[
        ..., None])[..., 0]
    feasible = np.all(lam >= -1e-9, axis=1)
    found = np.zeros((feasible.sum(), w.shape[0]))
    rows = np.repeat(np.arange(found.shape[0]), rank)
    found[rows, supports[keep][feasible].ravel()] = np.maximum(lam[feasible], 0.0).ravel()
    found = found[np.all(np.abs(found @ w - np.eye(1, w.shape[1])) < 1e-8, axis=1)]
    return np.unique(np.round(found, 12), axis=0)


def test_vertices_from_rays_equal_every_basis_solved(problems):
    for beta, sigma, n_pre, l_vec in problems[:6]:
        setup = relative_magnitude.moment_setup(n_pre, beta.size - n_pre, l_vec)
        for s, positive in relative_magnitude._locations(n_pre):
            a = relative_magnitude.rm_constraints(n_pre, beta.size - n_pre, mbar=1.5, s=s,
                                                  positive=positive)
            a = a[np.any(a[:, n_pre:] != 0.0, axis=1)]
            sd = np.sqrt(np.diag(a @ sigma @ a.T))
            ours = arp.dual_vertices(setup.nuisance, sd, rays=setup.rays)
            np.testing.assert_allclose(ours, basis_vertices(setup.nuisance, sd),
                                       atol=FAST_PATH_ATOL)


def test_truncated_normal_quantile_equals_scipy_stats():
    rng = np.random.default_rng(11)
    low = rng.normal(size=20_000) * 6
    high = low + np.abs(rng.normal(size=low.size)) * rng.choice([1e-4, 0.01, 1, 5, 20], low.size)
    q = rng.uniform(size=low.size)
    q[:40] = [0.0, 1.0, 0.995, 0.9444444444444444] * 10
    low[40:60] = -np.inf
    expected = stats.truncnorm.ppf(q, low, high)
    np.testing.assert_allclose(truncnorm_ppf(q, low, high), expected, rtol=TRUNCNORM_RTOL,
                               atol=TRUNCNORM_RTOL)


def test_relative_magnitude_bounds_equal_the_previous_path(problems, monkeypatch):
    def bounds():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # intervals cut by the theta grid
            return [relative_magnitude.relative_magnitude_bounds(
                beta, sigma, n_pre=n_pre, l_vec=l_vec, seed=20240601, grid_points=400)
                for beta, sigma, n_pre, l_vec in problems]

    fast = bounds()
    monkeypatch.setattr(relative_magnitude, "dual_vertices",
                        lambda x, sd, rays=None: basis_vertices(x, sd))
    monkeypatch.setattr(arp, "truncnorm_ppf", stats.truncnorm.ppf)
    previous = bounds()
    for ours, theirs in zip(fast, previous, strict=True):
        assert ours.breakdown == theirs.breakdown
        for a, b in zip(ours.rows, theirs.rows, strict=True):
            assert a.low == pytest.approx(b.low, abs=FAST_PATH_ATOL)
            assert a.high == pytest.approx(b.high, abs=FAST_PATH_ATOL)


# ---------------------------------------------------------------- smoothness (FLCI)

def slsqp_grid(candidates: flci.Candidates) -> list[np.ndarray]:
    """The previous path: SLSQP at each grid point, started from the previous answer."""
    problem = candidates.problem
    heights = np.linspace(problem.sd(candidates.lowest_sd), problem.sd(candidates.grid[-1]),
                          len(candidates.grid))
    grid, start = [], candidates.lowest_sd
    for h in heights:
        start = flci._least_bias_given_sd(problem, float(h), start)
        grid.append(start)
    return grid


def pulled_inside(problem, z: np.ndarray, z_low: np.ndarray, h: float) -> np.ndarray:
    """``z`` moved towards the minimum-variance weights until ``sd(z) <= h``, measured as
    ``||L'(z - z_low)|| <= rho`` (``sd(z)^2 = sd(z_low)^2 + ||L'(z - z_low)||^2``, without
    the rounding of the full quadratic form, which lets points ~1e-8 away pass at ``rho = 0``).
    """
    cov = problem.basis.T @ problem.sigma @ problem.basis
    radius = np.linalg.norm(np.linalg.cholesky(cov).T @ (z - z_low))
    rho = np.sqrt(max(h * h - problem.sd(z_low) ** 2, 0.0))
    return z if radius <= rho else z_low + (z - z_low) * (rho / radius)


def duality_gap(problem, z: np.ndarray, z_low: np.ndarray, h: float) -> float:
    """Bias at ``z`` minus the dual value of multipliers read off ``z`` (zero at an optimum).

    For any ``u`` in ``[-1, 1]^r``, ``u'c0 - rho ||H'u||`` is at most the least bias within
    ``||w|| <= rho``.  ``u`` is the sign of each clearly non-zero residual; the multipliers of
    the zero residuals are those that make ``H'u`` parallel to ``w`` (least squares).
    """
    g = problem.mu_map @ problem.basis
    c = problem.mu_map @ problem.base
    cov = problem.basis.T @ problem.sigma @ problem.basis
    lower = np.linalg.cholesky(cov)
    h_mat = g @ np.linalg.inv(lower.T)
    c0 = c + g @ z_low
    w = lower.T @ (z - z_low)
    residual = c0 + h_mat @ w
    zero = np.abs(residual) <= 1e-9 * np.abs(residual).max()
    u = np.sign(residual)
    if zero.any():  # H_Z' u_Z + mu w = -H_N' u_N
        system = np.column_stack([h_mat[zero].T, w])
        solution = np.linalg.lstsq(system, -h_mat[~zero].T @ u[~zero], rcond=None)[0]
        u[zero] = np.clip(solution[:-1], -1.0, 1.0)
    rho = np.sqrt(max(h * h - problem.sd(z_low) ** 2, 0.0))
    dual = u @ c0 - rho * np.linalg.norm(h_mat.T @ u)
    return float(np.abs(residual).sum() - dual)


def test_flci_grid_is_feasible_optimal_and_never_worse_than_slsqp(problems):
    for _, sigma, n_pre, l_vec in problems:
        candidates = flci.flci_candidates(sigma, n_pre=n_pre, l_vec=l_vec)
        problem, z_low = candidates.problem, candidates.lowest_sd
        heights = np.linspace(problem.sd(z_low), problem.sd(candidates.grid[-1]),
                              len(candidates.grid))
        for z, theirs, h in zip(candidates.grid, slsqp_grid(candidates), heights, strict=True):
            bias = problem.bias(z)
            assert problem.sd(z) <= h * (1.0 + FEASIBLE_ATOL)
            assert bias <= problem.bias(pulled_inside(problem, theirs, z_low, h)) + (
                DUALITY_ATOL * max(bias, 1.0))
            assert duality_gap(problem, z, z_low, h) <= DUALITY_ATOL * max(bias, 1.0)


def test_smoothness_bounds_equal_the_slsqp_path(problems, monkeypatch):
    fast = [smoothness_bounds(beta, sigma, n_pre=n_pre, l_vec=l_vec)
            for beta, sigma, n_pre, l_vec in problems]

    def slsqp_path(g, c, cov, z_low, heights, fallback):
        grid, start = [], z_low
        for h in heights:
            start = fallback(float(h), start)
            grid.append(start)
        return grid

    monkeypatch.setattr(flci, "least_bias_path", slsqp_path)
    for ours, (beta, sigma, n_pre, l_vec) in zip(fast, problems, strict=True):
        theirs = smoothness_bounds(beta, sigma, n_pre=n_pre, l_vec=l_vec)
        assert ours.breakdown == theirs.breakdown
        for a, b in zip(ours.rows, theirs.rows, strict=True):
            assert a.low == pytest.approx(b.low, abs=SLSQP_ATOL)
            assert a.high == pytest.approx(b.high, abs=SLSQP_ATOL)


def test_folded_normal_quantiles_equal_the_root_one_at_a_time():
    means = np.concatenate([np.linspace(0.0, 12.0, 241), np.geomspace(1e-9, 1e3, 60)])
    for level in (0.9, 0.95, 0.99):
        expected = [flci.folded_normal_quantile(m, level) for m in means]
        np.testing.assert_allclose(flci.folded_normal_quantiles(means, level), expected,
                                   rtol=FAST_PATH_ATOL, atol=FAST_PATH_ATOL)
