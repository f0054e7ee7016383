"""``load_table``: round trips for every format (written by pandas/openpyxl/pyarrow, read back).

The reference for each round trip is the frame that was written: reading must give it back with
the same values and types.  SHA-256 is checked against ``hashlib``.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pilot_eval.errors import DataError
from pilot_eval.io import LoadedTable, load_table, sheet_names


def sample_frame() -> pd.DataFrame:
    """Text with accents, whole numbers, decimals with a gap, and 0/1 flags."""
    return pd.DataFrame({
        "team": ["Ash", "Birch", "Café Môn", "Damson", "Elm"],
        "month": [202301, 202302, 202303, 202304, 202305],
        "cost": [1.5, 2.25, np.nan, 1234.5, -0.75],
        "pilot": [0, 0, 1, 1, 1],
    })


CSV_FORMATS = [
    # (delimiter, decimal, encoding written, encoding expected back)
    (",", ".", "utf-8", "utf-8"),
    (",", ".", "utf-8-sig", "utf-8-sig"),
    (";", ",", "cp1252", "cp1252"),
    ("\t", ".", "utf-16", "utf-16-le"),  # Python writes UTF-16 little-endian with a BOM
    ("|", ".", "utf-8", "utf-8"),
    (";", ".", "utf-8", "utf-8"),
]


@pytest.mark.parametrize(("delimiter", "decimal", "encoding", "detected"), CSV_FORMATS)
def test_csv_round_trip(tmp_path, delimiter, decimal, encoding, detected):
    frame = sample_frame()
    path = tmp_path / "data.csv"
    frame.to_csv(path, sep=delimiter, decimal=decimal, encoding=encoding, index=False)
    table = load_table(path)
    assert isinstance(table, LoadedTable)
    pd.testing.assert_frame_equal(table.frame, frame)
    assert (table.delimiter, table.decimal, table.encoding) == (delimiter, decimal, detected)
    assert table.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert table.n_rows == 5
    assert table.missing_markers == {"cost": 1}


def test_csv_options_override_detection(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("a;b\n1,5;2\n", encoding="utf-8")
    table = load_table(path, delimiter=";", decimal=".", encoding="utf-8")
    assert table.frame["a"].tolist() == ["1,5"]  # decimal '.' forced: '1,5' stays text
    assert load_table(path).frame["a"].tolist() == [1.5]


def test_csv_big_endian_utf16(tmp_path):
    path = tmp_path / "be.csv"
    path.write_bytes(b"\xfe\xff" + "team\tvalue\nAsh\t1\n".encode("utf-16-be"))
    table = load_table(path)
    assert table.encoding == "utf-16-be" and table.frame["team"].tolist() == ["Ash"]


def test_wrong_forced_encoding_is_a_data_error(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes("team\nCafé\n".encode("cp1252"))
    with pytest.raises(DataError, match="cannot be read as utf-8"):
        load_table(path, encoding="utf-8")
    with pytest.raises(DataError, match="not known"):
        load_table(path, encoding="klingon")


def test_xlsx_round_trip_with_pandas_writer(tmp_path):
    frame = sample_frame()
    path = tmp_path / "data.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="Notes", index=False)
        frame.assign(cost=frame["cost"] * 2).to_excel(writer, sheet_name="Data", index=False)
    first = load_table(path)
    assert first.sheet == "Notes"
    pd.testing.assert_frame_equal(first.frame, frame)
    chosen = load_table(path, sheet="Data")
    assert chosen.sheet == "Data"
    pd.testing.assert_frame_equal(chosen.frame, frame.assign(cost=frame["cost"] * 2))
    assert chosen.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_xlsx_cells_keep_excel_types_and_markers(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([" team ", "start", "outcome", "flag", None])
    sheet.append(["Ash", dt.datetime(2024, 4, 3), 1.5, True, None])
    sheet.append(["Birch", dt.datetime(2024, 5, 1), "n/a", False, None])
    sheet.append(["Cedar", dt.datetime(2024, 6, 1), "[c]", True, None])
    sheet.append([None, None, None, None, None])  # trailing blank row
    path = tmp_path / "typed.xlsx"
    workbook.save(path)
    table = load_table(path)
    assert list(table.frame.columns) == ["team", "start", "outcome", "flag"]
    assert table.frame["start"].dtype == "datetime64[ns]"
    assert table.frame["start"].dt.strftime("%d/%m/%Y").tolist() == [
        "03/04/2024", "01/05/2024", "01/06/2024"]
    assert table.frame["outcome"].tolist()[0] == 1.5
    assert table.frame["outcome"].isna().tolist() == [False, True, True]
    assert table.frame["flag"].tolist() == [1, 0, 1]
    assert table.missing_markers == {"outcome": 2}
    assert table.n_rows == 3


def test_xlsx_unknown_sheet_lists_the_sheets(tmp_path):
    path = tmp_path / "two.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Outcomes"
    workbook.active.append(["a"])
    workbook.active.append([1])
    workbook.create_sheet("Staff")
    workbook.save(path)
    with pytest.raises(DataError) as caught:
        load_table(path, sheet="Sheet1")
    assert "'Outcomes', 'Staff'" in str(caught.value)
    with pytest.raises(DataError, match="is empty"):
        load_table(path, sheet="Staff")


def test_parquet_round_trip(tmp_path):
    frame = sample_frame().assign(start=pd.to_datetime(["2024-01-01"] * 5))
    path = tmp_path / "data.parquet"
    frame.to_parquet(path, engine="pyarrow", index=False)
    table = load_table(path)
    pd.testing.assert_frame_equal(table.frame, frame)
    assert (table.encoding, table.delimiter, table.decimal, table.sheet) == (None,) * 4
    assert table.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_parquet_written_by_pyarrow_with_text_markers(tmp_path):
    path = tmp_path / "markers.parquet"
    pq.write_table(pa.table({"team": ["Ash", "Birch"], "outcome": ["1.5", "[c]"]}), path)
    table = load_table(path)
    assert table.frame["outcome"].tolist()[0] == 1.5
    assert table.missing_markers == {"outcome": 1}


def test_parquet_duplicate_names_are_refused(tmp_path):
    path = tmp_path / "dup.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["x", "x"]), path)
    with pytest.raises(DataError):
        load_table(path)


def test_stata_round_trip(tmp_path):
    frame = sample_frame().assign(start=pd.to_datetime(["2024-01-01"] * 5))
    path = tmp_path / "data.dta"
    frame.to_stata(path, write_index=False, convert_dates={"start": "td"})
    table = load_table(path)
    pd.testing.assert_frame_equal(table.frame, frame, check_dtype=False)
    assert table.frame["start"].dtype.kind == "M"
    assert table.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_truncated_stata_and_parquet_are_data_errors(tmp_path):
    frame = sample_frame()
    for name, writer in (("a.dta", lambda p: frame.to_stata(p, write_index=False)),
                         ("a.parquet", lambda p: frame.to_parquet(p))):
        path = tmp_path / name
        writer(path)
        path.write_bytes(path.read_bytes()[: 200])
        with pytest.raises(DataError, match="cannot be read"):
            load_table(path)


def test_missing_markers_count_each_kind(tmp_path):
    path = tmp_path / "m.csv"
    markers = ["n/a", "N/A", "NA", "-", "*", "[c]", "[x]", "[z]", "..", ".", "", "   "]
    path.write_text("k,v\n" + "".join(f"{i},{m}\n" for i, m in enumerate(markers)) + "99,7\n",
                    encoding="utf-8")
    table = load_table(path)
    assert table.missing_markers == {"v": len(markers)}
    assert table.frame["v"].isna().sum() == len(markers)
    assert table.frame["v"].iloc[-1] == 7


def test_inner_blank_rows_keep_spreadsheet_row_numbers(tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text("team,value\nAsh,1\n\nCedar,x\n", encoding="utf-8")
    table = load_table(path)
    assert table.n_rows == 3  # row 3 of the file is blank and stays, so Cedar is row 4
    assert table.frame["team"].tolist()[2] == "Cedar"


def test_loaded_table_is_frozen_and_describable(tmp_path):
    path = tmp_path / "d.csv"
    sample_frame().to_csv(path, index=False)
    table = load_table(path)
    with pytest.raises(AttributeError):
        table.n_rows = 3  # type: ignore[misc]
    described = table.to_dict()
    assert described["columns"] == ["team", "month", "cost", "pilot"]
    assert described["sha256"] == table.sha256


@pytest.mark.parametrize("name", ["folder", "missing.csv", "data.json", "noextension"])
def test_paths_that_are_not_data_files(tmp_path, name):
    (tmp_path / "folder").mkdir()
    (tmp_path / "data.json").write_text("{}", encoding="utf-8")
    (tmp_path / "noextension").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_table(tmp_path / name)
    assert caught.value.hint


def test_xlsx_gaps_keep_row_numbers_and_the_header_must_be_in_row_one(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B1"], sheet["C1"] = "team", "y"  # column A is empty and is dropped
    sheet["B2"], sheet["C2"] = "Ash", 1
    sheet["B4"], sheet["C4"] = "Cedar", "x"  # row 3 is blank and kept
    path = tmp_path / "gap.xlsx"
    workbook.save(path)
    table = load_table(path)
    assert list(table.frame.columns) == ["team", "y"]
    assert table.frame["team"].tolist()[2] == "Cedar"  # position 2 = spreadsheet row 4
    late = openpyxl.Workbook()
    late.active["A3"], late.active["A4"] = "team", "Ash"
    late.save(tmp_path / "late.xlsx")
    with pytest.raises(DataError, match="first filled row is row 3"):
        load_table(tmp_path / "late.xlsx")


def test_options_that_do_not_apply_to_the_format(tmp_path):
    csv_path = tmp_path / "d.csv"
    sample_frame().to_csv(csv_path, index=False)
    with pytest.raises(DataError, match="not an Excel workbook"):
        load_table(csv_path, sheet="Data")
    parquet_path = tmp_path / "d.parquet"
    sample_frame().to_parquet(parquet_path)
    with pytest.raises(DataError, match="only to text"):
        load_table(parquet_path, delimiter=";")
    with pytest.raises(DataError, match="delimiter"):
        load_table(csv_path, delimiter=":")


def test_parquet_named_index_and_categories_become_plain_columns(tmp_path):
    frame = sample_frame().set_index("team").assign(
        band=pd.Categorical(["a", "b", "a", "b", "a"]))
    path = tmp_path / "indexed.parquet"
    frame.to_parquet(path)
    table = load_table(path)
    assert list(table.frame.columns) == ["team", "month", "cost", "pilot", "band"]
    assert table.frame["band"].tolist() == ["a", "b", "a", "b", "a"]
    assert table.frame["band"].dtype == object


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark(tmp_path, codec):
    path = tmp_path / "nobom.csv"
    path.write_bytes("team\ty\nAsh\t1\nCafé\t2\n".encode(codec))
    table = load_table(path)
    assert table.encoding == codec
    assert table.frame["team"].tolist() == ["Ash", "Café"]


def test_old_mac_line_endings(tmp_path):
    path = tmp_path / "cr.csv"
    path.write_bytes(b"team,y\rAsh,1\rBirch,2\r")
    assert load_table(path).frame["y"].tolist() == [1, 2]


def test_tables_compare_by_identity_not_by_frame(tmp_path):
    path = tmp_path / "d.csv"
    sample_frame().to_csv(path, index=False)
    first, second = load_table(path), load_table(path)
    assert first == first and first != second  # no "truth value of a DataFrame" error
    assert len({first, second}) == 2


def test_a_zip_that_is_not_a_workbook_is_named_as_such(tmp_path):
    import zipfile

    path = tmp_path / "export.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    with pytest.raises(DataError, match="zip archive"):
        load_table(path)


def test_summary_says_what_was_read_and_how(tmp_path):
    path = tmp_path / "pilot.csv"
    sample_frame().to_csv(path, sep=";", decimal=",", encoding="cp1252", index=False)
    assert load_table(path).summary() == (
        "Read 5 rows x 4 columns from pilot.csv (Windows-1252, semicolon-separated, decimal "
        "comma). 1 blank or marked cells (such as n/a or [c]) in 1 column(s) were read as "
        "missing.")


def test_sheet_names_for_a_chooser(tmp_path):
    path = tmp_path / "two.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Outcomes"
    workbook.create_sheet("Staff")
    workbook.save(path)
    assert sheet_names(path) == ["Outcomes", "Staff"]
    csv_path = tmp_path / "d.csv"
    csv_path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(DataError, match="only Excel workbooks"):
        sheet_names(csv_path)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(path.read_bytes()[:300])
    with pytest.raises(DataError, match="damaged"):
        sheet_names(broken)
