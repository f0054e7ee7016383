"""Load a data table from CSV/TXT, Excel (.xlsx), Parquet or Stata (.dta).

``load_table`` is the one entry point.  Everything a user can get wrong (a missing file, the
wrong format, a broken workbook, an unknown sheet, a ragged CSV) raises
``pilot_eval.errors.DataError`` naming the file, the rows and the column and saying how to fix
it; no pandas, openpyxl or codec traceback reaches the user.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from pilot_eval.errors import DataError
from pilot_eval.io.ambiguity import ambiguous_columns
from pilot_eval.io.budget import (
    MEMORY_ENV,  # noqa: F401 - re-exported: the override of the free memory
    STATA_MEMORY_FACTOR,
    TEXT_MEMORY_FACTOR,
    available_memory,  # noqa: F401 - re-exported
    check_workbook,
    read_limit,
    read_parquet_within,
    read_stata_within,
    read_within,
    regular_size,
    require_memory,
    size_text,
)
from pilot_eval.io.cells import THOUSANDS_SEPARATORS, normalise_spaces
from pilot_eval.io.excel import list_sheets, read_xlsx
from pilot_eval.io.fast_csv import arrow_table_frame, utf8_start
from pilot_eval.io.frames import (
    clean_header,
    drop_leading_blank_rows,
    drop_trailing_blank_rows,
    drop_unnamed_empty,
    finish_text_frame,
    require_rows,
    rows_below_header,
)
from pilot_eval.io.header_guess import (
    GUESS_ROWS,
    sheet_head_rows,
    text_head_rows,
    title_header_row,
    title_note,
    title_text,
)
from pilot_eval.io.sniffing import (
    DELIMITERS,
    MIXED_UTF8,
    decode_text,
    file_signature,
    refuse_signature,
    sniff_decimal,
    sniff_delimiter,
)

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
STATA_SUFFIXES = (".dta",)
SIGNATURE_BYTES = 65536
"""Bytes inspected to recognise a file's real format."""
DECIMAL_SNIFF_ROWS = 5000
"""Rows inspected to decide between decimal points and decimal commas."""
SUPPORTED = TEXT_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES + STATA_SUFFIXES


_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16-le": "UTF-16 LE",
                   "utf-16-be": "UTF-16 BE", "cp1252": "Windows-1252",
                   MIXED_UTF8: "UTF-8 with some Windows-1252 rows"}
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass(frozen=True, eq=False)  # holds a DataFrame: compare by identity
class LoadedTable:
    """A table read from a file, with how it was read.

    Attributes
    ----------
    frame:
        The data, one row per data row of the file: position ``i`` is spreadsheet row
        ``i + 2``.  Callers must not mutate it.
    path, sheet, encoding, delimiter, decimal:
        Where it came from and how it was read (``None`` where not applicable).
    sha256:
        Hex SHA-256 of the file's bytes (for project files and the QA log).
    n_rows:
        Number of data rows.
    missing_markers:
        ``{column: count}`` of cells read as missing (blank, ``n/a``, ``[c]``, ``..`` ...);
        columns without any are left out.
    thousands:
        The thousands separator chosen by the caller (``None``: the usual one was accepted).
    notes:
        What the loader decided that the user must know: rows read in another encoding,
        columns whose numbers read two ways and the reading taken (shown by the window and
        printed by the command line).
    header_row:
        The header row the caller gave (``None``: row 1, or the first filled row).
    """

    frame: pd.DataFrame = field(repr=False)
    path: str
    sheet: str | None
    encoding: str | None
    delimiter: str | None
    decimal: str | None
    sha256: str
    n_rows: int
    missing_markers: dict[str, int]
    thousands: str | None = None
    notes: tuple[str, ...] = ()
    header_row: int | None = None

    def summary(self) -> str:
        """One sentence for the window and the QA log: what was read, and how."""
        name = Path(self.path).name
        how = []
        if self.sheet is not None:
            how.append(f"sheet '{self.sheet}'")
        if self.encoding is not None:
            how.append(_ENCODING_NAMES.get(self.encoding, self.encoding))
        if self.delimiter is not None:
            how.append(f"{_DELIMITER_NAMES[self.delimiter]}-separated")
        if self.decimal is not None:
            how.append("decimal comma" if self.decimal == "," else "decimal point")
        text = (f"Read {self.n_rows:,} rows x {self.frame.shape[1]} columns from {name}"
                + (f" ({', '.join(how)})" if how else "") + ".")
        if self.missing_markers:
            cells = sum(self.missing_markers.values())
            text += (f" {cells:,} blank or marked cells (such as n/a or [c]) in "
                     f"{len(self.missing_markers)} column(s) were read as missing.")
        return " ".join([text, *self.notes])

    def to_dict(self) -> dict[str, object]:
        """JSON-safe description (without the data)."""
        return {
            "path": self.path, "sheet": self.sheet, "encoding": self.encoding,
            "delimiter": self.delimiter, "decimal": self.decimal, "sha256": self.sha256,
            "n_rows": self.n_rows, "columns": [str(c) for c in self.frame.columns],
            "missing_markers": dict(self.missing_markers), "thousands": self.thousands,
            "notes": list(self.notes),
        }


