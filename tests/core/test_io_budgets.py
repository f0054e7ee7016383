"""Budgets before work (issue 11): hostile files are refused before they are read, by name,
and the memory of a refused load stays under 1.5 GB.

The bombs are made here (nothing large is committed): a 300 MB cell in a workbook of a few
hundred kilobytes, a workbook of 3 million rows, a CSV that is a link to /dev/zero, a named
pipe, a sparse 50 GB CSV, a Parquet file whose row groups decode to 800 MB.  Each refused load
runs in a child process whose peak resident memory (``ru_maxrss``) is measured.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hostile_files import load_in_child, numbered_rows, repeated, write_workbook

from pilot_eval.cli import EXIT_BAD_INPUT, main
from pilot_eval.errors import DataError
from pilot_eval.io import budget as budget_module
from pilot_eval.io import load_table, sheet_names
from pilot_eval.io.budget import EXCEL_MAX_ROWS, MEMORY_ENV, read_stata_within

PEAK_LIMIT = 1.5 * 2**30
"""Issue 11: memory stays under 1.5 GB on every refused bomb."""
LAPTOP_FREE = str(2**30)
"""Free memory assumed for the memory-based refusals (a laptop with 1 GB free)."""
posix_only = pytest.mark.skipif(os.name != "posix" or sys.platform == "darwin",
                                reason="device files, pipes and ru_maxrss in KiB: Linux")
PEAKS: dict[str, float] = {}


def _refused(outcome: dict, name: str, *needles: str) -> None:
    PEAKS[name] = outcome["peak_bytes"] / 2**20
    print(f"{name}: peak {PEAKS[name]:.0f} MB")
    assert outcome["refused"], outcome
    assert outcome["peak_bytes"] < PEAK_LIMIT, outcome
    for needle in needles:
        assert needle in outcome["message"], outcome["message"]


@pytest.fixture(scope="module")
def cell_bomb(tmp_path_factory) -> Path:
    """One shared string of 300 MB, compressed to a few hundred kilobytes."""
    path = tmp_path_factory.mktemp("bombs") / "one_cell.xlsx"
    shared = [b"<si><t>", *repeated(b"A", 300 * 2**20), b"</t></si>"]
    write_workbook(path, [b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'], shared=shared)
    assert path.stat().st_size < 2 * 2**20
    return path


@posix_only
def test_a_300_mb_cell_is_refused_by_excel_s_cell_limit(cell_bomb):
    outcome = load_in_child(cell_bomb)  # the machine's real free memory: a structural refusal
    _refused(outcome, "xlsx one 300 MB shared string", "more than 32,767 characters")


@posix_only
def test_a_300_mb_cell_is_refused_by_memory_on_a_laptop(cell_bomb):
    outcome = load_in_child(cell_bomb, env={MEMORY_ENV: LAPTOP_FREE})
    _refused(outcome, "xlsx 300 MB cell, 1 GB free", "too large for this computer's free memory",
             "shared strings unpack to 300 MB")


@posix_only
def test_a_300_mb_inline_cell_is_refused(tmp_path):
    path = tmp_path / "inline.xlsx"
    write_workbook(path, [b'<row r="1"><c r="A1" t="inlineStr"><is><t>',
                          *repeated(b"B", 300 * 2**20), b"</t></is></c></row>"])
    _refused(load_in_child(path), "xlsx one 300 MB inline string", "32,767 characters")


@pytest.fixture(scope="module")
def three_million_rows(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bombs") / "rows.xlsx"
    write_workbook(path, numbered_rows(3_000_000), dimension="A1:A1", level=9)
    return path


@posix_only
def test_three_million_rows_are_refused_by_excel_s_row_limit(three_million_rows):
    """The sheet's dimension lies (A1:A1); the rows are counted as they unpack."""
    outcome = load_in_child(three_million_rows)
    _refused(outcome, "xlsx 3,000,000 rows", f"more than {EXCEL_MAX_ROWS:,} rows")


def test_a_dimension_beyond_excel_is_refused_at_once(tmp_path):
    path = tmp_path / "wide.xlsx"
    write_workbook(path, numbered_rows(3), dimension="A1:XFE3")
    with pytest.raises(DataError, match="beyond Excel's 1,048,576 rows and 16,384 columns"):
        load_table(path)


