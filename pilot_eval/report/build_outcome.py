"""``outcome_report(analysis)``: a ``DidAnalysis`` -> its ``OutcomeReport``, every decision
made here and only here.

Decisions: the headline interval and p-value (the wild cluster bootstrap's when the inference
chosen is ``wild``, the analytic ones kept beside it); the event-study rows shown (Callaway &
Sant'Anna's dynamic aggregation for a staggered headline, else the event study); whether each
pre-trend test is reliable (``PRETEST_MAX_SHARE``) and which one is read; the one cluster count
and what it counts; the evidence rating (``evidence.rate_evidence``).

The estimators' ``to_dict()`` dictionaries are their documented JSON contract; this module is
the one place that reads them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pilot_eval.estimators import Unavailable
from pilot_eval.estimators.thresholds import PRETEST_MAX_SHARE
from pilot_eval.report.evidence import rate_evidence
from pilot_eval.report.evidence_model import EvidenceRating
from pilot_eval.report.outcome import (
    AnalyticInference,
    Bacon,
    BaconComparison,
    BaconType,
    CheckEstimate,
    Clusters,
    ComparisonEstimate,
    CovariateCheck,
    CrossCheck,
    EventStudy,
    EventTimeRow,
    Finding,
    Headline,
    LeaveOneOut,
    LeaveOneOutRow,
    MeanPoint,
    OutcomeData,
    OutcomeReport,
    PilotStart,
    Placebo,
    PreTrendChoice,
    PreTrendTest,
    WildBootstrap,
)
from pilot_eval.report.outcome_details import sensitivity_report, staggered_report
from pilot_eval.report.synthetic import synthetic_section
from pilot_eval.report.values import number, optional_int, optional_number, value_of
from pilot_eval.report.words import event_time_label

PLACEHOLDER = EvidenceRating(level=1, ceiling=1, reasons=(), design="")


def outcome_report(analysis: Any, *, unit_noun: str = "teams") -> OutcomeReport:
    """The report of one ``DidAnalysis`` (``pilot_eval.analysis.run_analysis``)."""
    raw = analysis.result.to_dict()
    request = analysis.request
    kind = getattr(analysis, "period_kind", "integer") or "integer"
    labels = {int(k): str(v) for k, v in analysis.period_labels.items()}
    extras = analysis.extras
    headline = _headline(raw, analysis)
    report = OutcomeReport(
        outcome=request.columns.outcome, label=request.outcome_label or request.columns.outcome,
        unit=request.outcome_unit, polarity=request.polarity, headline=headline,
        data=_data(analysis, raw), evidence=PLACEHOLDER, period_kind=kind,
        event_study=_event_study(raw, extras.get("event_study"), kind),
        pretest=_pretests(raw, extras.get("event_study"), headline, kind,
                          extras.get("trend_bias")),
        twfe=_maybe(extras.get("twfe"), comparison),
        bacon=_maybe(extras.get("bacon"), lambda r: _bacon(r, labels)),
        wild=_maybe(extras.get("wild_bootstrap"), _wild),
        placebo=_maybe(extras.get("placebo"), lambda r: _placebo(r, labels)),
        leave_one_out=_maybe(extras.get("leave_one_out"), _leave_one_out),
        covariate_check=_maybe(extras.get("covariate_check"), _covariate_check),
        sensitivity=_maybe(extras.get("sensitivity"), lambda r: sensitivity_report(
            r, period_kind=kind, pre_periods=_pre_periods(analysis),
            headline=number(headline.estimate))),
        staggered=staggered_report(raw, labels, kind),
        cross_check=_cross_check(raw.get("cross_check")),
        group_means=tuple(MeanPoint(period=int(r["period"]), label=str(r["label"]),
                                    arm=str(r["arm"]), mean=optional_number(r.get("mean")),
                                    n=optional_int(r.get("n")))
                          for r in analysis.group_means),
        pilot_starts=tuple(PilotStart(period=int(s["period"]), label=str(s["label"]),
                                      n_units=optional_int(s.get("n_units")))
                           for s in analysis.pilot_starts),
        validation=tuple(finding(p.to_dict()) for p in analysis.validation.problems),
        warnings=_warnings(raw, analysis), synthetic=synthetic_section(raw, extras, labels))
    # a synthetic headline is rated on report.synthetic.checks (the method's own terms)
    return dataclasses.replace(report, evidence=rate_evidence(report, unit_noun=unit_noun))


def _maybe(value: Any, build) -> Any:
    """``None`` (not run), ``Unavailable`` (ran, could not be computed) or the built check."""
    if value is None or isinstance(value, Unavailable):
        return value
    return build(value.to_dict())


def _clusters(raw: Mapping[str, Any], analysis: Any) -> Clusters:
    """The headline's cluster count (the clusters its inference used) and what it counts."""
    columns = analysis.request.columns
    variable = raw.get("cluster") or columns.cluster or columns.unit
    n = optional_int(raw.get("n_clusters"))
    if n is None or raw.get("se_type") in ("iid", "hc1"):
        return Clusters(n=None, variable=None, counts="not clustered")
    counts = (f"values of {variable}, the unit given the pilot" if variable == columns.unit
              else f"values of {variable}")
    return Clusters(n=n, variable=str(variable), counts=counts,
                    n_pilot=analysis.choice.n_treated_clusters)


