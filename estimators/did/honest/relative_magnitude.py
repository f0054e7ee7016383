"""Relative-magnitudes sensitivity bounds (Rambachan & Roth 2023, ``Delta^RM(Mbar)``).

``relative_magnitude_bounds(beta, sigma, n_pre=..., mbar_grid=...)`` gives, for each ``Mbar``,
HonestDiD's default robust confidence set (``createSensitivityResults_relativeMagnitudes``,
``method = "C-LF"``): the union over the location ``s`` and sign of the largest pre-period
first difference of the ARP conditional / least-favourable hybrid test, inverted over a grid
of ``theta``. ``rm_identified_set`` gives the identified set by linear programming.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from pilot_eval.estimators.did.honest.arp import (
    conditional_lf_accepts,
    dual_rays,
    dual_vertices,
    least_favourable_cv,
)
from pilot_eval.estimators.did.honest.bounds import (
    SensitivityResult,
    SensitivityRow,
    _check,
    breakdown_value,
    original_interval,
)
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.inference.r_random import r_normal_matrix
from pilot_eval.estimators.thresholds import HONESTDID_SEED
from scipy.optimize import linprog

DEFAULT_GRID_POINTS = 1000
DEFAULT_LF_DRAWS = 1000
"""Simulations for the least-favourable critical value: R HonestDiD's ``sims = 1000``
(``.compute_least_favorable_cv`` in ``R/arp-nuisance.R``)."""
GRID_HALF_WIDTH_SD = 20.0


def rm_constraints(n_pre: int, n_post: int, *, mbar: float, s: int,
                   positive: bool) -> np.ndarray:
    """``A`` with ``Delta^RM_{s,sign}(Mbar) = {delta : A delta <= 0}`` (HonestDiD ``.create_A_RM``).

    Every first difference ``delta_{t+1} - delta_t`` (with ``delta_0 = 0`` at the reference) is
    bounded in absolute value by the pre-period difference ending at ``s`` (times ``Mbar`` after
    the reference), which carries the sign given by ``positive``. Columns are
    ``(delta_pre..., delta_post...)``; all-zero rows are dropped.
    """
    width = n_pre + n_post + 1
    diffs = np.zeros((n_pre + n_post, width))
    for row in range(n_pre + n_post):
        diffs[row, row:row + 2] = (-1.0, 1.0)
    largest = np.zeros(width)
    largest[n_pre + s - 1:n_pre + s + 1] = (-1.0, 1.0)
    if not positive:
        largest = -largest
    bound = np.vstack([np.tile(largest, (n_pre, 1)), np.tile(mbar * largest, (n_post, 1))])
    a = np.vstack([diffs - bound, -diffs - bound])
    a = a[np.sum(a * a, axis=1) > 1e-10]
    return np.delete(a, n_pre, axis=1)


def _locations(n_pre: int) -> list[tuple[int, bool]]:
    return [(s, sign) for s in range(-(n_pre - 1), 1) for sign in (True, False)]


def rm_identified_set(beta: np.ndarray, *, n_pre: int, mbar: float,
                      l_vec: np.ndarray) -> tuple[float, float]:
    """Bounds of ``l' tau_post`` when ``beta`` is the true mean (``.compute_IDset_DeltaRM``).

    For each ``(s, sign)``: ``min / max l' delta_post`` over ``A delta <= 0`` with
    ``delta_pre = beta_pre``, by HiGHS; the identified set is the union over ``(s, sign)``.
    """
    beta = np.asarray(beta, dtype=float)
    n_post = beta.size - n_pre
    cost = np.concatenate([np.zeros(n_pre), l_vec])
    a_eq = np.hstack([np.eye(n_pre), np.zeros((n_pre, n_post))])
    centre = float(l_vec @ beta[n_pre:])
    lows, highs = [], []
    for s, sign in _locations(n_pre):
        a = rm_constraints(n_pre, n_post, mbar=mbar, s=s, positive=sign)
        ends = []
        for direction in (1.0, -1.0):
            solution = linprog(direction * cost, A_ub=a, b_ub=np.zeros(a.shape[0]), A_eq=a_eq,
                               b_eq=beta[:n_pre], bounds=(None, None), method="highs")
            ends.append(direction * solution.fun if solution.status == 0 else None)
        if ends[0] is None or ends[1] is None:
            lows.append(centre)
            highs.append(centre)
            continue
        lows.append(centre - ends[1])
        highs.append(centre - ends[0])
    return min(lows), max(highs)


def gamma_basis(l_vec: np.ndarray) -> np.ndarray:
    """Invertible ``Gamma`` with first row ``l'``: ``l`` then the unit vectors that add rank."""
    rows = [np.asarray(l_vec, dtype=float)]
    for unit in np.eye(l_vec.size):
        if np.linalg.matrix_rank(np.vstack(rows + [unit])) > len(rows):
            rows.append(unit)
    return np.vstack(rows)


