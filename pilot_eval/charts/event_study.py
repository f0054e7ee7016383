"""Event-study and sensitivity charts built from the estimators' ``to_dict()`` output.

``event_study_figure`` draws one or more event-study series (for example the TWFE event study
beside Sun & Abraham) with 95% ranges, the reference period as a hollow diamond labelled
"reference", a zero line and a dashed line where the pilot starts with "Before" / "After"
written beside it.  ``sensitivity_figure`` draws HonestDiD robust intervals over ``M`` (or
``Mbar``) next to the original interval, with the breakdown value marked.  Series differ by
colour *and* marker shape, and are labelled directly, so the charts read in greyscale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

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

SERIES_STYLES = (("#12436D", "o"), ("#801650", "s"), ("#28A197", "^"), ("#3D3D3D", "v"))
"""Analysis Function categorical colours that pass 3:1 on white, each with its own marker."""
FIGURE_SIZE = (6.7, 3.2)
DODGE = 0.18
TEXT_STYLE = {"family": FONT_FAMILY, "color": TEXT}


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _style_axes(ax: Any, unit: str) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: plain_text(format_tick(v, unit))))
    ax.tick_params(labelsize=8, colors=SECONDARY_TEXT, labelcolor=TEXT)
    for tick in ax.get_xticklabels() + ax.get_yticklabels():
        tick.set_family(FONT_FAMILY)
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def event_study_figure(
    series: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    outcome_label: str,
    unit: str = "",
    title: str = "",
    note: str = "",
) -> Figure:
    """Effects by periods since the pilot started, one series per estimator.

    Parameters
    ----------
    series
        ``{label: event_time rows}``; rows are ``{e, estimate, ci_low, ci_high}`` and may flag
        the reference period with ``is_reference`` (drawn hollow and labelled, no range).
    outcome_label, unit
        For the y-axis label.
    title
        An active title (what the chart shows, about ten words).
    note
        A line under the chart, for example the pre-trend test.
    """
    fig = Figure(figsize=FIGURE_SIZE, layout="constrained")
    ax = fig.add_subplot()
    ax.axhline(0, color=SECONDARY_TEXT, linewidth=0.8)
    count = len(series)
    references: set[int] = set()
    last_points: list[tuple[float, float, str]] = []
    for k, (label, rows) in enumerate(series.items()):
        colour, marker = SERIES_STYLES[k % len(SERIES_STYLES)]
        shift = (k - (count - 1) / 2) * DODGE if count > 1 else 0.0
        points = sorted(
            (int(r["e"]), _number(r.get("estimate")), _number(r.get("ci_low")),
             _number(r.get("ci_high"))) for r in rows
            if not r.get("is_reference") and _number(r.get("estimate")) is not None)
        references |= {int(r["e"]) for r in rows if r.get("is_reference")}
        if not points:
            continue
        xs = [p[0] + shift for p in points]
        ys = [p[1] for p in points]
        low = [p[1] - p[2] if p[2] is not None else 0.0 for p in points]
        high = [p[3] - p[1] if p[3] is not None else 0.0 for p in points]
        ax.errorbar(xs, ys, yerr=[low, high], fmt=marker, markersize=5, color=colour,
                    ecolor=colour, elinewidth=1.2, capsize=2, label=label)
        last_points.append((xs[-1], ys[-1], label))
    for e in sorted(references):
        ax.plot([e], [0], marker="D", markersize=6, color=SECONDARY_TEXT,
                markerfacecolor="white", linestyle="none", label="_reference")
        ax.annotate("reference", xy=(e, 0), xytext=(0, -10), textcoords="offset points",
                    ha="center", va="top", fontsize=7, parse_math=False,
                    **{**TEXT_STYLE, "color": SECONDARY_TEXT})
    ax.axvline(-0.5, color=SECONDARY_TEXT, linestyle="--", linewidth=1.2)
    for text, offset, align in (("Before pilot", -4, "right"), ("After pilot", 4, "left")):
        ax.annotate(text, xy=(-0.5, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(offset, -2), textcoords="offset points", ha=align, va="top",
                    fontsize=8, parse_math=False, **{**TEXT_STYLE, "color": SECONDARY_TEXT})
    if count > 1:
        for x, y, label in last_points:  # direct labels, no legend box
            ax.annotate(plain_text(label), xy=(x, y), xytext=(6, 0), textcoords="offset points",
                        va="center", fontsize=8, parse_math=False, **TEXT_STYLE)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12))
    ax.set_xlabel("Periods since the pilot started", fontsize=9, **TEXT_STYLE)
    ax.set_ylabel(plain_text(axis_label(f"Effect on {outcome_label}", unit)), fontsize=9,
                  **TEXT_STYLE)
    _style_axes(ax, unit)
    ax.margins(x=0.08, y=0.15)
    if title:
        ax.set_title(plain_text(title), loc="left", fontsize=11, fontweight="bold",
                     **TEXT_STYLE)
    if note:
        fig.text(0.01, 0.0, plain_text(note), fontsize=7.5, ha="left", va="bottom",
                 **{**TEXT_STYLE, "color": SECONDARY_TEXT})
    return fig


def sensitivity_figure(
    sensitivity: Mapping[str, Any],
    *,
    unit: str = "",
    title: str = "",
) -> Figure:
    """HonestDiD robust intervals by ``M`` (or ``Mbar``) beside the original interval.

    ``sensitivity`` is ``SensitivityResult.to_dict()``: ``rows`` of ``{m, lb, ub}``,
    ``original`` ``{lb, ub}``, ``restriction`` and ``breakdown``.
    """
    fig = Figure(figsize=FIGURE_SIZE, layout="constrained")
    ax = fig.add_subplot()
    name = "M" if sensitivity.get("restriction") == "smoothness" else "Mbar"
    rows = list(sensitivity.get("rows", []))
    positions = list(range(1, len(rows) + 1))
    original = sensitivity["original"]
    ax.axhline(0, color=SECONDARY_TEXT, linewidth=0.8)
    ax.vlines([0], [original["lb"]], [original["ub"]], color=SECONDARY_TEXT, linewidth=2.4)
    ax.vlines(positions, [r["lb"] for r in rows], [r["ub"] for r in rows], color=PILOT,
              linewidth=2.4)
    labels = ["original"] + [f"{r['m']:.3g}" for r in rows]
    ax.set_xticks([0, *positions], labels)
    breakdown = sensitivity.get("breakdown")
    if breakdown is not None:
        index = next(i for i, r in enumerate(rows, start=1) if r["m"] == breakdown)
        ax.axvline(index + 0.5, color=SECONDARY_TEXT, linestyle=":", linewidth=1.0)
        ax.annotate(f"breakdown {name} = {breakdown:.3g}", xy=(index + 0.5, 1.0),
                    xycoords=("data", "axes fraction"), xytext=(-4, -2),
                    textcoords="offset points", ha="right", va="top", fontsize=8,
                    parse_math=False, **TEXT_STYLE)
    ax.set_xlabel(f"{name}: how large a break in parallel trends is allowed", fontsize=9,
                  **TEXT_STYLE)
    ax.set_ylabel(plain_text(axis_label("Effect, 95% robust range", unit)), fontsize=9,
                  **TEXT_STYLE)
    _style_axes(ax, unit)
    ax.margins(x=0.05, y=0.12)
    if title:
        ax.set_title(plain_text(title), loc="left", fontsize=11, fontweight="bold",
                     **TEXT_STYLE)
    return fig
