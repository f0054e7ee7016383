"""The window's answers to a report: the steps shown from one ``ProjectReport``.

A mixin of :class:`~pilot_eval.ui.main_window.MainWindow`.  Every figure on Trends, Impact,
Retention and Brief comes from the controller's report (``controller.report_output``) or, before
a run, from the Trends means and the staff records' own retention report; the pages format
them with the shared wording (``pilot_eval.report.words``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox

from .places import BRIEF_FILES

FINISHED = ("Analysis finished: every outcome of the project, and staff retention when the "
            "project has staff records.")
TABLE_FILTER = "Excel workbook (*.xlsx);;CSV, one file per table (*.csv)"


class ReportViewsMixin:
    """Needs ``self.controller`` and the pages of the main window."""

    controller: Any
    result_shown: Any  # MainWindow's signal

    # ------------------------------------------------------------------ steps
    def unit_noun(self) -> str:
        report = self.controller.report
        return report.brief.unit_noun if report is not None else "teams"

    def show_outcome(self, *, trends: bool = True) -> bool:
        """The current outcome's report on Impact and (``trends``) Trends; False when it has
        none."""
        c = self.controller
        outcome, output = c.output, c.report_output
        if outcome is None:
            if c.report is not None and c.roles.get("outcome"):
                from .core_api import guess_outcome_info

                self.impact_page.show_not_run(guess_outcome_info(c.roles["outcome"]).label)
            return False
        from .report_core import IMPACT_CHARTS
        from .trends_text import trend_sentence

        name = outcome.outcome  # a synthetic headline's own chart first, else the event study
        chart, drawing = output.first_chart(IMPACT_CHARTS, name)
        self.impact_page.show_result(outcome, chart, unit_noun=self.unit_noun(),
                                     drawing=drawing)
        if trends:
            means, drawing = output.first_chart(("means",), name)
            self.trends_page.show_trends(outcome.label, trend_sentence(outcome), means,
                                         drawing=drawing)
        return True

    def show_retention(self) -> None:
        """The retention report shown: the run's, else the staff records' own."""
        c = self.controller
        report = c.retention_report
        if report is None:
            return
        in_run = c.report is not None and getattr(c.report, "retention", None) is report
        chart = (c.report_output.chart("retention") if in_run
                 else getattr(c.retention_view, "chart", None))
        drawing = in_run and c.report_output.is_pending("retention")
        options = c.report.brief if c.report is not None else None
        self.retention_page.show_result(report, chart, options=options, drawing=drawing)

    def _on_trends(self, output: Any) -> None:
        """The means as soon as the data are mapped (a report of this outcome shows more)."""
        if self.controller.output is None:
            from .trends_text import trend_sentence

            self.trends_page.show_trends(output.label, trend_sentence(output.trends),
                                         output.chart)

    def _on_result(self, output: Any) -> None:
        """The Impact step at once (the step the user is on); the other steps' views of the
        result follow one event each (``_show_rest``), so no single event keeps the window
        busy for long."""
        self.show_outcome(trends=False)
        self.statusBar().showMessage(FINISHED)
        self._show_rest(output.report, [self._show_run_trends, self._show_run_plan,
                                        self.show_retention, self._show_brief_contents])

    def _show_rest(self, report: Any, steps: list[Any]) -> None:
        """Run ``steps`` one per turn of the event loop while ``report`` is still the one
        shown (a newer run, or inputs changed, stops them: those show their own)."""
        if not steps:
            self.result_shown.emit()
            return

        def step() -> None:
            if self.controller.report is report:
                steps[0]()
                self._show_rest(report, steps[1:])

        QTimer.singleShot(0, self, step)

    def _show_run_trends(self) -> None:
        self.show_outcome()

    def _show_run_plan(self) -> None:
        from .plan_text import expected_effect, planning_lines

        report = self.controller.report
        self.plan_page.show_from_run(planning_lines(report),
                                     expected_effect(report, self.controller.roles["outcome"]))

    def _on_charts(self, _output: Any) -> None:
        """The charts left for after the result are drawn: show them in place."""
        self.show_outcome()
        self.show_retention()
        self.statusBar().showMessage(FINISHED)  # in place of "Drawing the charts…"

    def _on_retention(self, view: Any) -> None:
        self.show_retention()
        self.retention_page.show_staff(view, self.controller.staff)
        self.statusBar().showMessage("Retention analysis finished.")

    # ------------------------------------------------------------------ brief
    def _show_brief_contents(self) -> None:
        from .impact_text import evidence_line, headline

        report = self.controller.report
        outcomes = report.outcomes if report is not None else ()
        noun = self.unit_noun()
        self.brief_page.show_headlines([headline(o, noun) for o in outcomes])
        self.brief_page.show_evidence([evidence_line(o) for o in outcomes])
        self.brief_page.set_ready(report is not None)
        self._preview_brief()

    def _preview_brief(self) -> None:
        self.controller.preview_brief(brief=self.brief_page.options())

    def ask_replace_brief(self, folder: Path) -> bool:
        """The folder already holds a brief: replace it?  (Tests replace this.)"""
        answer = QMessageBox.question(
            self, "Replace the brief?", f"{folder} already holds a brief (brief.pdf, "
            "brief.html, technical-report.pdf, tables.xlsx or results.json). Replace them with "
            "this brief?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def export_brief_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Export the brief into a folder (brief.pdf, brief.html, technical-report.pdf, "
            "tables.xlsx, results.json)",
            str(self._export_folder()))
        if folder:
            self.export_brief_to(folder)

    def export_brief_to(self, path: str | Path) -> bool:
        """Write the brief's five files into the folder ``path`` (a ``.pdf`` path: into its
        folder), as ``pilot-eval brief --out FOLDER`` does."""
        folder = Path(path)
        if folder.suffix.lower() == ".pdf":
            folder = folder.parent
        if any((folder / name).exists() for name in BRIEF_FILES) and \
                not self.ask_replace_brief(folder):
            return False
        self.controller.export_brief(str(folder), brief=self.brief_page.options())
        return True

    def export_tables_dialog(self) -> None:
        """File > Export tables…: an Excel workbook, or one CSV file per table."""
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export the tables", str(self._export_folder() / "tables.xlsx"), TABLE_FILTER)
        if path:
            if not Path(path).suffix:
                path += ".csv" if chosen.startswith("CSV") else ".xlsx"
            self.export_tables_to(path)

    def export_tables_to(self, path: str | Path) -> bool:
        """Write the report's tables to ``path`` (``.xlsx``; ``.csv``: one file per table,
        named after it, beside ``path``)."""
        if Path(path).suffix.lower() not in (".xlsx", ".csv"):
            self.statusBar().showMessage("Choose a file name ending in .xlsx or .csv.")
            return False
        self.controller.export_tables(str(path))
        return True

    def _on_tables_exported(self, files: list[str]) -> None:
        names = [Path(f).name for f in files]
        where = Path(files[0]).parent if files else ""
        text = (f"Saved {names[0]} in {where}." if len(names) == 1 else
                f"Saved {len(names)} CSV files (one per table) in {where}.")
        self.statusBar().showMessage(text)