def standard_normals(n_draws: int, n_moments: int, *, seed: int) -> np.ndarray:
    """The standard normals behind R HonestDiD's least-favourable draws: ``set.seed(seed)``
    then ``mvtnorm::rmvnorm(n_draws, sigma)`` (R's generator, filled by row)."""
    return r_normal_matrix(n_draws, n_moments, seed=seed)


def post_moment_count(n_pre: int, n_post: int) -> int:
    """Rows of ``A_RM`` that involve a post-period coefficient (the same for every
    ``(s, sign, Mbar)``): the moments the least-favourable draws are for."""
    a = rm_constraints(n_pre, n_post, mbar=1.0, s=0, positive=True)
    return int(np.count_nonzero(np.any(a[:, n_pre:] != 0.0, axis=1)))


def rm_accept_fixed_s(beta: np.ndarray, sigma: np.ndarray, *, n_pre: int, mbar: float, s: int,
                      positive: bool, l_vec: np.ndarray, alpha: float, thetas: np.ndarray,
                      normals: np.ndarray | None = None, lf_draws: int = DEFAULT_LF_DRAWS,
                      seed: int = 0, setup: MomentSetup | None = None) -> np.ndarray:
    """Acceptance (bool per ``theta``) of the C-LF test for one ``(s, sign)``.

    As HonestDiD's ``.computeConditionalCS_DeltaRM_fixedS`` with ``postPeriodMomentsOnly``:
    only the moments that involve a post-period coefficient enter the test; the nuisance
    parameters are the post-period deviations orthogonal to ``l`` (basis ``Gamma``).
    ``setup`` (``moment_setup``) saves working out again what every ``Mbar`` and
    ``(s, sign)`` share.
    """
    n_post = beta.size - n_pre
    if setup is None:
        setup = moment_setup(n_pre, n_post, l_vec)
    a = rm_constraints(n_pre, n_post, mbar=mbar, s=s, positive=positive)
    a = a[np.any(a[:, n_pre:] != 0.0, axis=1)]  # the moments involving a post period
    y_all = a @ beta
    sigma_y = a @ sigma @ a.T
    vertices = dual_vertices(setup.nuisance, np.sqrt(np.diag(sigma_y)), rays=setup.rays)
    slope = setup.slope
    if normals is None:
        normals = standard_normals(lf_draws, a.shape[0], seed=seed)
    elif normals.ndim != 2 or normals.shape[1] != a.shape[0]:
        raise EstimatorConfigError(f"normals must have one column per post-period moment "
                                   f"({a.shape[0]}); seen shape {normals.shape}")
    kappa = alpha / 10.0
    lf_cv = least_favourable_cv(vertices, sigma_y, kappa=kappa, normals=normals)
    return conditional_lf_accepts(y_all, slope, sigma_y, thetas=thetas, alpha=alpha,
                                  kappa=kappa, lf_cv=lf_cv, vertices=vertices)


