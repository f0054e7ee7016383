"""The technical annex (page 3 on): design, data, conventions, full tables and diagnostics.

Everything an analyst elsewhere needs to reproduce the figures: exact values (6 significant
figures), the data files' row counts and SHA-256, the estimators' conventions, and every table
the estimators wrote.  The disclosure rule, glossary and QA log are in ``annex_qa``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from pilot_eval.brief.annex_compact import (
    FULL_PRECISION_NOTE,
    att_gt_wide,
    calendar_wide,
    event_time_wide,
    leave_one_out_wide,
    overall_aggregations,
)
from pilot_eval.brief.evidence import EvidenceRating, pretest_used, unreliable_note
from pilot_eval.brief.tables import AnnexSection, DataTable

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


def exact(value: Any) -> str:
    """An exact value for the annex: 6 significant figures, ``n/a`` when missing."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:.6g}" if math.isfinite(number) else "n/a"


def _label(analysis: Mapping[str, Any]) -> str:
    return str(analysis.get("outcome_label") or analysis.get("outcome") or "Outcome")


def design_section(analyses: Sequence[Mapping[str, Any]], unit_noun: str) -> AnnexSection:
    """The design in words and formally; each outcome's estimator choice and pilot starts,
    one bullet per distinct statement with the outcomes it applies to."""
    said: dict[str, list[str]] = {}
    for analysis in analyses:
        choice = analysis.get("choice") or {}
        if isinstance(choice, Mapping) and choice.get("reason"):
            reason = str(choice["reason"]).rstrip(".")
            said.setdefault(f"{choice.get('estimator', 'estimator')} chosen because {reason}.",
                            []).append(_label(analysis))
        starts = analysis.get("pilot_starts") or ()
        if starts:
            when = ", ".join(f"{s.get('label', s['period'])} ({s.get('n_units', '?')} "
                             f"{unit_noun})" for s in starts)
            said.setdefault(f"pilot starts {when}.", []).append(_label(analysis))
    everyone = len(analyses) > 1
    bullets = tuple(
        f"{'All outcomes' if everyone and len(labels) == len(analyses) else '; '.join(labels)}"
        f": {text}" for text, labels in said.items())
    return AnnexSection(
        heading="Design and assumptions",
        paragraphs=(DESIGN_PLAIN.format(units=unit_noun), DESIGN_FORMAL),
        bullets=bullets)


def data_section(results: Mapping[str, Any], analyses: Sequence[Mapping[str, Any]]
                 ) -> AnnexSection:
    rows: dict[tuple[str, str], tuple[str, ...]] = {}
    top = results.get("data") or {}
    sources = [top] if isinstance(top, Mapping) and top.get("file") else [
        v for v in top.values() if isinstance(v, Mapping)] if isinstance(top, Mapping) else []
    if isinstance(results.get("staff_data"), Mapping):
        sources.append(results["staff_data"])
    for source in sources:
        if source.get("file"):
            rows[(str(source["file"]), str(source.get("sha256")))] = (
                str(source["file"]), exact(source.get("n_rows")), "",
                str(source.get("sha256") or "n/a"))
    for analysis in analyses:
        data = analysis.get("data") or {}
        if isinstance(data, Mapping) and data.get("file"):
            key = (str(data["file"]), str(data.get("sha256")))
            used = f"{exact(data.get('n_rows_used'))} ({_label(analysis)})"
            old = rows.get(key)
            rows[key] = (str(data["file"]), exact(data.get("n_rows")),
                         (old[2] + "; " if old and old[2] else "") + used,
                         str(data.get("sha256") or "n/a"))
    retention = results.get("retention") or {}
    data = retention.get("data") if isinstance(retention, Mapping) else None
    if isinstance(data, Mapping) and data.get("file"):
        rows[(str(data["file"]), "staff")] = (str(data["file"]), exact(data.get("n_rows")),
                                             "staff records", str(data.get("sha256") or "n/a"))
    table = DataTable(caption="Data files: rows read, rows used per outcome and SHA-256",
                      columns=("File", "Rows", "Rows used", "SHA-256"),
                      rows=tuple(rows.values()))
    return AnnexSection(
        heading="Data sources",
        paragraphs=("The SHA-256 fingerprint identifies the exact file analysed: any change "
                    "to the file changes it.",),
        tables=(table,) if rows else ())


