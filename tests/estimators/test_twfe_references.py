"""Two-way fixed effects against published figures (Grunfeld, mpdta), pyfixest and brute force.

Every reference number carries its source.  Tolerances are named constants:

* ``PUBLISHED_8DP``: half a unit in the 8th decimal, the rounding of the fixest vignette's
  printed figures (a relative 1e-8 is tighter than the printed precision: 0.02597821 is
  0.0259782118 rounded, a relative difference of 7e-8).
* ``PUBLISHED_6DP``: half a unit in the 6th decimal, the rounding of the mpdta figures.
* ``PEER_RTOL``: 1e-8 relative against pyfixest run in this process with a tight demeaning
  tolerance.
* ``BRUTE_RTOL``: 1e-10 relative against OLS with explicit unit and period dummies (lstsq).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators.columns import PanelColumns
from pilot_eval.estimators.did.twfe import TwoWayFixedEffects, fit_two_way
from pilot_eval.estimators.inference.fixed_effects import factorize

DATA = Path(__file__).resolve().parents[1] / "data"
PUBLISHED_8DP = 5e-9
PUBLISHED_6DP = 5e-7
PEER_RTOL = 1e-8
BRUTE_RTOL = 1e-10
CROSS_CHECK_ATOL = 1e-10
PYFIXEST_DEMEAN_TOL = 1e-14  # pyfixest's default (1e-6) is too loose for a 1e-8 comparison

# fixest `standard_errors` vignette, `feols(inv ~ capital | firm + year, Grunfeld)` (10 firms);
# the same figures are in ../shared/REFERENCES.md.
GRUNFELD_COEF = 0.41380183
GRUNFELD_SE = {"iid": 0.02597821, "cluster": 0.06328129}
GRUNFELD_SE_ALL_DUMMIES_IN_K = 0.06493478  # lm + HC1-style cluster (all dummies counted)
GRUNFELD_SE_NO_SMALL_SAMPLE = 0.05693726  # CR0

# R: fixest::feols(lemp ~ treat_post | countyreal + year, mpdta, cluster = ~countyreal),
# as recorded in ../shared/REFERENCES.md ("Static TWFE on mpdta").
MPDTA_COEF = -0.036549
MPDTA_SE = 0.013265


@pytest.fixture(scope="module")
def grunfeld() -> pd.DataFrame:
    return pd.read_csv(DATA / "grunfeld.csv")


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta.csv")


def grunfeld_fit(frame: pd.DataFrame, se: str):
    return fit_two_way(frame["invest"].to_numpy(), frame[["capital"]].to_numpy(),
                       factorize(frame["firm"]), factorize(frame["year"]),
                       names=("capital",), se=se)


@pytest.mark.parametrize("se", ["iid", "cluster"])
def test_grunfeld_matches_fixest_vignette(grunfeld, se):
    fit = grunfeld_fit(grunfeld, se)
    assert fit.coef[0] == pytest.approx(GRUNFELD_COEF, abs=PUBLISHED_8DP)
    assert np.sqrt(fit.covariance.matrix[0, 0]) == pytest.approx(GRUNFELD_SE[se],
                                                                 abs=PUBLISHED_8DP)
    assert fit.absorption.method == "one-pass"


def test_grunfeld_other_small_sample_conventions(grunfeld):
    """The vignette's other two rows follow from the same scores with another K / no factor."""
    fit = grunfeld_fit(grunfeld, "cluster")
    cov = fit.covariance
    cr0 = cov.matrix[0, 0] / cov.small_sample
    assert np.sqrt(cr0) == pytest.approx(GRUNFELD_SE_NO_SMALL_SAMPLE, abs=PUBLISHED_8DP)
    all_in_k = 1 + 10 + 20 - 1  # capital + every firm and year dummy (one dropped)
    n, g = 200, 10
    factor = g / (g - 1) * (n - 1) / (n - all_in_k)
    assert np.sqrt(cr0 * factor) == pytest.approx(GRUNFELD_SE_ALL_DUMMIES_IN_K,
                                                  abs=PUBLISHED_8DP)
    assert cov.n_params == 21  # capital + 20 years; firm effects nested in the clusters


