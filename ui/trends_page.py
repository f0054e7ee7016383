"""The Trends step: pilot and comparison means over time, the pilot start marked, the pre-trend
test in a plain sentence, and the chart's numbers as a table (its text alternative).  It shows
the means as soon as the data are mapped, and the report's pre-trend reading after a run."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .chart_panel import DRAWING, ChartPanel

WAITING = ("The trends appear here as soon as the data are open and their columns are chosen "
           "(Data step): the mean outcome of pilot and comparison teams in every period.")


class TrendsPage(QWidget):
    """Intent: ``next_requested``.  Setters: ``show_trends(label, sentence, chart)``,
    ``show_problem``, ``clear``."""

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
        self.chart = ChartPanel("Pilot and comparison teams over time", "")
        self.table_button, self.table = self.chart.button, self.chart.table
        self.next_button = QPushButton("Next: estimate the impact ›")
        self.next_button.setAccessibleName("Next step: impact")
        self.next_button.setToolTip("Estimate the pilot's effect (Enter, or Ctrl+4)")
        self.next_button.clicked.connect(self.next_requested)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.sentence)
        layout.addWidget(self.chart, 1)
        layout.addLayout(row)
        self.clear()

    def default_button(self) -> QPushButton:
        return self.next_button

    def clear(self) -> None:
        self.sentence.setText(WAITING)
        self.chart.set_chart(None, "")

    def show_trends(self, label: str, sentence: str, chart: Any, *,
                    drawing: bool = False) -> None:
        """``label``: the outcome; ``sentence``: what the pre-pilot periods say; ``drawing``:
        the chart is still being drawn."""
        self.sentence.setText(f"{label}: {sentence}")
        self.chart.set_chart(chart, DRAWING if drawing else "No chart for these data.")

    def show_problem(self, message: str) -> None:
        self.clear()
        self.sentence.setText(f"The trends could not be drawn: {message}")

    def table_rows(self) -> list[list[str]]:
        return self.chart.table_rows()

    @property
    def canvas(self) -> Any:
        return self.chart.canvas
