"""The staff-retention part of the brief: headline sentences, an arm-level table, a chart.

Input is the ``retention`` dictionary of results.json (issue 4's JSON keys: ``km``,
``logrank``, ``cox``, ``rmst``, ...).  Only arm-level figures are shown.  Counts of staff go
through disclosure control (``disclosure``); percentages on fewer than ``min_base`` staff are
suppressed; model estimates (hazard ratio, RMST difference) are not disclosive and are shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pilot_eval.brief.disclosure import SUPPRESSED, count_cell, percent_cell, protect_table
from pilot_eval.brief.options import DisclosureThresholds
from pilot_eval.brief.tables import DataTable
from pilot_eval.brief.wording import level_words, lower_first, number_in_words

RETENTION_AT = "12"
TABLE_TIMES = (0.0, 3.0, 6.0, 12.0, 18.0, 24.0, 36.0, 48.0, 60.0)


@dataclass(frozen=True)
class RetentionSpec:
    """What ``pilot_eval.charts.retention_figure`` needs (hashable, for the chart cache)."""

    curves: tuple[tuple[str, tuple[tuple[float, float | None], ...]], ...]
    arms: tuple[tuple[str, str], ...]
    time_unit: str = "months"
    kind: str = "retention"


@dataclass(frozen=True)
class RetentionHeadline:
    """Retention sentences for page 1 and the disclosure-controlled arm table."""

    sentences: tuple[str, ...]
    table: DataTable
    time_unit: str


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


PILOT_CODES = ("1", "1.0", "true", "yes", "treated", "pilot")
COMPARISON_CODES = ("0", "0.0", "false", "no", "control", "untreated", "comparison")


def arm_of(group: str) -> str:
    """``"pilot"`` for a group named or coded like the pilot arm, else ``"comparison"``."""
    name = str(group).strip().lower()
    if name in PILOT_CODES:
        return "pilot"
    return "pilot" if "pilot" in name and "non" not in name and "comparison" not in name \
        else "comparison"


def group_name(group: str) -> str:
    """What the reader sees: coded groups (``1``/``0``, ``treated``) get plain names."""
    name = str(group).strip().lower()
    if name in PILOT_CODES:
        return "Pilot teams"
    if name in COMPARISON_CODES:
        return "Comparison teams"
    return str(group)


def ordered_groups(km: Mapping[str, Any]) -> list[str]:
    """Pilot group(s) first, then the others, each in the order given."""
    groups = list(km)
    return [g for g in groups if arm_of(g) == "pilot"] + [g for g in groups
                                                           if arm_of(g) != "pilot"]


def retention_sentence(km: Mapping[str, Any], rule: DisclosureThresholds, at: str = RETENTION_AT,
                       time_unit: str = "months") -> str | None:
    parts = []
    for group in ordered_groups(km):
        info = km[group] or {}
        point = (info.get("retention_at") or {}).get(at) or {}
        share = _number(point.get("survival"))
        if share is None:
            continue
        shown = percent_cell(share, int(info.get("n") or 0), rule)
        name = lower_first(group_name(group))
        parts.append(f"{shown} in {name}" if shown != SUPPRESSED
                     else f"not shown in {name} (fewer than {rule.min_base} staff)")
    if not parts:
        return None
    return (f"Staff still in post {at} {time_unit} after starting: " + ", against ".join(parts)
            + ".")


def ratio_text(value: float) -> str:
    """A hazard or rate ratio with two decimals, as they are usually reported (``1.01``: a
    range ending just above 1 must not read as ending at 1)."""
    return f"{value:.2f}"


def treatment_coefficient(cox: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The pilot coefficient of the Cox model (pilot x post, or the only pilot term)."""
    rows = [r for r in cox.get("coefficients") or () if isinstance(r, Mapping)]
    for test in (lambda n: "pilot" in n and ("post" in n or ":" in n),
                 lambda n: n in ("treatment", "pilot_post", "did"), lambda n: "pilot" in n):
        for row in rows:
            if test(str(row.get("name", "")).lower()):
                return row
    return rows[0] if rows else None


