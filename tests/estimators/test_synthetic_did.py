"""Synthetic DiD against R synthdid, Stata sdid, the AER paper and brute-force identities.

References (each figure is cited where it is used):
* R synthdid README and "synthdid introduction" vignette (github.com/synth-inference/synthdid,
  vignettes/synthdid.Rmd, output of synthdid 0.0.9 on R 4.x): California Proposition 99,
  ``synthdid_estimate`` -15.60383, ``sc_estimate`` -19.61966, ``did_estimate`` -27.34911,
  ``summary()``: unit weights to 3 decimals, time weights 1988 0.427, 1986 0.366, 1987 0.206,
  N0.effective 16.388, T0.effective 2.783; with ``set.seed(12345)`` the placebo 95% CI
  (-32.01, 0.80).
* Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021, AER 111(12)), Table 1: estimates
  (placebo standard errors) SDID -15.6 (8.4), SC -19.6 (9.9), DID -27.3 (17.7); produced by
  vignettes/paper-results.Rmd with ``set.seed(12345)`` before each estimator's 200 placebo
  replications (R 4.0.5), replayed here with R's generator (``r_rng.RRandom``).
* Stata sdid README (github.com/Daniel-Pailanir/sdid): California ATT -15.60383.
* Stata sdid 2.0 log on the quota panel (Clarke et al. 2023 example; log published with the
  tutorial "Staggered SDID in Stata", carlos-mendez.org, 2026): ``sdid womparl country year
  quota`` ATT 8.034102 (8.0341015), cohort estimates e(tau) 8.3888685, 6.9677465, 13.952256,
  -3.4505431, 2.7490355, 21.762716, -.82032354; ``covariates(lngdp, projected)`` on rows with
  lngdp ATT 8.059266.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators import (
    DidTwoByTwo,
    PanelColumns,
    SyntheticDid,
    TwoWayFixedEffects,
    Unavailable,
)
from pilot_eval.estimators.did.synthetic.block import estimate, fit_block, regularisation
from pilot_eval.estimators.did.synthetic.cohorts import Block, cohort_blocks, fit_blocks
from pilot_eval.estimators.did.synthetic.frank_wolfe import SimplexProblems, solve
from pilot_eval.estimators.did.synthetic.inference import placebo
from pilot_eval.estimators.did.synthetic.panel import synthetic_panel

sys.path.insert(0, str(Path(__file__).parent))
from r_rng import RRandom  # noqa: E402

DATA = Path(__file__).parents[1] / "data" / "synthetic"
PRINTED_7 = 5e-6       # R prints 7 significant digits (-15.60383): half a unit in the last place
PRINTED_5 = 5e-6       # five decimals printed
STATA_7 = 1e-6         # Stata's %9.0g / e() listing: 8.034102, 8.3888685
WEIGHT_3DP = 5e-4      # summary() rounds weights to 3 decimals
TABLE_1DP = 0.05       # Table 1 prints one decimal
IDENTITY = 1e-10       # brute-force identities hold to rounding

CALIFORNIA = PanelColumns(outcome="PacksPerCapita", unit="State", time="Year",
                          treatment="treated")
QUOTA = PanelColumns(outcome="womparl", unit="country", time="year", treatment="quota")


@pytest.fixture(scope="module")
def prop99() -> pd.DataFrame:
    return pd.read_csv(DATA / "california_prop99.csv", sep=";")


@pytest.fixture(scope="module")
def quota() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "quota_example.csv")
    for col in ("womparl", "lngdp"):  # Stata stores floats
        frame[col] = frame[col].astype(np.float32).astype(np.float64)
    return frame


def test_prop99_copy_matches_the_papers_description(prop99):
    """Abadie, Diamond & Hainmueller (2010, JASA 105(490)), Section 3: 39 states (California
    and 38 without large tobacco-control programmes or tax rises), 1970-2000, Proposition 99
    from 1989; Table 1's California column: cigarette sales per capita 127.1 (1975), 120.2
    (1980), 90.1 (1988) packs."""
    assert prop99.shape == (39 * 31, 4) and prop99.State.nunique() == 39
    assert (prop99.Year.min(), prop99.Year.max()) == (1970, 2000)
    assert set(prop99.loc[prop99.treated == 1, "State"]) == {"California"}
    assert prop99.loc[prop99.treated == 1, "Year"].min() == 1989
    ca = prop99[prop99.State == "California"].set_index("Year").PacksPerCapita
    assert [round(ca[y], 1) for y in (1975, 1980, 1988)] == [127.1, 120.2, 90.1]


@pytest.mark.parametrize(("method", "expected"), [
    ("sdid", -15.60383), ("sc", -19.61966), ("did", -27.34911)])
def test_california_estimates_match_r_vignette(prop99, method, expected):
    result = SyntheticDid(method=method, se="none").fit(prop99, CALIFORNIA)
    assert result.estimate == pytest.approx(expected, abs=PRINTED_7)


def test_california_weights_match_r_summary(prop99):
    result = SyntheticDid(se="none").fit(prop99, CALIFORNIA)
    (cohort,) = result.cohorts
    omega = {u.unit: u.weight for u in cohort.unit_weights}
    printed = {"Nevada": 0.124, "New Hampshire": 0.105, "Connecticut": 0.078,
               "Delaware": 0.070, "Colorado": 0.058, "Illinois": 0.053, "Nebraska": 0.048,
               "Montana": 0.045, "Utah": 0.042, "New Mexico": 0.041, "Minnesota": 0.039,
               "Wisconsin": 0.037, "West Virginia": 0.034, "North Carolina": 0.033,
               "Idaho": 0.031, "Ohio": 0.031, "Maine": 0.028, "Iowa": 0.026}
    for state, weight in printed.items():
        assert omega[state] == pytest.approx(weight, abs=WEIGHT_3DP)
    lam = dict(cohort.time_weights)
    assert lam[1988] == pytest.approx(0.427, abs=WEIGHT_3DP)
    assert lam[1986] == pytest.approx(0.366, abs=WEIGHT_3DP)
    assert lam[1987] == pytest.approx(0.206, abs=WEIGHT_3DP)
    assert sum(w > 0 for w in lam.values()) == 3
    assert cohort.effective_controls == pytest.approx(16.388, abs=WEIGHT_3DP)
    assert cohort.effective_pre_periods == pytest.approx(2.783, abs=WEIGHT_3DP)
    assert result.estimate == pytest.approx(-15.60383, abs=PRINTED_7)  # Stata sdid README


def _r_placebo_se(frame, method):
    """vcov(estimate, method='placebo') after set.seed(12345), replayed with R's generator."""
    panel = synthetic_panel(frame, CALIFORNIA)
    fits = fit_blocks(panel.y, cohort_blocks(panel.start), method)
    rng = RRandom(12345)
    perms = np.stack([rng.sample(panel.controls.size) for _ in range(200)])
    return fits[0].tau, placebo(panel, fits, method, perms, max_iter=10_000).se


