"""Export result tables to CSV or Excel (.xlsx) without formula injection.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run
as a formula when the file is opened in a spreadsheet (``=HYPERLINK(...)``, ``@SUM(...)``,
``-2+3+cmd|...``).  Team names, outcome labels and column headers come from user data, so every
text cell and header that starts with one of those characters is prefixed with a single quote
(``'``), which spreadsheets show as plain text.  Numbers stay numbers; missing values are
written as empty cells; infinities as the text ``Infinity`` / ``'-Infinity``; in Excel files,
numbers beyond Excel's largest (9.99999999999999E+307) as their exact text.

Files are written atomically (a temporary file, then a rename), so a failed export never leaves
half a file behind.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Mapping
from numbers import Number
from pathlib import Path

import numpy as np
import pandas as pd

from pilot_eval.atomic import write_bytes
from pilot_eval.errors import PilotEvalError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters a spreadsheet may treat as the start of a formula (OWASP CSV injection)."""
QUOTE = "'"
CSV_ENCODING = "utf-8-sig"  # the byte-order mark makes Excel read UTF-8 correctly
EXCEL_SHEET_CHARS = 31
EXCEL_LARGEST = 9.99999999999999e307
"""Excel's largest number ("Specifications and limits"); larger ones are written as text."""
_SHEET_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


class ExportError(PilotEvalError, ValueError):
    """A table cannot be exported as asked (unknown format, file locked, no permission)."""


def neutralise(value: object, *, quote: bool = True) -> object:
    """A cell as it may safely be written: dangerous text quoted, numbers unchanged.

    ``None``/NaN/NaT -> ``None``; +/-infinity -> ``"Infinity"``/``"'-Infinity"``; booleans and
    finite numbers unchanged (numpy scalars become Python numbers); other values are text.
    Text that is just a number (``"-12.3"``) cannot run anything and is left as it is.  With
    ``quote=False`` (Excel workbooks, where the writer marks such cells as text instead) no
    quote is added.
    """
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, Number) and not isinstance(value, complex):
        number = value.item() if isinstance(value, np.generic) else value
        if isinstance(number, float):
            if math.isnan(number):
                return None
            if math.isinf(number):
                return "Infinity" if number > 0 else (QUOTE if quote else "") + "-Infinity"
        return number
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).isoformat()
    text = str(value)
    return QUOTE + text if quote and dangerous(text) else text


PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?")


