"""Relative-magnitudes (Delta^RM) HonestDiD bounds against R HonestDiD output and brute force.

References (tests/data/README-event.md):

* ``arp_lp_reference.json``: R HonestDiD ``.test_delta_lp_fn`` (the ARP linear program) on a
  6-moment example: eta, the minimising delta and the duals (10 significant digits).
* ``bcdata_r_rm_reference.csv``: R HonestDiD ``computeConditionalCS_DeltaRM`` on BCdata with
  ``Mbar = 1``, ``l_vec = basisVector(1, 4)``, ``hybrid_flag = "LF"``, ``gridPoints = 200``:
  accepted interval (0.07055244362, 0.3184394077).

R's least-favourable critical value is the 0.995 quantile of 1000 simulated LP values after
``set.seed(0)`` (``mvtnorm::rmvnorm``, symmetric square root of the covariance). Our default
draws are those (R's Mersenne-Twister and inversion, ``r_random.r_normals``, checked against
R in test_honest_did), so with ``seed = 0`` our interval equals R's to ``R_GRID_ATOL`` (the
bounds are grid points given to 10 digits). With another seed the critical value differs, and
the interval may move by at most ``ONE_GRID_STEP`` (one point of R's 200-point grid, 0.0038).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators.did.honest.arp import (
    arp_lp,
    conditional_lf_accepts,
    conditional_lf_rejects,
    dual_vertices,
    least_favourable_cv,
    truncation,
)
from pilot_eval.estimators.did.honest.bounds import relative_magnitude_bounds as reexported
from pilot_eval.estimators.did.honest.relative_magnitude import (
    default_theta_grid,
    relative_magnitude_bounds,
    rm_confidence_set,
    rm_constraints,
    rm_identified_set,
)
from pilot_eval.estimators.errors import EstimatorConfigError
from pilot_eval.estimators.inference.r_random import r_normals

DATA = Path(__file__).resolve().parents[1] / "data" / "honestdid"
LP_ETA_ATOL = 1e-9  # reference eta has 15 digits; HiGHS optimality
LP_ATOL = 1e-8  # delta and duals have 10 significant digits
R_GRID_ATOL = 1e-9  # reference bounds are grid points printed to 10 significant digits
BRUTE_ATOL = 1e-9  # closed forms vs HiGHS / vertex enumeration
R_GRID_POINTS = 200
N_POST_MOMENTS = 8  # post-period rows of A_RM for 4 pre and 4 post periods


@pytest.fixture(scope="module")
def bc():
    beta = pd.read_csv(DATA / "bcdata_betahat.csv")["betahat"].to_numpy()
    sigma = np.loadtxt(DATA / "bcdata_sigma.csv", delimiter=",")
    return beta, sigma


@pytest.fixture(scope="module")
def lp_reference():
    return json.loads((DATA / "arp_lp_reference.json").read_text())


@pytest.fixture(scope="module")
def r_reference():
    return pd.read_csv(DATA / "bcdata_r_rm_reference.csv").iloc[0]


@pytest.fixture(scope="module")
def r_draws():
    """R's ``set.seed(0); rmvnorm(1000, sigma)`` underlying normals (filled by row)."""
    return r_normals(1000 * N_POST_MOMENTS).reshape(1000, N_POST_MOMENTS)


def test_arp_linear_program_matches_r(lp_reference):
    y, x, sigma = (np.array(lp_reference[k]) for k in ("y", "x", "sigma"))
    solution = arp_lp(y, x, sigma)
    assert solution.eta == pytest.approx(lp_reference["eta"], abs=LP_ETA_ATOL)
    np.testing.assert_allclose(solution.delta, lp_reference["delta"], atol=LP_ATOL)
    np.testing.assert_allclose(solution.lam, lp_reference["lambda"], atol=LP_ATOL)


def test_vertex_enumeration_gives_the_linear_program_value(lp_reference):
    x, sigma = np.array(lp_reference["x"]), np.array(lp_reference["sigma"])
    vertices = dual_vertices(x, np.sqrt(np.diag(sigma)))
    rng = np.random.default_rng(3)
    for _ in range(20):
        y = rng.normal(size=6) * 3
        assert np.max(vertices @ y) == pytest.approx(arp_lp(y, x, sigma).eta, abs=BRUTE_ATOL)


