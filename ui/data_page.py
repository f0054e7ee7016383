"""The Data step: open a file, preview it, map column roles, see every validation problem."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .controller import Issue
from .reflow import HANDLES_ENTER, compact_combo
from .roles_form import RolesForm
from .table_model import DataFrameModel

FIT_ROWS = 100  # column widths fit the first rows (Qt's default looks at 1,000: slow at 1M)
CELL_PADDING = 10  # the cell's margins and grid line
HEADER_PADDING = 38  # the header's margins and its sort arrow
MAX_COLUMN_WIDTH = 400
SEVERITY_MARK = {"error": "Error", "warning": "Warning", "info": "To do"}
SEVERITY_COLOUR = {"error": "#b00020", "warning": "#8a5300", "info": "#1d4f91"}


def strip_severity(text: str) -> str:
    """``"warning: 6 rows ..."`` -> ``"6 rows ..."`` (the list shows the severity itself)."""
    for word in SEVERITY_MARK:
        if text.lower().startswith(word + ":"):
            return text[len(word) + 1:].lstrip()
    return text


class DataPage(QWidget):
    """Intents: ``open_requested``, ``role_changed(role, column)``.  Setters: ``show_*``."""

    open_requested = Signal()
    role_changed = Signal(str, object)
    next_requested = Signal()
    exclude_requested = Signal(tuple)  # spreadsheet rows to leave out (totals rows)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Data step")
        self.open_button = QPushButton("&Open data file…")
        self.open_button.setAccessibleName("Open data file")
        self.open_button.setToolTip("Open a CSV, Excel, Parquet or Stata file (Ctrl+O)")
        self.open_button.clicked.connect(self.open_requested)
        self.file_label = QLabel("No data file open yet. Open the outcome panel: one row per "
                                 "team and period.")
        self.file_label.setAccessibleName("Data file")
        self.file_label.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.open_button)
        top.addWidget(self.file_label, 1)

        self.model = DataFrameModel(parent=self)
        self.sort_rows: Any = None  # CoreApi.sort_rows: where large tables are sorted
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Data preview")
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(22)
        # Column widths from the first 100 rows (Qt's default looks at 1,000: slow at 1M rows).
        self.table.verticalHeader().setResizeContentsPrecision(100)
        self.table.horizontalHeader().setResizeContentsPrecision(100)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.filter_column = compact_combo(QComboBox(), 10)
        self.filter_column.setAccessibleName("Filter column")
        self.filter_column.setToolTip("Which column the filter searches")
        self.filter_text = QLineEdit()
        self.filter_text.setAccessibleName("Filter rows")
        self.filter_text.setPlaceholderText("Show only rows containing… (press Enter)")
        self.filter_text.setClearButtonEnabled(True)
        self.filter_text.returnPressed.connect(self.apply_filter)
        self.filter_text.setProperty(HANDLES_ENTER, True)  # Enter filters, nothing else
        self.filter_note = QLabel("")
        self.filter_note.setAccessibleName("Rows shown")
        self.sort_note = QLabel("")
        self.sort_note.setObjectName("Problem")
        self.sort_note.setAccessibleName("Sorting problem")
        self.sort_note.setWordWrap(True)
        self.sort_note.setVisible(False)
        self.model.sort_failed.connect(self.show_sort_failed)
        self.model.sort_done.connect(lambda: self.sort_note.setVisible(False))
        filter_row = QHBoxLayout()
        filter_label = QLabel("&Filter:")
        filter_label.setBuddy(self.filter_text)
        filter_row.addWidget(filter_label)
        filter_row.addWidget(self.filter_text, 1)
        filter_row.addWidget(self.filter_column)
        filter_row.addWidget(self.filter_note)
        grid = QWidget()
        grid_layout = QVBoxLayout(grid)
        grid_layout.setContentsMargins(0, 0, 0, 0)
        grid_layout.addLayout(filter_row)
        grid_layout.addWidget(self.sort_note)
        grid_layout.addWidget(self.table, 1)

        self.roles_form = RolesForm()
        self.roles_form.role_changed.connect(self.role_changed)
        self.issues = QListWidget()
        self.issues.setAccessibleName("Validation problems")
        self.issues.setWordWrap(True)
        self.issues.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.issues.itemActivated.connect(self._go_to_issue)
        issues_box = QVBoxLayout()
        issues_title = QLabel("&Checks on the data")
        issues_title.setBuddy(self.issues)
        issues_box.addWidget(issues_title)
        issues_box.addWidget(self.issues)
        self.next_button = QPushButton("Next: look at the trends ›")
        self.next_button.setAccessibleName("Next step: trends")
        self.next_button.setToolTip("The data are checked: see the pilot and comparison teams "
                                    "over time (Enter, or Ctrl+3)")
        self.next_button.clicked.connect(self.next_requested)
        self.next_button.setEnabled(False)  # until the data can be analysed
        self.exclude_button = QPushButton("")
        self.exclude_button.setAccessibleName("Leave the totals rows out")
        self.exclude_button.setToolTip("Leave these rows out of every analysis; the project "
                                       "keeps them out (Ctrl+Z puts them back)")
        self.exclude_button.clicked.connect(
            lambda: self.exclude_requested.emit(tuple(self._totals_rows)))
        self.exclude_button.setVisible(False)
        self._totals_rows: tuple[int, ...] = ()
        next_row = QHBoxLayout()
        next_row.addWidget(self.exclude_button)
        next_row.addStretch(1)
        next_row.addWidget(self.next_button)
        issues_box.addLayout(next_row)
        bottom = QWidget()
        bottom_layout = QHBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.roles_form)
        bottom_layout.addLayout(issues_box, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(grid)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self.setTabOrder(self.open_button, self.filter_text)
        self.setTabOrder(self.filter_text, self.filter_column)
        self.setTabOrder(self.filter_column, self.table)
        self.setTabOrder(self.table, self.roles_form.combos["unit"])
        self.clear()

    def default_button(self) -> QPushButton:
        """What Enter presses on this step: Next once the data are ready, else Open."""
        return self.next_button if self.next_button.isEnabled() else self.open_button

    def set_ready(self, ready: bool) -> None:
        self.next_button.setEnabled(ready)

    def clear(self) -> None:
        self.model.set_frame(None)
        self.sort_note.setVisible(False)
        self.roles_form.set_columns([])
        self.filter_column.clear()
        self.filter_text.clear()
        self.filter_note.setText("")
        self.issues.clear()
        self.file_label.setText("No data file open yet. Open the outcome panel: one row per "
                                "team and period.")

    def show_sort_failed(self, message: str) -> None:
        """A sort failed: say so above the grid and put the header's arrow back on the order
        still shown (the rows did not move)."""
        self.sort_note.setText(message)
        self.sort_note.setVisible(True)
        shown = self.model.sorted_by()
        header = self.table.horizontalHeader()
        header.blockSignals(True)  # moving the arrow back must not sort again
        try:
            if shown is None:
                header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            else:
                header.setSortIndicator(shown[0], shown[1])
        finally:
            header.blockSignals(False)
        header.viewport().update()

    def apply_filter(self) -> int:
        """Show the rows containing the filter text; returns how many are shown."""
        data = self.filter_column.currentData()
        names = self.model.column_names()
        column = names.index(data) if data in names else None
        shown = self.model.set_filter(column, self.filter_text.text().strip())
        total = self.model.total_rows()
        self.filter_note.setText(f"{shown:,} of {total:,} rows" if shown != total else "")
        return shown

    def show_excluded(self, rows: tuple[int, ...]) -> None:
        """Say which spreadsheet rows are left out (none: nothing)."""
        text = self.file_label.text().split("<br>Left out")[0]
        if rows:
            from pilot_eval.exclusions import rows_text

            text += (f"<br>Left out of the analysis: row{'s' if len(rows) > 1 else ''} "
                     f"{rows_text(rows)} (undo with Ctrl+Z).")
        self.file_label.setText(text)

    def show_table(self, table: Any) -> None:
        frame = table.frame
        self.model.set_frame(frame, None if self.sort_rows is None else
                             partial(self.sort_rows, table))
        self.sort_note.setVisible(False)
        self.roles_form.set_columns([str(c) for c in frame.columns])
        self.filter_column.clear()
        self.filter_column.addItem("any column", None)
        for name in frame.columns:
            self.filter_column.addItem(str(name), str(name))
        self.filter_text.clear()
        self.filter_note.setText("")
        markers = getattr(table, "missing_markers", None) or {}
        counts = sorted(((n, c) for c, n in markers.items() if n), reverse=True)
        empty = ", ".join(f"{c} {n:,}" for n, c in counts)
        note = f"<br>Empty or missing cells (blank, n/a, ..): {empty}." if empty else ""
        self.file_label.setText(f"<b>{Path(table.path).name}</b>: {len(frame):,} rows, "
                                f"{len(frame.columns)} columns. Row numbers are those of the "
                                f"spreadsheet (the header is row "
                                f"{getattr(table, 'header_row', None) or 1}).{note}")
        self.fit_columns()

    def fit_columns(self) -> None:
        """Each column as wide as its name and the first ``FIT_ROWS`` cells need (up to
        ``MAX_COLUMN_WIDTH``): measured from the cells' text directly, not through the view,
        which asks the model for every role of every cell (a few thousand calls into Python
        on the GUI thread)."""
        model, header = self.model, self.table.horizontalHeader()
        cells, names = self.table.fontMetrics(), header.fontMetrics()
        rows = min(model.rowCount(), FIT_ROWS)
        for column, name in enumerate(model.column_names()):
            texts = model.column_texts(column, rows)
            widest = max((cells.horizontalAdvance(t) for t in texts), default=0)
            width = max(widest + CELL_PADDING, names.horizontalAdvance(name) + HEADER_PADDING)
            header.resizeSection(column, min(width, MAX_COLUMN_WIDTH))

    def show_roles(self, roles: dict[str, str | None]) -> None:
        self.roles_form.set_roles(roles)

    def show_issues(self, issues: list[Issue]) -> None:
        totals = next((i for i in issues if i.code == "totals_rows" and i.rows), None)
        self._totals_rows = tuple(totals.rows) if totals is not None else ()
        if totals is not None:
            shown = ", ".join(str(r) for r in self._totals_rows[:4])
            more = " …" if len(self._totals_rows) > 4 else ""
            noun = "row" if len(self._totals_rows) == 1 else "rows"
            self.exclude_button.setText(f"&Leave these rows out ({noun} {shown}{more})")
        self.exclude_button.setVisible(totals is not None)
        self.issues.clear()
        if not issues:
            item = QListWidgetItem("No problems found: the data is ready for the analysis.")
            item.setForeground(QBrush(QColor("#006435")))
            self.issues.addItem(item)
            return
        for issue in issues:
            item = QListWidgetItem(f"{SEVERITY_MARK.get(issue.severity, issue.severity)}: "
                                   f"{strip_severity(issue.text)}")
            item.setForeground(QBrush(QColor(SEVERITY_COLOUR.get(issue.severity, "#000000"))))
            item.setData(Qt.ItemDataRole.UserRole, (issue.rows, issue.column))
            self.issues.addItem(item)

    def _go_to_issue(self, item: QListWidgetItem) -> None:
        """Select the first cell a problem points at (rows are spreadsheet rows)."""
        rows, column = item.data(Qt.ItemDataRole.UserRole) or ((), None)
        names = self.model.column_names()
        col = names.index(column) if column in names else 0
        position = self.model.position_of(int(rows[0])) if rows else -1
        if position >= 0 and self.model.view_row(position) < 0:  # hidden by the filter
            self.filter_text.clear()
            self.apply_filter()
        if position >= 0:
            index = self.model.index(self.model.view_row(position), col)
        elif column in names:
            index = self.model.index(0, col)
        else:
            return
        if index.isValid():
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.table.scrollTo(index)
