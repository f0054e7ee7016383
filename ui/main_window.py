"""The main window: a side bar of steps, one page per step, wired to the controller.

The window only places things and forwards intents; the controller does the work through the
task runner.  Tests call ``open_file(path)`` and ``export_brief_to(path)`` instead of the file
dialogs.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from .brief_page import BriefPage
from .controller import ANALYSIS, BRIEF, LOAD, Controller, Issue
from .core_api import AnalysisOutput
from .data_page import DataPage
from .error_dialog import show_error
from .error_info import ErrorInfo
from .impact_page import ImpactPage
from .result_text import headline
from .sidebar import StepBar
from .style import STYLE_SHEET

DATA_FILTER = ("Data files (*.csv *.txt *.tsv *.xlsx *.parquet *.dta);;"
               "pilot-eval projects (*.pilot.json);;CSV (*.csv *.txt *.tsv);;"
               "Excel (*.xlsx);;Parquet (*.parquet);;Stata (*.dta);;All files (*)")


class MainWindow(QMainWindow):
    """pilot-eval's window: Data -> Impact -> Brief."""

    def __init__(self, controller: Controller | None = None) -> None:
        super().__init__()
        self.setWindowTitle("pilot-eval")
        self.resize(1200, 800)
        self.setStyleSheet(STYLE_SHEET)
        self.controller = controller if controller is not None else Controller(parent=self)
        self.steps = StepBar()
        self.pages = QStackedWidget()
        self.data_page, self.impact_page, self.brief_page = DataPage(), ImpactPage(), BriefPage()
        self.page_for = {"data": self.data_page, "impact": self.impact_page,
                         "brief": self.brief_page}
        for key in self.steps.step_keys():
            self.pages.addWidget(self.page_for[key])
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.steps)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.steps.step_chosen.connect(self.go_to)
        self._make_menus()
        self._connect()
        self.steps.select("data")
        self.statusBar().showMessage("Open a data file to begin (Ctrl+O).")
        self.last_error: ErrorInfo | None = None
        self.modal_errors = True  # False: errors go to the status bar only (screenshot runs)

    # ----------------------------------------------------------------- set-up
    def _action(self, menu: Any, text: str, shortcut: Any, slot: Any) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _make_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = self._action(file_menu, "&Open data file…", QKeySequence.StandardKey.Open,
                                        self.open_file_dialog)
        self.export_action = self._action(file_menu, "&Export brief…", "Ctrl+E",
                                          self.export_brief_dialog)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence.StandardKey.Quit, self.close)
        analysis_menu = self.menuBar().addMenu("&Analysis")
        self.run_action = self._action(analysis_menu, "&Run", "Ctrl+R", self._run)
        go_menu = self.menuBar().addMenu("&Go")
        for number, key in enumerate(self.steps.step_keys(), start=1):
            label = key.capitalize()
            self._action(go_menu, f"&{number} {label}", f"Ctrl+{number}",
                         lambda _=False, k=key: self.steps.select(k))

    def _connect(self) -> None:
        c = self.controller
        self.data_page.open_requested.connect(self.open_file_dialog)
        self.data_page.role_changed.connect(c.set_role)
        self.impact_page.run_requested.connect(self._run)
        self.impact_page.cancel_requested.connect(c.cancel_analysis)
        self.brief_page.export_requested.connect(self.export_brief_dialog)
        c.table_loaded.connect(self._on_table_loaded)
        c.roles_changed.connect(self._on_roles_changed)
        c.issues_changed.connect(self._on_issues)
        c.ready_changed.connect(self.impact_page.set_ready)
        c.progress.connect(self._on_progress)
        c.result_ready.connect(self._on_result)
        c.analysis_cancelled.connect(self.impact_page.show_cancelled)
        c.brief_exported.connect(self._on_exported)
        c.error.connect(self.show_error)
        c.busy_changed.connect(self._on_busy)

    # ---------------------------------------------------------------- intents
    def go_to(self, key: str) -> None:
        page = self.page_for[key]
        self.pages.setCurrentWidget(page)

    def open_file_dialog(self) -> None:
        start = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        path, _ = QFileDialog.getOpenFileName(self, "Open data file", start, DATA_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> None:
        self.statusBar().showMessage(f"Opening {Path(path).name}…")
        self.controller.open_file(str(path))

    def export_brief_dialog(self) -> None:
        folder = self._export_folder()
        path, _ = QFileDialog.getSaveFileName(self, "Export brief", str(folder / "brief.pdf"),
                                              "PDF (*.pdf)")
        if path:
            self.export_brief_to(path)

    def _export_folder(self) -> Path:
        """The data file's folder when the user can write there, else the Documents folder
        (the bundled demo data lives inside the installed package)."""
        table = self.controller.table
        if table is not None:
            folder = Path(table.path).resolve().parent
            package = Path(str(resources.files("pilot_eval.resources"))).resolve()
            if os.access(folder, os.W_OK) and not folder.is_relative_to(package):
                return folder
        documents = QStandardPaths.StandardLocation.DocumentsLocation
        return Path(QStandardPaths.writableLocation(documents) or Path.home())

    def export_brief_to(self, path: str | Path) -> None:
        self.controller.export_brief(str(path), organisation=self.brief_page.organisation.text(),
                                     author=self.brief_page.author.text())

    def _run(self) -> None:
        self.steps.select("impact")
        self.impact_page.clear_result()
        self.controller.run_analysis()

    def show_error(self, info: ErrorInfo) -> None:
        self.last_error = info
        self.statusBar().showMessage(f"{info.title}: {info.message}")
        if self.modal_errors:
            show_error(info, self)

    # ---------------------------------------------------------------- answers
    def _on_table_loaded(self, table: Any) -> None:
        self.data_page.show_table(table)
        self.setWindowTitle(f"{Path(table.path).name} – pilot-eval")
        self.impact_page.clear_result()
        self._show_brief_contents()
        self.statusBar().showMessage(f"Opened {Path(table.path).name}. Check the column roles.")

    def _on_roles_changed(self, roles: dict[str, str | None]) -> None:
        self.data_page.show_roles(roles)
        if self.controller.output is None:
            self.impact_page.clear_result()
            self._show_brief_contents()

    def _on_issues(self, issues: list[Issue]) -> None:
        self.data_page.show_issues(issues)
        errors = sum(i.severity == "error" for i in issues)
        warnings = sum(i.severity == "warning" for i in issues)
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
        elif message:
            self.statusBar().showMessage(f"{message}…")

    def _on_result(self, output: AnalysisOutput) -> None:
        self.impact_page.show_result(output.result, output.figure, output.chart_problem)
        self._show_brief_contents()
        self.statusBar().showMessage("Analysis finished.")

    def _show_brief_contents(self) -> None:
        results = [o.result for o in self.controller.results.values()]
        self.brief_page.show_headlines([headline(r) for r in results])
        self.brief_page.set_ready(bool(results))

    def _on_exported(self, pdf: str, html: str) -> None:
        self.brief_page.show_exported(pdf, html)
        self.statusBar().showMessage(f"Saved {Path(pdf).name} and {Path(html).name}.")

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
                self.brief_page.set_ready(bool(self.controller.results))
        elif key == LOAD:
            self.data_page.open_button.setEnabled(not busy)
            self.open_action.setEnabled(not busy)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.controller.shutdown()
        super().closeEvent(event)