def test_truncation_bounds_by_brute_force(lp_reference):
    """gamma stays the optimal vertex exactly for gamma'y in [v_lo, v_up]."""
    y, x, sigma = (np.array(lp_reference[k]) for k in ("y", "x", "sigma"))
    vertices = dual_vertices(x, np.sqrt(np.diag(sigma)))
    gamma = vertices[np.argmax(vertices @ y)]
    b = sigma @ gamma / (gamma @ sigma @ gamma)
    s = y - b * (gamma @ y)
    v_lo, v_up = truncation(y, sigma, gamma, vertices)

    def optimal(c):
        moved = s + b * c
        return np.max(vertices @ moved) <= gamma @ moved + 1e-12

    for edge in (v_lo, v_up):
        if np.isfinite(edge):
            inside = edge + (1e-6 if edge == v_lo else -1e-6)
            outside = edge - (1e-6 if edge == v_lo else -1e-6)
            assert optimal(inside) and not optimal(outside)
    assert v_lo <= gamma @ y <= v_up


def test_least_favourable_value_by_brute_force_linear_programs(lp_reference):
    x, sigma = np.array(lp_reference["x"]), np.array(lp_reference["sigma"])
    vertices = dual_vertices(x, np.sqrt(np.diag(sigma)))
    normals = np.random.default_rng(5).standard_normal((400, 6))
    values, vectors = np.linalg.eigh(sigma)
    draws = normals @ (vectors * np.sqrt(values)) @ vectors.T
    etas = [arp_lp(d, x, sigma).eta for d in draws]
    expected = np.quantile(etas, 0.995)
    got = least_favourable_cv(vertices, sigma, kappa=0.005, normals=normals)
    assert got == pytest.approx(expected, abs=BRUTE_ATOL)


def test_vectorised_test_equals_one_theta_at_a_time(lp_reference):
    y, x, sigma = (np.array(lp_reference[k]) for k in ("y", "x", "sigma"))
    vertices = dual_vertices(x, np.sqrt(np.diag(sigma)))
    slope = np.linspace(-1.0, 1.0, 6)
    thetas = np.linspace(-15.0, 15.0, 301)
    lf_cv = least_favourable_cv(vertices, sigma, kappa=0.005,
                                normals=np.random.default_rng(1).standard_normal((4000, 6)))
    got = conditional_lf_accepts(y, slope, sigma, thetas=thetas, alpha=0.05, kappa=0.005,
                                 lf_cv=lf_cv, vertices=vertices)
    expected = [not conditional_lf_rejects(y - slope * t, sigma, alpha=0.05, kappa=0.005,
                                           lf_cv=lf_cv, vertices=vertices) for t in thetas]
    np.testing.assert_array_equal(got, expected)
    assert 0 < got.sum() < thetas.size  # both outcomes occur on this grid


def test_constraints_for_one_pre_difference():
    # n_pre = 1, n_post = 2, s = 0, positive: |delta_1 - 0| <= Mbar (0 - delta_-1), etc.
    a = rm_constraints(1, 2, mbar=2.0, s=0, positive=True)
    delta = np.array([-1.0, 1.5, 3.0])  # largest pre difference 1; post differences 1.5, 1.5
    assert np.all(a @ delta <= 1e-12)
    assert np.any(a @ np.array([-1.0, 2.5, 3.0]) > 0)  # first post difference 2.5 > 2


