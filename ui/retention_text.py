"""The Retention step's words and figures, formatted from a ``RetentionReport`` (never computed):
the brief's own sentences, a tidy table of key figures, and the workforce rates with their
definitions (shown as tooltips, not in the cells)."""

from __future__ import annotations

from typing import Any

from pilot_eval.estimators import Unavailable

from pilot_eval.report import words
from pilot_eval.report.values import number

from .impact_text import Row, capital

RATE_LABELS = {"nhs_leaver_rate": "Leaver rate (NHS)", "stability_index": "Stability index",
               "dfe_turnover_rate": "Turnover rate (DfE)", "vacancy_rate": "Vacancy rate",
               "agency_rate": "Agency rate"}
RETENTION_AT = 12.0


def ready(part: Any) -> bool:
    return part is not None and not isinstance(part, Unavailable)


def sentences(report: Any, options: Any = None) -> list[str]:
    """The brief's sentences about staff retention (the same functions write the brief)."""
    from pilot_eval.brief.retention import (
        hazard_sentence,
        leaving_sentence,
        retention_sentence,
        rmst_sentence,
    )
    from pilot_eval.report.options import BriefOptions

    rule = (options or BriefOptions()).disclosure
    unit = report.time_unit
    found = (retention_sentence(report.groups, rule, time_unit=unit, rmst=report.rmst),
             hazard_sentence(report.pilot_effect, report.level),
             rmst_sentence(report.rmst, unit), leaving_sentence(report.leaving))
    return [s for s in found if s]


def _ratio(value: Any, low: Any, high: Any, p_value: Any, level: float) -> str:
    ratio = number(value)
    if ratio is None:
        return f"not estimated ({value.reason})" if isinstance(value, Unavailable) \
            else "not estimated"
    text = words.ratio_text(ratio)
    if number(low) is not None and number(high) is not None:
        text += (f" ({words.level_words(level)} range {words.ratio_text(number(low))} to "
                 f"{words.ratio_text(number(high))}")
        p = words.p_value_text(number(p_value))
        text += f"; {p})" if p else ")"
    return text


def figure_rows(report: Any) -> list[Row]:
    """Key figures in reading order: staff, medians, retention at 12 months, the log-rank
    test, the pilot's hazard ratio, the extra time in post (RMST), the DiD on leaving."""
    unit, rows = report.time_unit, []
    for group in report.groups:
        rows.append(Row(f"Staff, {words.lower_first(group.display)}",
                        f"{words.thousands(group.n)} ({words.thousands(group.events)} left)"))
    for group in report.groups:
        median = ("not reached (more than half still in post)" if group.median is None
                  else f"{group.median:.1f} {unit}")
        rows.append(Row(f"Median time in post, {words.lower_first(group.display)}", median))
    for group in report.groups:
        point = group.at(RETENTION_AT)
        if point is not None and point.survival is not None:
            rows.append(Row(f"Still in post after {RETENTION_AT:g} {unit}, "
                            f"{words.lower_first(group.display)}", f"{100 * point.survival:.0f}%"))
    if ready(report.logrank):
        rows.append(Row("Do the curves differ? (log-rank test)",
                        words.p_value_text(number(report.logrank.p_value)) or "not available",
                        "A small p-value: the two retention curves differ by more than chance."))
    effect = report.pilot_effect
    if ready(effect):
        term = effect.term
        rows.append(Row("Hazard ratio of leaving, pilot after its start",
                        _ratio(term.hazard_ratio, term.ci_low, term.ci_high, term.p_value,
                               report.level),
                        capital(effect.why) + ". Below 1: pilot staff were less likely to "
                        "leave."))
    rmst = report.rmst
    if ready(rmst) and ready(rmst.difference):
        diff = rmst.difference
        tau = f"{rmst.tau:,.0f}" if rmst.tau >= 10 else f"{rmst.tau:g}"
        low, high = number(diff.ci_low), number(diff.ci_high)
        value = (words.effect_cell(number(diff.estimate), "").replace("not available",
                                                                      "not estimated")
                 + f" {unit}")
        if low is not None and high is not None:
            value += f" ({words.range_cell(low, high, '')} {unit})"
        rows.append(Row(f"Extra time in post, first {tau} {unit} (pilot minus comparison)",
                        value, f"Restricted mean time in post up to {tau} {unit} "
                        f"({rmst.tau_source}); variance: {rmst.variance}."))
    leaving = report.leaving
    if ready(leaving):
        rows.append(Row("Leaving rate ratio after the pilot started (DiD)",
                        _ratio(leaving.rate_ratio, leaving.ci_low, leaving.ci_high,
                               leaving.p_value, leaving.level), capital(leaving.model)))
    causes = sorted({c.cause for c in report.incidence})
    if causes:
        rows.append(Row("Leaving reasons", ", ".join(causes)))
    return rows


def rate_rows(report: Any) -> tuple[list[tuple[str, str, str]], list[str]]:
    """One row per workforce rate (its mean over the periods, per arm, as the report holds
    it) and, per row, its definition (the tooltip)."""
    rates = report.rates
    if rates is None:
        return [], []
    rows, tips = [], []
    for mean in rates.means:
        label = RATE_LABELS.get(mean.rate, capital(mean.rate.replace("_", " ")))
        cells = tuple("–" if v is None else f"{100 * v:.1f}%" for v in (mean.pilot,
                                                                       mean.comparison))
        rows.append((f"{label}, per {rates.period}", *cells))
        tips.append(f"{label}: {mean.definition}")
    return rows, tips


def status_line(report: Any) -> str:
    data = report.data
    if data is None:
        return "Staff records analysed."
    spells = words.thousands(data.spells if data.spells is not None else data.rows_read)
    since = f", observed from {data.observed_from}" if data.observed_from else ""
    extract = f", extract of {data.extract_date}" if data.extract_date else ""
    return f"{data.file}: {spells} spells of staff in post{since}{extract}."
