"""The controller: holds the session's state and turns the window's intents into core calls.

Views emit intents (open this file, use this column as the outcome, run, cancel, export) and
expose setters; the controller runs the work through the one :class:`TaskRunner` and answers
with signals.  It never touches a widget, so tests drive it with a fake core and no window.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from .core_api import ROLE_FIELDS, AnalysisOutput, CoreApi
from .error_info import ErrorInfo
from .task_runner import TaskRunner

LOAD, VALIDATE, ANALYSIS, BRIEF = "load", "validate", "analysis", "brief"
PROJECT_SUFFIX = ".pilot.json"
TITLES = {
    LOAD: "The file could not be opened",
    VALIDATE: "The data could not be checked",
    ANALYSIS: "The analysis could not run",
    BRIEF: "The brief could not be exported",
}
ROLE_LABELS = {
    "unit": "Unit (team)",
    "time": "Period",
    "outcome": "Outcome",
    "cohort": "Pilot start period",
    "treatment": "Pilot flag (0/1)",
    "cluster": "Cluster (optional)",
}


@dataclass(frozen=True)
class Issue:
    """One line of the validation list."""

    severity: str  # "error", "warning" or "info"
    text: str
    rows: tuple[int, ...] = ()
    column: str | None = None


def missing_roles(roles: dict[str, str | None]) -> list[str]:
    """Labels of the roles still needed before the data can be checked and analysed."""
    missing = [ROLE_LABELS[r] for r in ("unit", "time", "outcome") if not roles.get(r)]
    if not roles.get("cohort") and not roles.get("treatment"):
        missing.append("Pilot start period or pilot flag")
    return missing


def issues_from_report(report: Any) -> list[Issue]:
    """The validation report's problems as list lines (errors first)."""
    issues = [Issue(severity=str(p.severity), text=p.describe(),
                    rows=tuple(getattr(p, "rows", ()) or ()), column=getattr(p, "column", None))
              for p in report.problems]
    return sorted(issues, key=lambda i: i.severity != "error")


