"""Sorting and filtering the data grid, checked against pandas doing the same on the frame
(brute-force reference: ``DataFrame.sort_values(kind="stable", na_position="last")`` and
``Series.str.contains``).  The grid never copies or changes the frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pilot_eval.ui.table_model import DataFrameModel
from PySide6.QtCore import Qt

DISPLAY = Qt.ItemDataRole.DisplayRole


def frame() -> pd.DataFrame:
    return pd.DataFrame({"team": ["b", "a", None, "c", "a", "b"],
                         "score": [3.0, np.nan, 1.0, 3.0, 2.0, -1.0],
                         "month": pd.to_datetime(["2024-02-01", "2024-01-01", None,
                                                  "2024-03-01", "2024-01-01", "2024-02-01"])})


def shown_rows(model: DataFrameModel) -> list[int]:
    """Spreadsheet row numbers in display order (row header = frame position + 2)."""
    return [int(model.headerData(r, Qt.Orientation.Vertical)) - 2
            for r in range(model.rowCount())]


def test_sorting_matches_pandas_stable_sort_with_missing_last(qtbot):
    data = frame()
    model = DataFrameModel(data)
    for column, name in enumerate(data.columns):
        model.set_filter(None, "")
        model.sort(column, Qt.SortOrder.AscendingOrder)
        expected = data.sort_values(name, kind="stable", na_position="last").index.tolist()
        assert shown_rows(model) == expected, name
        model.set_filter(None, "")
        model.sort(column, Qt.SortOrder.DescendingOrder)
        expected = data.sort_values(name, ascending=False, kind="stable",
                                    na_position="last").index.tolist()
        assert shown_rows(model) == expected, name


def test_cells_follow_the_sorted_rows(qtbot):
    data = frame()
    model = DataFrameModel(data)
    model.sort(1, Qt.SortOrder.AscendingOrder)
    assert [model.data(model.index(r, 1), DISPLAY) for r in range(6)] == \
        ["-1", "1", "2", "3", "3", ""]


def test_filter_matches_str_contains_and_maps_rows_both_ways(qtbot):
    data = frame()
    model = DataFrameModel(data)
    assert model.set_filter(0, "A") == 2
    expected = data.index[data["team"].str.contains("a", case=False, na=False)].tolist()
    assert shown_rows(model) == expected
    assert model.view_row(4) == 1 and model.view_row(0) == -1
    assert model.set_filter(None, "2024-02") == 2  # any column, dates as text
    assert model.set_filter(None, "") == 6 and model.total_rows() == 6
    assert data.equals(frame())  # the frame itself is untouched
