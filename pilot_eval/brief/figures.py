"""Build the matplotlib Figure for a chart's spec (shared by the PDF and HTML renderers)."""

from __future__ import annotations

from dataclasses import asdict

from pilot_eval.brief.content import GroupMeansSpec
from pilot_eval.charts import group_means_figure


def figure_for(spec: GroupMeansSpec, *, title: str = ""):
    """The chart of ``spec``; ``title=""`` because the brief prints the title as text."""
    return group_means_figure(
        [asdict(m) for m in spec.group_means],
        pilot_starts=[asdict(p) for p in spec.pilot_starts],
        outcome_label=spec.outcome_label, unit=spec.unit, title=title,
        unit_noun=spec.unit_noun)
