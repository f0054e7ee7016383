"""A read-only Qt table model over a pandas DataFrame, for the data preview and grid.

``data()`` is lazy: it formats only the cells the view asks for, from numpy arrays taken once
per column (no per-cell ``DataFrame.iloc``), so it stays smooth on large tables.  Sorting and
filtering never copy the frame: the model keeps an array of row positions (``order``) and the
row headers keep the spreadsheet row numbers of the file.

On large tables (``ASYNC_SORT_ROWS`` rows or more) the sort keys and the ``argsort`` are
computed in the model's own task runner, off the GUI thread; the new order is applied with one
cheap ``layoutChanged`` when it arrives (``sort_done`` is emitted either way).  A sort that
finishes after the table or the filter changed is dropped.  A sort that fails (in the worker or
not) keeps the previous order and says so with ``sort_failed``, naming the column; the error's
details go to the log.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from .error_info import ErrorInfo, describe_exception
from .logs import get_logger
from .sorting import sorted_order
from .task_runner import TaskRunner

ModelIndex = QModelIndex | QPersistentModelIndex
Sorter = Callable[[int, Any, bool, Any], Any]  # (column, rows, falling, progress) -> order
BLOCK_ROWS = 2048  # cells are converted for display a block of rows at a time
MAX_BLOCKS = 512  # cached blocks (all columns); the cache is emptied when it grows past this
MISSING_TEXT = ""
FLOAT_DIGITS = 6
PLAIN_RANGE = (1e-4, 1e15)  # magnitudes written without an exponent
ASYNC_SORT_ROWS = 100_000  # tables at least this long are sorted off the GUI thread
SORT_TASK = "sort"
SORT_FAILED_TITLE = "The table could not be sorted"

_log = get_logger("table_model")


def sort_failed_text(column: str, info: ErrorInfo) -> str:
    """What the window says when sorting by ``column`` failed (the rows keep their order)."""
    return (f"The rows could not be sorted by “{column}”, so they keep their previous "
            f"order. {info.message}")


def format_cell(value: Any) -> str:
    """A cell's text: blank for missing values, floats with up to six significant digits and
    no exponent in the range people read (a population of 4,499,290 is ``4499290``, not
    ``4.49929e+06``); no thousands separators, which would misread years and period codes."""
    if value is None:
        return MISSING_TEXT
    if isinstance(value, float):
        if math.isnan(value):
            return MISSING_TEXT
        magnitude = abs(value)
        if magnitude == 0 or math.isinf(value) or not PLAIN_RANGE[0] <= magnitude < \
                PLAIN_RANGE[1]:
            return f"{value:.{FLOAT_DIGITS}g}"
        if value.is_integer():
            return f"{value:.0f}"
        decimals = max(0, FLOAT_DIGITS - 1 - math.floor(math.log10(magnitude)))
        text = f"{value:.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    text = str(value)
    return MISSING_TEXT if text in ("nan", "NaT", "<NA>") else text


class DataFrameModel(QAbstractTableModel):
    """Shows a DataFrame; row headers are spreadsheet row numbers (header = row 1).

    ``sort_done`` is emitted once a sort's order is shown (at once on small tables, when the
    worker's answer arrives on large ones); ``sort_failed(message)`` when a sort could not be
    done (the message names the column; the previous order stays)."""

    sort_done = Signal()
    sort_failed = Signal(str)

    def __init__(self, frame: Any = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._runner = TaskRunner(self, max_threads=1)
        self._runner.finished.connect(self._on_sorted)
        self._runner.failed.connect(self._on_sort_failed)
        self._sorting: tuple[int, str, int, Any] = (0, "", -1, None)  # version, name, col, order
        self._sorted_by: tuple[int, Any] | None = None  # (column, Qt order) of the shown order
        self._version = 0  # bumped whenever the frame or the filter changes
        self._frame = None
        self._columns: list[str] = []
        self._arrays: dict[tuple[int, int], Any] = {}
        self._numeric: dict[int, bool] = {}
        self._order: Any = None  # row positions shown, in display order (None: all, as read)
        self._sorter: Sorter | None = None
        self.set_frame(frame)

    def set_frame(self, frame: Any, sorter: Sorter | None = None) -> None:
        """Show ``frame`` (``None`` for an empty model); the frame is not copied or changed.

        ``sorter(column, rows, falling, progress) -> order``: where large sorts are worked out
        (``CoreApi.sort_rows``: in the checks process that holds the table); None: here, in
        the model's worker thread."""
        self._runner.cancel(SORT_TASK)
        self._sorter = sorter
        self._version += 1
        self.beginResetModel()
        self._frame = frame
        self._columns = [str(c) for c in frame.columns] if frame is not None else []
        self._rows = spreadsheet_rows(frame)
        self._arrays.clear()
        self._numeric.clear()
        self._order = None
        self._sorted_by = None
        self.endResetModel()

    def _is_numeric(self, col: int) -> bool:
        numeric = self._numeric.get(col)
        if numeric is None:
            numeric = self._numeric[col] = self._frame.dtypes.iloc[col].kind in "iuf"
        return numeric

    def _value(self, position: int, col: int) -> Any:
        """The frame's value at ``position``: converted a block of rows at a time, so a
        1M-row column is never converted whole (only the blocks the view shows)."""
        key = (col, position // BLOCK_ROWS)
        block = self._arrays.get(key)
        if block is None:
            if len(self._arrays) >= MAX_BLOCKS:
                self._arrays.clear()
            start = key[1] * BLOCK_ROWS
            block = self._frame.iloc[start:start + BLOCK_ROWS, col].to_numpy(dtype=object)
            self._arrays[key] = block
        return block[position % BLOCK_ROWS]

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        if parent.isValid() or self._frame is None:
            return 0
        return len(self._frame) if self._order is None else len(self._order)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._frame is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                    Qt.ItemDataRole.AccessibleTextRole):
            return format_cell(self._value(self.source_row(index.row()), index.column()))
        if role == Qt.ItemDataRole.TextAlignmentRole and self._is_numeric(index.column()):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section] if 0 <= section < len(self._columns) else None
        return str(self._rows[self.source_row(section)])  # the spreadsheet's own row number

    def position_of(self, row: int) -> int:
        """The frame position of spreadsheet row ``row`` (-1 when the frame does not hold it:
        left out, or past the end)."""
        if isinstance(self._rows, range):
            return self._rows.index(int(row)) if int(row) in self._rows else -1
        hits = np.flatnonzero(self._rows == int(row))
        return int(hits[0]) if len(hits) else -1

    def column_texts(self, column: int, rows: int) -> list[str]:
        """The text of ``column`` in the first ``rows`` display rows, as ``data`` shows it."""
        return [format_cell(self._value(self.source_row(r), column))
                for r in range(min(rows, self.rowCount()))]

    def column_names(self) -> list[str]:
        return list(self._columns)

    def total_rows(self) -> int:
        """Rows in the frame, shown or filtered out."""
        return 0 if self._frame is None else len(self._frame)

    # ------------------------------------------------------------ sort, filter
    def source_row(self, row: int) -> int:
        """The frame position of display row ``row``."""
        return row if self._order is None else int(self._order[row])

    def view_row(self, position: int) -> int:
        """The display row of frame position ``position`` (-1 when filtered out)."""
        if self._order is None:
            return position
        hits = np.flatnonzero(self._order == position)
        return int(hits[0]) if len(hits) else -1

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the shown rows by ``column`` (missing values last; a stable sort).  Large
        tables are sorted in a worker; ``sort_done`` says when the order is shown."""
        if self._frame is None or not 0 <= column < len(self._columns):
            return
        series, rows = self._frame.iloc[:, column], self._order
        falling = order == Qt.SortOrder.DescendingOrder
        self._sorting = (self._version, self._columns[column], column, order)
        if len(self._frame) < ASYNC_SORT_ROWS:
            try:
                ranked = sorted_order(series, rows, falling)
            except Exception as exc:  # a fault must not reach Qt's event loop: say so
                info = describe_exception(exc, title=SORT_FAILED_TITLE)
                _log.error("Sorting by %r failed", self._columns[column], exc_info=exc)
                self.sort_failed.emit(sort_failed_text(self._columns[column], info))
                return
            self._show_order(ranked)
            return
        version, sorter = self._version, self._sorter

        def task(progress: Any) -> tuple[int, Any]:
            if sorter is not None:
                return version, sorter(column, rows, falling, progress)
            return version, sorted_order(series, rows, falling)

        self._runner.run(SORT_TASK, task, title=SORT_FAILED_TITLE)

    def is_sorting(self) -> bool:
        return self._runner.is_running(SORT_TASK)

    def sorted_by(self) -> tuple[int, Any] | None:
        """``(column, Qt.SortOrder)`` of the order shown; None when the rows are as read (or
        as filtered)."""
        return self._sorted_by

    def _on_sorted(self, _key: str, result: Any) -> None:
        version, order = result
        if version == self._version:  # the table and the filter are those that were sorted
            self._show_order(order)

    def _on_sort_failed(self, _key: str, info: ErrorInfo) -> None:
        version, name, _column, _order = self._sorting
        if version == self._version:  # else the table changed since: nothing to say
            self.sort_failed.emit(sort_failed_text(name, info))

    def _show_order(self, order: Any) -> None:
        self.layoutAboutToBeChanged.emit()
        self._order = order
        self._sorted_by = self._sorting[2:]
        self.layoutChanged.emit()
        self.sort_done.emit()

    def set_filter(self, column: int | None, text: str) -> int:
        """Show only rows whose ``column`` (None: any column) contains ``text`` (ignoring case);
        an empty ``text`` shows every row.  Returns the number of rows shown."""
        self._runner.cancel(SORT_TASK)
        self._version += 1
        self._sorted_by = None
        self.beginResetModel()
        if not text or self._frame is None:
            self._order = None
        else:
            frame = self._frame if column is None else self._frame.iloc[:, [column]]
            mask = np.zeros(len(frame), dtype=bool)
            for name in frame.columns:
                values = frame[name].astype("string").str.contains(text, case=False,
                                                                    regex=False)
                mask |= values.fillna(False).to_numpy(dtype=bool)
            self._order = np.flatnonzero(mask)
        self.endResetModel()
        return self.rowCount()


def spreadsheet_rows(frame: Any) -> Any:
    """Each row's number as the spreadsheet shows it: the loaders number the frame's index so
    that label ``i`` is row ``i + 2`` (the header is row 1, or title rows sit above it), and
    rows left out keep the others' numbers.  A ``range`` when the numbers are evenly spaced
    (no 1M-row array to build on the GUI thread), else an array."""
    if frame is None:  # (before importing pandas: the empty grid is made at start-up)
        return range(0)
    import pandas as pd

    index = frame.index
    if isinstance(index, pd.RangeIndex):
        return range(index.start + 2, index.stop + 2, index.step)
    if index.dtype.kind in "iu":
        return index.to_numpy(dtype=np.int64) + 2
    return range(2, len(frame) + 2)
