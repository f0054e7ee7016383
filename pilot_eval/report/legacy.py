"""The ``did --json`` object (its keys are a command-line contract), written from the report.

The object is the estimator's own dictionary with the extras beside it, as before; every
decision in it comes from the ``OutcomeReport`` (the headline's interval and p-value, the
event-time rows shown, the pre-trend tests' reliability), so the command line says exactly
what the brief and the window say.  ``schema_version`` says which results schema it belongs to.
"""

from __future__ import annotations

from typing import Any

from pilot_eval.estimators import Unavailable
from pilot_eval.report.build_outcome import outcome_report
from pilot_eval.report.outcome import OutcomeReport, PreTrendTest
from pilot_eval.report.project_report import SCHEMA_VERSION
from pilot_eval.report.values import number

SWAPPED = ("ci_low", "ci_high", "p_value")


def _plain(value: Any) -> Any:
    return None if isinstance(value, Unavailable) else value


def _test(test: PreTrendTest, raw: dict[str, Any] | None = None) -> dict[str, Any]:
    out = dict(raw or {"statistic": _plain(test.statistic), "df": test.df,
                       "df_denominator": test.df_denominator, "p_value": _plain(test.p_value),
                       "test": test.test})
    out.update(reliable=test.reliable, note=test.note)
    return out


def did_json(analysis: Any, report: OutcomeReport | None = None) -> dict[str, Any]:
    """The ``did --json`` object of ``analysis`` (a ``DidAnalysis``)."""
    report = report or outcome_report(analysis)
    out = dict(analysis.result.to_dict())
    headline = report.headline
    if headline.analytic is not None:
        a = headline.analytic
        out["analytic"] = {"se": _plain(a.se), "ci_low": _plain(a.ci_low),
                           "ci_high": _plain(a.ci_high), "p_value": _plain(a.p_value),
                           "se_type": a.se_type, "se_description": a.se_description}
        reasons = {k: v for k, v in (out.get("unavailable") or {}).items() if k not in SWAPPED}
        for key in SWAPPED:
            value = getattr(headline, key)
            out[key] = number(value)
            if isinstance(value, Unavailable):
                reasons[key] = value.reason
        out.update(se_type="wild", se_description=headline.se_description, unavailable=reasons)
    study = analysis.extras.get("event_study")
    study_dict = None if study is None or isinstance(study, Unavailable) else study.to_dict()
    shown = report.event_study
    if shown is not None and shown.source == "dynamic aggregation":
        out["event_time"] = [{"e": r.e, "estimate": _plain(r.estimate), "se": _plain(r.se),
                              "ci_low": _plain(r.ci_low), "ci_high": _plain(r.ci_high)}
                             for r in shown.rows]
    elif shown is not None and "event_time" not in out and study_dict is not None:
        out["event_time"] = study_dict["event_time"]
    for test in report.pretest.tests:
        if test.source == "event study":
            out["pretest_event_study"] = {**_test(test, study_dict and study_dict.get(
                "pretest")), "leads": list(test.leads)}
        elif isinstance(out.get("pretest"), dict):
            out["pretest"] = _test(test, out["pretest"])
    for key, value in analysis.extras.items():
        out[key] = ({"unavailable": value.reason} if isinstance(value, Unavailable)
                    else value.to_dict())
    out["outcome_label"] = report.label
    out["outcome_unit"] = report.unit
    out["polarity"] = report.polarity
    out["choice"] = analysis.choice.to_dict()
    out.setdefault("n_treated_clusters", analysis.choice.n_treated_clusters)
    out["data"] = analysis.data.to_dict()
    out["group_means"] = [dict(row) for row in analysis.group_means]
    out["pilot_starts"] = [dict(row) for row in analysis.pilot_starts]
    out["period_labels"] = {str(k): v for k, v in analysis.period_labels.items()}
    out["validation"] = [p.to_dict() for p in analysis.validation.problems]
    out["warnings"] = list(report.warnings)
    out["evidence"] = {"level": report.evidence.level, "word": report.evidence.word,
                       "reasons": list(report.evidence.reasons),
                       "not_checked": list(report.evidence.not_checked)}
    out["schema_version"] = SCHEMA_VERSION
    return out
