"""From a project or an archived report to the files a run writes: results.json, brief.pdf and
brief.html.

``pilot-eval demo``, ``pilot-eval brief`` and the window's export all come through here, and
all of them render one ``ProjectReport`` (``pilot_eval.report.run_project`` builds it): the
brief of a report read back from results.json is byte-identical to the brief of the report in
memory.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from pilot_eval.analysis import DidOptions
from pilot_eval.atomic import OutputSet, write_bytes
from pilot_eval.estimators import PanelColumns
from pilot_eval.io import load_table
from pilot_eval.progress import SILENT, Progress
from pilot_eval.project import OutcomeChoice, Project, save_project
from pilot_eval.report.clock import Clock
from pilot_eval.report.errors import ResultsFileError
from pilot_eval.report.project_report import FORMAT, ProjectReport
from pilot_eval.report.run import Stage, run_project
from pilot_eval.retention import demo_request, request_to_project
from pilot_eval.spec import DatasetSpec

DEMO_ORGANISATION = "Demo councils' empowerment pilot"
RESULTS = "results.json"
TECHNICAL = "technical-report.pdf"


@dataclass(frozen=True)
class BriefOutputs:
    """The files a run wrote and its one-line headline."""

    pdf: Path
    html: Path
    results: Path
    headline: str
    technical: Path | None = None
    tables: Path | None = None

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file written, in the order people open them."""
        return tuple(p for p in (self.pdf, self.html, self.technical, self.tables,
                                 self.results) if p is not None)


def demo_project(folder: str | Path) -> Project:
    """The demo pilot as a project whose data files are copied into ``folder/data``."""
    from pilot_eval.demo import OUTCOMES, demo_path

    data_dir = Path(folder) / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    copies = {}
    for name in ("outcomes.csv", "staff.csv", "teams.csv"):
        copies[name] = write_bytes(data_dir / name, demo_path(name).read_bytes())
    table = load_table(copies["outcomes.csv"])
    columns = PanelColumns(outcome=OUTCOMES[0].column, unit="team", time="month",
                           cohort="pilot_start", cluster="team")
    outcomes = tuple(OutcomeChoice(info.column, info.label, info.unit, info.polarity)
                     for info in OUTCOMES)
    staff_data, retention = request_to_project(demo_request(data_dir),
                                               str(copies["staff.csv"]))
    return Project(outcome_data=DatasetSpec.from_table(table, columns), outcomes=outcomes,
                   did=DidOptions(checks=True, sensitivity=True),
                   staff_data=staff_data, retention=retention,
                   brief={"organisation": DEMO_ORGANISATION, "demo": True})


def write_outputs(report: ProjectReport, out_dir: str | Path, *,
                  progress: Progress | None = None) -> BriefOutputs:
    """Write the five files of ``report`` into ``out_dir``: ``brief.pdf`` (two pages and a
    short annex), ``brief.html`` (its accessible twin), ``technical-report.pdf`` (every table,
    formatted for people), ``tables.xlsx`` (the tables as numbers) and ``results.json``."""
    from pilot_eval.brief import build_brief_content, render_html, render_pdf
    from pilot_eval.brief.technical import build_technical_content
    from pilot_eval.brief.technical_pdf import render_technical_pdf
    from pilot_eval.tables import TABLES, tables_bytes

    progress = progress or SILENT
    # One output set: every file is written in full under a temporary name, then all are moved
    # into place and pilot-eval-manifest.json (run id, SHA-256 of each) is written last, so
    # the five files are known to come from one run and a half-finished export is visible.
    content = build_brief_content(report)  # checks the options (logo, text) before writing
    with OutputSet(out_dir) as outputs:
        written = outputs.write_bytes(RESULTS, report.to_json().encode("utf-8"))
        progress.report(0.2, "Writing the brief")
        pdf = outputs.write_with("brief.pdf", lambda temp: render_pdf(content, temp))
        progress.report(0.45, "Writing the accessible HTML brief")
        html = outputs.write_with("brief.html", lambda temp: render_html(content, temp))
        progress.report(0.55, "Writing the technical report")
        technical_content = build_technical_content(report)
        technical = outputs.write_with(
            TECHNICAL, lambda temp: render_technical_pdf(technical_content, temp))
        progress.report(0.9, "Writing the tables")
        tables = outputs.write_bytes(TABLES, tables_bytes(report))
    progress.report(1.0, "Done")
    headline = content.headlines[0] if content.headlines else ""
    return BriefOutputs(pdf=pdf, html=html, results=written, headline=headline,
                        technical=technical, tables=Path(tables))


def run_and_write(project: Project, project_file: str | Path, out_dir: str | Path, *,
                  progress: Progress | None = None, clock: Clock | None = None
                  ) -> tuple[ProjectReport, BriefOutputs]:
    """Run ``project`` (saved at ``project_file``) and write its three files into ``out_dir``."""
    from pilot_eval.brief.guard import check_options
    from pilot_eval.report.run import brief_options

    progress = progress or SILENT
    check_options(brief_options(project))  # a bad logo or a 20 MB field: say so before running
    report = run_project(project, Stage(progress, 0.0, 0.85), project_file=project_file,
                         clock=clock)
    return report, write_outputs(report, out_dir, progress=Stage(progress, 0.85, 1.0))


def run_demo(out_dir: str | Path, *, progress: Progress | None = None,
             clock: Clock | None = None) -> BriefOutputs:
    """Run the whole pipeline on the bundled demo pilot: the same path as ``pilot-eval brief``.

    Writes the demo project (``demo.pilot.json`` with its data in ``data/``) beside the outputs,
    so the analyst can open it in the window or rerun ``pilot-eval brief`` on it.
    """
    out = Path(out_dir)
    project = demo_project(out)
    path = save_project(project, out / "demo.pilot.json")
    return run_and_write(project, path, out, progress=progress, clock=clock)[1]


def is_results_file(path: str | Path) -> bool:
    """Whether ``path`` holds a results.json written by pilot-eval (not a project file)."""
    try:
        with Path(path).open("rb") as stream:
            head = stream.read(200)
    except OSError:
        return False
    return f'"format": "{FORMAT}"'.encode() in head


MAX_RESULTS_BYTES = 256 * 2**20
"""Largest results.json read back (the demo's is a few megabytes)."""
MAX_RESULTS_DEPTH = 64
"""Deepest nesting of a results.json read back (a report nests about ten levels)."""
RESULTS_MEMORY_FACTOR = 8.0
"""Memory of a parsed JSON document as a multiple of its text (Python objects)."""


def read_results(path: str | Path) -> ProjectReport:
    """The report archived in a results.json (``ResultsFileError`` when it cannot be read).

    A hostile file is refused before it is parsed: not an ordinary file, larger than
    ``MAX_RESULTS_BYTES`` or than the free memory allows, nested deeper than
    ``MAX_RESULTS_DEPTH`` (``pilot_eval.json_limits``)."""
    from pilot_eval.io.budget import require_memory
    from pilot_eval.json_limits import loads_bounded, read_bounded

    source = Path(path)

    def error(message: str, hint: str) -> ResultsFileError:
        return ResultsFileError(message, file=str(source), hint=hint)

    with contextlib.suppress(OSError):
        require_memory(source.stat().st_size * RESULTS_MEMORY_FACTOR, file=str(source),
                       what="the results file is large")
    data = read_bounded(source, limit=MAX_RESULTS_BYTES, kind="results file", error=error)
    document = loads_bounded(data, max_depth=MAX_RESULTS_DEPTH, kind="results file",
                             error=error, damaged_hint="Run the project again to rewrite it.")
    return ProjectReport.from_plain(document, file=str(source))