@pytest.mark.parametrize("se", ["iid", "hc1", "cluster"])
def test_grunfeld_matches_pyfixest(grunfeld, se):
    pf = pytest.importorskip("pyfixest")
    vcov = {"iid": "iid", "hc1": "hetero", "cluster": {"CRV1": "firm"}}[se]
    ref = pf.feols("invest ~ capital | firm + year", data=grunfeld, vcov=vcov)
    fit = grunfeld_fit(grunfeld, se)
    assert fit.coef[0] == pytest.approx(ref.coef()["capital"], rel=PEER_RTOL)
    assert np.sqrt(fit.covariance.matrix[0, 0]) == pytest.approx(ref.se()["capital"],
                                                                 rel=PEER_RTOL)


MPDTA_COLUMNS = PanelColumns(outcome="lemp", unit="countyreal", time="year",
                             cohort="first.treat")


def test_mpdta_static_twfe_matches_reference(mpdta):
    result = TwoWayFixedEffects().fit(mpdta, MPDTA_COLUMNS)
    assert result.estimate == pytest.approx(MPDTA_COEF, abs=PUBLISHED_6DP)
    assert result.se == pytest.approx(MPDTA_SE, abs=PUBLISHED_6DP)
    assert result.n_obs == 2500 and result.n_units == 500 and result.n_periods == 5
    assert result.n_clusters == 500 and result.df == 499
    assert "countyreal" in result.se_description and "499 df" in result.se_description


@pytest.mark.parametrize("se", ["iid", "hc1", "cluster"])
def test_mpdta_matches_pyfixest(mpdta, se):
    pf = pytest.importorskip("pyfixest")
    frame = mpdta.assign(
        treat_post=((mpdta["first.treat"] > 0) & (mpdta["year"] >= mpdta["first.treat"]))
        .astype(float))
    vcov = {"iid": "iid", "hc1": "hetero", "cluster": {"CRV1": "countyreal"}}[se]
    ref = pf.feols("lemp ~ treat_post | countyreal + year", data=frame, vcov=vcov)
    result = TwoWayFixedEffects(se=se, cross_check="always").fit(mpdta, MPDTA_COLUMNS)
    assert result.estimate == pytest.approx(ref.coef()["treat_post"], rel=PEER_RTOL)
    assert result.se == pytest.approx(ref.se()["treat_post"], rel=PEER_RTOL)
    assert result.p_value == pytest.approx(ref.pvalue()["treat_post"], rel=1e-6)
    low, high = ref.confint().loc["treat_post"]
    assert result.ci_low == pytest.approx(low, rel=1e-6)
    assert result.ci_high == pytest.approx(high, rel=1e-6)
    assert result.cross_check.max_abs_difference < CROSS_CHECK_ATOL


def random_panel(seed: int, *, n_units: int = 60, n_periods: int = 9,
                 drop: float = 0.25) -> pd.DataFrame:
    """Staggered pilot, unbalanced (random rows dropped, never a unit's first period),
    heteroskedastic noise, two covariates, weights, 12 regions nesting the units and 25
    row-level batches nesting neither effect."""
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_periods)
    time = np.tile(np.arange(1, n_periods + 1), n_units)
    cohort = rng.choice([0, 0, 3, 5, 7], size=n_units)[unit]
    keep = (rng.random(unit.size) > drop) | (time == 1)
    unit, time, cohort = unit[keep], time[keep], cohort[keep]
    treated = ((cohort > 0) & (time >= cohort)).astype(float)
    x1 = rng.normal(size=unit.size) + 0.05 * unit
    x2 = rng.gamma(2.0, size=unit.size)
    y = (0.3 * treated + 0.5 * x1 - 0.2 * x2 + 0.1 * unit + 0.05 * time ** 1.5
         + rng.normal(size=unit.size) * (1 + np.abs(x1)))
    return pd.DataFrame({
        "unit": unit, "time": time, "cohort": cohort, "d": treated, "x1": x1, "x2": x2,
        "y": y, "w": rng.uniform(0.3, 3.0, unit.size), "region": unit // 5,
        "batch": rng.integers(0, 25, unit.size),  # clusters that nest neither effect
    })


PANEL_COLUMNS = PanelColumns(outcome="y", unit="unit", time="time", treatment="d",
                             covariates=("x1", "x2"), weights="w")


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("se", "cluster"), [("iid", None), ("hc1", None), ("cluster", None),
                                             ("cluster", "region"), ("cluster", "time"),
                                             ("cluster", "batch")])