@pytest.mark.parametrize(("method", "est", "se"), [
    ("sdid", -15.6, 8.4), ("sc", -19.6, 9.9), ("did", -27.3, 17.7)])
def test_california_table_1_placebo_standard_errors(prop99, method, est, se):
    tau, placebo_se = _r_placebo_se(prop99, method)
    assert tau == pytest.approx(est, abs=TABLE_1DP)
    assert placebo_se == pytest.approx(se, abs=TABLE_1DP)
    if method == "sdid":  # vignette: sprintf('95%% CI (%1.2f, %1.2f)', ...) = (-32.01, 0.80)
        assert round(tau - 1.96 * placebo_se, 2) == -32.01
        assert round(tau + 1.96 * placebo_se, 2) == 0.80


def test_quota_staggered_matches_stata_sdid(quota):
    result = SyntheticDid(se="none").fit(quota, QUOTA)
    assert result.estimate == pytest.approx(8.034102, abs=STATA_7)
    taus = [c.estimate for c in result.cohorts]
    expected = [8.3888685, 6.9677465, 13.952256, -3.4505431, 2.7490355, 21.762716,
                -0.82032354]
    np.testing.assert_allclose(taus, expected, atol=STATA_7)
    assert [c.start for c in result.cohorts] == [2000, 2002, 2003, 2005, 2010, 2012, 2013]
    weights = np.array([c.weight for c in result.cohorts])
    sizes = np.array([c.n_treated * c.n_post for c in result.cohorts])
    np.testing.assert_allclose(weights, sizes / sizes.sum(), atol=IDENTITY)


