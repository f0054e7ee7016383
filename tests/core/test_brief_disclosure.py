"""Disclosure control and the evidence rating, checked by hand and by brute force.

References: the ONS "10-5" rule as REFERENCES.md states it (counts < 10 -> [c], others rounded
to 5, secondary suppression, rates on bases < 25 suppressed); expected tables are worked by
hand; ``recoverable_cells`` is a brute-force attacker that solves every row/column with one
unknown, run over every 3x3 table of small counts drawn from a seeded generator.
The Maryland Scientific Methods Scale ceiling (level 3 for DiD) is from REFERENCES.md.
"""

from __future__ import annotations

import dataclasses
import random

import pytest
from pilot_eval.estimators.disclosure import round_count
from report_factory import outcome, rated

from pilot_eval.brief.disclosure import SUPPRESSED, count_cell, percent_cell, protect_table
from pilot_eval.report.options import DisclosureThresholds
from pilot_eval.report.outcome import (
    CheckEstimate,
    LeaveOneOut,
    LeaveOneOutRow,
    OutcomeData,
    PreTrendChoice,
    PreTrendTest,
    Sensitivity,
)

RANDOM_TABLES = 300


def recoverable_cells(published: list[list[str]]) -> set[tuple[int, int]]:
    """Brute-force attacker: hidden cells of a published table (totals included) that can be
    solved, treating every shown number as exact and repeatedly solving any row or column
    with exactly one unknown.  A protected table gives an empty set."""
    known = [[cell != SUPPRESSED for cell in row] for row in published]
    n_rows, n_cols = len(published), len(published[0])
    lines = ([[(r, c) for c in range(n_cols)] for r in range(n_rows)]
             + [[(r, c) for r in range(n_rows)] for c in range(n_cols)])
    recovered: set[tuple[int, int]] = set()
    changed = True
    while changed:
        changed = False
        for line in lines:
            unknown = [cell for cell in line if not known[cell[0]][cell[1]]]
            if len(unknown) == 1:
                r, c = unknown[0]
                known[r][c] = True
                recovered.add((r, c))
                changed = True
    return recovered
SEED = 20261127


@pytest.mark.parametrize(("count", "expected"),
                         [(0, 0), (2, 0), (3, 5), (12, 10), (12.5, 15), (13, 15), (47, 45),
                          (168, 170)])
def test_round_to_base_halves_up(count, expected):
    assert round_count(count, 5) == expected


@pytest.mark.parametrize(("count", "expected"),
                         [(0, "0"), (1, "[c]"), (9, "[c]"), (10, "10"), (12, "10"),
                          (13, "15"), (1234, "1,235"), (None, "no data")])
def test_count_cell(count, expected):
    assert count_cell(count) == expected


def test_percent_cell_suppresses_small_bases():
    assert percent_cell(0.8864, 180) == "89%"
    assert percent_cell(0.8864, 24) == SUPPRESSED
    assert percent_cell(0.8864, 25) == "89%"
    assert percent_cell(0.5, 10, DisclosureThresholds(min_base=5), decimals=1) == "50.0%"


def test_protect_table_by_hand():
    # pilot: 14 stayed, 6 left; comparison: 252 stayed, 168 left.  6 is primary; its row
    # total (20) and column total (174) would reveal it, so 14 and 168 are hidden as well,
    # and then 252 (column 0 would reveal 14).
    assert protect_table([[14, 6], [252, 168]]) == [
        ["[c]", "[c]", "20"], ["[c]", "[c]", "420"], ["265", "175", "440"]]


def test_zeros_are_not_hidden_and_thresholds_are_configurable():
    assert protect_table([[0, 40], [50, 60]]) == [["0", "40", "40"], ["50", "60", "110"],
                                                  ["50", "100", "150"]]
    rule = DisclosureThresholds(min_count=3, rounding=1, min_base=5)
    assert protect_table([[4, 40], [50, 60]], rule)[0] == ["4", "40", "44"]


def test_no_hidden_cell_can_be_recovered_brute_force():
    generator = random.Random(SEED)
    for _ in range(RANDOM_TABLES):
        table = [[generator.choice([0, 1, 3, 8, 9, 10, 15, 40, 120]) for _ in range(3)]
                 for _ in range(3)]
        published = protect_table(table)
        assert recoverable_cells(published) == set(), (table, published)


def test_bad_thresholds_are_clear_errors():
    with pytest.raises(ValueError, match="min_count=0"):
        DisclosureThresholds(min_count=0)


