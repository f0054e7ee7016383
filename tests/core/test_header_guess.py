"""Title rows above the column names: ``load_table`` reads the names from the row below them
when row 1 cannot be the header, says so in a note, and keeps spreadsheet row numbers; it
never takes a data row for the header when row 1 is a header with a missing name.

Reference: the frames are written by hand (pandas ``to_csv`` / openpyxl) with the header at
a known row, and the same data read with that row given explicitly (``header_row=N``) is the
expected table.
"""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from pilot_eval.errors import DataError
from pilot_eval.io import load_table
from pilot_eval.io.header_guess import title_header_row

PANEL = pd.DataFrame({"team": ["Ash", "Ash", "Elm", "Elm"], "month": [1, 2, 1, 2],
                      "pilot": [0, 1, 0, 0], "outcome": [10.5, 12.0, 9.5, 9.0]})


def _csv(path, head: str, *, encoding: str = "utf-8") -> str:
    path.write_bytes((head + PANEL.to_csv(index=False)).encode(encoding))
    return str(path)


def _assert_same_as_given(path: str, row: int) -> None:
    table = load_table(path)
    given = load_table(path, header_row=row)
    assert table.header_row == row
    pd.testing.assert_frame_equal(table.frame, given.frame)
    assert list(table.frame.columns) == list(PANEL.columns)
    assert table.frame.index[0] == row - 1  # index i is spreadsheet row i + 2
    assert f"read from row {row}" in table.notes[0] and "--header-row" in table.notes[0]


def test_a_title_line_and_a_blank_line_above_a_csv_header(tmp_path):
    path = _csv(tmp_path / "titled.csv", "Outcomes by team, 2024\n\n")
    _assert_same_as_given(path, 3)
    assert "'Outcomes by team, 2024'" in load_table(path).notes[0]


def test_a_title_padded_with_delimiters_as_spreadsheets_export_it(tmp_path):
    path = _csv(tmp_path / "padded.csv", "Caseload export,,,\nRun on 03/04/2024,,,\n")
    _assert_same_as_given(path, 3)


def test_a_windows_1252_title_line(tmp_path):
    path = _csv(tmp_path / "pounds.csv", "Spend under the £500 cap\n", encoding="cp1252")
    _assert_same_as_given(path, 2)
    assert "£500" in load_table(path).notes[0]


def test_a_title_cell_above_an_excel_header(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Goals met by team"])
    sheet.append([])
    sheet.append([])
    sheet.append(list(PANEL.columns))
    for row in PANEL.itertuples(index=False):
        sheet.append(list(row))
    book.save(tmp_path / "titled.xlsx")
    _assert_same_as_given(str(tmp_path / "titled.xlsx"), 4)


def test_a_header_with_a_missing_name_is_not_taken_for_a_title(tmp_path):
    path = tmp_path / "unnamed.csv"
    path.write_text("team,,pilot,outcome\nAsh,1,0,10.5\nElm,1,0,9.5\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_table(path)
    assert "no header name" in caught.value.message
    assert caught.value.rows == (2,)


def test_a_given_header_row_is_never_second_guessed(tmp_path):
    path = _csv(tmp_path / "titled.csv", "Outcomes by team\n\n")
    with pytest.raises(DataError):
        load_table(path, header_row=2)  # the blank line: the user's choice is kept


def test_a_problem_far_below_the_top_is_not_blamed_on_title_rows(tmp_path):
    lines = ["team,month,pilot,outcome"] + [f"T{i},1,0,{i}" for i in range(40)]
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines + ["T40,1,0,4,extra"]) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_table(path)
    assert caught.value.rows == (42,) and "read from row" not in str(caught.value)


def test_below_the_titles_the_file_s_own_problem_is_named(tmp_path):
    lines = ["Outcomes by team", "team,month,pilot,outcome"] + [f"T{i},1,0,{i}" for i in
                                                               range(40)]
    path = tmp_path / "titled_ragged.csv"
    path.write_text("\n".join(lines + ["T40,1,0,4,extra"]) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_table(path)
    assert caught.value.rows == (43,)  # the ragged row, as the spreadsheet numbers it
    assert "read from row 2" in caught.value.hint


@pytest.mark.parametrize(("rows", "expected"), [
    ([["A title"], [], ["a", "b", "c"], [1, 2, 3]], 3),
    ([["A title", "2024"], ["a", "b", "c"], ["x", "y", "z"]], 2),  # two cells of a 3-wide CSV
    ([["a", None, "c"], ["x", "y", "z"]], None),  # a missing name, not a title
    ([["Team and month", None, "Outcome", None], ["team", "month", "pilot", "y"]], None),
    ([["a", "b", "c"], [1, 2, 3]], None),  # row 1 is the header
])
def test_title_rows_are_fewer_cells_or_under_half_filled(rows, expected):
    assert title_header_row(rows) == expected


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_problems_below_a_given_header_row_name_the_spreadsheet_s_rows(tmp_path, suffix):
    # Title, blank, header in row 3 with an unnamed column C holding a value in row 6 (the
    # third data row: 3 + 3): the row and the header's row are counted as the sheet shows them.
    rows = [["Title"], [], ["team", "month", None, "y"]]
    rows += [["a", i, 3 if i == 2 else None, 1.0] for i in range(5)]
    path = tmp_path / f"unnamed{suffix}"
    if suffix == ".csv":
        path.write_text("\n".join(",".join("" if v is None else str(v) for v in row)
                                  for row in rows) + "\n", encoding="utf-8")
    else:
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        book.save(path)
    with pytest.raises(DataError) as caught:
        load_table(path, header_row=3)
    assert caught.value.rows == (6,) and "in row 3" in caught.value.hint


def test_a_ragged_row_below_a_given_header_row_is_named_as_the_sheet_counts(tmp_path):
    path = tmp_path / "ragged.csv"
    body = "".join(f"a,{i},1.0\n" for i in range(5))
    path.write_text("Title\n\nteam,month,y\n" + body + "a,9,1,3\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_table(path, header_row=3)
    assert caught.value.rows == (9,)  # 3 (header) + 5 data rows + 1


@pytest.mark.parametrize("rows", [
    [["team", "outcome"], ["Ash", "1"], ["Birch", "2"], ["Cedar", "3", "extra"]],  # at the end
    [["team", "outcome"], ["Ash", "1"], ["Cedar", "3", "extra"], ["Dove", "4"]],  # mid-file
    [["team", "outcome"], ["Ash", "x"], ["Cedar", "y", "z"], ["Dove", "w", "v"]],  # all text
])
def test_a_ragged_data_row_is_never_taken_for_the_header(rows):
    assert title_header_row(rows) is None


def test_rows_left_out_below_title_rows_are_counted_as_the_sheet_shows_them(tmp_path):
    from pilot_eval.errors import PilotEvalError
    from pilot_eval.exclusions import exclude_rows

    table = load_table(_csv(tmp_path / "titled.csv", "Outcomes by team, 2024\n\n"))
    kept = exclude_rows(table, [4])  # the first data row: header in row 3
    assert list(kept.frame["team"]) == ["Ash", "Elm", "Elm"] and kept.n_rows == 3
    with pytest.raises(PilotEvalError) as caught:
        exclude_rows(table, [2])
    assert "the data rows are 4 to 7" in caught.value.message
    assert "the header is row 3" in caught.value.hint
