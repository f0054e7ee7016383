"""The report's tables for spreadsheets: tables.xlsx (one sheet per table, numbers as numbers,
a "Read me" sheet with provenance) or one CSV per table.

``report_tables(report)`` reads the typed ``ProjectReport`` (nothing is recomputed): the
headline of every outcome, ATT(g,t), the aggregations, the event study, the checks,
leave-one-out, the Goodman-Bacon decomposition, the group means behind the charts, and the
retention, Cox, RMST, curve and workforce-rate tables.  Counts from staff records go through
the same disclosure control as the brief (``[c]`` for a hidden count); figures are full
precision.  Written with the formula-safe exporter (``pilot_eval.exports``) and fixed
timestamps, so the same report always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from pilot_eval.estimators import Unavailable
from pilot_eval.estimators.disclosure import SUPPRESSED, protect_count
from pilot_eval.exports import ExportError, csv_bytes, xlsx_bytes
from pilot_eval.report.project_report import ProjectReport
from pilot_eval.report.retention_report import FineGrayModel
from pilot_eval.report.values import number
from pilot_eval.report.words import PRECISION_RULE, estimator_title

README = "Read me"
TABLES = "tables.xlsx"
ESTIMATE = ("estimate", "se", "ci_low", "ci_high")
SHEETS = {
    "Headline": "one row per outcome: the headline estimate, its range, p-value, method and "
                "evidence rating",
    "ATT(g,t)": "Callaway & Sant'Anna: the effect for each start cohort and period",
    "Aggregations": "the effect averaged overall, by event time, start cohort and period",
    "Event study": "the effect by time since the start (the rows the brief's chart shows)",
    "Checks": "pre-trend tests and their power, placebo, sensitivity bounds, two-way "
              "estimate, wild bootstrap, covariates, independent re-estimate",
    "Leave one out": "the estimate without each pilot unit",
    "Bacon": "the Goodman-Bacon decomposition of the two-way estimate",
    "Group means": "mean outcome per period in pilot and comparison units (the charts' data)",
    "Synthetic weights": "synthetic DiD / synthetic control: each comparison unit's weight in "
                         "the synthetic comparison, largest first",
    "Synthetic path": "synthetic DiD / synthetic control: the pilot and its synthetic "
                      "comparison per period, their gap, and the placebos' smallest and "
                      "largest gap",
    "Planning": "for a result that is not clear: the chance that the pilot's own design, and "
                "larger ones, detect an effect (simulated with the headline's estimator)",
    "Retention": "staff by arm, leavers, median time in post, retention at set times, RMST",
    "Cox model": "the Cox model's terms (hazard ratios) and the DiD on leaving",
    "Fine-Gray": "the Fine-Gray model of the share who end up leaving for one reason (others "
                 "competing): subdistribution hazard ratios, who it covers",
    "Retention curves": "share of staff still in post over time, while 25+ are at risk",
    "Workforce rates": "workforce rates by arm and period (counts disclosure-controlled)",
}


def _n(value: Any) -> float | None:
    return number(value) if not isinstance(value, int | bool) else value


def _frame(rows: Iterable[dict[str, Any]], columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(columns), dtype=object)


def headline_table(report: ProjectReport) -> pd.DataFrame:
    rows = []
    for o in report.outcomes:
        h = o.headline
        rows.append({
            "outcome": o.outcome, "label": o.label, "unit": o.unit, "polarity": o.polarity,
            "estimator": estimator_title(h.estimator), "comparison": h.comparison or "comparison",
            "inference": h.inference, "standard errors": h.se_description,
            **{k: _n(getattr(h, k)) for k in (*ESTIMATE, "p_value")}, "level": h.level,
            "observations": h.n_obs, "units": h.n_units, "periods": h.n_periods,
            "clusters": h.clusters.n, "pilot clusters": h.clusters.n_pilot,
            "evidence level": o.evidence.level, "evidence": o.evidence.label,
            "evidence reasons": " ".join(o.evidence.reasons)})
    return _frame(rows, rows[0] if rows else ("outcome",))


def _staggered_tables(report: ProjectReport) -> tuple[pd.DataFrame, pd.DataFrame]:
    att, aggregations = [], []
    for o in report.outcomes:
        if o.staggered is None:
            continue
        att += [{"outcome": o.label, "start cohort": r.group_label, "period": r.time_label,
                 "after start": r.post, **{k: _n(getattr(r, k)) for k in ESTIMATE}}
                for r in o.staggered.att_gt]
        for agg in o.staggered.aggregations:
            aggregations.append({"outcome": o.label, "aggregation": agg.kind, "row": "overall",
                                 **{k: _n(getattr(agg, k)) for k in ESTIMATE}})
            aggregations += [{"outcome": o.label, "aggregation": agg.kind, "row": r.label,
                              **{k: _n(getattr(r, k)) for k in ESTIMATE}} for r in agg.rows]
    return (_frame(att, ("outcome", "start cohort", "period", "after start", *ESTIMATE)),
            _frame(aggregations, ("outcome", "aggregation", "row", *ESTIMATE)))


def event_study_table(report: ProjectReport) -> pd.DataFrame:
    rows = [{"outcome": o.label, "source": o.event_study.source, "event time": r.e,
             "time since start": r.label, "reference": r.is_reference,
             **{k: _n(getattr(r, k)) for k in ESTIMATE}}
            for o in report.outcomes if o.event_study is not None for r in o.event_study.rows]
    return _frame(rows, ("outcome", "source", "event time", "time since start", "reference",
                         *ESTIMATE))


def _check(rows: list, outcome: str, check: str, detail: str = "", **values: Any) -> None:
    rows.append({"outcome": outcome, "check": check, "detail": detail,
                 **{k: _n(values.get(k)) for k in (*ESTIMATE, "p_value", "statistic", "df",
                                                    "power")}})


def checks_table(report: ProjectReport) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for o in report.outcomes:
        for test in o.pretest.tests:
            _check(rows, o.label, f"pre-trend test ({test.source})",
                   "read for the rating" if test == o.pretest.used else test.note,
                   statistic=test.statistic, df=test.df, p_value=test.p_value, power=test.power)
        if o.placebo is not None and not isinstance(o.placebo, Unavailable):
            r = o.placebo.result
            _check(rows, o.label, "in-time placebo", f"fake start {o.placebo.fake_start_label}",
                   estimate=r.estimate, ci_low=r.ci_low, ci_high=r.ci_high, p_value=r.p_value)
        s = o.sensitivity
        if s is not None and not isinstance(s, Unavailable):
            for name, bounds in (("relative magnitudes, Mbar", s.relative_magnitude),
                                 ("smoothness, M", s.smoothness)):
                for b in bounds:
                    _check(rows, o.label, "sensitivity bound", f"{name} = {b.m:g}",
                           ci_low=b.low, ci_high=b.high)
            if s.trend is not None and not isinstance(s.trend, Unavailable):
                _check(rows, o.label, "sensitivity bound read for the rating",
                       f"{s.bound}; holds: {s.robust}", estimate=s.trend.estimate,
                       ci_low=s.trend.low, ci_high=s.trend.high)
        for name, other in (("two-way fixed effects", o.twfe),):
            if other is not None and not isinstance(other, Unavailable):
                _check(rows, o.label, name, other.se_description, estimate=other.estimate,
                       se=other.se, ci_low=other.ci_low, ci_high=other.ci_high,
                       p_value=other.p_value)
        if o.wild is not None and not isinstance(o.wild, Unavailable):
            _check(rows, o.label, "wild cluster bootstrap", o.wild.se_description,
                   ci_low=o.wild.ci_low, ci_high=o.wild.ci_high, p_value=o.wild.p_value)
        if o.cross_check is not None:
            _check(rows, o.label, f"independent re-estimate ({o.cross_check.reference})",
                   o.cross_check.skipped_reason or "largest absolute difference in statistic",
                   estimate=o.cross_check.estimate, se=o.cross_check.se,
                   statistic=o.cross_check.max_abs_difference)
    return _frame(rows, ("outcome", "check", "detail", *ESTIMATE, "p_value", "statistic", "df",
                         "power"))


def loo_and_bacon(report: ProjectReport) -> tuple[pd.DataFrame, pd.DataFrame]:
    loo, bacon = [], []
    for o in report.outcomes:
        if o.leave_one_out is not None and not isinstance(o.leave_one_out, Unavailable):
            loo += [{"outcome": o.label, "unit left out": r.unit,
                     **{k: _n(getattr(r.result, k)) for k in ("estimate", "ci_low", "ci_high",
                                                              "p_value")}}
                    for r in o.leave_one_out.rows]
        if o.bacon is not None and not isinstance(o.bacon, Unavailable):
            bacon += [{"outcome": o.label, "treated": c.treated, "comparison": c.comparison,
                       "type": c.type, "weight": c.weight, "estimate": _n(c.estimate)}
                      for c in o.bacon.comparisons]
    return (_frame(loo, ("outcome", "unit left out", "estimate", "ci_low", "ci_high",
                         "p_value")),
            _frame(bacon, ("outcome", "treated", "comparison", "type", "weight", "estimate")))


def means_table(report: ProjectReport) -> pd.DataFrame:
    rows = [{"outcome": o.label, "period": m.label, "arm": m.arm, "mean": m.mean, "units": m.n}
            for o in report.outcomes for m in o.group_means]
    return _frame(rows, ("outcome", "period", "arm", "mean", "units"))


def synthetic_tables(report: ProjectReport) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The weights and the path of each synthetic headline (``OutcomeReport.synthetic``)."""
    weights, paths = [], []
    for o in report.outcomes:
        section = o.synthetic
        if section is None:
            continue
        weights += [{"outcome": o.label, "comparison unit": w.unit, "weight": w.weight}
                    for w in section.weights]
        path, gaps = section.path, section.placebo_gaps
        if path is None:
            continue
        placebo = (dict(zip(gaps.labels, zip(*(g.gaps for g in gaps.placebos), strict=True),
                            strict=True))
                   if not isinstance(gaps, Unavailable) and gaps is not None and gaps.placebos
                   else {})
        for k, label in enumerate(path.labels):
            others = placebo.get(label, ())
            paths.append({"outcome": o.label, "period": label,
                          "pilot_start": k == path.start_index,
                          "pilot": path.pilot[k], "synthetic": path.synthetic[k],
                          "gap": path.pilot[k] - path.synthetic[k],
                          "placebo_gap_min": min(others) if others else None,
                          "placebo_gap_max": max(others) if others else None})
    return (_frame(weights, ("outcome", "comparison unit", "weight")),
            _frame(paths, ("outcome", "period", "pilot_start", "pilot", "synthetic", "gap",
                           "placebo_gap_min", "placebo_gap_max")))


