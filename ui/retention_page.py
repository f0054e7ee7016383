"""The Retention step: open the staff records, then retention curves, the hazard ratio, RMST,
leaving reasons and workforce rates, with the curves' key figures as a table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .chart_image import ChartView
from .retention_text import rate_rows, retention_rows
from .staff_form import StaffForm

IDLE = ("Open the staff records (one row per person and post: team, start date, end date, "
        "leaving reason) to compare how long pilot and comparison staff stay.")


def _fill(table: QTableWidget, rows: list[tuple[str, str]]) -> None:
    table.setRowCount(len(rows))
    for r, (label, value) in enumerate(rows):
        table.setItem(r, 0, QTableWidgetItem(label))
        table.setItem(r, 1, QTableWidgetItem(value))
    table.resizeRowsToContents()


def _two_column_table(name: str, headers: tuple[str, str]) -> QTableWidget:
    table = QTableWidget(0, 2)
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
    table.setColumnWidth(0, 210)
    table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(True)
    header = table.horizontalHeader()
    header.sectionResized.connect(lambda *_: table.resizeRowsToContents())
    return table


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
        self.figures = _two_column_table("Retention results", ("Figure", "Value"))
        self.rates = _two_column_table("Workforce rate definitions", ("Rate", "Definition"))
        self.warnings = QListWidget()
        self.warnings.setAccessibleName("Retention warnings")
        self.warnings.setWordWrap(True)
        self.chart_holder = QWidget()
        self.chart_layout = QVBoxLayout(self.chart_holder)
        self.chart_layout.setContentsMargins(0, 0, 0, 0)
        self.chart_note = QLabel("The retention curves appear here.")
        self.chart_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.chart_note.setWordWrap(True)
        self.chart_layout.addWidget(self.chart_note)
        tables = QSplitter(Qt.Orientation.Horizontal)
        tables.addWidget(self.figures)
        tables.addWidget(self.rates)
        tables.setSizes([500, 500])
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.chart_holder)
        splitter.addWidget(tables)
        splitter.addWidget(self.warnings)
        splitter.setSizes([330, 300, 80])
        self.staff_form = StaffForm()
        self.staff_form.setVisible(False)  # shown on request, or when there are problems
        self.columns_button.toggled.connect(self.staff_form.setVisible)
        self.staff_form.setMaximumWidth(340)
        body = QHBoxLayout()
        body.addWidget(self.staff_form)
        body.addWidget(splitter, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        self.canvas: Any = None
        self.clear()

    def clear(self) -> None:
        self.figures.setRowCount(0)
        self.rates.setRowCount(0)
        self.warnings.clear()
        self.warnings.setVisible(False)
        self._set_canvas(None)

    def set_busy(self, busy: bool) -> None:
        self.open_button.setEnabled(not busy)

    def show_progress(self, fraction: float, message: str) -> None:
        self.status.setText(f"{message}… ({fraction:.0%})")

    def show_result(self, result: dict[str, Any], figure: Any = None,
                    chart_problem: str = "") -> None:
        data = result.get("data") or {}
        name = Path(str(data.get("file", ""))).name or "the staff records"
        self.status.setText(f"<b>{name}</b>: {data.get('n_spells', '?')} spells of staff in "
                            "post. Key figures below; the curves show the share still in post.")
        _fill(self.figures, retention_rows(result))
        _fill(self.rates, rate_rows(result))
        lines = [str(w) for w in result.get("warnings") or ()]
        self.warnings.clear()
        self.warnings.addItems([f"• {line}" for line in lines])
        self.warnings.setVisible(bool(lines))
        self._set_canvas(figure)
        if figure is None:
            self.chart_note.setText(chart_problem or "No retention curves for these records.")

    def show_staff(self, output: Any, staff: dict[str, Any] | None) -> None:
        """The staff file's columns and dates in the form, and its validation problems
        (each with its row and column) at the top of the warnings."""
        columns = list(getattr(output, "columns", ()) or ())
        if columns:
            self.staff_form.set_columns(columns, dict(getattr(output, "roles", ()) or ()),
                                        staff or {})
        self.columns_button.setVisible(bool(columns))
        needs_form = bool(columns) and not output.result  # nothing to show but the form
        self.columns_button.setChecked(needs_form or (bool(columns) and
                                                       self.columns_button.isChecked()))
        problems = [str(p) for p in getattr(output, "problems", ()) or ()]
        if problems:
            self.warnings.insertItems(0, [f"• {p}" for p in problems])
            self.warnings.setVisible(True)
            if not output.result:
                self.status.setText("The staff records need attention before the retention "
                                    "analysis can run: see the list below, change the columns "
                                    "or dates on the left, or fix the file and open it again.")

    def problem_lines(self) -> list[str]:
        return [self.warnings.item(r).text() for r in range(self.warnings.count())]

    def figure_rows(self) -> list[tuple[str, str]]:
        return [(self.figures.item(r, 0).text(), self.figures.item(r, 1).text())
                for r in range(self.figures.rowCount())]

    def _set_canvas(self, figure: Any) -> None:
        if self.canvas is not None:
            self.chart_layout.removeWidget(self.canvas)
            self.canvas.setParent(None)
            self.canvas.deleteLater()
            self.canvas = None
        self.chart_note.setVisible(figure is None)
        if figure is not None:
            self.canvas = ChartView(figure, "Chart: share of staff still in post by months "
                                    "since starting; the key figures are in the table")
            self.chart_layout.addWidget(self.canvas, 1)
