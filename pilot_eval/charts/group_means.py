"""Pilot vs comparison mean outcome over time, with the pilot start(s) marked.

Input is the plain data of ``DidAnalysis.to_dict()`` (docs/architecture.md): ``group_means`` is a
list of ``{period, label, arm, mean, n}`` and ``pilot_starts`` a list of
``{period, label, n_units}``.  The builder returns a ``matplotlib.figure.Figure`` (never pyplot,
which keeps global state), shared by the window and the brief.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import offset_copy

from pilot_eval.charts.style import (
    ARM_STYLES,
    FONT_FAMILY,
    GRID,
    SECONDARY_TEXT,
    TEXT,
    axis_label,
    format_tick,
    plain_text,
    shorten,
)

FIGURE_SIZE_INCHES = (6.7, 3.3)  # fits A4 between 2 cm margins
MAX_X_TICKS = 8
TITLE_WRAP = 80
Y_LABEL_WRAP = 34  # characters per line of the y-axis label (two lines at most)
LABEL_GAP_FRACTION = 0.07  # end labels closer than this share of the y range are pushed apart
START_LABEL_LIMIT = 40
START_LABEL_STEP = 0.08  # axes fraction between stacked start labels
HEADROOM_PER_LABEL = 0.11  # share of the data range added above the lines per start label


def default_title(outcome_label: str, unit_noun: str = "teams") -> str:
    """A neutral title for when the caller has no finding to state."""
    return f"{outcome_label}: pilot and comparison {unit_noun} over time"


def arm_series(
    group_means: Sequence[Mapping[str, Any]], arm: str
) -> tuple[list[int], list[float]]:
    """Periods and means of one arm, sorted by period, skipping missing means."""
    rows = sorted(
        (int(r["period"]), float(r["mean"]))
        for r in group_means
        if r.get("arm") == arm and r.get("mean") is not None and math.isfinite(float(r["mean"]))
    )
    return [p for p, _ in rows], [m for _, m in rows]


def period_labels(group_means: Sequence[Mapping[str, Any]]) -> dict[int, str]:
    """``{period: label}`` for every period in the data."""
    return {int(r["period"]): str(r.get("label", r["period"])) for r in group_means}


def tick_periods(periods: Sequence[int], max_ticks: int = MAX_X_TICKS) -> list[int]:
    """At most ``max_ticks`` evenly spaced periods, always starting with the first."""
    periods = sorted(set(periods))
    step = max(1, math.ceil(len(periods) / max_ticks))
    return periods[::step]


def spread_labels(values: Sequence[float], gap: float) -> list[float]:
    """Push label positions apart (keeping their order) so that none are closer than ``gap``."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    placed = [float(values[i]) for i in order]
    for k in range(1, len(placed)):
        placed[k] = max(placed[k], placed[k - 1] + gap)
    shift = (sum(placed) - sum(values[i] for i in order)) / max(len(placed), 1)
    placed = [p - shift for p in placed]
    out = [0.0] * len(values)
    for rank, i in enumerate(order):
        out[i] = placed[rank]
    return out


def group_means_figure(
    group_means: Sequence[Mapping[str, Any]],
    *,
    pilot_starts: Sequence[Mapping[str, Any]],
    outcome_label: str,
    unit: str,
    title: str | None = None,
    unit_noun: str = "teams",
) -> Figure:
    """Line chart of the mean outcome per period for pilot and comparison units.

    Parameters
    ----------
    group_means
        Rows ``{period, label, arm, mean, n}``; ``arm`` is ``"pilot"`` or ``"comparison"``.
        Missing means are skipped.
    pilot_starts
        Rows ``{period, label, n_units}``; each start is a labelled dotted vertical line drawn
        half a period before the first period under the pilot.
    outcome_label, unit
        Axis label and unit (``"%"``, ``"GBP"``, ``"points"`` or ``""``).
    title
        Active title of about ten words.  ``None`` gives a neutral default; ``""`` draws no
        title (the brief puts the title in the document text instead).
    unit_noun
        What the units are called in the line labels ("teams", "councils").
    """
    outcome_label = " ".join(str(outcome_label).split()) or "Outcome"
    fig = Figure(figsize=FIGURE_SIZE_INCHES, layout="constrained")
    ax = fig.add_subplot()
    text_style = {"family": FONT_FAMILY, "color": TEXT}

    ends: list[tuple[str, int, float]] = []
    for arm, style in ARM_STYLES.items():
        periods, means = arm_series(group_means, arm)
        if not periods:
            continue
        ax.plot(periods, means, color=style.colour, linestyle=style.line_style,
                marker=style.marker, markersize=4, linewidth=2, label=f"{arm} {unit_noun}")
        ends.append((arm, periods[-1], means[-1]))

    _make_headroom(ax, len(pilot_starts))
    _draw_starts(ax, pilot_starts, unit_noun, text_style)
    _draw_end_labels(fig, ax, ends, unit_noun, text_style)
    _style_axes(ax, group_means, outcome_label, unit, text_style)
    chosen = default_title(outcome_label, unit_noun) if title is None else title
    if chosen:
        ax.set_title(textwrap.fill(chosen, TITLE_WRAP), loc="left", fontsize=11,
                     fontweight="bold", parse_math=False, **text_style)
    return fig


