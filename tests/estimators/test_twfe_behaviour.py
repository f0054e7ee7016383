"""Two-way fixed effects: errors, unavailable statistics, row handling, immutability, options.

Numbers here are checked against brute-force calculations done in the test (pandas / numpy),
never against the code under test.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators.columns import PanelColumns
from pilot_eval.estimators.did.design import treatment_indicator
from pilot_eval.estimators.did.twfe import TwoWayFixedEffects
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.inference.fixed_effects import Codes, demean, factorize
from pilot_eval.estimators.unavailable import Unavailable

DATA = Path(__file__).resolve().parents[1] / "data"
EXACT_ATOL = 1e-12
DEMEAN_ATOL = 1e-10
COLUMNS = PanelColumns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat")


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta.csv")


def small_panel() -> pd.DataFrame:
    """4 units x 4 periods; units 1-2 start the pilot in period 3."""
    rng = np.random.default_rng(0)
    unit = np.repeat([1, 2, 3, 4], 4)
    time = np.tile([1, 2, 3, 4], 4)
    cohort = np.where(unit <= 2, 3, 0)
    return pd.DataFrame({"unit": unit, "time": time, "cohort": cohort,
                         "y": rng.normal(size=16), "x": rng.normal(size=16)})


SMALL = PanelColumns(outcome="y", unit="unit", time="time", cohort="cohort")


def test_treatment_indicator_from_cohort(mpdta):
    got = treatment_indicator(mpdta, COLUMNS)
    expected = ((mpdta["first.treat"] > 0) & (mpdta["year"] >= mpdta["first.treat"]))
    np.testing.assert_array_equal(got, expected.to_numpy(dtype=float))
    missing = mpdta.assign(**{"first.treat": mpdta["first.treat"].replace(0, np.nan)})
    np.testing.assert_array_equal(treatment_indicator(missing, COLUMNS), got)


def test_treatment_indicator_from_group_and_post():
    frame = pd.DataFrame({"y": [1.0, 2, 3, 4], "g": [0, 0, 1, 1], "p": [0, 1, 0, 1]})
    got = treatment_indicator(frame, PanelColumns(outcome="y", group="g", post="p"))
    np.testing.assert_array_equal(got, [0, 0, 0, 1])
    with pytest.raises(EstimationError, match="0 and 1 only") as info:
        treatment_indicator(frame.assign(g=[0, 2, 1, 1]),
                            PanelColumns(outcome="y", group="g", post="p"))
    assert info.value.column == "g"


def test_demean_one_pass_equals_alternating_projections(mpdta):
    mpdta = mpdta[mpdta["countyreal"] < mpdta["countyreal"].unique()[120]]  # keeps it fast
    unit, period = factorize(mpdta["countyreal"]), factorize(mpdta["year"])
    values = mpdta[["lemp", "lpop"]].to_numpy(dtype=float)
    one = demean(values.copy(order="F"), unit, period)
    # equal weights force the iterative method on the same balanced panel
    ap = demean(values.copy(order="F"), unit, period, weights=np.ones(len(mpdta)))
    assert one.absorption.method == "one-pass"
    assert ap.absorption.method == "alternating projections" and ap.absorption.converged
    np.testing.assert_allclose(one.matrix, ap.matrix, atol=DEMEAN_ATOL)
    # brute force: residuals of a regression on unit and year dummies
    dummies = np.column_stack([pd.get_dummies(mpdta["countyreal"], dtype=float),
                               pd.get_dummies(mpdta["year"], drop_first=True, dtype=float)])
    coef, *_ = np.linalg.lstsq(dummies, values, rcond=None)
    np.testing.assert_allclose(one.matrix, values - dummies @ coef, atol=DEMEAN_ATOL)


def test_alternating_projections_reports_non_convergence():
    frame = small_panel().iloc[1:]  # unbalanced
    values = frame[["y"]].to_numpy(dtype=float).copy(order="F")
    out = demean(values, factorize(frame["unit"]), factorize(frame["time"]),
                 tolerance=0.0, max_iterations=3)
    assert out.absorption.iterations == 3 and not out.absorption.converged


def test_missing_rows_are_dropped_and_reported(mpdta):
    holes = mpdta.copy()
    holes.loc[[3, 10, 11], "lemp"] = np.nan
    result = TwoWayFixedEffects().fit(holes, COLUMNS)
    reference = TwoWayFixedEffects().fit(mpdta.drop(index=[3, 10, 11]), COLUMNS)
    assert result.n_obs == 2497
    assert any("3 row(s)" in w for w in result.warnings)
    assert result.absorption.method == "alternating projections"
    assert result.estimate == pytest.approx(reference.estimate, abs=EXACT_ATOL)
    assert result.se == pytest.approx(reference.se, abs=EXACT_ATOL)


def test_fit_does_not_mutate_input_and_returns_new_results(mpdta):
    before = mpdta.copy(deep=True)
    model = TwoWayFixedEffects(cross_check="never")
    first, second = model.fit(mpdta, COLUMNS), model.fit(mpdta, COLUMNS)
    pd.testing.assert_frame_equal(mpdta, before)
    assert first is not second and first == second
    with pytest.raises(AttributeError):
        first.estimate = 0.0


def test_to_dict_is_json_safe_with_the_documented_keys(mpdta):
    result = TwoWayFixedEffects(cross_check="always").fit(mpdta, COLUMNS)
    data = json.loads(json.dumps(result.to_dict()))
    for key in ("estimator", "outcome", "estimate", "se", "ci_low", "ci_high", "p_value",
                "t_stat", "df", "level", "n_obs", "n_units", "n_periods", "n_clusters",
                "se_type", "se_description", "warnings", "unavailable", "coefficients",
                "cross_check", "absorption"):
        assert key in data
    assert data["estimator"] == "twfe"
    assert set(data["cross_check"]) >= {"reference", "max_abs_difference", "skipped_reason"}
    assert set(data["absorption"]) >= {"method", "iterations", "converged"}
    assert result.to_frame()["name"].tolist() == ["treatment"]
    assert "Two-way fixed effects" in result.summary()


def test_cross_check_modes(mpdta):
    never = TwoWayFixedEffects(cross_check="never").fit(mpdta, COLUMNS)
    assert isinstance(never.cross_check.max_abs_difference, Unavailable)
    assert never.cross_check.skipped_reason
    assert never.to_dict()["cross_check"]["max_abs_difference"] is None


def test_cross_check_auto_skips_large_data(mpdta, monkeypatch):
    from pilot_eval.estimators.did import twfe
    monkeypatch.setattr(twfe, "CROSS_CHECK_MAX_ROWS", 1000)
    skipped = TwoWayFixedEffects(cross_check="auto").fit(mpdta, COLUMNS)
    assert "skipped above 1,000 rows" in skipped.cross_check.skipped_reason
    forced = TwoWayFixedEffects(cross_check="always").fit(mpdta, COLUMNS)
    assert forced.cross_check.skipped_reason is None
    assert forced.cross_check.max_abs_difference < 1e-10


def test_cross_check_disagreement_becomes_a_warning(mpdta, monkeypatch):
    from pilot_eval.estimators.did import twfe
    monkeypatch.setattr(twfe, "CROSS_CHECK_WARN", -1.0)  # any difference counts as too large
    result = TwoWayFixedEffects(cross_check="always").fit(mpdta, COLUMNS)
    assert any("cross-check differs" in w for w in result.warnings)


def test_one_cluster_and_zero_df_are_unavailable():
    frame = small_panel().assign(region=1)
    one = TwoWayFixedEffects().fit(frame, PanelColumns(**{**SMALL.__dict__, "cluster": "region"}))
    assert isinstance(one.se, Unavailable) and "at least 2 clusters" in one.se.reason
    assert one.to_dict()["se"] is None and "se" in one.to_dict()["unavailable"]
    tiny = small_panel()
    tiny = tiny[tiny["unit"].isin([1, 3]) & tiny["time"].isin([2, 3])]  # 2 units x 2 periods
    zero = TwoWayFixedEffects(se="iid").fit(tiny, SMALL)
    assert isinstance(zero.se, Unavailable) and "degrees of freedom" in zero.se.reason
    assert isinstance(zero.p_value, Unavailable) and isinstance(zero.ci_low, Unavailable)
    assert np.isfinite(zero.estimate)


@pytest.mark.parametrize(("change", "message", "column"), [
    (lambda f: f.assign(cohort=0), "no treated units", "cohort"),
    (lambda f: f.assign(cohort=3), "no comparison units", "cohort"),  # all start at once
    (lambda f: f.assign(cohort=np.where(f["unit"] == 1, 1, f["cohort"])),
     "no period before the pilot", "cohort"),
    (lambda f: f.assign(y=f["y"].astype(str)), "must be numeric", "y"),
    (lambda f: f.drop(columns="y"), "not in the data", "y"),
    (lambda f: f.assign(y=np.where(f.index == 3, np.inf, f["y"])), "infinite", "y"),
])
def test_bad_designs_raise_errors_naming_the_column(change, message, column):
    with pytest.raises(EstimationError, match=message) as info:
        TwoWayFixedEffects().fit(change(small_panel()), SMALL)
    assert info.value.column == column


def test_unit_treated_in_its_first_period_is_refused_even_if_it_switches_off():
    frame = small_panel().astype({"y": float})
    frame["d"] = np.where((frame["unit"] == 1) & (frame["time"] <= 2), 1.0, 0.0)
    frame["d"] = np.where((frame["unit"] == 2) & (frame["time"] >= 3), 1.0, frame["d"])
    columns = PanelColumns(outcome="y", unit="unit", time="time", treatment="d")
    with pytest.raises(EstimationError, match=r"no period before the pilot \(1\)"):
        TwoWayFixedEffects().fit(frame, columns)


def test_treatment_collinear_with_fixed_effects():
    # unit 3 (comparison) is seen only after the start: the treatment equals
    # period-4-dummy minus the unit-3 dummy on these rows.
    frame = small_panel()
    frame = frame[frame["unit"].isin([1, 3])]
    frame = frame[(frame["unit"] == 1) & frame["time"].isin([2, 4])
                  | (frame["unit"] == 3) & (frame["time"] == 4)]
    frame = frame.assign(cohort=np.where(frame["unit"] == 1, 4, 0))
    with pytest.raises(EstimationError, match="collinear with the unit and period") as info:
        TwoWayFixedEffects().fit(frame, SMALL)
    assert info.value.column == "treatment"


def test_covariate_constant_within_units_is_refused():
    frame = small_panel().assign(size=lambda f: f["unit"] * 10.0)
    with pytest.raises(EstimationError, match="'size' is collinear") as info:
        TwoWayFixedEffects().fit(frame, PanelColumns(**{**SMALL.__dict__, "covariates": ("size",)}))
    assert info.value.column == "size"


def test_negative_weights_are_refused():
    frame = small_panel().assign(w=-1.0)
    with pytest.raises(EstimationError, match="must not be negative"):
        TwoWayFixedEffects().fit(frame, PanelColumns(**{**SMALL.__dict__, "weights": "w"}))


def test_bad_options_are_config_errors():
    with pytest.raises(EstimatorConfigError, match="cross_check"):
        TwoWayFixedEffects(cross_check="sometimes")
    with pytest.raises(EstimatorConfigError, match="se="):
        TwoWayFixedEffects(se="HC3")
    with pytest.raises(EstimatorConfigError, match="level"):
        TwoWayFixedEffects(level=1.5)
    with pytest.raises(EstimatorConfigError, match="tolerance"):
        TwoWayFixedEffects(tolerance=0)
    with pytest.raises(EstimatorConfigError, match="max_iterations"):
        TwoWayFixedEffects(max_iterations=0)


def test_codes_are_sorted_levels():
    codes = factorize(np.array([30, 10, 20, 10]))
    assert isinstance(codes, Codes) and codes.n_levels == 3
    np.testing.assert_array_equal(codes.codes, [2, 0, 1, 0])


def test_mixed_type_unit_identifiers_are_accepted():
    frame = small_panel().astype({"unit": object})
    frame.loc[frame["unit"] == 4, "unit"] = "team D"
    with_text = TwoWayFixedEffects(cross_check="never").fit(frame, SMALL)
    plain = TwoWayFixedEffects(cross_check="never").fit(small_panel(), SMALL)
    assert with_text.estimate == pytest.approx(plain.estimate, abs=EXACT_ATOL)
    assert with_text.se == pytest.approx(plain.se, abs=EXACT_ATOL)


@pytest.mark.parametrize("values", [
    np.array([2003, 2007, 2004, 2003]), np.array([2003.0, 2005.0, 2004.0]),
    np.array([-5, 7, -5, 0], dtype=np.int32), np.array([1.5, 0.5, 1.5]),
    np.array([10**12, 5, 10**12]), np.array(["b", "a", "b"], dtype=object),
    np.random.default_rng(1).integers(0, 500, 2000),
])
def test_factorize_matches_pandas(values):
    """Whole numbers in a compact range use a lookup table; the result equals pandas'."""
    codes = factorize(values)
    expected_codes, expected_labels = pd.factorize(values, sort=True)
    np.testing.assert_array_equal(codes.codes, expected_codes)
    np.testing.assert_array_equal(codes.labels, expected_labels)
    assert codes.n_levels == len(expected_labels)


def test_cross_check_auto_skips_a_large_dummy_design(mpdta, monkeypatch):
    from pilot_eval.estimators.did import twfe
    monkeypatch.setattr(twfe, "CROSS_CHECK_MAX_CELLS", 1000)
    skipped = TwoWayFixedEffects(cross_check="auto").fit(mpdta, COLUMNS)
    assert "period dummies" in skipped.cross_check.skipped_reason
    assert skipped.estimate == TwoWayFixedEffects(cross_check="never").fit(mpdta, COLUMNS).estimate