def _count(value: Any, rule) -> Any:
    if value is None:
        return None
    shown = protect_count(int(value), rule)
    return SUPPRESSED if shown == SUPPRESSED else int(shown)


def retention_tables(report: ProjectReport) -> dict[str, pd.DataFrame]:
    retention = report.retention
    if retention is None or isinstance(retention, Unavailable):
        return {}
    rule = report.brief.disclosure
    groups, curves = [], []
    for g in retention.groups:
        row = {"group": g.display, "arm": g.arm, "staff": _count(g.n, rule),
               "left": _count(g.events, rule), "median months in post": g.median}
        for point in g.retention_at:
            small = g.n < rule.min_base
            row[f"still in post at {point.time:g} months"] = None if small else point.survival
        groups.append(row)
        curves += [{"group": g.display, "time": t, "still in post": s, "ci_low": lo,
                    "ci_high": hi, "at risk": _count(n, rule)}
                   for t, s, lo, hi, n in zip(g.curve.time, g.curve.survival, g.curve.ci_low,
                                              g.curve.ci_high, g.curve.at_risk, strict=True)
                   if n >= rule.min_base]
    rmst = retention.rmst
    if rmst is not None and not isinstance(rmst, Unavailable):
        diff = rmst.difference
        if diff is not None and not isinstance(diff, Unavailable):
            groups.append({"group": f"average months in post over {rmst.tau:g}, pilot minus "
                                    "comparison", "arm": "difference",
                           "median months in post": _n(diff.estimate)})
    cox = []
    if retention.cox is not None and not isinstance(retention.cox, Unavailable):
        cox = [{"model": f"Cox ({retention.cox.ties} ties)", "term": t.name,
                **{k: _n(getattr(t, k)) for k in ("coef", "se", "hazard_ratio", "ci_low",
                                                  "ci_high", "p_value")}}
               for t in retention.cox.terms]
    leaving = retention.leaving
    if leaving is not None and not isinstance(leaving, Unavailable):
        cox.append({"model": leaving.model, "term": "rate ratio (pilot after start)",
                    "coef": _n(leaving.estimate), "se": _n(leaving.se),
                    "hazard_ratio": _n(leaving.rate_ratio), "ci_low": _n(leaving.ci_low),
                    "ci_high": _n(leaving.ci_high), "p_value": _n(leaving.p_value)})
    out = {"Retention": pd.DataFrame(groups, dtype=object),
           "Cox model": _frame(cox, ("model", "term", "coef", "se", "hazard_ratio", "ci_low",
                                     "ci_high", "p_value")),
           "Fine-Gray": fine_gray_table(retention.fine_gray, rule),
           "Retention curves": _frame(curves, ("group", "time", "still in post", "ci_low",
                                               "ci_high", "at risk"))}
    if retention.rates is not None:
        table = retention.rates.by_arm
        counts = {c for c in table.columns if c in ("headcount_start", "headcount_end",
                                                    "leavers", "stayers", "base")}
        rows = [{c: _count(v, rule) if c in counts and v is not None else v
                 for c, v in zip(table.columns, values, strict=True)} for values in table.rows]
        out["Workforce rates"] = _frame(rows, table.columns)
    return out


