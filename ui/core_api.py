"""The core functions the window uses, behind one small object the controller can be given.

``CoreApi`` imports pandas, the estimators, matplotlib and reportlab only when a method is first
called (in a worker thread), so the window appears fast.  Tests give the controller a fake with
the same methods.  Every method here may be slow and is called from the task runner only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
    """The Trends step before any analysis: the core's ``TrendsReport`` (means, pilot starts,
    the event study's pre-trend test) of one outcome, and the brief's chart of the means."""

    outcome: str
    label: str
    unit: str
    trends: Any  # pilot_eval.report.TrendsReport
    chart: Any = None  # report_core.Chart


PROCESS_BYTES = 5 * 2**20  # data files this large are read in the checks process


def _is_large(table: Any) -> bool:
    """Is ``table`` checked and analysed in a child process (``process_task.PROCESS_ROWS``)?"""
    from .process_task import PROCESS_ROWS

    return getattr(table, "n_rows", 0) >= PROCESS_ROWS


def panel_columns(roles: dict[str, str | None]) -> Any:
    """The estimators' ``PanelColumns`` of the window's roles."""
    from pilot_eval.estimators import PanelColumns

    fields = {ROLE_FIELDS[r]: c for r, c in roles.items() if c and r in ROLE_FIELDS}
    return PanelColumns(**fields)


def validate_table(table: Any, roles: dict[str, str | None], progress: Progress) -> Any:
    """The validation report of ``table`` for ``roles`` (every problem at once)."""
    from pilot_eval.validation import validate_panel

    progress.report(0.1, "Checking the data")
    return validate_panel(table.frame, panel_columns(roles), file=Path(table.path).name)


def trends_output(table: Any, roles: dict[str, str | None], progress: Progress
                  ) -> TrendsOutput:
    """The Trends part of the report as soon as the roles are mapped
    (``pilot_eval.report.trends_report``: means, pilot starts, the pre-trend test the full
    report reads first), with the brief's chart of the means."""
    from pilot_eval.brief.content import GroupMeansSpec
    from pilot_eval.charts import default_title
    from pilot_eval.report.trends import trends_report

    from .report_core import render_spec

    trends = trends_report(table, panel_columns(roles), progress=progress)
    info = guess_outcome_info(roles["outcome"] or "")
    spec = GroupMeansSpec(group_means=trends.group_means, pilot_starts=trends.pilot_starts,
                          outcome_label=info.label, unit=info.unit)
    return TrendsOutput(roles["outcome"] or "", info.label, info.unit, trends,
                        render_spec(spec, default_title(info.label)))


def open_table_here(path: str, progress: Progress) -> tuple[Any, dict[str, str | None]]:
    """``load_table(path)`` and its guessed column roles."""
    from pilot_eval.io import load_table
    from pilot_eval.roles import guess_roles

    progress.report(0.05, f"Reading {Path(path).name}")
    table = load_table(path)
    progress.report(0.9, "Guessing column roles")
    return table, normalise_roles(guess_roles(table.frame), table.frame)


def load_table_here(path: str, options: dict[str, Any], progress: Progress) -> tuple[Any]:
    """``load_table(path, **options)`` (the import wizard's read), as a one-item tuple so that
    the checks process keeps the table it read."""
    from pilot_eval.io import load_table

    progress.report(0.05, f"Reading {Path(path).name}")
    return (load_table(path, **options),)


def roles_here(table: Any, progress: Progress) -> dict[str, str | None]:
    """The guessed column roles of ``table``."""
    from pilot_eval.roles import guess_roles

    progress.report(0.5, "Guessing column roles")
    return normalise_roles(guess_roles(table.frame), table.frame)


def _file_size(path: str) -> int:
    """Bytes in ``path`` (0 when it cannot be read: the loader then says what is wrong)."""
    try:
        return Path(path).stat().st_size
    except (OSError, ValueError):
        return 0


def project_data_here(project: Any, spec: Any, note: str, extras: dict[str, Any],
                      progress: Progress) -> tuple[Any, dict[str, str | None], str,
                                                   dict[str, Any]]:
    """A project's outcome data as ``run_project`` reads it (header row), with the rows it
    leaves out applied by the window (so that they can be put back), and the roles it saved."""
    progress.report(0.2, f"Reading {Path(spec.path).name}")
    table = replace(spec, exclude_rows=()).load()
    columns = spec.columns
    roles = {role: getattr(columns, field) for role, field in ROLE_FIELDS.items()}
    if project.outcomes:
        roles["outcome"] = project.outcomes[0].column
    return table, normalise_roles(roles, table.frame), note, extras