def conventions_table(analyses: Sequence[Mapping[str, Any]]) -> DataTable:
    rows = []
    for a in analyses:
        rows.append((_label(a), str(a.get("estimator", "n/a")),
                     str(a.get("se_description") or a.get("se_type") or "n/a"),
                     exact(a.get("n_clusters")), exact(a.get("small_sample_factor")),
                     exact(a.get("df")), f"{float(a.get('level') or 0.95):.0%}"))
    return DataTable(caption="Estimators and conventions per outcome",
                     columns=("Outcome", "Estimator", "Standard errors", "Clusters",
                              "Small sample factor", "df", "Range level"),
                     rows=tuple(rows))


def conventions_section(analyses: Sequence[Mapping[str, Any]],
                        retention: Mapping[str, Any]) -> AnnexSection:
    bullets = [
        "Cluster-robust standard errors are CR1 with the fixest / Stata small-sample factor "
        "G/(G-1) x (N-1)/(N-K), fixed effects nested in the clusters not counted in K; "
        "t-based ranges with G-1 degrees of freedom.",
        "Ranges are 95% confidence intervals unless stated otherwise.",
    ]
    cox = retention.get("cox") or {}
    if cox:
        bullets.append(f"Cox model ties: {cox.get('ties', 'not stated')} method; standard "
                       f"errors {cox.get('se_type', 'as reported')}.")
    km = retention.get("km") or {}
    transforms = sorted({str(v.get("ci_transform")) for v in km.values()
                         if isinstance(v, Mapping) and v.get("ci_transform")})
    if transforms:
        bullets.append(f"Kaplan-Meier pointwise ranges use the {', '.join(transforms)} "
                       "transform.")
    rmst = retention.get("rmst") or {}
    if rmst:
        bullets.append(f"Restricted mean survival time up to tau = {exact(rmst.get('tau'))} "
                       f"with {rmst.get('variance', 'the survRM2 Greenwood-type')} variance.")
    return AnnexSection(heading="Estimators and conventions", bullets=tuple(bullets),
                        tables=(conventions_table(analyses),))


def estimates_table(analyses: Sequence[Mapping[str, Any]]) -> DataTable:
    keys = ("estimate", "se", "ci_low", "ci_high", "p_value", "n_obs", "n_units")
    return DataTable(
        caption="All outcomes: exact estimates",
        columns=("Outcome", "Estimate", "SE", "Range low", "Range high", "p-value",
                 "Observations", "Units"),
        rows=tuple((_label(a), *(exact(a.get(k)) for k in keys)) for a in analyses))


def att_gt_table(analysis: Mapping[str, Any]) -> DataTable | None:
    rows = analysis.get("att_gt") or ()
    if not rows:
        return None
    return DataTable(
        caption=f"{_label(analysis)}: ATT(g,t) by start cohort g and period t",
        columns=("Cohort", "Period", "ATT", "SE", "Range low", "Range high"),
        rows=tuple((exact(r.get("group")), exact(r.get("time")), exact(r.get("estimate")),
                    exact(r.get("se")), exact(r.get("ci_low")), exact(r.get("ci_high")))
                   for r in rows))


def aggregations_table(analysis: Mapping[str, Any]) -> DataTable | None:
    aggregations = analysis.get("aggregations") or {}
    if not isinstance(aggregations, Mapping) or not aggregations:
        return None
    rows = []
    for kind, agg in aggregations.items():
        rows.append((f"{kind} (overall)", exact(agg.get("estimate")), exact(agg.get("se")),
                     exact(agg.get("ci_low")), exact(agg.get("ci_high"))))
        for row in agg.get("rows") or ():
            key = next((k for k in ("event_time", "group", "time", "value") if k in row), None)
            rows.append((f"{kind} {key} = {exact(row.get(key))}" if key else kind,
                         exact(row.get("estimate")), exact(row.get("se")),
                         exact(row.get("ci_low")), exact(row.get("ci_high"))))
    return DataTable(caption=f"{_label(analysis)}: aggregations of ATT(g,t)",
                     columns=("Aggregation", "Estimate", "SE", "Range low", "Range high"),
                     rows=tuple(rows))


