"""The Bacon decomposition scatter: one point per 2x2 comparison, the TWFE line, direct labels."""

from __future__ import annotations

import numpy as np

from pilot_eval.charts.bacon import TYPE_STYLES, bacon_figure
from pilot_eval.charts.svg import figure_to_svg

BACON = {
    "twfe_estimate": 0.8,
    "comparisons": [
        {"treated": 2004, "comparison": "never", "type": "treated vs never treated",
         "estimate": 1.0, "weight": 0.5},
        {"treated": 2004, "comparison": 2006, "type": "earlier vs later treated",
         "estimate": 0.9, "weight": 0.3},
        {"treated": 2006, "comparison": 2004, "type": "later vs earlier treated",
         "estimate": 0.15, "weight": 0.2},
    ],
}


def test_every_comparison_is_a_point_at_its_weight_and_estimate():
    figure = bacon_figure(BACON, outcome_label="Cases closed (%)")
    axes = figure.axes[0]
    points = np.vstack([c.get_offsets() for c in axes.collections])
    expected = [(c["weight"], c["estimate"]) for c in BACON["comparisons"]]
    assert sorted(map(tuple, points.tolist())) == sorted(expected)
    labels = [t.get_text() for t in axes.get_legend().get_texts()]
    assert labels == [TYPE_STYLES[c["type"]][2] for c in BACON["comparisons"]]
    assert any(line.get_ydata()[0] == 0.8 for line in axes.get_lines())
    assert axes.get_title(loc="left").startswith("20% of the two-way estimate")


def test_markers_differ_by_type_so_it_reads_in_greyscale():
    markers = {style[1] for style in TYPE_STYLES.values()}
    assert len(markers) == len(TYPE_STYLES)


def test_renders_to_accessible_svg():
    svg = figure_to_svg(bacon_figure(BACON), title="Bacon", description="Decomposition")
    assert "<title" in svg and "Decomposition" in svg
