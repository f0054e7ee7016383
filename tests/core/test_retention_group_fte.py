"""The generic survival form's ``--group`` enters the Cox model, and ``--fte`` turns the
workforce counts and rates into full-time equivalents (the DfE children's social work turnover
rate is published in FTE).  References: the Cox model fitted directly on the same indicator
(``CoxModel``, itself checked against R ``coxph``), and brute-force FTE sums over the spells."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators import CoxModel, EstimationError, EstimatorConfigError, SpellColumns

from pilot_eval.demo import EXTRACT_DATE, demo_path
from pilot_eval.io import load_table
from pilot_eval.retention import RetentionRequest, group_terms, run_retention

SURVIVAL = Path(__file__).parents[1] / "data" / "survival"
SAME_FIT = 1e-12  # the same model on the same rows
FTE_SUM = 1e-9  # sums of FTE fractions
DEMO_COLUMNS = SpellColumns(staff_id="staff_id", team="team", start="start_date",
                            end="end_date", reason="leaving_reason")


def _cox_row(analysis, term):
    return next(c for c in analysis.results["cox"].coefficients if c.name == term)


def test_a_numeric_group_enters_the_cox_model_as_it_is():
    bmt = pd.read_csv(SURVIVAL / "bmt.csv")
    request = RetentionRequest(SpellColumns(duration="ftime", event="status", group="dis"))
    analysis = run_retention(request, bmt)
    direct = CoxModel().fit(bmt, duration="ftime", event="status", covariates=("dis",))
    row = _cox_row(analysis, "dis")
    assert row.coef == pytest.approx(direct.coefficients[0].coef, abs=SAME_FIT)
    assert row.se == pytest.approx(direct.coefficients[0].se, abs=SAME_FIT)


def test_a_text_group_enters_as_indicators_against_the_first_level():
    bmt = pd.read_csv(SURVIVAL / "bmt.csv")
    labelled = bmt.assign(disease=bmt["dis"].map({0: "ALL", 1: "AML"}), age=np.arange(35) % 7)
    request = RetentionRequest(SpellColumns(duration="ftime", event="status", group="disease",
                                            covariates=("age",)))
    analysis = run_retention(request, labelled)
    direct = CoxModel().fit(bmt.assign(age=np.arange(35) % 7), duration="ftime",
                            event="status", covariates=("dis", "age"))
    assert _cox_row(analysis, "disease=AML").coef == pytest.approx(
        direct.coefficients[0].coef, abs=SAME_FIT)
    assert _cox_row(analysis, "age").coef == pytest.approx(direct.coefficients[1].coef,
                                                           abs=SAME_FIT)


def test_group_terms_leave_other_cases_alone():
    frame = pd.DataFrame({"t": [1.0, 2.0], "e": [1, 0], "g": ["a", "a"]})
    columns = SpellColumns(duration="t", event="e", group="g")
    assert group_terms(frame, columns) == (frame, columns)  # one level: nothing to compare
    given = SpellColumns(duration="t", event="e", group="g", covariates=("g",))
    assert group_terms(frame, given)[1] is given


def _demo(**options):
    request = RetentionRequest(DEMO_COLUMNS, extract_date=EXTRACT_DATE,
                               observed_from=dt.date(2023, 4, 1),
                               pilot_starts_path=str(demo_path("teams.csv")), **options)
    return run_retention(request, load_table(demo_path("staff.csv")))


def test_fte_rates_sum_the_fte_of_the_staff_in_post():
    heads, ftes = _demo(), _demo(fte="fte")
    rates = ftes.results["rates"]
    assert rates["basis"] == "FTE (column 'fte')" and heads.results["rates"]["basis"] == (
        "headcount")
    staff = pd.read_csv(demo_path("staff.csv"))
    start = pd.to_datetime(staff["start_date"], dayfirst=True)
    end = pd.to_datetime(staff["end_date"], dayfirst=True)
    teams = pd.read_csv(demo_path("teams.csv")).set_index("team")["pilot_start"]
    arm = np.where(staff["team"].map(teams).notna(), "pilot", "comparison")
    for row in rates["by_arm"][:3]:
        first = pd.Timestamp(row["period_start"])
        in_post = (start <= first) & (end.isna() | (end >= first)) & (arm == row["arm"])
        assert row["headcount_start"] == pytest.approx(staff.loc[in_post, "fte"].sum(),
                                                       abs=FTE_SUM)
    # the DiD on leaving models counts of leavers: it stays on headcount
    assert ftes.results["did_leaving"]["rate_ratio"] == heads.results["did_leaving"][
        "rate_ratio"]


def test_fte_needs_staff_records_and_sensible_values():
    with pytest.raises(EstimatorConfigError, match="--fte is for staff records"):
        RetentionRequest(SpellColumns(duration="t", event="e"), fte="fte")
    staff = pd.read_csv(demo_path("staff.csv")).assign(fte=lambda f: f["fte"].where(
        f.index != 3, 0.0))
    request = RetentionRequest(DEMO_COLUMNS, extract_date=EXTRACT_DATE, fte="fte",
                               pilot_starts_path=str(demo_path("teams.csv")))
    with pytest.raises(EstimationError, match="FTE in 'fte'.*spreadsheet row 5"):
        run_retention(request, staff)


def test_the_command_line_passes_fte():
    import argparse

    from pilot_eval.retention_cli import add_retention_parser, request_from_args

    parser = argparse.ArgumentParser()
    add_retention_parser(parser.add_subparsers())
    args = parser.parse_args(["retention", "staff.csv", "--start", "s", "--end", "e",
                              "--team", "t", "--fte", "fte"])
    assert request_from_args(args).fte == "fte"
