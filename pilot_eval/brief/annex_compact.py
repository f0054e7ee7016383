"""Compact annex tables: one wide table across outcomes instead of one long table per outcome.

The annex must let an analyst elsewhere reproduce every figure without running to 40 pages:
effects by event time, calendar-time effects and leave-one-out are laid out with one column per
outcome, ATT(g,t) with one column pair per start cohort (and only for the headline outcomes);
results.json, written beside the brief, holds every number to full precision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pilot_eval.brief.tables import DataTable

FULL_PRECISION_NOTE = (
    "Values here are exact to 6 significant figures. results.json, written beside this brief, "
    "holds every number to full precision, including the tables shortened here (every "
    "ATT(g,t), every point of the retention curves and the workforce rates by team).")


def _exact(value: Any) -> str:
    from pilot_eval.brief.annex import exact

    return exact(value)


def _label(analysis: Mapping[str, Any]) -> str:
    return str(analysis.get("outcome_label") or analysis.get("outcome") or "Outcome")


def period_label(analysis: Mapping[str, Any], period: Any) -> str:
    """``Apr 2024``: the period's label (its code in results.json), or the code itself."""
    labels = analysis.get("period_labels") or {}
    label = labels.get(str(period)) if isinstance(labels, Mapping) else None
    return str(label) if label else str(period)


def event_rows(analysis: Mapping[str, Any]) -> dict[int, Mapping[str, Any]]:
    """Effects by event time: ``event_time`` rows, else the dynamic aggregation's rows."""
    rows = analysis.get("event_time") or ()
    key = "e"
    if not rows:
        rows = ((analysis.get("aggregations") or {}).get("dynamic") or {}).get("rows") or ()
        key = "event_time"
    return {int(r[key]): r for r in rows if r.get(key) is not None}


def wide_table(caption: str, first: str, keyed: Sequence[tuple[str, Mapping[Any, Any]]],
               fields: Sequence[tuple[str, str]]) -> DataTable | None:
    """One row per key (sorted), one column per (series, field); blank where a series has no
    row.  ``keyed`` holds ``(series name, {key: row})``; ``fields`` ``(column suffix, key)``."""
    keys = sorted({k for _, rows in keyed for k in rows}, key=_sort_key)
    if not keys:
        return None
    columns = [first]
    for name, _ in keyed:
        columns += [f"{name}: {suffix}" if suffix else name for suffix, _ in fields]
    body = []
    for key in keys:
        cells = [str(key)]
        for _, rows in keyed:
            row = rows.get(key)
            cells += [_exact(row.get(f)) if row is not None else "" for _, f in fields]
        body.append(tuple(cells))
    return DataTable(caption=caption, columns=tuple(columns), rows=tuple(body))


def _sort_key(key: Any) -> tuple[int, Any]:
    return (0, key) if isinstance(key, int | float) else (1, str(key))


def event_time_wide(analyses: Sequence[Mapping[str, Any]]) -> DataTable | None:
    """Effect (and SE) by periods since the start, one column pair per outcome."""
    keyed = [(_label(a), event_rows(a)) for a in analyses]
    return wide_table("Effect by periods since the pilot started (event study; SE in the "
                      "second column of each pair)", "Periods since start",
                      [k for k in keyed if k[1]], (("effect", "estimate"), ("SE", "se")))


def calendar_wide(analyses: Sequence[Mapping[str, Any]]) -> DataTable | None:
    """The calendar-time aggregation of ATT(g,t), one column pair per outcome."""
    keyed = []
    for a in analyses:
        rows = ((a.get("aggregations") or {}).get("calendar") or {}).get("rows") or ()
        keyed.append((_label(a), {period_label(a, r["time"]): r for r in rows
                                  if r.get("time") is not None}))
    table = wide_table("Effect by calendar period (Callaway & Sant'Anna calendar aggregation)",
                       "Period", [k for k in keyed if k[1]],
                       (("effect", "estimate"), ("SE", "se")))
    if table is None:
        return None
    order = {period_label(a, r["time"]): r["time"] for a in analyses
             for r in ((a.get("aggregations") or {}).get("calendar") or {}).get("rows") or ()}
    return DataTable(caption=table.caption, columns=table.columns,
                     rows=tuple(sorted(table.rows, key=lambda r: order.get(r[0], 0))))


def overall_aggregations(analyses: Sequence[Mapping[str, Any]]) -> DataTable | None:
    """Each aggregation's overall estimate, and the effect by start cohort, per outcome."""
    rows = []
    for a in analyses:
        aggregations = a.get("aggregations") or {}
        if not isinstance(aggregations, Mapping):
            continue
        for kind, agg in aggregations.items():
            rows.append((_label(a), f"{kind} (overall)", *(_exact(agg.get(k)) for k in
                                                           ("estimate", "se", "ci_low",
                                                            "ci_high"))))
            if kind == "group":
                rows += [(_label(a), f"start cohort {period_label(a, r.get('group'))}",
                          *(_exact(r.get(k)) for k in ("estimate", "se", "ci_low", "ci_high")))
                         for r in agg.get("rows") or ()]
    if not rows:
        return None
    return DataTable(caption="Aggregations of ATT(g,t): overall and by start cohort",
                     columns=("Outcome", "Aggregation", "Estimate", "SE", "Range low",
                              "Range high"), rows=tuple(rows))


def att_gt_wide(analysis: Mapping[str, Any]) -> DataTable | None:
    """ATT(g,t) of one outcome: a row per period, a column pair (ATT, SE) per start cohort."""
    rows = analysis.get("att_gt") or ()
    if not rows:
        return None
    cohorts = sorted({r["group"] for r in rows if r.get("group") is not None})
    keyed = [(f"start {period_label(analysis, g)}",
              {r["time"]: r for r in rows if r.get("group") == g}) for g in cohorts]
    table = wide_table("", "Period", keyed, (("ATT", "estimate"), ("SE", "se")))
    if table is None:
        return None
    critical = analysis.get("critical_value")
    ranges = (f"; ranges are ATT ± {_exact(critical)} x SE" if critical is not None else "")
    return DataTable(
        caption=f"{_label(analysis)}: ATT(g,t) by start cohort g and period t{ranges}",
        columns=table.columns,
        rows=tuple((period_label(analysis, r[0]), *r[1:]) for r in table.rows))


def leave_one_out_wide(analyses: Sequence[Mapping[str, Any]]) -> DataTable | None:
    """Leave-one-out estimates: a row per pilot unit left out, a column per outcome."""
    keyed = []
    for a in analyses:
        loo = a.get("leave_one_out")
        rows = (loo.get("rows") if isinstance(loo, Mapping) else loo) or ()
        keyed.append((_label(a), {str(r.get("unit", r.get("dropped", "?"))): r for r in rows}))
    return wide_table("Leave one pilot unit out: the estimate without that unit",
                      "Unit left out", [k for k in keyed if k[1]], (("", "estimate"),))