def sort_rows_here(table: Any, column: int, rows: Any, falling: bool, progress: Progress
                   ) -> Any:
    from .sorting import sorted_order

    return sorted_order(table.frame.iloc[:, column], rows, falling)


class CoreApi:
    """Calls into ``pilot_eval`` on behalf of the controller (always off the GUI thread).

    Checks on large tables run in one kept child process (``worker_process``); ``close``
    stops it."""

    def __init__(self) -> None:
        from .worker_process import WorkerProcess

        self._checks = WorkerProcess()

    def load_table(self, path: str, progress: Progress, **options: Any) -> Any:
        """Read ``path``; ``options`` are ``load_table``'s sheet/encoding/delimiter/decimal."""
        if _file_size(path) >= PROCESS_BYTES:  # read in the checks process, kept there
            (table,) = self._checks.run(load_table_here, path, options, progress=progress)
            return table
        (table,) = load_table_here(path, options, progress)
        return table

    def open_table(self, path: str, progress: Progress) -> tuple[Any, dict[str, str | None]]:
        """Read the data file ``path`` and guess its column roles; a file of
        ``PROCESS_BYTES`` or more is read in the checks process (which keeps it for the
        checks) and comes back in slices."""
        if _file_size(path) >= PROCESS_BYTES:
            return self._checks.run(open_table_here, path, progress=progress)
        return open_table_here(path, progress)

    def open_project(self, path: str, progress: Progress, *, data_path: str | None = None,
                     allow_hosts: tuple[str, ...] = ()) -> Any:
        """The project's outcome data, its roles, a note when the data file changed, and
        ``{"project": Project, "path": path}``.

        A project naming files on another computer (not the one the project itself is on,
        nor one in ``allow_hosts``) is not opened: a ``NetworkConfirmation`` comes back, and
        none of those files is touched (not even to ask whether it exists)."""
        from pilot_eval.errors import DataError, ProjectFileError
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
            spec = replace(spec, path=str(data_path))
        status = check_source(spec)
        if status.state == "missing":
            raise DataError(status.message, file=Path(path).name)
        extras = {"project": project, "path": str(path), "relocated": bool(data_path),
                  "header_row": spec.header_row, "excluded": tuple(spec.exclude_rows)}
        if _file_size(spec.path) >= PROCESS_BYTES:  # read in the checks process, kept there
            return self._checks.run(project_data_here, project, spec, status.message, extras,
                                    progress=progress)
        return project_data_here(project, spec, status.message, extras, progress)

    def make_demo(self, folder: str, progress: Progress) -> str:
        """Save the demo pilot as a project in ``folder`` (data copied beside it): the project
        ``pilot-eval demo`` writes, with its retention options (RMST over 24 months)."""
        from pilot_eval.pipeline import demo_project
        from pilot_eval.project import save_project

        progress.report(0.02, "Preparing the demo pilot")
        return str(save_project(demo_project(folder), Path(folder) / "demo.pilot.json"))

    def retention(self, staff: dict[str, Any], retention: dict[str, Any], progress: Progress,
                  **options: Any) -> Any:
        """The staff records' ``RetentionReport`` on their own (``RetentionView``), with the
        project's retention options; see ``retention_core.retention_here``."""
        from .chart_image import decode_charts
        from .retention_core import retention_here

        view = retention_here(staff, retention, progress, **options)
        decode_charts([getattr(view, "chart", None)])
        return view

    def make_small_demo(self, folder: str, progress: Progress) -> str:
        """Save the small-pilot demo (``pilot_eval.demo_small``: 2 of 16 teams piloting, for
        synthetic DiD) as a project in ``folder``, its data copied into ``folder/data``: the
        project ``pilot-eval demo --small-pilot`` writes."""
        from pilot_eval.demo_small import PROJECT_FILE, small_pilot_project
        from pilot_eval.project import save_project

        progress.report(0.02, "Preparing the small-pilot demo")
        return str(save_project(small_pilot_project(folder), Path(folder) / PROJECT_FILE))

    def plan(self, table: Any, roles: dict[str, str | None], options: dict[str, Any],
             progress: Progress) -> tuple[dict[str, Any], bytes | None]:
        """The next phase's plan on the loaded data (``ui.plan_core.run_plan``), the outcome
        named in words (the project's label, else the guessed one)."""
        from .plan_core import run_plan

        options = {"outcome_label": guess_outcome_info(str(roles["outcome"])).label, **options}
        return run_plan(table.frame, roles, options, progress)

    def exclude(self, table: Any, rows: tuple[int, ...]) -> Any:
        """``table`` without the spreadsheet ``rows`` (``pilot_eval.exclusions``)."""
        from pilot_eval.exclusions import exclude_rows

        return exclude_rows(table, rows) if rows else table

    def sheet_names(self, path: str) -> list[str]:
        from pilot_eval.io import sheet_names

        return sheet_names(path)

    def table_roles(self, table: Any, progress: Progress) -> dict[str, str | None]:
        """The guessed column roles of a table read by the import wizard (a large one: in the
        checks process, which holds it)."""
        if _is_large(table):
            return self._checks.call(roles_here, table, progress=progress)
        return roles_here(table, progress)

    def columns(self, roles: dict[str, str | None]) -> Any:
        return panel_columns(roles)

    def validate(self, table: Any, roles: dict[str, str | None], progress: Progress) -> Any:
        """The validation report for ``roles`` (every problem at once); in the checks process
        on tables of ``PROCESS_ROWS`` rows or more."""
        if _is_large(table):
            return self._checks.call(validate_table, table, roles, progress=progress)
        return validate_table(table, roles, progress)

    def trends(self, table: Any, roles: dict[str, str | None], progress: Progress
               ) -> TrendsOutput:
        """The Trends part of the report as soon as the roles are mapped (``trends_output``);
        in the checks process on tables of ``PROCESS_ROWS`` rows or more."""
        from .chart_image import decode_charts

        if _is_large(table):
            output = self._checks.call(trends_output, table, roles, progress=progress)
        else:
            output = trends_output(table, roles, progress)
        decode_charts([output.chart])
        return output

    def sort_rows(self, table: Any, column: int, rows: Any, falling: bool, progress: Progress
                  ) -> Any:
        """The grid's ``rows`` (None: all) of ``table`` in the order of column ``column``
        (``sorting.sorted_order``); in the checks process, which holds large tables."""
        if _is_large(table):
            return self._checks.call(sort_rows_here, table, column, rows, falling,
                                     progress=progress)
        return sort_rows_here(table, column, rows, falling, progress)

    def close(self) -> None:
        """Stop the checks process (the window closes)."""
        self._checks.close()

    def run_report(self, project: Any, project_file: str | None, progress: Progress, *,
                   table: Any = None, staff_view: Any = None, first: str | None = None) -> Any:
        """The session project's report and charts (``ReportOutput``).

        ``first``: the outcome the window shows; on tables analysed in this process only its
        Impact chart is drawn before the result is shown, the others are left ``pending``
        (``draw_charts``).  Tables of ``PROCESS_ROWS`` rows or more are analysed in a child
        process (``process_task``), so the window's event loop is never held up; it draws
        every chart there."""
        from .chart_image import decode_charts
        from .process_task import run_in_process
        from .report_core import report_here

        expected = getattr(table, "sha256", None)
        if _is_large(table):
            output = run_in_process(report_here, project, project_file, progress=progress,
                                    expected_sha256=expected, staff_view=staff_view)
        else:
            output = report_here(project, project_file, progress=progress,
                                 expected_sha256=expected, staff_view=staff_view, first=first)
        decode_charts(output.charts.values())
        return output

    def draw_charts(self, output: Any, progress: Progress) -> Any:
        """``output`` (a ``ReportOutput``) with its pending charts drawn."""
        from .chart_image import decode_charts
        from .report_core import draw_charts

        charts = draw_charts(output.report, output.pending, progress)
        decode_charts(charts.values())
        return output.with_charts(charts)

    def export_brief(self, report: Any, project: Any, folder: str, progress: Progress
                     ) -> tuple[str, ...]:
        """The five files of ``report`` (with ``project``'s brief text) in ``folder``:
        brief.pdf, brief.html, technical-report.pdf, tables.xlsx, results.json."""
        from .report_core import export_brief, with_brief

        return export_brief(with_brief(report, project), folder, progress)

    def export_tables(self, report: Any, project: Any, path: str, progress: Progress
                      ) -> list[str]:
        """``report``'s tables at ``path`` (.xlsx, or one .csv per table beside it)."""
        from .report_core import export_tables, with_brief

        return export_tables(with_brief(report, project), path, progress)

    def brief_preview(self, report: Any, project: Any, progress: Progress) -> str:
        """Page 1 of the brief as HTML, from the content the export writes; in the checks
        process for the report of a large table (its drawing holds the interpreter lock)."""
        from .process_task import PROCESS_ROWS
        from .report_core import brief_preview, with_brief

        report = with_brief(report, project)
        sources = getattr(getattr(report, "provenance", None), "sources", ())
        if any(source.rows_read >= PROCESS_ROWS for source in sources):
            return self._checks.run(brief_preview, report, progress=progress)
        return brief_preview(report, progress)


