"""Widgets that reflow instead of clipping: a figures table whose rows grow to fit their text,
a bulleted list of notes (warnings) that wraps at any width, and combo boxes that may be
narrower than their longest choice (the list still shows it in full).

At 1366x768 or at 150% scaling a fixed row height cuts long values ("Cases closed with goals
..."); here rows take the height their wrapped text needs (recomputed whenever a column
changes width), text is never elided and the table never scrolls sideways.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QWidget,
)

#: The first column never takes more than this share of the table's width.
LABEL_SHARE = 0.42
#: A line edit with this property set to True uses Enter itself (the step's default button
#: is not pressed): for example a filter box that filters on Enter.
HANDLES_ENTER = "handlesEnter"
#: Characters a combo box keeps visible at its narrowest.
COMBO_CHARACTERS = 12


def compact_combo(combo: QComboBox, characters: int = COMBO_CHARACTERS) -> QComboBox:
    """Let ``combo`` shrink to ``characters`` wide (its list still shows every choice in full),
    so a row of options fits a small screen instead of widening the window."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)
    return combo


class FiguresTable(QTableWidget):
    """A read-only table of ``(label, value, ...)`` rows; a row may carry a tooltip (for
    example a rate's definition), shown on its first cell and given as its description."""

    def __init__(self, name: str, headers: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(0, len(headers), parent)
        self.setAccessibleName(name)
        self.setHorizontalHeaderLabels(list(headers))
        self.horizontalHeader().setVisible(any(headers))
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.horizontalHeader()
        for column in range(len(headers)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive
                                        if column == 0 else QHeaderView.ResizeMode.Stretch)

    def set_rows(self, rows: Sequence[Sequence[str]], tips: Sequence[str] = ()) -> None:
        """Show ``rows`` (one string per column); ``tips[i]`` explains row ``i``."""
        self.setRowCount(len(rows))
        for r, cells in enumerate(rows):
            tip = tips[r] if r < len(tips) else ""
            for c, text in enumerate(cells):
                item = QTableWidgetItem(str(text))
                if tip:
                    item.setToolTip(tip)
                    item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, tip)
                self.setItem(r, c, item)
        self._fit_label_column()

    def rows(self) -> list[tuple[str, ...]]:
        """The table as shown (for tests and copying)."""
        return [tuple(self.item(r, c).text() if self.item(r, c) else ""
                      for c in range(self.columnCount())) for r in range(self.rowCount())]

    def tooltips(self) -> list[str]:
        return [self.item(r, 0).toolTip() if self.item(r, 0) else ""
                for r in range(self.rowCount())]

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_label_column()

    def _fit_label_column(self) -> None:
        """The labels as wide as the longest one needs, up to ``LABEL_SHARE`` of the width."""
        if self.columnCount() < 2:
            return
        widest = self.sizeHintForColumn(0) + 12 if self.rowCount() else 120
        header = self.horizontalHeader()
        width = max(80, min(widest, int(LABEL_SHARE * self.viewport().width())))
        if header.sectionSize(0) != width:
            header.resizeSection(0, width)


class NoteList(QTextBrowser):
    """Bulleted notes (warnings) that wrap at any width and scroll when there are many."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setOpenLinks(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._lines: list[str] = []

    def set_lines(self, lines: Sequence[str]) -> None:
        self._lines = [str(line) for line in lines]
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self._lines)
        self.setHtml(f"<ul style='margin-left: 0; -qt-list-indent: 1'>{items}</ul>"
                     if items else "")
        self.moveCursor(QTextCursor.MoveOperation.Start)  # the first note in view

    def insert_lines(self, lines: Sequence[str]) -> None:
        """``lines`` before the notes already shown (validation problems first)."""
        self.set_lines([*lines, *self._lines])

    def lines(self) -> list[str]:
        return list(self._lines)
