"""The chart's text alternative, from hand-written group means."""

from __future__ import annotations

from pilot_eval.ui.chart_table import means_rows

MEANS = [
    {"period": 2, "label": "May 2023", "arm": "pilot", "mean": 63.5, "n": 16},
    {"period": 1, "label": "Apr 2023", "arm": "pilot", "mean": 63.04, "n": 15},
    {"period": 1, "label": "Apr 2023", "arm": "comparison", "mean": 58.8, "n": 32},
    {"period": 2, "label": "May 2023", "arm": "comparison", "mean": float("nan"), "n": 0},
]


def test_rows_are_in_period_order_with_units():
    assert means_rows(MEANS, "%") == [
        ["Apr 2023", "63.04%", "58.80%", "15 / 32"],
        ["May 2023", "63.50%", "", "16 / 0"],
    ]


def test_pounds_and_plain_numbers():
    rows = [{"period": 0, "label": "", "arm": "pilot", "mean": 2741.5, "n": 3}]
    assert means_rows(rows, "GBP") == [["0", "£2,741.50", "", "3 / 0"]]
    assert means_rows(rows, "points")[0][1] == "2,741.50"
