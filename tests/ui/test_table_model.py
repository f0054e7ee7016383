"""The DataFrame model shows exactly the frame's values, formatted, with spreadsheet row numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pilot_eval.ui.table_model import BLOCK_ROWS, DataFrameModel, format_cell
from PySide6.QtCore import Qt

DISPLAY = Qt.ItemDataRole.DisplayRole


def test_cells_match_the_frame(qtbot):
    frame = pd.DataFrame({"team": ["Brontë House", "Tŷ Gwyn", None],
                          "month": [1, 2, 3],
                          "score": [1.0 / 3.0, np.nan, 1234567.891]})
    model = DataFrameModel(frame)
    assert (model.rowCount(), model.columnCount()) == (3, 3)
    shown = [[model.data(model.index(r, c), DISPLAY) for c in range(3)] for r in range(3)]
    assert shown == [["Brontë House", "1", "0.333333"],
                     ["Tŷ Gwyn", "2", ""],
                     ["", "3", "1234568"]]  # no exponent: six significant digits
    assert model.headerData(1, Qt.Orientation.Horizontal) == "month"
    assert model.headerData(0, Qt.Orientation.Vertical) == "2"  # header is spreadsheet row 1
    numeric = model.data(model.index(0, 1), Qt.ItemDataRole.TextAlignmentRole)
    assert numeric & int(Qt.AlignmentFlag.AlignRight)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.TextAlignmentRole) is None
    assert frame.shape == (3, 3) and frame["team"][0] == "Brontë House"  # not changed


def test_a_large_frame_formats_only_what_is_asked(qtbot):
    frame = pd.DataFrame({"x": np.arange(1_000_000, dtype=float), "y": np.zeros(1_000_000)})
    model = DataFrameModel(frame)
    assert model.rowCount() == 1_000_000
    assert model.data(model.index(999_999, 0), DISPLAY) == "999999"
    # only the block of rows around 999,999 in column x was converted; column y never
    assert list(model._arrays) == [(0, 999_999 // BLOCK_ROWS)]


def test_empty_model_and_missing_values():
    model = DataFrameModel(None)
    assert (model.rowCount(), model.columnCount()) == (0, 0)
    assert [format_cell(v) for v in (None, float("nan"), pd.NA, pd.NaT, 0.5, 7)] == [
        "", "", "", "", "0.5", "7"]
    # a council's population as a float column, a share, a tiny and a huge value
    assert [format_cell(v) for v in (4499290.0, 66.7, 0.123456789, 1e-7, 2.5e16, 0.0)] == [
        "4499290", "66.7", "0.123457", "1e-07", "2.5e+16", "0"]


def test_row_numbers_are_the_spreadsheets_with_title_rows_and_rows_left_out(qtbot):
    """The loaders number the index so that label i is spreadsheet row i + 2 (header_row=3:
    the index starts at 2; rows left out keep the others' labels)."""
    frame = pd.DataFrame({"team": ["A", "B", "C"], "score": [1.0, 2.0, 3.0]}, index=[2, 3, 5])
    model = DataFrameModel(frame)
    rows = [model.headerData(r, Qt.Orientation.Vertical) for r in range(3)]
    assert rows == ["4", "5", "7"]
    assert model.position_of(7) == 2 and model.position_of(6) == -1  # row 6 was left out
    model.sort(1, Qt.SortOrder.DescendingOrder)
    assert model.headerData(0, Qt.Orientation.Vertical) == "7"  # the row keeps its number
    plain = DataFrameModel(pd.DataFrame({"x": [1, 2]}))
    assert [plain.headerData(r, Qt.Orientation.Vertical) for r in range(2)] == ["2", "3"]


def test_row_numbers_of_an_evenly_numbered_frame_need_no_array(qtbot):
    """A frame read below title rows (index from 3) and one with rows left out (gaps) show the
    spreadsheet's row numbers (label + 2) and find their rows back."""
    from pilot_eval.ui.table_model import spreadsheet_rows

    frame = pd.DataFrame({"x": range(5)}, index=pd.RangeIndex(3, 8))
    assert spreadsheet_rows(frame) == range(5, 10)
    model = DataFrameModel(frame)
    assert [model.headerData(r, Qt.Orientation.Vertical) for r in range(5)] == \
        ["5", "6", "7", "8", "9"]
    assert (model.position_of(7), model.position_of(4), model.position_of(10)) == (2, -1, -1)
    gaps = frame.drop(index=[4, 6])
    model.set_frame(gaps)
    assert [model.headerData(r, Qt.Orientation.Vertical) for r in range(3)] == ["5", "7", "9"]
    assert (model.position_of(9), model.position_of(6)) == (2, -1)