@dataclass(frozen=True)
class MomentSetup:
    """What the tests for every ``Mbar`` and ``(s, sign)`` share.

    The post-period part of the moments that involve a post-period coefficient (the rows of
    ``A_RM`` kept, in the same order for every ``Mbar`` and ``(s, sign)``) does not change,
    so neither do the moments' slope in ``theta``, their nuisance columns ``X`` and the rays
    of its dual cone; only the moments' means and covariance do (through the pre-period
    part).
    """

    slope: np.ndarray
    nuisance: np.ndarray
    rays: np.ndarray


def moment_setup(n_pre: int, n_post: int, l_vec: np.ndarray) -> MomentSetup:
    """The shared part of the relative-magnitudes tests (``MomentSetup``)."""
    a = rm_constraints(n_pre, n_post, mbar=1.0, s=0, positive=True)
    rows = np.flatnonzero(np.any(a[:, n_pre:] != 0.0, axis=1))
    a_gamma = a[rows, n_pre:] @ np.linalg.inv(gamma_basis(l_vec))
    return MomentSetup(a_gamma[:, 0], a_gamma[:, 1:], dual_rays(a_gamma[:, 1:]))


def default_theta_grid(sigma: np.ndarray, *, n_pre: int, l_vec: np.ndarray,
                       grid_points: int = DEFAULT_GRID_POINTS) -> np.ndarray:
    """HonestDiD's default grid for ``computeConditionalCS_DeltaRM``: ``+-20 sd(l'beta_post)``
    around zero, ``grid_points`` equally spaced values."""
    post = slice(n_pre, sigma.shape[0])
    sd = float(np.sqrt(l_vec @ sigma[post, post] @ l_vec))
    return np.linspace(-GRID_HALF_WIDTH_SD * sd, GRID_HALF_WIDTH_SD * sd, grid_points)


def rm_confidence_set(beta: np.ndarray, sigma: np.ndarray, *, n_pre: int, mbar: float,
                      l_vec: np.ndarray, alpha: float, thetas: np.ndarray,
                      normals: np.ndarray | None = None, lf_draws: int = DEFAULT_LF_DRAWS,
                      seed: int = 0, setup: MomentSetup | None = None) -> np.ndarray:
    """Acceptance over ``thetas`` of the union over ``(s, sign)`` (``computeConditionalCS_DeltaRM``)."""
    if setup is None:
        setup = moment_setup(n_pre, beta.size - n_pre, l_vec)
    accept = np.zeros(thetas.size, dtype=bool)
    for s, sign in _locations(n_pre):
        accept |= rm_accept_fixed_s(beta, sigma, n_pre=n_pre, mbar=mbar, s=s, positive=sign,
                                    l_vec=l_vec, alpha=alpha, thetas=thetas, normals=normals,
                                    lf_draws=lf_draws, seed=seed, setup=setup)
    return accept


