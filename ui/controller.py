"""The controller: holds the session's state and turns the window's intents into core calls.

Views emit intents (open this file, use this column as the outcome, run, cancel, export) and
expose setters; the controller runs the work through the one :class:`TaskRunner` and answers
with signals.  It never touches a widget, so tests drive it with a fake core and no window.

Run runs the whole session project through ``pilot_eval.report.run_project`` (every outcome
of the project, the retention options, the brief options): ``report`` is that
``ProjectReport``, and every figure the window shows comes from it.  Before a run, the Trends
step shows the means (``run_trends``) and the Retention step the retention report of the staff
records (``run_retention``), built by the same core code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from .controller_plan import PLAN, PLAN_TITLE, PlanMixin
from .controller_staff import RETENTION, RETENTION_TITLE, StaffMixin
from .core_api import ROLE_FIELDS, CoreApi, NetworkConfirmation
from .error_info import ErrorInfo
from .project_io import SAVED_OPTIONS
from .retention_core import migrate_staff
from .task_runner import TaskRunner

LOAD, VALIDATE, ANALYSIS, BRIEF = "load", "validate", "analysis", "brief"
DEMO, PREVIEW, TRENDS = "demo", "preview", "trends"
BRIEF_PREVIEW = "brief_preview"
CHARTS = "charts"  # the charts a run left for after its result is shown
TABLES = "tables"
PROJECT_SUFFIX = ".pilot.json"
TITLES = {
    LOAD: "The file could not be opened",
    VALIDATE: "The data could not be checked",
    TRENDS: "The trends could not be drawn",
    CHARTS: "Some charts could not be drawn",
    ANALYSIS: "The analysis could not run",
    BRIEF: "The brief could not be exported",
    TABLES: "The tables could not be exported",
    RETENTION: RETENTION_TITLE,
    PLAN: PLAN_TITLE,
    DEMO: "The demo pilot could not be prepared",
    PREVIEW: "The file could not be read",
    "save": "The project could not be saved",
}
ROLE_LABELS = {
    "unit": "Unit (team)",
    "time": "Period",
    "outcome": "Outcome",
    "cohort": "Pilot start period",
    "treatment": "Pilot flag (0/1)",
    "cluster": "Cluster (optional)",
}


def loader_notes(table: Any) -> str:
    """What the loader decided that the user must know (column names found below title
    rows, numbers such as 1,700 that read two ways, rows in another encoding): shown at the
    top of the checks list."""
    notes = getattr(table, "notes", ())
    return " ".join(n for n in notes if isinstance(n, str)) if isinstance(notes, tuple | list) \
        else ""


@dataclass(frozen=True)
class Issue:
    """One line of the validation list."""

    severity: str  # "error", "warning" or "info"
    text: str
    rows: tuple[int, ...] = ()
    column: str | None = None
    code: str = ""  # the validation's code, e.g. "totals_rows"


def warm_views() -> None:
    """Import, in the worker that loads a table, what the window needs to show it and to start
    a run: the first import of the report's wording (``impact_text`` -> ``pilot_eval.report``)
    takes about 0.3 s, the project types ``run_analysis`` builds 0.1 s, which would otherwise
    hold up the GUI thread."""
    import pilot_eval.estimators  # noqa: F401

    import pilot_eval.demo  # noqa: F401  (guess_outcome_info's labels)
    import pilot_eval.project  # noqa: F401
    import pilot_eval.spec  # noqa: F401

    from . import impact_text, plan_text, report_core, retention_text, trends_text  # noqa: F401


def missing_roles(roles: dict[str, str | None]) -> list[str]:
    """Labels of the roles still needed before the data can be checked and analysed."""
    missing = [ROLE_LABELS[r] for r in ("unit", "time", "outcome") if not roles.get(r)]
    if not roles.get("cohort") and not roles.get("treatment"):
        missing.append("Pilot start period or pilot flag")
    return missing


def issues_from_report(report: Any) -> list[Issue]:
    """The validation report's problems as list lines (errors first)."""
    issues = [Issue(severity=str(p.severity), text=p.describe(),
                    rows=tuple(getattr(p, "rows", ()) or ()), column=getattr(p, "column", None),
                    code=str(getattr(p, "code", "") or ""))
              for p in report.problems]
    return sorted(issues, key=lambda i: i.severity != "error")


