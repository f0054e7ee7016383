"""Builders of the larger parts of an outcome's report: the sensitivity bounds and what
Callaway & Sant'Anna adds (every ATT(g,t) and its aggregations)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pilot_eval.estimators import Unavailable
from pilot_eval.estimators.thresholds import SMALL_BREAKDOWN, SMOOTHNESS_MIN_PRE_PERIODS
from pilot_eval.report.outcome import (
    Aggregation,
    AggregationRow,
    AttGt,
    BoundRow,
    Sensitivity,
    Staggered,
    TrendRobust,
)
from pilot_eval.report.values import optional_int, optional_number, value_of
from pilot_eval.report.words import event_time_label

AGGREGATION_KEYS = ("event_time", "group", "time")


def _bounds(raw: Any) -> tuple[BoundRow, ...]:
    if not isinstance(raw, Mapping):
        return ()
    return tuple(BoundRow(m=float(r["m"]), low=value_of(r.get("lb")), high=value_of(r.get("ub")),
                          excludes_zero=bool(r.get("excludes_zero")))
                 for r in raw.get("rows") or ())


SHORT_PERIODS = ("month", "week", "day")


def _trend(raw: Any) -> TrendRobust | Unavailable | None:
    if not isinstance(raw, Mapping):
        return None
    if "unavailable" in raw:
        return Unavailable(str(raw["unavailable"]))
    window = raw.get("event_window") or (0, 0)
    return TrendRobust(estimate=float(raw["estimate"]), low=float(raw["lb"]),
                       high=float(raw["ub"]), level=float(raw.get("level") or 0.95),
                       window=(int(window[0]), int(window[1])))


def choose_bound(period_kind: str, pre_periods: int | None) -> tuple[str, str]:
    """The sensitivity bound the design calls for, and why (Rambachan & Roth 2023)."""
    many = pre_periods is not None and pre_periods >= SMOOTHNESS_MIN_PRE_PERIODS
    if period_kind in SHORT_PERIODS or many:
        return "smoothness", (
            f"{'monthly' if period_kind == 'month' else 'short'} periods"
            if period_kind in SHORT_PERIODS else f"{pre_periods} periods before the pilot"
        ) + (": a trend would bend slowly from period to period, so the bound allows any "
             "straight-line pre-pilot trend to continue (smoothness, M = 0)")
    return "relative magnitudes", (
        "few, aggregated periods: changes between them are informative, so the bound allows "
        "post-pilot changes in trend as large as the largest before the pilot (relative "
        "magnitudes, Mbar = 1)")


def sensitivity_report(raw: Mapping[str, Any], *, period_kind: str = "integer",
                       pre_periods: int | None = None,
                       headline: float | None = None) -> Sensitivity:
    """Rambachan & Roth bounds (``analysis.Sensitivity.to_dict()``), with the bound the design
    calls for (``choose_bound``) and whether the conclusion survives it: for smoothness, the
    trend-robust range excludes zero and still contains the ``headline`` estimate (a
    straight-line trend neither removes the effect nor explains a large part of it); for
    relative magnitudes, the breakdown value is at least 1."""
    rm = raw.get("relative_magnitude") or {}
    smooth = raw.get("smoothness") or {}
    rm_missing = isinstance(rm, Mapping) and "unavailable" in rm and len(rm) == 1
    breakdown_mbar = (value_of(None, str(rm["unavailable"])) if rm_missing
                      else value_of(raw.get("breakdown"), "not reported"))
    window = raw.get("event_window") or (0, 0)
    trend = _trend(raw.get("linear_trend"))
    bound, why = choose_bound(period_kind, pre_periods)
    if bound == "smoothness":
        robust = (trend.excludes_zero and (headline is None
                                           or trend.low <= headline <= trend.high)
                  if isinstance(trend, TrendRobust) else None)
    else:
        mbar = optional_number(breakdown_mbar) if not rm_missing else None
        robust = None if mbar is None else mbar >= SMALL_BREAKDOWN
    return Sensitivity(
        parameter=str(raw.get("parameter") or ""), window=(int(window[0]), int(window[1])),
        breakdown_mbar=breakdown_mbar,
        breakdown_m=value_of(smooth.get("breakdown") if isinstance(smooth, Mapping) else None,
                             "the smoothness bounds give no breakdown value"),
        relative_magnitude=() if rm_missing else _bounds(rm), smoothness=_bounds(smooth),
        notes=tuple(str(n) for n in raw.get("notes") or ()), trend=trend, bound=bound,
        bound_why=why, robust=robust)


def _label(labels: Mapping[int, str], period: int) -> str:
    return labels.get(int(period), str(period))


def _aggregation(kind: str, raw: Mapping[str, Any], labels: Mapping[int, str],
                 period_kind: str) -> Aggregation:
    rows = []
    for row in raw.get("rows") or ():
        key = next((k for k in AGGREGATION_KEYS if row.get(k) is not None), None)
        if key is None:
            continue
        value = int(row[key])
        label = (event_time_label(value, period_kind) if key == "event_time"
                 else _label(labels, value))
        rows.append(AggregationRow(key=value, label=label, **{
            k: value_of(row.get(k)) for k in ("estimate", "se", "ci_low", "ci_high")}))
    return Aggregation(kind=kind, rows=tuple(rows), **{
        k: value_of(raw.get(k)) for k in ("estimate", "se", "ci_low", "ci_high")})


def staggered_report(raw: Mapping[str, Any], labels: Mapping[int, str],
                     period_kind: str) -> Staggered | None:
    """Every ATT(g,t), the aggregations and the options, for a Callaway & Sant'Anna result."""
    if not raw.get("att_gt") and not raw.get("aggregations"):
        return None
    att = tuple(AttGt(group=int(r["group"]), group_label=_label(labels, r["group"]),
                      time=int(r["time"]), time_label=_label(labels, r["time"]),
                      estimate=value_of(r.get("estimate")), se=value_of(r.get("se")),
                      ci_low=value_of(r.get("ci_low")), ci_high=value_of(r.get("ci_high")),
                      post=bool(r.get("post")))
                for r in raw.get("att_gt") or ())
    aggregations = tuple(_aggregation(str(kind), agg, labels, period_kind)
                         for kind, agg in (raw.get("aggregations") or {}).items()
                         if isinstance(agg, Mapping))
    return Staggered(att_gt=att, aggregations=aggregations,
                     control=str(raw.get("control") or ""), method=str(raw.get("method") or ""),
                     base_period=str(raw.get("base_period") or ""),
                     anticipation=optional_int(raw.get("anticipation")) or 0,
                     unbalanced=str(raw.get("unbalanced") or ""),
                     critical_value=optional_number(raw.get("critical_value")))
