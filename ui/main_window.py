"""The main window: a side bar of seven steps, one page per step, wired to the controller.

The window only places things and forwards intents; the controller does the work through the
task runner.  Project files, autosave and settings are in :mod:`.window_files`.  Tests call
``open_file(path)``, ``export_brief_to(path)`` and ``save_project_to(path)`` instead of the
file dialogs.
"""

from __future__ import annotations

import os
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTextBrowser,
    QTextEdit,
    QWidget,
)

from .brief_page import BriefPage
from .controller import (
    ANALYSIS,
    BRIEF,
    DEMO,
    LOAD,
    PLAN,
    PROJECT_SUFFIX,
    RETENTION,
    TITLES,
    Controller,
    Issue,
)
from .core_api import NetworkConfirmation
from .data_page import DataPage
from .did_options import DEFAULTS, OPTION_NAMES
from .error_dialog import show_error
from .error_info import ErrorInfo
from .help_text import help_html
from .impact_page import ImpactPage
from .places import documents_folder, is_temporary
from .plan_page import PlanPage
from .reflow import HANDLES_ENTER
from .retention_page import RetentionPage
from .settings import open_settings
from .sidebar import StepBar
from .start_page import StartPage
from .style import STYLE_SHEET
from .trends_page import TrendsPage
from .undo import OptionCommand, RolesCommand
from .window_files import ProjectFilesMixin
from .window_guard import ProjectGuardMixin
from .window_import import ImportFilesMixin
from .window_views import ReportViewsMixin

DATA_FILTER = ("Data files (*.csv *.txt *.tsv *.xlsx *.parquet *.dta);;"
               "pilot-eval projects (*.pilot.json);;CSV (*.csv *.txt *.tsv);;"
               "Excel (*.xlsx);;Parquet (*.parquet);;Stata (*.dta);;All files (*)")
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
RERUN_DELAY_MS = 500  # quiet time after an option change before the analysis runs again
STAFF_FILTER = "Staff records (*.csv *.txt *.xlsx *.parquet *.dta);;All files (*)"


