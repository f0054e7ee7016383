"""Multi-outcome runs and the demo pipeline (data -> estimates -> results.json + brief).

``pilot-eval demo`` and the window's "Open the demo pilot" both come through here, and both
use ``run_analysis`` for every number.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pilot_eval import __version__
from pilot_eval.analysis import DidAnalysis, DidOptions, DidRequest, run_analysis
from pilot_eval.errors import ProjectFileError
from pilot_eval.estimators import PanelColumns
from pilot_eval.io import LoadedTable, load_table
from pilot_eval.jsonio import write_bytes_atomic, write_json_atomic
from pilot_eval.progress import SILENT, Progress
from pilot_eval.project import OutcomeChoice, Project, save_project
from pilot_eval.retention import (
    demo_request,
    request_from_project,
    request_to_project,
    run_retention,
)
from pilot_eval.spec import DatasetSpec

DEMO_ORGANISATION = "Demo councils' empowerment pilot"


@dataclass(frozen=True)
class BriefOutputs:
    """The files a run wrote and its one-line headline."""

    pdf: Path
    html: Path
    results: Path
    headline: str


class _Stage(Progress):
    """Maps a sub-task's 0..1 progress onto a slice of the parent's range."""

    def __init__(self, parent: Progress, start: float, stop: float) -> None:
        super().__init__()
        self._parent, self._start, self._stop = parent, start, stop

    def report(self, fraction: float, message: str = "") -> None:
        self._parent.report(self._start + (self._stop - self._start) * fraction, message)

    def check(self) -> None:
        self._parent.check()


def demo_project(folder: str | Path) -> Project:
    """The demo pilot as a project whose data files are copied into ``folder/data``."""
    from pilot_eval.demo import EXTRACT_DATE, OUTCOMES, demo_path

    data_dir = Path(folder) / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    copies = {}
    for name in ("outcomes.csv", "staff.csv", "teams.csv"):
        copies[name] = write_bytes_atomic(data_dir / name, demo_path(name).read_bytes())
    table = load_table(copies["outcomes.csv"])
    columns = PanelColumns(outcome=OUTCOMES[0].column, unit="team", time="month",
                           cohort="pilot_start", cluster="team")
    outcomes = tuple(OutcomeChoice(info.column, info.label, info.unit, info.polarity)
                     for info in OUTCOMES)
    staff_data, retention = request_to_project(demo_request(data_dir), copies["staff.csv"])
    return Project(outcome_data=DatasetSpec.from_table(table, columns), outcomes=outcomes,
                   did=DidOptions(checks=True, sensitivity=True),
                   staff_data=staff_data, retention=retention,
                   brief={"organisation": DEMO_ORGANISATION, "date": EXTRACT_DATE.isoformat()})


def run_outcomes(
    requests: Sequence[DidRequest],
    table: LoadedTable,
    progress: Progress | None = None,
) -> list[DidAnalysis]:
    """``run_analysis`` for each request on the same table, with progress across all of them."""
    progress = progress or SILENT
    analyses = []
    for i, request in enumerate(requests):
        stage = _Stage(progress, i / len(requests), (i + 1) / len(requests))
        analyses.append(run_analysis(request, table, stage))
    return analyses


def results_document(analyses: Sequence[DidAnalysis], table: LoadedTable) -> dict[str, Any]:
    """The ``results.json`` document: provenance plus every outcome's result dictionary."""
    return {
        "pilot_eval_version": __version__,
        "data": {"file": Path(table.path).name, "sha256": table.sha256, "n_rows": table.n_rows},
        "outcomes": [analysis.to_dict() for analysis in analyses],
    }


def run_project(project: Project, *, progress: Progress | None = None) -> dict[str, Any]:
    """Every analysis a project asks for; returns the results document."""
    progress = progress or SILENT
    if project.outcome_data is None or not project.outcomes:
        raise ProjectFileError("the project has no outcome data or no outcomes to analyse",
                               hint="Open the outcome panel and choose at least one outcome.")
    progress.report(0.0, "Loading the data")
    table = project.outcome_data.load()
    share = 0.7 if project.staff_data else 1.0
    analyses = run_outcomes(project.did_requests(), table, _Stage(progress, 0.05, share))
    document = results_document(analyses, table)
    if project.staff_data:
        progress.report(share, "Staff retention")
        request = request_from_project(project.staff_data, project.retention)
        staff = load_table(project.staff_data["path"])
        document["retention"] = run_retention(request, staff,
                                              _Stage(progress, share, 1.0)).to_dict()
    return document


def write_outputs(project: Project, results: dict[str, Any], out_dir: str | Path, *,
                  progress: Progress | None = None) -> BriefOutputs:
    """Write ``results.json``, ``brief.pdf`` and ``brief.html`` into ``out_dir``."""
    from pilot_eval.brief import build_brief_content, render_html, render_pdf
    from pilot_eval.brief.options import BriefOptions

    progress = progress or SILENT
    out = Path(out_dir)
    written = write_json_atomic(out / "results.json", results)
    progress.report(0.5, "Writing the brief")
    options = BriefOptions.from_dict({"date": _dt.date.today().isoformat(), **project.brief,
                                      **project.narrative}, strict=False)
    content = build_brief_content(results, options=options)
    pdf = Path(render_pdf(content, out / "brief.pdf") or out / "brief.pdf")
    html = Path(render_html(content, out / "brief.html") or out / "brief.html")
    progress.report(1.0, "Done")
    return BriefOutputs(pdf=pdf, html=html, results=written, headline=_headline(content))


def run_demo(out_dir: str | Path, *, progress: Progress | None = None) -> BriefOutputs:
    """Run the whole pipeline on the bundled demo pilot: the same path as ``pilot-eval brief``.

    Writes the demo project (``demo.pilot.json`` with its data in ``data/``) beside the outputs,
    so the analyst can open it in the window or rerun ``pilot-eval brief`` on it.
    """
    progress = progress or SILENT
    out = Path(out_dir)
    project = demo_project(out)
    save_project(project, out / "demo.pilot.json")
    results = run_project(project, progress=_Stage(progress, 0.0, 0.8))
    return write_outputs(project, results, out, progress=_Stage(progress, 0.8, 1.0))


def _headline(content: Any) -> str:
    sentences = getattr(content, "headlines", None) or getattr(content, "headline", "")
    if isinstance(sentences, list | tuple):
        return " ".join(str(s) for s in sentences[:1])
    return str(sentences)
