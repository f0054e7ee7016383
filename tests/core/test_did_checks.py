"""Placebo, leave-one-out, covariate checks and the few-cluster headline in ``run_analysis``.

Reference for every re-estimate: ordinary least squares with unit and period dummies
(``numpy.linalg.lstsq``), computed in the test on the same rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators import EstimatorConfigError, PanelColumns

from pilot_eval.analysis import DidRequest, run_analysis

BRUTE_FORCE_TOLERANCE = 1e-9  # two exact least-squares solutions of the same problem


def dummies_estimate(frame: pd.DataFrame, treated: np.ndarray, covariates=()) -> float:
    """TWFE coefficient by brute force: y on D, covariates, unit and period dummies."""
    units = pd.get_dummies(frame["unit"], drop_first=True, dtype=float).to_numpy()
    periods = pd.get_dummies(frame["t"], drop_first=True, dtype=float).to_numpy()
    x = np.column_stack([treated, *(frame[c].to_numpy(float) for c in covariates),
                         np.ones(len(frame)), units, periods])
    return float(np.linalg.lstsq(x, frame["y"].to_numpy(float), rcond=None)[0][0])


def panel(units=40, periods=10, start=6, effect=1.0, pre_trend=0.0, seed=1, special=None):
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(units):
        pilot = u < units // 2
        for t in range(1, periods + 1):
            d = int(pilot and t >= start)
            size = special if (special is not None and u == 0) else effect
            y = (0.3 * u + 0.2 * t + size * d + (pre_trend * t if pilot else 0.0)
                 + rng.normal(scale=0.3))
            rows.append({"unit": u, "t": t, "start": start if pilot else 0, "y": y,
                         "x": rng.normal()})
    return pd.DataFrame(rows)


ROLES = PanelColumns(outcome="y", unit="unit", time="t", cohort="start")


def test_placebo_uses_only_before_periods_and_matches_brute_force():
    frame = panel()
    out = run_analysis(DidRequest(ROLES, estimator="twfe", se="cluster", checks=True), frame)
    placebo = out.extras["placebo"]
    before = frame[frame["t"] < 6]
    fake = ((before["start"] > 0) & (before["t"] >= placebo.fake_start)).to_numpy(float)
    assert placebo.periods_used == (1, 5) and placebo.fake_start == 4
    assert placebo.result.estimate == pytest.approx(dummies_estimate(before, fake),
                                                    abs=BRUTE_FORCE_TOLERANCE)
    assert placebo.passed


def test_placebo_flags_groups_that_were_already_drifting_apart():
    out = run_analysis(DidRequest(ROLES, estimator="twfe", se="cluster", checks=True),
                       panel(pre_trend=0.5))
    assert not out.extras["placebo"].passed
    assert "doubtful" in out.to_dict()["placebo"]["note"]


def test_leave_one_out_refits_without_each_pilot_unit():
    frame = panel()
    out = run_analysis(DidRequest(ROLES, estimator="twfe", se="cluster", checks=True), frame)
    loo = out.extras["leave_one_out"]
    assert [unit for unit, _ in loo.rows] == [str(u) for u in range(20)]
    for unit, result in loo.rows[:3]:
        kept = frame[frame["unit"] != int(unit)]
        treated = ((kept["start"] > 0) & (kept["t"] >= kept["start"])).to_numpy(float)
        assert result.estimate == pytest.approx(dummies_estimate(kept, treated),
                                                abs=BRUTE_FORCE_TOLERANCE)
    assert loo.hinge_units == ()


def test_a_result_carried_by_one_team_is_flagged():
    frame = panel(effect=0.0, special=12.0, units=40)
    out = run_analysis(DidRequest(ROLES, estimator="twfe", se="cluster", checks=True), frame)
    data = out.to_dict()["leave_one_out"]
    assert data["hinges_on_one_unit"] and data["hinge_units"] == ["0"]


def test_covariate_check_reports_both_estimates():
    frame = panel()
    roles = PanelColumns(outcome="y", unit="unit", time="t", cohort="start", covariates=("x",))
    out = run_analysis(DidRequest(roles, estimator="twfe", se="cluster", checks=True), frame)
    check = out.extras["covariate_check"]
    treated = ((frame["start"] > 0) & (frame["t"] >= frame["start"])).to_numpy(float)
    assert check.with_covariates.estimate == pytest.approx(
        dummies_estimate(frame, treated, ("x",)), abs=BRUTE_FORCE_TOLERANCE)
    assert check.without_covariates.estimate == pytest.approx(
        dummies_estimate(frame, treated), abs=BRUTE_FORCE_TOLERANCE)


def test_few_clusters_put_the_wild_bootstrap_in_the_headline():
    frame = panel(units=16)
    out = run_analysis(DidRequest(ROLES, estimator="auto"), frame)
    data = out.to_dict()
    wild = out.extras["wild_bootstrap"]
    assert out.choice.inference == "wild" and out.choice.few_clusters
    assert "16 clusters" in data["choice"]["inference_reason"]
    assert data["se_type"] == "wild"
    assert (data["p_value"], data["ci_low"], data["ci_high"]) == (
        wild.p_value, wild.ci_low, wild.ci_high)
    assert data["analytic"]["se_type"] == "cluster"
    assert data["estimate"] == pytest.approx(wild.estimate, rel=1e-12)


def test_enough_clusters_keep_cluster_robust_inference():
    out = run_analysis(DidRequest(ROLES, estimator="auto"), panel(units=80))
    assert out.choice.inference == "analytic" and "wild_bootstrap" not in out.extras
    assert out.to_dict()["se_type"] == "cluster"


def test_the_wild_bootstrap_is_not_offered_for_callaway_santanna():
    with pytest.raises(EstimatorConfigError, match="multiplier bootstrap"):
        DidRequest(ROLES, estimator="callaway-santanna", se="wild")


def test_every_panel_result_carries_an_event_study_pretest_with_few_restrictions():
    frame = panel(units=80, periods=12, start=8)
    out = run_analysis(DidRequest(ROLES, estimator="twfe", se="cluster"), frame).to_dict()
    test = out["pretest_event_study"]
    assert test["leads"] == [-5, -4, -3, -2] and test["df"] == 4
    assert test["reliable"] and "80 clusters" in test["note"]
    assert [row["e"] for row in out["event_time"]][:2] == [-5, -4]


def test_a_pretest_with_too_many_restrictions_for_the_clusters_is_marked_unreliable():
    frame = panel(units=30, periods=12, start=9)
    request = DidRequest(ROLES, estimator="event-study", se="cluster")
    out = run_analysis(request, frame).to_dict()
    assert out["pretest"]["df"] == 7  # leads -8..-2 with -1 as the reference
    assert not out["pretest"]["reliable"] and "too many" in out["pretest"]["note"]


def test_event_study_headline_equals_the_estimator_called_directly():
    from pilot_eval.estimators.did.event_study.estimator import EventStudy

    frame = panel(units=40, periods=10, start=6)
    out = run_analysis(DidRequest(ROLES, estimator="event-study", se="cluster", leads=3,
                                  lags=2), frame)
    direct = EventStudy(leads=3, lags=2, se="cluster").fit(frame, ROLES)
    assert out.to_dict()["event_time"] == direct.to_dict()["event_time"]


def test_sensitivity_bounds_come_from_a_trimmed_event_study():
    """The bounds are HonestDiD's (checked against R HonestDiD in
    tests/estimators/test_honest_did.py and test_honest_rm.py); here: the event study with
    leads -5..-2 and lags 0..4, rows outside the window left out, reaches them."""
    from pilot_eval.estimators.did.event_study.estimator import EventStudy
    from pilot_eval.estimators.did.honest.bounds import (
        from_event_study,
        relative_magnitude_bounds,
        smoothness_bounds,
    )

    frame = panel(units=60, periods=12, start=7)
    out = run_analysis(DidRequest(ROLES, estimator="twfe", se="cluster", sensitivity=True,
                                  seed=7), frame)
    study = EventStudy(leads=5, lags=4, bin_endpoints=False, se="cluster").fit(frame, ROLES)
    inputs = from_event_study(study)
    data = out.to_dict()["sensitivity"]
    assert data["event_window"] == [-5, 4]  # leads -5..-2 (reference -1), lags 0..4
    average = np.full(5, 0.2)  # the mean of the five post-period effects
    assert data["smoothness"] == smoothness_bounds(inputs.beta, inputs.sigma,
                                                   n_pre=inputs.n_pre, l_vec=average).to_dict()
    # the least-favourable draws use R HonestDiD's seed (0), not the request's (7), so the
    # bounds equal R's
    rm = relative_magnitude_bounds(inputs.beta, inputs.sigma, n_pre=inputs.n_pre, seed=0,
                                   l_vec=average)
    assert data["relative_magnitude"] == rm.to_dict() and data["seed"] == 0
    assert data["breakdown"] == (rm.breakdown if rm.breakdown is not None else 0.0)
