"""Sorting a large grid off the GUI thread: the order computed in the model's worker is the
same as pandas' stable sort (brute-force reference: ``DataFrame.sort_values(kind="stable",
na_position="last")``), the grid shows it once ``sort_done`` arrives, and a sort overtaken by a
new table or filter is dropped.  The size threshold is lowered so the tests stay small."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pilot_eval.ui import sorting, table_model
from pilot_eval.ui.table_model import DataFrameModel
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

DISPLAY = Qt.ItemDataRole.DisplayRole


@pytest.fixture(autouse=True)
def sort_in_worker(monkeypatch):
    monkeypatch.setattr(table_model, "ASYNC_SORT_ROWS", 1)


def frame(rows: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    team = rng.choice(["North", "south", "East", "west", None], size=rows)
    score = rng.normal(size=rows).round(1)
    score[rng.random(rows) < 0.1] = np.nan
    return pd.DataFrame({"team": team, "score": score})


def shown_rows(model: DataFrameModel) -> list[int]:
    return [int(model.headerData(r, Qt.Orientation.Vertical)) - 2
            for r in range(model.rowCount())]


@pytest.mark.parametrize("ascending", [True, False])
@pytest.mark.parametrize("column", [0, 1])
def test_worker_sort_shows_the_pandas_order(qtbot, column, ascending):
    data = frame()
    model = DataFrameModel(data)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    order = Qt.SortOrder.AscendingOrder if ascending else Qt.SortOrder.DescendingOrder
    with qtbot.waitSignal(model.sort_done):
        model.sort(column, order)
    expected = data.sort_values(data.columns[column], ascending=ascending, kind="stable",
                                na_position="last").index.tolist()
    assert shown_rows(model) == expected
    first = data.iloc[expected[0], column]
    assert model.data(model.index(0, column), DISPLAY) == table_model.format_cell(first)


def test_sorting_through_the_header_click_path_sorts_the_grid(qtbot):
    data = frame()
    model = DataFrameModel(data)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setSortingEnabled(True)
    with qtbot.waitSignal(model.sort_done):
        view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert shown_rows(model) == data.sort_values("score", kind="stable",
                                                 na_position="last").index.tolist()


def test_a_sort_overtaken_by_a_filter_is_dropped(qtbot):
    data = frame()
    model = DataFrameModel(data)
    model.sort(1)
    shown = model.set_filter(0, "north")  # the table changed while the worker sorted
    qtbot.waitUntil(lambda: not model.is_sorting())
    qtbot.wait(50)  # let a stale answer, if any, be delivered
    assert model.rowCount() == shown
    assert shown_rows(model) == data.index[data["team"].str.contains(
        "north", case=False, na=False)].tolist()


def test_text_keys_rank_as_pandas_factorize_sorted():
    """Reference: ``Series.factorize(sort=True)`` codes (missing -> +inf); text ranks are
    built in chunks, so the column is longer than one chunk."""
    rng = np.random.default_rng(7)
    values = rng.choice(["b", "a", "", "É", "e", "a b", "Z", None], size=3 * 65_536 + 11)
    for series in (pd.Series(values, dtype=object), pd.Series(values, dtype="string")):
        codes, _ = series.factorize(sort=True)
        expected = np.where(codes < 0, np.inf, codes.astype(float))
        np.testing.assert_array_equal(sorting.text_keys(series), expected)
    assert sorting.text_keys(pd.Series(["a", 1, None], dtype=object)) is None
    assert sorting.text_keys(pd.Series([1.5, 2.0])) is None


@pytest.mark.parametrize("rows_for_worker", [1, 10**9])  # in the worker, on the GUI thread
def test_a_failed_sort_names_the_column_and_keeps_the_order(qtbot, monkeypatch, rows_for_worker):
    """A sort that raises (a fault in the sort keys) must not crash or reorder the grid: the
    data step says which column could not be sorted, the header's arrow goes back to the order
    still shown, and a later sort works again."""
    from pilot_eval.ui.data_page import DataPage

    monkeypatch.setattr(table_model, "ASYNC_SORT_ROWS", rows_for_worker)
    page = DataPage()
    qtbot.addWidget(page)
    data = frame()
    page.model.set_frame(data)
    with qtbot.waitSignal(page.model.sort_done):
        page.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    before = shown_rows(page.model)

    def broken(*_args):
        raise RuntimeError("sort keys broke")

    monkeypatch.setattr(table_model, "sorted_order", broken)
    with qtbot.waitSignal(page.model.sort_failed) as failed:
        page.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    message = failed.args[0]
    assert "“team”" in message and "previous order" in message
    assert "sort keys broke" in message  # the cause, for support
    assert shown_rows(page.model) == before
    assert page.sort_note.text() == message and not page.sort_note.isHidden()
    header = page.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == \
        (1, Qt.SortOrder.AscendingOrder)
    assert page.model.sorted_by() == (1, Qt.SortOrder.AscendingOrder)

    monkeypatch.undo()
    monkeypatch.setattr(table_model, "ASYNC_SORT_ROWS", rows_for_worker)
    with qtbot.waitSignal(page.model.sort_done):
        page.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    # The shown rows (by score) sorted again by team: ties keep the score order.
    assert shown_rows(page.model) == data.loc[before].sort_values(
        "team", kind="stable", na_position="last").index.tolist()
    assert page.sort_note.isHidden()


def test_a_failure_of_a_sort_overtaken_by_a_new_table_is_not_reported(qtbot, monkeypatch):
    model = DataFrameModel(frame())

    def broken(*_args):
        raise RuntimeError("late failure")

    monkeypatch.setattr(table_model, "sorted_order", broken)
    reported = []
    model.sort_failed.connect(reported.append)
    model.sort(0)
    model.set_frame(frame(20))  # a new table: the old sort's answer no longer applies
    qtbot.wait(200)
    qtbot.waitUntil(lambda: not model.is_sorting())
    assert reported == [] and model.rowCount() == 20


def test_a_large_sort_is_asked_of_the_sorter_given_with_the_frame(qtbot):
    """The window hands the model ``CoreApi.sort_rows`` (the checks process holds large
    tables); the model shows the order it answers, and a new frame without one sorts here."""
    data = frame(50)
    asked = []

    def sorter(column, rows, falling, progress):
        asked.append((column, rows, falling))
        return np.arange(len(data))[::-1]

    model = DataFrameModel()
    model.set_frame(data, sorter)
    with qtbot.waitSignal(model.sort_done):
        model.sort(1, Qt.SortOrder.DescendingOrder)
    assert asked == [(1, None, True)]
    assert shown_rows(model) == list(range(49, -1, -1))
    model.set_frame(data)  # no sorter: the model's own worker
    with qtbot.waitSignal(model.sort_done):
        model.sort(1)
    assert len(asked) == 1
    assert shown_rows(model) == data.sort_values("score", kind="stable",
                                                 na_position="last").index.tolist()
