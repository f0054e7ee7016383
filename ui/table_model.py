"""A read-only Qt table model over a pandas DataFrame, for the data preview and grid.

``data()`` is lazy: it formats only the cells the view asks for, from numpy arrays taken once
per column (no per-cell ``DataFrame.iloc``), so it stays smooth on large tables.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

ModelIndex = QModelIndex | QPersistentModelIndex
MISSING_TEXT = ""
FLOAT_DIGITS = 6


def format_cell(value: Any) -> str:
    """A cell's text: blank for missing values, floats with up to six significant digits."""
    if value is None:
        return MISSING_TEXT
    if isinstance(value, float):
        if math.isnan(value):
            return MISSING_TEXT
        return f"{value:.{FLOAT_DIGITS}g}"
    text = str(value)
    return MISSING_TEXT if text in ("nan", "NaT", "<NA>") else text


class DataFrameModel(QAbstractTableModel):
    """Shows a DataFrame; row headers are spreadsheet row numbers (header = row 1)."""

    def __init__(self, frame: Any = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._frame = None
        self._columns: list[str] = []
        self._arrays: dict[int, Any] = {}
        self._numeric: dict[int, bool] = {}
        self.set_frame(frame)

    def set_frame(self, frame: Any) -> None:
        """Show ``frame`` (``None`` for an empty model); the frame is not copied or changed."""
        self.beginResetModel()
        self._frame = frame
        self._columns = [str(c) for c in frame.columns] if frame is not None else []
        self._arrays.clear()
        self._numeric.clear()
        self.endResetModel()

    def _column(self, col: int) -> Any:
        array = self._arrays.get(col)
        if array is None:
            series = self._frame.iloc[:, col]
            array = series.to_numpy(dtype=object)
            self._arrays[col] = array
            self._numeric[col] = series.dtype.kind in "iuf"
        return array

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        if parent.isValid() or self._frame is None:
            return 0
        return len(self._frame)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._frame is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                    Qt.ItemDataRole.AccessibleTextRole):
            return format_cell(self._column(index.column())[index.row()])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            self._column(index.column())
            if self._numeric[index.column()]:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section] if 0 <= section < len(self._columns) else None
        return str(section + 2)  # spreadsheet row: the header is row 1

    def column_names(self) -> list[str]:
        return list(self._columns)