def load_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
    header_row: int | None = None,
    thousands: str | None = None,
) -> LoadedTable:
    """Read a data file into a ``LoadedTable``.

    Parameters
    ----------
    path:
        A ``.csv``, ``.txt``, ``.tsv``, ``.xlsx``, ``.xlsm``, ``.parquet`` or ``.dta`` file.
    sheet:
        Excel only: the sheet's name (default: the first sheet).
    encoding, delimiter, decimal:
        Text files only; detected when ``None``.  Encodings: byte-order mark, then UTF-8, then
        Windows-1252 (a UTF-8 file with some Windows-1252 rows is read row by row and those
        rows are named in ``notes``).  Delimiters: ``,`` ``;`` tab ``|``.  Decimal: ``.`` or
        ``,``; when detected, a column whose numbers read two ways (``1,700``) is named in
        ``notes`` with the reading taken.
    header_row:
        CSV and Excel: the 1-based row (as a spreadsheet shows it) holding the column names,
        when title rows sit above them.  ``None``: row 1; when the file cannot be read so and
        only title-like rows (one or two filled cells) sit above a row of names within the
        first 20 rows (``header_guess.title_header_row``), the names are read from that row,
        ``header_row`` says which and a note says so.  The frame's index
        then starts at ``header_row - 1``, so index ``i`` is still spreadsheet row ``i + 2``.
    thousands:
        Text files only: the thousands separator (``","``, ``"."``, ``" "`` or ``""`` for
        none); ``None`` accepts the mark that is not the decimal one.  Choosing it also sets
        the decimal mark to the other of comma and point when that is not given.

    Raises
    ------
    DataError
        For anything about the file that the user can fix.
    """
    options = {"sheet": sheet, "encoding": encoding, "delimiter": delimiter,
               "decimal": decimal, "thousands": thousands}
    try:
        return _load_as_given(path, header_row=header_row, **options)
    except DataError as error:
        below = None if header_row is not None else _below_titles(path, sheet, error)
        if below is None:
            raise
        row, title = below
        try:
            table = _load_as_given(path, header_row=row, **options)
        except DataError as below_error:  # the file's own problem, found below the titles
            note = title_note(row, title)
            raise DataError(below_error.message, file=below_error.file, rows=below_error.rows,
                            column=below_error.column,
                            hint=" ".join(filter(None, [below_error.hint, note]))) from None
        return replace(table, notes=(title_note(row, title), *table.notes))


def _below_titles(path: str | Path, sheet: str | None,
                  error: DataError) -> tuple[int, str] | None:
    """The row of column names below title rows and the first title, when ``error`` (reading
    with the names in row 1) is about a row near the top and such rows are found."""
    if not error.rows or min(error.rows) > GUESS_ROWS + 1:
        return None
    suffix = Path(path).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        rows = text_head_rows(path)
    elif suffix in EXCEL_SUFFIXES:
        try:
            rows = sheet_head_rows(Path(path).read_bytes(), sheet=sheet)
        except OSError:
            return None
    else:
        return None
    row = title_header_row(rows)
    return None if row is None else (row, title_text(rows, row))