def test_quota_projected_covariates_match_stata_sdid(quota):
    rows = quota.dropna(subset=["lngdp"])
    cols = PanelColumns(outcome="womparl", unit="country", time="year", treatment="quota",
                        covariates=("lngdp",))
    result = SyntheticDid(se="none").fit(rows, cols)
    assert result.estimate == pytest.approx(8.059266, abs=STATA_7)


def test_uniform_weights_equal_two_way_fixed_effects(prop99):
    """SDID with uniform unit and time weights is DiD (brute force: TWFE on the block panel)."""
    did = SyntheticDid(method="did", se="none").fit(prop99, CALIFORNIA)
    twfe = TwoWayFixedEffects(cross_check="never").fit(prop99, CALIFORNIA)
    assert did.estimate == pytest.approx(twfe.estimate, abs=IDENTITY)


def test_time_weight_on_last_pre_period_equals_two_by_two(prop99):
    """omega uniform, lambda on 1988 only == the 2x2 of 1988 against 1989-2000 (cell means)."""
    panel = synthetic_panel(prop99, CALIFORNIA)
    order = np.concatenate([panel.controls, panel.treated])
    t0 = int(panel.cohorts[0])
    omega = np.full((1, panel.controls.size), 1.0 / panel.controls.size)
    lam = np.zeros((1, t0))
    lam[0, -1] = 1.0
    tau = estimate(panel.y[order][None], panel.controls.size, t0, omega, lam)[0]
    sub = prop99[prop99.Year >= 1988]
    two = DidTwoByTwo().fit(sub, CALIFORNIA)
    assert tau == pytest.approx(two.estimate, abs=IDENTITY)


def test_sdid_weights_are_on_the_simplex_and_estimate_is_the_weighted_contrast(prop99):
    result = SyntheticDid(se="none").fit(prop99, CALIFORNIA)
    (cohort,) = result.cohorts
    omega = np.array([u.weight for u in cohort.unit_weights])
    lam = np.array([w for _, w in cohort.time_weights])
    assert omega.min() >= 0 and lam.min() >= 0
    assert omega.sum() == pytest.approx(1.0, abs=IDENTITY)
    assert lam.sum() == pytest.approx(1.0, abs=IDENTITY)
    wide = prop99.pivot(index="State", columns="Year", values="PacksPerCapita")
    controls = wide.loc[[u.unit for u in cohort.unit_weights]].to_numpy()
    cal = wide.loc["California"].to_numpy()
    synth = omega @ controls
    brute = (cal[19:] - synth[19:]).mean() - lam @ (cal[:19] - synth[:19])
    assert result.estimate == pytest.approx(brute, abs=IDENTITY)


def test_batched_replications_equal_one_at_a_time(prop99):
    """Solving the placebo replications together gives each one's own solution."""
    panel = synthetic_panel(prop99, CALIFORNIA)
    order = np.concatenate([panel.controls, panel.treated])
    y = panel.y[order]
    reg = regularisation(y, 38, 19, "sdid")
    rng = np.random.default_rng(3)
    mats = np.stack([y[rng.permutation(38)] for _ in range(4)])
    together = fit_block(mats, 37, 19, "sdid", [reg] * 4)
    for b in range(4):
        alone = fit_block(mats[b:b + 1], 37, 19, "sdid", [reg])
        assert together.tau[b] == pytest.approx(alone.tau[0], abs=1e-9)