def relative_magnitude_bounds(beta: np.ndarray, sigma: np.ndarray, *, n_pre: int,
                              mbar_grid: tuple[float, ...] | None = None,
                              l_vec: np.ndarray | None = None, alpha: float = 0.05,
                              grid_points: int = DEFAULT_GRID_POINTS,
                              lf_draws: int = DEFAULT_LF_DRAWS, seed: int = HONESTDID_SEED,
                              normals: np.ndarray | None = None,
                              grid: tuple[float, float] | None = None) -> SensitivityResult:
    """Robust intervals for ``l' tau_post`` under ``Delta^RM(Mbar)`` for each ``Mbar`` (C-LF).

    Parameters
    ----------
    beta, sigma
        Event-study coefficients ``(pre..., post...)`` without the reference, and covariance.
    n_pre
        Number of pre-period coefficients (at least one; at least two post periods).
    mbar_grid
        Values of ``Mbar``; default ten values from 0 to 2 (HonestDiD).
    l_vec
        Weights on the post-period effects (default: the first post period).
    alpha
        One minus the coverage; the first-stage (least-favourable) size is ``alpha / 10``.
    grid_points
        Number of ``theta`` values tested, equally spaced on ``+-20`` standard errors of
        ``l' beta_post`` around zero (HonestDiD's default grid); the bounds are grid points.
    lf_draws, seed
        Simulations for the least-favourable critical value: R's ``set.seed(seed)`` normal
        draws (``r_random``), 1000 of them as R HonestDiD, so that ``seed = 0`` (R's) gives
        R's bounds. They are drawn once and shared by every ``Mbar`` and ``(s, sign)``.
    normals
        Optional standard normal draws (rows = simulations, columns = post-period moments)
        used instead of ``lf_draws``/``seed``.
    grid
        ``(lowest, highest)`` theta tested instead of the default (R's ``grid.lb``,
        ``grid.ub``). When an interval reaches an end of the grid the bound is that end, not
        the true bound, and a ``UserWarning`` says so (R warns likewise).

    Notes
    -----
    ``Delta^RM(Mbar) = {delta : |delta_{t+1} - delta_t| <= Mbar * max_{s<0}
    |delta_{s+1} - delta_s| for all t >= 0}`` with ``delta_0 = 0``; it is the union over the
    location ``s`` and sign of the largest pre-period difference of polyhedra
    ``{A_s delta <= 0}``. For each, ``theta = l' tau_post`` is tested by the ARP moment
    inequality test of ``A_s (beta - delta) `` with ``l'delta_post = l'beta_post - theta`` and
    the other post-period directions as nuisance parameters; the interval is the smallest and
    largest accepted ``theta``.
    """
    beta, sigma, l_vec = _check(beta, sigma, n_pre, l_vec)
    if beta.size - n_pre < 2:
        raise EstimatorConfigError("relative-magnitudes bounds need at least two post-period "
                                   "coefficients here (HonestDiD's one-post-period test is not "
                                   "implemented)")
    if mbar_grid is None:
        mbar_grid = tuple(np.linspace(0.0, 2.0, 10))
    if any(m < 0 for m in mbar_grid):
        raise EstimatorConfigError(f"Mbar values must not be negative (seen {min(mbar_grid)})")
    if grid is None:
        thetas = default_theta_grid(sigma, n_pre=n_pre, l_vec=l_vec, grid_points=grid_points)
    elif not grid[0] < grid[1]:
        raise EstimatorConfigError(f"grid must be (lowest, highest) with lowest < highest; "
                                   f"seen {grid}")
    else:
        thetas = np.linspace(float(grid[0]), float(grid[1]), grid_points)
    if normals is None:
        normals = standard_normals(lf_draws, post_moment_count(n_pre, beta.size - n_pre),
                                   seed=seed)
    setup = moment_setup(n_pre, beta.size - n_pre, l_vec)
    rows = []
    for mbar in mbar_grid:
        accept = rm_confidence_set(beta, sigma, n_pre=n_pre, mbar=float(mbar), l_vec=l_vec,
                                   alpha=alpha, thetas=thetas, normals=normals,
                                   lf_draws=lf_draws, seed=seed, setup=setup)
        if not accept.any():
            raise EstimationError(f"every tested value was rejected at Mbar = {mbar:g}: the "
                                  "pre-period coefficients are inconsistent with Delta^RM; "
                                  "widen the grid or check the event study")
        if accept[0] or accept[-1]:
            warnings.warn(f"the confidence set at Mbar = {mbar:g} reaches the end of the theta "
                          f"grid [{thetas[0]:.6g}, {thetas[-1]:.6g}]; that bound is the grid end, "
                          "not the true bound: pass a wider grid=(lowest, highest)",
                          UserWarning, stacklevel=2)
        rows.append(SensitivityRow(float(mbar), float(thetas[accept].min()),
                                   float(thetas[accept].max())))
    low, high = original_interval(beta, sigma, n_pre=n_pre, l_vec=l_vec, alpha=alpha)
    rows_t = tuple(rows)
    return SensitivityResult("relative_magnitude", "C-LF", rows_t, low, high,
                             tuple(float(v) for v in l_vec), float(alpha),
                             breakdown_value(rows_t))
