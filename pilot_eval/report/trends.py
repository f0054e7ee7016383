"""``trends_report(data, columns)``: what the Trends step shows before any estimate is run.

Pilot and comparison means per period, the pilot starts with their period labels, and the
pre-trend test of a two-way event study with binned leads (the same test, built and judged by
the same rules, that the full report reads first): ``TrendsReport``, the type an
``OutcomeReport`` also gives through its ``trends`` property.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pilot_eval.estimators import PanelColumns, Unavailable
from pilot_eval.estimators.thresholds import EVENT_STUDY_LEADS
from pilot_eval.progress import SILENT, Progress
from pilot_eval.report.build_outcome import choose_pretest, event_rows, pretest
from pilot_eval.report.outcome import (
    EventStudy,
    MeanPoint,
    PilotStart,
    PreTrendTest,
    TrendsReport,
)
from pilot_eval.report.values import optional_int, optional_number


def trends_report(data: Any, columns: PanelColumns, *, leads: int = EVENT_STUDY_LEADS,
                  level: float = 0.95, progress: Progress | None = None) -> TrendsReport:
    """The Trends part of the report for ``data`` (a ``LoadedTable`` or a DataFrame).

    Raises ``ValidationFailed`` when the data cannot be used (as ``run_analysis`` does) and
    ``AnalysisCancelled`` when ``progress`` is cancelled.
    """
    from pilot_eval.analysis import _or_unavailable
    from pilot_eval.io.periods import normalise_periods
    from pilot_eval.summaries import group_means, pilot_starts, start_periods
    from pilot_eval.validation import validate_panel

    progress = progress or SILENT
    frame = getattr(data, "frame", data)
    file = Path(data.path).name if hasattr(data, "path") else None
    labels: dict[int, str] = {}
    kind = "integer"
    if columns.time is not None:
        periods = normalise_periods(frame, time=columns.time, cohort=columns.cohort, file=file)
        frame, labels, kind = periods.frame, dict(periods.labels), str(periods.kind)
    validate_panel(frame, columns, file=file).raise_if_errors()
    progress.report(0.2, "Pilot and comparison means")
    starts = start_periods(frame, columns) if columns.design != "2x2" else None
    means = tuple(MeanPoint(period=int(r["period"]), label=str(r["label"]), arm=str(r["arm"]),
                            mean=optional_number(r.get("mean")), n=optional_int(r.get("n")))
                  for r in group_means(frame, columns, labels, starts=starts))
    first = tuple(PilotStart(period=int(s["period"]), label=str(s["label"]),
                             n_units=optional_int(s.get("n_units")))
                  for s in pilot_starts(frame, columns, labels, starts=starts))
    study: Any = None
    if columns.design != "2x2" and frame[columns.time].nunique() >= 3:
        progress.report(0.5, "Event study (pre-trend test)")
        study = _or_unavailable(lambda: _event_study(frame, columns, leads, level))
    progress.report(1.0, "Done")
    if study is None or isinstance(study, Unavailable):
        return TrendsReport(group_means=means, pilot_starts=first, period_kind=kind,
                            event_study=None, pretest=choose_pretest(()),
                            unavailable="" if study is None else study.reason)
    raw = study.to_dict()
    rows = event_rows(raw.get("event_time") or (), kind)
    tests: tuple[PreTrendTest, ...] = ()
    if isinstance(raw.get("pretest"), dict):
        tests = (pretest(raw["pretest"], optional_int(raw.get("n_clusters")),
                         source="event study",
                         lead_rows=tuple(r for r in rows if r.e < 0 and not r.is_reference)),)
    return TrendsReport(group_means=means, pilot_starts=first, period_kind=kind,
                        event_study=EventStudy(source="event study", rows=rows,
                                               reference=optional_int(raw.get("reference"))),
                        pretest=choose_pretest(tests))


def _event_study(frame: Any, columns: PanelColumns, leads: int, level: float) -> Any:
    from dataclasses import replace

    from pilot_eval.estimators.did.event_study.estimator import EventStudy as Study

    return Study(leads=leads, se="cluster", level=level).fit(frame,
                                                              replace(columns, covariates=()))
