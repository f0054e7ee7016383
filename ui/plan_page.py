"""The "Plan the next phase" panel: how many teams, for how long, to tell.

A view only: it reads the analyst's choices (the effect that matters or a target power, the
numbers of pilot teams and months of follow-up, staggered starts), emits ``run_requested`` with
them, and shows what ``ui.plan_core.run_plan`` returns (the plan's dictionary and the rendered
power curve).  Bad entries are explained beside the fields; nothing is computed here.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pilot_eval.planning_words import POWER_IN_ONE_SENTENCE

from .chart_image import ChartView

# Headings on two lines so that the six columns fit half the step at 1366x768 and at 150%
EFFECT_HEADERS = ["Pilot\nteams", "Comparison\nteams", "Months", "Chance", "MC\nerror",
                  "Formula"]
MDE_HEADERS = ["Pilot\nteams", "Comparison\nteams", "Months", "Smallest\neffect", "Chance",
               "Formula"]
HEADER_TIPS = ["Pilot teams in the next phase", "Comparison teams (the pilot's own ratio)",
               "Months of follow-up after the start",
               "Simulated chance of detecting the effect (or the smallest effect detected "
               "with the target power)", "Monte-Carlo standard error of the simulated chance",
               "What the McKenzie (2012) formula says, for comparison"]
CHART_NAME = ("Chart: chance of detecting the effect against the number of pilot teams, one "
              "line per length of follow-up; the table shows its numbers")


def parse_counts(text: str, what: str) -> tuple[int, ...]:
    """``"10, 20,40"`` -> ``(10, 20, 40)``; a clear ``ValueError`` otherwise."""
    try:
        values = tuple(int(v) for v in text.replace(";", ",").split(",") if v.strip())
    except ValueError:
        raise ValueError(f"{what}: write whole numbers separated by commas, e.g. 10, 20, 40"
                         ) from None
    if not values or min(values) < 1:
        raise ValueError(f"{what}: give at least one number of 1 or more")
    return values


class PlanPage(QWidget):
    """Intents: ``run_requested(options)``, ``cancel_requested``.  Setters: ``show_plan``,
    ``show_error``, ``set_busy``, ``set_progress``."""

    run_requested = Signal(dict)
    cancel_requested = Signal()
    entries_edited = Signal()  # the user changed an entry: the project has unsaved changes

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Plan the next phase")
        intro = QLabel(POWER_IN_ONE_SENTENCE)
        intro.setWordWrap(True)
        intro.setAccessibleName("What power means")
        self.from_run = QLabel("")  # the report's planning section, when the run has one
        self.from_run.setObjectName("FromRun")
        self.from_run.setAccessibleName("What the last run says about planning")
        self.from_run.setWordWrap(True)
        self.from_run.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.from_run.setVisible(False)
        self.effect = QLineEdit()
        self.effect.setAccessibleName("Effect that matters")
        self.effect.setPlaceholderText("e.g. 3 (blank: find the smallest effect detected)")
        self.power = QDoubleSpinBox()
        self.power.setAccessibleName("Target power")
        self.power.lineEdit().setAccessibleName("Target power")
        self.power.setRange(0.5, 0.99)
        self.power.setSingleStep(0.05)
        self.power.setValue(0.8)
        self.teams = QLineEdit("10, 20, 40")
        self.teams.setAccessibleName("Numbers of pilot teams")
        self.months = QLineEdit("12, 24")
        self.months.setAccessibleName("Months of follow-up")
        self.staggered = QCheckBox("Pilot teams start in two &waves")
        self.staggered.setAccessibleName("Pilot teams start in two waves")
        for field in (self.effect, self.power, self.teams, self.months):
            field.setMaximumWidth(360)
        self._touched = False  # entries are kept in the project once the user set or ran them
        for line in (self.effect, self.teams, self.months):
            line.textEdited.connect(self._edited)
        self.power.valueChanged.connect(self._edited)
        self.staggered.toggled.connect(self._edited)
        form = QFormLayout()
        form.addRow("&Effect that matters:", self.effect)
        form.addRow("Target &power:", self.power)
        form.addRow("Pilot &teams:", self.teams)
        form.addRow("&Months of follow-up:", self.months)
        form.addRow("", self.staggered)
        self.run_button = QPushButton("&Plan")
        self.run_button.setAccessibleName("Plan the next phase")
        self.run_button.clicked.connect(self._run)
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.setAccessibleName("Cancel planning")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Planning progress")
        self.progress.setRange(0, 100)
        controls = QHBoxLayout()
        controls.addWidget(self.run_button)
        controls.addWidget(self.cancel_button)
        controls.addWidget(self.progress, 1)
        self.message = QLabel("")
        self.message.setAccessibleName("Planning message")
        self.message.setWordWrap(True)
        self.sentence = QLabel("")
        self.sentence.setObjectName("Headline")
        self.sentence.setAccessibleName("Plan in words")
        self.sentence.setWordWrap(True)
        self.sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, len(EFFECT_HEADERS))
        self.table.setAccessibleName("Planning table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()  # every heading whole; the last takes the rest
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.chart_holder = QVBoxLayout()
        results = QHBoxLayout()
        results.addWidget(self.table, 5)  # every column whole; the chart keeps its proportions
        results.addLayout(self.chart_holder, 4)
        layout = QVBoxLayout(self)
        layout.addWidget(self.from_run)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(controls)
        layout.addWidget(self.message)
        layout.addWidget(self.sentence)
        layout.addLayout(results, 1)
        self.chart: ChartView | None = None

    def show_from_run(self, lines: list[str], effect: float | None = None) -> None:
        """What the last run says about planning (``ui.plan_text.planning_lines``); its
        expected effect fills an empty effect field."""
        self.from_run.setText("From the last run: " + " ".join(lines) if lines else "")
        self.from_run.setVisible(bool(lines))
        if effect is not None and not self.effect.text().strip():
            self.effect.setText(f"{effect:g}")

    def default_button(self) -> QPushButton:
        """What Enter presses on this step."""
        return self.run_button

    def options(self) -> dict[str, Any]:
        """The choices as ``PowerRequest`` keywords; ``ValueError`` says what to fix."""
        options: dict[str, Any] = {
            "teams": parse_counts(self.teams.text(), "Pilot teams"),
            "months": parse_counts(self.months.text(), "Months of follow-up"),
            "staggered": self.staggered.isChecked(), "power": round(self.power.value(), 4)}
        text = self.effect.text().strip()
        if text:
            try:
                options["effect"] = float(text.replace(",", ""))
            except ValueError:
                raise ValueError(f"Effect that matters: {text!r} is not a number") from None
        return options

    def entries(self) -> Any:
        """The entries for the project (``pilot_eval.project_plan.PlanEntries``), or ``None``
        when the user has not set them (the project keeps what it had) or they do not parse
        (the message says what to fix)."""
        from pilot_eval.project_plan import PlanEntries

        if not self._touched:
            return None
        try:
            return PlanEntries(**self.options())
        except (ValueError, TypeError) as error:  # ProjectFileError is a ValueError
            self.show_error(f"The plan's entries were not saved: {error}")
            return None

    def set_entries(self, entries: Any) -> None:
        """Show a project's entries (``None``: the defaults, not yet the user's)."""
        from pilot_eval.project_plan import PlanEntries

        shown = entries if entries is not None else PlanEntries()
        for widget in (self.effect, self.power, self.teams, self.months, self.staggered):
            widget.blockSignals(True)
        self.effect.setText("" if shown.effect is None else f"{shown.effect:.15g}")
        self.power.setValue(shown.power)
        self.teams.setText(", ".join(str(n) for n in shown.teams))
        self.months.setText(", ".join(str(n) for n in shown.months))
        self.staggered.setChecked(shown.staggered)
        for widget in (self.effect, self.power, self.teams, self.months, self.staggered):
            widget.blockSignals(False)
        self._touched = entries is not None

    def _edited(self, *_: Any) -> None:
        self._touched = True
        self.entries_edited.emit()

    def _run(self) -> None:
        try:
            options = self.options()
        except ValueError as error:
            self.show_error(str(error))
            return
        self.message.setText("")
        self._touched = True
        self.run_requested.emit(options)

    def set_busy(self, busy: bool) -> None:
        self.run_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        if not busy:
            self.progress.setValue(0)

    def set_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(round(100 * fraction))
        self.progress.setFormat(message or "%p%")

    def show_error(self, text: str) -> None:
        self.message.setText(text)

    def show_plan(self, plan: dict[str, Any], png: bytes | None) -> None:
        with_effect = plan.get("effect") is not None
        self.sentence.setText(plan.get("sentence", ""))
        self.message.setText(" ".join(plan.get("warnings", [])))
        headers = EFFECT_HEADERS if with_effect else MDE_HEADERS
        rows = plan.get("grid", [])
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        for column, tip in enumerate(HEADER_TIPS):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(_cells(row, with_effect)):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        if self.chart is not None:
            self.chart.setParent(None)
            self.chart = None
        if png:
            self.chart = ChartView(png, CHART_NAME)
            self.chart_holder.addWidget(self.chart)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _cells(row: dict[str, Any], with_effect: bool) -> list[str]:
    first = [str(row["pilot_teams"]), str(row["comparison_teams"]), str(row["months"])]
    if with_effect:
        return first + [_percent(row["power"]), f"± {row['mc_se']:.1%}",
                        _percent(row["analytic_power"])]
    mde = row.get("mde")
    return first + ["not reached" if mde is None else f"{abs(mde):.3g}",
                    _percent(row.get("mde_power")), f"{abs(row['analytic_mde']):.3g}"]