class Controller(QObject):
    """State and wiring of one analysis session (data file, roles, result, brief)."""

    table_loaded = Signal(object)      # LoadedTable
    roles_changed = Signal(dict)       # role -> column or None
    issues_changed = Signal(list)      # list[Issue]
    ready_changed = Signal(bool)       # can the analysis run?
    analysis_started = Signal()
    progress = Signal(str, float, str)  # task key, fraction, message
    result_ready = Signal(object)      # AnalysisOutput
    analysis_cancelled = Signal()
    brief_exported = Signal(str, str)  # pdf path, html path
    error = Signal(object)             # ErrorInfo
    busy_changed = Signal(str, bool)   # task key, busy

    def __init__(self, core: Any | None = None, runner: TaskRunner | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.core = core if core is not None else CoreApi()
        self.runner = runner if runner is not None else TaskRunner(self)
        self.table: Any = None
        self.roles: dict[str, str | None] = dict.fromkeys(ROLE_FIELDS)
        self.issues: list[Issue] = []
        self.output: AnalysisOutput | None = None  # the result for the current roles
        self.results: dict[str, AnalysisOutput] = {}  # outcome -> result, for the brief
        self.source_note = ""  # e.g. "the data file changed since the project was saved"
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.progress.connect(self.progress)
        self.runner.busy_changed.connect(self.busy_changed)

    # ----------------------------------------------------------------- intents
    @Slot(str)
    def open_file(self, path: str) -> None:
        """Load ``path`` and guess its column roles (in the task runner).

        A project file (``.pilot.json``) opens its outcome data with the roles it saved.
        """
        path = str(path)
        task = self._project_task if path.lower().endswith(PROJECT_SUFFIX) else self._load_task
        self.runner.run(LOAD, partial(task, path), title=TITLES[LOAD])

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
        # Another outcome keeps the results of the others for the brief; any other role
        # changes the design, so every earlier result is dropped.
        self._forget_result(keep_other_outcomes=role == "outcome")
        self.roles_changed.emit(dict(self.roles))
        self.validate()

    def set_roles(self, roles: dict[str, str | None]) -> None:
        """Replace every role at once (unknown role names are ignored)."""
        self.roles = {r: roles.get(r) or None for r in ROLE_FIELDS}
        self._forget_result()
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
            self._set_issues([Issue("info", "Choose a column for: " + ", ".join(missing) + ".")])
            return
        roles = dict(self.roles)
        self.runner.run(VALIDATE, partial(self.core.validate, self.table, roles),
                        title=TITLES[VALIDATE])

    @Slot()
    def run_analysis(self) -> None:
        """Estimate the pilot's effect with the current roles (a new run cancels the old one)."""
        if self.table is None:
            self.error.emit(ErrorInfo(TITLES[ANALYSIS], "Open a data file first."))
            return
        missing = missing_roles(self.roles)
        if missing:
            self.error.emit(ErrorInfo(TITLES[ANALYSIS],
                                      "Choose a column for: " + ", ".join(missing) + "."))
            return
        self.output = None
        self.runner.run(ANALYSIS, partial(self.core.analyse, self.table, dict(self.roles)),
                        title=TITLES[ANALYSIS])
        self.analysis_started.emit()

    @Slot()
    def cancel_analysis(self) -> None:
        self.runner.cancel(ANALYSIS)

    def export_brief(self, pdf_path: str, *, organisation: str = "", author: str = "") -> None:
        """Write the brief of every outcome analysed with the current design to ``pdf_path``,
        and an HTML twin beside it."""
        if not self.results:
            self.error.emit(ErrorInfo(TITLES[BRIEF], "Run the analysis before exporting the "
                                      "brief: the brief reports its result."))
            return
        task = partial(self._brief_task, [o.result for o in self.results.values()], str(pdf_path),
                       organisation, author)
        self.runner.run(BRIEF, task, title=TITLES[BRIEF])

    def shutdown(self) -> None:
        self.runner.shutdown()

    def _forget_result(self, *, keep_other_outcomes: bool = False) -> None:
        """Inputs changed: the last result (and any run for the old inputs) no longer applies."""
        self.output = None
        if not keep_other_outcomes:
            self.results.clear()
        self.runner.cancel(ANALYSIS)

    # ------------------------------------------------------------------- tasks
    def _load_task(self, path: str, progress: Any) -> tuple[Any, dict[str, str | None], str]:
        table = self.core.load_table(path, progress)
        roles = self.core.guess_roles(table.frame)
        progress.report(1.0, "Loaded")
        return table, roles, ""

    def _project_task(self, path: str, progress: Any) -> tuple[Any, dict[str, str | None], str]:
        return self.core.open_project(path, progress)

    def _brief_task(self, results: list[dict[str, Any]], pdf_path: str, organisation: str,
                    author: str, progress: Any) -> tuple[str, str]:
        return self.core.export_brief(results, pdf_path, organisation=organisation,
                                      author=author, progress=progress)

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

    @Slot(str, object)
    def _on_finished(self, key: str, value: Any) -> None:
        if key == LOAD:
            table, roles, note = value
            self.table, self.output, self.source_note = table, None, note
            self.table_loaded.emit(table)
            self.set_roles(roles)
        elif key == VALIDATE:
            self._set_issues(issues_from_report(value))
        elif key == ANALYSIS:
            self.output = value
            outcome = value.result.get("outcome") or self.roles["outcome"] or ""
            self.results.pop(outcome, None)  # a re-run moves the outcome to the end
            self.results[outcome] = value
            self.result_ready.emit(value)
        elif key == BRIEF:
            pdf, html = value
            self.brief_exported.emit(str(Path(pdf)), str(Path(html)))

    @Slot(str, object)
    def _on_failed(self, key: str, info: ErrorInfo) -> None:
        if key == VALIDATE:  # a data problem found while checking belongs in the list
            self._set_issues([Issue("error", info.message)])
            if info.expected:
                return
        self.error.emit(info)

    @Slot(str)
    def _on_cancelled(self, key: str) -> None:
        if key == ANALYSIS:
            self.analysis_cancelled.emit()