def fine_gray_table(model: FineGrayModel | Unavailable | None, rule) -> pd.DataFrame:
    """One row per Fine-Gray term (``subdistribution_hazard_ratio``), with the model's cause,
    population and counts (disclosure-controlled: staff) on every row; one row with the reason
    when it was not estimated."""
    if model is None:
        return pd.DataFrame()
    if isinstance(model, Unavailable):
        return pd.DataFrame([{"cause": "", "not estimated": model.reason}], dtype=object)
    about = {"cause": model.cause, "population": model.population,
             "spells used": _count(model.n_used, rule), "spells": _count(model.n_spells, rule),
             "events": _count(model.n_events, rule),
             "competing events": _count(model.n_competing, rule), "clusters": model.n_clusters,
             "standard errors": model.se_type}
    rows = [{"term": t.name, "pilot term": t.name == model.pilot_term,
             **{k: _n(getattr(t, k)) for k in ("coef", "se")},
             "subdistribution_hazard_ratio": _n(t.shr),
             **{k: _n(getattr(t, k)) for k in ("ci_low", "ci_high", "p_value")}, **about}
            for t in model.terms]
    return pd.DataFrame(rows, dtype=object)


def readme(report: ProjectReport, sheets: Iterable[str]) -> pd.DataFrame:
    qa, span = report.qa, report.provenance
    rows = [("What this is", "The tables behind the pilot-eval brief and technical report, as "
                             "numbers (full precision)."),
            ("Results produced", f"{qa.run_at.isoformat()} ({qa.clock} clock)"),
            ("pilot-eval", f"{qa.pilot_eval_version} (results.json schema "
                           f"{report.schema_version})"),
            ("Project file", span.project_file or "not saved")]
    for source in span.sources:
        excluded = (f"; rows left out by the analyst: {len(source.excluded_rows)}"
                    if source.excluded_rows else "")
        rows.append((f"Data: {source.role}", f"{source.file}; {source.rows_read:,} rows"
                                             f"{excluded}; SHA-256 {source.sha256}"))
    if span.first_period:
        rows.append(("Periods analysed", f"{span.first_period} to {span.last_period}"))
    if span.extract_date:
        rows.append(("Staff records extracted", span.extract_date))
    rows.append(("Random seeds", ", ".join(map(str, qa.seeds)) or "none"))
    rows += [(f"Software: {name}", version) for name, version in qa.software]
    rows.append(("Precision", PRECISION_RULE))
    rows.append(("Disclosure", report.brief.disclosure.describe() + " Hidden counts show [c]."))
    rows.append(("Columns", "estimate, se (standard error), ci_low and ci_high (the range, at "
                            "the level given), p_value; blank: not available."))
    rows += [(f"Sheet: {name}", SHEETS.get(name, "")) for name in sheets]
    return pd.DataFrame(rows, columns=["item", "value"], dtype=object)