class Controller(PlanMixin, StaffMixin, QObject):
    """State and wiring of one analysis session (data file, roles, report, brief)."""

    table_loaded = Signal(object)      # LoadedTable
    roles_changed = Signal(dict)       # role -> column or None
    issues_changed = Signal(list)      # list[Issue]
    ready_changed = Signal(bool)       # can the analysis run?
    analysis_started = Signal()
    progress = Signal(str, float, str)  # task key, fraction, message
    result_ready = Signal(object)      # ReportOutput: the project's report and its charts
    charts_ready = Signal(object)      # ReportOutput: the same report, every chart drawn
    analysis_cancelled = Signal()
    brief_exported = Signal(str, str)  # pdf path, html path (``exported``: all five files)
    tables_exported = Signal(object)   # the files written: a workbook or one CSV per table
    error = Signal(object)             # ErrorInfo
    busy_changed = Signal(str, bool)   # task key, busy
    retention_ready = Signal(object)   # RetentionView: the staff records on their own
    project_changed = Signal(str)      # the project file's path ("" for none)
    dirty_changed = Signal(bool)       # are there unsaved changes?
    options_changed = Signal(dict)     # DiD options (estimator ...)
    preview_ready = Signal(object)     # LoadedTable read for the import wizard
    preview_failed = Signal(object)    # ErrorInfo
    brief_preview_ready = Signal(str)  # page 1 of the brief as HTML ("" when nothing to show)
    brief_preview_failed = Signal(str)  # why the page-1 preview could not be drawn
    demo_ready = Signal(str)           # the demo project's path, to be opened
    network_confirmation = Signal(object)  # NetworkConfirmation: ask before touching them
    trends_ready = Signal(object)      # TrendsOutput: the Trends step before any analysis
    trends_failed = Signal(str)        # why the trends could not be drawn
    plan_ready = Signal(object)        # (plan dictionary, power-curve PNG or None)
    plan_failed = Signal(str)          # why the next phase could not be planned

    def __init__(self, core: Any | None = None, runner: TaskRunner | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.core = core if core is not None else CoreApi()
        self.runner = runner if runner is not None else TaskRunner(self)
        self.table: Any = None
        self.roles: dict[str, str | None] = dict.fromkeys(ROLE_FIELDS)
        self.issues: list[Issue] = []
        self.report_output: Any = None  # ReportOutput of the last run for the current design
        self.analysed: list[str] = []  # outcome columns run this session (beyond the project's)
        self.source_note = ""  # e.g. "the data file changed since the project was saved"
        self.project_path = ""  # the .pilot.json file this session was opened from or saved to
        self.base_project: Any = None  # the Project opened (its other entries are kept)
        self.staff: dict[str, Any] | None = None  # the project's staff entry (staff_data)
        self.retention_view: Any = None  # RetentionView of the staff records on their own
        self.dirty = False
        self.exported: tuple[str, ...] = ()  # the files of the last brief export
        self.date_format: str | None = None  # chosen in the import wizard (None: detect)
        self.header_row: int | None = None  # the row of column names (import wizard, project)
        self.raw_table: Any = None  # the table as read; ``table`` is it without ``excluded``
        self.excluded: tuple[int, ...] = ()  # spreadsheet rows left out (totals rows ...)
        self.options: dict[str, Any] = {"estimator": "auto"}  # DidRequest options
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.progress.connect(self.progress)
        self.runner.busy_changed.connect(self.busy_changed)

    # -------------------------------------------------------------------- report
    @property
    def report(self) -> Any:
        """The ``ProjectReport`` of the last run (None before one, or after the design
        changed)."""
        return None if self.report_output is None else self.report_output.report

    @property
    def output(self) -> Any:
        """The report of the current outcome (``OutcomeReport``), None when it has none."""
        report, outcome = self.report, self.roles.get("outcome")
        if report is None or not outcome:
            return None
        return next((o for o in report.outcomes if o.outcome == outcome), None)

    # ----------------------------------------------------------------- intents
    def open_file(self, path: str, *, data_path: str | None = None,
                  allow_hosts: tuple[str, ...] = ()) -> None:
        """Load ``path`` and guess its column roles (in the task runner).

        A project file (``.pilot.json``) opens its outcome data with the roles it saved; one
        naming files on another computer answers ``network_confirmation`` first (open it again
        with those ``allow_hosts`` once the user agrees).
        """
        path = str(path)
        if path.lower().endswith(PROJECT_SUFFIX):
            extra: dict[str, Any] = {"data_path": str(data_path)} if data_path else {}
            if allow_hosts:
                extra["allow_hosts"] = tuple(allow_hosts)
            task = partial(self._project_task, path, extra)
        else:
            task = partial(self._load_task, path)
        self.runner.run(LOAD, task, title=TITLES[LOAD])

    def preview_file(self, path: str, options: dict[str, Any] | None = None) -> None:
        """Read ``path`` with ``load_table`` options for the import wizard (``preview_ready``)."""
        options = dict(options or {})
        self.runner.run(PREVIEW, lambda progress: self.core.load_table(str(path), progress,
                                                                       **options),
                        title=TITLES[PREVIEW])

    def use_table(self, table: Any, *, date_format: str | None = None,
                  header_row: int | None = None) -> None:
        """Use a table read by the wizard: guess its roles, then as ``open_file``."""
        self.runner.cancel(PREVIEW)
        self.date_format, self.header_row = date_format, header_row
        self.runner.run(LOAD, partial(self._use_task, table), title=TITLES[LOAD])

    def _use_task(self, table: Any, progress: Any) -> tuple[Any, dict[str, str | None], str]:
        progress.report(0.5, "Guessing column roles")
        roles = self.core.table_roles(table, progress)
        warm_views()
        return table, roles, loader_notes(table)

    def reset(self) -> None:
        """A new, empty project (the window asks about unsaved changes first)."""
        for key in (LOAD, VALIDATE, TRENDS, ANALYSIS, CHARTS, RETENTION, PLAN):
            self.runner.cancel(key)
        self.table, self.report_output, self.source_note = None, None, ""
        self.raw_table, self.excluded, self.header_row = None, (), None
        self.base_project, self.project_path, self.staff = None, "", None
        self.retention_view, self.analysed = None, []
        self.roles = dict.fromkeys(ROLE_FIELDS)
        self.roles_changed.emit(dict(self.roles))
        self._set_issues([])
        self.project_changed.emit("")
        self._set_clean()

    def open_demo(self, folder: str, *, small: bool = False) -> None:
        """Copy the demo pilot (``small``: the small-pilot demo) into ``folder`` as a project
        and open it."""
        make = self.core.make_small_demo if small else self.core.make_demo
        self.runner.run(DEMO, partial(make, str(folder)), title=TITLES[DEMO])

    def apply_roles(self, roles: dict[str, str | None]) -> None:
        """Go to ``roles`` (undo/redo): one changed role keeps other outcomes' results."""
        changed = [r for r in ROLE_FIELDS if (roles.get(r) or None) != self.roles.get(r)]
        if changed == ["outcome"]:
            self.set_role("outcome", roles.get("outcome"))
        elif changed:
            self.set_roles(roles)
            self.mark_dirty()

    def set_option(self, name: str, value: Any) -> None:
        """Change a DiD option (``estimator``); the report of other options is dropped."""
        if self.options.get(name) == value:
            return
        self.options[name] = value
        self._forget_report()
        self.options_changed.emit(dict(self.options))
        self.mark_dirty()

    def set_excluded(self, rows: tuple[int, ...] | list[int]) -> None:
        """Leave the spreadsheet ``rows`` out of every analysis (the checks list totals rows);
        the project keeps them (``DatasetSpec.exclude_rows``) and ``pilot-eval brief`` leaves
        out the same rows.  ``()`` puts every row back."""
        rows = tuple(sorted({int(r) for r in rows}))
        if self.raw_table is None or rows == self.excluded:
            return
        self.excluded = rows
        self.table = self.core.exclude(self.raw_table, rows)
        self._forget_report()
        self.table_loaded.emit(self.table)
        self.roles_changed.emit(dict(self.roles))
        self.mark_dirty()
        self.validate()

    def mark_dirty(self) -> None:
        if not self.dirty:
            self.dirty = True
            self.dirty_changed.emit(True)

    def _set_clean(self) -> None:
        if self.dirty:
            self.dirty = False
            self.dirty_changed.emit(False)

    def current_project(self, *, brief: dict[str, Any] | None = None,
                        narrative: dict[str, str] | None = None, plan: Any = None) -> Any:
        """The session as a ``pilot_eval.project.Project``: the project opened, with this
        session's data, roles, outcomes, options, staff entry, brief text and plan entries."""
        from .project_io import session_project

        return session_project(self.table, self.roles, self.analysed, base=self.base_project,
                               staff=self.staff, brief=brief, narrative=narrative,
                               date_format=self.date_format, options=self.options,
                               header_row=self.header_row, excluded=self.excluded, plan=plan)

    def save_project(self, path: str, *, brief: dict[str, Any] | None = None,
                     narrative: dict[str, str] | None = None, plan: Any = None) -> bool:
        """Save the session to ``path`` (atomic, previous version kept as .bak)."""
        from pilot_eval.errors import PilotEvalError
        from pilot_eval.project import save_project

        from .error_info import describe_exception

        if self.table is None:
            self.error.emit(ErrorInfo(TITLES["save"], "Open the outcome data first: a project "
                                      "records its data files and column roles."))
            return False
        try:
            project = self.current_project(brief=brief, narrative=narrative, plan=plan)
            save_project(project, path)
        except (PilotEvalError, OSError, ValueError) as exc:
            self.error.emit(describe_exception(exc, title=TITLES["save"]))
            return False
        self.base_project, self.project_path, self.analysed = project, str(path), []
        self._set_clean()
        self.project_changed.emit(self.project_path)
        return True

    @Slot(str, object)
    def set_role(self, role: str, column: str | None) -> None:
        """Use ``column`` (or nothing) for ``role``; re-checks the data."""
        if role not in self.roles:
            raise ValueError(f"unknown role {role!r}; roles are {', '.join(self.roles)}")
        column = column or None
        if self.roles[role] == column:
            return
        self.roles[role] = column
        if column and role in ("cohort", "treatment"):  # one way of saying who is treated
            self.roles["treatment" if role == "cohort" else "cohort"] = None
        # Another outcome keeps the report (it holds every outcome of the project); any
        # other role changes the design, so the report no longer applies.
        if role == "outcome":
            self.runner.cancel(ANALYSIS)
        else:
            self._forget_report()
        self.roles_changed.emit(dict(self.roles))
        self.mark_dirty()
        self.validate()

    def set_roles(self, roles: dict[str, str | None]) -> None:
        """Replace every role at once (unknown role names are ignored)."""
        self.roles = {r: roles.get(r) or None for r in ROLE_FIELDS}
        self._forget_report()
        self.roles_changed.emit(dict(self.roles))
        self.validate()

    @Slot()
    def validate(self) -> None:
        """Check the data against the roles; the answer arrives as ``issues_changed``."""
        if self.table is None:
            return
        missing = missing_roles(self.roles)
        if missing:
            self.runner.cancel(VALIDATE)
            self.runner.cancel(TRENDS)
            self._set_issues([Issue("info", "Choose a column for: " + ", ".join(missing) + ".")])
            return
        roles = dict(self.roles)
        self.runner.cancel(TRENDS)  # the trends of the old roles no longer apply
        self.runner.run(VALIDATE, partial(self.core.validate, self.table, roles),
                        title=TITLES[VALIDATE])

    def run_trends(self) -> None:
        """Pilot and comparison means for the Trends step, once the data can be analysed."""
        if not self.can_run:
            self.runner.cancel(TRENDS)
            return
        self.runner.run(TRENDS, partial(self.core.trends, self.table, dict(self.roles)),
                        title=TITLES[TRENDS])

    @Slot()
    def run_analysis(self) -> None:
        """Run the session's project: every outcome (the current one added), the retention
        analysis and the brief's options, as one report (a new run cancels the old one)."""
        if self.table is None:
            self.error.emit(ErrorInfo(TITLES[ANALYSIS], "Open a data file first."))
            return
        missing = missing_roles(self.roles)
        if missing:
            self.error.emit(ErrorInfo(TITLES[ANALYSIS],
                                      "Choose a column for: " + ", ".join(missing) + "."))
            return
        outcome = self.roles["outcome"]
        if outcome and outcome not in self.analysed:
            self.analysed.append(outcome)
        self.report_output = None
        self.runner.cancel(CHARTS)
        task = partial(self.core.run_report, self.current_project(), self.project_path or None,
                       table=self.table, staff_view=self.retention_view, first=outcome)
        self.runner.run(ANALYSIS, task, title=TITLES[ANALYSIS])
        self.analysis_started.emit()

    @Slot()
    def cancel_analysis(self) -> None:
        self.runner.cancel(ANALYSIS)

    def export_brief(self, folder: str, *, brief: dict[str, Any] | None = None,
                     narrative: dict[str, str] | None = None) -> None:
        """Write the five files of the report (brief.pdf, brief.html, technical-report.pdf,
        tables.xlsx, results.json) into ``folder``, with the brief's text as it is now."""
        if self.report is None:
            self.error.emit(ErrorInfo(TITLES[BRIEF], "Run the analysis before exporting the "
                                      "brief: the brief reports its results."))
            return
        project = self.current_project(brief=brief, narrative=narrative)
        self.runner.run(BRIEF, partial(self.core.export_brief, self.report, project,
                                       str(folder)), title=TITLES[BRIEF])

    def export_tables(self, path: str) -> None:
        """Write the report's tables to ``path``: an .xlsx workbook, or one .csv per table."""
        if self.report is None:
            self.error.emit(ErrorInfo(TITLES[TABLES], "Run the analysis before exporting the "
                                      "tables: they are its results."))
            return
        self.runner.run(TABLES, partial(self.core.export_tables, self.report,
                                        self.current_project(), str(path)),
                        title=TITLES[TABLES])

    def preview_brief(self, *, brief: dict[str, Any] | None = None,
                      narrative: dict[str, str] | None = None) -> None:
        """Draw page 1 of the brief in the task runner; ``brief_preview_ready`` brings it."""
        if self.report is None:
            self.runner.cancel(BRIEF_PREVIEW)
            self.brief_preview_ready.emit("")
            return
        project = self.current_project(brief=brief, narrative=narrative)
        self.runner.run(BRIEF_PREVIEW, partial(self.core.brief_preview, self.report, project),
                        title="The preview could not be drawn")

    def shutdown(self) -> None:
        self.runner.shutdown()
        close = getattr(self.core, "close", None)
        if close is not None:
            close()  # the checks process, if one was started

    def _forget_report(self) -> None:
        """Inputs changed: the last report (and any run for the old inputs) no longer applies."""
        self.report_output = None
        self.runner.cancel(ANALYSIS)
        self.runner.cancel(CHARTS)

    def _draw_pending(self, output: Any) -> None:
        """Draw the charts the run left for later; ``charts_ready`` brings them (dropped if
        another report has replaced this one by then)."""
        def task(progress: Any) -> tuple[Any, Any]:
            return output, self.core.draw_charts(output, progress)

        self.runner.run(CHARTS, task, title=TITLES[CHARTS])

    # ------------------------------------------------------------------- tasks
    def _project_task(self, path: str, extra: dict[str, Any], progress: Any) -> Any:
        opened = self.core.open_project(path, progress, **extra)
        warm_views()
        return opened

    def _load_task(self, path: str, progress: Any) -> tuple[Any, dict[str, str | None], str]:
        self.header_row = None
        table, roles = self.core.open_table(path, progress)
        warm_views()
        progress.report(1.0, "Loaded")
        return table, roles, loader_notes(table)

    # ----------------------------------------------------------------- answers
    @property
    def can_run(self) -> bool:
        return self.table is not None and not missing_roles(self.roles) and not any(
            i.severity == "error" for i in self.issues)

    def _set_issues(self, issues: list[Issue]) -> None:
        if self.source_note:
            issues = [Issue("warning", self.source_note), *issues]
        self.issues = issues
        self.issues_changed.emit(list(issues))
        self.ready_changed.emit(self.can_run)

    def _loaded(self, value: Any) -> None:
        table, roles, note, *rest = value
        extras = rest[0] if rest else {}
        self.raw_table, self.excluded = table, tuple(extras.get("excluded", ()))
        if "header_row" in extras:  # a project: the row of column names it keeps
            self.header_row = extras["header_row"]
        elif getattr(table, "header_row", None):  # found below title rows by load_table
            self.header_row = table.header_row
        if self.excluded:
            table = self.core.exclude(table, self.excluded)
        self.table, self.report_output, self.source_note = table, None, note
        self.base_project = extras.get("project")
        self.project_path = str(extras.get("path", ""))
        self.staff = migrate_staff(getattr(self.base_project, "staff_data", None))
        self.retention_view, self.analysed = None, []
        did = getattr(self.base_project, "did", None)
        self.options = {"estimator": getattr(did, "estimator", "auto")}
        if did is not None:  # a project: its analysis options as saved
            self.options.update({k: getattr(did, k) for k in SAVED_OPTIONS if hasattr(did, k)})
        self.options_changed.emit(dict(self.options))
        self.table_loaded.emit(table)
        self.set_roles(roles)
        if self.project_path and not extras.get("relocated"):
            self._set_clean()
        else:  # new data, or a project whose data file was located elsewhere
            self.mark_dirty()
        self.project_changed.emit(self.project_path)
        self.run_retention()

    @Slot(str, object)
    def _on_finished(self, key: str, value: Any) -> None:
        if key == LOAD and isinstance(value, NetworkConfirmation):
            self.network_confirmation.emit(value)
        elif key == LOAD:
            self._loaded(value)
        elif key == DEMO:
            self.demo_ready.emit(str(value))
        elif key == PREVIEW:
            self.preview_ready.emit(value)
        elif key == RETENTION:
            self.retention_view = value
            if value.report is not None and self.staff is not None and value.roles:
                self.staff.setdefault("columns", dict(value.roles))  # as the run will use
            self.retention_ready.emit(value)
        elif key == VALIDATE:
            self._set_issues(issues_from_report(value))
            self.run_trends()
        elif key == TRENDS:
            self.trends_ready.emit(value)
        elif key == PLAN:
            self.plan_ready.emit(value)
        elif key == ANALYSIS:
            self.report_output = value
            self.result_ready.emit(value)
            if value.pending and self.report_output is value:
                self._draw_pending(value)
        elif key == CHARTS:
            drawn_for, output = value
            if self.report_output is drawn_for:  # else a newer report replaced it
                self.report_output = output
                self.charts_ready.emit(output)
        elif key == BRIEF_PREVIEW:
            self.brief_preview_ready.emit(str(value))
        elif key == BRIEF:
            self.exported = tuple(str(Path(p)) for p in value)
            self.brief_exported.emit(self.exported[0], self.exported[1])
        elif key == TABLES:
            self.tables_exported.emit(list(value))

    @Slot(str, object)
    def _on_failed(self, key: str, info: ErrorInfo) -> None:
        if key == PREVIEW:  # shown in the wizard, next to the settings that caused it
            self.preview_failed.emit(info)
            return
        if key == BRIEF_PREVIEW:  # shown in place of the preview; Export reports it again
            self.brief_preview_failed.emit(info.message)
            return
        if key == TRENDS:  # shown in the Trends step; the analysis reports it again
            self.trends_failed.emit(info.message)
            return
        if key == PLAN:  # shown beside the Plan step's fields
            self.plan_failed.emit(info.message)
            return
        if key == CHARTS and self.report_output is not None:  # the result stays; no chart
            self.report_output = self.report_output.with_charts({})  # is left "being drawn"
            self.charts_ready.emit(self.report_output)
        if key == VALIDATE:  # a data problem found while checking belongs in the list
            self._set_issues([Issue("error", info.message)])
            if info.expected:
                return
        self.error.emit(info)

    @Slot(str)
    def _on_cancelled(self, key: str) -> None:
        if key == ANALYSIS:
            self.analysis_cancelled.emit()
