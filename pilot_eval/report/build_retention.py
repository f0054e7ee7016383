"""``retention_report(analysis)``: a ``RetentionAnalysis`` -> its ``RetentionReport``.

Decisions made here and only here: the pilot effect is the Cox model's pilot x post term
(``PILOT_EFFECT_TERMS``), not the pilot-vs-comparison level difference that comes first in the
model; the RMST difference is oriented pilot minus comparison; each Kaplan-Meier group's arm
and display name; the workforce rates' per-arm means.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pilot_eval.estimators import Unavailable
from pilot_eval.report.build_outcome import finding
from pilot_eval.report.outcome import ComparisonEstimate
from pilot_eval.report.retention_report import (
    Cox,
    CoxTerm,
    Curve,
    FineGrayModel,
    FineGrayTerm,
    IncidenceCurve,
    KmGroup,
    LeavingDid,
    LogRank,
    PilotEffect,
    RateMean,
    Rates,
    RetentionAt,
    RetentionReport,
    Rmst,
    RmstDifference,
    RmstGroup,
    StaffData,
    Table,
)
from pilot_eval.report.values import optional_int, optional_number, value_of

PILOT_CODES = ("1", "1.0", "true", "yes", "treated", "pilot")
COMPARISON_CODES = ("0", "0.0", "false", "no", "control", "untreated", "comparison")
PILOT_EFFECT_TERMS = ("pilot_post", "pilot:post", "pilot x post", "treatment", "did")
"""Names of the Cox term that is the pilot's effect (a difference-in-differences on hazards),
in order of preference."""
HIDDEN_RATE_COLUMNS = ("period_start", "period_end")


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
    if name in PILOT_CODES or name == "pilot":
        return "Pilot teams"
    if name in COMPARISON_CODES:
        return "Comparison teams"
    return str(group)


def _curve(points: Any) -> Curve:
    rows = sorted(points or (), key=lambda p: float(p["time"]))
    return Curve(time=tuple(float(p["time"]) for p in rows),
                 survival=tuple(optional_number(p.get("survival")) for p in rows),
                 ci_low=tuple(optional_number(p.get("ci_low")) for p in rows),
                 ci_high=tuple(optional_number(p.get("ci_high")) for p in rows),
                 at_risk=tuple(int(p.get("at_risk") or 0) for p in rows))


def km_groups(km: Any) -> tuple[KmGroup, ...]:
    """Kaplan-Meier summaries (``KaplanMeierResult.to_dict()``) as typed groups: pilot
    group(s) first, then the others, each in the order given."""
    if not isinstance(km, Mapping):
        return ()
    groups = []
    for name, info in km.items():
        info = info or {}
        ci = info.get("median_ci") or (None, None)
        groups.append(KmGroup(
            name=str(name), display=group_name(str(name)), arm=arm_of(str(name)),
            n=int(info.get("n") or 0), events=int(info.get("events") or 0),
            median=optional_number(info.get("median")),
            median_ci=(optional_number(ci[0]), optional_number(ci[1])),
            retention_at=tuple(RetentionAt(time=float(point.get("time", key)),
                                           survival=optional_number(point.get("survival")),
                                           ci_low=optional_number(point.get("ci_low")),
                                           ci_high=optional_number(point.get("ci_high")))
                               for key, point in (info.get("retention_at") or {}).items()),
            curve=_curve(info.get("curve"))))
    return tuple(g for g in groups if g.arm == "pilot") + tuple(
        g for g in groups if g.arm != "pilot")


def _terms(raw: Mapping[str, Any]) -> tuple[CoxTerm, ...]:
    return tuple(CoxTerm(name=str(c.get("name")), **{
        k: value_of(c.get(k)) for k in ("coef", "se", "hazard_ratio", "ci_low", "ci_high",
                                        "p_value")}) for c in raw.get("coefficients") or ())


def _cox(value: Any) -> Cox | Unavailable | None:
    if value is None or isinstance(value, Unavailable):
        return value
    raw = value.to_dict() if hasattr(value, "to_dict") else value
    ph = raw.get("ph_test") or {}
    return Cox(ties=str(raw.get("ties") or ""), se_type=str(raw.get("se_type") or ""),
               terms=_terms(raw), n_obs=optional_int(raw.get("n_obs")),
               n_events=optional_int(raw.get("n_events")),
               n_clusters=optional_int(raw.get("n_clusters")),
               level=float(raw.get("level") or 0.95),
               concordance=optional_number(raw.get("concordance")),
               ph_test_failed=None if not ph else bool(ph.get("failed")),
               ph_test_p_value=optional_number((ph.get("global") or {}).get("p_value")))


def pilot_effect(cox: Cox | Unavailable | None) -> PilotEffect | Unavailable | None:
    """The Cox term that is the pilot's effect: pilot x post (a difference-in-differences on
    the hazard of leaving) when the model has it, else the only pilot term."""
    if cox is None or isinstance(cox, Unavailable):
        return cox
    by_name = {t.name.lower(): t for t in cox.terms}
    for name in PILOT_EFFECT_TERMS:
        if name in by_name:
            return PilotEffect(term=by_name[name], is_difference_in_differences=True, why=(
                f"the '{by_name[name].name}' term: the change in pilot teams' hazard of "
                "leaving after their pilot started, beyond the change in comparison teams"))
    pilots = [t for t in cox.terms if "pilot" in t.name.lower()]
    if len(pilots) == 1:
        return PilotEffect(term=pilots[0], is_difference_in_differences=False, why=(
            f"the '{pilots[0].name}' term: pilot against comparison teams (the model has no "
            "pilot x post term)"))
    return Unavailable("the Cox model has no term for the pilot")


def rmst_report(value: Any, horizon: Any = None) -> Rmst | Unavailable | None:
    """The RMST result (or its dictionary) with the difference oriented pilot minus
    comparison; ``horizon`` (``retention.default_horizon``) says why its tau was chosen."""
    if value is None or isinstance(value, Unavailable):
        return value
    raw = value.to_dict() if hasattr(value, "to_dict") else value
    diff = raw.get("difference")
    difference: RmstDifference | Unavailable | None = None
    if isinstance(diff, Mapping):
        numbers = {k: value_of(diff.get(k)) for k in ("estimate", "se", "ci_low", "ci_high",
                                                      "p_value")}
        group, reference = str(diff.get("group", "")), str(diff.get("reference", ""))
        if arm_of(group) != "pilot" and arm_of(reference) == "pilot":  # pilot minus comparison
            group, reference = reference, group
            numbers["estimate"] = _negate(numbers["estimate"])
            numbers["ci_low"], numbers["ci_high"] = (_negate(numbers["ci_high"]),
                                                     _negate(numbers["ci_low"]))
        difference = RmstDifference(group=group, reference=reference, **numbers)
    source = (str(horizon["why"]) if isinstance(horizon, Mapping) and horizon.get("why")
              else str(raw.get("tau_source") or "given"))
    return Rmst(tau=float(raw["tau"]), tau_source=source,
                variance=str(raw.get("variance") or ""), level=float(raw.get("level") or 0.95),
                by_group=tuple(RmstGroup(name=str(g), estimate=value_of(v.get("estimate")),
                                         se=value_of(v.get("se")))
                               for g, v in (raw.get("by_group") or {}).items()),
                difference=difference)


def _negate(value: Any) -> Any:
    return value if isinstance(value, Unavailable) else -value


def _incidence(results: Mapping[str, Any]) -> tuple[IncidenceCurve, ...]:
    curves = []

    def add(cause: str, group: str | None, points: Any) -> None:
        rows = sorted(points or (), key=lambda p: float(p["time"]))
        curves.append(IncidenceCurve(
            cause=str(cause), group=group, time=tuple(float(p["time"]) for p in rows),
            estimate=tuple(optional_number(p.get("estimate")) for p in rows),
            ci_low=tuple(optional_number(p.get("ci_low")) for p in rows),
            ci_high=tuple(optional_number(p.get("ci_high")) for p in rows)))

    for cause, points in (results.get("cumulative_incidence") or {}).items():
        add(cause, None, points)
    for group, causes in (results.get("cumulative_incidence_by_group") or {}).items():
        for cause, points in (causes or {}).items():
            add(cause, str(group), points)
    return tuple(curves)


def _cell(value: Any) -> Any:
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return optional_number(value)
    return str(value)


def _table(rows: Any) -> Table:
    rows = [r for r in rows or () if isinstance(r, Mapping)]
    columns = tuple(k for k in dict.fromkeys(k for r in rows for k in r)
                    if k not in HIDDEN_RATE_COLUMNS)
    return Table(columns=columns, rows=tuple(tuple(_cell(r.get(c)) for c in columns)
                                             for r in rows))


def _rates(raw: Any) -> Rates | None:
    if not isinstance(raw, Mapping):
        return None
    by_arm = _table(raw.get("by_arm"))
    definitions = tuple((str(k), str(v)) for k, v in (raw.get("definitions") or {}).items())
    means = []
    for key, definition in definitions:
        per_arm: dict[str, float | None] = {}
        for arm in ("pilot", "comparison"):
            found = [optional_number(r.get(key)) for r in raw.get("by_arm") or ()
                     if isinstance(r, Mapping) and r.get("arm") == arm]
            values = [v for v in found if v is not None]
            per_arm[arm] = sum(values) / len(values) if values else None
        means.append(RateMean(rate=key, definition=definition, **per_arm))
    return Rates(period=str(raw.get("period") or ""), definitions=definitions, by_arm=by_arm,
                 by_team=_table(raw.get("by_team")), means=tuple(means),
                 by_team_note=str(raw.get("by_team_note") or ""))


def _comparison_or(value: Any) -> ComparisonEstimate | Unavailable | None:
    from pilot_eval.report.build_outcome import comparison

    if value is None or isinstance(value, Unavailable):
        return value
    return comparison(value)


def _leaving(results: Mapping[str, Any]) -> LeavingDid | Unavailable | None:
    did = results.get("did_leaving_result")
    if did is None or isinstance(did, Unavailable):
        return did
    raw = did.to_dict()
    leaving = results.get("did_leaving") or {}
    return LeavingDid(
        **{k: value_of(raw.get(k)) for k in ("rate_ratio", "ci_low", "ci_high", "p_value",
                                             "estimate", "se")},
        level=float(raw.get("level") or 0.95),
        se_description=str(raw.get("se_description") or ""), model=str(raw.get("model") or ""),
        n_obs=optional_int(raw.get("n_obs")), n_units=optional_int(raw.get("n_units")),
        n_clusters=optional_int(raw.get("n_clusters")),
        leavers=optional_number(raw.get("leavers")),
        person_time=optional_number(raw.get("person_time")),
        linear_rate=_comparison_or(_plain_or_unavailable(leaving.get("linear_rate"))),
        staggered_rate=_comparison_or(_plain_or_unavailable(leaving.get("staggered_rate"))),
        cause_specific=_cox(results.get("cox_cause")),
        cause=None if results.get("cause") is None else str(results["cause"]))


def _fine_gray(results: Mapping[str, Any]) -> FineGrayModel | Unavailable | None:
    value = results.get("fine_gray")
    if value is None or isinstance(value, Unavailable):
        return value
    raw = value.to_dict()
    about = results.get("fine_gray_about") or {}
    terms = tuple(FineGrayTerm(name=str(c.get("name")), **{
        k: value_of(c.get(k)) for k in ("coef", "se", "shr", "ci_low", "ci_high", "p_value")})
        for c in raw.get("coefficients") or ())
    return FineGrayModel(
        cause=str(raw.get("event_type")), terms=terms,
        population=str(about.get("population") or ""),
        n_spells=optional_int(about.get("n_spells")), n_used=optional_int(about.get("n_used")),
        n_events=optional_int(raw.get("n_events")),
        n_competing=optional_int(raw.get("n_competing")),
        n_clusters=optional_int(raw.get("n_clusters")), level=float(raw.get("level") or 0.95),
        se_type=str(raw.get("se_type") or ""), pilot_term=about.get("pilot_term"),
        note=str(about.get("note") or ""))


def _plain_or_unavailable(value: Any) -> Any:
    if value is None:
        return Unavailable("not estimated")
    return value


def _staff_data(raw: Any, project_folder: Path | None) -> StaffData | None:
    if not isinstance(raw, Mapping):
        return None
    return StaffData(file=relative_name(raw.get("file"), project_folder),
                     sha256=str(raw.get("sha256") or ""), rows_read=int(raw.get("n_rows") or 0),
                     spells=optional_int(raw.get("n_spells")),
                     extract_date=raw.get("extract_date"),
                     extract_date_source=str(raw.get("extract_date_source") or ""),
                     observed_from=raw.get("observed_from"))


def relative_name(path: Any, folder: Path | None) -> str:
    """A data file's name relative to the project's folder (never the working directory);
    the bare file name when it is elsewhere or there is no project folder."""
    if not path:
        return ""
    source = Path(str(path))
    if folder is not None:
        try:
            return source.resolve().relative_to(folder.resolve()).as_posix()
        except ValueError:
            pass
    return source.name


def retention_report(analysis: Any, *, project_folder: Path | None = None) -> RetentionReport:
    """The report of one ``RetentionAnalysis`` (``pilot_eval.retention.run_retention``)."""
    results = analysis.results
    request = analysis.request
    cox = _cox(results.get("cox"))
    logrank = results.get("logrank")
    if logrank is not None and not isinstance(logrank, Unavailable):
        raw = logrank.to_dict()
        logrank = LogRank(statistic=value_of(raw.get("statistic")), df=optional_int(raw.get("df")),
                          p_value=value_of(raw.get("p_value")))
    km = results.get("km")
    km_raw = km.to_dict() if hasattr(km, "to_dict") else {}
    by_period = results.get("km_by_period")
    validation = results.get("validation") or {}
    return RetentionReport(
        time_unit=str(results.get("time_unit") or "months"),
        ci_transform=request.ci_transform, level=request.level,
        groups=km_groups(km_raw), logrank=logrank, cox=cox, pilot_effect=pilot_effect(cox),
        rmst=rmst_report(results.get("rmst"), horizon=results.get("horizon")),
        incidence=_incidence(results),
        rates=_rates(results.get("rates")), leaving=_leaving(results),
        periods=km_groups(by_period.to_dict() if hasattr(by_period, "to_dict") else None),
        data=_staff_data(results.get("data"), project_folder),
        validation=tuple(finding(p) for p in validation.get("problems") or ()
                         if isinstance(p, Mapping)),
        warnings=tuple(str(w) for w in analysis.warnings),
        pilot_start_dates=tuple(str(d) for d in results.get("pilot_starts") or ()),
        fine_gray=_fine_gray(results))
