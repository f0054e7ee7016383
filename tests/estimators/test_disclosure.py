"""Disclosure control on hand-made tables (ONS-style 10-5 rule, secondary suppression).

The expected tables are worked by hand in the comments; the brute-force check enumerates the
row and column equations of every random table and confirms no hidden cell is given away.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators.disclosure import (
    SUPPRESSED,
    DisclosureRule,
    protect_count,
    protect_rate,
    protect_table,
    recoverable_cells,
    round_count,
    suppression_mask,
)
from pilot_eval.estimators.errors import EstimatorConfigError

C = SUPPRESSED


def test_rounding_halves_up() -> None:
    assert [round_count(v) for v in (10, 12, 12.5, 13, 17, 22.5, 0)] == [10, 10, 15, 15, 15, 25, 0]
    assert round_count(12, 1) == 12


def test_primary_suppression_and_zero() -> None:
    assert protect_count(9) == C
    assert protect_count(10) == "10"
    assert protect_count(0) == "0"
    assert protect_count(0, DisclosureRule(suppress_zero=True)) == C
    assert protect_count(12, DisclosureRule(min_count=20, rounding=1)) == C


def test_secondary_suppression_hand_table() -> None:
    # rows: arms; columns: reasons. Row totals 47 and 40; column totals 57, 21, 9; total 87.
    #            resigned  retired  dismissed | total
    #   pilot        30       12        5     |  47    5 < 10: primary; row needs a 2nd -> 12
    #   comparison   27        9        4     |  40    9 and 4: primary (two in the row)
    #   total        57       21        9     |  87    dismissed total 9: primary; the total
    #                                                  row (57 + 21 + 9 = 87) then needs a
    #                                                  second hidden value: 21 (smallest)
    # columns: retired 12, 9, 21 hidden; dismissed 5, 4, 9 hidden; resigned none.
    counts = pd.DataFrame({"resigned": [30, 27], "retired": [12, 9], "dismissed": [5, 4]},
                          index=["pilot", "comparison"])
    shown = protect_table(counts)
    assert shown.loc["pilot"].tolist() == ["30", C, C, "45"]
    assert shown.loc["comparison"].tolist() == ["25", C, C, "40"]
    assert shown.loc["Total"].tolist() == ["55", C, C, "85"]


def test_single_small_cell_needs_a_partner_in_row_and_column() -> None:
    # Only 3 is primary. Its row (3, 40 | 43) and column (3, 50 | 53) each need a second hidden
    # value: the smallest other body cell in the row is 40, in the column 50; then 40's column
    # (40, 60 | 100) and 50's row (50, 60 | 110) need one more each: 60 closes both.
    counts = pd.DataFrame({"a": [3, 50], "b": [40, 60]})
    hidden = suppression_mask(counts.to_numpy())
    assert hidden[:2, :2].all() and not hidden[2, :].any() and not hidden[:, 2].any()
    assert recoverable_cells(hidden) == []


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_have_no_recoverable_cells(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(1, 6, 2))
    counts = rng.integers(0, 40, shape)
    hidden = suppression_mask(counts)
    rule = DisclosureRule()
    with_totals = np.vstack([np.column_stack([counts, counts.sum(1)]),
                             np.append(counts.sum(0), counts.sum())])
    small = (with_totals > 0) & (with_totals < rule.min_count)
    assert hidden[small].all()  # every primary cell hidden
    assert recoverable_cells(hidden) == []  # no row or column equation with one unknown


def test_rates_on_small_bases_are_suppressed() -> None:
    assert protect_rate(0.12, 24) == C
    assert protect_rate(0.12, 25) == 0.12
    assert protect_rate(0.12, 24, DisclosureRule(min_base=20)) == 0.12
    assert protect_rate(None, 100) is None


def test_bad_rule_and_bad_table() -> None:
    with pytest.raises(EstimatorConfigError, match="min_count"):
        DisclosureRule(min_count=0)
    with pytest.raises(EstimatorConfigError, match="at least 0"):
        protect_table(pd.DataFrame({"a": [-1, 3]}))


def test_protect_rows_of_a_rates_table() -> None:
    from pilot_eval.estimators.disclosure import protect_rows

    rows = [{"team": "A", "leavers": 3, "base": 24, "rate": 0.125},
            {"team": "B", "leavers": 12, "base": 60, "rate": 0.2}]
    shown = protect_rows(rows, counts=("leavers", "base"), rates=("rate",), base="base")
    # A: 3 < 10 hidden; the base 24 is shown rounded (25); the rate on a base of 24 < 25 hidden
    assert shown[0] == {"team": "A", "leavers": C, "base": "25", "rate": C}
    # B: 12 -> 10, 60 -> 60, rate kept
    assert shown[1] == {"team": "B", "leavers": "10", "base": "60", "rate": 0.2}
    assert rows[0]["leavers"] == 3  # input untouched
