"""Retention charts: what is drawn equals the input; arms and reasons differ by more than
colour; the at-risk table and the pilot start are shown; text has enough contrast."""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
import numpy as np
from matplotlib.text import Text

from pilot_eval.charts.retention import (
    at_risk_at,
    incidence_figure,
    leaver_rate_figure,
    survival_figure,
)
from pilot_eval.charts.style import contrast_ratio

AA_CONTRAST = 4.5  # WCAG 2 AA minimum for text

KM = {
    "pilot": {"curve": [
        {"time": 2.0, "survival": 0.9, "ci_low": 0.8, "ci_high": 0.95, "at_risk": 10},
        {"time": 5.0, "survival": 0.7, "ci_low": 0.5, "ci_high": 0.85, "at_risk": 8},
        {"time": 9.0, "survival": 0.7, "ci_low": 0.5, "ci_high": 0.85, "at_risk": 3}]},
    "comparison": {"curve": [
        {"time": 1.0, "survival": 0.8, "ci_low": 0.6, "ci_high": 0.9, "at_risk": 12},
        {"time": 7.0, "survival": 0.5, "ci_low": 0.3, "ci_high": 0.7, "at_risk": 6}]},
}


def _texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_text().strip()]


def _check_contrast(fig) -> None:
    for text in _texts(fig):
        assert contrast_ratio(text.get_color()) >= AA_CONTRAST, text.get_text()


def test_survival_curves_equal_input_and_at_risk_table() -> None:
    fig = survival_figure(KM, at_risk_times=(0, 4, 8))
    ax, table = fig.axes
    lines = {line.get_label(): line for line in ax.get_lines()}
    x, y = lines["pilot"].get_data()
    assert list(x) == [0, 2, 5, 9] and list(y) == [1, 0.9, 0.7, 0.7]
    assert lines["pilot"].get_linestyle() != lines["comparison"].get_linestyle()
    # at-risk numbers: the risk set at the first curve time at or after each time
    assert [at_risk_at(KM["pilot"]["curve"], t) for t in (0, 4, 8)] == [10, 8, 3]
    assert [at_risk_at(KM["comparison"]["curve"], t) for t in (0, 4, 8)] == [12, 6, 0]
    shown = sorted(t.get_text() for t in table.texts if t.get_text().isdigit())
    assert shown == sorted(["10", "8", "3", "12", "6", "0"])
    assert [t.get_text() for t in table.get_yticklabels()] == ["pilot", "comparison"]
    assert any(t.get_text() == "Number at risk" for t in table.texts)
    _check_contrast(fig)


def test_before_after_curves_are_dotted_before() -> None:
    km = {"pilot before": KM["pilot"], "pilot after": KM["pilot"]}
    lines = {line.get_label(): line for line in survival_figure(km).axes[0].get_lines()}
    assert lines["pilot before"].get_linestyle() == ":"
    assert lines["pilot after"].get_linestyle() == "-"


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
