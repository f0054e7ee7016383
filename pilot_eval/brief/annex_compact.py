"""Compact annex tables across outcomes: one row per key, a column (pair) per outcome.

The annex prints the event-study effects, the calendar aggregation and leave-one-out side by
side for every outcome instead of one long table each, and ATT(g,t) as a grid of periods by
start cohort; periods are shown by their labels (``Apr 2024``), not their codes.
results.json, written beside the brief, holds every number to full precision.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pilot_eval.brief.tables import DataTable
from pilot_eval.estimators import Unavailable
from pilot_eval.report.outcome import OutcomeReport
from pilot_eval.report.words import PRECISION_RULE

FULL_PRECISION_NOTE = PRECISION_RULE
AGGREGATION_NAMES = {
    "simple": "Overall: every pilot team-period after its start (the headline)",
    "group": "Average of the start cohorts' effects",
    "dynamic": "Average over time since the start",
    "calendar": "Average over calendar periods",
}
PAIR = 2  # outcomes per table when a table gives two columns to each outcome


def _exact(value: Any) -> str:
    from pilot_eval.brief.annex import exact

    return exact(value)


def wide_table(caption: str, first: str, keyed: Sequence[tuple[str, dict[Any, Any]]],
               fields: Sequence[tuple[str, str]], order: dict[Any, Any] | None = None,
               labels: dict[Any, str] | None = None) -> DataTable | None:
    """One row per key, one column per (series, field); blank where a series has no row.

    ``keyed`` holds ``(series name, {key: row})`` (rows are report dataclasses); ``fields``
    ``(column suffix, attribute)``; keys sort by ``order[key]`` when given, else by value.
    """
    keys = sorted({k for _, rows in keyed for k in rows},
                  key=(lambda k: order[k]) if order else _sort_key)
    if not keys:
        return None
    columns = [first]
    for name, _ in keyed:
        columns += [f"{name}: {suffix}" if suffix else name for suffix, _ in fields]
    body = []
    for key in keys:
        cells = [labels.get(key, str(key)) if labels else str(key)]
        for _, rows in keyed:
            row = rows.get(key)
            cells += [_exact(getattr(row, f)) if row is not None else "" for _, f in fields]
        body.append(tuple(cells))
    return DataTable(caption=caption, columns=tuple(columns), rows=tuple(body))


def _sort_key(key: Any) -> tuple[int, Any]:
    return (0, key) if isinstance(key, int | float) else (1, str(key))


def _aggregation(report: OutcomeReport, kind: str):
    if report.staggered is None:
        return None
    return next((a for a in report.staggered.aggregations if a.kind == kind), None)


def event_time_wide(outcomes: Sequence[OutcomeReport]) -> tuple[DataTable, ...]:
    """Effect (and SE) by time since the start, one column pair per outcome, two outcomes to
    a table (wider tables would not be readable on A4)."""
    keyed, labels = [], {}
    for o in outcomes:
        if o.event_study is not None and o.event_study.rows:
            keyed.append((o.label, {r.e: r for r in o.event_study.rows}))
            labels.update({r.e: r.label for r in o.event_study.rows})
    tables = []
    for start in range(0, len(keyed), PAIR):
        part = keyed[start:start + PAIR]
        table = wide_table("Effect by time since the pilot started: "
                           + " and ".join(name for name, _ in part), "Time since start",
                           part, (("effect", "estimate"), ("SE", "se")), labels=labels)
        if table is not None:
            tables.append(table)
    return tuple(tables)


def calendar_wide(outcomes: Sequence[OutcomeReport]) -> tuple[DataTable, ...]:
    """The calendar-time aggregation of ATT(g,t), a column pair per outcome, two outcomes to
    a table."""
    keyed, order = [], {}
    for o in outcomes:
        calendar = _aggregation(o, "calendar")
        if calendar is not None and calendar.rows:
            keyed.append((o.label, {r.label: r for r in calendar.rows}))
            order.update({r.label: r.key for r in calendar.rows})
    tables = []
    for start in range(0, len(keyed), PAIR):
        part = keyed[start:start + PAIR]
        table = wide_table("Effect by calendar period (Callaway & Sant'Anna): "
                           + " and ".join(name for name, _ in part), "Period", part,
                           (("effect", "estimate"), ("SE", "se")), order=order)
        if table is not None:
            tables.append(table)
    return tuple(tables)


def overall_aggregations(outcomes: Sequence[OutcomeReport]) -> DataTable | None:
    """Each aggregation's overall estimate, and the effect by start cohort, per outcome."""
    rows = []
    for o in outcomes:
        for agg in o.staggered.aggregations if o.staggered is not None else ():
            rows.append((o.label, AGGREGATION_NAMES.get(agg.kind, agg.kind),
                         *(_exact(v) for v in (agg.estimate, agg.se, agg.ci_low, agg.ci_high))))
            if agg.kind == "group":
                rows += [(o.label, f"Teams that started in {r.label}", *(_exact(v) for v in (
                    r.estimate, r.se, r.ci_low, r.ci_high))) for r in agg.rows]
    if not rows:
        return None
    return DataTable(caption="Callaway & Sant'Anna: the effect averaged in different ways, and "
                             "by start cohort", columns=("Outcome", "Average", "Estimate",
                                                         "SE", "Range low", "Range high"),
                     rows=tuple(rows))


def att_gt_wide(report: OutcomeReport) -> DataTable | None:
    """ATT(g,t) of one outcome: a row per period, a column pair (ATT, SE) per start cohort."""
    if report.staggered is None or not report.staggered.att_gt:
        return None
    rows = report.staggered.att_gt
    cohorts = sorted({(r.group, r.group_label) for r in rows})
    order = {r.time_label: r.time for r in rows}
    keyed = [(f"start {label}", {r.time_label: r for r in rows if r.group == group})
             for group, label in cohorts]
    table = wide_table("", "Period", keyed, (("ATT", "estimate"), ("SE", "se")), order=order)
    if table is None:
        return None
    critical = report.staggered.critical_value
    ranges = (f"; ranges are ATT ± {_exact(critical)} x SE" if critical is not None else "")
    return DataTable(
        caption=f"{report.label}: ATT(g,t) by start cohort g and period t{ranges}",
        columns=table.columns, rows=table.rows)


def leave_one_out_wide(outcomes: Sequence[OutcomeReport]) -> DataTable | None:
    """Leave-one-out estimates: a row per pilot unit left out, a column per outcome."""
    keyed = []
    for o in outcomes:
        loo = o.leave_one_out
        if loo is None or isinstance(loo, Unavailable) or not loo.rows:
            continue
        keyed.append((o.label, {r.unit: r.result for r in loo.rows}))
    return wide_table("Leave one pilot unit out: the estimate without that unit",
                      "Unit left out", keyed, (("", "estimate"),))