def hazard_sentence(cox: Mapping[str, Any], level: float = 0.95) -> str | None:
    row = treatment_coefficient(cox)
    if row is None:
        return None
    ratio, low, high = (_number(row.get(k)) for k in ("hazard_ratio", "ci_low", "ci_high"))
    if ratio is None:
        return None
    numbers = f"hazard ratio {ratio_text(ratio)}"
    if low is not None and high is not None:
        numbers += f"; {level_words(level)} range {ratio_text(low)} to {ratio_text(high)}"
    if low is not None and high is not None and low <= 1 <= high:
        return f"No clear difference in how likely staff were to leave ({numbers})."
    change = abs(1 - ratio) * 100
    way = "less" if ratio < 1 else "more"
    name = str(row.get("name", "")).lower()
    if "post" in name or ":" in name:  # pilot x post: a difference-in-differences on hazards
        return (f"After the pilot started, staff in pilot teams were about "
                f"{number_in_words(change)}% {way} likely to leave at any given time than the "
                f"change in comparison teams suggests ({numbers}).")
    return (f"Staff in pilot teams were about {number_in_words(change)}% {way} likely to leave "
            f"at any given time ({numbers}).")


def rmst_sentence(rmst: Mapping[str, Any], time_unit: str = "months") -> str | None:
    diff = rmst.get("difference")
    tau = _number(rmst.get("tau"))
    if not isinstance(diff, Mapping) or tau is None:
        return None
    estimate, low, high = (_number(diff.get(k)) for k in ("estimate", "ci_low", "ci_high"))
    if estimate is None:
        return None
    flip = arm_of(str(diff.get("group", ""))) != "pilot" and arm_of(
        str(diff.get("reference", ""))) == "pilot"
    if flip:
        estimate, low, high = -estimate, (None if high is None else -high), (
            None if low is None else -low)
    longer = "longer" if estimate > 0 else "shorter"
    window = f"{tau:,.0f}" if tau >= 10 else f"{tau:g}"
    text = (f"Over the first {window} {time_unit}, staff in pilot teams stayed on average about "
            f"{number_in_words(estimate)} {time_unit} {longer}")
    if low is None or high is None:
        return text + "."
    if low <= 0 <= high:
        return (text + f", but the 95% range runs from {number_in_words(low)} {time_unit} "
                f"{'shorter' if low < 0 else 'longer'} to {number_in_words(high)} {time_unit} "
                f"{'longer' if high > 0 else 'shorter'}, so there is no clear difference.")
    return text + (f" (95% range {number_in_words(low)} to {number_in_words(high)} "
                   f"{time_unit} {longer}).")


def leaving_sentence(leaving: Mapping[str, Any], level: float = 0.95) -> str | None:
    """The DiD on leaving (Poisson rate ratio, ``estimators/did/leaving.py``) in words."""
    ratio = _number(leaving.get("rate_ratio"))
    if ratio is None:
        return None
    low, high = _number(leaving.get("ci_low")), _number(leaving.get("ci_high"))  # ratio scale
    numbers = f"rate ratio {ratio_text(ratio)}"
    if low is not None and high is not None:
        numbers += f"; {level_words(level)} range {ratio_text(low)} to {ratio_text(high)}"
        if low <= 1 <= high:
            return f"No clear change in the rate at which staff left pilot teams ({numbers})."
    way = "lower" if ratio < 1 else "higher"
    return (f"After the pilot started, the leaving rate in pilot teams was about "
            f"{number_in_words(abs(1 - ratio) * 100)}% {way} than the comparison teams' trend "
            f"suggests ({numbers}).")


def arm_table(km: Mapping[str, Any], rule: DisclosureThresholds, at: str = RETENTION_AT,
              time_unit: str = "months") -> DataTable:
    """Staff, leavers and retention by arm, with totals; disclosure control applied."""
    groups = ordered_groups(km)
    counts = []
    for group in groups:
        info = km[group] or {}
        n, left = int(info.get("n") or 0), int(info.get("events") or 0)
        counts.append([n - left, left])
    published = protect_table(counts, rule) if counts else []
    rows = []
    for group, cells in zip(groups, published, strict=False):
        info = km[group] or {}
        share = _number(((info.get("retention_at") or {}).get(at) or {}).get("survival"))
        median = _number(info.get("median"))
        rows.append((group_name(group), cells[2], cells[1], cells[0],
                     percent_cell(share, int(info.get("n") or 0), rule),
                     "not reached" if median is None else f"{median:.1f} {time_unit}"))
    if published:
        total = published[-1]
        rows.append(("All staff", total[2], total[1], total[0], "", ""))
    return DataTable(
        caption=("Staff by arm: counts rounded to the nearest "
                 f"{rule.rounding}, [c] = hidden to protect individuals"),
        columns=("Arm", "Staff", "Left", "Still in post", f"Retention at {at} {time_unit}",
                 "Median time in post"),
        rows=tuple(rows))