PLANNING_COLUMNS = ("outcome", "design", "pilot_teams", "comparison_teams", "periods_before",
                    "periods_after", "staggered", "effect", "power", "mc_se", "mde",
                    "mde_formula", "false_alarm_rate", "estimator", "replications", "seed")


def planning_table(report: ProjectReport) -> pd.DataFrame:
    """The planning section's designs (the pilot's own first) for every unclear outcome."""
    from pilot_eval.report.planning_report import PlanningSection

    rows = []
    for o in report.outcomes:
        plan = o.planning
        if not isinstance(plan, PlanningSection):
            continue
        designs = [("pilot's own", plan.pilot)] + [
            ("next phase", r) for r in plan.grid if r != plan.pilot]
        rows += [{"outcome": o.label, "design": kind, "pilot_teams": r.pilot_teams,
                  "comparison_teams": r.comparison_teams, "periods_before": r.months_before,
                  "periods_after": r.months_after, "staggered": r.staggered,
                  "effect": plan.effect, "power": r.power, "mc_se": r.mc_se, "mde": r.mde,
                  "mde_formula": r.formula_mde, "false_alarm_rate": r.false_alarm_rate,
                  "estimator": estimator_title(plan.estimator),
                  "replications": plan.replications, "seed": plan.seed}
                 for kind, r in designs]
    return _frame(rows, PLANNING_COLUMNS)


