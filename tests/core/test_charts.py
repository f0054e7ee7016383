"""Charts: the pilot-vs-comparison figure, its SVG export and its vector recording.

References: the Government Analysis Function palette (pilot #12436D, comparison #F46A25; quoted
in the project's REFERENCES.md); matplotlib's own transforms as the brute-force reference for
where the recorded vector paths and text must sit (the recording must reproduce, in points,
exactly what matplotlib lays out at 72 dpi); the SVG is parsed with ``xml.etree``.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from pilot_eval.charts import (
    PathShape,
    TextShape,
    figure_to_svg,
    figure_to_vector,
    group_means_figure,
    vector_to_svg,
)
from pilot_eval.charts.group_means import spread_labels, tick_periods
from pilot_eval.charts.style import axis_label, format_tick

POSITION_TOLERANCE_PT = 1e-6  # the recording is matplotlib's own layout: no rounding allowed
SVG_ROUNDING_PT = 0.005  # vector_to_svg writes coordinates to a hundredth of a point
SVG = "{http://www.w3.org/2000/svg}"


def means(periods: int = 30, missing: tuple[int, ...] = ()) -> list[dict]:
    rows = []
    for p in range(1, periods + 1):
        label = f"{2024 + (p - 1) // 12}-{(p - 1) % 12 + 1:02d}"
        pilot = None if p in missing else 60 + 0.1 * p + (4 if p >= 13 else 0) + math.sin(p)
        rows.append({"period": p, "label": label, "arm": "pilot", "mean": pilot, "n": 16})
        rows.append({"period": p, "label": label, "arm": "comparison",
                     "mean": 59 + 0.1 * p + math.cos(p), "n": 32})
    return rows


STARTS = [{"period": 13, "label": "2025-01", "n_units": 12},
          {"period": 19, "label": "2025-07", "n_units": 1}]


@pytest.fixture(scope="module")
def figure() -> Figure:
    return group_means_figure(means(missing=(5,)), pilot_starts=STARTS,
                              outcome_label="Cases closed with goals met", unit="%",
                              title="Budget autonomy lifted cases closed with goals met")


def data_lines(fig: Figure):
    ax = fig.axes[0]
    return [line for line in ax.get_lines() if len(line.get_xdata()) > 2]


def test_lines_use_the_palette_and_differ_without_colour(figure):
    pilot, comparison = data_lines(figure)
    assert to_hex(pilot.get_color()).upper() == "#12436D"
    assert to_hex(comparison.get_color()).upper() == "#F46A25"
    assert pilot.get_linestyle() != comparison.get_linestyle()  # reads in greyscale
    assert pilot.get_marker() != comparison.get_marker()
    assert figure.axes[0].get_legend() is None  # labelled directly instead


def test_missing_means_are_skipped(figure):
    pilot, comparison = data_lines(figure)
    assert 5 not in list(pilot.get_xdata()) and len(pilot.get_xdata()) == 29
    assert len(comparison.get_xdata()) == 30


def test_direct_labels_sit_right_of_the_line_ends(figure):
    ax = figure.axes[0]
    texts = {t.get_text(): t for t in ax.texts}
    assert {"Pilot teams", "Comparison teams"} <= set(texts)
    for name, line in zip(("Pilot teams", "Comparison teams"), data_lines(figure), strict=True):
        label = texts[name]
        assert label.get_position()[0] == line.get_xdata()[-1]
        assert label.get_horizontalalignment() == "left"


def test_pilot_starts_are_marked_and_labelled(figure):
    ax = figure.axes[0]
    vertical = [line for line in ax.get_lines() if len(set(line.get_xdata())) == 1]
    assert sorted(line.get_xdata()[0] for line in vertical) == [12.5, 18.5]
    labels = [t.get_text() for t in ax.texts]
    assert "Pilot starts 2025-01 (12 teams)" in labels
    assert "Pilot starts 2025-07 (1 team)" in labels


def test_title_axis_labels_and_ticks(figure):
    ax = figure.axes[0]
    assert ax.get_title(loc="left") == "Budget autonomy lifted cases closed with goals met"
    assert ax.get_ylabel() == "Cases closed with goals met (%)"
    assert ax.get_xlabel() == "Period"
    assert len(ax.get_xticks()) <= 8


def test_long_y_labels_wrap_to_two_lines():
    label = "Repeat referrals to children's social care within 12 months of case closure"
    fig = group_means_figure(means(), pilot_starts=[], outcome_label=label, unit="%")
    lines = fig.axes[0].get_ylabel().split("\n")
    assert len(lines) == 2 and lines[1].endswith("…")
    assert all(len(line) <= 34 for line in lines)


def test_default_and_empty_titles():
    default = group_means_figure(means(), pilot_starts=[], outcome_label="Cost per case",
                                 unit="GBP")
    assert default.axes[0].get_title(loc="left") == (
        "Cost per case: pilot and comparison teams over time")
    assert default.axes[0].get_ylabel() == "Cost per case (£)"
    none = group_means_figure(means(), pilot_starts=[], outcome_label="x", unit="", title="")
    assert none.axes[0].get_title(loc="left") == ""
    unnamed = group_means_figure(means(), pilot_starts=[], outcome_label=" ", unit="%")
    assert unnamed.axes[0].get_ylabel() == "Outcome (%)"


def test_empty_data_draws_an_empty_chart_without_error():
    fig = group_means_figure([], pilot_starts=[], outcome_label="Cost", unit="GBP")
    assert data_lines(fig) == []
    assert figure_to_vector(fig).shapes


def test_helpers():
    assert spread_labels([1.0, 1.02], 0.1) == pytest.approx([0.96, 1.06])
    assert spread_labels([5.0, 1.0], 0.1) == [5.0, 1.0]  # already apart: unchanged
    assert tick_periods(list(range(1, 31))) == list(range(1, 31, 4))
    assert tick_periods([1, 2, 3]) == [1, 2, 3]
    assert axis_label("Cost (£)", "GBP") == "Cost (£)"
    assert axis_label("Engagement", "points") == "Engagement (points)"
    assert format_tick(1200.0, "GBP") == "£1,200"
    assert format_tick(-50.0, "GBP") == "-£50"
    assert format_tick(62.5, "%") == "62.5%"


def test_dollar_signs_are_not_mathtext():
    fig = group_means_figure(means(), pilot_starts=[{"period": 13, "label": "$x$", "n_units": 2}],
                             outcome_label="Cost in $", unit="", title="Spend $1 and $2")
    recorded = figure_to_vector(fig)
    texts = [s.text for s in recorded.shapes if isinstance(s, TextShape)]
    assert "Spend $1 and $2" in texts
    assert "Pilot starts $x$ (2 teams)" in texts


# ---------------------------------------------------------------- vector recording


def test_recorded_line_matches_matplotlib_transform(figure):
    """Brute force: the pilot line's recorded vertices are its data through ``transData``."""
    recorded = figure_to_vector(figure)
    assert figure.dpi == 100  # restored after recording
    assert (recorded.width, recorded.height) == pytest.approx((6.7 * 72, 3.3 * 72))
    original = figure.dpi
    figure.dpi = 72  # the recording's units are points
    try:
        pilot = data_lines(figure)[0]
        expected = pilot.get_transform().transform(pilot.get_xydata())
    finally:
        figure.dpi = original
    pilot_rgb = tuple(round(c, 6) for c in (0x12 / 255, 0x43 / 255, 0x6D / 255))
    strokes = [s for s in recorded.shapes if isinstance(s, PathShape) and s.stroke
               and tuple(round(c, 6) for c in s.stroke[:3]) == pilot_rgb
               and len(s.segments) == len(expected)]
    assert strokes, "pilot line not recorded"
    points = np.array([values for _, values in strokes[0].segments])
    np.testing.assert_allclose(points, expected, atol=POSITION_TOLERANCE_PT)
    assert strokes[0].dashes is None  # solid


