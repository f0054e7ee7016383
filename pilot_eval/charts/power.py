"""Power curve for planning the next phase: chance of detecting the effect against pilot teams.

One line per length of follow-up, labelled directly at its right end (no legend to decode, and
each line has its own marker so the chart reads in greyscale); a dashed line marks the target
power (named in the axis label).  Each point carries a bar of two Monte-Carlo standard errors.  Built from
``PowerPlan.to_dict()`` (``grid`` rows), so the window and the brief draw the same chart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matplotlib.figure import Figure

from pilot_eval.charts.style import FONT_FAMILY, GRID, SECONDARY_TEXT, TEXT, plain_text

LINE_STYLES = (("#12436D", "o"), ("#28A197", "s"), ("#801650", "^"), ("#F46A25", "D"),
               ("#3D3D3D", "v"), ("#A285D1", "P"))


def power_curve_figure(plan: Mapping[str, Any], *, title: str | None = None) -> Figure:
    """Simulated power (or, without an effect, the minimum detectable effect) by pilot teams."""
    grid = list(plan.get("grid", []))
    with_effect = plan.get("effect") is not None
    figure = Figure(figsize=(6.4, 3.8), layout="constrained")
    axes = figure.add_subplot()
    months = sorted({row["months"] for row in grid})
    ends: list[tuple[float, float, str, str]] = []
    for index, month in enumerate(months):
        colour, marker = LINE_STYLES[index % len(LINE_STYLES)]
        rows = sorted((r for r in grid if r["months"] == month), key=lambda r: r["pilot_teams"])
        rows = [r for r in rows if (r["power"] if with_effect else r["mde"]) is not None]
        if not rows:
            continue
        x = [r["pilot_teams"] for r in rows]
        y = [r["power"] if with_effect else abs(r["mde"]) for r in rows]
        errors = [2 * (r["mc_se"] if with_effect else (r.get("mde_mc_se") or 0.0)) * (
            1 if with_effect else 0) for r in rows]
        axes.errorbar(x, y, yerr=errors if with_effect else None, color=colour, marker=marker,
                      linewidth=2, markersize=6, capsize=3)
        ends.append((y[-1], x[-1], f"{month} months", colour))
    _label_ends(axes, ends, gap=0.07 if with_effect else None)
    target = float(plan.get("target_power", 0.8))
    if with_effect:
        axes.axhline(target, color=SECONDARY_TEXT, linestyle="--", linewidth=1)
        axes.set_ylim(0, 1.05)
        # the target is named in the axis label: a label on the dashed line sat on the lines
        axes.set_ylabel(f"Chance of detecting the effect\n(dashed: the {round(target * 10)} "
                        "in 10 aimed for)", color=TEXT, fontfamily=FONT_FAMILY)
    else:
        axes.set_ylabel(f"Smallest effect detected {round(target * 10)} times in 10",
                        color=TEXT, fontfamily=FONT_FAMILY)
    axes.set_xlabel("Pilot teams in the next phase", color=TEXT, fontfamily=FONT_FAMILY)
    axes.set_xticks(sorted({int(row["pilot_teams"]) for row in grid}))  # whole teams only
    axes.grid(True, color=GRID, linewidth=0.6)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.margins(x=0.15)
    label = plain_text(str(plan.get("outcome_label") or plan.get("outcome") or ""))
    axes.set_title(title or "More teams and months raise the chance of seeing an effect",
                   color=TEXT, fontfamily=FONT_FAMILY, fontsize=11, loc="left")
    if label:
        figure.supxlabel(label, color=SECONDARY_TEXT, fontfamily=FONT_FAMILY, fontsize=8,
                         x=0.99, ha="right")
    return figure


def _label_ends(axes: Any, ends: list[tuple[float, float, str, str]],
                gap: float | None) -> None:
    """Label each line at its right end, moving labels apart so that none overlap."""
    if not ends:
        return
    ends = sorted(ends)
    if gap is None:
        span = max(e[0] for e in ends) - min(e[0] for e in ends)
        gap = 0.07 * (span or abs(ends[0][0]) or 1.0)
    placed: list[float] = []
    for y, _x, _text, _colour in ends:
        placed.append(y if not placed else max(y, placed[-1] + gap))
    nudge = 0.02 * max(e[1] for e in ends)
    for (y, x, text, colour), at in zip(ends, placed, strict=True):
        axes.annotate(text, (x, y), xytext=(x + nudge, at), textcoords="data", va="center",
                      ha="left", color=colour, fontfamily=FONT_FAMILY, fontsize=9)
