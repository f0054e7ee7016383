"""Synthetic control: exact simplex weights (brute force), placebos, permutation p-value.

Matching on the pre-period outcomes only (the default).  Published weights, which match on
predictors with data-chosen predictor weights, are reproduced in
test_synthetic_control_predictors.py.  The checks here are: the weights solve the simplex least-squares
problem exactly (compared with a general constrained solver and the KKT conditions), the
placebo loop equals refitting by hand, and the p-value is the published rank rule
(ADH 2010, Section 4: share of units with post/pre RMSPE ratio at least the pilot's).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators import PanelColumns, SyntheticControl, Unavailable
from pilot_eval.estimators.did.synthetic.simplex import simplex_least_squares
from scipy.optimize import minimize

DATA = Path(__file__).parents[1] / "data" / "synthetic"
CALIFORNIA = PanelColumns(outcome="PacksPerCapita", unit="State", time="Year",
                          treatment="treated")
SOLVER = 1e-6    # SLSQP's own precision on the objective
IDENTITY = 1e-10


@pytest.fixture(scope="module")
def prop99() -> pd.DataFrame:
    return pd.read_csv(DATA / "california_prop99.csv", sep=";")


@pytest.fixture(scope="module")
def result(prop99):
    return SyntheticControl().fit(prop99, CALIFORNIA)


def _slsqp(a, b):
    k = a.shape[1]
    res = minimize(lambda w: np.sum((a @ w - b) ** 2), np.full(k, 1 / k), method="SLSQP",
                   bounds=[(0, 1)] * k, constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}],
                   options={"ftol": 1e-14, "maxiter": 1000})
    return res.x


def test_weights_solve_the_simplex_problem_exactly(prop99, result):
    wide = prop99.pivot(index="State", columns="Year", values="PacksPerCapita")
    a = wide.loc[list(result.donors)].to_numpy()[:, :19].T
    b = wide.loc["California"].to_numpy()[:19]
    w = np.array(result.weights)
    assert w.min() >= 0 and w.sum() == pytest.approx(1.0, abs=IDENTITY)
    other = _slsqp(a, b)
    assert np.sum((a @ w - b) ** 2) <= np.sum((a @ other - b) ** 2) + SOLVER
    grad = a.T @ (a @ w - b)
    on = w > 0
    assert np.ptp(grad[on]) < 1e-8 * np.abs(grad).max()
    assert (grad[~on] >= grad[on].mean() - 1e-8 * np.abs(grad).max()).all()


def test_random_problems_match_a_general_solver():
    rng = np.random.default_rng(0)
    for _ in range(20):
        a = rng.normal(size=(12, 7))
        b = rng.normal(size=12)
        w = simplex_least_squares(a, b)
        other = _slsqp(a, b)
        assert np.sum((a @ w - b) ** 2) <= np.sum((a @ other - b) ** 2) + SOLVER


def test_estimate_gaps_and_placebo_p_value(prop99, result):
    wide = prop99.pivot(index="State", columns="Year", values="PacksPerCapita")
    synth = np.array(result.weights) @ wide.loc[list(result.donors)].to_numpy()
    gap = wide.loc["California"].to_numpy() - synth
    assert result.estimate == pytest.approx(gap[19:].mean(), abs=IDENTITY)
    assert len(result.placebos) == 38
    # one placebo by hand: Utah as the pilot, the other 37 donors as its pool
    utah = next(p for p in result.placebos if p.unit == "Utah")
    pool = [d for d in result.donors if d != "Utah"]
    a = wide.loc[pool].to_numpy()[:, :19].T
    w = simplex_least_squares(a, wide.loc["Utah"].to_numpy()[:19])
    utah_gap = wide.loc["Utah"].to_numpy() - w @ wide.loc[pool].to_numpy()
    np.testing.assert_allclose(utah.gaps, utah_gap, atol=IDENTITY)
    ratios = np.array([p.ratio for p in result.placebos])
    rank = 1 + int(np.sum(ratios >= result.pilot.ratio))
    assert result.rank == rank
    assert result.p_value == pytest.approx(rank / 39)
    assert not result.poor_fit and "good pre-period fit" in result.fit_reason


def test_poor_fit_is_flagged(prop99):
    """Shift California above every state before 1989: no convex combination can follow it."""
    shifted = prop99.copy()
    shifted.loc[shifted.State == "California", "PacksPerCapita"] += 150.0
    res = SyntheticControl(placebos=False).fit(shifted, CALIFORNIA)
    assert res.poor_fit
    assert "above or below every comparison unit" in res.fit_reason
    assert any("poor pre-period fit" in w for w in res.warnings)
    assert isinstance(res.p_value, Unavailable)


def test_outputs(result):
    d = result.to_dict()
    assert d["estimator"] == "synthetic-control" and d["placebo_rank"] == result.rank
    assert d["unit_weights"] and all(u["weight"] > 0 for u in d["unit_weights"])
    assert set(result.gaps.columns) >= {"pilot", "Utah"}
    assert result.unit_weights.iloc[0].weight == max(result.weights)
    assert result.to_frame().iloc[0].pilot
    assert "permutation p-value" in result.summary()


def test_staggered_starts_are_refused(prop99):
    frame = prop99.copy()
    frame.loc[(frame.State == "Utah") & (frame.Year >= 1995), "treated"] = 1
    with pytest.raises(ValueError, match="one pilot start"):
        SyntheticControl().fit(frame, CALIFORNIA)
