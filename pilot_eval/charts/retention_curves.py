"""Staff retention curves (Kaplan-Meier) by arm, drawn as steps and labelled directly.

Input is the plain ``km`` dictionary of the retention results (issue 4): group ->
``{curve: [{time, survival, ...}], ...}``.  Pilot is a solid line, comparison dashed (Analysis
Function colours), each labelled at its end; a dotted line marks ``mark_at`` (12 months).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

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

FIGURE_SIZE_INCHES = (6.7, 2.5)
LABEL_LIMIT = 28


def step_points(curve: Sequence[Mapping[str, Any]]) -> tuple[list[float], list[float]]:
    """Times and survival (in %) starting at time 0 with 100%, skipping missing values."""
    times, values = [0.0], [100.0]
    for point in sorted(curve, key=lambda p: float(p["time"])):
        if point.get("survival") is None:
            continue
        times.append(float(point["time"]))
        values.append(100.0 * float(point["survival"]))
    return times, values


def retention_figure(
    curves: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    arms: Mapping[str, str],
    time_unit: str = "months",
    mark_at: float | None = 12.0,
    title: str = "",
) -> Figure:
    """Retention (share of staff still in post) against time since starting.

    Parameters
    ----------
    curves
        Group name -> curve points ``{time, survival}``.
    arms
        Group name -> ``"pilot"`` or ``"comparison"`` (the line style), and the label shown is
        the group name.
    time_unit
        For the x-axis label.
    mark_at
        A time to mark with a dotted vertical line (``None``: none).
    """
    fig = Figure(figsize=FIGURE_SIZE_INCHES, layout="constrained")
    ax = fig.add_subplot()
    text_style = {"family": FONT_FAMILY, "color": TEXT}
    ends = []
    for group, curve in curves.items():
        style = ARM_STYLES.get(arms.get(group, "comparison"), ARM_STYLES["comparison"])
        times, values = step_points(curve)
        ax.step(times, values, where="post", color=style.colour, linestyle=style.line_style,
                linewidth=2)
        ends.append((group, style, times[-1], values[-1]))
    ax.set_ylim(0, 104)
    low, high = ax.get_ylim()
    positions = spread_labels([v for *_, v in ends], 0.07 * (high - low))
    for (group, style, x, _), y in zip(ends, positions, strict=True):
        ax.annotate(plain_text(shorten(group, LABEL_LIMIT)), xy=(x, y), xytext=(6, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=9,
                    fontweight=style.label_weight, annotation_clip=False, parse_math=False,
                    **text_style)
    if mark_at is not None:
        ax.axvline(mark_at, color=SECONDARY_TEXT, linestyle=":", linewidth=1.2)
        ax.annotate(f"{mark_at:g} {time_unit}", xy=(mark_at, 0.02),
                    xycoords=("data", "axes fraction"), xytext=(4, 0),
                    textcoords="offset points", ha="left", va="bottom", fontsize=8,
                    parse_math=False, **{**text_style, "color": SECONDARY_TEXT})
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}%"))
    ax.tick_params(labelsize=8, colors=SECONDARY_TEXT, labelcolor=TEXT)
    for tick in ax.get_xticklabels() + ax.get_yticklabels():
        tick.set_family(FONT_FAMILY)
    ax.set_xlabel(f"Time since starting in the team ({time_unit})", fontsize=9, **text_style)
    ax.set_ylabel("Staff still in post (%)", fontsize=9, **text_style)
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, loc="left", fontsize=11, fontweight="bold", parse_math=False,
                     **text_style)
    return fig