def curve_table(km: Mapping[str, Any], rule: DisclosureThresholds,
                time_unit: str = "months") -> DataTable:
    """Retention at fixed times by arm, with staff at risk (rounded; [c] on small bases)."""
    groups = ordered_groups(km)
    rows = []
    for time in TABLE_TIMES:
        cells = [f"{time:g}"]
        for group in groups:
            survival, at_risk = value_at((km[group] or {}).get("curve") or (), time)
            cells.append(percent_cell(survival, at_risk, rule, decimals=1)
                         if at_risk is not None else "no data")
            cells.append(count_cell(at_risk, rule) if at_risk is not None else "no data")
        rows.append(tuple(cells))
    columns = [f"Time ({time_unit})"]
    for group in groups:
        columns += [f"{group_name(group)}: still in post", f"{group_name(group)}: staff at risk"]
    return DataTable(caption="Retention curves: share of staff still in post over time",
                     columns=tuple(columns), rows=tuple(rows))


def value_at(curve, time: float) -> tuple[float | None, int | None]:
    """Kaplan-Meier retention at ``time`` and the staff at risk just after it.

    Survival is the last step at or before ``time`` (1 before the first exit); staff at risk
    is read at the first exit time at or after ``time``.  ``(None, None)`` beyond the curve.
    """
    points = sorted(curve, key=lambda p: float(p["time"]))
    if not points or time > float(points[-1]["time"]):
        return None, None
    survival: float | None = 1.0
    for point in points:
        if float(point["time"]) <= time:
            survival = _number(point.get("survival"))
    later = next(p for p in points if float(p["time"]) >= time)
    at_risk = later.get("at_risk")
    return survival, None if at_risk is None else int(at_risk)


def disclosable_curve(curve, min_base: int) -> tuple[tuple[float, float | None], ...]:
    """``(time, survival)`` up to the first exit with fewer than ``min_base`` staff at risk.

    Steps in the tail of a curve, where few staff remain, could reveal when one person left;
    as percentages on small bases are suppressed, so is the curve there.
    """
    points = []
    for point in sorted(curve, key=lambda p: float(p["time"])):
        at_risk = point.get("at_risk")
        if at_risk is not None and int(at_risk) < min_base:
            break
        points.append((float(point["time"]), _number(point.get("survival"))))
    return tuple(points)


def retention_spec(km: Mapping[str, Any], time_unit: str = "months",
                   min_base: int = 25) -> RetentionSpec:
    """The chart's data: each arm's curve, cut where fewer than ``min_base`` are at risk."""
    groups = ordered_groups(km)
    curves = tuple((group_name(g), disclosable_curve((km[g] or {}).get("curve") or (), min_base))
                   for g in groups)
    return RetentionSpec(curves=curves, arms=tuple((group_name(g), arm_of(g)) for g in groups),
                         time_unit=time_unit)


def retention_headline(retention: Mapping[str, Any], rule: DisclosureThresholds
                       ) -> RetentionHeadline | None:
    """Page-1 sentences and the arm table, or ``None`` when there is nothing to say."""
    km = retention.get("km") or {}
    if not isinstance(km, Mapping) or not km:
        return None
    unit = str(retention.get("time_unit") or "months")
    sentences = [s for s in (
        retention_sentence(km, rule, time_unit=unit),
        hazard_sentence(retention.get("cox") or {}),
        rmst_sentence(retention.get("rmst") or {}, unit),
        leaving_sentence(retention.get("did_leaving") or {})) if s]
    return RetentionHeadline(sentences=tuple(sentences), table=arm_table(km, rule, time_unit=unit),
                             time_unit=unit)
