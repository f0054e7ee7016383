"""Build a clean frame from a header row and text cells, the same way for every format.

Shared rules: header names are stripped; a blank header over an empty column drops that column
(Excel often writes trailing empty columns), a blank header over data is refused, as are
duplicate names; trailing blank rows are dropped, inner blank rows are kept so that position
``i`` in the frame is spreadsheet row ``i + 2``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import pandas as pd

from pilot_eval.errors import DataError
from pilot_eval.io.cells import (
    BATCH_CELLS,
    BATCH_MAX_ROWS,
    clean_text_column,
    clean_text_columns,
)

FIRST_DATA_ROW = 2
"""Spreadsheet row of the frame's first row (the header is row 1)."""


@contextmanager
def rows_below_header(header_row: int | None) -> Iterator[None]:
    """Errors raised inside count the header as row 1; when the header is spreadsheet row
    ``header_row`` (title rows above it), shift their rows so that they name the rows the
    spreadsheet shows, and their hints the header's row."""
    try:
        yield
    except DataError as error:
        offset = (header_row or 1) - 1
        if not offset:
            raise
        hint = (error.hint or "").replace("in the first row", f"in row {header_row}")
        raise DataError(error.message, file=error.file,
                        rows=[r + offset for r in error.rows], column=error.column,
                        hint=hint or None) from None


def spreadsheet_rows(positions: Sequence[int]) -> list[int]:
    """1-based spreadsheet rows for 0-based frame positions."""
    return [int(p) + FIRST_DATA_ROW for p in positions]


def column_letter(index: int) -> str:
    """Spreadsheet column letter for a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def clean_header(names: Sequence[object], *, file: str) -> list[str]:
    """Strip header names and refuse duplicates (naming both columns)."""
    cleaned = ["" if n is None or (isinstance(n, float) and n != n) else str(n).strip()
               for n in names]
    seen: dict[str, int] = {}
    for index, name in enumerate(cleaned):
        if not name:
            continue
        if name in seen:
            first = seen[name]
            raise DataError(
                f"the header name '{name}' appears twice (columns {column_letter(first)} "
                f"and {column_letter(index)})",
                file=file, rows=[1], column=name,
                hint="Rename one of the columns so that every header is unique.",
            )
        seen[name] = index
    return cleaned


def drop_unnamed_empty(frame: pd.DataFrame, header: list[str], *, file: str) -> pd.DataFrame:
    """Drop columns without a header name when they are empty; refuse them otherwise."""
    keep = [index for index, name in enumerate(header) if name]
    for index in (index for index, name in enumerate(header) if not name):
        column = frame.iloc[:, index]  # only the unnamed: a column slice each costs (5,000)
        filled = np.array([v is not None and pd.notna(v) and str(v).strip() != ""
                           for v in column.to_numpy(dtype=object)], dtype=bool)
        if filled.any():
            first = int(filled.nonzero()[0][0])
            raise DataError(
                f"column {column_letter(index)} holds data but has no header name",
                file=file, rows=spreadsheet_rows([first]),
                hint="Type a name for the column in the first row.",
            )
    out = frame.copy() if len(keep) == len(header) else frame.iloc[:, keep].copy()
    out.columns = [header[i] for i in keep]
    return out


def _blank_row(frame: pd.DataFrame, position: int) -> bool:
    return all(v is None or v != v or str(v).strip() == "" for v in frame.iloc[position])


def drop_trailing_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Remove blank rows at the end (inner blank rows stay, to keep row numbers)."""
    last = len(frame)
    while last and _blank_row(frame, last - 1):
        last -= 1
    return frame if last == len(frame) else frame.iloc[:last].reset_index(drop=True)


def drop_leading_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Remove blank rows before the header (a file that starts with empty lines)."""
    first = 0
    while first < len(frame) and _blank_row(frame, first):
        first += 1
    return frame if first == 0 else frame.iloc[first:].reset_index(drop=True)


def _columns_of(frame: pd.DataFrame, names: list[str]) -> dict[str, pd.Series]:
    """Each column of ``frame`` as its own series over its own cells array (never a view of
    the frame's block).  A wide table of text cells (few rows, thousands of columns) is taken
    out of its one block with one 2-D copy: ``iloc`` per column costs ~50 us each."""
    if len(frame) <= BATCH_MAX_ROWS and all(dtype == np.dtype(object) for dtype in frame.dtypes):
        values = frame.to_numpy(dtype=object)
        return {name: pd.Series(values[:, i].copy(), name=name)
                for i, name in enumerate(names)}
    return {name: frame.iloc[:, i].copy() for i, name in enumerate(names)}


def finish_text_frame(
    frame: pd.DataFrame, *, decimal: str, consume: bool = False, thousands: str | None = None
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Type every text column; return the new frame and the missing count per column.

    With ``consume=True`` each column is removed from ``frame`` as soon as it is typed (the
    frame is left empty), so that its text cells can be freed one column at a time rather
    than all at the end; the loader uses this for its own intermediate frame.
    """
    columns: dict[str, pd.Series] = {}
    counts: dict[str, int] = {}
    n_rows = len(frame)
    names = list(frame.columns)
    if consume:
        # Take every column out at once, then empty the frame in one step: a ``pop`` per
        # column re-slices the frame's blocks each time, quadratic in the number of columns
        # (a 5,000-column file never finished). ``copy`` gives each column its own cells array
        # (pointers; Arrow columns are shared, not copied), so each is freed once typed.
        pending = _columns_of(frame, names)
        frame.drop(columns=names, inplace=True)
    batch_size = max(1, BATCH_CELLS // max(n_rows, 1)) if n_rows <= BATCH_MAX_ROWS else 1
    for first in range(0, len(names), batch_size):
        batch = names[first:first + batch_size]
        cells = [pending.pop(name) if consume else frame[name] for name in batch]
        text = [c.dtype == object or pd.api.types.is_string_dtype(c.dtype) for c in cells]
        typed_text = iter(
            clean_text_columns([c for c, t in zip(cells, text, strict=True) if t],
                               decimal=decimal, thousands=thousands) if batch_size > 1 else
            [clean_text_column(c, decimal=decimal, thousands=thousands)
             for c, t in zip(cells, text, strict=True) if t])
        for name, column, is_text in zip(batch, cells, text, strict=True):
            typed, n_missing = (next(typed_text) if is_text
                                else (column, int(column.isna().sum())))
            columns[name] = typed
            if n_missing:
                counts[name] = n_missing
        del cells, column  # with consume=True, the last references to these columns' text
    out = pd.DataFrame(columns, index=pd.RangeIndex(n_rows))
    return out, counts


def require_rows(frame: pd.DataFrame, *, file: str) -> None:
    """Refuse a table with a header but no data rows."""
    if len(frame) == 0:
        raise DataError(
            "the file has a header row but no data rows", file=file,
            hint="Check that you chose the right file (or sheet) and that it was saved fully.",
        )
