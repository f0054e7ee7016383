"""The Retention step: open the staff records, then retention curves, the hazard ratio, RMST,
leaving reasons and workforce rates, with the curves' key figures as a table."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from .chart_panel import DRAWING, ChartPanel
from .reflow import FiguresTable, NoteList
from .staff_form import StaffForm

RATE_HEADERS = ("Rate (mean per period)", "Pilot", "Comparison")
IDLE = ("Open the staff records (one row per person and post: team, start date, end date, "
        "leaving reason) to compare how long pilot and comparison staff stay.")


class RetentionPage(QWidget):
    """Intent: ``open_requested``.  Setters: ``show_result``, ``set_busy``, ``show_progress``."""

    open_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Retention step")
        self.open_button = QPushButton("Open &staff records…")
        self.open_button.setAccessibleName("Open staff records")
        self.open_button.setToolTip("A CSV or Excel file with one row per person and post")
        self.open_button.clicked.connect(self.open_requested)
        self.status = QLabel(IDLE)
        self.status.setAccessibleName("Retention status")
        self.status.setWordWrap(True)
        self.columns_button = QPushButton("Columns and &dates…")
        self.columns_button.setAccessibleName("Staff records columns and dates")
        self.columns_button.setToolTip("Which columns hold the staff id, team, dates and "
                                       "leaving reason; the extract date; where the pilot "
                                       "starts come from")
        self.columns_button.setCheckable(True)
        self.columns_button.setVisible(False)  # until a staff file is read
        top = QHBoxLayout()
        top.addWidget(self.open_button)
        top.addWidget(self.columns_button)
        top.addWidget(self.status, 1)
        self.sentences = QLabel("")
        self.sentences.setAccessibleName("Retention in words, as in the brief")
        self.sentences.setWordWrap(True)
        self.sentences.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.figures = FiguresTable("Retention results", ("Figure", "Value"))
        self.rates = FiguresTable("Workforce rates (hover a rate for its definition)",
                                  RATE_HEADERS)
        self.warnings = NoteList("Retention warnings")
        self.chart = ChartPanel("Staff still in post", "The retention curves appear here.")
        self.chart_holder = self.chart
        # Left: the curves at their own proportions, the workforce rates under them.  Right:
        # the key figures, and the warnings under them.
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        for upper, lower in ((self.chart_holder, self.rates), (self.figures, self.warnings)):
            column = QWidget()
            column_layout = QVBoxLayout(column)
            column_layout.setContentsMargins(0, 0, 0, 0)
            column_layout.addWidget(upper, 0 if upper is self.chart_holder else 3)
            column_layout.addWidget(lower, 2)
            splitter.addWidget(column)
        splitter.setSizes([5000, 4000])  # shares of the width, whatever the screen
        self.staff_form = StaffForm()
        self.staff_form.setVisible(False)  # shown on request, or when there are problems
        self.columns_button.toggled.connect(self.staff_form.setVisible)
        self.staff_form.setMaximumWidth(340)
        body = QHBoxLayout()
        body.addWidget(self.staff_form)
        body.addWidget(splitter, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.sentences)
        layout.addLayout(body, 1)
        self.clear()

    def default_button(self) -> QPushButton:
        """Enter: run again with the columns shown when the form is open, else open a file."""
        return (self.staff_form.apply_button if self.staff_form.isVisible()
                else self.open_button)

    def clear(self) -> None:
        self.sentences.setText("")
        self.sentences.setVisible(False)
        self.figures.setRowCount(0)
        self.rates.setRowCount(0)
        self.warnings.set_lines([])
        self.warnings.setVisible(False)
        self.chart.set_chart(None, "The retention curves appear here.")

    def set_busy(self, busy: bool) -> None:
        self.open_button.setEnabled(not busy)

    def show_progress(self, fraction: float, message: str) -> None:
        self.status.setText(f"{message}… ({fraction:.0%})")

    def show_result(self, report: Any, chart: Any = None, *, options: Any = None,
                    drawing: bool = False) -> None:
        """Show a ``RetentionReport``: the brief's sentences, key figures, rates and the
        brief's retention chart (``options``: the brief's, for its disclosure base;
        ``drawing``: the chart is still being drawn)."""
        from .retention_text import figure_rows, rate_rows, sentences, status_line

        self.status.setText(status_line(report) + " The curves show the share still in post.")
        lines = sentences(report, options)
        self.sentences.setText(" ".join(lines))
        self.sentences.setVisible(bool(lines))
        rows = figure_rows(report)
        self.figures.set_rows([(r.label, r.value) for r in rows], [r.tip for r in rows])
        rates, tips = rate_rows(report)
        self.rates.set_rows(rates, tips)
        self.rates.setVisible(bool(rates))
        warnings = list(report.warnings)
        self.warnings.set_lines(warnings)
        self.warnings.setVisible(bool(warnings))
        self.chart.set_chart(chart, DRAWING if drawing else
                             "No retention curves for these records.")

    def show_staff(self, output: Any, staff: dict[str, Any] | None) -> None:
        """The staff file's columns and dates in the form, and its validation problems
        (each with its row and column) at the top of the warnings."""
        columns = list(getattr(output, "columns", ()) or ())
        if columns:
            self.staff_form.set_columns(columns, dict(getattr(output, "roles", ()) or ()),
                                        staff or {})
        self.columns_button.setVisible(bool(columns))
        needs_form = bool(columns) and output.report is None  # nothing to show but the form
        self.columns_button.setChecked(needs_form or (bool(columns) and
                                                       self.columns_button.isChecked()))
        problems = [str(p) for p in getattr(output, "problems", ()) or ()]
        if problems:
            self.warnings.insert_lines(problems)
            self.warnings.setVisible(True)
            if output.report is None:
                self.status.setText("The staff records need attention before the retention "
                                    "analysis can run: see the list below, change the columns "
                                    "or dates on the left, or fix the file and open it again.")

    def problem_lines(self) -> list[str]:
        return self.warnings.lines()

    def figure_rows(self) -> list[tuple[str, str]]:
        return [(label, value) for label, value in self.figures.rows()]

    @property
    def canvas(self) -> Any:
        return self.chart.canvas