@pytest.mark.parametrize("mbar", [0.0, 0.5, 1.0, 2.0])
def test_identified_set_closed_form(bc, mbar):
    """With delta_pre = beta_pre, post differences are bounded by Mbar * D (D the largest
    absolute pre-period difference), so tau_1 is beta_1 +- Mbar D and the average of the four
    post periods is mean(beta_post) +- Mbar D (1 + 2 + 3 + 4) / 4."""
    beta, _ = bc
    largest = np.max(np.abs(np.diff(np.append(beta[:4], 0.0))))
    low, high = rm_identified_set(beta, n_pre=4, mbar=mbar, l_vec=np.eye(4)[0])
    assert low == pytest.approx(beta[4] - mbar * largest, abs=BRUTE_ATOL)
    assert high == pytest.approx(beta[4] + mbar * largest, abs=BRUTE_ATOL)
    low, high = rm_identified_set(beta, n_pre=4, mbar=mbar, l_vec=np.full(4, 0.25))
    assert low == pytest.approx(beta[4:].mean() - 2.5 * mbar * largest, abs=BRUTE_ATOL)
    assert high == pytest.approx(beta[4:].mean() + 2.5 * mbar * largest, abs=BRUTE_ATOL)


def test_confidence_set_matches_r_with_r_draws(bc, r_reference, r_draws):
    beta, sigma = bc
    l_vec = np.eye(4)[0]
    thetas = default_theta_grid(sigma, n_pre=4, l_vec=l_vec, grid_points=R_GRID_POINTS)
    accept = rm_confidence_set(beta, sigma, n_pre=4, mbar=1.0, l_vec=l_vec, alpha=0.05,
                               thetas=thetas, normals=r_draws)
    assert thetas[accept].min() == pytest.approx(r_reference["lb"], abs=R_GRID_ATOL)
    assert thetas[accept].max() == pytest.approx(r_reference["ub"], abs=R_GRID_ATOL)
    # the accepted set is an interval on this grid
    inside = np.flatnonzero(accept)
    assert inside.size == inside[-1] - inside[0] + 1


def test_default_draws_are_rs_and_another_seed_moves_at_most_one_grid_step(bc, r_reference):
    beta, sigma = bc
    result = relative_magnitude_bounds(beta, sigma, n_pre=4, mbar_grid=(0.0, 1.0),
                                       grid_points=R_GRID_POINTS)
    row = result.rows[1]
    assert row.low == pytest.approx(r_reference["lb"], abs=R_GRID_ATOL)
    assert row.high == pytest.approx(r_reference["ub"], abs=R_GRID_ATOL)
    thetas = default_theta_grid(sigma, n_pre=4, l_vec=np.eye(4)[0], grid_points=R_GRID_POINTS)
    one_grid_step = thetas[1] - thetas[0]
    other = relative_magnitude_bounds(beta, sigma, n_pre=4, mbar_grid=(1.0,),
                                      grid_points=R_GRID_POINTS, seed=20240601).rows[0]
    assert abs(other.low - r_reference["lb"]) <= one_grid_step + R_GRID_ATOL
    assert abs(other.high - r_reference["ub"]) <= one_grid_step + R_GRID_ATOL
    assert result.restriction == "relative_magnitude" and result.method == "C-LF"
    # Mbar = 0 is inside Mbar = 1 (Delta^RM grows with Mbar) and both exclude zero here
    assert result.rows[1].low <= result.rows[0].low <= result.rows[0].high <= row.high
    assert result.breakdown == 1.0
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["restriction"] == "relative_magnitude" and len(payload["rows"]) == 2
    assert "Mbar = 1" in result.summary()


def test_draws_of_the_wrong_width_are_refused(bc):
    beta, sigma = bc
    with pytest.raises(EstimatorConfigError, match="one column per post-period moment"):
        relative_magnitude_bounds(beta, sigma, n_pre=4, mbar_grid=(1.0,),
                                  normals=r_normals(3000).reshape(1000, 3))


def test_reexported_from_honest_did():
    assert reexported is relative_magnitude_bounds


def test_bad_inputs_say_what_was_seen(bc):
    beta, sigma = bc
    with pytest.raises(EstimatorConfigError, match="two post-period"):
        relative_magnitude_bounds(beta[:5], sigma[:5, :5], n_pre=4)
    with pytest.raises(EstimatorConfigError, match="negative"):
        relative_magnitude_bounds(beta, sigma, n_pre=4, mbar_grid=(-1.0,))


