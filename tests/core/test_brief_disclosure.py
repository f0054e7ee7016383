"""Disclosure control and the evidence rating, checked by hand and by brute force.

References: the ONS "10-5" rule as REFERENCES.md states it (counts < 10 -> [c], others rounded
to 5, secondary suppression, rates on bases < 25 suppressed); expected tables are worked by
hand; ``recoverable_cells`` is a brute-force attacker that solves every row/column with one
unknown, run over every 3x3 table of small counts drawn from a seeded generator.
The Maryland Scientific Methods Scale ceiling (level 3 for DiD) is from REFERENCES.md.
"""

from __future__ import annotations

import random

import pytest

from pilot_eval.brief.disclosure import (
    SUPPRESSED,
    count_cell,
    percent_cell,
    protect_table,
    recoverable_cells,
    round_to_base,
)
from pilot_eval.brief.evidence import rate_evidence
from pilot_eval.brief.options import DisclosureThresholds

RANDOM_TABLES = 300
SEED = 20261127


@pytest.mark.parametrize(("count", "expected"),
                         [(0, 0), (2, 0), (3, 5), (12, 10), (12.5, 15), (13, 15), (47, 45),
                          (168, 170)])
def test_round_to_base_halves_up(count, expected):
    assert round_to_base(count, 5) == expected


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
    with pytest.raises(ValueError, match="min_count is 0"):
        DisclosureThresholds(min_count=0)


# ---------------------------------------------------------------- evidence strength


def did(**changes) -> dict:
    base = {"estimate": 4.0, "ci_low": 2.0, "ci_high": 6.0, "n_clusters": 48,
            "pretest": {"statistic": 3.0, "df": 4, "p_value": 0.56},
            "leave_one_out": [{"unit": "A", "estimate": 3.9, "ci_low": 1.5, "ci_high": 6.2}],
            "sensitivity": {"breakdown": 2.0},
            "data": {"n_rows": 1000, "n_rows_used": 990}}
    base.update(changes)
    return base


def test_ceiling_is_level_three_for_did():
    rating = rate_evidence(did())
    assert (rating.level, rating.ceiling, rating.label) == (3, 3, "Moderate (3 of 5)")
    assert "Maryland Scientific Methods Scale" in rating.design


@pytest.mark.parametrize(("change", "reason_start"), [
    ({"pretest": {"p_value": 0.01}}, "Pilot and comparison teams were already moving"),
    ({"n_clusters": 12}, "Few clusters (12)"),
    ({"leave_one_out": [{"unit": "Team Ŵ", "estimate": -0.5}]}, "The result hinges on one team"),
    ({"leave_one_out": [{"unit": "B", "estimate": 3.0, "ci_low": -0.2, "ci_high": 6.2}]},
     "The result hinges on one team: without B"),
    ({"sensitivity": {"relative_magnitude": {"breakdown": 0.5}}},
     "Sensitive to parallel-trend violations"),
    ({"data": {"n_rows": 1000, "n_rows_used": 800}}, "Much data left out: 20% of rows"),
])
def test_each_reason_lowers_one_level(change, reason_start):
    rating = rate_evidence(did(**change))
    assert rating.level == 2
    assert len(rating.reasons) == 1 and rating.reasons[0].startswith(reason_start)


def test_imprecise_pre_periods_make_an_underpowered_pretest():
    rows = [{"e": -3, "estimate": 0.1, "ci_low": -4.5, "ci_high": 4.7}]
    rating = rate_evidence(did(event_time=rows))
    assert rating.reasons[0].startswith("The pre-trend test could miss a trend")


def test_rating_never_falls_below_one_and_bar_is_not_colour():
    rating = rate_evidence(did(pretest={"p_value": 0.001}, n_clusters=5,
                               sensitivity={"breakdown": 0.1},
                               data={"n_rows": 100, "n_rows_used": 50}))
    assert rating.level == 1 and len(rating.reasons) == 4
    assert rating.bar == "■□□□□" and rating.word == "Very low"


def test_missing_checks_are_listed_not_counted():
    rating = rate_evidence({"estimate": 1.0, "ci_low": 0.5, "ci_high": 1.5})
    assert rating.level == 3
    assert rating.not_checked == ("no formal pre-trend test in these results",
                                  "leave-one-out not run",
                                  "sensitivity to parallel-trend violations not run")