def _headline(raw: Mapping[str, Any], analysis: Any) -> Headline:
    choice = analysis.choice
    why = raw.get("unavailable") or {}
    figure = {k: value_of(raw.get(k), str(why.get(k, "not reported")))
              for k in ("estimate", "se", "ci_low", "ci_high", "p_value", "t_stat")}
    wild = analysis.extras.get("wild_bootstrap")
    analytic = None
    se_type, se_description = str(raw.get("se_type") or ""), str(raw.get("se_description") or "")
    if choice.inference == "wild" and wild is not None and not isinstance(wild, Unavailable):
        boot = wild.to_dict()
        boot_why = boot.get("unavailable") or {}
        analytic = AnalyticInference(se=figure["se"], ci_low=figure["ci_low"],
                                     ci_high=figure["ci_high"], p_value=figure["p_value"],
                                     se_type=se_type, se_description=se_description)
        for key in ("ci_low", "ci_high", "p_value"):
            figure[key] = value_of(boot.get(key), str(boot_why.get(key, "not reported")))
        se_type, se_description = "wild", str(boot.get("se_description") or "")
    df = raw.get("df")
    clusters = _clusters(raw, analysis)
    return Headline(
        estimator=choice.estimator, estimator_reason=choice.reason,
        inference=choice.inference,
        inference_reason=one_cluster_count(choice.inference_reason, clusters.n),
        se_type=se_type, se_description=se_description, estimate=figure["estimate"],
        se=figure["se"], ci_low=figure["ci_low"], ci_high=figure["ci_high"],
        p_value=figure["p_value"], level=float(raw.get("level") or analysis.request.level),
        n_obs=optional_int(raw.get("n_obs")), n_units=optional_int(raw.get("n_units")),
        n_periods=optional_int(raw.get("n_periods")), clusters=clusters,
        t_stat=figure["t_stat"], df=optional_number(df),
        small_sample_factor=optional_number(raw.get("small_sample_factor")),
        critical_value=optional_number(raw.get("critical_value")), analytic=analytic,
        comparison=_comparison(choice.estimator, raw, analysis))


def _comparison(estimator: str, raw: Mapping[str, Any], analysis: Any) -> str:
    """Who the headline compared the pilot units with (``Headline.comparison``)."""
    if estimator.startswith("synthetic"):
        return "synthetic"
    if estimator == "callaway-santanna":
        control = str(raw.get("control") or analysis.request.control or "")
        return {"never": "never", "notyet": "not-yet", "not-yet": "not-yet"}.get(control, "")
    if estimator == "sun-abraham":
        return {"never": "never", "last": "last"}.get(str(raw.get("control") or ""), "")
    if len(analysis.pilot_starts) <= 1:  # one start: only never-piloted units compare
        return "never"
    return ""


def one_cluster_count(reason: str, used: int | None) -> str:
    """The inference reason with the headline's own cluster count: the choice counts the
    clusters in the data, the estimator may use fewer (units left out of an estimate), and the
    report says one count."""
    match = re.search(r"\((\d+) clusters", reason)
    if used is None or match is None or int(match.group(1)) == used:
        return reason
    return reason.replace(match.group(0), f"({used} clusters used in the estimate, of "
                                          f"{match.group(1)} in the data", 1)


def _row(e: int, row: Mapping[str, Any], kind: str) -> EventTimeRow:
    reference = bool(row.get("is_reference"))
    why = "the reference period (normalised to zero)" if reference else "not estimated"
    return EventTimeRow(e=e, label=event_time_label(e, kind),
                        estimate=value_of(row.get("estimate"), why),
                        se=value_of(row.get("se"), why), ci_low=value_of(row.get("ci_low"), why),
                        ci_high=value_of(row.get("ci_high"), why), is_reference=reference)


