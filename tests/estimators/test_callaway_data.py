"""Sample rules and bad input for Callaway & Sant'Anna (R ``did``'s rules, reported as warnings).

Reference for the unbalanced case: R ``did`` with ``panel=TRUE, allow_unbalanced_panel=FALSE``
balances the panel (drops units not observed in every period) before estimating, so the result
must equal the estimate on the balanced subset, which we build by hand here.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators import (
    EstimationError,
    EstimatorConfigError,
    PanelColumns,
    Unavailable,
)
from pilot_eval.estimators.did.callaway_santanna.estimator import CallawaySantAnna

DATA = Path(__file__).resolve().parents[1] / "data"
EXACT_TOL = 1e-12

COLUMNS = PanelColumns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat")


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta.csv")


def test_unbalanced_units_are_dropped_and_reported(mpdta):
    holes = mpdta.drop(index=mpdta.index[(mpdta["countyreal"].isin([8001, 8019]))
                                          & (mpdta["year"] == 2005)])
    result = CallawaySantAnna().fit(holes, COLUMNS)
    balanced = mpdta[~mpdta["countyreal"].isin([8001, 8019])]
    expected = CallawaySantAnna().fit(balanced, COLUMNS)
    assert result.n_units == 498
    assert result.estimate == pytest.approx(expected.estimate, abs=EXACT_TOL)
    assert result.se == pytest.approx(expected.se, abs=EXACT_TOL)
    message = next(w for w in result.warnings if "unbalanced" in w)
    assert "2 units" in message and "8001" in message and "8019" in message


def test_missing_outcome_rows_are_dropped_then_the_panel_balanced(mpdta):
    gaps = mpdta.copy()
    gaps.loc[(gaps["countyreal"] == 8001) & (gaps["year"] == 2003), "lemp"] = np.nan
    result = CallawaySantAnna().fit(gaps, COLUMNS)
    assert result.n_units == 499
    assert any("missing" in w for w in result.warnings)


def test_units_treated_after_the_last_period_count_as_never_treated(mpdta):
    late = mpdta.copy()
    late.loc[late["first.treat"] == 0, "first.treat"] = 2010
    result = CallawaySantAnna().fit(late, COLUMNS)
    reference = CallawaySantAnna().fit(mpdta, COLUMNS)
    assert result.estimate == pytest.approx(reference.estimate, abs=EXACT_TOL)
    assert any("after the last period" in w for w in result.warnings)


def test_no_never_treated_units(mpdta):
    treated_only = mpdta[mpdta["first.treat"] > 0]
    with pytest.raises(EstimationError, match="not-yet"):
        CallawaySantAnna().fit(treated_only, COLUMNS)
    # not-yet: R did drops periods from the last cohort's start and uses it as comparison
    result = CallawaySantAnna(control="not-yet").fit(treated_only, COLUMNS)
    assert {e.group for e in result.att_gt} == {2004, 2006}
    assert max(e.time for e in result.att_gt) == 2006
    assert any("no never-treated units" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda f: f.drop(columns="lemp"), "column 'lemp' is not in the data"),
        (lambda f: pd.concat([f, f.iloc[[0]]]), "appear more than once"),
        (lambda f: f.assign(lemp=f["lemp"].astype(str)), "must be numeric"),
        (lambda f: f.assign(**{"first.treat": f["first.treat"].astype(str)
                                                .replace("2004", "2004-01")}),
         "seen '2004-01' in 100 rows"),
        (lambda f: f.assign(**{"first.treat": f["first.treat"].replace(2004, -1)}),
         "seen '-1' in 100 rows"),
        (lambda f: f.assign(**{"first.treat": np.where(
            (f["countyreal"] == 8001) & (f["year"] == 2007), 2006, f["first.treat"])}),
         "changes over time"),
    ],
)
def test_bad_data_raises_a_clear_error(mpdta, change, match):
    with pytest.raises(EstimationError, match=match):
        CallawaySantAnna().fit(change(mpdta), COLUMNS)


def test_missing_roles_are_named():
    columns = PanelColumns(outcome="lemp", unit="countyreal", time="year")
    with pytest.raises(EstimationError, match="'cohort' column role"):
        CallawaySantAnna().fit(pd.DataFrame({"lemp": [1.0]}), columns)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"method": "ols"}, "method='ols' is not allowed"),
        ({"control": "nevertreated"}, "control='nevertreated' is not allowed"),
        ({"base_period": "fixed"}, "base_period='fixed'"),
        ({"level": 95}, "between 0 and 1"),
        ({"anticipation": -1}, "anticipation=-1"),
        ({"bootstrap": 10}, "too few"),
        ({"balance_e": 1.5}, "balance_e=1.5"),
        ({"bootstrap": 999, "seed": "abc"}, "seed='abc'"),
    ],
)
def test_bad_options_raise_config_errors(options, match):
    with pytest.raises(EstimatorConfigError, match=match):
        CallawaySantAnna(**options)


def test_cluster_role_equal_to_the_unit_changes_nothing(mpdta):
    same = PanelColumns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat",
                        cluster="countyreal")
    result = CallawaySantAnna().fit(mpdta, same)
    reference = CallawaySantAnna().fit(mpdta, COLUMNS)
    np.testing.assert_array_equal(result.to_frame()["se"], reference.to_frame()["se"])
    assert result.n_clusters == 500 and result.to_dict()["cluster"] == "countyreal"


def test_clustering_by_state_sums_influence_functions_within_states(mpdta):
    # the state is the FIPS prefix of the county code (countyreal // 1000)
    frame = mpdta.assign(state=mpdta["countyreal"] // 1000)
    columns = PanelColumns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat",
                           cluster="state")
    result = CallawaySantAnna().fit(frame, columns)
    unit_level = CallawaySantAnna().fit(mpdta, COLUMNS)
    n_states = frame["state"].nunique()
    assert result.n_clusters == n_states
    # estimates do not depend on the clustering
    np.testing.assert_array_equal(result.to_frame()["estimate"],
                                  unit_level.to_frame()["estimate"])
    # SE = sqrt(sum over states of (sum of the state's unit influence values)^2) / n
    state_of_unit = frame.groupby("countyreal")["state"].first().sort_index().to_numpy()
    psi = pd.DataFrame(np.asarray(result.influence)).groupby(state_of_unit).sum().to_numpy()
    expected = np.sqrt((psi**2).sum(axis=0)) / 500
    np.testing.assert_allclose(result.to_frame()["se"], expected, rtol=1e-12)
    assert not np.allclose(result.to_frame()["se"], unit_level.to_frame()["se"])
    assert f"clustered by state ({n_states} clusters)" in result.se_description


def test_cluster_must_be_fixed_within_units(mpdta):
    frame = mpdta.assign(region=np.where(mpdta["year"] == 2007, 1, 0))
    columns = PanelColumns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat",
                           cluster="region")
    with pytest.raises(EstimationError, match="the cluster changes over time"):
        CallawaySantAnna().fit(frame, columns)


def test_covariates_given_as_a_list_are_stored_as_a_tuple():
    columns = PanelColumns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat",
                           covariates=["lpop"])
    assert columns.covariates == ("lpop",)
    hash(columns)  # role sets and frozen configs are hashable (the GUI caches results by them)
    hash(CallawaySantAnna())


def test_sampling_weights_are_refused_not_ignored():
    columns = PanelColumns(outcome="lemp", unit="countyreal", time="year", cohort="first.treat",
                           weights="w")
    with pytest.raises(EstimatorConfigError, match="weights"):
        CallawaySantAnna().fit(pd.DataFrame(), columns)


@pytest.mark.parametrize("method", ["dr", "ipw"])
def test_cells_that_cannot_be_estimated_are_unavailable_not_nan(mpdta, method):
    # a covariate that separates the 2004 cohort from everyone else: the propensity score is 1
    # for those units and R did's overlap check (a score of 0.999 or more) refuses the cells;
    # R did reports NA for those ATT(g,t) and for aggregates that use them.
    marker = np.where(mpdta["first.treat"] == 2004, 100.0, mpdta["lpop"])
    frame = mpdta.assign(marker=marker)
    result = CallawaySantAnna(method=method).fit(frame, replace(COLUMNS, covariates=("marker",)))
    cohort_2004 = [e for e in result.att_gt if e.group == 2004]
    assert cohort_2004 and all(isinstance(e.estimate, Unavailable) for e in cohort_2004)
    assert all(not isinstance(e.estimate, Unavailable) for e in result.att_gt if e.group != 2004)
    d = result.to_dict()
    assert d["estimate"] is None and "estimate" in d["unavailable"]
    group_rows = {r["group"]: r["estimate"] for r in d["aggregations"]["group"]["rows"]}
    assert group_rows[2004] is None and group_rows[2006] is not None
    assert any("ATT(2004,2004) not estimated: overlap" in w for w in result.warnings)


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_constant_covariate_makes_every_cell_unavailable(mpdta, method):
    frame = mpdta.assign(one=1.0)
    result = CallawaySantAnna(method=method).fit(frame, replace(COLUMNS, covariates=("one",)))
    assert all(isinstance(e.estimate, Unavailable) for e in result.att_gt)
    assert "collinear or constant" in result.att_gt[0].estimate.reason
    assert isinstance(result.pretest.statistic, Unavailable)


# --------------------------------------------------------------------------- unbalanced="pairwise"


def _with_holes(mpdta: pd.DataFrame) -> pd.DataFrame:
    """mpdta with 40 unit-periods removed (every 25th county loses one year)."""
    units = np.sort(mpdta["countyreal"].unique())[::25]
    years = np.resize(np.arange(2003, 2008), len(units))
    drop = pd.MultiIndex.from_arrays([units, years])
    rows = pd.MultiIndex.from_frame(mpdta[["countyreal", "year"]])
    return mpdta[~rows.isin(drop)].reset_index(drop=True)


def test_pairwise_equals_drop_on_a_balanced_panel(mpdta):
    drop = CallawaySantAnna().fit(mpdta, COLUMNS)
    pairwise = CallawaySantAnna(unbalanced="pairwise").fit(mpdta, COLUMNS)
    np.testing.assert_array_equal(pairwise.to_frame()["estimate"], drop.to_frame()["estimate"])
    np.testing.assert_array_equal(pairwise.to_frame()["se"], drop.to_frame()["se"])
    assert pairwise.warnings == ()


@pytest.mark.parametrize("control", ["never", "not-yet"])
def test_pairwise_cells_equal_brute_force_on_units_seen_in_both_periods(mpdta, control):
    holes = _with_holes(mpdta)
    result = CallawaySantAnna(control=control, unbalanced="pairwise").fit(holes, COLUMNS)
    assert result.n_units == 500 and result.n_obs == len(holes) == 2480
    assert any("unbalanced='pairwise'" in w for w in result.warnings)
    wide = holes.pivot(index="countyreal", columns="year", values="lemp")
    cohort = holes.groupby("countyreal")["first.treat"].first().reindex(wide.index)
    n = len(wide)
    for effect in result.att_gt:
        g, t = effect.group, effect.time
        base = g - 1 if t >= g else t - 1
        change = wide[t] - wide[base]  # NaN unless observed in both periods
        comparison = cohort == 0
        if control == "not-yet":
            comparison |= (cohort > max(t, base)) & (cohort != g)
        treated = (cohort == g) & change.notna()
        comparison &= change.notna()
        mean_t, mean_c = change[treated].mean(), change[comparison].mean()
        assert effect.estimate == pytest.approx(mean_t - mean_c, abs=EXACT_TOL)
        # influence function of a difference of means on the n1 units used, scaled by n / n1
        n1 = treated.sum() + comparison.sum()
        p = treated.sum() / n1
        psi = np.concatenate([(change[treated] - mean_t) / p,
                              -(change[comparison] - mean_c) / (1 - p)]) * n / n1
        assert effect.se == pytest.approx(np.sqrt(np.sum(psi**2)) / n, abs=EXACT_TOL)


def test_drop_rule_on_the_same_holes_keeps_only_complete_units(mpdta):
    holes = _with_holes(mpdta)
    result = CallawaySantAnna().fit(holes, COLUMNS)
    assert result.n_units == 480
    complete = mpdta[~mpdta["countyreal"].isin(np.sort(mpdta["countyreal"].unique())[::25])]
    expected = CallawaySantAnna().fit(complete, COLUMNS)
    assert result.estimate == pytest.approx(expected.estimate, abs=EXACT_TOL)


def test_pretest_with_few_units_per_restriction_is_flagged(mpdta):
    # every 12th county: 42 units for 5 pre-treatment restrictions, 8.4 per restriction (< 10)
    few = mpdta[mpdta["countyreal"].isin(np.sort(mpdta["countyreal"].unique())[::12])]
    result = CallawaySantAnna().fit(few, COLUMNS)
    assert result.n_units == 42 and result.pretest.df == 5
    assert any("pre-test has 5 restrictions but only 42 clusters" in w for w in result.warnings)
    assert not any("pre-test" in w for w in CallawaySantAnna().fit(mpdta, COLUMNS).warnings)


def test_nullable_dtypes_missing_cohort_and_text_ids_give_the_same_estimate(mpdta):
    reference = CallawaySantAnna().fit(mpdta, COLUMNS)
    nullable = mpdta.astype({"year": "Int64", "lemp": "Float64"}).assign(
        **{"first.treat": mpdta["first.treat"].replace(0, np.nan).astype("Int64"),
           "countyreal": "county " + mpdta["countyreal"].astype(str)})
    result = CallawaySantAnna().fit(nullable, COLUMNS)
    assert result.estimate == pytest.approx(reference.estimate, abs=EXACT_TOL)
    assert result.se == pytest.approx(reference.se, abs=EXACT_TOL)
