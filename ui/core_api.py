"""The core functions the window uses, behind one small object the controller can be given.

``CoreApi`` imports pandas, the estimators, matplotlib and reportlab only when a method is first
called (in a worker thread), so the window appears fast.  Tests give the controller a fake with
the same methods.  Every method here may be slow and is called from the task runner only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pilot_eval.progress import Progress
from pilot_eval.role_names import (  # noqa: F401  (names the window imports from here)
    ROLE_ALIASES,
    ROLE_FIELDS,
    UNIT_SUFFIXES,
    OutcomeInfo,
    guess_outcome_info,
    normalise_roles,
)


@dataclass(frozen=True)
class NetworkConfirmation:
    """A project names files on other computers: the user must agree before any is touched."""

    project: str
    paths: tuple[tuple[str, str], ...]  # (what, path)
    data_path: str | None = None

    def hosts(self) -> tuple[str, ...]:
        from .places import network_host

        return tuple(sorted({h for _, p in self.paths if (h := network_host(p))}))


def project_file_paths(project: Any, *, data_path: str | None = None
                       ) -> list[tuple[str, Any]]:
    """``(what, path)`` of every file a project reads: data, staff records, teams, logo."""
    staff = project.staff_data if isinstance(project.staff_data, dict) else {}
    spec = project.outcome_data
    return [("Outcome data", data_path or (spec.path if spec is not None else None)),
            ("Staff records", staff.get("path")),
            ("Pilot starts (teams file)", staff.get("pilot_starts_path")),
            ("Logo", (project.brief or {}).get("logo"))]


@dataclass(frozen=True)
class TrendsOutput:
    """The Trends step before any analysis: pilot and comparison means, the pilot starts."""

    result: dict[str, Any]  # outcome, outcome_label, outcome_unit, group_means, pilot_starts
    figure: Any = None  # the chart as PNG bytes
    chart_problem: str = ""


@dataclass(frozen=True)
class AnalysisOutput:
    """What an analysis task hands back to the GUI thread."""

    analysis: Any  # pilot_eval.analysis.DidAnalysis
    result: dict[str, Any]
    figure: Any = None  # the chart as PNG bytes, or None when it could not be drawn
    chart_problem: str = ""
    trend_figure: Any = None  # the group-means chart (PNG) for the Trends step
    event_figure: Any = None  # the event-study chart (PNG) when the result has ``event_time``
    evidence: str = ""  # "evidence strength ... because ..." as the brief rates it


REPORT_KEY = "report"
"""The result dictionary's typed ``OutcomeReport`` (bridge until the window renders the
``ProjectReport`` of ``pilot_eval.report.run_project``)."""


def evidence_line(result: dict[str, Any]) -> str:
    """'Label: evidence strength moderate. Reasons.' from the report's rating ("" if none)."""
    report = result.get(REPORT_KEY)
    if report is None:
        return ""
    rating = report.evidence
    why = " ".join(rating.reasons) or "No reason to lower it was found."
    return f"{report.label}: evidence strength {rating.word.lower()}. {why}"