def test_the_sheet_chooser_refuses_a_bomb_too(cell_bomb):
    with pytest.raises(DataError, match="32,767 characters"):
        sheet_names(cell_bomb)


def test_a_gapped_sheet_is_budgeted_by_its_rectangle(tmp_path, monkeypatch):
    """Two cells, at A1 and at Z1048576: a million rows of 26 columns once padded."""
    path = tmp_path / "gap.xlsx"
    write_workbook(path, [b'<row r="1"><c r="A1"><v>1</v></c></row>',
                          b'<row r="1048576"><c r="Z1048576"><v>2</v></c></row>'])
    monkeypatch.setenv(MEMORY_ENV, str(300 * 2**20))
    with pytest.raises(DataError, match="too large") as caught:
        load_table(path)
    assert "1,048,576 rows" in caught.value.message


def test_a_workbook_compressed_unlike_excel_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "bzip.xlsx"
    write_workbook(path, numbered_rows(3))
    data = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(data, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info),
                            compress_type=zipfile.ZIP_BZIP2 if "sheet" in info.filename
                            else zipfile.ZIP_DEFLATED)
    path.write_bytes(data.getvalue())
    with pytest.raises(DataError, match="compressed in a way Excel never uses"):
        load_table(path)


def test_a_legitimate_workbook_still_loads(tmp_path):
    path = tmp_path / "ok.xlsx"
    write_workbook(path, [b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v>'
                          b'</c></row>', *numbered_rows_with_values(2, 500)],
                   shared=[b"<si><t>team</t></si><si><t>score</t></si>"])
    table = load_table(path)
    assert table.n_rows == 499 and list(table.frame.columns) == ["team", "score"]
    assert table.frame["score"].sum() == sum(range(2, 501))


def numbered_rows_with_values(first: int, last: int) -> list[bytes]:
    return [f'<row r="{i}"><c r="A{i}"><v>1</v></c><c r="B{i}"><v>{i}</v></c></row>'.encode()
            for i in range(first, last + 1)]


# ------------------------------------------------------------------ not ordinary files

@posix_only
def test_a_csv_that_links_to_dev_zero_is_refused_by_name(tmp_path):
    link = tmp_path / "data.csv"
    link.symlink_to("/dev/zero")
    outcome = load_in_child(link)
    _refused(outcome, "csv -> /dev/zero", "this is a device", "link to /dev/zero")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_without_waiting(tmp_path):
    pipe = tmp_path / "data.csv"
    os.mkfifo(pipe)
    with pytest.raises(DataError, match="named pipe"):
        load_table(pipe)  # opening it for reading would wait for a writer forever


def test_a_folder_named_like_a_file_is_refused(tmp_path):
    (tmp_path / "data.csv").mkdir()
    with pytest.raises(DataError, match="folder"):
        load_table(tmp_path / "data.csv")


@posix_only
def test_the_command_line_names_the_device(tmp_path, capsys):
    link = tmp_path / "data.csv"
    link.symlink_to("/dev/zero")
    code = main(["did", str(link), "--outcome", "y", "--unit", "u", "--time", "t",
                 "--treatment", "d"])
    assert code == EXIT_BAD_INPUT
    assert "this is a device" in capsys.readouterr().err


# ------------------------------------------------------------------ sizes