def event_rows(rows: Any, kind: str) -> tuple[EventTimeRow, ...]:
    """An event study's ``event_time`` rows (``{e, estimate, se, ci_low, ci_high,
    is_reference}``) as typed rows with their labels in words."""
    return tuple(_row(int(r["e"]), r, kind) for r in rows or ())


def _event_study(raw: Mapping[str, Any], study: Any, kind: str) -> EventStudy | None:
    """The rows shown: the dynamic aggregation of a staggered headline, else the event study
    (the headline's own when the headline is one, else the one run beside it)."""
    dynamic = (raw.get("aggregations") or {}).get("dynamic")
    if dynamic:
        return EventStudy(source="dynamic aggregation", reference=None, rows=tuple(
            _row(int(r["event_time"]), r, kind) for r in dynamic.get("rows") or ()))
    rows = raw.get("event_time")
    reference = raw.get("reference")
    if not rows and study is not None and not isinstance(study, Unavailable):
        data = study.to_dict()
        rows, reference = data.get("event_time"), data.get("reference")
    if not rows:
        return None
    return EventStudy(source="event study", reference=optional_int(reference),
                      rows=event_rows(rows, kind))


def pretest(raw_test: Mapping[str, Any], clusters: int | None, *, source: str,
            lead_rows: tuple[EventTimeRow, ...] = ()) -> PreTrendTest:
    """A pre-trend test, marked unreliable when it tests too many restrictions for the number
    of clusters (``PRETEST_MAX_SHARE``)."""
    restrictions = optional_number(raw_test.get("df")) or 0
    shown = int(restrictions)
    p_value = value_of(raw_test.get("p_value"), "the test could not be computed")
    enough = clusters is not None and clusters > 0 and \
        restrictions <= PRETEST_MAX_SHARE * clusters
    note = (f"joint test that the {shown} pre-period effects are zero, {clusters} clusters"
            if enough else
            f"{shown} restrictions on {clusters} clusters: too many for a cluster-robust "
            "Wald test, which then rejects far too often; read the pre-period estimates and "
            "their intervals instead")
    return PreTrendTest(
        source=source, statistic=value_of(raw_test.get("statistic")),
        df=optional_number(raw_test.get("df")), p_value=p_value,
        reliable=enough and not isinstance(p_value, Unavailable), note=note,
        test=str(raw_test.get("test") or ""),
        df_denominator=optional_number(raw_test.get("df_denominator")),
        leads=tuple(r.e for r in lead_rows), lead_rows=lead_rows)


def _pretests(raw: Mapping[str, Any], study: Any, headline: Headline,
              kind: str, bias: Any = None) -> PreTrendChoice:
    """Every pre-trend test, and the one read: the event study's binned-lead test when
    reliable, else the estimator's own when reliable, else none (saying why)."""
    tests = []
    if study is not None and not isinstance(study, Unavailable):
        data = study.to_dict()
        leads = tuple(_row(int(r["e"]), r, kind) for r in data.get("event_time") or ()
                      if int(r["e"]) < 0 and not r.get("is_reference"))
        if isinstance(data.get("pretest"), Mapping):
            test = pretest(data["pretest"], optional_int(data.get("n_clusters")),
                           source="event study", lead_rows=leads)
            per_slope = (None if bias is None or isinstance(bias, Unavailable)
                         else bias.per_slope)
            power, slope, slope_80 = trend_power(data, headline, per_slope)
            tests.append(dataclasses.replace(test, power=power, power_slope=slope,
                                             slope_80=slope_80))
    if isinstance(raw.get("pretest"), Mapping):
        own = tuple(_row(int(r["e"]), r, kind) for r in raw.get("event_time") or ()
                    if int(r["e"]) < 0 and not r.get("is_reference"))
        if not own and (raw.get("aggregations") or {}).get("dynamic"):
            own = tuple(_row(int(r["event_time"]), r, kind)
                        for r in raw["aggregations"]["dynamic"].get("rows") or ()
                        if int(r["event_time"]) < 0)
        tests.append(pretest(raw["pretest"], headline.clusters.n or optional_int(
            raw.get("n_clusters")), source="estimator", lead_rows=own))
    return choose_pretest(tests)