# ---------------------------------------------------------------- evidence strength


def _test(p_value: float) -> PreTrendChoice:
    test = PreTrendTest(source="estimator", statistic=3.0, df=4.0, p_value=p_value,
                        reliable=True, note="joint test")
    return PreTrendChoice(used=test, why="the estimator's own pre-test", tests=(test,))


def _loo(unit: str, estimate: float, hinge: bool) -> LeaveOneOut:
    result = CheckEstimate(estimate=estimate, ci_low=estimate - 2.4, ci_high=estimate + 2.2,
                           p_value=0.01, n_obs=900)
    return LeaveOneOut(full=result, rows=(LeaveOneOutRow(unit=unit, result=result),),
                       hinge_units=(unit,) if hinge else (), note="")


def _sensitivity(robust: bool) -> Sensitivity:
    return Sensitivity(parameter="average", window=(-5, 4), breakdown_mbar=0.5,
                       breakdown_m=0.3, relative_magnitude=(), smoothness=(),
                       bound="smoothness", robust=robust)


def did(**changes):
    """A report whose every check passed (estimate 4, range 2 to 6, 48 clusters)."""
    report = outcome(estimate=4.0, ci=(2.0, 6.0), n_clusters=48, pretest=_test(0.56),
                     leave_one_out=_loo("A", 3.9, False), sensitivity=_sensitivity(True),
                     data=OutcomeData(file="x.csv", sha256="ab" * 32, rows_read=1000,
                                      rows_used=990))
    headline = changes.pop("headline", {})
    report = dataclasses.replace(report, **changes)
    if headline:
        report = dataclasses.replace(report, headline=dataclasses.replace(report.headline,
                                                                          **headline))
    return rated(report)


def _weak_test() -> PreTrendChoice:
    test = dataclasses.replace(_test(0.56).used, power=0.4, power_slope=0.2, slope_80=0.5)
    return PreTrendChoice(used=test, why="", tests=(test,))


def test_ceiling_is_level_three_for_did():
    rating = did().evidence
    assert (rating.level, rating.ceiling, rating.label) == (3, 3, "Moderate (3 of 5)")
    assert "Maryland Scientific Methods Scale" in rating.design


def _clusters(n: int) -> dict:
    return {"headline": {"clusters": dataclasses.replace(outcome().headline.clusters, n=n)}}


@pytest.mark.parametrize(("change", "reason_start"), [
    ({"pretest": _test(0.01)}, "Pilot and comparison teams were already moving"),
    (_clusters(12), "Few clusters (12)"),
    ({"leave_one_out": _loo("Team Ŵ", -0.5, True)},
     "The result leans on one team: without Team Ŵ the estimate changes sign"),
    ({"leave_one_out": _loo("B", 2.9, True)},
     "The result leans on one team: without B the estimate moves by more than its standard"),
    ({"pretest": _weak_test(), "sensitivity": _sensitivity(False)},
     "The pre-trend test could miss a trend large enough to explain the effect (it had a 40%"),
    ({"data": OutcomeData(file="x.csv", sha256="ab" * 32, rows_read=1000, rows_used=700)},
     "Much data left out: the estimate uses 70% of the rows"),
    ({"data": OutcomeData(file="x.csv", sha256="ab" * 32, rows_read=1000, rows_used=1000,
                          cells_expected=1200, cells_observed=1000)},
     "Much data missing: 17% of the team-periods"),
])
def test_each_reason_lowers_one_level(change, reason_start):
    rating = did(**change).evidence
    assert rating.level == 2
    assert len(rating.reasons) == 1 and rating.reasons[0].startswith(reason_start)


def test_rating_never_falls_below_one_and_bar_is_not_colour():
    rating = did(pretest=_test(0.001), leave_one_out=_loo("B", 1.0, True),
                 data=OutcomeData(file="x.csv", sha256="ab" * 32, rows_read=100, rows_used=50),
                 **_clusters(5)).evidence
    assert rating.level == 1 and len(rating.reasons) == 4
    assert rating.bar == "■□□□□" and rating.word == "Very low"


def test_missing_checks_are_listed_not_counted():
    rating = outcome(estimate=1.0, ci=(0.5, 1.5), warnings=(),
                     data=OutcomeData(file="x.csv", sha256="ab" * 32, rows_read=10,
                                      rows_used=10)).evidence
    assert rating.level == 3
    assert rating.not_checked == ("no formal pre-trend test in these results",
                                  "sensitivity to parallel-trend violations not run",
                                  "leave-one-out not run")
