"""``validate_panel``: every problem at once, for the three designs and repeated cross-sections.

References are brute-force counts computed here from the constructed panels (how many units,
periods, clusters, which spreadsheet rows), independent of the code under test.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators import PanelColumns

from pilot_eval.errors import ValidationFailed
from pilot_eval.validation import (
    MAX_ROWS_KEPT,
    MIN_CLUSTERS,
    MIN_TREATED_CLUSTERS,
    Problem,
    ValidationReport,
    nearest_name,
    validate_panel,
)

FIRST_DATA_ROW = 2  # spreadsheet row of frame position 0 (header is row 1)


def panel(n_units: int = 40, n_periods: int = 6, starts: dict[int, int] | None = None,
          ) -> pd.DataFrame:
    """Balanced unit-major panel; ``starts`` maps unit -> first pilot period (default: the
    first 12 units start in period 3)."""
    starts = {u: 3 for u in range(12)} if starts is None else starts
    rng = np.random.default_rng(7)
    rows = []
    for unit in range(n_units):
        for period in range(n_periods):
            start = starts.get(unit, 0)
            rows.append({"unit": f"U{unit:02d}", "period": period, "cohort": start,
                         "d": int(start > 0 and period >= start), "y": rng.normal(),
                         "x": float(unit % 3), "region": f"R{unit % 35}"})
    return pd.DataFrame(rows)


TREATMENT = PanelColumns(outcome="y", unit="unit", time="period", treatment="d")
COHORT = PanelColumns(outcome="y", unit="unit", time="period", cohort="cohort")


def codes(report: ValidationReport) -> list[str]:
    return sorted(p.code for p in report.problems)


@pytest.mark.parametrize("columns", [
    TREATMENT, COHORT,
    PanelColumns(outcome="y", unit="unit", time="period", treatment="d", covariates=("x",),
                 cluster="unit"),
])
def test_clean_panels_have_no_problems(columns):
    report = validate_panel(panel(), columns)
    assert report.ok and report.problems == (), report.summary()


def test_clean_2x2_and_repeated_cross_section():
    frame = panel()
    frame["group"] = (frame["cohort"] > 0).astype(int)
    frame["post"] = (frame["period"] >= 3).astype(int)
    two_by_two = PanelColumns(outcome="y", unit="unit", group="group", post="post")
    assert validate_panel(frame, two_by_two).problems == ()
    cross_section = PanelColumns(outcome="y", time="period", treatment="d", cluster="region")
    assert validate_panel(frame, cross_section).problems == ()


def test_every_problem_is_reported_at_once():
    frame = panel()
    frame["y"] = frame["y"].astype(object)
    frame.loc[4, "y"] = "missing?"                       # row 6
    frame.loc[7, "x"] = np.nan                            # row 9
    frame = pd.concat([frame, frame.iloc[[10]]], ignore_index=True)  # row 12 again as 242
    columns = PanelColumns(outcome="y", unit="unit", time="period", treatment="d",
                           covariates=("x", "size"))
    report = validate_panel(frame, columns, file="data.csv")
    assert codes(report) == ["duplicate_unit_period", "missing_values", "non_numeric",
                             "unknown_column"]
    by_code = {p.code: p for p in report.problems}
    assert by_code["non_numeric"].rows == (6,)
    assert "'missing?'" in by_code["non_numeric"].message
    assert by_code["missing_values"].rows == (9,) and by_code["missing_values"].column == "x"
    assert by_code["duplicate_unit_period"].rows == (12, 242)
    assert "unit 'U01' in period 4" in by_code["duplicate_unit_period"].message
    assert [p.severity for p in report.problems[:3]] == ["error"] * 3  # errors come first
    assert all(p.file == "data.csv" for p in report.problems)


def test_unknown_columns_list_the_columns_and_suggest_the_nearest():
    report = validate_panel(panel(), PanelColumns(outcome="Y ", unit="unti", time="Period",
                                                  treatment="d"))
    problems = {p.column: p for p in report.errors}
    assert set(problems) == {"Y ", "unti", "Period"}
    assert problems["unti"].hint == "Did you mean 'unit'?"
    assert problems["Period"].hint == "Did you mean 'period'?"
    assert "unit, period, cohort, d, y, x, region" in problems["unti"].message
    assert nearest_name("zzz", ["unit", "period"]) is None


def test_treatment_and_design_flags_must_be_zero_one():
    frame = panel()
    frame["d"] = frame["d"].map({0: "no", 1: "yes"})
    report = validate_panel(frame, TREATMENT)
    assert codes(report) == ["not_binary"]
    assert len(report.errors[0].rows) == len(frame)


def test_treated_units_need_a_before_period():
    starts = {u: 3 for u in range(12)}
    frame = panel(starts=starts)
    frame.loc[frame["unit"].isin(["U00", "U01"]), "d"] = 1
    report = validate_panel(frame, TREATMENT)
    problem = next(p for p in report.errors if p.code == "no_before_period")
    first_rows = [frame.index[frame["unit"] == u][0] + FIRST_DATA_ROW for u in ("U00", "U01")]
    assert problem.rows == tuple(first_rows)
    # cohort = first period (period 0 means never, so shift periods to start at 1)
    shifted = panel()
    shifted["period"] += 1
    shifted.loc[shifted["unit"] == "U03", "cohort"] = 1
    report = validate_panel(shifted, COHORT)
    assert [p.code for p in report.errors] == ["no_before_period"]
    assert report.errors[0].rows == (shifted.index[shifted["unit"] == "U03"][0]
                                     + FIRST_DATA_ROW,)


def test_no_treated_and_no_comparison_units():
    none_treated = panel(starts={})
    assert codes(validate_panel(none_treated, TREATMENT)) == ["no_treated_units"]
    all_at_once = panel(starts={u: 3 for u in range(40)})
    assert codes(validate_panel(all_at_once, TREATMENT)) == ["no_comparison_units"]
    staggered = panel(starts={u: 2 + u % 3 for u in range(40)})
    report = validate_panel(staggered, COHORT)
    assert report.ok and codes(report) == ["no_never_treated", "rows_used"]  # later periods out


def test_treatment_that_switches_off_is_a_warning_with_rows():
    frame = panel()
    off = frame.index[(frame["unit"] == "U02") & (frame["period"] == 5)]
    frame.loc[off, "d"] = 0
    report = validate_panel(frame, TREATMENT)
    assert report.ok and codes(report) == ["treatment_switches_off"]
    assert report.warnings[0].rows == (off[0] + FIRST_DATA_ROW,)


def test_cohort_must_be_constant_within_units():
    frame = panel()
    frame.loc[(frame["unit"] == "U01") & (frame["period"] == 4), "cohort"] = 4
    report = validate_panel(frame, COHORT)
    assert "cohort_varies_within_unit" in codes(report)


def test_unbalanced_panel_counts_missing_unit_periods():
    frame = panel()
    drop = frame.index[((frame["unit"] == "U20") & (frame["period"].isin([1, 2])))
                       | ((frame["unit"] == "U30") & (frame["period"] == 4))]
    frame = frame.drop(index=drop).reset_index(drop=True)
    report = validate_panel(frame, TREATMENT)
    assert codes(report) == ["unbalanced_panel"]
    assert "2 of 40 units" in report.warnings[0].message
    assert "3 unit-periods missing" in report.warnings[0].message


@pytest.mark.parametrize(("n_units", "n_treated", "warned"), [
    (MIN_CLUSTERS - 1, 12, True),
    (MIN_CLUSTERS, MIN_TREATED_CLUSTERS, False),
    (40, MIN_TREATED_CLUSTERS - 1, True),
])
def test_few_clusters_threshold(n_units, n_treated, warned):
    frame = panel(n_units=n_units, starts={u: 3 for u in range(n_treated)})
    report = validate_panel(frame, TREATMENT)
    assert ("few_clusters" in codes(report)) is warned
    if warned:
        problem = report.warnings[0]
        assert f"{n_units} clusters ({n_treated} in the pilot)" in problem.message
        assert "wild cluster bootstrap" in problem.hint


def test_clusters_can_be_coarser_than_units():
    frame = panel()
    frame["council"] = frame["unit"].str[-1]  # 10 councils
    report = validate_panel(frame, PanelColumns(outcome="y", unit="unit", time="period",
                                                treatment="d", cluster="council"))
    assert codes(report) == ["few_clusters"] and report.warnings[0].column == "council"


def test_repeated_cross_section_design_checks():
    frame = panel()
    always = frame.assign(d=(frame["period"] >= 0).astype(int) * (frame["cohort"] > 0))
    rcs = PanelColumns(outcome="y", time="period", treatment="d", cluster="region")
    assert codes(validate_panel(always, rcs)) == ["no_before_period"]
    everyone = frame.assign(d=(frame["period"] >= 3).astype(int))
    assert codes(validate_panel(everyone, rcs)) == ["no_comparison_units"]


def test_2x2_needs_all_four_cells():
    frame = panel()
    frame["group"] = (frame["cohort"] > 0).astype(int)
    frame["post"] = (frame["period"] >= 3).astype(int)
    columns = PanelColumns(outcome="y", unit="unit", group="group", post="post")
    no_pre_pilot = frame[~((frame["group"] == 1) & (frame["post"] == 0))]
    assert codes(validate_panel(no_pre_pilot.reset_index(drop=True), columns)) == [
        "no_before_period"]
    comparison_only_before = frame[~((frame["group"] == 0) & (frame["post"] == 1))]
    assert "no_comparison_units" in codes(validate_panel(comparison_only_before, columns))
    assert "no_treated_units" in codes(validate_panel(frame.assign(group=0), columns))


def test_roles_that_say_nothing_about_the_pilot():
    report = validate_panel(panel(), PanelColumns(outcome="y", unit="unit", time="period"))
    assert codes(report) == ["missing_role"]
    report = validate_panel(panel(), PanelColumns(outcome="y", unit="unit", treatment="d"))
    assert "missing_role" in codes(report)


def test_text_periods_are_mapped_and_bad_periods_reported_at_file_rows():
    frame = panel(n_units=30, n_periods=3, starts={u: 3 for u in range(10)})
    months = {0: "01/01/2023", 1: "01/02/2023", 2: "01/03/2023"}
    frame["period"] = frame["period"].map(months).astype(object)
    frame["cohort"] = frame["cohort"].map({0: "never", 3: "01/03/2023"})
    frame["d"] = ((frame["cohort"] != "never") & (frame["period"] == "01/03/2023")).astype(int)
    assert validate_panel(frame, COHORT).problems == ()
    frame.loc[2, "period"] = None          # row 4
    frame.loc[7, "period"] = "12/25/2023"  # row 9
    report = validate_panel(frame, COHORT)
    by_code = {p.code: p for p in report.problems}
    assert by_code["bad_period"].rows == (9,) and "UK order" in by_code["bad_period"].message
    assert by_code["missing_values"].rows == (4,)


def test_report_api_and_json():
    frame = panel()
    frame.loc[0, "y"] = np.nan
    report = validate_panel(frame, PanelColumns(outcome="y", unit="unit", time="period",
                                                treatment="dd"), file="f.csv")
    assert not report.ok and len(report.errors) == 1 and len(report.warnings) == 1
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False and data["problems"][0]["code"] == "unknown_column"
    line = report.errors[0].describe()
    assert "\n" not in line and line.startswith("error: there is no column 'dd'")
    with pytest.raises(ValidationFailed) as caught:
        report.raise_if_errors()
    assert caught.value.report is report and caught.value.file == "f.csv"
    assert "no column 'dd'" in str(caught.value)
    validate_panel(panel(), TREATMENT).raise_if_errors()  # no errors: no exception


def test_problem_describe_truncates_long_row_lists():
    problem = Problem("warning", "missing_values", "gaps", rows=tuple(range(2, 30)),
                      column="y", hint="Fill them in.")
    text = problem.describe()
    assert "rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 18 more" in text
    assert problem.to_dict()["rows"] == list(range(2, 30))


def test_very_long_row_lists_are_capped_and_say_so():
    frame = panel(n_units=300, n_periods=5)
    frame.loc[:, "y"] = np.nan
    report = validate_panel(frame, TREATMENT)
    problem = next(p for p in report.warnings if p.code == "missing_values")
    assert len(problem.rows) == MAX_ROWS_KEPT
    assert f"the first {MAX_ROWS_KEPT} of {len(frame)} rows are listed" in problem.message


def test_year_month_numbers_get_a_warning():
    frame = panel(n_periods=4)
    frame["period"] = frame["period"].map({0: 202311, 1: 202312, 2: 202401, 3: 202402})
    assert "period_looks_like_yyyymm" in codes(validate_panel(frame, TREATMENT))
    assert "period_looks_like_yyyymm" not in codes(validate_panel(panel(), TREATMENT))


def test_bad_periods_do_not_cause_false_design_errors():
    frame = panel()
    frame["period"] = frame["period"].map(lambda p: f"2023-{p + 1:02d}").astype(object)
    frame.loc[3, "period"] = "someday"
    report = validate_panel(frame, TREATMENT)
    assert codes(report) == ["bad_period"] and report.errors[0].rows == (5,)


def test_negative_weights_are_errors():
    frame = panel().assign(w=1.0)
    frame.loc[5, "w"] = -2.0
    report = validate_panel(frame, PanelColumns(outcome="y", unit="unit", time="period",
                                                treatment="d", weights="w"))
    assert codes(report) == ["bad_weights"] and report.errors[0].rows == (7,)


def test_a_group_flag_used_as_treatment_gets_a_pointed_hint():
    frame = panel()
    frame["d"] = (frame["cohort"] > 0).astype(int)  # 1 in every period for pilot units
    report = validate_panel(frame, TREATMENT)
    problem = next(p for p in report.errors if p.code == "no_before_period")
    assert "marks pilot units, not pilot periods" in problem.hint


def test_duplicate_column_names_are_reported_not_crashed_on():
    frame = panel()
    frame.columns = ["unit", "period", "cohort", "d", "y", "y", "region"]
    report = validate_panel(frame, TREATMENT)
    assert codes(report) == ["duplicate_column"] and report.errors[0].column == "y"


def test_infinite_outcomes_and_covariates_are_errors_naming_rows():
    """Reference: the rows set to +-inf by hand (frame position i is spreadsheet row i + 2)."""
    frame = panel()
    frame.loc[2, "y"], frame.loc[9, "y"] = np.inf, -np.inf
    frame.loc[4, "x"] = np.inf
    columns = PanelColumns(outcome="y", unit="unit", time="period", treatment="d",
                           covariates=("x",))
    report = validate_panel(frame, columns)
    assert codes(report) == ["non_finite", "non_finite"]
    by_column = {p.column: p for p in report.errors}
    assert by_column["y"].rows == (4, 11) and by_column["x"].rows == (6,)
    assert "infinite" in by_column["y"].message and "inf" in by_column["y"].message
    assert "empty" in by_column["y"].hint


def test_one_error_is_raised_with_its_rows_and_column():
    frame = panel()
    frame.loc[[2, 9], "y"] = np.inf
    with pytest.raises(ValidationFailed) as caught:
        validate_panel(frame, TREATMENT).raise_if_errors()
    assert caught.value.rows == (4, 11) and caught.value.column == "y"