def test_random_unbalanced_weighted_panels_match_pyfixest(seed, se, cluster):
    pf = pytest.importorskip("pyfixest")
    frame = random_panel(seed)
    columns = PanelColumns(**{**PANEL_COLUMNS.__dict__, "cluster": cluster})
    result = TwoWayFixedEffects(se=se, cross_check="always").fit(frame, columns)
    vcov = {"iid": "iid", "hc1": "hetero"}.get(se, {"CRV1": cluster or "unit"})
    ref = pf.feols("y ~ d + x1 + x2 | unit + time", data=frame, vcov=vcov, weights="w",
                   fixef_rm="none",
                   demeaner=pf.MapDemeaner(fixef_tol=PYFIXEST_DEMEAN_TOL, fixef_maxiter=100_000))
    assert result.absorption.method == "alternating projections"
    assert result.absorption.converged
    assert result.estimate == pytest.approx(ref.coef()["d"], rel=PEER_RTOL)
    assert result.se == pytest.approx(ref.se()["d"], rel=PEER_RTOL)
    for name, estimate, se_value in result.coefficients[1:]:
        assert estimate == pytest.approx(ref.coef()[name], rel=PEER_RTOL)
        assert se_value == pytest.approx(ref.se()[name], rel=PEER_RTOL)
    assert result.cross_check.max_abs_difference < CROSS_CHECK_ATOL


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize(("se", "cluster"), [("iid", None), ("hc1", None), ("cluster", None),
                                             ("cluster", "region"), ("cluster", "time"),
                                             ("cluster", "batch")])
def test_dense_cross_check_agrees_with_linearmodels_and_the_fit(seed, se, cluster):
    """``cross_check="auto"`` re-estimates by dense least squares with numpy (issue 12: the
    linearmodels re-estimate costs half a second to import); on unbalanced, weighted panels,
    with clusters nesting the units, the periods or neither, it gives what linearmodels gives
    and what the fit gives, to CROSS_CHECK_ATOL."""
    frame = random_panel(seed)
    columns = PanelColumns(**{**PANEL_COLUMNS.__dict__, "cluster": cluster})
    dense = TwoWayFixedEffects(se=se, cross_check="auto").fit(frame, columns)
    external = TwoWayFixedEffects(se=se, cross_check="always").fit(frame, columns)
    assert dense.cross_check.reference.startswith("dense least squares")
    assert external.cross_check.reference.startswith("linearmodels")
    assert dense.cross_check.max_abs_difference < CROSS_CHECK_ATOL
    assert dense.cross_check.estimate == pytest.approx(external.cross_check.estimate,
                                                       abs=CROSS_CHECK_ATOL)
    assert dense.cross_check.se == pytest.approx(external.cross_check.se, abs=CROSS_CHECK_ATOL)


def brute_force(frame: pd.DataFrame) -> np.ndarray:
    """Weighted OLS of y on d, x1, x2, a constant and explicit unit and period dummies."""
    units = pd.get_dummies(frame["unit"], drop_first=True, dtype=float).to_numpy()
    periods = pd.get_dummies(frame["time"], drop_first=True, dtype=float).to_numpy()
    design = np.column_stack([frame[["d", "x1", "x2"]].to_numpy(), np.ones(len(frame)),
                              units, periods])
    root = np.sqrt(frame["w"].to_numpy())
    coef, *_ = np.linalg.lstsq(design * root[:, None], frame["y"].to_numpy() * root,
                               rcond=None)
    return coef[:3]


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_point_estimates_equal_ols_with_dummies(seed):
    frame = random_panel(seed)
    result = TwoWayFixedEffects(se="hc1", cross_check="never").fit(frame, PANEL_COLUMNS)
    expected = brute_force(frame)
    got = np.array([estimate for _, estimate, _ in result.coefficients])
    np.testing.assert_allclose(got, expected, rtol=BRUTE_RTOL)


def staircase_panel(seed: int, n_units: int = 300, n_periods: int = 30) -> pd.DataFrame:
    """Weakly connected panel: each unit is seen in a window of 2-4 consecutive periods, so
    plain alternating projections need thousands of sweeps."""
    rng = np.random.default_rng(seed)
    start = rng.integers(1, n_periods - 3, n_units)
    length = rng.integers(2, 5, n_units)
    unit = np.repeat(np.arange(n_units), length)
    time = np.concatenate([np.arange(s, s + n) for s, n in zip(start, length, strict=True)])
    cohort = np.where(rng.random(n_units) < 0.3, start + 1, 0)[unit]
    treated = ((cohort > 0) & (time >= cohort)).astype(float)
    y = rng.normal(size=n_units)[unit] + 0.05 * time + 0.5 * treated + rng.normal(size=unit.size)
    return pd.DataFrame({"unit": unit, "time": time, "d": treated, "y": y,
                         "w": rng.uniform(0.5, 2.0, unit.size)})


