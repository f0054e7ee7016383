"""Merged title cells in row 1 of an .xlsx: the refusal says so (reference: the ranges merged
by hand with openpyxl when the workbook is built)."""

from __future__ import annotations

import openpyxl
import pytest

from pilot_eval.errors import DataError
from pilot_eval.io import load_table


def _workbook(path, *, merge: list[str]) -> str:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Team and month", None, "Outcome", None])
    sheet.append(["team", "month", "pilot", "outcome"])
    sheet.append(["Ash", "2023-01", 0, 10])
    for cells in merge:
        sheet.merge_cells(cells)
    book.save(path)
    return str(path)


def test_merged_title_cells_are_named_with_a_fix(tmp_path):
    path = _workbook(tmp_path / "merged.xlsx", merge=["A1:B1", "C1:D1"])
    with pytest.raises(DataError) as caught:
        load_table(path)
    error = caught.value
    assert "no header name" in error.message and "merged cells (A1:B1, C1:D1)" in error.message
    assert error.rows == (2,)
    assert "Unmerge" in error.hint and "delete the title row" in error.hint


def test_a_blank_header_without_merged_cells_keeps_the_plain_message(tmp_path):
    path = _workbook(tmp_path / "blank.xlsx", merge=[])
    with pytest.raises(DataError) as caught:
        load_table(path)
    assert "no header name" in caught.value.message and "merged" not in caught.value.message


def test_merged_cells_below_the_header_are_not_blamed(tmp_path):
    path = _workbook(tmp_path / "below.xlsx", merge=["C3:D3"])
    with pytest.raises(DataError) as caught:
        load_table(path)
    assert "merged" not in caught.value.message
