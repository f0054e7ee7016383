"""Cohort-by-cohort effects ATT(g, t): one small panel per pilot wave, shared axes.

Input is the ``att_gt`` list of a staggered DiD result (Callaway & Sant'Anna or Sun & Abraham):
``{group, time, estimate, ci_low, ci_high}`` (or ``se``, turned into a 95% range).  Each panel
shows one wave's effects by calendar period with ranges, a zero line and a dashed line where
that wave started, labelled "starts <period>".  Before-start points are hollow, after-start
points filled, so the panels read in greyscale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from pilot_eval.charts.style import (
    FONT_FAMILY,
    GRID,
    PILOT,
    SECONDARY_TEXT,
    TEXT,
    axis_label,
    format_tick,
    plain_text,
)

Z_95 = 1.959963984540054
MAX_COLUMNS = 3
TEXT_STYLE = {"family": FONT_FAMILY, "color": TEXT}


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def cohort_points(rows: Sequence[Mapping[str, Any]]
                  ) -> dict[float, list[tuple[float, float, float | None, float | None]]]:
    """``{group: [(time, estimate, low, high), ...]}`` sorted by group and time."""
    out: dict[float, list[tuple[float, float, float | None, float | None]]] = {}
    for row in rows:
        estimate = _number(row.get("estimate"))
        if estimate is None or row.get("group") is None or row.get("time") is None:
            continue
        low, high = _number(row.get("ci_low")), _number(row.get("ci_high"))
        se = _number(row.get("se"))
        if (low is None or high is None) and se is not None:
            low, high = estimate - Z_95 * se, estimate + Z_95 * se
        out.setdefault(float(row["group"]), []).append(
            (float(row["time"]), estimate, low, high))
    return {g: sorted(points) for g, points in sorted(out.items())}


def _label(value: float) -> str:
    return f"{value:g}"


def att_gt_figure(
    rows: Sequence[Mapping[str, Any]],
    *,
    outcome_label: str,
    unit: str = "",
    title: str = "",
) -> Figure:
    """Small multiples of ATT(g, t), one panel per pilot wave ``g``.

    Parameters
    ----------
    rows
        ``att_gt`` rows ``{group, time, estimate, ci_low, ci_high}`` (or ``se``).
    outcome_label, unit
        For the shared y-axis label.
    title
        An active title (what the chart shows, about ten words).
    """
    cohorts = cohort_points(rows)
    n = max(1, len(cohorts))
    columns = min(MAX_COLUMNS, n)
    lines = math.ceil(n / columns)
    fig = Figure(figsize=(6.7, 1.2 + 2.0 * lines), layout="constrained")
    axes = fig.subplots(lines, columns, sharex=True, sharey=True, squeeze=False)
    for index, ax in enumerate(axes.ravel()):
        if index >= len(cohorts):
            ax.set_visible(False)
            continue
        group, points = list(cohorts.items())[index]
        ax.axhline(0, color=SECONDARY_TEXT, linewidth=0.8)
        for after in (False, True):
            chosen = [p for p in points if (p[0] >= group) == after]
            if not chosen:
                continue
            low = [p[1] - p[2] if p[2] is not None else 0.0 for p in chosen]
            high = [p[3] - p[1] if p[3] is not None else 0.0 for p in chosen]
            ax.errorbar([p[0] for p in chosen], [p[1] for p in chosen], yerr=[low, high],
                        fmt="s" if after else "o", markersize=4, color=PILOT, ecolor=PILOT,
                        elinewidth=1.0, capsize=1.5,
                        markerfacecolor=PILOT if after else "white")
        ax.axvline(group - 0.5, color=SECONDARY_TEXT, linestyle="--", linewidth=1.0)
        times = [p[0] for p in points]
        right_half = group - 0.5 > (min(times) + max(times)) / 2  # keep the label inside
        ax.annotate(f"starts {_label(group)}", xy=(group - 0.5, 1.0),
                    xycoords=("data", "axes fraction"), xytext=(-3 if right_half else 3, -2),
                    textcoords="offset points", ha="right" if right_half else "left",
                    va="top", fontsize=7.5, parse_math=False,
                    **{**TEXT_STYLE, "color": SECONDARY_TEXT})
        ax.set_title(f"Wave starting {_label(group)}", loc="left", fontsize=9,
                     parse_math=False, **TEXT_STYLE)
        ax.tick_params(labelsize=7.5, colors=SECONDARY_TEXT, labelcolor=TEXT)
        ax.yaxis.set_major_formatter(lambda v, _p: plain_text(format_tick(v, unit)))
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.supxlabel("Period (hollow: before the wave started, filled: after)", fontsize=9,
                  **TEXT_STYLE)
    fig.supylabel(plain_text(axis_label(f"Effect on {outcome_label}", unit)), fontsize=9,
                  **TEXT_STYLE)
    if title:
        fig.suptitle(plain_text(title), x=0.01, ha="left", fontsize=11, fontweight="bold",
                     **TEXT_STYLE)
    return fig