def test_bootstrap_draws_of_different_sizes_solved_together_equal_one_at_a_time(prop99):
    """Bootstrap draws have different numbers of comparison units: padded and solved together
    (Gram matrices gathered from the distinct units) each gives its own solution."""
    panel = synthetic_panel(prop99, CALIFORNIA)
    order = np.concatenate([panel.controls, panel.treated])
    y = panel.y[order]
    full = fit_blocks(y, cohort_blocks(np.r_[np.full(38, -1), 19]), "sdid")[0]
    rng = np.random.default_rng(5)
    blocks, panels = [], []
    for size in (30, 38, 25, 38, 33):
        draw = np.sort(rng.integers(0, 38, size=size))  # repeated units included
        panels.append(np.vstack([y[draw], y[38:]]))
        omega = full.omega[draw] / full.omega[draw].sum() if full.omega[draw].sum() else None
        blocks.append(Block(cohort=19, controls=np.arange(size), treated=np.array([size]), t0=19,
                            reg=full.reg, omega_start=omega, lambda_start=full.lambda_))
    together = fit_blocks(panels, blocks, "sdid")
    rng = np.random.default_rng(5)
    draws = [np.sort(rng.integers(0, 38, size=size)) for size in (30, 38, 25, 38, 33)]
    for blk, mat, fitted, draw in zip(blocks, panels, together, draws, strict=True):
        alone = fit_block(mat[None], blk.controls.size, 19, "sdid", [full.reg],
                          omega_start=None if blk.omega_start is None else blk.omega_start[None],
                          lambda_start=full.lambda_[None])
        assert fitted.tau == pytest.approx(alone.tau[0], abs=1e-9)
        # copies of a unit drawn twice are exact ties: rounding decides which copy a step
        # goes to, so the weights are compared unit by unit
        by_unit = np.bincount(draw, weights=fitted.omega, minlength=38)
        assert by_unit == pytest.approx(np.bincount(draw, weights=alone.omega[0], minlength=38),
                                        abs=1e-9)


def test_padded_problems_never_use_their_padding():
    rng = np.random.default_rng(2)
    parts = [(rng.normal(size=(9, k)), rng.normal(size=9)) for k in (3, 7, 5)]
    problems = SimplexProblems.padded(parts, np.full(3, 0.1), centre=True)
    together = solve(problems, np.where(problems.valid, 1.0, 0.0) / problems.valid.sum(
        axis=1, keepdims=True), min_decrease=1e-30, max_iter=100).weights
    for j, (a, b) in enumerate(parts):
        alone = solve(SimplexProblems.build(a, b, 0.1, centre=True), np.full(a.shape[1],
                      1 / a.shape[1]), min_decrease=1e-30, max_iter=100).weights[0]
        assert together[j, :a.shape[1]] == pytest.approx(alone, abs=1e-10)
        assert (together[j, a.shape[1]:] == 0).all()


