"""Charts for the brief: the matplotlib Figure of a spec, and its recorded vector shapes.

``chart_vector`` draws each distinct chart once and keeps the frozen ``VectorFigure``, so the
PDF and the HTML twin of one brief share a single matplotlib draw per chart and show exactly
the same drawing.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import lru_cache

from pilot_eval.brief.content import GroupMeansSpec
from pilot_eval.charts import VectorFigure, figure_to_vector, group_means_figure

CACHED_CHARTS = 32


def figure_for(spec: GroupMeansSpec, *, title: str = ""):
    """The chart of ``spec``; ``title=""`` because the brief prints the title as text."""
    return group_means_figure(
        [asdict(m) for m in spec.group_means],
        pilot_starts=[asdict(p) for p in spec.pilot_starts],
        outcome_label=spec.outcome_label, unit=spec.unit, title=title,
        unit_noun=spec.unit_noun)


@lru_cache(maxsize=CACHED_CHARTS)
def chart_vector(spec: GroupMeansSpec) -> VectorFigure:
    """The recorded shapes of ``spec``'s chart (immutable, so safe to share and cache)."""
    return figure_to_vector(figure_for(spec))
