"""Event-study, sensitivity and ATT(g,t) charts: what they draw equals what they were given.

References: the estimators' own ``to_dict()`` output (plotted values must equal it exactly,
``PLOT_ATOL``), the Government Analysis Function palette (REFERENCES.md) and WCAG contrast
(3:1 for graphics, 4.5:1 for text); SVG parsed with ``xml.etree``.  The ATT(g,t) input is R
``did``'s mpdta output in tests/data (README-cs.md).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex
from pilot_eval.estimators.columns import PanelColumns
from pilot_eval.estimators.did.honest.bounds import SensitivityResult, SensitivityRow

from pilot_eval.charts import figure_to_svg
from pilot_eval.charts.att_gt import att_gt_figure, cohort_points
from pilot_eval.charts.sensitivity import sensitivity_figure

DATA = Path(__file__).resolve().parents[1] / "data"
PLOT_ATOL = 1e-12
GRAPHIC_CONTRAST = 3.0
TEXT_CONTRAST = 4.5
ANALYSIS_FUNCTION = {"#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"}
COLUMNS = PanelColumns("y", unit="u", time="t", cohort="c")


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))
            if t.get_text()]


def test_sensitivity_figure_draws_each_interval_and_the_breakdown():
    result = SensitivityResult(
        "smoothness", "FLCI",
        (SensitivityRow(0.0, 0.13, 0.22), SensitivityRow(0.1, 0.12, 0.42),
         SensitivityRow(0.2, -0.01, 0.52)),
        0.16, 0.23, (1.0, 0.0), 0.05, 0.1).to_dict()
    fig = sensitivity_figure(result, title="The effect survives moderate breaks in trend")
    ax = fig.axes[0]
    collections = [c for c in ax.collections if isinstance(c, LineCollection)]
    segments = [seg for c in collections for seg in c.get_segments()]
    bounds = sorted((float(s[0][1]), float(s[1][1])) for s in segments)
    assert bounds == sorted([(0.16, 0.23), (0.13, 0.22), (0.12, 0.42), (-0.01, 0.52)])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["original", "0", "0.1", "0.2"]
    assert "breakdown M = 0.1" in texts(fig)
    ET.fromstring(figure_to_svg(fig, title="Sensitivity", description="Robust ranges"))


def test_att_gt_figure_has_one_panel_per_wave_with_its_start():
    reference = pd.read_csv(DATA / "mpdta_attgt_reference.csv")
    rows = [{"group": r.group, "time": r.t, "estimate": r.att, "se": r.se}
            for r in reference[reference["scenario"] == "mpdta_nev_dr"].itertuples()]
    fig = att_gt_figure(rows, outcome_label="log teen employment",
                        title="Effects differ by the wave that started")
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 3
    points = cohort_points(rows)
    for ax, (group, expected) in zip(visible, points.items(), strict=True):
        assert ax.get_title(loc="left") == f"Wave starting {group:g}"
        ys = np.concatenate([np.asarray(c.lines[0].get_ydata(), float) for c in ax.containers])
        np.testing.assert_allclose(np.sort(ys), np.sort([p[1] for p in expected]),
                                   atol=PLOT_ATOL)
        assert f"starts {group:g}" in [t.get_text() for t in ax.texts]
        fills = {to_hex(c.lines[0].get_markerfacecolor()) for c in ax.containers}
        assert "#ffffff" in fills or len(ax.containers) == 1
    low = points[2004.0][0][2]
    assert low == pytest.approx(rows[0]["estimate"] - 1.959963984540054 * rows[0]["se"])
    assert "Effects differ by the wave that started" in texts(fig)
    ET.fromstring(figure_to_svg(fig, title="ATT(g,t)", description="By wave"))
