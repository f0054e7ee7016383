"""``run_analysis``: the one orchestration path (choice of estimator, summaries, progress)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators import EstimatorConfigError, PanelColumns

from pilot_eval.analysis import DidRequest, run_analysis
from pilot_eval.choice import choose_estimator
from pilot_eval.errors import AnalysisCancelled, ValidationFailed
from pilot_eval.progress import Progress


def panel(starts=(0, 0, 5, 5), periods=8, units=24, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(units):
        start = starts[u % len(starts)]
        for t in range(1, periods + 1):
            d = int(start > 0 and t >= start)
            rows.append({"unit": u, "t": t, "start": start, "d": d,
                         "y": u * 0.1 + t * 0.3 + 2.0 * d + rng.normal(scale=0.5)})
    return pd.DataFrame(rows)


COHORT = PanelColumns(outcome="y", unit="unit", time="t", cohort="start")


def test_auto_picks_twfe_for_one_start_date_and_many_periods():
    choice = choose_estimator(panel(), COHORT, "auto")
    assert choice.estimator == "twfe" and "one pilot start" in choice.reason


def test_auto_picks_2x2_for_one_start_and_two_periods():
    frame = panel(periods=2, starts=(0, 2))
    choice = choose_estimator(frame, COHORT, "auto")
    assert choice.estimator == "2x2"


def test_auto_says_why_when_starts_are_staggered():
    choice = choose_estimator(panel(starts=(0, 3, 6)), COHORT, "auto")
    assert "different times" in choice.reason


def test_group_means_are_the_plain_arm_period_means():
    frame = panel()
    analysis = run_analysis(DidRequest(COHORT), frame)
    means = {(r["arm"], r["period"]): r["mean"] for r in analysis.group_means}
    pilot = frame[frame["start"] > 0].groupby("t")["y"].mean()
    comparison = frame[frame["start"] == 0].groupby("t")["y"].mean()
    for t in range(1, 9):
        assert means["pilot", t] == pytest.approx(pilot[t], rel=1e-14)
        assert means["comparison", t] == pytest.approx(comparison[t], rel=1e-14)
    assert analysis.pilot_starts == ({"period": 5, "label": "5", "n_units": 12},)


def test_result_dictionary_is_json_safe_and_carries_the_description():
    request = DidRequest(COHORT, outcome_label="Cases closed", outcome_unit="%",
                         polarity="higher_is_better")
    out = run_analysis(request, panel()).to_dict()
    json.dumps(out, allow_nan=False)
    assert out["outcome_label"] == "Cases closed" and out["polarity"] == "higher_is_better"
    assert out["choice"]["estimator"] == "twfe"
    assert abs(out["estimate"] - 2.0) < 4 * out["se"]


def test_progress_reports_rise_to_one_and_cancel_stops_the_run():
    seen: list[float] = []
    run_analysis(DidRequest(COHORT), panel(), Progress(lambda f, m: seen.append(f)))
    assert seen == sorted(seen) and seen[-1] == 1.0
    progress = Progress()
    progress.cancel()
    with pytest.raises(AnalysisCancelled):
        run_analysis(DidRequest(COHORT), panel(), progress)


def test_invalid_options_are_refused_when_the_request_is_made():
    with pytest.raises(EstimatorConfigError, match="se='robust'"):
        DidRequest(COHORT, se="robust")
    with pytest.raises(EstimatorConfigError, match="level"):
        DidRequest(COHORT, level=95)


def test_data_problems_are_reported_all_at_once():
    frame = panel()
    frame = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)  # a duplicate unit-period
    frame["y"] = frame["y"].astype(object)
    frame.loc[3, "y"] = "n/a text"
    with pytest.raises(ValidationFailed) as caught:
        run_analysis(DidRequest(COHORT), frame)
    assert len(caught.value.report.errors) >= 2


def _twfe_by_least_squares(frame: pd.DataFrame) -> float:
    """The two-way estimate by brute force: y on d with unit and period dummies (numpy)."""
    dummies = pd.get_dummies(frame[["unit", "t"]].astype(str), drop_first=True, dtype=float)
    x = np.column_stack([np.ones(len(frame)), frame["d"].to_numpy(float), dummies.to_numpy()])
    return float(np.linalg.lstsq(x, frame["y"].to_numpy(float), rcond=None)[0][1])


def test_the_text_says_when_the_decomposition_is_of_fewer_units_than_the_two_way_estimate():
    frame = panel(starts=(0, 3, 6)).drop(index=[5, 30])  # units 0 and 3 miss a period
    analysis = run_analysis(DidRequest(COHORT), frame)
    text = analysis.summary()
    balanced = frame[~frame["unit"].isin([0, 3])]
    # Reference: the same regression written out, on all rows and on the 22 complete units.
    on_all, on_balanced = _twfe_by_least_squares(frame), _twfe_by_least_squares(balanced)
    assert analysis.extras["twfe"].estimate == pytest.approx(on_all, abs=1e-10)
    assert analysis.extras["bacon"].twfe_estimate == pytest.approx(on_balanced, abs=1e-10)
    assert (f"The decomposition is of the two-way estimate on the 22 units observed in every "
            f"period ({on_balanced:.3f}); the two-way estimate above ({on_all:.3f}) uses all "
            f"24 units.") in text  # 4 significant figures of figures near 2


def test_no_sample_sentence_when_the_decomposition_uses_every_unit():
    text = run_analysis(DidRequest(COHORT), panel(starts=(0, 3, 6))).summary()
    assert "Goodman-Bacon" in text and "The decomposition is of" not in text


def test_a_repeated_cross_section_without_clusters_is_hc1_and_says_so():
    """No unit or cluster column: heteroskedasticity-robust (HC1) errors, said as such (not
    'only 0 clusters ... wild bootstrap ... CR1'). Reference: the HC1 sandwich written out
    with numpy, (X'X)^-1 X' diag(e^2) X (X'X)^-1 x n/(n-k)."""
    rng = np.random.default_rng(4)
    n = 400
    group, post = rng.integers(0, 2, n), rng.integers(0, 2, n)
    y = 1 + 0.5 * group + 0.3 * post + 2.0 * group * post + rng.normal(size=n) * (1 + group)
    frame = pd.DataFrame({"y": y, "g": group, "p": post})
    analysis = run_analysis(DidRequest(PanelColumns(outcome="y", group="g", post="p")), frame)
    x = np.column_stack([np.ones(n), group, post, group * post])
    bread = np.linalg.inv(x.T @ x)
    beta = bread @ x.T @ y
    e = y - x @ beta
    meat = (x * e[:, None] ** 2).T @ x
    hc1 = bread @ meat @ bread * n / (n - 4)
    assert analysis.result.estimate == pytest.approx(beta[3], abs=1e-10)
    assert analysis.result.se == pytest.approx(np.sqrt(hc1[3, 3]), rel=1e-10)
    assert analysis.choice.inference == "analytic"
    assert analysis.choice.inference_reason.startswith("heteroskedasticity-robust (HC1)")
    assert "clusters" not in analysis.choice.inference_reason.split(":")[0]
    assert "CR1" not in analysis.summary() and "only 0 clusters" not in analysis.summary()


def test_the_decomposition_names_waves_by_their_months():
    frame = panel(starts=(0, 3, 6))
    frame["t"] = frame["t"].map(lambda t: f"2024-{t:02d}")
    frame["start"] = frame["start"].map(lambda s: f"2024-{s:02d}" if s else "")
    text = run_analysis(DidRequest(COHORT), frame).summary()
    assert "timing groups: Mar 2024 (8), Jun 2024 (8), never (8)" in text


def test_the_sensitivity_text_says_which_estimate_its_bounds_are_on():
    analysis = run_analysis(DidRequest(COHORT, sensitivity=True), panel(starts=(0, 0, 5, 5)))
    sensitivity = analysis.extras["sensitivity"]
    text = analysis.summary()
    first, second = sensitivity.summary().split("\n")[:2]
    assert first.startswith("Sensitivity to parallel-trend violations (HonestDiD")
    assert f"event times 0 to {sensitivity.window[1]}, not on the headline estimate" in first
    assert second.startswith("Sensitivity (")  # then the bounds themselves
    assert first in text
