"""Key retention figures in words, from ``RetentionAnalysis.to_dict()`` (issue 4's keys)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _f(value: Any, digits: int = 2) -> str:
    number = _number(value)
    return "not available" if number is None else f"{number:.{digits}f}"


def _p(value: Any) -> str:
    number = _number(value)
    return "" if number is None else f", p = {number:.2g}"


def pilot_hazard(cox: Any) -> Mapping[str, Any] | None:
    """The Cox coefficient of the pilot (the first whose name contains 'pilot')."""
    if not isinstance(cox, Mapping):
        return None
    rows = [r for r in cox.get("coefficients") or () if "pilot" in str(r.get("name", ""))]
    return rows[0] if rows else None


def retention_rows(result: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(figure, value)`` rows: medians, log-rank, hazard ratio, RMST, DiD on leaving."""
    rows: list[tuple[str, str]] = []
    unit = result.get("time_unit", "months")
    km = result.get("km") or {}
    for group, part in km.items() if isinstance(km, Mapping) else ():
        if isinstance(part, Mapping):
            rows.append((f"Median stay, {group}",
                         f"{_f(part.get('median'), 1)} {unit} ({part.get('n', '?')} staff, "
                         f"{part.get('events', '?')} left)"))
    logrank = result.get("logrank")
    if isinstance(logrank, Mapping) and "p_value" in logrank:
        rows.append(("Log-rank test (curves differ?)", f"p = {_f(logrank['p_value'], 3)}"))
    hazard = pilot_hazard(result.get("cox"))
    if hazard is not None:
        rows.append(("Hazard ratio of leaving, pilot",
                     f"{_f(hazard.get('hazard_ratio'))} (range {_f(hazard.get('ci_low'))} to "
                     f"{_f(hazard.get('ci_high'))}{_p(hazard.get('p_value'))})"))
    elif isinstance(result.get("cox"), str):
        rows.append(("Hazard ratio of leaving", f"not estimated: {result['cox']}"))
    rmst = result.get("rmst")
    if isinstance(rmst, Mapping) and isinstance(rmst.get("difference"), Mapping):
        diff = rmst["difference"]
        rows.append((f"Extra time in post (RMST, first {_f(rmst.get('tau'), 0)} {unit})",
                     f"{_f(diff.get('estimate'), 1)} {unit} (range {_f(diff.get('ci_low'), 1)} "
                     f"to {_f(diff.get('ci_high'), 1)})"))
    did = result.get("did_leaving")
    if isinstance(did, Mapping) and did.get("rate_ratio") is not None:
        rows.append(("Leaving rate ratio after the pilot (DiD)",
                     f"{_f(did.get('rate_ratio'))} (range {_f(did.get('ci_low'))} to "
                     f"{_f(did.get('ci_high'))}{_p(did.get('p_value'))})"))
    incidence = result.get("cumulative_incidence")
    if isinstance(incidence, Mapping) and incidence:
        rows.append(("Leaving reasons", ", ".join(sorted(str(k) for k in incidence))))
    return rows


RATE_LABELS = {"nhs_leaver_rate": "Leaver rate (NHS)", "stability_index": "Stability index",
               "dfe_turnover_rate": "Turnover rate (DfE)", "vacancy_rate": "Vacancy rate",
               "agency_rate": "Agency rate"}


RATE_HEADERS = ("Rate (mean per period)", "Pilot", "Comparison")


def rate_table(result: Mapping[str, Any]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """One row per workforce rate: its mean over the periods for each arm; and, per row, the
    rate's definition (shown as the row's tooltip, not in the cell).

    The mean is the plain average of the period rates (as the rates table in the brief lists
    them period by period)."""
    rates = result.get("rates")
    if not isinstance(rates, Mapping):
        return [], []
    period = str(rates.get("period", "period"))
    rows, tips = [], []
    for key, definition in (rates.get("definitions") or {}).items():
        label = RATE_LABELS.get(str(key), str(key).replace("_", " ").capitalize())
        cells = []
        for arm in ("pilot", "comparison"):
            values = [v for v in (_number(r.get(key)) for r in rates.get("by_arm") or ()
                                  if r.get("arm") == arm) if v is not None]
            cells.append(f"{100 * sum(values) / len(values):.1f}%" if values else "–")
        rows.append((f"{label}, per {period}", *cells))
        tips.append(f"{label}: {definition}")
    return rows, tips
