"""The Goodman-Bacon decomposition as a scatter: each 2x2 comparison's estimate against its weight.

The two-way fixed-effects estimate is the weighted average of these points.  Comparisons of
later pilots with earlier ones ("later vs earlier treated") are the ones that can bias it when
effects grow over time; they are drawn with their own marker and colour and labelled directly,
so the chart reads in greyscale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from pilot_eval.charts.style import FONT_FAMILY, GRID, SECONDARY_TEXT, TEXT, plain_text

TYPE_STYLES: dict[str, tuple[str, str, str]] = {
    # comparison type: (colour, marker, short label)
    "treated vs never treated": ("#12436D", "o", "Pilot vs never-pilot teams"),
    "earlier vs later treated": ("#28A197", "s", "Earlier vs later pilots"),
    "later vs earlier treated": ("#801650", "^", "Later vs earlier pilots (can bias)"),
    "later vs always treated": ("#3D3D3D", "D", "Later vs always-pilot teams"),
}


def bacon_figure(bacon: Mapping[str, Any], *, outcome_label: str = "",
                 title: str | None = None) -> Figure:
    """Scatter of every 2x2 comparison (``bacon["comparisons"]``) with the TWFE estimate marked.

    ``bacon`` is ``BaconResult.to_dict()``: ``comparisons`` (``treated``, ``comparison``,
    ``type``, ``estimate``, ``weight``) and ``twfe_estimate``.
    """
    comparisons: Sequence[Mapping[str, Any]] = bacon.get("comparisons", [])
    figure = Figure(figsize=(6.4, 3.8), layout="constrained")
    axes = figure.add_subplot()
    for kind, (colour, marker, label) in TYPE_STYLES.items():
        points = [c for c in comparisons if c.get("type") == kind
                  and c.get("estimate") is not None and c.get("weight") is not None]
        if not points:
            continue
        axes.scatter([p["weight"] for p in points], [p["estimate"] for p in points],
                     s=46, marker=marker, facecolor=colour, edgecolor="white", linewidth=0.6,
                     label=label, zorder=3)
    twfe = bacon.get("twfe_estimate")
    if twfe is not None:
        axes.axhline(twfe, color=TEXT, linestyle="--", linewidth=1.0, zorder=2)
        axes.annotate(f"Two-way estimate {twfe:.3g} (weighted average)", xy=(1.0, twfe),
                      xycoords=("axes fraction", "data"), xytext=(-4, 4),
                      textcoords="offset points", ha="right", va="bottom", fontsize=8,
                      color=TEXT, family=FONT_FAMILY)
    axes.axhline(0.0, color=SECONDARY_TEXT, linewidth=0.6, zorder=1)
    axes.set_xlabel("Weight in the two-way estimate", color=TEXT, family=FONT_FAMILY)
    axes.set_ylabel(plain_text(f"2x2 estimate{f' ({outcome_label})' if outcome_label else ''}"),
                    color=TEXT, family=FONT_FAMILY)
    axes.set_xlim(left=0)
    axes.grid(True, color=GRID, linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)
    if comparisons:
        axes.legend(frameon=False, fontsize=8, loc="best")
    axes.set_title(plain_text(title if title is not None else _title(bacon)), loc="left",
                   fontsize=10, color=TEXT, family=FONT_FAMILY, fontweight="bold")
    return figure


def _title(bacon: Mapping[str, Any]) -> str:
    share = sum(c.get("weight") or 0.0 for c in bacon.get("comparisons", [])
                if c.get("type") == "later vs earlier treated")
    return (f"{share:.0%} of the two-way estimate compares later pilots with earlier ones"
            if share else "The two-way estimate compares pilot teams with never-pilot teams")
