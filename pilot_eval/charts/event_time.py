"""Effect by time since the pilot started (the event study), with 95% ranges.

Input is the plain ``event_time`` list of a DiD result (issue 3): ``{e, estimate, ci_low,
ci_high}`` per event time ``e`` (periods relative to each unit's start; the reference period,
usually -1, has no range or is absent).  Points with vertical range bars, a zero line, and a
dashed line half a period before ``e = 0`` labelled "Pilot starts".  Readable in greyscale:
before-pilot points are hollow circles, after-pilot points filled squares.
"""

from __future__ import annotations

import math
import textwrap
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

FIGURE_SIZE_INCHES = (6.7, 2.5)
Y_LABEL_WRAP = 30
HEADROOM = 0.12


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def event_points(rows: Sequence[Mapping[str, Any]]
                 ) -> list[tuple[int, float, float | None, float | None]]:
    """``(e, estimate, ci_low, ci_high)`` sorted by ``e``, skipping missing estimates."""
    out = []
    for row in rows:
        estimate = _finite(row.get("estimate"))
        if row.get("e") is None or estimate is None:
            continue
        out.append((int(row["e"]), estimate, _finite(row.get("ci_low")),
                    _finite(row.get("ci_high"))))
    return sorted(out)


def event_time_figure(
    rows: Sequence[Mapping[str, Any]],
    *,
    outcome_label: str,
    unit: str,
    reference: int | None = -1,
    title: str = "",
) -> Figure:
    """Event-study chart of the effect by period relative to the pilot start.

    Parameters
    ----------
    rows
        ``event_time`` rows ``{e, estimate, ci_low, ci_high}``.
    outcome_label, unit
        For the y-axis label ("Effect on ... (%)").
    reference
        The reference period (effect 0 by construction), drawn as a hollow diamond and
        labelled; ``None`` when the estimator has none (Callaway & Sant'Anna's dynamic rows).
    title
        Drawn above the chart when not empty (the brief prints its title as text).
    """
    points = event_points(rows)
    fig = Figure(figsize=FIGURE_SIZE_INCHES, layout="constrained")
    ax = fig.add_subplot()
    text_style = {"family": FONT_FAMILY, "color": TEXT}
    ax.axhline(0, color=SECONDARY_TEXT, linewidth=0.8)
    for before in (True, False):
        chosen = [p for p in points if (p[0] < 0) == before]
        if not chosen:
            continue
        xs = [p[0] for p in chosen]
        ys = [p[1] for p in chosen]
        lows = [p[1] - p[2] if p[2] is not None else 0.0 for p in chosen]
        highs = [p[3] - p[1] if p[3] is not None else 0.0 for p in chosen]
        ax.errorbar(xs, ys, yerr=[lows, highs], fmt="o" if before else "s",
                    markersize=5, color=PILOT, ecolor=PILOT, elinewidth=1.2, capsize=2,
                    markerfacecolor="white" if before else PILOT)
    if reference is not None and reference not in {p[0] for p in points}:
        ax.plot([reference], [0], marker="D", markersize=5, color=SECONDARY_TEXT,
                markerfacecolor="white", linestyle="none")
        ax.annotate("reference", xy=(reference, 0), xytext=(0, -12), textcoords="offset points",
                    ha="center", va="top", fontsize=7, parse_math=False,
                    **{**text_style, "color": SECONDARY_TEXT})
    ax.autoscale_view()
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + HEADROOM * (high - low))  # room for the "Pilot starts" label
    ax.axvline(-0.5, color=SECONDARY_TEXT, linestyle="--", linewidth=1.2)
    ax.annotate("Pilot starts", xy=(-0.5, 1.0), xycoords=("data", "axes fraction"),
                xytext=(4, -2), textcoords="offset points", ha="left", va="top", fontsize=8,
                parse_math=False, **{**text_style, "color": SECONDARY_TEXT})
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: plain_text(format_tick(v, unit))))
    ax.tick_params(labelsize=8, colors=SECONDARY_TEXT, labelcolor=TEXT)
    for tick in ax.get_xticklabels() + ax.get_yticklabels():
        tick.set_family(FONT_FAMILY)
    ax.set_xlabel("Periods since the pilot started (hollow: before, filled: after)",
                  fontsize=9, **text_style)
    name = " ".join(str(outcome_label).split())
    if len(name) > 1 and name[0].isupper() and not name[1].isupper():
        name = name[0].lower() + name[1:]  # mid-sentence, keeping acronyms
    label = "\n".join(textwrap.wrap(axis_label(f"Effect on {name}", unit), Y_LABEL_WRAP,
                                     max_lines=2, placeholder=" …"))
    ax.set_ylabel(plain_text(label), fontsize=9, **text_style)
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, loc="left", fontsize=11, fontweight="bold", parse_math=False,
                     **text_style)
    return fig
