"""The technical annex (page 3 on): design, data, conventions, full tables and diagnostics.

Everything an analyst elsewhere needs to reproduce the figures: exact values (6 significant
figures), the data files' row counts and SHA-256, the estimators' conventions, and every table
the estimators wrote, all read from the report.  The disclosure rule, glossary and QA log are in
``annex_qa``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeVar

from pilot_eval.brief.annex_compact import (
    FULL_PRECISION_NOTE,
    att_gt_wide,
    calendar_wide,
    event_time_wide,
    leave_one_out_wide,
    overall_aggregations,
)
from pilot_eval.brief.disclosure import count_cell
from pilot_eval.brief.tables import AnnexSection, DataTable
from pilot_eval.estimators import Unavailable
from pilot_eval.estimators.disclosure import DisclosureRule
from pilot_eval.report.evidence import power_text
from pilot_eval.report.outcome import OutcomeReport, PreTrendTest
from pilot_eval.report.project_report import ProjectReport
from pilot_eval.report.retention_report import RetentionReport
from pilot_eval.report.values import number
from pilot_eval.report.words import estimator_title, p_cell, p_value_text, significant

DESIGN_PLAIN = (
    "Each effect is a difference-in-differences: the change in the outcome in pilot {units} "
    "after the pilot started, minus the change in comparison {units} over the same time. It "
    "rests on one assumption that cannot be proved: without the pilot, pilot and comparison "
    "{units} would have moved in parallel (parallel trends). Pilot {units} were not chosen at "
    "random, so differences in who joined the pilot are a risk.")
DESIGN_FORMAL = (
    "Formally, with unit effects a_i and period effects b_t, Y_it = a_i + b_t + tau D_it + e_it, "
    "where D_it = 1 for a pilot unit from its start period on; tau is the average effect on "
    "pilot units if E[Y_it(0) - Y_is(0) | pilot] = E[Y_it(0) - Y_is(0) | comparison] for all "
    "periods s, t (parallel trends in the untreated outcome). With staggered starts the "
    "Callaway & Sant'Anna estimator compares each start cohort only with not-yet or never "
    "treated units, avoiding the bias of two-way fixed effects when effects change over time.")
COX_TERMS = {
    "pilot": "Pilot team (difference before its start)",
    "post": "After the start (all teams)",
    "pilot_post": "Pilot team after its start: the pilot's effect",
}
FINE_GRAY_TERMS = {
    "pilot": "Pilot team (joined before its start)",
    "joined_after_start": "Joined after the pilot started (all teams)",
    "pilot_joined_after_start": "Pilot team, joined after its start: the pilot's term",
}
PRETEST_NAMES = {"event study": "pre-trend test from a two-way event study with binned leads",
                 "estimator": "pre-trend test of all pre-pilot ATT(g,t) together"}


def exact(value: Any) -> str:
    """A figure for the technical report's tables (``words.PRECISION_RULE``): three
    significant figures with thousands separators, counts in full, ``n/a`` when missing."""
    if value is None or isinstance(value, Unavailable):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return significant(value) if math.isfinite(value) else "n/a"
    return str(value)


def design_section(outcomes: Sequence[OutcomeReport], unit_noun: str) -> AnnexSection:
    """The design in words and formally; each outcome's estimator choice and pilot starts,
    one bullet per distinct statement with the outcomes it applies to."""
    said: dict[str, list[str]] = {}
    for report in outcomes:
        h = report.headline
        if h.estimator_reason:
            said.setdefault(f"{estimator_title(h.estimator)} chosen because "
                            f"{h.estimator_reason.rstrip('.')}.", []).append(report.label)
        if report.pilot_starts:
            when = ", ".join(f"{s.label} ({exact(s.n_units) if s.n_units is not None else '?'} "
                             f"{unit_noun})" for s in report.pilot_starts)
            said.setdefault(f"pilot starts {when}.", []).append(report.label)
    everyone = len(outcomes) > 1
    bullets = tuple(
        f"{'All outcomes' if everyone and len(labels) == len(outcomes) else '; '.join(labels)}"
        f": {text}" for text, labels in said.items())
    return AnnexSection(
        heading="Design and assumptions",
        paragraphs=(DESIGN_PLAIN.format(units=unit_noun), DESIGN_FORMAL),
        bullets=bullets)


def data_section(report: ProjectReport) -> AnnexSection:
    """Each data file: name (relative to the project file), rows read, rows used per outcome,
    SHA-256; then the span of periods analysed."""
    rows = []
    for source in report.provenance.sources:
        used = "; ".join(f"{exact(o.data.rows_used)} ({o.label})" for o in report.outcomes
                         if o.data.sha256 == source.sha256) \
            if source.role == "outcome panel" else source.role
        rows.append((source.file, exact(source.rows_read), used, source.sha256 or "n/a"))
    paragraphs = ["The SHA-256 fingerprint identifies the exact file analysed: any change to "
                  "the file changes it."]
    span = report.provenance
    if span.first_period and span.last_period:
        extract = (f"; staff records extracted on {span.extract_date}" if span.extract_date
                   else "")
        paragraphs.append(f"Periods analysed: {span.first_period} to {span.last_period}"
                          f"{extract}.")
    table = DataTable(caption="Data files: rows read, rows used per outcome and SHA-256",
                      columns=("File", "Rows", "Rows used", "SHA-256"), rows=tuple(rows))
    return AnnexSection(heading="Data sources", paragraphs=tuple(paragraphs),
                        tables=(table,) if rows else ())


def conventions_table(outcomes: Sequence[OutcomeReport]) -> DataTable:
    rows = []
    for o in outcomes:
        h = o.headline
        rows.append((o.label, estimator_title(h.estimator) or "n/a",
                     h.se_description or h.se_type or "n/a",
                     exact(h.clusters.n), exact(h.small_sample_factor),
                     exact(int(h.df) if h.df is not None and h.df.is_integer() else h.df),
                     f"{h.level:.0%}"))
    return DataTable(caption="Estimators and conventions per outcome",
                     columns=("Outcome", "Estimator", "Standard errors", "Clusters",
                              "Small sample factor", "df", "Range level"),
                     rows=tuple(rows))


T = TypeVar("T")


def _available(value: T | Unavailable | None) -> T | None:
    """The value, or None when it is missing or Unavailable."""
    return None if value is None or isinstance(value, Unavailable) else value


def conventions_section(outcomes: Sequence[OutcomeReport],
                        retention: RetentionReport | None) -> AnnexSection:
    bullets = [
        "Cluster-robust standard errors are CR1 with the fixest / Stata small-sample factor "
        "G/(G-1) x (N-1)/(N-K), fixed effects nested in the clusters not counted in K; "
        "t-based ranges with G-1 degrees of freedom.",
        "Ranges are 95% confidence intervals unless stated otherwise.",
    ]
    if retention is not None:
        if (cox := _available(retention.cox)) is not None:
            bullets.append(f"Cox model ties: {cox.ties or 'not stated'} method; "
                           f"standard errors {cox.se_type or 'as reported'}.")
        if retention.groups:
            bullets.append(f"Kaplan-Meier pointwise ranges use the {retention.ci_transform} "
                           "transform.")
        if (fine_gray := _available(retention.fine_gray)) is not None:
            bullets.append(f"Fine-Gray model of leaving ({fine_gray.cause}): "
                           f"{fine_gray.population}; standard errors {fine_gray.se_type}"
                           + (f". {fine_gray.note}" if fine_gray.note else "") + ".")
        if (rmst := _available(retention.rmst)) is not None:
            bullets.append(f"Restricted mean survival time up to tau = "
                           f"{rmst.tau:g} {retention.time_unit} with "
                           f"{rmst.variance or 'the survRM2 Greenwood-type'} variance.")
    return AnnexSection(heading="Estimators and conventions", bullets=tuple(bullets),
                        tables=(conventions_table(outcomes),))


def estimates_table(outcomes: Sequence[OutcomeReport]) -> DataTable:
    return DataTable(
        caption="Headline estimate of every outcome",
        columns=("Outcome", "Estimator", "Estimate", "SE", "95% range", "p-value",
                 "Observations", "Units", "Evidence"),
        rows=tuple((o.label, estimator_title(o.headline.estimator),
                    *(exact(v) for v in (o.headline.estimate, o.headline.se)),
                    f"{exact(o.headline.ci_low)} to {exact(o.headline.ci_high)}",
                    p_cell(number(o.headline.p_value)),
                    *(exact(v) for v in (o.headline.n_obs, o.headline.n_units)),
                    o.evidence.label) for o in outcomes))


def retention_tables(retention: RetentionReport | None) -> list[DataTable]:
    tables: list[DataTable] = []
    if retention is None:
        return tables
    cox = _available(retention.cox)
    if cox is not None and cox.terms:
        tables.append(DataTable(
            caption=f"Cox model (ties: {cox.ties or 'not stated'})",
            columns=("Term", "Coefficient", "SE", "Hazard ratio", "Range low", "Range high",
                     "p-value"),
            rows=tuple((COX_TERMS.get(t.name, t.name), *(exact(v) for v in (
                t.coef, t.se, t.hazard_ratio, t.ci_low,
                                                     t.ci_high, t.p_value)))
                       for t in cox.terms)))
    rmst = _available(retention.rmst)
    if rmst is not None and rmst.by_group:
        rows = [(f"{g.name.capitalize()} teams (first {rmst.tau:g} months)",
                 exact(g.estimate), exact(g.se),
                 "", "", "") for g in rmst.by_group]
        diff = _available(rmst.difference)
        if diff is not None:
            rows.append(("Difference, pilot minus comparison", exact(diff.estimate),
                         exact(diff.se), exact(diff.ci_low), exact(diff.ci_high),
                         exact(diff.p_value)))
        tables.append(DataTable(caption="Average time in post over a fixed window (restricted "
                                        "mean survival time, months)",
                                columns=("Group", "RMST", "SE", "Range low", "Range high",
                                         "p-value"), rows=tuple(rows)))
    return tables


def fine_gray_table(retention: RetentionReport | None, rule: DisclosureRule) -> DataTable | None:
    """The Fine-Gray model of the share who end up leaving for one reason (others competing):
    who it covers (staff counts disclosure-controlled), then each term's subdistribution
    hazard ratio."""
    model = None if retention is None else retention.fine_gray
    if model is None:
        return None
    if isinstance(model, Unavailable):
        return DataTable(caption="Fine-Gray model of leaving for one reason: not estimated",
                         columns=("Why",), rows=((model.reason,),))
    cover = (f"{count_cell(model.n_used, rule)} of {count_cell(model.n_spells, rule)} spells"
             if model.n_used is not None and model.n_spells is not None else "spells")
    return DataTable(
        caption=(f"Fine-Gray model of leaving ({model.cause}), other reasons competing: "
                 f"{cover}, {count_cell(model.n_events, rule)} {model.cause}, "
                 f"{count_cell(model.n_competing, rule)} for other reasons"),
        columns=("Term", "Coefficient", "SE", "Subdistribution hazard ratio", "Range low",
                 "Range high", "p-value"),
        rows=tuple((FINE_GRAY_TERMS.get(t.name, t.name), *(exact(v) for v in (
            t.coef, t.se, t.shr, t.ci_low, t.ci_high, t.p_value))) for t in model.terms))


def results_section(outcomes: Sequence[OutcomeReport], retention: RetentionReport | None,
                    extra: Sequence[DataTable] = (), definitions: Sequence[str] = (),
                    headline: Sequence[str] | None = None) -> AnnexSection:
    """Exact estimates, compact tables across outcomes, ATT(g,t) for the ``headline``
    outcomes (names; ``None``: all), then retention and ``extra`` tables."""
    tables: list[DataTable] = [estimates_table(outcomes)]
    tables += [t for t in (overall_aggregations(outcomes),) if t is not None]
    tables += [*event_time_wide(outcomes), *calendar_wide(outcomes)]
    tables += [t for t in (att_gt_wide(o) for o in outcomes
                           if headline is None or o.outcome in headline) if t is not None]
    tables += retention_tables(retention)
    tables += list(extra)
    return AnnexSection(heading="Full results", paragraphs=(FULL_PRECISION_NOTE,),
                        bullets=tuple(definitions), tables=tuple(tables))


def diagnostics_section(outcomes: Sequence[OutcomeReport]) -> AnnexSection:
    bullets = [outcomes[0].evidence.design + " Each reason listed lowers it by one level."] \
        if outcomes else []
    for o in outcomes:
        rating = o.evidence
        why = " ".join(rating.reasons) or "No reason to lower it was found."
        bullets.append(f"{o.label}: evidence strength {rating.label}. {why}")
        if rating.not_checked:
            bullets.append(f"{o.label}: not checked: {'; '.join(rating.not_checked)}.")
        bullets += pretest_bullets(o)
        if (placebo := _available(o.placebo)) is not None:
            result = placebo.result
            bullets.append(f"{o.label}: in-time placebo (fake start before the pilot) estimate "
                           f"{exact(result.estimate)}, range {exact(result.ci_low)}"
                           f" to {exact(result.ci_high)}.")
        if (sens := _available(o.sensitivity)) is not None:
            bullets.append(f"{o.label}: sensitivity to parallel-trend violations (Rambachan & "
                           f"Roth): relative-magnitude breakdown value Mbar "
                           f"{exact(sens.breakdown_mbar)}; smoothness breakdown value M "
                           f"{exact(sens.breakdown_m)}.")
            trend = sens.trend
            if trend is not None and not isinstance(trend, Unavailable):
                verdict = {True: "holds", False: "does not hold", None: "not computed"}[
                    sens.robust]
                bullets.append(
                    f"{o.label}: the bound read for the rating is {sens.bound} "
                    f"({sens.bound_why}); allowing any straight-line pre-trend over "
                    f"event times {trend.window[0]} to {trend.window[1]}: estimate "
                    f"{exact(trend.estimate)}, range {exact(trend.low)} to {exact(trend.high)}; "
                    f"the conclusion {verdict}.")
        check = o.cross_check
        if check is not None:
            bullets.append(f"{o.label}: independent re-estimate with {check.reference}: "
                           f"largest absolute difference {exact(check.max_abs_difference)}"
                           + (f" (skipped: {check.skipped_reason})"
                              if check.skipped_reason else "") + ".")
    tables = [t for t in (leave_one_out_wide(outcomes),) if t is not None]
    tables += [t for t in (bacon_table(o) for o in outcomes) if t is not None]
    return AnnexSection(heading="Diagnostics and robustness", bullets=tuple(bullets),
                        tables=tuple(tables))


def _status(test: PreTrendTest, report: OutcomeReport) -> str:
    if report.pretest.used == test:
        return "read for the evidence rating"
    if not test.reliable:
        return "not read: " + test.note
    return "not read: the event-study test, with fewer restrictions, is preferred"


def pretest_bullets(report: OutcomeReport) -> list[str]:
    """Each pre-trend test with its figures, saying which one the rating read and why."""
    out = []
    for test in report.pretest.tests:
        df = f"{test.df:g}" if test.df is not None else "n/a"
        power = (f", power against a trend explaining the effect {power_text(test.power)}"
                 if test.power is not None else "")
        figures = (f"{report.label}: {PRETEST_NAMES.get(test.source, test.source)}: statistic "
                   f"{exact(test.statistic)}, df {df}, {p_value_text(number(test.p_value)) or 'p n/a'}"
                   f"{power}")
        out.append(f"{figures} ({_status(test, report)}).")
    return out


def bacon_table(report: OutcomeReport) -> DataTable | None:
    bacon = _available(report.bacon)
    if bacon is None or not bacon.comparisons:
        return None
    return DataTable(
        caption=f"{report.label}: Goodman-Bacon decomposition of the two-way estimate",
        columns=("Comparison", "Type", "Weight", "Estimate"),
        rows=tuple((f"Started {c.treated} vs {_cohort(c.comparison)}", c.type, exact(c.weight),
                    exact(c.estimate)) for c in bacon.comparisons))


def _cohort(label: str) -> str:
    return {"never": "never piloted"}.get(label, f"started {label}")