def event_time_table(analysis: Mapping[str, Any]) -> DataTable | None:
    rows = analysis.get("event_time") or ()
    if not rows:
        return None
    return DataTable(
        caption=f"{_label(analysis)}: effect by periods since the pilot started",
        columns=("Periods since start", "Estimate", "SE", "Range low", "Range high"),
        rows=tuple((exact(r.get("e")), exact(r.get("estimate")), exact(r.get("se")),
                    exact(r.get("ci_low")), exact(r.get("ci_high"))) for r in rows))


def retention_tables(retention: Mapping[str, Any]) -> list[DataTable]:
    tables = []
    cox = retention.get("cox") or {}
    if cox.get("coefficients"):
        tables.append(DataTable(
            caption=f"Cox model (ties: {cox.get('ties', 'not stated')})",
            columns=("Term", "Coefficient", "SE", "Hazard ratio", "Range low", "Range high",
                     "p-value"),
            rows=tuple((str(c.get("name")), exact(c.get("coef")), exact(c.get("se")),
                        exact(c.get("hazard_ratio")), exact(c.get("ci_low")),
                        exact(c.get("ci_high")), exact(c.get("p_value")))
                       for c in cox["coefficients"])))
    rmst = retention.get("rmst") or {}
    if rmst.get("by_group"):
        rows = [(f"{g} (up to tau = {exact(rmst.get('tau'))})", exact(v.get("estimate")),
                 exact(v.get("se")), "", "", "") for g, v in rmst["by_group"].items()]
        diff = rmst.get("difference") or {}
        if diff:
            rows.append((f"Difference {diff.get('group', '')} - {diff.get('reference', '')}",
                         exact(diff.get("estimate")), exact(diff.get("se")),
                         exact(diff.get("ci_low")), exact(diff.get("ci_high")),
                         exact(diff.get("p_value"))))
        tables.append(DataTable(caption="Restricted mean survival time (RMST)",
                                columns=("Group", "RMST", "SE", "Range low", "Range high",
                                         "p-value"), rows=tuple(rows)))
    return tables


def results_section(analyses: Sequence[Mapping[str, Any]], retention: Mapping[str, Any],
                    extra: Sequence[DataTable] = (), definitions: Sequence[str] = (),
                    headline: Sequence[str] | None = None) -> AnnexSection:
    """Exact estimates, compact tables across outcomes, ATT(g,t) for the ``headline``
    outcomes (names; ``None``: all), then retention and ``extra`` tables."""
    tables: list[DataTable] = [estimates_table(analyses)]
    tables += [t for t in (overall_aggregations(analyses), event_time_wide(analyses),
                           calendar_wide(analyses)) if t is not None]
    tables += [t for t in (att_gt_wide(a) for a in analyses
                           if headline is None or a.get("outcome") in headline) if t is not None]
    tables += retention_tables(retention)
    tables += list(extra)
    return AnnexSection(heading="Full results", paragraphs=(FULL_PRECISION_NOTE,),
                        bullets=tuple(definitions), tables=tuple(tables))