@pytest.mark.parametrize("weights", [None, "w"])
def test_weakly_connected_panel_converges_to_the_dummy_regression(weights):
    pf = pytest.importorskip("pyfixest")
    frame = staircase_panel(11)
    columns = PanelColumns(outcome="y", unit="unit", time="time", treatment="d",
                           weights=weights)
    result = TwoWayFixedEffects(cross_check="never").fit(frame, columns)
    assert result.absorption.converged
    design = np.column_stack([frame["d"], np.ones(len(frame)),
                              pd.get_dummies(frame["unit"], drop_first=True, dtype=float),
                              pd.get_dummies(frame["time"], drop_first=True, dtype=float)])
    root = np.sqrt(frame["w"].to_numpy()) if weights else np.ones(len(frame))
    coef, *_ = np.linalg.lstsq(design * root[:, None], frame["y"].to_numpy() * root,
                               rcond=None)
    assert result.estimate == pytest.approx(coef[0], rel=BRUTE_RTOL)
    ref = pf.feols("y ~ d | unit + time", data=frame, vcov={"CRV1": "unit"}, weights=weights,
                   fixef_rm="none",  # pyfixest's MAP needs 1e5+ sweeps here: use its LSMR
                   demeaner=pf.LsmrDemeaner(fixef_atol=PYFIXEST_DEMEAN_TOL,
                                            fixef_btol=PYFIXEST_DEMEAN_TOL))
    assert result.se == pytest.approx(ref.se()["d"], rel=PEER_RTOL)


@pytest.mark.parametrize("se", ["iid", "cluster"])
def test_singletons_are_kept_like_fixest(se):
    """fixest keeps singleton fixed effects by default (pyfixest drops them unless
    ``fixef_rm="none"``). They leave the estimate and the iid SE (N and K both grow) unchanged
    but change the clustered SE (N, K and G in the small-sample factor)."""
    pf = pytest.importorskip("pyfixest")
    frame = random_panel(8)
    singles = frame.groupby("unit").head(1).iloc[:3].assign(unit=lambda f: f["unit"] + 1000,
                                                             d=0.0)
    frame = pd.concat([frame, singles], ignore_index=True)
    result = TwoWayFixedEffects(se=se, cross_check="never").fit(frame, PANEL_COLUMNS)
    vcov = {"iid": "iid", "cluster": {"CRV1": "unit"}}[se]
    kept = pf.feols("y ~ d + x1 + x2 | unit + time", data=frame, vcov=vcov, weights="w",
                    fixef_rm="none",
                    demeaner=pf.MapDemeaner(fixef_tol=PYFIXEST_DEMEAN_TOL,
                                            fixef_maxiter=100_000))
    assert result.n_obs == len(frame)
    assert result.se == pytest.approx(kept.se()["d"], rel=PEER_RTOL)
    assert result.estimate == pytest.approx(kept.coef()["d"], rel=PEER_RTOL)


def test_row_order_and_fixed_effect_shifts_do_not_change_the_result():
    """Brute-force invariances: shuffling rows, and adding any unit and period constants to
    the outcome (they are absorbed by the fixed effects), leave estimate and SE unchanged."""
    frame = random_panel(9)
    base = TwoWayFixedEffects(cross_check="never").fit(frame, PANEL_COLUMNS)
    rng = np.random.default_rng(3)
    shuffled = frame.sample(frac=1.0, random_state=4).reset_index(drop=True)
    shifted = shuffled.assign(y=shuffled["y"] + rng.normal(size=60)[shuffled["unit"]]
                              + 5.0 * shuffled["time"] ** 2)
    for variant in (shuffled, shifted):
        other = TwoWayFixedEffects(cross_check="never").fit(variant, PANEL_COLUMNS)
        assert other.estimate == pytest.approx(base.estimate, rel=PEER_RTOL)
        assert other.se == pytest.approx(base.se, rel=PEER_RTOL)
