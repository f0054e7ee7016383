"""``run_project(project, progress) -> ProjectReport``: the one path from a project to its
report.  The command line (``demo``, ``brief``), the window and the tests all go through it.

It loads the data, runs every outcome (``run_analysis``) and the retention analysis the project
asks for (``run_retention``, with the project's retention options), builds each part of the
report (every decision made there), and records provenance (files named relative to the project
file), the QA log (versions, seeds, the run's timestamp from the clock) and the brief's options
and narrative.  Cancelling ``progress`` raises ``AnalysisCancelled`` at the next step.
"""

from __future__ import annotations

import platform
from collections.abc import Sequence
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import Any

from pilot_eval import __version__
from pilot_eval.errors import ProjectFileError
from pilot_eval.estimators.thresholds import HONESTDID_SEED
from pilot_eval.progress import SILENT, Progress
from pilot_eval.report.build_outcome import outcome_report
from pilot_eval.report.build_planning import SEED as PLANNING_SEED
from pilot_eval.report.build_planning import build_planning, is_unclear
from pilot_eval.report.build_retention import relative_name, retention_report
from pilot_eval.report.clock import Clock, read_clock
from pilot_eval.report.options import BriefOptions
from pilot_eval.report.outcome import OutcomeReport
from pilot_eval.report.planning_report import PlanningSection
from pilot_eval.report.project_report import (
    DataSource,
    ProjectReport,
    Provenance,
    QaLog,
)
from pilot_eval.report.retention_report import RetentionReport

PACKAGES = ("numpy", "pandas", "scipy", "linearmodels", "lifelines", "matplotlib",
            "reportlab")
"""Packages whose versions the QA log records (with Python and pilot-eval)."""


class Stage(Progress):
    """Maps a sub-task's 0..1 progress onto a slice of the parent's range."""

    def __init__(self, parent: Progress, start: float, stop: float) -> None:
        super().__init__()
        self._parent, self._start, self._stop = parent, start, stop

    def report(self, fraction: float, message: str = "") -> None:
        self._parent.report(self._start + (self._stop - self._start) * fraction, message)

    def check(self) -> None:
        self._parent.check()

    @property
    def cancelled(self) -> bool:
        return self._parent.cancelled


def brief_options(project: Any) -> BriefOptions:
    """The project's brief options with its narrative (issue, recommendation ...) merged in."""
    return BriefOptions.from_dict({**project.brief, **project.narrative}, strict=False)


def software_versions() -> tuple[tuple[str, str], ...]:
    """Python, pilot-eval and the numerical packages, as installed now."""
    found = [("Python", platform.python_version()), ("pilot-eval", __version__)]
    for name in PACKAGES:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            continue
    return tuple(found)


def run_project(project: Any, progress: Progress | None = None, *,
                project_file: str | Path | None = None,
                clock: Clock | None = None) -> ProjectReport:
    """Every analysis ``project`` asks for, as one ``ProjectReport``.

    ``project_file`` is where the project is saved: data files are named relative to its
    folder (so the same project gives the same report wherever it is run from).  ``clock``
    (else ``PILOT_EVAL_CLOCK``, else the system clock) dates the run.
    """
    progress = progress or SILENT
    if project.outcome_data is None or not project.outcomes:
        raise ProjectFileError("the project has no outcome data or no outcomes to analyse",
                               hint="Open the outcome panel and choose at least one outcome.")
    run_at, which = read_clock(clock)
    folder = Path(project_file).resolve().parent if project_file is not None else None
    options = brief_options(project)
    progress.report(0.0, "Loading the data")
    table = project.outcome_data.load()
    share = 0.7 if project.staff_data else 1.0
    outcomes = _outcomes(project, table, options.unit_noun, Stage(progress, 0.05, share))
    spec = project.outcome_data
    sources = [DataSource(role="outcome panel", file=relative_name(table.path, folder),
                          sha256=str(table.sha256 or ""), rows_read=int(table.n_rows),
                          excluded_rows=tuple(getattr(spec, "exclude_rows", ()) or ()),
                          header_row=table.header_row)]
    retention = None
    if project.staff_data:
        progress.report(share, "Staff retention")
        retention = _retention(project, folder, Stage(progress, share, 1.0))
        if retention.data is not None:
            sources.append(DataSource(role="staff records", file=retention.data.file,
                                      sha256=retention.data.sha256,
                                      rows_read=retention.data.rows_read))
    progress.report(1.0, "Done")
    seeds = [int(project.did.seed)] if project.did.bootstrap > 0 or any(
        o.wild is not None or (o.headline.estimator == "synthetic-did"
                               and o.headline.se_type in ("placebo", "bootstrap"))
        for o in outcomes) else []  # synthetic DiD's placebo/bootstrap draws use it too
    if any(o.sensitivity is not None for o in outcomes) and HONESTDID_SEED not in seeds:
        seeds.append(HONESTDID_SEED)  # the sensitivity bounds' draws use R HonestDiD's seed
    if any(isinstance(o.planning, PlanningSection) for o in outcomes) \
            and PLANNING_SEED not in seeds:
        seeds.append(PLANNING_SEED)  # the planning simulation's resampling
    return ProjectReport(
        outcomes=outcomes, retention=retention,
        provenance=_provenance(project_file, sources, outcomes, retention),
        qa=QaLog(run_at=run_at, clock=which, pilot_eval_version=__version__,
                 software=software_versions(),
                 seeds=tuple(seeds)),
        brief=options, narrative=tuple(sorted(project.narrative.items())))


def _outcomes(project: Any, table: Any, unit_noun: str,
              progress: Progress) -> tuple[OutcomeReport, ...]:
    from pilot_eval.analysis import run_analysis

    requests = project.did_requests()
    reports = []
    for i, request in enumerate(requests):
        share = 1 / len(requests)
        stage = Stage(progress, i * share, (i + 0.8) * share)
        analysis = run_analysis(request, table, stage, cross_check="auto")  # QA re-estimate
        report = outcome_report(analysis, unit_noun=unit_noun)
        if is_unclear(report):  # could the pilot have told? (power of its own design)
            planning = build_planning(
                report, request.columns, table,
                expected_effect=getattr(project.outcomes[i], "expected_effect", None),
                progress=Stage(progress, (i + 0.8) * share, (i + 1) * share))
            report = replace(report, planning=planning)
        reports.append(report)
    return tuple(reports)


def _retention(project: Any, folder: Path | None, progress: Progress) -> RetentionReport:
    from pilot_eval.io import load_table
    from pilot_eval.retention import request_from_project, run_retention

    request = request_from_project(project.staff_data, project.retention)
    staff = load_table(project.staff_data["path"])
    return retention_report(run_retention(request, staff, progress), project_folder=folder)


def _provenance(project_file: str | Path | None, sources: list[DataSource],
                outcomes: Sequence[OutcomeReport],
                retention: RetentionReport | None) -> Provenance:
    means = [m for o in outcomes for m in o.group_means]
    first = min(means, key=lambda m: m.period).label if means else ""
    last = max(means, key=lambda m: m.period).label if means else ""
    extract = retention.data.extract_date if retention and retention.data else None
    return Provenance(project_file=Path(project_file).name if project_file else "",
                      sources=tuple(sources), first_period=first, last_period=last,
                      extract_date=extract or "")
