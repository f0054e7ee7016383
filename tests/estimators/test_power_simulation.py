"""Simulation power: the vectorised estimators equal the full ones, and the simulation
converges to the analytic value in a simple balanced design.

References: ``TwoWayFixedEffects`` (fixest-matching CR1), ``CallawaySantAnna`` (R ``did``
2.5) and ``SyntheticDid`` (R ``synthdid`` / Stata ``sdid``; its estimate) on the same panel, to
1e-10; McKenzie (2012) DiD power with compound-symmetric errors
(team effect + independent noise) within three Monte-Carlo standard errors at 2,000
replications, as issue 17 asks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators import CallawaySantAnna, PanelColumns, TwoWayFixedEffects
from pilot_eval.estimators.did.synthetic.estimator import SyntheticDid
from pilot_eval.estimators.did.synthetic.power_batch import synthetic_did_batch, synthetic_did_fit
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.power.analytic import rounds_power
from pilot_eval.estimators.power.components import variance_components
from pilot_eval.estimators.power.estimators import callaway_santanna_batch, twfe_batch
from pilot_eval.estimators.power.simulation import (
    PlannedDesign,
    SeriesPool,
    simulate_null,
    simulate_power,
)

SAME = 1e-10
MC_SES = 3


def _frame(y: np.ndarray, starts: np.ndarray) -> pd.DataFrame:
    g, t = y.shape
    treated = (np.arange(t)[None, :] >= starts[:, None]) & (starts[:, None] >= 0)
    return pd.DataFrame({"unit": np.repeat(np.arange(g), t), "time": np.tile(np.arange(1, t + 1), g),
                         "y": y.ravel(), "d": treated.astype(float).ravel(),
                         "cohort": np.repeat(np.where(starts >= 0, starts + 1, 0), t)})


@pytest.mark.parametrize("staggered", [False, True])
def test_batch_twfe_equals_two_way_fixed_effects(staggered):
    rng = np.random.default_rng(3)
    design = PlannedDesign(8, 14, 4, 6, staggered=staggered)
    y = rng.normal(size=(3, design.n_teams, design.months)) + rng.normal(
        size=(3, design.n_teams, 1)) + np.linspace(0, 1, design.months)
    batch = twfe_batch(y, design.treatment())
    for r in range(3):
        full = TwoWayFixedEffects(cross_check="never").fit(
            _frame(y[r], design.starts()),
            PanelColumns(outcome="y", unit="unit", time="time", treatment="d"))
        assert batch.estimate[r] == pytest.approx(full.estimate, abs=SAME)
        assert batch.se[r] == pytest.approx(full.se, abs=SAME)
        assert batch.df == full.df


def test_batch_callaway_santanna_equals_full_estimator():
    rng = np.random.default_rng(4)
    design = PlannedDesign(12, 18, 3, 8, staggered=True)
    y = rng.normal(size=(2, design.n_teams, design.months)) * rng.uniform(
        0.5, 2, size=(1, design.n_teams, 1))
    batch = callaway_santanna_batch(y, design.starts())
    for r in range(2):
        full = CallawaySantAnna().fit(
            _frame(y[r], design.starts()),
            PanelColumns(outcome="y", unit="unit", time="time", cohort="cohort"))
        assert batch.estimate[r] == pytest.approx(full.estimate, abs=SAME)
        assert batch.se[r] == pytest.approx(full.se, abs=SAME)


@pytest.mark.parametrize("staggered", [False, True])
def test_batch_synthetic_did_equals_full_estimator(staggered):
    rng = np.random.default_rng(5)
    design = PlannedDesign(4, 10, 6, 6, staggered=staggered)
    factors = rng.normal(size=(2, design.months)).cumsum(axis=1)
    loadings = rng.uniform(0, 1, size=(3, design.n_teams, 2))
    y = loadings @ factors + rng.normal(scale=0.5, size=(3, design.n_teams, design.months))
    batch = synthetic_did_batch(y, design.starts())
    assert np.all(np.isnan(batch.se)) and batch.df is None
    for r in range(3):
        full = SyntheticDid(se="none").fit(
            _frame(y[r], design.starts()),
            PanelColumns(outcome="y", unit="unit", time="time", treatment="d"))
        assert batch.estimate[r] == pytest.approx(full.estimate, abs=SAME)


def test_synthetic_did_power_uses_the_spread_of_the_null_estimates():
    pool = SeriesPool(_compound_symmetric_pool(17, teams=60, months=12))
    design = PlannedDesign(2, 12, 8, 4)
    draws = simulate_null(pool, design, reps=120, seed=3, estimator=synthetic_did_fit)
    assert np.all(draws.ses == pytest.approx(np.std(draws.estimates, ddof=1), rel=SAME))
    injected = simulate_power(pool, design, effect=1.5, reps=120, seed=3,
                              estimator=synthetic_did_fit)
    # the weights use only comparison teams and months before the start: the estimate moves by
    # exactly the effect, so injecting it equals shifting the draws without it
    assert injected.mean_estimate == pytest.approx(np.mean(draws.estimates) + 1.5, abs=SAME)
    assert injected.power == draws.power(1.5)


def _compound_symmetric_pool(seed: int, teams: int = 4000, months: int = 16,
                             between: float = 0.7, within: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.normal(scale=between, size=(teams, 1))
            + rng.normal(scale=within, size=(teams, months)))


@pytest.mark.parametrize(("effect", "staggered"), [(0.45, False), (0.3, False)])
def test_simulation_converges_to_mckenzie_within_three_mc_ses(effect, staggered):
    values = _compound_symmetric_pool(11)
    components = variance_components(values)
    design = PlannedDesign(25, 35, 4, 8, staggered=staggered)
    draws = simulate_null(SeriesPool(values), design, reps=2000, seed=20240601)
    analytic = rounds_power(effect, design="did", sd=components.sd, n1=25, n0=35, pre=4, post=8,
                            rho=components.icc, df=design.n_teams - 1)
    assert abs(draws.power(effect) - analytic) <= MC_SES * draws.mc_se(effect)
    assert 0.3 < analytic < 0.95  # a power where the comparison can fail


def test_injected_effect_equals_shifted_null_draws():
    pool = SeriesPool(_compound_symmetric_pool(12, teams=300))
    for estimator, staggered in (("twfe", False), ("callaway-santanna", True)):
        design = PlannedDesign(10, 20, 3, 6, staggered=staggered)
        draws = simulate_null(pool, design, reps=300, seed=7, estimator=estimator)
        injected = simulate_power(pool, design, effect=0.6, reps=300, seed=7,
                                  estimator=estimator)
        assert injected.power == draws.power(0.6)
        assert injected.mean_estimate == pytest.approx(np.mean(draws.estimates) + 0.6, abs=SAME)


def test_mde_reaches_target_and_is_the_smallest():
    pool = SeriesPool(_compound_symmetric_pool(13, teams=300))
    draws = simulate_null(pool, PlannedDesign(10, 20, 3, 6), reps=400, seed=1)
    mde = draws.mde(0.8)
    assert draws.power(mde) >= 0.8 > draws.power(mde * (1 - 1e-6))
    assert draws.mde(0.8, direction=-1) < 0
    assert draws.power(draws.mde(0.8, direction=-1)) >= 0.8


def test_simulation_is_reproducible_and_seed_dependent():
    pool = SeriesPool(_compound_symmetric_pool(14, teams=200))
    design = PlannedDesign(6, 12, 3, 4)
    first = simulate_null(pool, design, reps=150, seed=5)
    again = simulate_null(pool, design, reps=150, seed=5)
    other = simulate_null(pool, design, reps=150, seed=6)
    assert np.array_equal(first.estimates, again.estimates)
    assert not np.array_equal(first.estimates, other.estimates)


def test_windows_keep_whole_untreated_series():
    values = np.arange(40, dtype=float).reshape(5, 8)
    values[0, 5:] = np.nan          # a pilot team after its start
    values[1, 2] = np.nan           # a gap
    pool = SeriesPool(values)
    assert [o for o, _ in pool.windows(5)] == [0, 3]
    assert pool.longest_window == 5
    for offset, usable in pool.windows(3):
        assert np.all(np.isfinite(values[usable, offset:offset + 3]))
    y = simulate_null(pool, PlannedDesign(1, 3, 1, 2), reps=20, seed=1)
    assert y.reps == 20


def test_too_long_a_design_is_refused_with_the_longest_possible():
    pool = SeriesPool(_compound_symmetric_pool(15, teams=10, months=6))
    with pytest.raises(EstimationError, match="longest possible is 6 months"):
        simulate_null(pool, PlannedDesign(3, 6, 2, 6), reps=20, seed=1)


def test_components_recover_known_variances():
    values = _compound_symmetric_pool(16, teams=4000, months=12, between=0.8, within=1.5)
    components = variance_components(values)
    # method-of-moments sampling error with 4,000 teams: a few per cent
    assert components.between == pytest.approx(0.64, rel=0.08)
    assert components.within == pytest.approx(2.25, rel=0.03)
    assert abs(components.serial_correlation) < 0.15  # demeaning bias -1/(T-1) ~ -0.09


@pytest.mark.parametrize("bad", [
    lambda: PlannedDesign(0, 5, 2, 2), lambda: PlannedDesign(3, 1, 2, 2),
    lambda: PlannedDesign(3, 5, 0, 2), lambda: PlannedDesign(1, 5, 2, 4, staggered=True),
])
def test_impossible_designs_are_refused(bad):
    with pytest.raises(EstimatorConfigError):
        bad()