def report_tables(report: ProjectReport) -> dict[str, pd.DataFrame]:
    """Every table of ``report``, "Read me" first, empty tables left out."""
    att, aggregations = _staggered_tables(report)
    loo, bacon = loo_and_bacon(report)
    weights, path = synthetic_tables(report)
    tables = {"Headline": headline_table(report), "ATT(g,t)": att,
              "Aggregations": aggregations, "Event study": event_study_table(report),
              "Checks": checks_table(report), "Leave one out": loo, "Bacon": bacon,
              "Group means": means_table(report), "Synthetic weights": weights,
              "Synthetic path": path, "Planning": planning_table(report),
              **retention_tables(report)}
    kept = {name: frame for name, frame in tables.items() if not frame.empty}
    return {README: readme(report, kept), **kept}


def _stamp(report: ProjectReport) -> dt.datetime:
    run = report.qa.run_at
    return run.astimezone(dt.UTC).replace(tzinfo=None) if run.tzinfo else run


def tables_bytes(report: ProjectReport) -> bytes:
    """tables.xlsx of ``report``: the same report gives the same bytes (dated by the run)."""
    return xlsx_bytes(report_tables(report), stamp=_stamp(report), widths=True)


def export_report_tables(report: ProjectReport, path: str | Path) -> list[Path]:
    """Write the tables to ``path``: an ``.xlsx`` workbook, or for ``.csv`` one file per table
    beside it (``NAME - Headline.csv`` ...).  Returns the files written."""
    from pilot_eval.exports import _write

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".xlsx":
        return [_write(target, tables_bytes(report))]
    if suffix == ".csv":
        written = []
        for name, frame in report_tables(report).items():
            safe = "".join(c if c.isalnum() or c in " ()-" else "_" for c in name)
            written.append(_write(target.with_name(f"{target.stem} - {safe}.csv"),
                                  csv_bytes(frame)))
        return written
    raise ExportError(f"cannot export tables to a '{suffix or '(no extension)'}' file",
                      file=str(path), hint="Choose a file name ending in .xlsx or .csv.")