def dangerous(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (a plain number cannot run)."""
    return text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text)


def neutralise_frame(frame: pd.DataFrame, *, quote: bool = True) -> pd.DataFrame:
    """A new frame ready to write: index as columns (unless a plain 0..n-1), cells and headers
    neutralised.  The input is not changed."""
    table = frame if isinstance(frame.index, pd.RangeIndex) else frame.reset_index()
    columns = [neutralise(c, quote=quote) for c in table.columns]
    out = {}
    for position, name in enumerate(columns):
        column = table.iloc[:, position]
        key = name if name is not None else f"column {position + 1}"
        if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(
                column.dtype):
            out[key] = [neutralise(v, quote=quote) for v in column.to_numpy(dtype=float)] \
                if pd.api.types.is_float_dtype(column.dtype) else column.to_numpy().tolist()
        else:
            out[key] = [neutralise(v, quote=quote) for v in column.tolist()]
    return pd.DataFrame(out, columns=list(out), dtype=object)


def export_table(frame: pd.DataFrame, path: str | Path, *, sheet: str = "Results") -> Path:
    """Write ``frame`` to ``path`` (``.csv`` or ``.xlsx``, chosen by the suffix).

    Raises
    ------
    ExportError
        For another suffix, or when the file cannot be written (open in Excel, no permission).
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".csv":
        return _write(target, csv_bytes(frame))
    if suffix == ".xlsx":
        return _write(target, xlsx_bytes({sheet: frame}))
    raise ExportError(f"cannot export to a '{suffix or '(no extension)'}' file", file=str(path),
                      hint="Choose a file name ending in .csv or .xlsx.")


def export_tables(tables: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write several tables into one ``.xlsx`` workbook, one sheet each (names shortened to
    Excel's 31 characters, forbidden characters replaced)."""
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise ExportError("several tables can only be exported to an Excel workbook",
                          file=str(path), hint="Choose a file name ending in .xlsx.")
    if not tables:
        raise ExportError("there are no tables to export", file=str(path),
                          hint="Run an analysis first.")
    return _write(target, xlsx_bytes(tables))


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The CSV file's bytes (UTF-8 with byte-order mark, comma-separated, CRLF line ends)."""
    text = neutralise_frame(frame).to_csv(index=False, lineterminator="\r\n")
    return text.encode(CSV_ENCODING)


def xlsx_bytes(tables: Mapping[str, pd.DataFrame], *,
               stamp: dt.datetime | None = None, widths: bool = False) -> bytes:
    """The workbook's bytes; every text cell is stored as text (never as a formula).

    A text cell a spreadsheet could read as a formula keeps its text as it is (``-12.3``
    stays readable, not ``'-12.3``) and is marked "quote prefix", so Excel shows it as text
    and keeps it text when edited.  ``stamp`` fixes the document's created/modified times
    and every zip entry's time, so the same tables give the same bytes (default: 1 January
    1980, the zip format's epoch).  ``widths`` sizes each column to its longest cell.
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    stamp = (stamp or ZIP_EPOCH).replace(tzinfo=None, microsecond=0)
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "pilot-eval"
    workbook.properties.created = workbook.properties.modified = stamp
    used: set[str] = set()
    for name, frame in tables.items():
        sheet = workbook.create_sheet(_sheet_name(str(name), used))
        safe = neutralise_frame(frame, quote=False)
        rows = [list(safe.columns), *safe.itertuples(index=False, name=None)]
        for row in rows:
            sheet.append([_xlsx_cell(v, ILLEGAL_CHARACTERS_RE) for v in row])
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # openpyxl would store "=..." as a formula
                    if dangerous(cell.value):
                        cell.quotePrefix = True
        if widths:
            _size_columns(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _restamp(buffer.getvalue(), stamp)


ZIP_EPOCH = dt.datetime(1980, 1, 1)
MAX_WIDTH = 60


def _size_columns(sheet) -> None:
    from openpyxl.utils import get_column_letter

    for index, column in enumerate(sheet.iter_cols(), start=1):
        longest = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        sheet.column_dimensions[get_column_letter(index)].width = min(longest + 2, MAX_WIDTH)


def _restamp(data: bytes, stamp: dt.datetime) -> bytes:
    """The same zip with every entry dated ``stamp`` (openpyxl dates them now) and the
    document properties' times fixed, so equal workbooks are equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute,
            stamp.second)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" +
                              stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode(), body)
            entry = zipfile.ZipInfo(info.filename, date_time=when)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, body)
    return out.getvalue()


def _xlsx_cell(value: object, illegal) -> object:
    """Text without the control characters XML cannot hold (removing them can bring a formula
    character to the front, e.g. "\x08@": the writer marks cells only after this, so such a cell
    still gets its quote prefix); numbers beyond Excel's range as their exact text (Excel would
    read them as infinity)."""
    if isinstance(value, str):
        return illegal.sub("", value)
    if isinstance(value, float) and abs(value) > EXCEL_LARGEST:
        return repr(value)
    return value


def _sheet_name(name: str, used: set[str]) -> str:
    base = (name.translate(_SHEET_FORBIDDEN).strip("'") or "Sheet")[:EXCEL_SHEET_CHARS]
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = base[:EXCEL_SHEET_CHARS - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _write(target: Path, data: bytes) -> Path:
    if target.is_dir():
        raise ExportError("this is a folder, not a file", file=str(target),
                          hint="Choose a file name for the export.")
    return write_bytes(target, data)  # OS errors: FileAccessError naming the path and the fix
