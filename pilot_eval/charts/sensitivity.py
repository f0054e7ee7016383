"""The sensitivity chart built from the HonestDiD bounds' ``to_dict()`` output.

``sensitivity_figure`` draws HonestDiD robust intervals over ``M`` (or ``Mbar``) next to the
original interval, with the breakdown value marked; it reads in greyscale.  (The event study
itself is drawn by ``charts.event_time.event_time_figure``, the one builder the window and the
brief share.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

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

FIGURE_SIZE = (6.7, 3.2)
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