def test_jackknife_is_the_leave_one_out_formula(quota):
    """Jackknife (Algorithm 3) by brute force: drop each unit, renormalise omega, keep lambda."""
    drop = ["Algeria", "Kenya", "Samoa", "Swaziland", "Tanzania"]
    sub = quota[~quota.country.isin(drop)]
    result = SyntheticDid(se="jackknife").fit(sub, QUOTA)
    # ATT on this subset as printed (5 decimals) by the synthdid Python port's README
    # (github.com/d2cml-ai/synthdid.py), whose staggered estimator follows Stata sdid
    assert result.estimate == pytest.approx(10.33066, abs=PRINTED_5)
    wide = sub.pivot(index="country", columns="year", values="womparl")
    start = sub[sub.quota == 1].groupby("country").year.min()
    years = list(wide.columns)
    estimates = []
    for dropped in wide.index:
        taus, sizes = [], []
        for cohort in result.cohorts:
            treated = [u for u in start.index if start[u] == cohort.start and u != dropped]
            omega = pd.Series({u.unit: u.weight for u in cohort.unit_weights}).drop(
                dropped, errors="ignore")
            omega = omega / omega.sum()
            lam = pd.Series(dict(cohort.time_weights))
            t0 = years.index(cohort.start)
            contrast = wide.loc[treated].mean() - omega @ wide.loc[omega.index]
            taus.append(contrast.iloc[t0:].mean() - lam @ contrast.iloc[:t0])
            sizes.append(len(treated) * (len(years) - t0))
        estimates.append(np.dot(np.array(sizes) / sum(sizes), taus))
    n = len(estimates)
    brute = np.sqrt((n - 1) ** 2 / n * np.var(estimates, ddof=1))
    assert result.se == pytest.approx(brute, rel=1e-9)


def test_inference_choices_and_reproducibility(prop99):
    first = SyntheticDid(se="placebo", replications=20, seed=5).fit(prop99, CALIFORNIA)
    again = SyntheticDid(se="placebo", replications=20, seed=5).fit(prop99, CALIFORNIA)
    assert first.se == again.se and first.replications == 20
    assert first.se_method == "placebo"
    assert SyntheticDid(se="auto", replications=5).fit(prop99, CALIFORNIA).se_method == "placebo"
    boot = SyntheticDid(se="bootstrap", replications=5).fit(prop99, CALIFORNIA)
    assert isinstance(boot.se, Unavailable) and "two pilot units" in boot.se.reason
    jack = SyntheticDid(se="jackknife").fit(prop99, CALIFORNIA)
    assert isinstance(jack.se, Unavailable)
    lo, hi = first.ci_low, first.ci_high
    assert lo < first.estimate < hi
    assert 0 <= first.placebo_rank <= 20


def test_bootstrap_on_staggered_quota_runs_and_is_seeded(quota):
    a = SyntheticDid(se="bootstrap", replications=6, seed=2).fit(quota, QUOTA)
    b = SyntheticDid(se="bootstrap", replications=6, seed=2).fit(quota, QUOTA)
    assert a.se == b.se and a.se > 0 and a.replications == 6


def test_result_outputs(prop99):
    result = SyntheticDid(se="placebo", replications=10).fit(prop99, CALIFORNIA)
    d = result.to_dict()
    for key in ("estimator", "estimate", "se", "ci_low", "ci_high", "p_value", "cohorts",
                "n_treated", "n_controls", "warnings", "unavailable", "placebo_rank"):
        assert key in d
    assert d["estimator"] == "synthetic-did"
    assert d["cohorts"][0]["unit_weights"][0]["unit"] == "Nevada" or \
        max(d["cohorts"][0]["unit_weights"], key=lambda u: u["weight"])["unit"] == "Nevada"
    assert list(result.tidy().columns) == ["term", "estimate", "se", "statistic", "p_value",
                                           "ci_low", "ci_high"]
    assert "Nevada 0.124" in result.summary()
    assert result.unit_weights.index[0] == "Nevada"
    assert result.to_frame().loc[0, "start"] == 1989


def test_auto_uses_jackknife_with_many_pilot_units():
    rng = np.random.default_rng(4)
    rows = [{"unit": u, "t": t, "y": rng.normal() + 0.1 * t, "d": int(u < 12 and t >= 7)}
            for u in range(30) for t in range(1, 11)]
    cols = PanelColumns(outcome="y", unit="unit", time="t", treatment="d")
    result = SyntheticDid().fit(pd.DataFrame(rows), cols)
    assert result.se_method == "jackknife" and result.se > 0 and result.seed is None
