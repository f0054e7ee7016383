"""Rows the analyst leaves out of a table: totals and subtotals rows, or any row by number.

Exported reports often end with a "Total" or "All teams" row that sums the rows above it; left
in, it would count as one more team.  ``totals_rows(frame, columns)`` finds them (the validation
lists them with the fix), and ``exclude_rows(table, rows)`` returns the table without the rows
the analyst chose (1-based spreadsheet rows, as the checks list them and as ``--exclude-rows``
takes them).  The frame keeps its original index, so the rows of every later message still
point at the right spreadsheet row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import pandas as pd

from pilot_eval.errors import PilotEvalError
from pilot_eval.estimators import PanelColumns
from pilot_eval.io.frames import FIRST_DATA_ROW

TOTAL_LABEL = re.compile(
    r"^\s*(grand\s+|sub[-\s]?)?totals?\b|^\s*all(\s+(teams|areas|units|councils|services|"
    r"localities|districts|offices))?\s*$|^\s*overall\s*$|^\s*sum\s*$", re.IGNORECASE)


def totals_rows(frame: pd.DataFrame, columns: PanelColumns) -> list[int]:
    """Spreadsheet rows (1-based) that look like totals: a key column (unit, period or group)
    saying "Total", "Subtotal", "All teams", "Overall"..., or a blank unit with an outcome."""
    keys = [c for c in (columns.unit, columns.time, columns.group, columns.cluster)
            if c is not None and c in frame.columns]
    if not keys:
        return []
    found = pd.Series(False, index=frame.index)
    for name in keys:
        found |= _labelled_total(frame[name])
    if columns.unit in frame.columns and columns.outcome in frame.columns:
        found |= frame[columns.unit].isna() & frame[columns.outcome].notna()
    return [int(i) + FIRST_DATA_ROW for i in _labels(frame)[found.to_numpy()]]


def _labelled_total(values: pd.Series) -> np.ndarray:
    """Per row: the value, as text, reads "Total", "All teams", ... (``TOTAL_LABEL``).

    Numbers, dates and booleans never do; text is matched once per distinct value (a 100k-row
    panel has a few hundred teams and periods)."""
    out = np.zeros(len(values), dtype=bool)
    if (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
            or pd.api.types.is_datetime64_any_dtype(values)):
        return out
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = pd.Series(uniques, dtype=object).astype("string")
    hit = text.str.match(TOTAL_LABEL).fillna(False).astype(bool).to_numpy()
    given = codes >= 0
    out[given] = hit[codes[given]]
    return out


def _labels(frame: pd.DataFrame):
    """Each row's original position (its index label when the table was trimmed)."""
    return frame.index.to_numpy()


def parse_rows(text: str, *, option: str = "--exclude-rows") -> tuple[int, ...]:
    """``"552,553"`` or ``"552-560, 600"`` -> spreadsheet row numbers."""
    rows: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        match = re.fullmatch(r"(\d+)\s*(?:-\s*(\d+))?", part)
        if match is None:
            raise PilotEvalError(f"{option} {part!r} is not a row number or a range",
                                 hint="Give spreadsheet row numbers as the checks list them, "
                                      "for example --exclude-rows 552,553 or 552-560.")
        low = int(match.group(1))
        high = int(match.group(2) or low)
        rows.extend(range(low, high + 1))
    return tuple(sorted(set(rows)))


def exclude_rows(table, rows: Iterable[int], *, file: str | None = None):
    """``table`` (a ``LoadedTable`` or a DataFrame) without the spreadsheet ``rows``.

    Raises ``PilotEvalError`` for the header row or a row past the end of the table.
    """
    rows = tuple(sorted({int(r) for r in rows}))
    if not rows:
        return table
    frame = table if isinstance(table, pd.DataFrame) else table.frame
    name = file or getattr(table, "path", None)
    labels = set(_labels(frame).tolist())
    wanted = [r - FIRST_DATA_ROW for r in rows]
    missing = [r for r, w in zip(rows, wanted, strict=True) if w not in labels]
    if missing:
        header = getattr(table, "header_row", None) or 1
        first = min(labels) + FIRST_DATA_ROW if labels else header + 1
        last = max(labels) + FIRST_DATA_ROW if labels else header
        raise PilotEvalError(
            f"row(s) {', '.join(map(str, missing))} are not data rows of this table (the data "
            f"rows are {first} to {last})", file=name, rows=missing,
            hint=f"Give the spreadsheet row numbers the checks list; the header is row {header}.")
    kept = frame.drop(index=wanted)
    if isinstance(table, pd.DataFrame):
        return kept
    return replace(table, frame=kept, n_rows=len(kept))


def rows_text(rows: Iterable[int]) -> str:
    """``[98, 99, 100, 105]`` -> ``"98-100,105"`` (what ``--exclude-rows`` takes)."""
    ordered = sorted(set(rows))
    parts: list[str] = []
    start: int | None = None
    previous: int | None = None
    for row in [*ordered, None]:
        if start is not None and previous is not None and (row is None or row != previous + 1):
            parts.append(str(start) if start == previous else f"{start}-{previous}")
            start = None
        if row is not None and start is None:
            start = row
        previous = row
    return ",".join(parts)
