"""Property tests of the new limits (Hypothesis): the workbook scan counts what openpyxl reads
and refuses exactly the cells Excel could not hold; numbers written with any thousands
separator read back exactly; columns that read two ways are always named."""

from __future__ import annotations

import io
import zipfile

import pytest
from hostile_files import write_workbook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilot_eval.errors import DataError
from pilot_eval.io import load_table
from pilot_eval.io.budget import MAX_CELL_XML_BYTES, check_workbook
from pilot_eval.io.cells import number_text

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _rows(cells: list[list[str]], numbers: list[int]) -> list[bytes]:
    """Row ``numbers[i]`` holding ``cells[i]`` as inline strings."""
    out = []
    for number, row in zip(numbers, cells, strict=True):
        parts = "".join(f'<c r="{chr(65 + j)}{number}" t="inlineStr"><is><t>{text}</t></is></c>'
                        for j, text in enumerate(row))
        out.append(f'<row r="{number}">{parts}</row>'.encode())
    return out


@FUZZ
@given(st.data())
def test_the_scan_counts_the_rows_and_cells_openpyxl_reads(tmp_path, data):
    n_rows = data.draw(st.integers(1, 60), label="rows")
    cells = [data.draw(st.lists(st.text("abcxyz ", min_size=1, max_size=30), min_size=1,
                                max_size=5), label="row") for _ in range(n_rows)]
    gaps = data.draw(st.lists(st.integers(1, 3), min_size=n_rows, max_size=n_rows),
                     label="row steps")
    numbers = [sum(gaps[: i + 1]) for i in range(n_rows)]
    path = tmp_path / "book.xlsx"
    write_workbook(path, _rows(cells, numbers))
    budget = check_workbook(path.read_bytes(), file=str(path))
    (scan,) = budget.sheets.values()
    assert scan.cells == sum(len(r) for r in cells)
    assert scan.rows == numbers[-1]  # gaps are yielded as empty rows: the highest row number

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    sheet = book.active
    sheet.reset_dimensions()
    assert len(list(sheet.iter_rows(values_only=True))) == scan.rows
    book.close()


@FUZZ
@given(extra=st.integers(-2000, -32) | st.integers(1, 2000))
def test_a_cell_is_refused_when_its_text_passes_the_limit(tmp_path, extra):
    """A shared string whose text run (from ``<t>`` to ``</t>``) is ``MAX_CELL_XML_BYTES +
    extra`` bytes long: refused beyond the limit, read within it (its element's tags, 20-odd
    bytes, also count towards the limit of the element)."""
    text = b"A" * (MAX_CELL_XML_BYTES + extra - len(b"<t>"))
    path = tmp_path / "cell.xlsx"
    write_workbook(path, [b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'],
                   shared=[b"<si><t>", text, b"</t></si><si><t>b</t></si>"])
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("xl/sharedStrings.xml").file_size > len(text)
    if extra > 0:
        with pytest.raises(DataError, match="32,767 characters"):
            check_workbook(data, file="cell.xlsx")
    else:
        check_workbook(data, file="cell.xlsx")


@settings(max_examples=200, deadline=None)
@given(whole=st.integers(0, 10**12), cents=st.integers(0, 99), negative=st.booleans(),
       style=st.sampled_from([(",", "."), (".", ","), (" ", ","), ("\u00a0", ","),
                              ("\u202f", "."), ("", ".")]))
def test_numbers_with_any_thousands_separator_read_back(whole, cents, negative, style):
    separator, decimal = style
    grouped = f"{whole:,}".replace(",", "\x00").replace("\x00", separator)
    text = ("-" if negative else "") + grouped + f"{decimal}{cents:02d}"
    chosen = " " if separator in ("\u00a0", "\u202f") else separator
    parsed = number_text(text, decimal=decimal, thousands=chosen)
    expected = (-1 if negative else 1) * (whole + cents / 100)
    assert parsed is not None and float(parsed) == pytest.approx(expected, rel=1e-15)


@FUZZ
@given(values=st.lists(st.integers(1000, 999_999), min_size=1, max_size=20),
       evidence=st.booleans())
def test_a_column_that_reads_two_ways_is_always_named(tmp_path, values, evidence):
    rows = [f"T{i};{v // 1000},{v % 1000:03d};{'2,5' if evidence else '2'}"
            for i, v in enumerate(values)]
    path = tmp_path / "costs.csv"
    path.write_text("team;cost;rate\n" + "\n".join(rows) + "\n", encoding="utf-8")
    table = load_table(path)
    (note,) = table.notes
    assert "Column 'cost'" in note
    expected = [v / 1000 for v in values] if evidence else values
    assert table.frame["cost"].tolist() == pytest.approx(expected, rel=1e-15)


def test_a_shared_string_split_into_runs_is_measured_whole(tmp_path):
    """Rich text: many short runs that openpyxl joins into one cell beyond Excel's limit."""
    run = b"<r><t>" + b"A" * 30_000 + b"</t></r>"
    path = tmp_path / "runs.xlsx"
    write_workbook(path, [b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'],
                   shared=[b"<si>", *[run] * 20, b"</si>"])
    with pytest.raises(DataError, match="32,767 characters"):
        check_workbook(path.read_bytes(), file="runs.xlsx")