class MainWindow(ProjectFilesMixin, ProjectGuardMixin, ReportViewsMixin, ImportFilesMixin,
                 QMainWindow):
    """pilot-eval's window: Start -> Data -> Trends -> Impact -> Plan -> Retention -> Brief."""

    result_shown = Signal()  # every step shows the run's result (the Impact step shows it first)

    def __init__(self, controller: Controller | None = None, *,
                 settings: QSettings | None = None) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.setWindowTitle("pilot-eval[*]")
        self.setStyleSheet(STYLE_SHEET)
        self.controller = controller if controller is not None else Controller(parent=self)
        self.settings = settings if settings is not None else open_settings()
        self.undo_stack = QUndoStack(self)
        self._rerun_timer = QTimer(self)
        self._rerun_timer.setSingleShot(True)
        self._rerun_timer.setInterval(RERUN_DELAY_MS)
        self._rerun_timer.timeout.connect(self._rerun)
        self.steps = StepBar()
        self.pages = QStackedWidget()
        self.start_page, self.data_page = StartPage(), DataPage()
        self.trends_page, self.impact_page = TrendsPage(), ImpactPage()
        self.retention_page, self.brief_page = RetentionPage(), BriefPage()
        self.plan_page = PlanPage()
        self.page_for = {"start": self.start_page, "data": self.data_page,
                         "trends": self.trends_page, "impact": self.impact_page,
                         "plan": self.plan_page, "retention": self.retention_page,
                         "brief": self.brief_page}
        for key in self.steps.step_keys():
            self.pages.addWidget(self.page_for[key])
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.steps)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self._make_help()
        self.steps.step_chosen.connect(self.go_to)
        self._make_menus()
        self._connect()
        self.last_error: ErrorInfo | None = None
        self.modal_errors = True  # False: errors go to the status bar only (screenshot runs)
        self.steps.select("start")
        self.statusBar().showMessage("Start a project, open one, or try the demo pilot.")
        self._init_guard()
        self._init_files()

    # ----------------------------------------------------------------- set-up
    def _make_help(self) -> None:
        self.help_view = QTextBrowser()
        self.help_view.setAccessibleName("What does this mean? Help for this step")
        self.help_view.setOpenExternalLinks(False)
        self.help_dock = QDockWidget("What does this mean?", self)
        self.help_dock.setObjectName("HelpDock")
        self.help_dock.setWidget(self.help_view)
        self.help_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.help_dock.setMinimumWidth(220)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.help_dock)

    def _action(self, menu: Any, text: str, shortcut: Any, slot: Any) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&New project", QKeySequence.StandardKey.New, self.new_project)
        self._action(file_menu, "Open &project…", "Ctrl+Shift+O", self.open_project_dialog)
        self.open_action = self._action(file_menu, "&Open data file…",
                                        QKeySequence.StandardKey.Open, self.open_file_dialog)
        self._action(file_menu, "Open the &demo pilot", None, self.open_demo)
        self._action(file_menu, "Open the s&mall-pilot demo", None, self.open_small_demo)
        file_menu.addSeparator()
        self._action(file_menu, "&Save project", QKeySequence.StandardKey.Save,
                     self.save_project)
        self._action(file_menu, "Save project &as…", "Ctrl+Shift+S", self.save_project_as)
        self.export_action = self._action(file_menu, "&Export brief…", "Ctrl+E",
                                          self.export_brief_dialog)
        self.tables_action = self._action(file_menu, "Export &tables…", "Ctrl+Shift+E",
                                          self.export_tables_dialog)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence.StandardKey.Quit, self.close)
        edit_menu = bar.addMenu("&Edit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        edit_menu.addActions([self.undo_action, self.redo_action])
        analysis_menu = bar.addMenu("&Analysis")
        self.run_action = self._action(analysis_menu, "&Run", "Ctrl+R", self._run)
        go_menu = bar.addMenu("&Go")
        for number, key in enumerate(self.steps.step_keys(), start=1):
            self._action(go_menu, f"&{number} {key.capitalize()}", f"Ctrl+{number}",
                         lambda _=False, k=key: self.steps.select(k))
        help_menu = bar.addMenu("&Help")
        help_action = self.help_dock.toggleViewAction()
        help_action.setText("&What does this mean?")
        help_action.setShortcut(QKeySequence.StandardKey.HelpContents)
        help_menu.addAction(help_action)
        self.about_action = self._action(help_menu, "&About pilot-eval", "", self.show_about)

    def show_about(self) -> None:
        """Versions and licences of pilot-eval and what it runs on (Help > About)."""
        from .about_dialog import AboutDialog

        AboutDialog(parent=self).exec()

    def _connect(self) -> None:
        c = self.controller
        self.start_page.new_requested.connect(self.new_project)
        self.start_page.open_requested.connect(self.open_project_dialog)
        self.start_page.demo_requested.connect(self.open_demo)
        self.start_page.small_demo_requested.connect(self.open_small_demo)
        self.start_page.recent_chosen.connect(self.open_recent)
        self.data_page.open_requested.connect(self.open_file_dialog)
        self.data_page.role_changed.connect(self.change_role)
        self.data_page.next_requested.connect(lambda: self.steps.select("trends"))
        self.data_page.exclude_requested.connect(self.leave_rows_out)
        self.data_page.model.sort_failed.connect(self.statusBar().showMessage)
        self.data_page.sort_rows = getattr(c.core, "sort_rows", None)
        self.trends_page.next_requested.connect(lambda: self.steps.select("impact"))
        c.ready_changed.connect(self.data_page.set_ready)
        self.impact_page.run_requested.connect(self._run)
        self.impact_page.cancel_requested.connect(c.cancel_analysis)
        self.impact_page.method_changed.connect(self.change_method)
        self.impact_page.options_row.option_changed.connect(self.change_option)
        c.options_changed.connect(self.impact_page.options_row.set_options)
        c.options_changed.connect(lambda o: self.impact_page.set_method(o.get("estimator",
                                                                              "auto")))
        self.plan_page.run_requested.connect(c.run_plan)
        self.plan_page.entries_edited.connect(c.mark_dirty)
        self.plan_page.cancel_requested.connect(c.cancel_plan)
        c.plan_ready.connect(lambda value: self.plan_page.show_plan(*value))
        c.plan_failed.connect(self.plan_page.show_error)
        self.retention_page.open_requested.connect(self.open_staff_dialog)
        self.retention_page.staff_form.apply_requested.connect(
            lambda columns, extract, observed, starts: c.set_staff_options(
                columns=columns, extract_date=extract, observed_from=observed,
                pilot_starts=starts))
        self.brief_page.export_requested.connect(self.export_brief_dialog)
        self.brief_page.text_edited.connect(c.mark_dirty)
        self.brief_page.preview_requested.connect(self._preview_brief)
        c.brief_preview_ready.connect(self.brief_page.show_preview)
        c.brief_preview_failed.connect(self.brief_page.show_preview_problem)
        c.table_loaded.connect(self._on_table_loaded)
        c.roles_changed.connect(self._on_roles_changed)
        c.issues_changed.connect(self._on_issues)
        c.ready_changed.connect(self.impact_page.set_ready)
        c.progress.connect(self._on_progress)
        c.result_ready.connect(self._on_result)
        c.charts_ready.connect(self._on_charts)
        c.analysis_cancelled.connect(self.impact_page.show_cancelled)
        c.brief_exported.connect(self._on_exported)
        c.tables_exported.connect(self._on_tables_exported)
        c.retention_ready.connect(self._on_retention)
        c.error.connect(self.show_error)
        c.busy_changed.connect(self._on_busy)
        c.dirty_changed.connect(self.setWindowModified)
        c.project_changed.connect(self._on_project_changed)
        c.demo_ready.connect(self.open_file)
        c.trends_ready.connect(self._on_trends)
        c.trends_failed.connect(self.trends_page.show_problem)
        c.network_confirmation.connect(self._confirm_network)

    # ---------------------------------------------------------------- intents
    def go_to(self, key: str) -> None:
        self.pages.setCurrentWidget(self.page_for[key])
        self.help_view.setHtml(help_html(key))

    def change_role(self, role: str, column: Any) -> None:
        """A role picked in the form: an undoable command."""
        self.undo_stack.push(RolesCommand(self.controller, role, column))

    def leave_rows_out(self, rows: tuple[int, ...]) -> None:
        """Leave totals rows out of the analysis: an undoable command."""
        old = tuple(self.controller.excluded)
        new = tuple(sorted({*old, *rows}))
        self.undo_stack.push(OptionCommand("Rows left out", self.controller.set_excluded, old,
                                           new))

    def change_method(self, key: str) -> None:
        """A method picked on the Impact step: an undoable command."""
        old = self.controller.options.get("estimator", "auto")
        self.undo_stack.push(OptionCommand(
            "Method", lambda value: self.controller.set_option("estimator", value), old, key))

    def change_option(self, name: str, value: Any) -> None:
        """An analysis option changed on the Impact step: an undoable command; the analysis
        runs again (debounced) when it had a result."""
        old = self.controller.options.get(name, DEFAULTS[name])
        self.undo_stack.push(OptionCommand(OPTION_NAMES[name], partial(self._set_option, name),
                                           old, value))

    def _set_option(self, name: str, value: Any) -> None:
        had_result = self.controller.report is not None
        self.controller.set_option(name, value)
        if had_result:
            self._rerun_timer.start()

    def _rerun(self) -> None:
        if self.controller.can_run:
            self._run()

    def open_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open data file", str(documents_folder()),
                                              DATA_FILTER)
        if path and path.lower().endswith(".pilot.json"):
            self.open_file(path)
        elif path:
            self.import_file(path)

    def open_file(self, path: str | Path, *, data_path: str | None = None,
                  allow_hosts: tuple[str, ...] = (), claim: bool = True) -> None:
        """Open a data file or a project; a project is locked for this window first (or the
        user chooses read-only or a copy when another window has it; ``claim=False`` for an
        autosave, which belongs to no one)."""
        is_project = str(path).lower().endswith(PROJECT_SUFFIX)
        if is_project and claim and not self.claim_project(path):
            return
        self.statusBar().showMessage(f"Opening {Path(path).name}…")
        self.undo_stack.clear()
        self.last_opened = str(path)
        self.controller.open_file(str(path), data_path=data_path, allow_hosts=allow_hosts)

    def _confirm_network(self, request: NetworkConfirmation) -> None:
        """A project names files on other computers: show them and ask before opening."""
        if self.ask_network(list(request.paths)):
            self.open_file(request.project, data_path=request.data_path,
                           allow_hosts=request.hosts(), claim=False)
            return
        self.open_failed()
        self.statusBar().showMessage(f"{Path(request.project).name} was not opened: it uses "
                                     "files on another computer. Copy them to this computer "
                                     "and locate them, or open the project again and allow it.")

    def ask_locate(self, message: str) -> str:
        """The moved data file, chosen by the user ("" to give up).  (Tests replace this.)"""
        path, _ = QFileDialog.getOpenFileName(self, f"Locate the data file — {message}",
                                              str(documents_folder()), DATA_FILTER)
        return path

    def _offer_locate(self, info: ErrorInfo) -> None:
        """A project whose data file moved: let the user point at it (nothing is lost)."""
        project = getattr(self, "last_opened", "")
        if not project.lower().endswith(".pilot.json") or "Locate it" not in info.message:
            return
        located = self.ask_locate(info.message)
        if located:
            self.open_file(project, data_path=located)

    def open_staff_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open staff records",
                                              str(self._export_folder()), STAFF_FILTER)
        if path:
            self.import_staff_file(path)

    def _export_folder(self) -> Path:
        """The project's folder, else the data file's, when the user can write there and it is
        not a temporary folder; else the Documents folder (the bundled demo data lives inside
        the installed package)."""
        c = self.controller
        candidates = [Path(c.project_path).parent] if c.project_path else []
        if c.table is not None:
            candidates.append(Path(c.table.path).parent)
        package = Path(str(resources.files("pilot_eval.resources"))).resolve()
        for folder in candidates:
            if is_temporary(folder):
                continue
            folder = folder.resolve()
            if os.access(folder, os.W_OK) and not folder.is_relative_to(package):
                return folder
        return documents_folder()

    def _run(self) -> None:
        self.steps.select("impact")
        self.impact_page.clear_result()
        self.controller.run_analysis()

    def show_error(self, info: ErrorInfo) -> None:
        self.last_error = info
        self.statusBar().showMessage(f"{info.title}: {info.message}")
        if self.modal_errors:
            show_error(info, self)
        if info.title == TITLES[LOAD]:
            self.open_failed()
            self._offer_locate(info)

    def clear_pages(self) -> None:
        self.data_page.clear()
        self.trends_page.clear()
        self.impact_page.clear_result()
        self.retention_page.clear()
        self.plan_page.show_from_run([])
        self.plan_page.set_entries(None)
        self.brief_page.set_options({})
        self._show_brief_contents()

    # ---------------------------------------------------------------- answers
    def _on_table_loaded(self, table: Any) -> None:
        """The grid, the other steps emptied; the Data step is selected an event later (laying
        it out is the longest part: each event stays short while a large table arrives)."""
        self.data_page.show_table(table)
        self.data_page.show_excluded(self.controller.excluded)
        self.plan_page.show_from_run([])
        self.impact_page.clear_result()
        self.trends_page.clear()
        self.retention_page.clear()
        self._show_brief_contents()
        self.statusBar().showMessage(f"Opened {Path(table.path).name}. Check the column roles.")
        QTimer.singleShot(0, self, self._show_data_step)

    def _show_data_step(self) -> None:
        if self.controller.table is not None and self.steps.current_key() == "start":
            self.steps.select("data")

    def _on_project_changed(self, path: str) -> None:
        self._after_project_opened(path)
        project = self.controller.base_project
        self.brief_page.set_options(dict(getattr(project, "brief", None) or {}))
        self.plan_page.set_entries(getattr(project, "plan", None))
        name = Path(self.controller.project_path).name if self.controller.project_path else ""
        table = self.controller.table
        name = name or (Path(table.path).name if table is not None else "")
        mode = " (read-only)" if self.read_only else ""
        self.setWindowTitle(f"{name}[*]{mode} – pilot-eval" if name else "pilot-eval[*]")
        self.setWindowModified(self.controller.dirty)

    def _on_roles_changed(self, roles: dict[str, str | None]) -> None:
        self.data_page.show_roles(roles)
        if not self.show_outcome():
            if self.controller.report is None:
                self.impact_page.clear_result()
            self.trends_page.clear()
            self._show_brief_contents()

    def _on_issues(self, issues: list[Issue]) -> None:
        self.data_page.show_issues(issues)
        errors = sum(i.severity == "error" for i in issues)
        warnings = sum(i.severity == "warning" for i in issues)
        if self.controller.table is None:
            return
        if any(i.severity == "info" for i in issues):
            self.statusBar().showMessage("Choose the column roles below the preview.")
        elif errors:
            self.statusBar().showMessage(f"The data has {errors} problem(s) to fix before the "
                                         "analysis can run.")
        else:
            self.statusBar().showMessage(f"Data checked: no errors, {warnings} warning(s). "
                                         "Go to Impact and press Run (Ctrl+R).")

    def _on_progress(self, key: str, fraction: float, message: str) -> None:
        if key == ANALYSIS:
            self.impact_page.show_progress(fraction, message)
        elif key == RETENTION:
            self.retention_page.show_progress(fraction, message)
        elif key == PLAN:
            self.plan_page.set_progress(fraction, message)
        elif message:
            self.statusBar().showMessage(f"{message}…")

    def _on_exported(self, pdf: str, html: str) -> None:
        files = self.controller.exported or (pdf, html)
        self.brief_page.show_exported(files)
        names = [Path(f).name for f in files]
        self.statusBar().showMessage(f"Saved {', '.join(names[:-1])} and {names[-1]} in "
                                     f"{Path(pdf).parent}.")

    def _on_busy(self, key: str, busy: bool) -> None:
        if key == ANALYSIS:
            if busy:
                self.impact_page.set_busy(True)
            elif self.controller.output is None and self.impact_page.cancel_button.isEnabled():
                self.impact_page.show_failed()
            self.run_action.setEnabled(not busy)
        elif key == BRIEF:
            self.brief_page.set_busy(busy)
            if not busy:
                self.brief_page.set_ready(self.controller.report is not None)
        elif key in (LOAD, DEMO):
            self.data_page.open_button.setEnabled(not busy)
            self.open_action.setEnabled(not busy)
        elif key == RETENTION:
            self.retention_page.set_busy(busy)
        elif key == PLAN:
            self.plan_page.set_busy(busy)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        extra = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.key() in ENTER_KEYS and extra == Qt.KeyboardModifier.NoModifier \
                and self.press_enter():
            event.accept()
            return
        super().keyPressEvent(event)

    def press_enter(self) -> bool:
        """Enter, as Windows users expect it: on a button it presses that button; elsewhere on
        a step it presses the step's default button (``default_button()``).  Lists, tables,
        text boxes and a field that uses Enter itself keep it.  True when a button was pressed."""
        focus = QApplication.focusWidget()
        if isinstance(focus, QPushButton):
            if focus.isEnabled():
                focus.animateClick()
            return True
        if isinstance(focus, QAbstractItemView | QPlainTextEdit | QTextEdit) or (
                isinstance(focus, QLineEdit) and focus.property(HANDLES_ENTER)):
            return False
        page = self.pages.currentWidget()
        if focus is not None and not page.isAncestorOf(focus):
            return False
        button = page.default_button() if hasattr(page, "default_button") else None
        if button is None or not (button.isEnabled() and button.isVisible()):
            return False
        button.animateClick()
        return True

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self._close_files():
            event.ignore()
            return
        self.controller.shutdown()
        super().closeEvent(event)
