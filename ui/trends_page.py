"""The Trends step: pilot and comparison means over time, the pilot start marked, the pre-trend
test in a plain sentence, and the chart's numbers as a table (its text alternative)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .chart_image import ChartView
from .chart_table import HEADERS, means_rows
from .trends_text import trend_sentence

WAITING = ("The trends appear here as soon as the data are open and their columns are chosen "
           "(Data step): the mean outcome of pilot and comparison teams in every period.")


class TrendsPage(QWidget):
    """Intent: ``next_requested``.  Setters: ``show_result(result, figure)``, ``clear``."""

    next_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Trends step")
        self.sentence = QLabel(WAITING)
        self.sentence.setObjectName("Headline")
        self.sentence.setAccessibleName("Are the trends parallel?")
        self.sentence.setWordWrap(True)
        self.sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                              | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.sentence.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # read it by keyboard too
        self.table_button = QPushButton("Show the chart as a &table")
        self.table_button.setAccessibleName("Show the trends chart as a table")
        self.table_button.setToolTip("Switch between the chart and the numbers it shows")
        self.table_button.setCheckable(True)
        self.table_button.toggled.connect(self._show_table)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setAccessibleName("Mean outcome of pilot and comparison teams by period")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.next_button = QPushButton("Next: estimate the impact ›")
        self.next_button.setAccessibleName("Next step: impact")
        self.next_button.setToolTip("Estimate the pilot's effect (Enter, or Ctrl+4)")
        self.next_button.clicked.connect(self.next_requested)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.table_button)
        row.addWidget(self.next_button)
        self.chart_layout = QVBoxLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(self.sentence)
        layout.addLayout(row)
        layout.addLayout(self.chart_layout, 1)
        layout.addWidget(self.table, 1)
        self.canvas: Any = None
        self.clear()

    def default_button(self) -> QPushButton:
        return self.next_button

    def clear(self) -> None:
        self.sentence.setText(WAITING)
        self.table.setRowCount(0)
        self.table_button.setVisible(False)
        self.table.setVisible(False)
        self._set_canvas(None)

    def show_result(self, result: dict[str, Any], figure: Any = None) -> None:
        label = result.get("outcome_label") or result.get("outcome") or "the outcome"
        self.sentence.setText(f"{label}: {trend_sentence(result)}")
        rows = means_rows(result.get("group_means") or [], result.get("outcome_unit", ""))
        self.table.setRowCount(len(rows))
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self._set_canvas(figure)
        self.table_button.setVisible(bool(rows) and figure is not None)
        self._show_table(self.table_button.isChecked() or figure is None)

    def show_problem(self, message: str) -> None:
        self.clear()
        self.sentence.setText(f"The trends could not be drawn: {message}")

    def table_rows(self) -> list[list[str]]:
        return [[self.table.item(r, c).text() for c in range(self.table.columnCount())]
                for r in range(self.table.rowCount())]

    def _show_table(self, show: bool) -> None:
        self.table.setVisible(show and self.table.rowCount() > 0)
        if self.canvas is not None:
            self.canvas.setVisible(not show)
        self.table_button.setText("Show the c&hart" if show else "Show the chart as a &table")

    def _set_canvas(self, figure: Any) -> None:
        if self.canvas is not None:
            self.chart_layout.removeWidget(self.canvas)
            self.canvas.setParent(None)
            self.canvas.deleteLater()
            self.canvas = None
        if figure is not None:
            self.canvas = ChartView(figure, "Chart: mean outcome of pilot and comparison "
                                    "teams by period, pilot start marked; the table button "
                                    "shows its numbers")
            self.chart_layout.addWidget(self.canvas, 1)