def trend_power(study: Mapping[str, Any], headline: Headline, per_slope: float | None = None
                ) -> tuple[float | None, float | None, float | None]:
    """The event-study pre-test's power against a linear trend large enough to explain the
    whole headline effect (Roth 2022): the trend's slope is the estimate divided by the
    headline's bias per unit slope (``analysis.TrendBias``; without it, the mean distance of
    the post-pilot rows from the reference period).  Returns ``(power, slope, slope for 80%
    power)``, ``None`` each when it cannot be computed."""
    from pilot_eval.estimators.did.pretrend_power import linear_trend_power, slope_for_power
    from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError

    estimate = number(headline.estimate)
    vcov, times = study.get("vcov"), study.get("vcov_event_times")
    reference = optional_int(study.get("reference"))
    rows = {int(r["e"]): r for r in study.get("event_time") or ()}
    if estimate is None or not vcov or not times or reference is None:
        return None, None, None
    leads = [i for i, e in enumerate(times) if int(e) < reference]
    post = [rows[int(e)] for e in times if int(e) >= 0 and int(e) in rows]
    weight = sum(int(r.get("n_obs") or 0) for r in post)
    if not leads or not weight:
        return None, None, None
    distance = sum(int(r.get("n_obs") or 0) * (float(r.get("mean_event", r["e"])) - reference)
                   for r in post) / weight
    lead_times = [float(rows[int(times[i])].get("mean_event", times[i])) for i in leads]
    cov = [[float(vcov[i][j]) for j in leads] for i in leads]
    df = optional_number((study.get("pretest") or {}).get("df_denominator"))
    if per_slope is not None and abs(per_slope) > 1e-12:
        distance = abs(per_slope)
    try:
        slope = abs(estimate) / distance
        power = linear_trend_power(cov, lead_times, slope=slope, reference=reference,
                                   df_denominator=df).power
        slope_80 = slope_for_power(cov, lead_times, power=0.8, reference=reference,
                                   df_denominator=df)
    except (EstimationError, EstimatorConfigError, ZeroDivisionError):
        return None, None, None
    return power, slope, slope_80


def choose_pretest(tests: Sequence[PreTrendTest]) -> PreTrendChoice:
    """The first reliable test that could be computed (the event study's binned leads come
    first), else none, saying why."""
    computed = [t for t in tests if not isinstance(t.p_value, Unavailable)]
    for test in computed:
        if test.reliable:
            why = ("the event study's joint test of its binned leads (few restrictions for "
                   "the clusters)" if test.source == "event study" else
                   "the estimator's own pre-test")
            return PreTrendChoice(used=test, why=why, tests=tuple(tests))
    if computed:
        return PreTrendChoice(used=None, why=computed[0].note, tests=tuple(tests))
    return PreTrendChoice(used=None, why="no pre-trend test in these results",
                          tests=tuple(tests))


def comparison(raw: Mapping[str, Any]) -> ComparisonEstimate:
    """Another estimator's result dictionary as an estimate shown beside the headline."""
    why = raw.get("unavailable") or {}
    return ComparisonEstimate(
        estimator=str(raw.get("estimator") or ""), se_type=str(raw.get("se_type") or ""),
        **{k: value_of(raw.get(k), str(why.get(k, "not reported")))
           for k in ("estimate", "se", "ci_low", "ci_high", "p_value")},
        level=float(raw.get("level") or 0.95),
        se_description=str(raw.get("se_description") or raw.get("se_type") or ""),
        n_obs=optional_int(raw.get("n_obs")), n_units=optional_int(raw.get("n_units")),
        n_clusters=optional_int(raw.get("n_clusters")))


