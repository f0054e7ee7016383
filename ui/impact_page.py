"""The Impact step: run the difference-in-differences, follow its progress, read the result."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from .chart_panel import DRAWING, ChartPanel
from .did_options import DidOptionsRow
from .reflow import FiguresTable, NoteList, compact_combo

METHODS = {
    "auto": "Automatic (recommended)",
    "2x2": "Before/after, pilot/comparison (2x2)",
    "twfe": "Two-way fixed effects",
    "callaway-santanna": "Callaway & Sant'Anna (staggered starts)",
    "synthetic-did": "Synthetic DiD (for pilots with only a few teams)",
    "synthetic-control": "Synthetic control (one pilot team or group, one start)",
}
#: One line under the method: what it is for.
METHOD_GUIDES = {
    "auto": "Automatic picks the method that suits your design (hover over Method for how).",
    "2x2": "One start date: the pilot teams' change minus the comparison teams' change.",
    "twfe": "One start date, many periods: each team and each period is its own baseline.",
    "callaway-santanna": "Staggered starts: each wave is compared only with teams not yet "
                         "(or never) in the pilot.",
    "synthetic-did": "For pilots with only a few teams: compared with a weighted mix of teams "
                     "that moved like them before; the range comes from placebo runs.",
    "synthetic-control": "For one pilot team or group with one start date: a weighted mix of "
                         "comparison teams that tracked it before the pilot.",
}
NO_CHART_YET = "The chart of pilot and comparison teams over time appears here after the analysis."
DONE = "Done. The results are below; export them from the Brief step."
METHOD_GUIDANCE = ("Automatic picks the method for your design: if your pilot started at "
                   "different times, it uses Callaway & Sant'Anna, which compares each wave "
                   "only with teams not yet in the pilot; with one start date it uses two-way "
                   "fixed effects; with five or fewer pilot teams it uses synthetic DiD, which "
                   "compares them with a weighted mix of teams that moved like them before.")

IDLE_TEXT = ("Press Run to estimate the pilot's effect: pilot teams are compared with teams "
             "that kept the old rules, before and after the pilot started.")


class ImpactPage(QWidget):
    """Intents: ``run_requested``, ``cancel_requested``.  Setters: ``show_*``, ``set_busy``."""

    run_requested = Signal()
    cancel_requested = Signal()
    method_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Impact step")
        self.run_button = QPushButton("&Run analysis")
        self.run_button.setAccessibleName("Run analysis")
        self.run_button.setToolTip("Estimate the pilot's effect (Ctrl+R)")
        self.run_button.clicked.connect(self.run_requested)
        self.run_button.setEnabled(False)  # until the data is loaded and the roles are complete
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.setAccessibleName("Cancel analysis")
        self.cancel_button.setToolTip("Stop the running analysis (Esc)")
        self.cancel_button.setShortcut("Esc")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Analysis progress")
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setVisible(False)  # shown while the analysis runs
        self.status = QLabel(IDLE_TEXT)
        self.status.setAccessibleName("Analysis status")
        self.status.setWordWrap(True)
        self.method = compact_combo(QComboBox(), 12)
        self.method.setAccessibleName("Method")
        self.method.setToolTip(METHOD_GUIDANCE)
        for key, label in METHODS.items():
            self.method.addItem(label, key)
        self.method.currentIndexChanged.connect(self._method_picked)
        self._setting_method = False
        method_label = QLabel("&Method:")
        method_label.setBuddy(self.method)
        self.options_row = DidOptionsRow(leading=(method_label, self.method))
        self.method_guide = QLabel(METHOD_GUIDES["auto"])
        self.method_guide.setAccessibleName("What the method is for")
        self.method_guide.setWordWrap(True)
        controls = QHBoxLayout()
        controls.addWidget(self.run_button)
        controls.addWidget(self.cancel_button)
        controls.addWidget(self.progress, 1)
        controls.addWidget(self.status, 3)

        self.sentence = QLabel("")
        self.sentence.setObjectName("Headline")
        self.sentence.setAccessibleName("Result in words")
        self.sentence.setWordWrap(True)
        self.sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = FiguresTable("Result table", ("", ""))
        self.warnings = NoteList("Warnings")
        self.warnings_title = QLabel("&Warnings")
        self.warnings_title.setBuddy(self.warnings)
        self.chart = ChartPanel("Chart of the pilot's effect", NO_CHART_YET)
        self.means_button = self.chart.button
        # Left: the figures (rows grow to fit).  Right: the chart at its own proportions and,
        # under it, the warnings, which take whatever height the chart leaves.
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.chart)
        right_layout.addWidget(self.warnings_title)
        right_layout.addWidget(self.warnings, 1)
        self.body = QSplitter(Qt.Orientation.Horizontal)
        self.body.setChildrenCollapsible(False)
        self.body.addWidget(self.table)
        self.body.addWidget(right)
        self.body.setStretchFactor(0, 4)
        self.body.setStretchFactor(1, 5)
        self.body.setSizes([4000, 5000])  # shares of the width, whatever the screen

        layout = QVBoxLayout(self)
        layout.addWidget(self.options_row)
        guide_row = QHBoxLayout()
        guide_row.addWidget(self.method_guide, 1)
        guide_row.addWidget(self.options_row.placebo_label)
        guide_row.addWidget(self.options_row.placebo)
        layout.addLayout(guide_row)
        layout.addLayout(controls)
        layout.addWidget(self.sentence)
        layout.addWidget(self.body, 1)
        chain = [self.method, *self.options_row.combos.values(),
                 *self.options_row.boxes.values(), self.options_row.placebo, self.run_button]
        for before, after in zip(chain, chain[1:], strict=False):
            self.setTabOrder(before, after)
        self.setTabOrder(self.run_button, self.cancel_button)
        self.setTabOrder(self.cancel_button, self.table)
        self.setTabOrder(self.table, self.means_button)
        self.setTabOrder(self.means_button, self.warnings)
        self.clear_result()

    def default_button(self) -> QPushButton:
        return self.run_button

    # ---------------------------------------------------------------- setters
    def set_method(self, key: str) -> None:
        """Show ``key`` as the chosen method without emitting ``method_changed``."""
        self._setting_method = True
        try:
            self.method.setCurrentIndex(max(self.method.findData(key), 0))
        finally:
            self._setting_method = False
        self.method_guide.setText(METHOD_GUIDES.get(str(self.method.currentData()), ""))

    def _method_picked(self) -> None:
        self.method_guide.setText(METHOD_GUIDES.get(str(self.method.currentData()), ""))
        if not self._setting_method:
            self.method_changed.emit(str(self.method.currentData()))

    def set_ready(self, ready: bool) -> None:
        if not self.cancel_button.isEnabled():
            self.run_button.setEnabled(ready)

    def set_busy(self, busy: bool) -> None:
        self.cancel_button.setEnabled(busy)
        self.run_button.setEnabled(not busy)
        self.progress.setVisible(busy)  # idle: the status line has the room
        if busy:
            self.progress.setValue(0)
            self.status.setText("Running the analysis…  You can keep working or press Cancel.")

    def show_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(round(100 * fraction))
        if message:
            self.status.setText(f"{message}…")

    def show_cancelled(self) -> None:
        self.set_busy(False)
        self.progress.setValue(0)
        self.status.setText("The analysis was cancelled. Press Run to start it again.")

    def show_failed(self) -> None:
        self.set_busy(False)
        self.progress.setValue(0)
        self.status.setText("The analysis did not finish; see the message shown.")

    def clear_result(self) -> None:
        self.sentence.setText("")
        self.sentence.setVisible(False)
        self.table.setRowCount(0)
        self.table.setVisible(False)
        self.warnings.set_lines([])
        self.warnings.setVisible(False)
        self.warnings_title.setVisible(False)
        self.means_button.setChecked(False)
        self.chart.set_chart(None, NO_CHART_YET)

    def show_result(self, outcome: Any, chart: Any = None, *, unit_noun: str = "teams",
                    status: str = DONE, drawing: bool = False) -> None:
        """Show the report of one outcome (``OutcomeReport``) and its chart (the event study
        when the report has one, else the means; ``drawing``: it is still being drawn)."""
        self.set_busy(False)
        self.progress.setValue(100)
        self.status.setText(status)
        from .impact_text import headline, result_rows, warning_lines  # the report's words

        self.sentence.setText(headline(outcome, unit_noun))
        self.sentence.setVisible(True)
        rows = result_rows(outcome, unit_noun)
        self.table.setVisible(True)
        self.table.set_rows([(r.label, r.value) for r in rows], [r.tip for r in rows])
        lines = warning_lines(outcome)
        self.warnings.set_lines(lines)
        self.warnings.setVisible(bool(lines))
        self.warnings_title.setVisible(bool(lines))
        self.chart.set_chart(chart, DRAWING if drawing else "No chart for this result.")

    def show_not_run(self, label: str) -> None:
        """The current outcome is not in the report yet."""
        self.clear_result()
        self.status.setText(f"{label} is not in the results yet: press Run to add it (every "
                            "outcome of the project runs again).")

    def table_text(self) -> list[tuple[str, str]]:
        """The result table as shown (for tests and copying)."""
        return [(label, value) for label, value in self.table.rows()]

    @property
    def canvas(self) -> Any:
        return self.chart.canvas

    @property
    def means_table(self) -> Any:
        return self.chart.table
