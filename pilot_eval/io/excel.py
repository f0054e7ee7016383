"""Read one sheet of an ``.xlsx`` workbook with openpyxl in read-only mode.

The first row is the header.  A blank header over data is refused; when row 1 has merged
cells (title cells spanning columns), the message says so.  Cells keep their Excel types (numbers, dates); text cells go
through the same missing-marker and number rules as CSV cells.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from typing import IO

import pandas as pd

from pilot_eval.errors import DataError
from pilot_eval.io.budget import (
    EXCEL_MAX_ROWS,
    WorkbookBudget,
    check_sheet,
    require_memory,
    sheet_part,
)
from pilot_eval.io.frames import (
    clean_header,
    drop_trailing_blank_rows,
    drop_unnamed_empty,
    finish_text_frame,
    require_rows,
    rows_below_header,
)

PADDED_CELL_BYTES = 24
"""Memory per cell of the sheet's rectangle (empty cells too) once rows are padded to one
width: the row lists, the object frame and the typed column each hold a pointer or a value."""


@dataclass(frozen=True, eq=False)  # holds a DataFrame: compare by identity
class SheetRead:
    """The typed frame of one sheet, its name and the missing count per column."""

    frame: pd.DataFrame
    sheet: str
    missing: dict[str, int]


def _open_workbook(source: IO[bytes], *, file: str):
    import openpyxl  # imported here: only Excel users pay for it

    try:
        return openpyxl.load_workbook(source, read_only=True, data_only=True)
    except zipfile.BadZipFile:
        raise DataError("the Excel workbook is damaged (it is not a complete .xlsx file)",
                        file=file, hint="Open it in Excel, repair it if asked, and save it "
                        "again as .xlsx.") from None
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for broken files
        raise DataError(f"the Excel workbook cannot be read ({type(exc).__name__}: {exc})",
                        file=file, hint="Open it in Excel and save it again as .xlsx; "
                        "remove any password first.") from None


def list_sheets(source: IO[bytes], *, file: str) -> list[str]:
    """Names of the workbook's sheets, in order."""
    workbook = _open_workbook(source, file=file)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def read_xlsx(source: IO[bytes], *, sheet: str | None, file: str,
              header_row: int | None = None,
              budget: WorkbookBudget | None = None) -> SheetRead:
    """Read ``sheet`` (default: the first) of the workbook into a typed frame.

    ``header_row`` (1-based, as Excel shows it) is the row holding the column names when title
    rows sit above them; the frame's index then starts at ``header_row - 1`` so that index
    ``i`` is still spreadsheet row ``i + 2``.  With the workbook's ``budget``
    (``budget.check_workbook``), the sheet is refused if its cells would not fit, and reading
    stops past the rows that were counted.
    """
    workbook = _open_workbook(source, file=file)
    try:
        names = list(workbook.sheetnames)
        if not names:
            raise DataError("the workbook has no sheets", file=file)
        if sheet is None:
            sheet = names[0]
        elif sheet not in names:
            raise DataError(
                f"the workbook has no sheet called '{sheet}'; its sheets are: "
                + ", ".join(f"'{n}'" for n in names),
                file=file, hint="Choose one of the listed sheets.")
        worksheet = workbook[sheet]
        most_rows = EXCEL_MAX_ROWS if budget is None else check_sheet(
            budget, sheet_part(worksheet), file=file, sheet=sheet)
        try:
            worksheet.reset_dimensions()  # some writers record a wrong used range (A1:A1)
            rows: list[list[object]] = []
            for row in worksheet.iter_rows(values_only=True):
                if len(rows) >= most_rows:  # more rows than were counted: stop at the budget
                    raise DataError(f"the sheet '{sheet}' holds more rows than it did when "
                                    "it was checked", file=file,
                                    hint="Close other programs writing to it and try again.")
                rows.append(list(row))
        except DataError:
            raise
        except Exception as exc:  # noqa: BLE001 - damaged sheet XML
            raise DataError(f"the sheet '{sheet}' is damaged ({type(exc).__name__})",
                            file=file, hint="Open it in Excel and save it again.") from None
    finally:
        workbook.close()
    filled = [i for i, r in enumerate(rows) if not all(_blank(v) for v in r)]
    if not filled:
        raise DataError(f"the sheet '{sheet}' is empty", file=file,
                        hint="Choose the sheet that holds the data.")
    _refuse_uncached_formulas(source, sheet, file=file)
    offset = 0
    if header_row is not None and header_row > 1:
        if header_row > len(rows):
            raise DataError(f"the header row {header_row} is past the end of the sheet "
                            f"'{sheet}' ({len(rows)} rows)", file=file, rows=[header_row],
                            hint="Give the row that holds the column names.")
        offset, rows = header_row - 1, rows[header_row - 1:]
    elif filled[0] > 0:
        raise DataError(f"row 1 of the sheet '{sheet}' is empty; the column names must be in "
                        f"row 1 (the first filled row is row {filled[0] + 1})", file=file,
                        rows=[1], hint="Delete the empty rows above the column names, or give "
                                       "the row that holds them (--header-row N).")
    width = max(len(r) for r in rows)
    require_memory(len(rows) * width * PADDED_CELL_BYTES, file=file,
                   what=f"the sheet '{sheet}' spans {len(rows):,} rows x {width:,} columns")
    rows = [r + [None] * (width - len(r)) for r in rows]
    with rows_below_header(header_row):
        header = clean_header(rows[0], file=f"{file} [{sheet}]")
        body = pd.DataFrame([[_cell(v) for v in r] for r in rows[1:]], columns=range(width),
                            dtype=object)
        body = _named_columns(body, header, source, sheet=sheet, file=file,
                              header_given=offset > 0)
        body = drop_trailing_blank_rows(body)
        require_rows(body, file=f"{file} [{sheet}]")
        typed = {name: _typed_column(body[name]) for name in body.columns}
        frame, missing = finish_text_frame(pd.DataFrame(typed), decimal=".")
    if offset:
        frame.index = pd.RangeIndex(offset, offset + len(frame))
    return SheetRead(frame=frame, sheet=sheet, missing=missing)


