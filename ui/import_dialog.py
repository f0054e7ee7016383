"""The import wizard: preview a data file with what was detected (encoding, delimiter, decimal
mark, sheet, date format) and let the user override each before the file is used.

The dialog never reads the file itself: it asks for a load through ``load_requested(options)``
(the controller runs it in the task runner) and shows the answer with ``show_table``.  The
table previewed is the table used, so a large file is read once per choice.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .table_model import DataFrameModel

AUTO = "Detect automatically"
ENCODINGS = (AUTO, "utf-8", "cp1252", "latin-1", "utf-16")
DELIMITERS = {AUTO: None, "Comma ,": ",", "Semicolon ;": ";", "Tab": "\t", "Bar |": "|"}
DECIMALS = {AUTO: None, "Point (1.5)": ".", "Comma (1,5)": ","}
THOUSANDS = {AUTO: None, "Comma (1,700)": ",", "Point (1.700)": ".", "Space (1 700)": " ",
             "None": ""}
DATE_FORMATS = {AUTO: None, "Day first (31/12/2024)": "%d/%m/%Y",
                "ISO (2024-12-31)": "%Y-%m-%d", "Month first (12/31/2024)": "%m/%d/%Y"}
DELIMITER_NAMES = {"\t": "tab"}
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
HEADER_SUFFIXES = (*TEXT_SUFFIXES, ".xlsx", ".xlsm")  # files whose header row can be chosen
MAX_HEADER_ROW = 50
GUESS_ROWS = 20  # rows read to guess where the column names are
PREVIEW_ROWS = 200
_DATE_PATTERNS = (
    (re.compile(r"^\d{4}-\d{2}-\d{2}"), "%Y-%m-%d"),
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$"), "%d/%m/%Y"),
)


def detect_date_format(frame: Any, sample: int = 200) -> str | None:
    """The date format of the first text column that looks like dates (UK day-first for
    slashes, as the readers assume), or None."""
    for name in frame.columns:
        column = frame[name]
        if column.dtype.kind != "O" and str(column.dtype) != "string":
            continue
        values = [str(v) for v in column.dropna().head(sample)]
        for pattern, fmt in _DATE_PATTERNS:
            if values and all(pattern.match(v) for v in values):
                return fmt
    return None


def guess_header(frame: Any) -> int:
    """The row that most likely holds the column names, from a table read with row 1 as its
    header (that row, then the first data rows)."""
    from pilot_eval.io.header_guess import guess_header_row

    top = frame.head(GUESS_ROWS - 1).astype(object)
    rows = [[None if str(c).startswith("Unnamed:") else str(c) for c in frame.columns]]
    rows += [[None if v is None or v != v else v for v in row] for row in top.values.tolist()]
    return guess_header_row(rows, limit=GUESS_ROWS)


def _name_of(mapping: dict[str, Any], value: Any) -> str:
    return next((k for k, v in mapping.items() if v == value and v is not None), AUTO)


class ImportDialog(QDialog):
    """Intent: ``load_requested(dict)`` with ``load_table`` keyword options."""

    load_requested = Signal(dict)

    def __init__(self, path: str, *, sheets: list[str] | None = None, dates: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = str(path)
        self.table: Any = None
        self.setWindowTitle(f"Import {Path(path).name}")
        self.setAccessibleName("Import data file")
        self.resize(900, 600)
        text_file = Path(path).suffix.lower() in TEXT_SUFFIXES
        self.encoding = self._combo("Encoding", list(ENCODINGS), text_file)
        self.delimiter = self._combo("Delimiter", list(DELIMITERS), text_file)
        self.decimal = self._combo("Decimal mark", list(DECIMALS), text_file)
        self.thousands = self._combo("Thousands separator", list(THOUSANDS), text_file)
        self.sheet = self._combo("Sheet", sheets or [], bool(sheets))
        self.date_format = self._combo("Date format", list(DATE_FORMATS), dates)
        self.header_row = QSpinBox()
        self.header_row.setAccessibleName("Column names in row")
        self.header_row.lineEdit().setAccessibleName("Column names in row")
        self.header_row.setRange(1, MAX_HEADER_ROW)
        self.header_row.setToolTip("The row (as the spreadsheet numbers it) that holds the "
                                   "column names, when title rows sit above them")
        self.header_row.setEnabled(Path(path).suffix.lower() in HEADER_SUFFIXES)
        self._guessed = False  # the header row is guessed once, from the first read
        if not dates:  # staff records: each date column is checked as a whole when analysed
            self.date_format.setToolTip("The staff records' date columns are read by the "
                                        "retention analysis itself (day first unless ISO)")
        self.detected = QLabel("Reading the file…")
        self.detected.setAccessibleName("What was detected")
        self.detected.setWordWrap(True)
        form = QFormLayout()
        for caption, combo in (("&Encoding", self.encoding), ("&Delimiter", self.delimiter),
                               ("Decimal &mark", self.decimal),
                               ("&Thousands separator", self.thousands), ("&Sheet", self.sheet),
                               ("Date &format", self.date_format),
                               ("Column &names in row", self.header_row)):
            label = QLabel(caption)
            label.setBuddy(combo)
            form.addRow(label, combo)
        self.model = DataFrameModel(parent=self)
        self.preview = QTableView()
        self.preview.setModel(self.model)
        self.preview.setAccessibleName("Preview of the first rows")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Use this data")
        self.ok_button.setAccessibleName("Use this data")
        self.ok_button.setEnabled(False)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{Path(path).name}</b>: check that the columns and numbers "
                                "look right. Change a setting below if they do not."))
        layout.addLayout(form)
        layout.addWidget(self.detected)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.buttons)
        for combo in (self.encoding, self.delimiter, self.decimal, self.thousands, self.sheet):
            combo.currentIndexChanged.connect(self.reload)
        self.header_row.valueChanged.connect(self.reload)

    def _combo(self, name: str, items: list[str], enabled: bool) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        combo.addItems(items)
        combo.setEnabled(enabled)
        return combo

    def options(self) -> dict[str, Any]:
        """``load_table`` keyword options for the current choices (None: detect)."""
        options: dict[str, Any] = {}
        if self.encoding.isEnabled() and self.encoding.currentText() != AUTO:
            options["encoding"] = self.encoding.currentText()
        if self.delimiter.isEnabled() and DELIMITERS[self.delimiter.currentText()]:
            options["delimiter"] = DELIMITERS[self.delimiter.currentText()]
        if self.decimal.isEnabled() and DECIMALS[self.decimal.currentText()]:
            options["decimal"] = DECIMALS[self.decimal.currentText()]
        if self.thousands.isEnabled() and THOUSANDS[self.thousands.currentText()] is not None:
            options["thousands"] = THOUSANDS[self.thousands.currentText()]
        if self.sheet.isEnabled() and self.sheet.currentText():
            options["sheet"] = self.sheet.currentText()
        if self.header_row.isEnabled() and self.header_row.value() > 1:
            options["header_row"] = self.header_row.value()
        return options

    def chosen_header_row(self) -> int | None:
        return self.options().get("header_row")

    def chosen_date_format(self) -> str | None:
        return DATE_FORMATS.get(self.date_format.currentText())

    def reload(self) -> None:
        self.ok_button.setEnabled(False)
        self.detected.setText("Reading the file…")
        self.load_requested.emit(self.options())

    def show_table(self, table: Any) -> None:
        """The file as read with the current options (the first time, the column names are
        looked for below any title rows: ``pilot_eval.io.header_guess.guess_header_row``; a
        file that cannot be read with the names in row 1 comes back read from the row below its
        title rows, ``table.header_row``, which the header-row box then shows)."""
        guessed = getattr(table, "header_row", None)
        if guessed and guessed > 1 and guessed != self.header_row.value() \
                and self.header_row.isEnabled():
            self._guessed = True
            self.header_row.blockSignals(True)  # already read from that row: do not re-read
            self.header_row.setValue(guessed)
            self.header_row.blockSignals(False)
        if not self._guessed and self.header_row.isEnabled():
            self._guessed = True
            guess = guess_header(table.frame)
            if guess > 1:
                self.header_row.setValue(guess)  # reads the file again from that row
                return
        self.table = table
        self.model.set_frame(table.frame.head(PREVIEW_ROWS))
        self.preview.resizeColumnsToContents()
        parts = [f"{table.n_rows:,} rows, {len(table.frame.columns)} columns"]
        encoding, delimiter, decimal = (getattr(table, name, None)
                                        for name in ("encoding", "delimiter", "decimal"))
        if encoding:
            parts.append(f"encoding {encoding}")
        if delimiter:
            parts.append(f"delimiter “{DELIMITER_NAMES.get(delimiter, delimiter)}”")
        if decimal:
            parts.append(f"decimal mark “{decimal}”")
        date_format = detect_date_format(table.frame)
        if date_format:
            parts.append(f"dates look like {_name_of(DATE_FORMATS, date_format)}")
        if self.header_row.value() > 1:
            parts.append(f"column names in row {self.header_row.value()}")
        notes = getattr(table, "notes", ())  # rows in another encoding, 1,700 ...
        notes = " ".join(n for n in notes if isinstance(n, str)) \
            if isinstance(notes, tuple | list) else ""
        self.detected.setText("Read: " + ", ".join(parts) + "." + (f" {notes}" if notes else ""))
        self.ok_button.setEnabled(True)

    def show_problem_info(self, info: Any) -> None:
        self.show_problem(getattr(info, "message", str(info)))

    def show_problem(self, message: str) -> None:
        # (title rows above the column names were looked for by load_table already)
        self.detected.setText(f"Could not read the file with these settings: {message}")
        self.ok_button.setEnabled(False)
