"""The brief's event-study and retention charts: data drawn as given, labels as text.

Reference: the input rows themselves (brute force: the plotted coordinates must equal them),
and the Analysis Function palette in REFERENCES.md (pilot #12436D, comparison #F46A25).
"""

from __future__ import annotations

import pytest
from matplotlib.colors import to_hex

from pilot_eval.charts import figure_to_vector
from pilot_eval.charts.event_time import event_points, event_time_figure
from pilot_eval.charts.retention_curves import retention_figure, step_points
from pilot_eval.charts.style import COMPARISON, PILOT, contrast_ratio

AA_TEXT_CONTRAST = 4.5  # WCAG 2.2 AA

ROWS = [{"e": -3, "estimate": 0.2, "ci_low": -1.0, "ci_high": 1.4},
        {"e": -2, "estimate": -0.1, "ci_low": -1.2, "ci_high": 1.0},
        {"e": 0, "estimate": 3.9, "ci_low": 2.0, "ci_high": 5.8},
        {"e": 1, "estimate": None},
        {"e": 2, "estimate": 4.4, "ci_low": 2.5, "ci_high": 6.3}]


def test_event_points_sorted_and_missing_skipped():
    assert event_points(list(reversed(ROWS))) == [(-3, 0.2, -1.0, 1.4), (-2, -0.1, -1.2, 1.0),
                                                  (0, 3.9, 2.0, 5.8), (2, 4.4, 2.5, 6.3)]


def test_event_time_figure_plots_the_estimates_and_marks_start_and_reference():
    figure = event_time_figure(ROWS, outcome_label="Cases closed", unit="%")
    ax = figure.axes[0]
    plotted = sorted((float(x), float(y)) for line in ax.lines for x, y in
                     zip(line.get_xdata(), line.get_ydata(), strict=True)
                     if line.get_marker() in ("o", "s"))
    assert plotted == [(-3.0, 0.2), (-2.0, -0.1), (0.0, 3.9), (2.0, 4.4)]
    texts = {t.text for t in figure_to_vector(figure).shapes if hasattr(t, "text")}
    assert {"Pilot starts", "reference"} <= texts
    markers = {line.get_marker(): line.get_markerfacecolor() for line in ax.lines
               if line.get_marker() in ("o", "s")}
    assert markers["o"] == "white" and to_hex(markers["s"]) == PILOT.lower()  # not colour alone


def test_retention_figure_draws_steps_from_100_percent_with_direct_labels():
    curves = {"Pilot teams": [{"time": 2.0, "survival": 0.9}, {"time": 5.0, "survival": 0.8}],
              "Comparison teams": [{"time": 1.0, "survival": 0.7}]}
    assert step_points(curves["Pilot teams"]) == ([0.0, 2.0, 5.0], [100.0, 90.0, 80.0])
    figure = retention_figure(curves, arms={"Pilot teams": "pilot",
                                            "Comparison teams": "comparison"})
    ax = figure.axes[0]
    steps = [line for line in ax.lines if line.get_drawstyle() == "steps-post"]
    assert [to_hex(line.get_color()) for line in steps] == [PILOT.lower(), COMPARISON.lower()]
    assert [line.get_linestyle() for line in steps] == ["-", "--"]
    shapes = figure_to_vector(figure).shapes
    texts = {s.text for s in shapes if hasattr(s, "text")}
    assert {"Pilot teams", "Comparison teams", "12 months"} <= texts


@pytest.mark.parametrize("builder", ["event", "retention"])
def test_chart_text_has_aa_contrast(builder):
    figure = (event_time_figure(ROWS, outcome_label="x", unit="") if builder == "event" else
              retention_figure({"Pilot": [{"time": 1.0, "survival": 0.5}]}, arms={}))
    for shape in figure_to_vector(figure).shapes:
        if hasattr(shape, "text"):
            assert contrast_ratio(to_hex(shape.colour[:3])) >= AA_TEXT_CONTRAST, shape.text
