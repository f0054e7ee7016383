"""Leaving charts: what is drawn equals the input; arms and reasons differ by more than
colour; the pilot start is shown; text has enough contrast.  (The retention curves' one
builder, charts.retention_curves, is tested in test_charts_brief.py.)"""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
import numpy as np
from matplotlib.text import Text

from pilot_eval.charts.leaving import incidence_figure, leaver_rate_figure
from pilot_eval.charts.style import contrast_ratio

AA_CONTRAST = 4.5  # WCAG 2 AA minimum for text

def _texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_text().strip()]


def _check_contrast(fig) -> None:
    for text in _texts(fig):
        assert contrast_ratio(text.get_color()) >= AA_CONTRAST, text.get_text()


def test_incidence_lines_equal_input() -> None:
    incidence = {
        "resigned": [{"time": 1.0, "estimate": 0.1}, {"time": 3.0, "estimate": 0.25}],
        "retired": [{"time": 1.0, "estimate": 0.0}, {"time": 3.0, "estimate": 0.05}],
    }
    fig = incidence_figure(incidence)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()
             if not line.get_label().startswith("_")}
    x, y = lines["resigned"].get_data()
    assert list(x) == [0, 1, 3] and list(y) == [0, 0.1, 0.25]
    assert lines["resigned"].get_linestyle() != lines["retired"].get_linestyle()
    assert {"resigned", "retired"} <= {t.get_text() for t in fig.axes[0].texts}
    _check_contrast(fig)


def test_leaver_rate_with_pilot_start_and_small_bases_hidden() -> None:
    rows = [
        {"arm": "pilot", "period_start": "2024-01-01", "nhs_leaver_rate": 0.05, "base": 40},
        {"arm": "pilot", "period_start": "2024-04-01", "nhs_leaver_rate": 0.02, "base": 20},
        {"arm": "pilot", "period_start": "2024-07-01", "nhs_leaver_rate": 0.03, "base": 40},
        {"arm": "comparison", "period_start": "2024-01-01", "nhs_leaver_rate": 0.04,
         "base": 90},
        {"arm": "comparison", "period_start": "2024-07-01", "nhs_leaver_rate": 0.045,
         "base": 90},
    ]
    fig = leaver_rate_figure(rows, pilot_starts=["2024-04-01"])
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    y = np.asarray(lines["pilot"].get_ydata(), dtype=float)
    assert y[0] == 0.05 and np.isnan(y[1]) and y[2] == 0.03  # base 20 < 25: not drawn
    marks = [line for line in ax.get_lines() if line.get_label().startswith("_")]
    assert any(mdates.date2num(dt.date(2024, 4, 1)) == mdates.date2num(m.get_xdata()[0])
               for m in marks)
    assert any(t.get_text() == "Pilot starts" for t in ax.texts)
    assert lines["pilot"].get_marker() != lines["comparison"].get_marker()
    _check_contrast(fig)