def _load_as_given(
    path: str | Path,
    *,
    sheet: str | None,
    encoding: str | None,
    delimiter: str | None,
    decimal: str | None,
    header_row: int | None,
    thousands: str | None,
) -> LoadedTable:
    file = str(path)
    target = Path(path)
    size = regular_size(target, file=file)
    suffix = target.suffix.lower()
    factor = FILE_MEMORY_FACTORS.get(suffix, TEXT_MEMORY_FACTOR)
    require_memory(size * factor, file=file, what=f"it is {size_text(size)}")
    if suffix not in SUPPORTED:
        _refuse_suffix(suffix, file=file)
    if sheet is not None and suffix not in EXCEL_SUFFIXES:
        raise DataError(f"a sheet ({sheet!r}) was given but this is not an Excel workbook",
                        file=file, hint="Leave the sheet empty for this file.")
    if header_row is not None and (isinstance(header_row, bool) or not isinstance(header_row, int)
                                   or header_row < 1):
        raise DataError(f"the header row must be a row number of 1 or more, not {header_row!r}",
                        file=file, hint="Give the row that holds the column names, e.g. 3.")
    if header_row not in (None, 1) and suffix not in TEXT_SUFFIXES + EXCEL_SUFFIXES:
        raise DataError("a header row applies to CSV and Excel files only", file=file,
                        hint="Leave the header row empty for this file.")
    data = _read_bytes(target, file=file, factor=factor)
    digest = hashlib.sha256(data).hexdigest()
    if _CONTENT_BYTE.search(data) is None:  # only blanks and NULs (without copying)
        raise DataError("the file is empty", file=file,
                        hint="Check that you chose the right file and that it was saved fully.")
    if suffix in TEXT_SUFFIXES:
        source = _TextSource(data)
        del data  # the source alone holds the bytes, so that they can be freed early
        return _load_text(source, file=file, digest=digest, encoding=encoding,
                          delimiter=delimiter, decimal=decimal, header_row=header_row,
                          thousands=thousands)
    if any(v is not None for v in (encoding, delimiter, decimal, thousands)):
        raise DataError("encoding, delimiter, decimal and thousands apply only to text (CSV) "
                        "files", file=file, hint="Leave them empty for this file.")
    if suffix in EXCEL_SUFFIXES:
        refuse_signature(data[:SIGNATURE_BYTES], file=file, expected="zip")
        _refuse_text_as(data, file=file, kind="an Excel workbook")
        budget = check_workbook(data, file=file)
        read = read_xlsx(io.BytesIO(data), sheet=sheet, file=file, header_row=header_row,
                         budget=budget)
        frame, counts = read.frame, read.missing
        sheet = read.sheet
    elif suffix in PARQUET_SUFFIXES:
        refuse_signature(data[:SIGNATURE_BYTES], file=file, expected="parquet")
        _refuse_text_as(data, file=file, kind="a Parquet file")
        frame, counts = _read_binary_table(data, file=file, kind="Parquet")
    else:
        refuse_signature(data[:SIGNATURE_BYTES], file=file, expected="stata")
        _refuse_text_as(data, file=file, kind="a Stata file")
        frame, counts = _read_binary_table(data, file=file, kind="Stata")
    require_rows(frame, file=file)
    return LoadedTable(frame=frame, path=file, sheet=sheet, encoding=None, delimiter=None,
                       decimal=None, sha256=digest, n_rows=len(frame), missing_markers=counts,
                       header_row=header_row)


def sheet_names(path: str | Path) -> list[str]:
    """The sheets of an ``.xlsx``/``.xlsm`` workbook, in order (for a sheet chooser).

    Raises
    ------
    DataError
        If the file is missing, not a workbook, damaged or password-protected.
    """
    file = str(path)
    target = Path(path)
    size = regular_size(target, file=file)
    if target.suffix.lower() not in EXCEL_SUFFIXES:
        raise DataError("only Excel workbooks (.xlsx) have sheets", file=file,
                        hint="Choose an .xlsx file, or leave the sheet empty.")
    require_memory(size, file=file, what=f"it is {size_text(size)}")
    data = _read_bytes(target, file=file, factor=1.0)
    refuse_signature(data[:SIGNATURE_BYTES], file=file, expected="zip")
    _refuse_text_as(data, file=file, kind="an Excel workbook")
    check_workbook(data, file=file)
    return list_sheets(io.BytesIO(data), file=file)


FILE_MEMORY_FACTORS = {".xlsx": 1.0, ".xlsm": 1.0, ".parquet": 1.0, ".pq": 1.0,
                       ".dta": STATA_MEMORY_FACTOR}
"""Peak memory of a load as a multiple of the file's size, checked before reading (a CSV's
expansion was measured by benchmarks/bench_memory.py).  Workbooks and Parquet files are then
budgeted from what they unpack to (``budget.check_workbook``/``check_sheet``, the Parquet
metadata), so only their bytes are counted here."""


def _refuse_text_as(data: bytes, *, file: str, kind: str) -> None:
    """A text table given a binary format's extension gets a clear message."""
    if file_signature(data[:16]) is not None:
        return
    try:
        decoded = decode_text(data[:65536], file=file)
    except DataError:
        return
    if any(d in decoded.text for d in DELIMITERS):
        raise DataError(f"this is a text (CSV) file, not {kind}", file=file,
                        hint="Rename it to .csv and load it again.")