def _make_headroom(ax, n_labels: int) -> None:
    """Raise the top of the y axis so the start labels sit above the lines, not on them."""
    if not n_labels:
        return
    ax.autoscale_view()
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + HEADROOM_PER_LABEL * n_labels * (high - low))


def _draw_starts(ax, pilot_starts: Sequence[Mapping[str, Any]], unit_noun: str,
                 text_style: dict) -> None:
    starts = sorted(pilot_starts, key=lambda s: int(s["period"]))
    for rank, start in enumerate(starts):
        x = int(start["period"]) - 0.5
        ax.axvline(x, color=SECONDARY_TEXT, linestyle=":", linewidth=1.5)
        n_units = start.get("n_units")
        noun = unit_noun.removesuffix("s") if n_units == 1 else unit_noun
        count = f" ({n_units} {noun})" if n_units else ""
        label = shorten(f"Pilot starts {start.get('label', start['period'])}{count}",
                        START_LABEL_LIMIT)
        ax.annotate(label, xy=(x, 1.0 - START_LABEL_STEP * rank),
                    xycoords=("data", "axes fraction"), xytext=(4, -2),
                    textcoords="offset points", ha="left", va="top",
                    fontsize=8, parse_math=False, annotation_clip=False, zorder=5,
                    bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"},
                    **{**text_style, "color": SECONDARY_TEXT})


def _draw_end_labels(fig: Figure, ax, ends: list[tuple[str, int, float]], unit_noun: str,
                     text_style: dict) -> None:
    if not ends:
        return
    ax.autoscale_view()
    low, high = ax.get_ylim()
    positions = spread_labels([y for _, _, y in ends], LABEL_GAP_FRACTION * (high - low))
    to_the_right = offset_copy(ax.transData, fig=fig, x=6, y=0, units="points")
    for (arm, x, _), y in zip(ends, positions, strict=True):
        style = ARM_STYLES[arm]
        ax.text(x, y, f"{arm.capitalize()} {unit_noun}", transform=to_the_right, ha="left",
                va="center", fontsize=9, fontweight=style.label_weight, clip_on=False,
                parse_math=False, **text_style)


def _style_axes(ax, group_means: Sequence[Mapping[str, Any]], outcome_label: str, unit: str,
                text_style: dict) -> None:
    labels = period_labels(group_means)
    ticks = tick_periods(list(labels))
    ax.set_xticks(ticks, [plain_text(shorten(labels[p], 12)) for p in ticks])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: plain_text(format_tick(v, unit))))
    ax.tick_params(labelsize=8, colors=SECONDARY_TEXT, labelcolor=TEXT)
    for tick in ax.get_xticklabels() + ax.get_yticklabels():
        tick.set_family(FONT_FAMILY)
    ax.set_xlabel("Period", fontsize=9, **text_style)
    y_label = "\n".join(textwrap.wrap(" ".join(axis_label(outcome_label, unit).split()),
                                       Y_LABEL_WRAP, max_lines=2, placeholder=" …"))
    ax.set_ylabel(plain_text(y_label), fontsize=9, **text_style)
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(SECONDARY_TEXT)
