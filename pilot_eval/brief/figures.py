"""Charts for the brief: the matplotlib Figure of a spec, and its recorded vector shapes.

``chart_vector`` draws each distinct chart once and keeps the frozen ``VectorFigure``, so the
PDF and the HTML twin of one brief share a single matplotlib draw per chart and show exactly
the same drawing.  Specs: pilot vs comparison means (``GroupMeansSpec``), the event study
(``EventTimeSpec``), staff retention curves (``RetentionSpec``) and a synthetic headline's
two charts (``SyntheticChartSpec``, technical report).
"""

from __future__ import annotations

from dataclasses import asdict
from functools import lru_cache

from pilot_eval.brief.content import EventTimeSpec, GroupMeansSpec
from pilot_eval.brief.retention import RetentionSpec
from pilot_eval.brief.synthetic import SyntheticChartSpec
from pilot_eval.brief.synthetic import figure as synthetic_figure
from pilot_eval.charts import VectorFigure, figure_to_vector, group_means_figure
from pilot_eval.charts.event_time import event_time_figure
from pilot_eval.charts.retention_curves import retention_figure

CACHED_CHARTS = 32


def figure_for(spec: GroupMeansSpec | EventTimeSpec | RetentionSpec | SyntheticChartSpec, *,
               title: str = ""):
    """The chart of ``spec``; ``title=""`` because the brief prints the title as text."""
    if isinstance(spec, SyntheticChartSpec):
        return synthetic_figure(spec, title=title)
    if isinstance(spec, EventTimeSpec):
        rows = [{"e": e, "estimate": est, "ci_low": lo, "ci_high": hi}
                for e, est, lo, hi in spec.points]
        return event_time_figure(rows, outcome_label=spec.outcome_label, unit=spec.unit,
                                 reference=spec.reference, title=title)
    if isinstance(spec, RetentionSpec):
        curves = {g: [{"time": t, "survival": s} for t, s in points]
                  for g, points in spec.curves}
        return retention_figure(curves, arms=dict(spec.arms), time_unit=spec.time_unit,
                                title=title)
    return group_means_figure(
        [asdict(m) for m in spec.group_means],
        pilot_starts=[asdict(p) for p in spec.pilot_starts],
        outcome_label=spec.outcome_label, unit=spec.unit, title=title,
        unit_noun=spec.unit_noun)


@lru_cache(maxsize=CACHED_CHARTS)
def chart_vector(spec: GroupMeansSpec | EventTimeSpec | RetentionSpec | SyntheticChartSpec
                 ) -> VectorFigure:
    """The recorded shapes of ``spec``'s chart (immutable, so safe to share and cache)."""
    return figure_to_vector(figure_for(spec))