def test_recorded_text_matches_matplotlib_layout(figure):
    recorded = figure_to_vector(figure)
    texts = {s.text: s for s in recorded.shapes if isinstance(s, TextShape)}
    original = figure.dpi
    figure.dpi = 72
    try:
        ax = figure.axes[0]
        label = next(t for t in ax.texts if t.get_text() == "Pilot teams")
        box = label.get_window_extent(renderer=RendererAgg(recorded.width, recorded.height, 72))
    finally:
        figure.dpi = original
    shape = texts["Pilot teams"]
    assert shape.bold and shape.size == 9
    assert shape.x == pytest.approx(box.x0, abs=0.5)  # Agg and the recorder share metrics
    assert box.y0 <= shape.y <= box.y1  # the baseline lies inside the text's box
    assert texts["Cases closed with goals met (%)"].angle == 90


# ---------------------------------------------------------------- SVG


def test_svg_is_accessible_and_self_contained(figure):
    svg = figure_to_svg(figure, title="A & <b>", description="Long description",
                        id_prefix="chart7")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart7-title chart7-desc"
    assert root[0].tag == f"{SVG}title" and root[0].text == "A & <b>"
    assert root[1].tag == f"{SVG}desc" and root[1].text == "Long description"
    assert root.get("width") == "100%" and root.get("height") is None
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert ids and all(i.startswith("chart7-") for i in ids)
    assert len(ids) == len(set(ids))
    texts = ["".join(e.itertext()) for e in root.iter(f"{SVG}text")]
    assert "Pilot teams" in texts  # text kept as text, not glyph outlines
    assert "<image" not in svg and "http://www.w3.org/1999/xlink" in svg


def test_svg_of_the_same_inputs_is_identical():
    """Fresh figures from the same inputs export identically (what the brief relies on).

    Exporting one figure twice may move the layout by a fraction of a point, because
    constrained layout starts each draw from the previous result; the brief always builds a
    fresh figure.
    """
    def build() -> Figure:
        return group_means_figure(means(), pilot_starts=STARTS, outcome_label="Cases", unit="%")

    assert figure_to_svg(build(), title="t", description="d") == figure_to_svg(
        build(), title="t", description="d")


def test_svg_from_recorded_shapes_flips_y_and_keeps_every_shape(figure):
    """Brute force: every recorded shape becomes one element at (x, height - y)."""
    recorded = figure_to_vector(figure)
    svg = vector_to_svg(recorded, title="T <&>", description="D", id_prefix="c2")
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c2-title c2-desc"
    assert root[0].text == "T <&>" and root[1].text == "D"
    paths = list(root.iter(f"{SVG}path"))
    texts = list(root.iter(f"{SVG}text"))
    recorded_paths = [s for s in recorded.shapes if isinstance(s, PathShape)]
    recorded_texts = [s for s in recorded.shapes if isinstance(s, TextShape)]
    assert len(paths) == len(recorded_paths) and len(texts) == len(recorded_texts)
    for element, shape in zip(texts, recorded_texts, strict=True):
        assert element.text == shape.text
        assert float(element.get("x")) == pytest.approx(shape.x, abs=SVG_ROUNDING_PT)
        assert float(element.get("y")) == pytest.approx(recorded.height - shape.y,
                                                        abs=SVG_ROUNDING_PT)
    first = recorded_paths[0].segments[0][1]
    move = paths[0].get("d").split()[1:3]
    assert [float(v) for v in move] == pytest.approx([first[0], recorded.height - first[1]],
                                                     abs=SVG_ROUNDING_PT)
