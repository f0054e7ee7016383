"""Synthetic DiD / synthetic control charts drawn from the estimators' dictionaries."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pilot_eval.estimators import PanelColumns, SyntheticControl, SyntheticDid

from pilot_eval.charts.svg import figure_to_svg
from pilot_eval.charts.synthetic import (
    placebo_gaps_figure,
    synthetic_trajectory_figure,
    weights_table,
)

DATA = Path(__file__).parents[1] / "data" / "synthetic" / "california_prop99.csv"
COLS = PanelColumns(outcome="PacksPerCapita", unit="State", time="Year", treatment="treated")


@pytest.fixture(scope="module")
def frame():
    return pd.read_csv(DATA, sep=";")


def test_trajectory_chart_has_pilot_synthetic_and_start(frame):
    result = SyntheticDid(se="none").fit(frame, COLS).to_dict()
    cohort = result["cohorts"][0]
    fig = synthetic_trajectory_figure(cohort, outcome_label="Packs per person",
                                      title="Sales fell faster in California")
    ax = fig.axes[0]
    assert len(ax.lines) == 3  # pilot, synthetic, start line
    pilot, synth = ax.lines[0], ax.lines[1]
    assert list(pilot.get_ydata()) == cohort["trajectory"]["pilot"]
    offset = cohort["trajectory"]["offset"]
    assert synth.get_ydata()[0] == pytest.approx(cohort["trajectory"]["synthetic"][0] + offset)
    texts = [t.get_text() for t in ax.texts] + [fig.get_supxlabel()]
    assert "pilot starts" in texts and "Pilot" in texts and "Synthetic\ncomparison" in texts
    assert any("shifted" in t for t in texts)
    assert "<svg" in figure_to_svg(fig, title="t", description="d")


def test_placebo_chart_highlights_the_pilot(frame):
    result = SyntheticControl().fit(frame, COLS).to_dict()
    fig = placebo_gaps_figure(result["gaps"], result["periods"], result["start"],
                              outcome_label="Packs per person")
    ax = fig.axes[0]
    widths = [line.get_linewidth() for line in ax.lines]
    assert max(widths) == 2.4 and widths.count(0.8) >= 38
    assert any("38 comparison units" in t.get_text() for t in ax.texts)


def test_weights_table_largest_first_with_rest_summed():
    rows = [{"unit": f"u{i}", "weight": w} for i, w in
            enumerate([0.05, 0.4, 0.0, 0.3, 0.25])]
    assert weights_table(rows, rows=2) == [("u1", "40%"), ("u3", "30%"), ("2 other units", "30%")]