@posix_only
def test_a_sparse_50_gb_csv_is_refused_from_its_size(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_bytes(b"a,b\n1,2\n")
    with path.open("r+b") as handle:
        handle.truncate(50 * 2**30)  # sparse: no disk space used
    outcome = load_in_child(path, env={MEMORY_ENV: LAPTOP_FREE})
    _refused(outcome, "csv 50 GB (sparse)", "it is 50.0 GB")


@posix_only
def test_a_csv_larger_than_its_size_said_stops_at_the_budget(tmp_path):
    """The size check is fooled (it is told the file is tiny); the reading itself stops."""
    path = tmp_path / "liar.csv"
    path.write_bytes(b"a,b\n")
    with path.open("r+b") as handle:
        handle.truncate(600 * 2**20)
    patch = "import pilot_eval.io.tables as t; t.regular_size = lambda *a, **k: 10"
    outcome = load_in_child(path, env={MEMORY_ENV: str(900 * 2**20)}, patch=patch)
    _refused(outcome, "csv 600 MB, size misreported", "reading stopped at 100 MB")


@pytest.fixture(scope="module")
def parquet_bomb(tmp_path_factory) -> Path:
    """100 row groups of a million zeros: tiny on disk, 800 MB decoded."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path_factory.mktemp("bombs") / "zeros.parquet"
    table = pa.table({"x": np.zeros(1_000_000, dtype=np.int64)})
    with pq.ParquetWriter(path, table.schema, compression="zstd") as writer:
        for _ in range(100):
            writer.write_table(table)
    assert path.stat().st_size < 5 * 2**20
    return path


@posix_only
def test_a_parquet_bomb_is_refused_from_its_metadata(parquet_bomb):
    outcome = load_in_child(parquet_bomb, env={MEMORY_ENV: LAPTOP_FREE})
    _refused(outcome, "parquet 100M zeros, metadata", "100,000,000 rows x 1 columns")


@posix_only
def test_a_parquet_whose_metadata_understates_stops_at_the_budget(parquet_bomb):
    patch = ("import pilot_eval.io.budget as b; real = b.require_memory\n"
             "b.require_memory = lambda need, **k: None if 'rows x' in k['what'] "
             "else real(need, **k)")
    outcome = load_in_child(parquet_bomb, env={MEMORY_ENV: LAPTOP_FREE}, patch=patch)
    _refused(outcome, "parquet 100M zeros, metadata ignored", "reading stopped",
             "more than its metadata said")


def test_a_stata_file_read_in_chunks_stops_at_the_budget(tmp_path, monkeypatch):
    frame = pd.DataFrame({"x": np.arange(300_000, dtype=float)})
    buffer = io.BytesIO()
    frame.to_stata(buffer, write_index=False)
    data = buffer.getvalue()
    monkeypatch.setenv(MEMORY_ENV, str(len(data) + 4 * 1_000_000))  # room for ~1 MB of rows
    with pytest.raises(DataError, match="reading stopped"):
        read_stata_within(data, file="big.dta")
    monkeypatch.setenv(MEMORY_ENV, str(100 * 2**20))
    pd.testing.assert_frame_equal(read_stata_within(data, file="big.dta"), frame)


def test_budget_constants_are_what_the_messages_say():
    assert budget_module.MAX_CELL_XML_BYTES > 10 * budget_module.EXCEL_MAX_CELL_CHARS


def test_a_refusal_never_says_it_needs_what_is_free():
    """7.52 GB needed against 7.48 GB free read 'needs about 7.5 GB, but only 7.5 GB is free'."""
    with pytest.raises(DataError) as caught:
        budget_module.require_memory(7.52 * 2**30, file="big.xlsx", what="its sheet",
                                     free=int(7.48 * 2**30))
    assert "needs about 7.52 GB, but only 7.48 GB is free" in caught.value.message
    with pytest.raises(DataError) as caught:
        budget_module.require_memory(9.4 * 2**30, file="big.xlsx", what="its sheet",
                                     free=int(7.48 * 2**30))
    assert "needs about 9.4 GB, but only 7.5 GB is free" in caught.value.message


def test_a_column_of_more_than_2_gb_of_text_reads_as_one_array(monkeypatch):
    """Arrow splits a string column past 2 GB (its 32-bit offsets) into chunks; a 3.2 GB text
    column of an .xlsx crashed the loader ('ChunkedArray' has no 'buffers').  The chunks
    become one array with 64-bit offsets, and every cell step reads it the same way (the
    large layout is forced here on a small column: a 2 GB column is too large for a test)."""
    import pandas as pd
    import pyarrow as pa

    from pilot_eval.io import cells

    column = pd.Series([" 1,5", "NA", "2,25 ", "", "3"], name="y")
    expected, expected_missing = cells.clean_text_column(column, decimal=",")
    chunked = pa.chunked_array([pa.array(["a", " b"]), pa.array(["NA", "x"])])
    assert cells.one_array(chunked).to_pylist() == ["a", " b", "NA", "x"]

    real = cells.one_array

    def as_large(strings):
        single = real(strings)
        return single.cast(pa.large_string())

    monkeypatch.setattr(cells, "one_array", as_large)
    large = cells.arrow_text(column)
    assert pa.types.is_large_string(large.type)
    assert cells.cell_bytes(large[2:4]).tobytes() == b"2,25"
    got, missing = cells.clean_text_column(column, decimal=",")
    assert missing == expected_missing == 2
    pd.testing.assert_series_equal(got, expected)