def _refuse_suffix(suffix: str, *, file: str) -> None:
    shown = ", ".join(SUPPORTED)
    if suffix in (".xls", ".xlsb", ".ods", ".numbers"):
        raise DataError(f"{suffix} workbooks are not supported", file=file,
                        hint="Open it in Excel (or LibreOffice) and save it as .xlsx.")
    raise DataError(f"files ending in '{suffix or '(no extension)'}' are not supported",
                    file=file, hint=f"Save the data as one of: {shown}.")


def _read_bytes(target: Path, *, file: str, factor: float) -> bytes:
    """The file's bytes, refused when they pass what the free memory allows (the size
    checked before reading may have been wrong, or the file grew)."""
    return read_within(target, limit=read_limit(factor), file=file, need_per_byte=factor)


@dataclass(eq=False)
class _TextSource:
    """A text file's bytes and, once decoded, its text; each is dropped (set to ``None``) as
    soon as it is no longer needed, since for a large file each is about the file's size.
    Mutable on purpose: it exists to let go of memory, and never leaves this module."""

    data: bytes | None
    text: str | None = None
    encoding: str = ""
    notes: tuple[str, ...] = ()

    @property
    def content(self) -> bytes:
        """The file's bytes (an error in this module if they were already let go)."""
        if self.data is None:
            raise RuntimeError("the file's bytes were read after they were let go")
        return self.data

    def decode(self, *, file: str, encoding: str | None) -> None:
        decoded = decode_text(self.content, file=file, encoding=encoding)
        self.text, self.encoding, self.notes = decoded.text, decoded.encoding, decoded.notes


def _load_text(source: _TextSource, *, file: str, digest: str, encoding: str | None,
               delimiter: str | None, decimal: str | None,
               header_row: int | None = None,
               thousands: str | None = None) -> LoadedTable:
    refuse_signature(source.content[:SIGNATURE_BYTES], file=file, expected="text")
    source.decode(file=file, encoding=encoding)
    reported, offset = source.encoding, 0
    if header_row is not None and header_row > 1 and source.text:
        lines = source.text.split("\n", header_row - 1)
        if len(lines) < header_row:
            raise DataError(f"the header row {header_row} is past the end of the file",
                            file=file, rows=[header_row],
                            hint="Give the row that holds the column names.")
        offset, source.text = header_row - 1, lines[-1]
        source.data = source.text.encode("utf-8")  # the parsers read the trimmed table
        source.encoding = "utf-8"
    if not source.text or source.text.isspace():
        raise DataError("the file is empty", file=file,
                        hint="Check that you chose the right file and that it was saved fully.")
    if delimiter is None:
        delimiter = sniff_delimiter(source.text)
    elif delimiter not in DELIMITERS:
        raise DataError(f"the delimiter {delimiter!r} is not supported", file=file,
                        hint="Use one of: comma, semicolon, tab, or |.")
    if decimal not in (None, ".", ","):
        raise DataError(f"the decimal separator {decimal!r} is not supported", file=file,
                        hint="Use '.' or ','.")
    if decimal == delimiter:
        raise DataError("the decimal separator and the delimiter are both ','", file=file,
                        hint="Files with decimal commas separate columns with ';'.")
    decimal = _check_thousands(thousands, decimal, file=file)
    with rows_below_header(header_row):
        raw = _parse_text(source, delimiter=delimiter, encoding=encoding, file=file)
        if raw.empty:
            raise DataError("the file holds no values, only delimiters and blank lines",
                            file=file, hint="Check that you chose the right file and that it "
                                            "was saved fully.")
        header = clean_header(list(raw.iloc[0]), file=file)
        body = raw.iloc[1:].reset_index(drop=True)
        del raw  # its cells are shared with body: let body be their last owner
        body = drop_unnamed_empty(body, header, file=file)
        body = drop_trailing_blank_rows(body)
        require_rows(body, file=file)
    notes = list(source.notes)
    if decimal is None and delimiter == ",":  # a comma-separated file has decimal points
        decimal = "."
    elif decimal is None:
        sample = [v.strip() for v in body.iloc[:DECIMAL_SNIFF_ROWS].to_numpy().ravel()
                  if isinstance(v, str)]
        if thousands:  # a chosen separator (here a space) does not hide the decimal mark
            sample = [normalise_spaces(v).replace(thousands, "") for v in sample]
        decimal = sniff_decimal(sample, delimiter=delimiter)
        if thousands is None:  # the reading of 1,700 was a guess: say so
            notes += [c.note() for c in ambiguous_columns(body, decimal=decimal,
                                                          evidence_cells=sample)]
    with rows_below_header(header_row):
        frame, counts = finish_text_frame(body, decimal=decimal, consume=True,
                                          thousands=thousands)
    if offset:
        frame.index = pd.RangeIndex(offset, offset + len(frame))
    return LoadedTable(frame=frame, path=file, sheet=None, encoding=reported,
                       delimiter=delimiter, decimal=decimal, sha256=digest,
                       n_rows=len(frame), missing_markers=counts, thousands=thousands,
                       notes=tuple(notes), header_row=header_row)


