"""Charts for synthetic DiD and synthetic control, built from the results' ``to_dict()``.

* ``synthetic_trajectory_figure``: the pilot against its synthetic comparison over time, with
  the start marked (for synthetic DiD the synthetic line is shifted by the time-weighted
  pre-period gap, since the method allows a constant level difference; the note says so);
* ``placebo_gaps_figure``: every placebo unit's gap (pilot minus synthetic) in light grey and
  the pilot's gap in the pilot colour, thicker and labelled, with the start marked;
* ``weights_table``: which comparison units make up the synthetic comparison, largest first
  (rows for a table in the window and the brief);
* ``section_figures``: both charts and the table from the typed report section
  (``OutcomeReport.synthetic``), periods shown by their labels.

Lines differ by colour *and* style and are labelled directly, so the charts read in greyscale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from pilot_eval.charts.style import (
    ARM_STYLES,
    FONT_FAMILY,
    GRID,
    SECONDARY_TEXT,
    TEXT,
    axis_label,
    format_tick,
    plain_text,
)
from pilot_eval.estimators import Unavailable

if TYPE_CHECKING:
    from pilot_eval.report.synthetic import SyntheticSection

FIGURE_SIZE = (6.7, 3.2)
TICKS = 8
PLACEBO_GREY = "#B1B4B6"  # GOV.UK mid grey: background lines, never the message
TEXT_STYLE = {"family": FONT_FAMILY, "color": TEXT}
WEIGHT_ROWS = 10


def _style(ax: Any, unit: str) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: plain_text(format_tick(v, unit))))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
    ax.tick_params(labelsize=8, colors=SECONDARY_TEXT, labelcolor=TEXT)
    for tick in ax.get_xticklabels() + ax.get_yticklabels():
        tick.set_family(FONT_FAMILY)
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _start_line(ax: Any, start: float) -> None:
    ax.axvline(start - 0.5, color=SECONDARY_TEXT, linestyle=":", linewidth=1)
    ax.annotate("pilot starts", xy=(start - 0.5, 1.0), xycoords=("data", "axes fraction"),
                xytext=(3, -2), textcoords="offset points", va="top", fontsize=8,
                **TEXT_STYLE)


def synthetic_trajectory_figure(cohort: Mapping[str, Any], *, outcome_label: str,
                                unit: str = "", title: str = "", note: str = "") -> Figure:
    """Pilot mean and synthetic comparison of one cohort (``SyntheticDidResult`` cohort dict or
    a dict with ``periods``, ``pilot``, ``synthetic``, ``offset`` and ``start``)."""
    path = cohort.get("trajectory", cohort)
    periods = [float(p) for p in path["periods"]]
    offset = float(path.get("offset", 0.0))
    synthetic = [s + offset for s in path["synthetic"]]
    fig = Figure(figsize=FIGURE_SIZE, layout="constrained")
    ax = fig.add_subplot()
    for name, values, label in (("pilot", path["pilot"], "Pilot"),
                                ("comparison", synthetic, "Synthetic\ncomparison")):
        style = ARM_STYLES[name]
        ax.plot(periods, values, color=style.colour, linestyle=style.line_style,
                marker=style.marker, markersize=3, linewidth=1.8, label=label)
        ax.annotate(label, xy=(periods[-1], values[-1]), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=8,
                    fontweight=style.label_weight, **TEXT_STYLE)
    _start_line(ax, float(cohort["start"]))
    _style(ax, unit)
    ax.set_ylabel(plain_text(axis_label(outcome_label, unit)), fontsize=9, **TEXT_STYLE)
    ax.set_xmargin(0.02)
    if title:
        ax.set_title(plain_text(title), loc="left", fontsize=10, fontweight="bold",
                     **TEXT_STYLE)
    if not note and offset:
        note = ("The synthetic comparison is shifted by the pilot's average pre-pilot gap "
                "(synthetic DiD compares changes, not levels).")
    if note:  # a figure-level x label gets its own room in the constrained layout
        fig.supxlabel(plain_text(note), fontsize=7.5, color=SECONDARY_TEXT, family=FONT_FAMILY,
                      x=0.01, ha="left")
    return fig


def placebo_gaps_figure(gaps: Mapping[str, Sequence[float]], periods: Sequence[Any],
                        start: Any, *, outcome_label: str, unit: str = "",
                        title: str = "", pilot_key: str = "pilot") -> Figure:
    """The pilot's gap against every placebo's (``SyntheticControlResult.to_dict()['gaps']``)."""
    xs = [float(p) for p in periods]
    fig = Figure(figsize=FIGURE_SIZE, layout="constrained")
    ax = fig.add_subplot()
    ax.axhline(0, color=SECONDARY_TEXT, linewidth=0.8)
    for key, values in gaps.items():
        if key != pilot_key:
            ax.plot(xs, values, color=PLACEBO_GREY, linewidth=0.8, linestyle="-")
    pilot = gaps[pilot_key]
    style = ARM_STYLES["pilot"]
    ax.plot(xs, pilot, color=style.colour, linewidth=2.4, linestyle="-", marker="o",
            markersize=3)
    ax.annotate("Pilot", xy=(xs[-1], pilot[-1]), xytext=(4, 0), textcoords="offset points",
                va="center", fontsize=8, fontweight="bold", **TEXT_STYLE)
    if len(gaps) > 1:
        ax.annotate(f"{len(gaps) - 1} comparison units as placebos (grey)", xy=(0.01, 0.02),
                    xycoords="axes fraction", fontsize=7.5, color=SECONDARY_TEXT,
                    family=FONT_FAMILY)
    _start_line(ax, float(start))
    _style(ax, unit)
    # the outcome is in the title and the text: a short label keeps the axis readable
    ax.set_ylabel(plain_text(axis_label("Gap to its synthetic comparison", unit)), fontsize=9,
                  **TEXT_STYLE)
    if title:
        ax.set_title(plain_text(title), loc="left", fontsize=10, fontweight="bold",
                     **TEXT_STYLE)
    return fig


def weights_table(unit_weights: Sequence[Mapping[str, Any]], *, rows: int = WEIGHT_ROWS
                  ) -> list[tuple[str, str]]:
    """``[(unit, "42%"), ...]`` largest weight first; the rest summed in a last row."""
    ordered = sorted((u for u in unit_weights if float(u["weight"]) > 0),
                     key=lambda u: -float(u["weight"]))
    table = [(str(u["unit"]), f"{float(u['weight']):.0%}") for u in ordered[:rows]]
    rest = ordered[rows:]
    if rest:
        total = sum(float(u["weight"]) for u in rest)
        table.append((f"{len(rest)} other units", f"{total:.0%}"))
    return table


def _period_ticks(fig: Figure, labels: Sequence[str]) -> None:
    """Label positions 0..n-1 with the period labels (at most ``TICKS`` of them)."""
    ax = fig.axes[0]
    step = max(1, -(-len(labels) // TICKS))
    ax.set_xticks(range(0, len(labels), step))
    ax.set_xticklabels([labels[i] for i in range(0, len(labels), step)], fontsize=8)


def path_figure(labels: Sequence[str], pilot: Sequence[float], synthetic: Sequence[float],
                start_index: int, *, outcome_label: str, unit: str = "", note: str = "",
                title: str = "") -> Figure:
    """The pilot against its synthetic comparison, periods shown by their ``labels``
    (``synthetic`` already includes any offset; ``note`` printed under the chart)."""
    fig = synthetic_trajectory_figure(
        {"periods": list(range(len(labels))), "pilot": list(pilot),
         "synthetic": list(synthetic), "offset": 0.0, "start": start_index},
        outcome_label=outcome_label, unit=unit, note=note, title=title)
    _period_ticks(fig, labels)
    return fig


def gaps_figure(labels: Sequence[str], pilot: Sequence[float],
                placebos: Sequence[Sequence[float]], start_index: int, *, outcome_label: str,
                unit: str = "", title: str = "") -> Figure:
    """The pilot's gap against each placebo's, periods shown by their ``labels``."""
    series = {"pilot": list(pilot)}
    series.update({f"placebo {i}": list(p) for i, p in enumerate(placebos)})
    fig = placebo_gaps_figure(series, list(range(len(labels))), start_index,
                              outcome_label=outcome_label, unit=unit, title=title)
    _period_ticks(fig, labels)
    return fig


OFFSET_NOTE = ("The synthetic comparison is shifted by the pilot's average pre-pilot gap "
               "(synthetic DiD compares changes, not levels).")


def section_figures(section: SyntheticSection, *, outcome_label: str, unit: str = ""
                    ) -> tuple[Figure | None, Figure | None, list[tuple[str, str]]]:
    """The trajectory chart, the placebo-gaps chart (``None`` when not available) and the
    weights table of a report's synthetic section."""
    trajectory = gaps_fig = None
    path = section.path
    if path is not None:
        trajectory = path_figure(path.labels, path.pilot, path.synthetic, path.start_index,
                                 outcome_label=outcome_label, unit=unit,
                                 note=OFFSET_NOTE if path.offset else "")
    placebo = section.placebo_gaps
    if placebo is not None and not isinstance(placebo, Unavailable):
        gaps_fig = gaps_figure(placebo.labels, placebo.pilot,
                               [p.gaps for p in placebo.placebos], placebo.start_index,
                               outcome_label=outcome_label, unit=unit)
    table = weights_table([{"unit": w.unit, "weight": w.weight} for w in section.weights])
    return trajectory, gaps_fig, table
