"""Where the column names are when title rows sit above them.

Council exports often start with a title ("Children's services - caseload export"), a date
line and a blank row before the column names.  ``guess_header_row`` finds the row of column
names among the first rows; ``title_header_row`` accepts that guess only when every row above
it looks like a title -- fewer cells than the header (a CSV title line: "Outcomes by team,
2024" splits into two), or fewer filled cells than half the header's (a title in A1) -- so
that a header with a missing name is never mistaken for title rows above a data row.
``load_table`` uses it when the file cannot be read with the names in row 1, and says so in a
note; the import window uses the same guess.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pilot_eval.io.cells import number_text

GUESS_ROWS = 20
"""How many rows from the top are searched for the column names."""

_HEAD_BYTES = 64 * 1024


def guess_header_row(rows: list[list[object]], *, limit: int = GUESS_ROWS) -> int:
    """The 1-based row that most likely holds the column names: the first of the top
    ``limit`` rows whose filled cells are all text, at least two, and at least as many as
    any filled row below it up to ``limit`` (a title row above has fewer)."""
    top = rows[:limit]
    widest = max((len(_filled(r)) for r in top), default=0)
    for i, row in enumerate(top):
        cells = _filled(row)
        if len(cells) >= max(2, widest) and all(isinstance(v, str) for v in cells):
            return i + 1
    return 1


def title_header_row(rows: list[list[object]], *, limit: int = GUESS_ROWS) -> int | None:
    """The row of column names below title rows, or ``None`` when the rows above the guess
    do not all look like titles (or the guess is row 1).  A title row has fewer cells than
    the header, or fewer filled cells than half the header's; the header has no number in it
    and the row below it is as wide (a data row)."""
    guess = guess_header_row(rows, limit=limit)
    if guess <= 1 or guess >= len(rows):
        return None
    header, below = rows[guess - 1], rows[guess]
    if any(_number(v) for v in header) or len(below) != len(header) or not _filled(below):
        return None  # a data row (a ragged one is the widest), or no data row of its width
    width = len(_filled(header))
    above = rows[:guess - 1]
    for row in above:
        if len(row) >= len(header) and 2 * len(_filled(row)) >= width:
            return None
    if sum(len(row) >= 2 and len(_filled(row)) == len(row) for row in above) >= 2:
        return None  # full rows of two or more cells above: a narrower table, not titles
    return guess


def title_text(rows: list[list[object]], header_row: int) -> str:
    """The first filled row above ``header_row``, its cells joined by commas, for the note
    that says what was skipped."""
    for row in rows[:header_row - 1]:
        cells = [str(v).strip() for v in _filled(row)]
        if cells:
            return ", ".join(cells)
    return ""


def text_head_rows(path: str | Path, *, limit: int = GUESS_ROWS) -> list[list[object]]:
    """The first ``limit`` lines of a text file, split at the delimiter that gives the widest
    rows (empty cells as ``None``); empty when the file cannot be read."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(_HEAD_BYTES)
    except OSError:
        return []
    if len(head) == _HEAD_BYTES:  # whole lines only: never a character cut in two
        head = head[:head.rfind(b"\n") + 1] or head
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:  # Windows-1252, as council exports often are
        text = head.decode("cp1252", errors="replace")
    lines = text.splitlines()[:limit]
    best: list[list[object]] = []
    for delimiter in (",", ";", "\t", "|"):
        rows: list[list[object]] = [
            [cell if cell.strip() else None for cell in row]
            for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)]
        if _widest(rows) > _widest(best):
            best = rows
    return best


def sheet_head_rows(data: bytes, *, sheet: str | None,
                    limit: int = GUESS_ROWS) -> list[list[object]]:
    """The first ``limit`` rows of an Excel sheet (default: the first); empty when the
    workbook cannot be read (the full read has already said why)."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - only a guess is at stake
        return []
    try:
        names = list(workbook.sheetnames)
        name = sheet if sheet is not None else (names[0] if names else None)
        if name not in names:
            return []
        worksheet = workbook[name]
        worksheet.reset_dimensions()
        rows = [list(row) for row in worksheet.iter_rows(max_row=limit, values_only=True)]
    except Exception:  # noqa: BLE001 - a damaged sheet: the full read has said so
        return []
    finally:
        workbook.close()
    width = _widest(rows)  # a sheet's rows are as wide as its widest: cells are not fields
    return [row + [None] * (width - len(row)) for row in rows]


def title_note(header_row: int, title: str) -> str:
    """The sentence the user reads when the column names were found below title rows."""
    shown = title if len(title) <= 60 else title[:57] + "..."
    above = "row 1 looks" if header_row == 2 else f"rows 1-{header_row - 1} look"
    return (f"The column names were read from row {header_row}: {above} like a title"
            + (f" ('{shown}')" if shown else "") + ", not column names. If that is wrong, "
            "choose the row that holds the column names (command line: --header-row N).")


def _filled(row: list[object]) -> list[object]:
    return [v for v in row if not (v is None or (isinstance(v, str) and not v.strip()))]


def _number(value: object) -> bool:
    """A number cell, by the loader's own rule for either decimal mark (``cells.number_text``)."""
    if isinstance(value, int | float):
        return True
    text = str(value).strip()
    return any(number_text(text, decimal=mark) is not None for mark in (".", ","))


def _widest(rows: list[list[object]]) -> int:
    return max((len(r) for r in rows), default=0)