def _named_columns(body: pd.DataFrame, header: list[str], source: IO[bytes], *, sheet: str,
                   file: str, header_given: bool) -> pd.DataFrame:
    """``drop_unnamed_empty``, with the likely cause named when a blank header sits over
    data in row 1: merged title cells, or title rows above the column names."""
    try:
        return drop_unnamed_empty(body, header, file=f"{file} [{sheet}]")
    except DataError as error:
        merged = [] if header_given else merged_header_ranges(source, sheet)
        if header_given or not merged:
            more = "" if header_given else (" If title rows sit above the column names, give "
                                            "the row that holds them (--header-row N on the "
                                            "command line).")
            raise DataError(error.message, file=error.file, rows=error.rows,
                            column=error.column,
                            hint=f"{error.hint or ''}{more}".strip() or None) from None
        raise DataError(
            f"{error.message}: the header row has merged cells ({', '.join(merged)})",
            file=error.file, rows=error.rows, column=error.column,
            hint="Unmerge the cells in row 1 and give every column its own name there, or "
                 "delete the title row so that the column names are in row 1; or give the row "
                 "that holds the column names (--header-row N on the command line).") from None


_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*>(.*?)</c>', re.S)
_CACHED_VALUE = re.compile(rb"<v>[^<]+</v>")


def _refuse_uncached_formulas(source: IO[bytes], sheet: str, *, file: str) -> None:
    """A workbook written by a program that stores formulas without their calculated values
    reads as blanks; say so instead of reporting missing data."""
    try:
        with zipfile.ZipFile(source) as archive:
            path = _sheet_path(archive, sheet)
            xml = archive.read(path) if path else b""
    except (zipfile.BadZipFile, KeyError, OSError):
        return
    if b"<f" not in xml:
        return
    uncached = [(m.group(1).decode(), int(m.group(2))) for m in _FORMULA_CELL.finditer(xml)
                if b"<f" in m.group(3) and _CACHED_VALUE.search(m.group(3)) is None]
    if not uncached:
        return
    columns = sorted({c for c, _ in uncached}, key=lambda c: (len(c), c))
    raise DataError(
        f"this workbook was saved without calculated values: {len(uncached)} formula cell(s) "
        f"in column(s) {', '.join(columns)} of sheet '{sheet}' have no value to read",
        file=file, rows=sorted({r for _, r in uncached})[:20],
        hint="Open it in Excel and save it (Excel then stores the values), or export the sheet "
             "as CSV.")


def _sheet_path(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The XML part of the sheet called ``sheet`` (workbook.xml + its relationships)."""
    workbook = archive.read("xl/workbook.xml")
    rels = archive.read("xl/_rels/workbook.xml.rels")
    for match in re.finditer(rb'<sheet [^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"', workbook):
        if match.group(1).decode("utf-8") != sheet:
            continue
        rid = re.escape(match.group(2))
        target = re.search(rb'<Relationship [^>]*?Id="' + rid + rb'"[^>]*?Target="([^"]*)"',
                           rels) or re.search(rb'<Relationship [^>]*?Target="([^"]*)"[^>]*?Id="'
                                              + rid + rb'"', rels)
        if target is None:
            return None
        name = target.group(1).decode("utf-8").lstrip("/")
        return name if name.startswith("xl/") else f"xl/{name}"
    return None


def merged_header_ranges(source: IO[bytes], sheet: str) -> list[str]:
    """Merged ranges touching row 1 of ``sheet`` (``["A1:B1", ...]``); empty when none or
    when the workbook cannot be reopened.

    Read-only mode does not expose merged cells, so the workbook is opened a second time in
    normal mode: slower, and used only when the header already looks broken.
    """
    import openpyxl

    try:
        source.seek(0)
        workbook = openpyxl.load_workbook(source, data_only=True)
        try:
            ranges = workbook[sheet].merged_cells.ranges
            return [str(r) for r in sorted(ranges, key=lambda r: r.min_col) if r.min_row == 1]
        finally:
            workbook.close()
    except Exception:  # noqa: BLE001 - only a better message is at stake
        return []


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell(value: object) -> object:
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    return value


def _typed_column(column: pd.Series) -> pd.Series:
    """Numbers and dates keep their type; any text makes the column text (typed later)."""
    present = column[column.map(lambda v: not _blank(v))]
    if present.empty:
        return column.map(lambda v: None if _blank(v) else v).astype(object)
    kinds = {_kind(v) for v in present}
    if kinds == {"number"}:
        return pd.to_numeric(column.map(lambda v: None if _blank(v) else v), errors="coerce")
    if kinds == {"date"}:
        return pd.to_datetime(column.map(lambda v: None if _blank(v) else v), errors="coerce")
    return column.map(lambda v: _text(v)).astype(object)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "text"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dt.datetime | dt.date):
        return "date"
    return "text"


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)
