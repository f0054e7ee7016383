"""Hand-made reports for the brief's tests: typed ``OutcomeReport`` and ``ProjectReport`` values
built field by field (so the brief's tests do not depend on the estimators), with the evidence
rating set by the core's own rules (``pilot_eval.report.evidence.rate_evidence``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

from pilot_eval.report.evidence import rate_evidence
from pilot_eval.report.evidence_model import EvidenceRating
from pilot_eval.report.options import BriefOptions
from pilot_eval.report.outcome import (
    Clusters,
    Headline,
    MeanPoint,
    OutcomeData,
    OutcomeReport,
    PilotStart,
)
from pilot_eval.report.project_report import DataSource, ProjectReport, Provenance, QaLog

RUN_AT = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)
PLACEHOLDER = EvidenceRating(level=1, ceiling=1, reasons=(), design="")
SHA = "ab" * 32


def months(n: int = 30) -> list[tuple[int, str]]:
    return [(p, f"{2024 + (p - 1) // 12}-{(p - 1) % 12 + 1:02d}") for p in range(1, n + 1)]


def means(n: int = 30, lift_from: int = 13) -> tuple[MeanPoint, ...]:
    """Pilot and comparison means with a lift of 4 from period ``lift_from``."""
    rows = []
    for period, label in months(n):
        lift = 4.0 if period >= lift_from else 0.0
        rows.append(MeanPoint(period, label, "pilot",
                              60 + 0.1 * period + lift + math.sin(period), 16))
    for period, label in months(n):
        rows.append(MeanPoint(period, label, "comparison", 59 + 0.1 * period + math.cos(period),
                              32))
    return tuple(rows)


def rated(report: OutcomeReport, unit_noun: str = "teams") -> OutcomeReport:
    """``report`` with its evidence rating set by the core's rules."""
    return dataclasses.replace(report, evidence=rate_evidence(report, unit_noun=unit_noun))


def outcome(*, outcome: str = "goals_met", label: str = "Cases closed with goals met",
            unit: str = "%", polarity: str = "higher_is_better", estimate: Any = 4.137,
            ci: tuple[Any, Any] = (2.31, 5.94), two_starts: bool = True, n_clusters: int = 48,
            warnings: tuple[str, ...] = ("unbalanced panel: 12 team-months are missing",),
            estimator: str = "twfe", rows: tuple[int, int] = (1440, 1400),
            n_pilot: int | None = 16, **changes: Any) -> OutcomeReport:
    """One outcome as the brief's tests used to describe it (two-way fixed effects, clustered
    by team, 30 months, pilots starting in month 13 and, when ``two_starts``, month 19)."""
    starts = [PilotStart(13, "2025-01", 12)]
    if two_starts:
        starts.append(PilotStart(19, "2025-07", 4))
    headline = Headline(
        estimator=estimator, estimator_reason="staggered starts", inference="analytic",
        inference_reason="cluster-robust by team", se_type="cluster",
        se_description=f"clustered by team (CR1, {n_clusters} clusters)", estimate=estimate,
        se=0.9, ci_low=ci[0], ci_high=ci[1], p_value=0.0001, level=0.95, n_obs=1400,
        n_units=48, n_periods=30,
        clusters=Clusters(n=n_clusters, variable="team", counts="values of team",
                          n_pilot=n_pilot), t_stat=4.5, df=47.0)
    report = OutcomeReport(
        outcome=outcome, label=label, unit=unit, polarity=polarity, headline=headline,
        data=OutcomeData(file="demo.csv", sha256=SHA, rows_read=rows[0], rows_used=rows[1]),
        evidence=PLACEHOLDER, period_kind="month", group_means=means(),
        pilot_starts=tuple(starts), warnings=tuple(warnings))
    return rated(dataclasses.replace(report, **changes))


def with_headline(report: OutcomeReport, **changes: Any) -> OutcomeReport:
    """``report`` with headline fields changed (and the rating recomputed)."""
    return rated(dataclasses.replace(report, headline=dataclasses.replace(report.headline,
                                                                          **changes)))


def project(outcomes: Any, *, retention: Any = None, run_at: dt.datetime = RUN_AT,
            **options: Any) -> ProjectReport:
    """A project report of ``outcomes`` (one or a sequence) with brief ``options``."""
    if isinstance(outcomes, OutcomeReport):
        outcomes = (outcomes,)
    if "date" in options and isinstance(options["date"], dt.date):
        options["date"] = options["date"].isoformat()
    for name in ("headline_outcomes", "seeds"):
        if name in options:
            options[name] = tuple(options[name])
    return ProjectReport(
        outcomes=tuple(outcomes), retention=retention,
        provenance=Provenance(project_file="pilot.pilot.json", sources=(
            DataSource(role="outcome panel", file="demo.csv", sha256=SHA, rows_read=1440),),
            first_period="2024-01", last_period="2026-06"),
        qa=QaLog(run_at=run_at, clock="fixed (given by the caller)",
                 pilot_eval_version="0.1.0", software=(("Python", "3.11"),)),
        brief=BriefOptions(**options))
