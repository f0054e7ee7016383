"""One chart of the brief in a step: its title, the picture, its key (what the lines mean and
where curves stop), and a button that swaps the picture for the chart's data table (the text
alternative the brief prints with it).  Trends, Impact and Retention each hold one."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
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

DRAWING = "Drawing the chart…"  # in place of a chart still being drawn after the result


class ChartPanel(QWidget):
    """Setter: ``set_chart(chart, placeholder)``; ``chart`` is a ``report_core.Chart``."""

    def __init__(self, name: str, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self._name = name
        self.title = QLabel("")
        self.title.setObjectName("ChartTitle")
        self.title.setWordWrap(True)
        self.button = QPushButton("Show the chart as a &table")
        self.button.setAccessibleName(f"Show the chart as a table: {name.lower()}")
        self.button.setToolTip("Switch between the chart and the numbers it shows")
        self.button.setCheckable(True)
        self.button.toggled.connect(self._show_table)
        self.table = QTableWidget(0, 0)
        self.table.setAccessibleName(f"Numbers of the chart: {name.lower()}")
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.note = QLabel(placeholder)
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key = QLabel("")
        self.key.setObjectName("ChartKey")
        self.key.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.addLayout(top)
        self.body.addWidget(self.note)
        self.body.addWidget(self.table, 10)
        self.body.addWidget(self.key)
        self.body.addStretch(1)  # the key stays under the picture; the space goes below
        self.canvas: Any = None
        self._rows: list[Any] = []
        self._columns: list[str] = []
        self._filled = True
        self.set_chart(None, placeholder)

    def set_chart(self, chart: Any, placeholder: str = "") -> None:
        """Show ``chart`` (None: ``placeholder`` in its place)."""
        if self.canvas is not None:
            self.body.removeWidget(self.canvas)
            self.canvas.setParent(None)
            self.canvas.deleteLater()
            self.canvas = None
        self.title.setText(chart.title if chart is not None else "")
        self.title.setVisible(bool(chart is not None and chart.title))
        self.key.setText(chart.key if chart is not None else "")
        self.key.setVisible(bool(chart is not None and chart.key))
        rows = list(chart.rows) if chart is not None else []
        self._rows = rows
        self._columns = list(chart.columns) if chart is not None else []
        self._filled = False  # the table is filled when it is first shown (or read)
        self.table.clear()
        self.table.setColumnCount(0)
        self.table.setRowCount(0)
        picture = chart.png if chart is not None else None
        self.note.setText(placeholder if chart is None else "The chart could not be drawn; "
                          "its numbers are in the table.")
        self.note.setVisible(picture is None)
        if picture is not None:
            alt = chart.alt_text or self._name
            self.canvas = ChartView(picture, f"Chart: {alt}")
            self.body.insertWidget(2, self.canvas)
        self.button.setVisible(bool(rows) and picture is not None)
        self._show_table(self.button.isChecked() or (picture is None and bool(rows)))

    def has_picture(self) -> bool:
        return self.canvas is not None and self.canvas.has_picture()

    def table_rows(self) -> list[list[str]]:
        self._fill_table()
        return [[self.table.item(r, c).text() for c in range(self.table.columnCount())]
                for r in range(self.table.rowCount())]

    def _fill_table(self) -> None:
        """Put the chart's numbers in the table (a few hundred items: done when first needed,
        not each time a chart is shown)."""
        if self._filled:
            return
        self._filled = True
        self.table.setColumnCount(len(self._columns))
        self.table.setRowCount(len(self._rows))
        self.table.setHorizontalHeaderLabels(self._columns)
        for r, cells in enumerate(self._rows):
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(str(text)))

    def _show_table(self, show: bool) -> None:
        if show and self._rows:
            self._fill_table()
        self.table.setVisible(show and bool(self._rows))
        if self.canvas is not None:
            self.canvas.setVisible(not show)
        self.button.setText("Show the c&hart" if show else "Show the chart as a &table")