def _label(labels: Mapping[int, str], value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return labels.get(int(value), str(value))
    return str(value)


def _bacon(raw: Mapping[str, Any], labels: Mapping[int, str]) -> Bacon:
    return Bacon(
        twfe_estimate=value_of(raw.get("twfe_estimate")),
        by_type=tuple(BaconType(type=str(k), weight=float(v["weight"]),
                                estimate=value_of(v.get("estimate")))
                      for k, v in (raw.get("by_type") or {}).items()),
        comparisons=tuple(BaconComparison(
            treated=_label(labels, c.get("treated")), comparison=_label(labels, c.get(
                "comparison")), type=str(c.get("type")), estimate=value_of(c.get("estimate")),
            weight=float(c.get("weight") or 0.0)) for c in raw.get("comparisons") or ()),
        n_units=optional_int(raw.get("n_units")),
        notes=tuple(str(n) for n in raw.get("notes") or ()))


def _wild(raw: Mapping[str, Any]) -> WildBootstrap:
    why = raw.get("unavailable") or {}
    return WildBootstrap(
        **{k: value_of(raw.get(k), str(why.get(k, "not reported")))
           for k in ("p_value", "ci_low", "ci_high")},
        level=float(raw.get("level") or 0.95), weight_type=str(raw.get("weight_type") or ""),
        draws=optional_int(raw.get("draws")),
        se_description=str(raw.get("se_description") or ""),
        seed=optional_int(raw.get("seed")), n_clusters=optional_int(raw.get("n_clusters")))


def check_estimate(raw: Mapping[str, Any]) -> CheckEstimate:
    return CheckEstimate(**{k: value_of(raw.get(k)) for k in ("estimate", "ci_low", "ci_high",
                                                              "p_value")},
                         n_obs=optional_int(raw.get("n_obs")))


def _placebo(raw: Mapping[str, Any], labels: Mapping[int, str]) -> Placebo:
    return Placebo(result=check_estimate(raw), fake_start=int(raw["fake_start"]),
                   fake_start_label=_label(labels, raw["fake_start"]),
                   shift=int(raw.get("shift") or 0), passed=bool(raw.get("passed")),
                   note=str(raw.get("note") or ""))


def _leave_one_out(raw: Mapping[str, Any]) -> LeaveOneOut:
    return LeaveOneOut(
        full=check_estimate(raw.get("full") or {}),
        rows=tuple(LeaveOneOutRow(unit=str(r.get("unit")), result=check_estimate(r))
                   for r in raw.get("rows") or ()),
        hinge_units=tuple(str(u) for u in raw.get("hinge_units") or ()),
        note=str(raw.get("note") or ""))


def _covariate_check(raw: Mapping[str, Any]) -> CovariateCheck:
    return CovariateCheck(covariates=tuple(str(c) for c in raw.get("covariates") or ()),
                          with_covariates=check_estimate(raw.get("with_covariates") or {}),
                          without_covariates=check_estimate(raw.get("without_covariates") or {}),
                          difference=value_of(raw.get("difference")))


def _cross_check(raw: Any) -> CrossCheck | None:
    if not isinstance(raw, Mapping) or not raw:
        return None
    return CrossCheck(reference=str(raw.get("reference") or ""),
                      max_abs_difference=optional_number(raw.get("max_abs_difference")),
                      estimate=optional_number(raw.get("estimate")),
                      se=optional_number(raw.get("se")),
                      skipped_reason=str(raw.get("skipped_reason") or ""))


def finding(raw: Mapping[str, Any]) -> Finding:
    """A validation problem's dictionary as a ``Finding``."""
    return Finding(severity=str(raw.get("severity") or "warning"),
                   code=str(raw.get("code") or ""), message=str(raw.get("message") or ""),
                   column=None if raw.get("column") is None else str(raw["column"]),
                   rows=tuple(int(r) for r in raw.get("rows") or ()),
                   hint=str(raw.get("hint") or ""))


def _pre_periods(analysis: Any) -> int | None:
    """Periods of data before the first pilot start (``None`` if unknown)."""
    starts = [int(s["period"]) for s in analysis.pilot_starts]
    if not starts:
        return None
    return len({int(m["period"]) for m in analysis.group_means if int(m["period"]) < min(starts)})


def _data(analysis: Any, raw: Mapping[str, Any]) -> OutcomeData:
    info = analysis.data
    dropped = tuple(str(w) for w in raw.get("warnings") or ()
                    if "dropped" in str(w) or "left out" in str(w))
    usage = getattr(analysis, "usage", None)
    periods = {int(m["period"]) for m in analysis.group_means}
    units = usage.n_units if usage is not None else None
    observed = sum(int(m.get("n") or 0) for m in analysis.group_means)
    return OutcomeData(file=str(info.file or ""), sha256=str(info.sha256 or ""),
                       rows_read=int(info.n_rows), rows_used=int(info.n_rows_used),
                       dropped=dropped, units=units,
                       units_used=usage.n_units_used if usage is not None else None,
                       usage=usage.message() if usage is not None else "",
                       cells_expected=units * len(periods) if units and periods else None,
                       cells_observed=observed if units and periods else None)


def _warnings(raw: Mapping[str, Any], analysis: Any) -> tuple[str, ...]:
    seen: list[str] = [str(w) for w in raw.get("warnings") or ()]
    for text in [p.describe() for p in analysis.validation.warnings] + list(analysis.notes):
        if text not in seen:
            seen.append(text)
    return tuple(seen)