def _check_thousands(thousands: str | None, decimal: str | None, *, file: str) -> str | None:
    """Check the thousands separator against the decimal mark; return the decimal mark (the
    other of comma and point when only the thousands separator was chosen)."""
    if thousands is None:
        return decimal
    if thousands not in THOUSANDS_SEPARATORS:
        raise DataError(f"the thousands separator {thousands!r} is not supported", file=file,
                        hint="Use ',', '.', a space, or none.")
    if thousands == decimal:
        raise DataError(f"the thousands separator and the decimal mark are both {decimal!r}",
                        file=file, hint="Choose different marks, e.g. thousands ',' with "
                                        "decimal '.', or thousands '.' with decimal ','.")
    if decimal is None:
        return {",": ".", ".": ","}.get(thousands)
    return decimal


_LINE_IN_MESSAGE = re.compile(r"line (\d+)")
_CONTENT_BYTE = re.compile(rb"[^ \t\r\n\x00]")


def _parse_text(source: _TextSource, *, delimiter: str, encoding: str | None,
                file: str) -> pd.DataFrame:
    """Every line as text cells: Arrow's reader for plain UTF-8 files, else pandas'.

    Arrow reads the bytes, so the decoded text is dropped first (and decoded again, the same
    way, only if Arrow declines the file); the bytes are dropped once parsed.
    """
    start = utf8_start(source.content, source.encoding)
    if start is not None:
        source.text = None
        raw = arrow_table_frame(source.content, start=start, delimiter=delimiter)
        if raw is not None:
            source.data = None
            return drop_leading_blank_rows(raw)
        source.decode(file=file, encoding=encoding)
    source.data = None
    text, source.text = source.text, None
    if text is None:
        raise RuntimeError("the file's text was read after it was let go")
    return _parse_csv(text, delimiter=delimiter, file=file)


def _parse_csv(text: str, *, delimiter: str, file: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, dtype=str,
                          keep_default_na=False, na_filter=False, skip_blank_lines=False,
                          engine="c")
    except pd.errors.ParserError as exc:
        raise _ragged_error(str(exc), file=file) from None
    except (ValueError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"the file cannot be read as a table ({exc})", file=file,
                        hint="Open it in Excel and save it again as CSV.") from None
    return drop_leading_blank_rows(raw)


def _ragged_error(message: str, *, file: str) -> DataError:
    numbers = [int(n) for n in _LINE_IN_MESSAGE.findall(message)]
    if "EOF inside string" in message:
        return DataError(
            "a quoted value is never closed (a \" without its partner)", file=file,
            rows=numbers[-1:], hint="Open the file in Excel and save it again as CSV.")
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if match:
        expected, line, seen = (int(g) for g in match.groups())
        return DataError(
            f"this row has {seen} values but the header has {expected} columns",
            file=file, rows=[line],
            hint="Check for an unquoted delimiter inside a value, or an extra delimiter; "
                 "or choose the delimiter yourself.")
    return DataError(f"the file cannot be read as a table ({message.strip()})", file=file,
                     rows=numbers[:1], hint="Open it in Excel and save it again as CSV.")


def _read_binary_table(data: bytes, *, file: str, kind: str) -> tuple[pd.DataFrame, dict]:
    try:
        if kind == "Parquet":
            raw = read_parquet_within(data, file=file)
        else:
            raw = read_stata_within(data, file=file)
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure is a broken file to the user
        raise DataError(f"the {kind} file cannot be read ({type(exc).__name__}: {exc})",
                        file=file, hint=f"Check that the {kind} file is complete; export it "
                        "again or save the data as CSV.") from None
    if not isinstance(raw.index, pd.RangeIndex):  # a named index saved by pandas is data
        raw = raw.reset_index()
    raw = raw.reset_index(drop=True)
    for name in raw.columns[[isinstance(t, pd.CategoricalDtype) for t in raw.dtypes]]:
        raw[name] = raw[name].astype(object)
    header = clean_header(list(raw.columns), file=file)
    raw.columns = range(raw.shape[1])
    frame = drop_unnamed_empty(raw, header, file=file)
    return finish_text_frame(frame, decimal=".")
