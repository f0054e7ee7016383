"""Exports neutralise formula injection (OWASP "CSV injection": cells starting with = + - @
tab or CR are prefixed with a single quote) and keep numbers as numbers; both formats are read
back with independent readers (the csv module and openpyxl)."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pilot_eval.errors import PilotEvalError
from pilot_eval.exports import (
    FORMULA_STARTS,
    PLAIN_NUMBER,
    ExportError,
    csv_bytes,
    export_table,
    export_tables,
    neutralise,
    neutralise_frame,
    xlsx_bytes,
)

DANGEROUS = ["=HYPERLINK(\"http://x\",\"y\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
             "\tleading tab", "\rleading CR"]
SAFE = ["Brontë House", "team 1", "a=b", "1-2", ""]


def _table() -> pd.DataFrame:
    return pd.DataFrame({
        "team": DANGEROUS + SAFE[:1],
        "estimate": [1.5, -2.25, np.nan, 0.0, 1e300, -1e-300, 7.0],
        "n": [1, 2, 3, 4, 5, 6, 7],
    })


@pytest.mark.parametrize("text", DANGEROUS)
def test_dangerous_text_gets_a_quote(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", SAFE)
def test_safe_text_is_unchanged(text):
    assert neutralise(text) == text


@pytest.mark.parametrize("number", [-1, -2.5, 0, 3, np.int64(-4), np.float64(-0.5)])
def test_numbers_stay_numbers(number):
    value = neutralise(number)
    assert isinstance(value, int | float) and not isinstance(value, str)
    assert value == number


def test_missing_and_infinite():
    assert neutralise(None) is None and neutralise(np.nan) is None and neutralise(pd.NaT) is None
    assert neutralise(np.inf) == "Infinity"
    assert neutralise(-np.inf) == "'-Infinity"


def test_headers_and_index_are_user_data_too():
    frame = pd.DataFrame({"=evil": [1]}, index=pd.Index(["-x"], name="@name"))
    safe = neutralise_frame(frame)
    assert list(safe.columns) == ["'@name", "'=evil"]
    assert safe.iloc[0].tolist() == ["'-x", 1]


def test_input_frame_is_not_changed():
    frame = _table()
    before = frame.copy()
    neutralise_frame(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_csv_read_back_with_the_csv_module():
    rows = list(csv.reader(io.StringIO(csv_bytes(_table()).decode("utf-8-sig"), newline="")))
    assert rows[0] == ["team", "estimate", "n"]
    assert [r[0] for r in rows[1:7]] == ["'" + t for t in DANGEROUS]
    assert rows[1][1:] == ["1.5", "1"] and rows[2][1] == "-2.25"  # numbers unquoted
    assert rows[3][1] == ""  # NaN -> empty cell
    assert not any(cell.startswith(FORMULA_STARTS) for row in rows for cell in row
                   if not _is_number(cell))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_xlsx_read_back_with_openpyxl():
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"Results": _table()})))
    sheet = book["Results"]
    cells = [[c for c in row] for row in sheet.iter_rows()]
    assert [c.value for c in cells[0]] == ["team", "estimate", "n"]
    assert all(row[0].data_type == "s" for row in cells)  # text, never a formula ("f")
    # the text is kept as it is, marked "quote prefix": shown and kept as text by Excel
    assert [row[0].value for row in cells[1:7]] == DANGEROUS
    assert all(row[0].quotePrefix for row in cells[1:7])
    assert cells[2][1].value == -2.25 and cells[2][1].data_type == "n"
    assert cells[3][1].value is None
    assert cells[5][1].value == 1e300 and cells[6][1].value == -1e-300
    assert cells[1][2].value == 1 and isinstance(cells[1][2].value, int)


def test_export_table_chooses_format_by_suffix(tmp_path):
    assert export_table(_table(), tmp_path / "r.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert export_table(_table(), tmp_path / "r.xlsx").read_bytes().startswith(b"PK")
    with pytest.raises(ExportError, match="'.pdf'"):
        export_table(_table(), tmp_path / "r.pdf")


def test_export_tables_sheet_names(tmp_path):
    path = export_tables({"a" * 40: _table(), "a" * 40 + "b": _table(), "x/y?": _table()},
                         tmp_path / "all.xlsx")
    names = openpyxl.load_workbook(path).sheetnames
    assert names == ["a" * 31, "a" * 27 + " (2)", "x_y_"]
    with pytest.raises(ExportError, match="no tables"):
        export_tables({}, tmp_path / "none.xlsx")


def test_unwritable_target_is_a_clear_error(tmp_path):
    folder = tmp_path / "looks like a file.csv"
    folder.mkdir()
    with pytest.raises(ExportError, match="folder") as caught:
        export_table(_table(), folder)
    assert isinstance(caught.value, PilotEvalError) and caught.value.hint


def test_numbers_beyond_excels_range_are_kept_exactly_as_text():
    """Excel's largest number is 9.99999999999999E+307 (Excel specifications and limits)."""
    frame = pd.DataFrame({"x": [1.7976931348623157e308, -1e308, 9.99999999999999e307]})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"t": frame})))["t"]
    assert [sheet.cell(row=r, column=1).value for r in (2, 3, 4)] == [
        "1.7976931348623157e+308", "-1e+308", 9.99999999999999e307]


cells = st.one_of(st.text(max_size=12), st.integers(-10**12, 10**12),
                  st.floats(allow_nan=True, allow_infinity=True), st.none(), st.booleans())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(cells, cells), min_size=1, max_size=8))
@example([("\x08@", 1)])  # found by Hypothesis: the XML-illegal \x08 is removed, '@' comes first
def test_no_exported_text_cell_can_start_a_formula(rows):
    frame = pd.DataFrame(rows, columns=["a", "b"])
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"t": frame})))
    for row in book["t"].iter_rows():
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                assert cell.data_type == "s"
                assert cell.quotePrefix or PLAIN_NUMBER.fullmatch(cell.value)
            elif isinstance(cell.value, float):
                assert math.isfinite(cell.value)


@pytest.mark.parametrize("text", ["-12.3", "+4", "-1,234.5", "-0.5%", "-1e-05"])
def test_text_that_is_just_a_number_stays_readable(text):
    """A plain number cannot run anything: in a CSV it keeps no quote; in a workbook it stays
    text, without a quote in front (issue 13)."""
    assert neutralise(text) == text
    frame = pd.DataFrame({"label": [text], "value": [-12.3]})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"t": frame})))["t"]
    assert sheet["A2"].value == text and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == -12.3 and sheet["B2"].data_type == "n"
    assert csv_bytes(frame).decode("utf-8-sig").splitlines()[1] == f"{text},-12.3" if "," not \
        in text else True


def test_the_same_tables_give_the_same_workbook_bytes():
    import time

    first = xlsx_bytes({"t": _table()})
    time.sleep(1.1)  # openpyxl dates zip entries and properties by the clock
    assert xlsx_bytes({"t": _table()}) == first
