"""The staff records' column roles and dates for the Retention step.

One combo box per ``SpellColumns`` field (staff id, team, start date, end date, leaving reason),
the extract date and the "observed from" date (blank: taken from the data), and "Run again".
The form only reports choices (``apply_requested``); the controller runs the analysis.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from .reflow import compact_combo
from .retention_core import FIELD_WORDS

NONE = "(none)"
REQUIRED = ("team", "start", "end")
DATE_HINT = "from the data (or YYYY-MM-DD)"


def parse_iso_date(text: str) -> str | None:
    """``text`` as an ISO date string, "" for blank, None when it is not a date."""
    text = text.strip()
    if not text:
        return ""
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return None


class StaffForm(QWidget):
    """Intent: ``apply_requested(columns, extract_date, observed_from, pilot_starts)``.

    Setter: ``set_columns(names, roles, dates)``.
    """

    apply_requested = Signal(dict, str, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Staff records columns")
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setContentsMargins(0, 0, 0, 0)
        self.combos: dict[str, QComboBox] = {}
        for field, words in FIELD_WORDS.items():
            combo = compact_combo(QComboBox(), 12)
            combo.setAccessibleName(f"Staff {words} column")
            label = QLabel(words.capitalize() + ("" if field in REQUIRED else " (optional)"))
            label.setBuddy(combo)
            form.addRow(label, combo)
            self.combos[field] = combo
        self.extract_date = self._date_box("Extract date", "The day the records were taken "
                                           "from the HR system: later leavers are unknown")
        self.observed_from = self._date_box("Observed from", "The first day the records are "
                                            "complete: earlier leavers are missing")
        for caption, box in (("E&xtract date", self.extract_date),
                             ("O&bserved from", self.observed_from)):
            label = QLabel(caption)
            label.setBuddy(box)
            form.addRow(label, box)
        self.starts = compact_combo(QComboBox(), 12)
        self.starts.setAccessibleName("Pilot starts from")
        self.starts.addItem("the teams file", "file")
        self.starts.addItem("the outcome panel's pilot start column", "panel")
        self.starts.setToolTip("Which teams are in the pilot, and since when: a teams file "
                               "beside the staff records (team, pilot_start), or the pilot "
                               "start column mapped in the Data step")
        starts_label = QLabel("&Pilot starts from")
        starts_label.setBuddy(self.starts)
        form.addRow(starts_label, self.starts)
        self.apply_button = QPushButton("Run &again with these columns")
        self.apply_button.setAccessibleName("Run the retention analysis again")
        self.apply_button.clicked.connect(self._apply)
        self.message = QLabel("")
        self.message.setAccessibleName("Staff columns message")
        self.message.setWordWrap(True)
        form.addRow(self.apply_button, self.message)

    def _date_box(self, name: str, tip: str) -> QLineEdit:
        box = QLineEdit()
        box.setAccessibleName(name)
        box.setPlaceholderText(DATE_HINT)
        box.setToolTip(tip)
        return box

    def set_columns(self, names: list[str], roles: dict[str, str],
                    dates: dict[str, str] | None = None) -> None:
        """Offer ``names`` in every combo and select ``roles`` (field -> column)."""
        for field, combo in self.combos.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(NONE, None)
            for name in names:
                combo.addItem(name, name)
            combo.setCurrentIndex(max(combo.findData(roles.get(field)), 0))
            combo.blockSignals(False)
        dates = dates or {}
        self.extract_date.setText(str(dates.get("extract_date") or ""))
        self.observed_from.setText(str(dates.get("observed_from") or ""))
        source = "panel" if dates.get("pilot_starts_source") == "panel" else "file"
        self.starts.setCurrentIndex(self.starts.findData(source))
        self.message.setText("")

    def roles(self) -> dict[str, str | None]:
        return {field: combo.currentData() for field, combo in self.combos.items()}

    def _apply(self) -> None:
        roles = self.roles()
        missing = [FIELD_WORDS[f] for f in REQUIRED if not roles[f]]
        extract, observed = (parse_iso_date(self.extract_date.text()),
                             parse_iso_date(self.observed_from.text()))
        if missing:
            self.message.setText("Choose the " + ", ".join(missing) + " column first.")
        elif extract is None or observed is None:
            self.message.setText("Write dates as YYYY-MM-DD (for example 2024-03-31), or "
                                 "leave them blank to take them from the data.")
        else:
            self.message.setText("")
            self.apply_requested.emit(roles, extract, observed, self.starts.currentData())