# R HonestDiD README (asheshrambachan/HonestDiD README.md, "Sensitivity analysis using relative
# magnitudes restrictions"): createSensitivityResults_relativeMagnitudes(betahat, sigma,
# numPrePeriods = 5, numPostPeriods = 2, Mbarvec = seq(0.5, 2, by = 0.5)) on the fixest TWFE
# event study of the Medicaid data (ehec_data, years < 2016, 2015 cohort dropped), printed by
# tibble to 3 significant digits: (Mbar, lb, ub).
README_RM = [(0.5, 0.0240, 0.0672), (1.0, 0.0170, 0.0720), (1.5, 0.00824, 0.0797),
             (2.0, -0.000916, 0.0881)]


def printed_tolerance(value: float) -> float:
    """Half a unit in the third significant digit (tibble's printing)."""
    return 0.5 * 10.0 ** (np.floor(np.log10(abs(value))) - 2)


@pytest.fixture(scope="module")
def ehec_event_study():
    """fixest ``feols(dins ~ i(year, D, ref = 2013) | stfips + year, cluster = ~stfips)``
    reproduced with pyfixest (CRV1 by state) on the README's sample."""
    pf = pytest.importorskip("pyfixest")
    wide = pd.read_csv(DATA / "ehec_2008_2015_wide.csv")
    frame = wide.melt(id_vars=["state", "yexp2"], var_name="column", value_name="dins")
    frame["year"] = frame["column"].str[1:].astype(int)
    treated = (frame["yexp2"] == 2014).astype(float)
    years = [2008, 2009, 2010, 2011, 2012, 2014, 2015]
    for year in years:
        frame[f"e{year}"] = treated * (frame["year"] == year)
    formula = "dins ~ " + " + ".join(f"e{y}" for y in years) + " | state + year"
    fit = pf.feols(formula, data=frame, vcov={"CRV1": "state"})
    return fit.coef()[[f"e{y}" for y in years]].to_numpy(), np.asarray(fit._vcov)


@pytest.mark.parametrize("seed", [0, 20240601])
def test_readme_relative_magnitudes_table(ehec_event_study, seed):
    """Default grid (1000 points on +-20 sd, step about 0.0004 here). With R's seed the bounds
    equal R's; with another seed they could differ by a grid step, but do not here."""
    beta, sigma = ehec_event_study
    result = relative_magnitude_bounds(beta, sigma, n_pre=5, seed=seed,
                                       mbar_grid=tuple(m for m, _, _ in README_RM))
    for row, (mbar, low, high) in zip(result.rows, README_RM, strict=True):
        assert row.m == mbar
        assert row.low == pytest.approx(low, abs=printed_tolerance(low))
        assert row.high == pytest.approx(high, abs=printed_tolerance(high))
    # significant up to Mbar = 1.5; at Mbar = 2 the interval contains zero (lb < 0)
    assert result.breakdown == 1.5


def test_interval_cut_by_the_grid_warns_and_a_wider_grid_extends_it(bc, r_draws):
    """BCdata at Mbar = 2: the default +-20 sd grid cuts the upper bound (R warns "CI is open
    at one of the endpoints"); on a wider grid the upper bound lies inside it."""
    beta, sigma = bc
    with pytest.warns(UserWarning, match="end of the theta grid"):
        cut = relative_magnitude_bounds(beta, sigma, n_pre=4, mbar_grid=(2.0,),
                                        grid_points=R_GRID_POINTS, normals=r_draws)
    top = default_theta_grid(sigma, n_pre=4, l_vec=np.eye(4)[0], grid_points=2)[-1]
    assert cut.rows[0].high == pytest.approx(top, abs=BRUTE_ATOL)
    wide = relative_magnitude_bounds(beta, sigma, n_pre=4, mbar_grid=(2.0,), grid=(-1.0, 1.0),
                                     grid_points=R_GRID_POINTS, normals=r_draws)
    assert top < wide.rows[0].high < 1.0
    with pytest.raises(EstimatorConfigError, match="lowest < highest"):
        relative_magnitude_bounds(beta, sigma, n_pre=4, grid=(1.0, -1.0))
