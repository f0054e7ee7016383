"""The staff-retention part of the brief: headline sentences, an arm-level table, a chart.

Input is the report's ``RetentionReport`` (the pilot effect, the RMST difference oriented pilot
minus comparison, each group's arm: all decided when the report was built).  Only arm-level
figures are shown.  Counts of staff go through disclosure control; percentages on fewer than
``min_base`` staff are suppressed; model estimates (hazard ratio, RMST difference) are not
disclosive and are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pilot_eval.brief.disclosure import SUPPRESSED, count_cell, percent_cell, protect_table
from pilot_eval.brief.tables import DataTable
from pilot_eval.estimators import Unavailable
from pilot_eval.estimators.thresholds import HORIZON_MONTHS
from pilot_eval.report.options import DisclosureThresholds
from pilot_eval.report.retention_report import (
    Curve,
    KmGroup,
    LeavingDid,
    PilotEffect,
    RetentionReport,
    Rmst,
)
from pilot_eval.report.values import number
from pilot_eval.report.words import level_words, lower_first, number_in_words, ratio_text

RETENTION_AT = 12.0
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


def _at(group: KmGroup, at: float) -> float | None:
    point = group.at(at)
    return point.survival if point is not None else None


def horizon_times(groups: Sequence[KmGroup], rmst: Rmst | Unavailable | None = None
                  ) -> tuple[float, ...]:
    """The times retention is stated at: 12 and 24 months (``HORIZON_MONTHS``), capped at the
    RMST horizon when that is shorter (the longest time both arms reach with 25 staff still
    followed, or the analyst's own); only times every group's curve reaches."""
    tau = rmst.tau if rmst is not None and not isinstance(rmst, Unavailable) else None
    wanted = sorted({min(t, tau) for t in HORIZON_MONTHS} if tau is not None
                    else set(HORIZON_MONTHS))
    return tuple(t for t in wanted if groups and all(_at(g, t) is not None for g in groups))


def retention_sentence(groups: Sequence[KmGroup], rule: DisclosureThresholds,
                       at: float | Sequence[float] | None = None, time_unit: str = "months",
                       *, rmst: Rmst | Unavailable | None = None) -> str | None:
    """``Staff still in post 12 and 24 months after starting: 89% and 78% in pilot teams,
    against ...``: at ``at`` (default: ``horizon_times``), percentages on fewer than
    ``rule.min_base`` staff not shown."""
    times = (horizon_times(groups, rmst) if at is None
             else (at,) if isinstance(at, int | float) else tuple(at))
    times = tuple(t for t in times if any(_at(g, t) is not None for g in groups))
    if not times:
        return None
    parts = []
    for group in groups:
        shares = [_at(group, t) for t in times]
        if any(share is None for share in shares):
            continue
        shown = [percent_cell(share, group.n, rule) for share in shares]
        name = lower_first(group.display)
        parts.append(f"{' and '.join(shown)} in {name}" if SUPPRESSED not in shown
                     else f"not shown in {name} (fewer than {rule.min_base} staff)")
    if not parts:
        return None
    when = " and ".join(f"{t:g}" for t in times)
    return (f"Staff still in post {when} {time_unit} after starting: "
            + ", against ".join(parts) + ".")


def hazard_sentence(effect: PilotEffect | Unavailable | None, level: float = 0.95
                    ) -> str | None:
    """The pilot effect on leaving (the report's chosen Cox term) in words."""
    if effect is None or isinstance(effect, Unavailable):
        return None
    term = effect.term
    ratio, low, high = number(term.hazard_ratio), number(term.ci_low), number(term.ci_high)
    if ratio is None:
        return None
    figures = f"hazard ratio {ratio_text(ratio)}"
    if low is not None and high is not None:
        figures += f"; {level_words(level)} range {ratio_text(low)} to {ratio_text(high)}"
    if low is not None and high is not None and low <= 1 <= high:
        return f"No clear difference in how likely staff were to leave ({figures})."
    change = abs(1 - ratio) * 100
    way = "less" if ratio < 1 else "more"
    if effect.is_difference_in_differences:
        return (f"After the pilot started, staff in pilot teams were about "
                f"{number_in_words(change)}% {way} likely to leave at any given time than the "
                f"change in comparison teams suggests ({figures}).")
    return (f"Staff in pilot teams were about {number_in_words(change)}% {way} likely to leave "
            f"at any given time ({figures}).")


def rmst_sentence(rmst: Rmst | Unavailable | None, time_unit: str = "months") -> str | None:
    """Extra time in post over the project's horizon (pilot minus comparison)."""
    if rmst is None or isinstance(rmst, Unavailable):
        return None
    diff = rmst.difference
    if diff is None or isinstance(diff, Unavailable):
        return None
    estimate, low, high = number(diff.estimate), number(diff.ci_low), number(diff.ci_high)
    if estimate is None:
        return None
    tau = rmst.tau
    longer = "longer" if estimate > 0 else "shorter"
    window = f"{tau:,.0f}" if tau >= 10 else f"{tau:g}"
    text = (f"Over the first {window} {time_unit}, staff in pilot teams stayed on average about "
            f"{number_in_words(estimate)} {time_unit} {longer}")
    if low is None or high is None:
        return text + "."
    level = level_words(rmst.level)
    if low <= 0 <= high:
        return (text + f", but the {level} range runs from {number_in_words(low)} {time_unit} "
                f"{'shorter' if low < 0 else 'longer'} to {number_in_words(high)} {time_unit} "
                f"{'longer' if high > 0 else 'shorter'}, so there is no clear difference.")
    return text + (f" ({level} range {number_in_words(low)} to {number_in_words(high)} "
                   f"{time_unit} {longer}).")


def leaving_sentence(leaving: LeavingDid | Unavailable | None) -> str | None:
    """The DiD on leaving (Poisson rate ratio) in words."""
    if leaving is None or isinstance(leaving, Unavailable):
        return None
    ratio = number(leaving.rate_ratio)
    if ratio is None:
        return None
    low, high = number(leaving.ci_low), number(leaving.ci_high)
    figures = f"rate ratio {ratio_text(ratio)}"
    if low is not None and high is not None:
        figures += f"; {level_words(leaving.level)} range {ratio_text(low)} to {ratio_text(high)}"
        if low <= 1 <= high:
            return f"No clear change in the rate at which staff left pilot teams ({figures})."
    way = "lower" if ratio < 1 else "higher"
    return (f"After the pilot started, the leaving rate in pilot teams was about "
            f"{number_in_words(abs(1 - ratio) * 100)}% {way} than the comparison teams' trend "
            f"suggests ({figures}).")


def arm_table(groups: Sequence[KmGroup], rule: DisclosureThresholds, at: float = RETENTION_AT,
              time_unit: str = "months") -> DataTable:
    """Staff, leavers and retention by arm, with totals; disclosure control applied."""
    counts = [[g.still_in_post, g.events] for g in groups]
    published = protect_table(counts, rule) if counts else []
    rows = []
    for group, cells in zip(groups, published, strict=False):
        rows.append((group.display, cells[2], cells[1], cells[0],
                     percent_cell(_at(group, at), group.n, rule),
                     "not reached" if group.median is None
                     else f"{group.median:.1f} {time_unit}"))
    if published:
        total = published[-1]
        rows.append(("All staff", total[2], total[1], total[0], "", ""))
    return DataTable(
        caption=("Staff by arm: counts rounded to the nearest "
                 f"{rule.rounding}, [c] = hidden to protect individuals"),
        columns=("Arm", "Staff", "Left", "Still in post", f"Retention at {at:g} {time_unit}",
                 "Median time in post"),
        rows=tuple(rows))


def value_at(curve: Curve, time: float) -> tuple[float | None, int | None]:
    """Kaplan-Meier retention at ``time`` and the staff at risk just after it.

    Survival is the last step at or before ``time`` (1 before the first exit); staff at risk
    is read at the first exit time at or after ``time``.  ``(None, None)`` beyond the curve.
    """
    if not curve.time or time > curve.time[-1]:
        return None, None
    survival: float | None = 1.0
    for moment, value in zip(curve.time, curve.survival, strict=True):
        if moment <= time:
            survival = value
    later = next(i for i, moment in enumerate(curve.time) if moment >= time)
    return survival, curve.at_risk[later]


def curve_table(groups: Sequence[KmGroup], rule: DisclosureThresholds,
                time_unit: str = "months") -> DataTable:
    """Retention at fixed times by arm, with staff at risk (rounded; [c] on small bases)."""
    rows = []
    for time in TABLE_TIMES:
        cells = [f"{time:g}"]
        for group in groups:
            survival, at_risk = value_at(group.curve, time)
            cells.append(percent_cell(survival, at_risk, rule, decimals=1)
                         if at_risk is not None else "no data")
            cells.append(count_cell(at_risk, rule) if at_risk is not None else "no data")
        rows.append(tuple(cells))
    columns = [f"Time ({time_unit})"]
    for group in groups:
        columns += [f"{group.display}: still in post", f"{group.display}: staff at risk"]
    return DataTable(caption="Retention curves: share of staff still in post over time",
                     columns=tuple(columns), rows=tuple(rows))


def disclosable_curve(curve: Curve, min_base: int) -> tuple[tuple[float, float | None], ...]:
    """``(time, survival)`` up to the first exit with fewer than ``min_base`` staff at risk.

    Steps in the tail of a curve, where few staff remain, could reveal when one person left;
    as percentages on small bases are suppressed, so is the curve there.
    """
    points = []
    for moment, survival, at_risk in zip(curve.time, curve.survival, curve.at_risk,
                                         strict=True):
        if at_risk < min_base:
            break
        points.append((moment, survival))
    return tuple(points)


def retention_spec(groups: Sequence[KmGroup], time_unit: str = "months",
                   min_base: int = 25) -> RetentionSpec:
    """The chart's data: each arm's curve, cut where fewer than ``min_base`` are at risk."""
    return RetentionSpec(
        curves=tuple((g.display, disclosable_curve(g.curve, min_base)) for g in groups),
        arms=tuple((g.display, g.arm) for g in groups), time_unit=time_unit)


def retention_headline(retention: RetentionReport, rule: DisclosureThresholds
                       ) -> RetentionHeadline | None:
    """Page-1 sentences and the arm table, or ``None`` when there is nothing to say."""
    if not retention.groups:
        return None
    unit = retention.time_unit
    sentences = [s for s in (
        retention_sentence(retention.groups, rule, time_unit=unit, rmst=retention.rmst),
        hazard_sentence(retention.pilot_effect, retention.level),
        rmst_sentence(retention.rmst, unit),
        leaving_sentence(retention.leaving)) if s]
    return RetentionHeadline(sentences=tuple(sentences),
                             table=arm_table(retention.groups, rule, time_unit=unit),
                             time_unit=unit)