class CoreApi:
    """Calls into ``pilot_eval`` on behalf of the controller (always off the GUI thread)."""

    def load_table(self, path: str, progress: Progress, **options: Any) -> Any:
        """Read ``path``; ``options`` are ``load_table``'s sheet/encoding/delimiter/decimal."""
        from pilot_eval.io import load_table

        progress.report(0.05, f"Reading {Path(path).name}")
        table = load_table(path, **options)
        progress.report(0.9, "Guessing column roles")
        return table

    def open_project(self, path: str, progress: Progress, *, data_path: str | None = None,
                     allow_hosts: tuple[str, ...] = ()) -> Any:
        """The project's outcome data, its roles, a note when the data file changed, and
        ``{"project": Project, "path": path}``.

        A project naming files on another computer (not the one the project itself is on,
        nor one in ``allow_hosts``) is not opened: a ``NetworkConfirmation`` comes back, and
        none of those files is touched (not even to ask whether it exists)."""
        from pilot_eval.errors import DataError, ProjectFileError
        from pilot_eval.io import load_table
        from pilot_eval.project import check_source, load_project

        from .places import network_host, network_paths_of

        progress.report(0.05, f"Reading {Path(path).name}")
        project = load_project(path)
        chosen = {h for h in (network_host(path), network_host(data_path or "")) if h}
        found = network_paths_of(project_file_paths(project, data_path=data_path),
                                 allowed_hosts={*chosen, *allow_hosts})
        if found:
            return NetworkConfirmation(str(path), tuple(found), data_path)
        spec = project.outcome_data
        if spec is None:
            raise ProjectFileError("the project names no outcome data file", file=Path(path).name,
                                   hint="Open the data file itself with Open data file.")
        if data_path:  # the user located a data file that moved
            from dataclasses import replace

            spec = replace(spec, path=str(data_path))
        status = check_source(spec)
        if status.state == "missing":
            raise DataError(status.message, file=Path(path).name)
        progress.report(0.2, f"Reading {Path(spec.path).name}")
        table = load_table(spec.path, sheet=spec.sheet, encoding=spec.encoding,
                           delimiter=spec.delimiter, decimal=spec.decimal)
        columns = spec.columns
        roles = {role: getattr(columns, field) for role, field in ROLE_FIELDS.items()}
        if project.outcomes:
            roles["outcome"] = project.outcomes[0].column
        extras = {"project": project, "path": str(path), "relocated": bool(data_path)}
        return table, normalise_roles(roles, table.frame), status.message, extras

    def make_demo(self, folder: str, progress: Progress) -> str:
        """Save the demo pilot as a project in ``folder`` (data copied beside it)."""
        from dataclasses import replace

        from pilot_eval.demo import EXTRACT_DATE, FIRST_MONTH
        from pilot_eval.pipeline import demo_project
        from pilot_eval.project import save_project

        progress.report(0.02, "Preparing the demo pilot")
        project = demo_project(folder)
        data = Path(folder) / "data"
        year, month = FIRST_MONTH
        staff = {"path": str(data / "staff.csv"), "pilot_starts_file": "teams.csv",
                 "extract_date": EXTRACT_DATE.isoformat(),
                 "observed_from": f"{year:04d}-{month:02d}-01"}
        path = Path(folder) / "demo.pilot.json"
        save_project(replace(project, staff_data=staff), path)
        return str(path)

    def retention(self, staff_path: str, pilot_starts_path: str | None, progress: Progress,
                  **dates: Any) -> Any:
        """Every retention analysis of the staff records (``RetentionOutput``); ``dates``:
        ``extract_date`` and ``observed_from`` as ISO text, and ``columns`` (field -> column)."""
        from .retention_core import run_staff_retention

        return run_staff_retention(staff_path, pilot_starts_path, progress, **dates)

    def sheet_names(self, path: str) -> list[str]:
        from pilot_eval.io import sheet_names

        return sheet_names(path)

    def guess_roles(self, frame: Any) -> dict[str, str | None]:
        from pilot_eval.roles import guess_roles

        return normalise_roles(guess_roles(frame), frame)

    def columns(self, roles: dict[str, str | None]) -> Any:
        from pilot_eval.estimators import PanelColumns

        fields = {ROLE_FIELDS[r]: c for r, c in roles.items() if c and r in ROLE_FIELDS}
        return PanelColumns(**fields)

    def validate(self, table: Any, roles: dict[str, str | None], progress: Progress) -> Any:
        """The validation report for ``roles`` (every problem at once)."""
        from pilot_eval.validation import validate_panel

        progress.report(0.1, "Checking the data")
        return validate_panel(table.frame, self.columns(roles), file=Path(table.path).name)

    def trends(self, table: Any, roles: dict[str, str | None], progress: Progress
               ) -> TrendsOutput:
        """The pilot and comparison means per period and the pilot starts, as soon as the
        roles are mapped (no estimate: the pre-trend test comes with the analysis)."""
        from pilot_eval.io.periods import normalise_periods
        from pilot_eval.summaries import group_means, pilot_starts, start_periods

        from .chart_image import render_png

        columns = self.columns(roles)
        frame, labels = table.frame, {}
        progress.report(0.1, "Reading the periods")
        if columns.time is not None:
            periods = normalise_periods(frame, time=columns.time, cohort=columns.cohort,
                                        file=Path(str(table.path)).name)
            frame, labels = periods.frame, dict(periods.labels)
        starts = start_periods(frame, columns)
        progress.report(0.4, "Pilot and comparison means")
        info = guess_outcome_info(roles["outcome"] or "")
        result = {"outcome": roles["outcome"], "outcome_label": info.label,
                  "outcome_unit": info.unit, "polarity": info.polarity,
                  "group_means": [dict(r) for r in group_means(frame, columns, labels,
                                                               starts=starts)],
                  "pilot_starts": [dict(r) for r in pilot_starts(frame, columns, labels,
                                                                 starts=starts)],
                  "pretest_pending": True}
        progress.report(0.7, "Drawing the chart")
        figure, problem = self.chart(result)
        return TrendsOutput(result=result, figure=render_png(figure), chart_problem=problem)

    def analyse(self, table: Any, roles: dict[str, str | None], progress: Progress,
                **options: Any) -> AnalysisOutput:
        """The DiD for ``roles``; ``options`` are ``DidRequest`` options (``estimator``).

        Tables of ``PROCESS_ROWS`` rows or more are analysed in a child process
        (``process_task``), so the window's event loop is never held up."""
        from .process_task import PROCESS_ROWS, analyse_file, run_in_process

        if getattr(table, "n_rows", 0) >= PROCESS_ROWS and Path(str(table.path)).is_file():
            read = {k: getattr(table, k) for k in ("sheet", "encoding", "delimiter", "decimal")
                    if getattr(table, k, None) is not None}
            return run_in_process(analyse_file, str(table.path), read,
                                  getattr(table, "sha256", None), dict(roles), dict(options),
                                  progress=progress)
        return self.analyse_here(table, roles, progress, **options)

    def analyse_here(self, table: Any, roles: dict[str, str | None], progress: Progress,
                     **options: Any) -> AnalysisOutput:
        """The DiD in this process (the task runner's thread, or the analysis process)."""
        from pilot_eval.analysis import DidRequest, run_analysis

        info = guess_outcome_info(roles["outcome"] or "")
        request = DidRequest(self.columns(roles), outcome_label=info.label,
                             outcome_unit=info.unit, polarity=info.polarity, **options)
        from pilot_eval.report.build_outcome import outcome_report

        analysis = run_analysis(request, table, progress)
        result = {**analysis.to_dict(), REPORT_KEY: outcome_report(analysis)}
        from .chart_image import render_png

        progress.report(0.97, "Drawing the charts")
        figure, problem = self.chart(result)
        picture = render_png(figure)  # drawn here, not on the GUI thread
        return AnalysisOutput(analysis=analysis, result=result, figure=picture,
                              chart_problem=problem, trend_figure=picture,
                              event_figure=render_png(self.event_chart(result)),
                              evidence=evidence_line(result))

    def event_chart(self, result: dict[str, Any]) -> Any:
        """The event-study figure, or ``None`` when the result has no event-time rows."""
        rows = result.get("event_time")
        if not rows:
            return None
        from pilot_eval.charts.event_time import event_time_figure

        try:
            return event_time_figure(rows, outcome_label=result.get("outcome_label", ""),
                                     unit=result.get("outcome_unit", ""),
                                     reference=result.get("reference"))
        except (KeyError, ValueError, TypeError):
            return None

    def chart(self, result: dict[str, Any]) -> tuple[Any, str]:
        """The pilot-vs-comparison figure, or ``(None, reason)`` when it cannot be drawn."""
        from pilot_eval.charts import group_means_figure

        try:
            figure = group_means_figure(
                result["group_means"], pilot_starts=result.get("pilot_starts", []),
                outcome_label=result.get("outcome_label", ""), unit=result.get("outcome_unit", ""))
        except (KeyError, ValueError) as exc:
            return None, f"The chart could not be drawn: {exc}"
        return figure, ""

    def export_brief(self, results: list[dict[str, Any]], pdf_path: str, *, organisation: str = "",
                     author: str = "", progress: Progress, options: dict[str, Any] | None = None,
                     retention: dict[str, Any] | None = None) -> tuple[str, str]:
        """Write the brief as PDF and, beside it, HTML; return both paths.

        ``options`` are ``BriefOptions`` entries (the issue, recommendation ...); ``retention``
        is the retention analysis' dictionary, reported when given."""
        from pilot_eval.brief import render_html, render_pdf

        pdf = Path(pdf_path)
        if pdf.suffix.lower() != ".pdf":
            pdf = pdf.with_name(pdf.name + ".pdf")
        html = pdf.with_suffix(".html")
        progress.report(0.1, "Writing the brief")
        content = _brief_content(results, organisation, author, options, retention)
        progress.report(0.3, "Rendering the PDF")
        render_pdf(content, pdf)
        progress.report(0.8, "Rendering the HTML version")
        render_html(content, html)
        progress.report(1.0, "Done")
        return str(pdf), str(html)

    def brief_preview(self, results: list[dict[str, Any]], *, organisation: str = "",
                      author: str = "", progress: Progress, options: dict[str, Any] | None = None,
                      retention: dict[str, Any] | None = None) -> str:
        """Page 1 of the brief (title, summary, findings, evidence, caveats) as HTML text,
        from the same content the export writes."""
        from pilot_eval.brief import brief_html

        progress.report(0.1, "Drawing the preview")
        content = _brief_content(results, organisation, author, options, retention)
        page = page_one_html(brief_html(content))
        progress.report(1.0, "Done")
        return page


#: Where the HTML twin's first page ends: the charts over time, else the annex.
PAGE_ONE_ENDS = ('<section aria-labelledby="over-time">', '<section aria-labelledby="annex">')


def page_one_html(document: str) -> str:
    """The part of the brief's HTML before the charts and the annex, closed again."""
    for marker in PAGE_ONE_ENDS:
        cut = document.find(marker)
        if cut >= 0:
            return document[:cut] + "</main>\n</body>\n</html>\n"
    return document


def _brief_content(results: list[dict[str, Any]], organisation: str, author: str,
                   options: dict[str, Any] | None, retention: dict[str, Any] | None) -> Any:
    """The ``BriefContent`` both the export and the preview render."""
    from pilot_eval.brief import build_brief_content
    from pilot_eval.report.options import BriefOptions
    from pilot_eval.report.run import assemble_report

    brief_options = BriefOptions.from_dict({**(options or {}), "organisation": organisation,
                                            "author": author}, strict=False)
    outcomes = [r[REPORT_KEY] for r in results if r.get(REPORT_KEY) is not None]
    staff = (retention or {}).get(REPORT_KEY)
    return build_brief_content(assemble_report(outcomes, staff, brief_options))
