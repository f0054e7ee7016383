"""Callaway & Sant'Anna against R ``did`` 2.5 on mpdta and against brute-force 2x2 cell means.

References:
* ``tests/data/mpdta_*_reference.csv``: R ``did`` 2.5, ``att_gt(yname="lemp", tname="year",
  idname="countyreal", gname="first.treat", est_method="dr", control_group="nevertreated",
  xformla=~1, bstrap=FALSE, cband=FALSE)`` and ``aggte(type=simple|group|dynamic|calendar)``
  (see ``tests/data/README-cs.md``).
* brute force: ATT(g,t) = [mean(Y_t - Y_b | G=g) - mean(Y_t - Y_b | comparison)] computed here
  from cell means with pandas, independently of the estimator's matrix code.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators import PanelColumns, Unavailable
from pilot_eval.estimators.did.callaway_santanna.estimator import CallawaySantAnna

DATA = Path(__file__).resolve().parents[1] / "data"
R_TOL = 1e-6  # task requirement: R did figures to 1e-6 absolute
EXACT_TOL = 1e-10  # the same quantity computed two ways in double precision
P_ROUNDING = 5e-6  # R did rounds the pre-test p-value to 5 decimals

COLUMNS = PanelColumns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat")


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta.csv")


@pytest.fixture(scope="module")
def fitted(mpdta):
    return CallawaySantAnna().fit(mpdta, COLUMNS)


def _attgt_reference() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta_attgt_reference.csv")


def _aggte_reference() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta_aggte_reference.csv")


# --------------------------------------------------------------------------- R did on mpdta


def test_every_att_gt_and_se_matches_r_did(fitted):
    ref = _attgt_reference()  # R did 2.5, analytic SEs
    ours = fitted.to_frame()
    assert len(ours) == len(ref) == 12
    merged = ours.merge(ref, left_on=["group", "time"], right_on=["group", "t"], validate="1:1")
    assert len(merged) == 12
    np.testing.assert_allclose(merged["estimate"], merged["att"], rtol=0, atol=R_TOL)
    np.testing.assert_allclose(merged["se_x"], merged["se_y"], rtol=0, atol=R_TOL)


@pytest.mark.parametrize("kind", ["simple", "group", "dynamic", "calendar"])
def test_every_aggregate_matches_r_did(fitted, kind):
    ref = _aggte_reference()
    ref = ref[ref["type"] == kind]  # R did 2.5 aggte(type=kind), analytic SEs
    agg = fitted.aggregation(kind)
    assert agg.estimate == pytest.approx(ref["overall_att"].iloc[0], abs=R_TOL)
    assert agg.se == pytest.approx(ref["overall_se"].iloc[0], abs=R_TOL)
    rows = ref.dropna(subset=["egt"])
    assert [r.value for r in agg.rows] == rows["egt"].astype(int).tolist()
    np.testing.assert_allclose([r.estimate for r in agg.rows], rows["att_egt"], rtol=0, atol=R_TOL)
    np.testing.assert_allclose([r.se for r in agg.rows], rows["se_egt"], rtol=0, atol=R_TOL)


def test_headline_is_the_simple_aggregate_of_r_did(fitted):
    # R did 2.5 aggte(type="simple"): -0.0399512751551763 (SE 0.0120340127701854)
    assert fitted.estimate == pytest.approx(-0.0399512751551763, abs=R_TOL)
    assert fitted.se == pytest.approx(0.0120340127701854, abs=R_TOL)
    d = fitted.to_dict()
    assert d["estimate"] == pytest.approx(-0.0399512751551763, abs=R_TOL)
    assert d["se"] == pytest.approx(0.0120340127701854, abs=R_TOL)
    z = 1.959963984540054
    assert d["ci_low"] == pytest.approx(d["estimate"] - z * d["se"], abs=EXACT_TOL)
    assert d["ci_high"] == pytest.approx(d["estimate"] + z * d["se"], abs=EXACT_TOL)


def test_pretest_matches_r_did(fitted):
    ref = pd.read_csv(DATA / "mpdta_pretest_reference.csv")  # R did 2.5: W, Wpval
    assert fitted.pretest.statistic == pytest.approx(ref["W"].iloc[0], abs=R_TOL)
    assert fitted.pretest.df == 5  # pre-treatment cells: (2006, 2004/2005), (2007, 2004-2006)
    assert fitted.pretest.p_value == pytest.approx(ref["Wpval"].iloc[0], abs=P_ROUNDING)


# --------------------------------------------------------------------------- brute force


def _wide(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    wide = frame.pivot(index="countyreal", columns="year", values="lemp")
    cohort = frame.groupby("countyreal")["first.treat"].first()
    return wide, cohort


def _brute_force_att(frame, group, time, *, control, base_period, anticipation=0) -> float:
    """ATT(g,t) from cell means: the textbook 2x2 comparison for one cohort and period."""
    wide, cohort = _wide(frame)
    periods = sorted(wide.columns)
    pre = [p for p in periods if p + anticipation < group]
    if base_period == "universal" or group <= time:
        base = pre[-1]
    else:
        base = periods[periods.index(time) - 1]
    change = wide[time] - wide[base]
    treated = change[cohort == group].mean()
    if control == "never":
        comparison = cohort == 0
    else:
        latest = max(time, base)
        comparison = (cohort == 0) | ((cohort > latest + anticipation) & (cohort != group))
    return float(treated - change[comparison].mean())


@pytest.mark.parametrize("control", ["never", "not-yet"])
@pytest.mark.parametrize("base_period", ["varying", "universal"])
def test_att_gt_equals_brute_force_cell_means(mpdta, control, base_period):
    result = CallawaySantAnna(control=control, base_period=base_period).fit(mpdta, COLUMNS)
    expected_cells = 12 if base_period == "varying" else 15
    assert len(result.att_gt) == expected_cells
    for effect in result.att_gt:
        expected = _brute_force_att(mpdta, effect.group, effect.time, control=control,
                                    base_period=base_period)
        assert effect.estimate == pytest.approx(expected, abs=EXACT_TOL), (effect.group,
                                                                           effect.time)


def test_universal_base_reports_the_reference_cell_as_zero_without_se(mpdta):
    result = CallawaySantAnna(base_period="universal").fit(mpdta, COLUMNS)
    reference = [e for e in result.att_gt if e.time == e.group - 1]
    assert [(e.group, e.time) for e in reference] == [(2004, 2003), (2006, 2005), (2007, 2006)]
    for e in reference:
        assert e.estimate == 0.0
        assert isinstance(e.se, Unavailable)
    d = result.to_dict()
    assert "att_gt[2006,2005].se" in d["unavailable"]
    # the post-treatment cells (and so every aggregate) do not depend on the base-period choice
    varying = CallawaySantAnna().fit(mpdta, COLUMNS)
    assert result.estimate == pytest.approx(varying.estimate, abs=EXACT_TOL)
    assert result.se == pytest.approx(varying.se, abs=EXACT_TOL)


def test_anticipation_shifts_the_base_period_brute_force(mpdta):
    result = CallawaySantAnna(anticipation=1, control="not-yet").fit(mpdta, COLUMNS)
    # cohort 2004 has no period before 2004 - 1 = 2003 ... it is dropped, with a warning
    assert {e.group for e in result.att_gt} == {2006, 2007}
    assert any("already treated in the first period" in w for w in result.warnings)
    kept = mpdta[mpdta["first.treat"] != 2004]
    for e in result.att_gt:
        expected = _brute_force_att(kept, e.group, e.time, control="not-yet",
                                    base_period="varying", anticipation=1)
        assert e.estimate == pytest.approx(expected, abs=EXACT_TOL)


def test_reg_ipw_dr_coincide_without_covariates(mpdta, monkeypatch):
    # Mathematical fact: with an intercept only, the outcome regression predicts the comparison
    # mean and the propensity score is constant, so all three are the 2x2 difference of means
    # and share the same influence function. Checked on the general estimators (the shortcut
    # that skips the logit and the regression is switched off here).
    from pilot_eval.estimators.did.callaway_santanna import attgt

    monkeypatch.setattr(attgt, "TRIM_LEVEL", -1.0)
    fits = {m: CallawaySantAnna(method=m).fit(mpdta, COLUMNS) for m in ("reg", "ipw", "dr")}
    base = fits["dr"].to_frame()
    for method in ("reg", "ipw"):
        other = fits[method].to_frame()
        np.testing.assert_allclose(other["estimate"], base["estimate"], rtol=0, atol=EXACT_TOL)
        np.testing.assert_allclose(other["se"], base["se"], rtol=0, atol=EXACT_TOL)


def _staggered_panel(units: int, periods: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(units), periods)
    time = np.tile(np.arange(1, periods + 1), units)
    cohort = rng.choice([0, 4, 6, 9], units)[unit]
    y = (rng.normal(size=units)[unit] + 0.1 * time + 0.3 * ((cohort > 0) & (time >= cohort))
         + rng.normal(size=unit.size))
    return pd.DataFrame({"unit": unit, "time": time, "cohort": cohort, "y": y})


@pytest.mark.parametrize("method", ["dr", "reg", "ipw"])
@pytest.mark.parametrize("control", ["never", "not-yet"])
def test_no_covariate_shortcut_equals_the_fitted_models(mpdta, monkeypatch, method, control):
    """Issue 12: without covariates no logit or regression is fitted; every ATT(g,t), SE and
    aggregate equals the general estimators' (the previous path) to EXACT_TOL, on mpdta and on
    a 3,000-unit staggered panel."""
    from pilot_eval.estimators.did.callaway_santanna import attgt

    panel = _staggered_panel(3000, 12, seed=4)
    roles = PanelColumns(outcome="y", unit="unit", time="time", cohort="cohort")
    for frame, columns in ((mpdta, COLUMNS), (panel, roles)):
        model = CallawaySantAnna(method=method, control=control)
        fast = model.fit(frame, columns)
        with monkeypatch.context() as patch:
            patch.setattr(attgt, "TRIM_LEVEL", -1.0)
            previous = model.fit(frame, columns)
        np.testing.assert_allclose(fast.to_frame()["estimate"], previous.to_frame()["estimate"],
                                   rtol=0, atol=EXACT_TOL)
        np.testing.assert_allclose(fast.to_frame()["se"], previous.to_frame()["se"], rtol=0,
                                   atol=EXACT_TOL)
        for kind in ("simple", "dynamic", "group", "calendar"):
            a, b = fast.aggregation(kind), previous.aggregation(kind)
            assert a.estimate == pytest.approx(b.estimate, abs=EXACT_TOL)
            assert a.se == pytest.approx(b.se, abs=EXACT_TOL)


@pytest.mark.parametrize("cohorts", [(0, 4, 6, 9), (4, 6, 9)])
def test_leave_one_out_equals_refitting_the_smaller_frames(cohorts):
    """Issue 12: leaving each unit out of one prepared panel gives what fitting the frame
    without that unit gives (to EXACT_TOL), with clusters coarser than units; without
    never-treated units (the last cohort compares) every unit is refitted from its frame."""
    rng = np.random.default_rng(8)
    frame = _staggered_panel(300, 10, seed=5)
    frame["cohort"] = np.asarray(cohorts)[frame["unit"].to_numpy() % len(cohorts)]
    frame["council"] = frame["unit"] % 23
    frame = frame.drop(index=rng.choice(frame.index[frame["unit"] == 7], 2))  # unit 7 dropped
    roles = PanelColumns(outcome="y", unit="unit", time="time", cohort="cohort",
                         cluster="council")
    units = [7, 1, 2, 3, 5, 299, "not a unit"]
    models = [CallawaySantAnna(control="not-yet", method="reg")]
    if 0 in cohorts:
        models.append(CallawaySantAnna())
    for model in models:
        for unit, fast in model.leave_one_out(frame, roles, units):
            refit = model.fit(frame[frame["unit"] != unit], roles)
            assert (fast.n_obs, fast.n_units, fast.n_clusters) == (
                refit.n_obs, refit.n_units, refit.n_clusters)
            for column in ("estimate", "se"):
                np.testing.assert_allclose(fast.to_frame()[column], refit.to_frame()[column],
                                           rtol=0, atol=EXACT_TOL)
            for kind in ("simple", "dynamic", "group", "calendar"):
                a, b = fast.aggregation(kind), refit.aggregation(kind)
                assert a.estimate == pytest.approx(b.estimate, abs=EXACT_TOL)
                assert a.se == pytest.approx(b.se, abs=EXACT_TOL)


def test_simple_aggregate_is_the_cohort_size_weighted_mean_of_post_cells(fitted, mpdta):
    sizes = mpdta.groupby("countyreal")["first.treat"].first().value_counts()
    post = [e for e in fitted.att_gt if e.post]
    weights = np.array([sizes[e.group] for e in post], float)
    expected = np.sum(weights * [e.estimate for e in post]) / weights.sum()
    assert fitted.estimate == pytest.approx(expected, abs=EXACT_TOL)


def test_balance_e_keeps_cohorts_seen_long_enough(mpdta):
    result = CallawaySantAnna(balance_e=1).fit(mpdta, COLUMNS)
    cells = {(e.group, e.time): e.estimate for e in result.att_gt}
    rows = {r.value: r.estimate for r in result.aggregation("dynamic").rows}
    # only cohorts with 2007 - g >= 1 (2004, 2006) enter, so event times run from -2 (2006 in
    # 2004) to balance_e = 1
    assert sorted(rows) == [-2, -1, 0, 1]
    # e = 0 averages ATT(2004,2004) and ATT(2006,2006) with weights 20/60 and 40/60
    expected = (20 * cells[(2004, 2004)] + 40 * cells[(2006, 2006)]) / 60
    assert rows[0] == pytest.approx(expected, abs=EXACT_TOL)
    assert rows[-2] == pytest.approx(cells[(2006, 2004)], abs=EXACT_TOL)
    overall = result.aggregation("dynamic").estimate
    assert overall == pytest.approx((rows[0] + rows[1]) / 2, abs=EXACT_TOL)


# --------------------------------------------------------------------------- result contract


def test_to_dict_is_json_safe_and_complete(fitted):
    d = fitted.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text)["estimator"] == "callaway-santanna"
    for key in ("estimator", "outcome", "estimate", "se", "ci_low", "ci_high", "p_value",
                "att_gt", "aggregations", "pretest", "control", "method", "base_period",
                "anticipation", "n_units", "n_obs", "warnings", "unavailable"):
        assert key in d
    assert d["n_units"] == 500 and d["n_obs"] == 2500
    assert set(d["aggregations"]) == {"simple", "group", "dynamic", "calendar"}
    assert d["aggregations"]["dynamic"]["rows"][0] == pytest.approx(
        {"event_time": -3, "estimate": 0.0305066555832928, "se": 0.0150335602801301,
         "ci_low": d["aggregations"]["dynamic"]["rows"][0]["ci_low"],
         "ci_high": d["aggregations"]["dynamic"]["rows"][0]["ci_high"]}, abs=R_TOL)
    assert d["att_gt"][0] == pytest.approx(
        {"group": 2004, "time": 2004, "base": 2003, "post": True,
         "estimate": -0.0105032462209624, "se": 0.0232510363681664,
         "ci_low": d["att_gt"][0]["ci_low"], "ci_high": d["att_gt"][0]["ci_high"]}, abs=R_TOL)
    assert d["pretest"]["df"] == 5
    assert d["p_value"] == pytest.approx(0.000898, abs=1e-5)  # 2 * Phi(-|-0.03995 / 0.01203|)


def test_result_is_immutable_and_input_untouched(mpdta):
    before = mpdta.copy()
    result = CallawaySantAnna().fit(mpdta, COLUMNS)
    pd.testing.assert_frame_equal(mpdta, before)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.n_units = 1
    with pytest.raises(ValueError):
        result.influence[0, 0] = 1.0
    assert result == CallawaySantAnna().fit(mpdta, COLUMNS)  # comparable despite the array field
    assert "Callaway & Sant'Anna" in result.summary()
    assert "W = 7.7912" in result.summary()


@pytest.mark.parametrize("cohorts", [(0, 4, 6, 9), (4, 6, 9)])
def test_overall_without_each_equals_the_full_leave_one_out(cohorts):
    """Issue 12: the robustness table's leave-one-out computes only the overall ATT; it is the
    full refit's simple aggregation exactly (estimate, SE, interval, p-value, counts), and with
    a bootstrap the full refits themselves."""
    from pilot_eval.estimators.did.callaway_santanna.leave_out import overall_without_each

    rng = np.random.default_rng(9)
    frame = _staggered_panel(200, 10, seed=6)
    frame["cohort"] = np.asarray(cohorts)[frame["unit"].to_numpy() % len(cohorts)]
    frame["council"] = frame["unit"] % 17
    frame = frame.drop(index=rng.choice(frame.index[frame["unit"] == 7], 2))
    roles = PanelColumns(outcome="y", unit="unit", time="time", cohort="cohort",
                         cluster="council")
    units = [7, 1, 2, 3, 5, 199, "not a unit"]
    for model in (CallawaySantAnna(control="not-yet", method="reg"),
                  CallawaySantAnna(control="not-yet", level=0.9)):
        full = dict(model.leave_one_out(frame, roles, units))
        for unit, fast in overall_without_each(model, frame, roles, units):
            refit = full[unit]
            assert (fast.estimate, fast.se, fast.ci_low, fast.ci_high, fast.t_stat,
                    fast.p_value, fast.n_obs) == (refit.estimate, refit.se, refit.ci_low,
                                                  refit.ci_high, refit.t_stat, refit.p_value,
                                                  refit.n_obs)
    boot = CallawaySantAnna(control="not-yet", bootstrap=100, seed=3)
    fits = list(overall_without_each(boot, frame, roles, [1, 2]))
    assert all(hasattr(fit, "att_gt") for _, fit in fits)


def test_pretest_with_fewer_clusters_than_pre_cells_is_singular_as_the_full_check_says():
    """V = S'S/n from 3 clusters cannot be inverted for 6 pre-treatment cells (rank <= 3): the
    early return must agree with forming V and taking its 1-norm condition number."""
    from pilot_eval.estimators.did.callaway_santanna.aggregate import SINGULAR_PRETEST, pretest
    from pilot_eval.estimators.did.callaway_santanna.attgt import GroupTimeCells, cluster_sums

    rng = np.random.default_rng(5)
    n_units, group, time = 60, np.array([5.0] * 6 + [3.0]), np.array([1.0, 2, 3, 4, 1, 2, 4])
    cells = GroupTimeCells(group=group, time=time, base=time - 1, estimate=rng.normal(size=7),
                           influence=rng.normal(size=(n_units, 7)), problems=(None,) * 7,
                           is_reference=np.zeros(7, dtype=bool), warnings=())
    se = np.ones(7)
    clusters = np.arange(n_units) % 3
    result = pretest(cells, se, clusters)
    assert (result.statistic, result.df, result.p_value, result.reason) == (
        None, 6, None, SINGULAR_PRETEST)
    psi = cluster_sums(cells.influence[:, group > time], clusters)
    v = psi.T @ psi / n_units
    assert 1.0 / np.linalg.cond(v, 1) <= np.finfo(float).eps  # the full check agrees
    unclustered = pretest(cells, se, None)  # 60 units, 6 cells: invertible, a statistic
    assert unclustered.reason is None and unclustered.statistic > 0