def diagnostics_section(analyses: Sequence[Mapping[str, Any]],
                        ratings: Sequence[EvidenceRating]) -> AnnexSection:
    bullets = [ratings[0].design + " Each reason listed lowers it by one level."] if ratings \
        else []
    for analysis, rating in zip(analyses, ratings, strict=True):
        label = _label(analysis)
        why = " ".join(rating.reasons) or "No reason to lower it was found."
        bullets.append(f"{label}: evidence strength {rating.label}. {why}")
        if rating.not_checked:
            bullets.append(f"{label}: not checked: {'; '.join(rating.not_checked)}.")
        bullets += pretest_bullets(analysis)
        placebo = analysis.get("placebo") or {}
        if isinstance(placebo, Mapping) and placebo.get("estimate") is not None:
            bullets.append(f"{label}: in-time placebo (fake start before the pilot) estimate "
                           f"{exact(placebo.get('estimate'))}, range {exact(placebo.get('ci_low'))}"
                           f" to {exact(placebo.get('ci_high'))}.")
        sensitivity = analysis.get("sensitivity") or {}
        if isinstance(sensitivity, Mapping) and sensitivity:
            from pilot_eval.brief.evidence import breakdown_value, smoothness_breakdown
            bullets.append(f"{label}: sensitivity to parallel-trend violations (Rambachan & "
                           f"Roth): relative-magnitude breakdown value Mbar "
                           f"{exact(breakdown_value(analysis))}; smoothness breakdown value M "
                           f"{exact(smoothness_breakdown(analysis))}.")
        check = analysis.get("cross_check") or {}
        if isinstance(check, Mapping) and check:
            bullets.append(f"{label}: independent re-estimate with {check.get('reference')}: "
                           f"largest absolute difference {exact(check.get('max_abs_difference'))}"
                           + (f" (skipped: {check['skipped_reason']})"
                              if check.get("skipped_reason") else "") + ".")
    tables = [t for t in (leave_one_out_wide(analyses),) if t is not None]
    tables += [t for t in (bacon_table(a) for a in analyses) if t is not None]
    return AnnexSection(heading="Diagnostics and robustness", bullets=tuple(bullets),
                        tables=tuple(tables))


PRETEST_NAMES = {"pretest_event_study": "pre-trend test from a two-way event study with binned "
                                         "leads",
                 "pretest": "pre-trend test of all pre-pilot ATT(g,t) together"}


def pretest_bullets(analysis: Mapping[str, Any]) -> list[str]:
    """Each pre-trend test with its figures, saying which one the rating read and why."""
    used, _ = pretest_used(analysis)
    out = []
    for key, name in PRETEST_NAMES.items():
        test = analysis.get(key)
        if not isinstance(test, Mapping) or not test:
            continue
        figures = (f"{_label(analysis)}: {name}: statistic {exact(test.get('statistic'))}, "
                   f"df {exact(test.get('df'))}, p = {exact(test.get('p_value'))}")
        if test is used:
            status = "read for the evidence rating"
        else:
            note = unreliable_note(test, analysis)
            status = ("not read: " + note if note else
                      "not read: the event-study test, with fewer restrictions, is preferred")
        out.append(f"{figures} ({status}).")
    return out


def leave_one_out_table(analysis: Mapping[str, Any]) -> DataTable | None:
    loo = analysis.get("leave_one_out")
    rows = (loo.get("rows") if isinstance(loo, Mapping) else loo) or ()
    if not rows:
        return None
    return DataTable(
        caption=f"{_label(analysis)}: leave one pilot unit out",
        columns=("Unit left out", "Estimate", "Range low", "Range high"),
        rows=tuple((str(r.get("unit", r.get("dropped", "?"))), exact(r.get("estimate")),
                    exact(r.get("ci_low")), exact(r.get("ci_high"))) for r in rows))


def bacon_table(analysis: Mapping[str, Any]) -> DataTable | None:
    bacon = analysis.get("bacon")
    rows = (bacon.get("comparisons") or bacon.get("rows") if isinstance(bacon, Mapping)
            else bacon) or ()
    if not rows:
        return None
    return DataTable(
        caption=f"{_label(analysis)}: Goodman-Bacon decomposition of the TWFE estimate",
        columns=("Comparison", "Type", "Weight", "Estimate"),
        rows=tuple((f"cohort {r['treated']} vs {r.get('comparison', '?')}" if "treated" in r
                    else str(r.get("comparison", "?")),
                    str(r.get("type", "")), exact(r.get("weight")), exact(r.get("estimate")))
                   for r in rows))
