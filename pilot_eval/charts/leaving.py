"""Leaving charts from the plain results of ``run_retention`` (``RetentionAnalysis.to_dict()``).

* ``incidence_figure``: cumulative incidence of leaving by reason;
* ``leaver_rate_figure``: leaver rate over time by arm with the pilot start marked.

(The Kaplan-Meier retention curves are drawn by ``charts.retention_curves.retention_figure``,
the one builder the window and the brief share.)  Every builder returns a matplotlib ``Figure``
(never pyplot); meaning never rests on colour alone: lines differ in style and marker and each
is labelled at its end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from pilot_eval.charts.group_means import spread_labels
from pilot_eval.charts.style import (
    ARM_STYLES,
    FONT_FAMILY,
    GRID,
    SECONDARY_TEXT,
    TEXT,
    plain_text,
    shorten,
)

FIGURE_SIZE_INCHES = (6.7, 3.6)
LABEL_LIMIT = 24
REASON_STYLES = (("-", "o"), ("--", "s"), ("-.", "^"), (":", "D"), ((0, (5, 1, 1, 1)), "v"))
REASON_COLOURS = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D")
TEXT_STYLE = {"family": FONT_FAMILY, "color": TEXT}


def curve_steps(curve: Sequence[Mapping[str, Any]], key: str = "survival", *, start: float = 1.0
                ) -> tuple[np.ndarray, np.ndarray]:
    """Times (from 0) and values of a step curve; missing values carry the last one forward."""
    times, values = [0.0], [start]
    for point in sorted(curve, key=lambda p: float(p["time"])):
        value = point.get(key)
        times.append(float(point["time"]))
        values.append(values[-1] if value is None else float(value))
    return np.array(times), np.array(values)


def _finish(ax, *, xlabel: str, ylabel: str, title: str, percent: bool = True) -> None:
    if percent:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{100 * v:g}%"))
    ax.tick_params(labelsize=8, colors=SECONDARY_TEXT, labelcolor=TEXT)
    for tick in ax.get_xticklabels() + ax.get_yticklabels():
        tick.set_family(FONT_FAMILY)
    ax.set_xlabel(xlabel, fontsize=9, **TEXT_STYLE)
    ax.set_ylabel(ylabel, fontsize=9, **TEXT_STYLE)
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, loc="left", fontsize=11, fontweight="bold", parse_math=False,
                     **TEXT_STYLE)


def _end_labels(ax, ends: Sequence[tuple[str, float | dt.date, float, str]]) -> None:
    """Each line's label at its last point ``(label, x, y, font weight)``; x is a time or a date."""
    low, high = ax.get_ylim()
    positions = spread_labels([y for _, _, y, _ in ends], 0.07 * (high - low))
    for (label, x, _, weight), y in zip(ends, positions, strict=True):
        ax.annotate(plain_text(shorten(label, LABEL_LIMIT)), xy=(x, y), xytext=(6, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=8.5,
                    fontweight=weight, annotation_clip=False, parse_math=False, **TEXT_STYLE)


def incidence_figure(incidence: Mapping[str, Sequence[Mapping[str, Any]]], *,
                     time_unit: str = "months", title: str = "") -> Figure:
    """Cumulative incidence of leaving for each reason (``cumulative_incidence`` of the
    results, or one group's entry of ``cumulative_incidence_by_group``)."""
    fig = Figure(figsize=FIGURE_SIZE_INCHES, layout="constrained")
    ax = fig.add_subplot()
    ends = []
    for k, (reason, curve) in enumerate(incidence.items()):
        line_style, marker = REASON_STYLES[k % len(REASON_STYLES)]
        x, y = curve_steps(curve, "estimate", start=0.0)
        colour = REASON_COLOURS[k % len(REASON_COLOURS)]
        ax.step(x, y, where="post", color=colour, linestyle=line_style, linewidth=1.8,
                label=str(reason))
        ax.plot(x[-1:], y[-1:], marker=marker, color=colour, markersize=5)
        ends.append((str(reason), float(x[-1]), float(y[-1]), "normal"))
    top = max((e[2] for e in ends), default=0.1)
    ax.set_ylim(0, max(0.05, top * 1.15))
    _end_labels(ax, ends)
    _finish(ax, xlabel=f"Time since starting in the team ({time_unit})",
            ylabel="Share who left, by reason", title=title)
    return fig


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def leaver_rate_figure(rows: Sequence[Mapping[str, Any]], *, rate: str = "nhs_leaver_rate",
                       pilot_starts: Sequence[Any] = (), min_base: int = 25,
                       title: str = "") -> Figure:
    """Leaver rate per period by arm (the ``rates["by_arm"]`` rows), pilot starts marked.

    Points whose base (``base``, else ``headcount_start``) is under ``min_base`` are not drawn
    (disclosure control), leaving a gap in the line.
    """
    fig = Figure(figsize=FIGURE_SIZE_INCHES, layout="constrained")
    ax = fig.add_subplot()
    ends, top = [], 0.01
    for arm in ("pilot", "comparison"):
        mine = sorted((r for r in rows if r.get("arm") == arm),
                      key=lambda r: _date(r["period_start"]))
        if not mine:
            continue
        style = ARM_STYLES[arm]
        x = [_date(r["period_start"]) for r in mine]
        y = [np.nan if r.get(rate) is None or (r.get("base", r.get("headcount_start")) or 0)
             < min_base else float(r[rate]) for r in mine]
        ax.plot(x, y, color=style.colour, linestyle=style.line_style, marker=style.marker,
                markersize=4, linewidth=2, label=arm)
        shown = [(a, b) for a, b in zip(x, y, strict=True) if np.isfinite(b)]
        top = max([top, *(b for _, b in shown)])
        if shown:
            ends.append((f"{arm.capitalize()} teams", shown[-1][0], shown[-1][1],
                         style.label_weight))
    ax.set_ylim(0, top * 1.15)
    for k, start in enumerate(sorted({_date(s) for s in pilot_starts})):
        ax.axvline(start, color=SECONDARY_TEXT, linestyle=":", linewidth=1.2)
        ax.annotate("Pilot starts" if k == 0 else "", xy=(start, 0.98),
                    xycoords=("data", "axes fraction"), xytext=(4, 0),
                    textcoords="offset points", ha="left", va="top", fontsize=8,
                    parse_math=False, **{**TEXT_STYLE, "color": SECONDARY_TEXT})
    if ends:
        _end_labels(ax, ends)
    _finish(ax, xlabel="Period (first month)", ylabel="Leavers per period (share of staff)",
            title=title)
    return fig
