"""Read a column of dates written in UK order (day first) or ISO order (year first).

The format is decided for the whole column, never cell by cell, and a date such as
``03/04/2024`` is always 3 April 2024.  Values that can only be US order (``12/25/2024``) are an
error that says so, rather than a silent swap of day and month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pilot_eval.errors import DataError
from pilot_eval.io.cells import MISSING_MARKERS
from pilot_eval.io.frames import FIRST_DATA_ROW, spreadsheet_rows

_TIME = (r"(?:[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?Z?)?")
"""An optional time of day (seconds and a UTC "Z" optional); fractions of a second are dropped."""
ISO_PATTERN = (rf"^(?P<year>\d{{4}})(?P<isep>[-/.])(?P<month>\d{{1,2}})(?P=isep)"
               rf"(?P<day>\d{{1,2}}){_TIME}$")
UK_PATTERN = (rf"^(?P<day>\d{{1,2}})(?P<sep>[/.-])(?P<month>\d{{1,2}})(?P=sep)"
              rf"(?P<year>\d{{4}}|\d{{2}}){_TIME}$")
TWO_DIGIT_PIVOT = 69
"""Two-digit years up to 69 are 20xx, later ones 19xx (the C library's ``%y`` rule)."""


def _fail(message: str, *, file: str | None, column: str, positions: list[int],
          hint: str) -> DataError:
    return DataError(message, file=file, column=column, rows=spreadsheet_rows(positions),
                     hint=hint)


def _examples(values: pd.Series, positions: list[int]) -> str:
    shown = [f"'{values.iloc[p]}'" for p in positions[:5]]
    return ", ".join(shown) + (" ..." if len(positions) > 5 else "")


def parse_dates(
    series: pd.Series,
    *,
    column: str,
    file: str | None = None,
    date_format: str | None = None,
) -> pd.Series:
    """Parse a column of dates; return ``datetime64[ns]`` with the same index and name.

    Parameters
    ----------
    series:
        The column as loaded (position ``i`` is spreadsheet row ``i + 2``).  Datetime columns
        (for example from Excel or Stata) are returned unchanged.
    column, file:
        Named in error messages.
    date_format:
        A ``strftime`` format (``"%m/%d/%Y"``) to force; otherwise UK (dd/mm/yyyy,
        dd-mm-yyyy, dd/mm/yy, dd.mm.yyyy) or ISO (yyyy-mm-dd, optionally with a time) is
        detected for the whole column.

    Raises
    ------
    DataError
        When values are in US order, are not dates, or do not fit the column's format; the
        rows and values are named.
    """
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series.copy()
    if pd.api.types.is_numeric_dtype(series.dtype) and not series.isna().all():
        raise DataError("this column holds numbers, not dates", file=file, column=column,
                        hint="Choose the column with the dates; if these are Excel date "
                             "numbers (such as 45000), format the column as dates in Excel "
                             "(dd/mm/yyyy) before saving.")
    distinct, inverse = _distinct_text(series)  # a date column repeats a lot
    try:
        parsed = _parse_distinct(pd.Series(distinct, dtype=object), column=column, file=file,
                                 date_format=date_format)
    except DataError as exc:  # rows refer to distinct values: name every row that has them
        failing = [r - FIRST_DATA_ROW for r in exc.rows]
        exc.rows = tuple(spreadsheet_rows(np.flatnonzero(np.isin(inverse, failing))))
        raise
    return pd.Series(parsed.to_numpy(dtype="datetime64[ns]")[inverse], index=series.index,
                     name=series.name)


def _distinct_text(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(texts, return_inverse=True)`` of the column's values as text (missing: "").

    Hashes the column first (``pd.factorize``) so only its few distinct values are turned into
    text and sorted: the same arrays as ``np.unique`` on all rows, without sorting 1M strings.
    """
    codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    texts = np.asarray(uniques, dtype=object).astype(str)
    if bool((codes < 0).any()):
        texts = np.append(texts, "")  # code -1 (missing) takes this last ""
    distinct, merged = np.unique(texts, return_inverse=True)
    return distinct, merged.reshape(-1)[codes]


def _parse_distinct(series: pd.Series, *, column: str, file: str | None,
                    date_format: str | None) -> pd.Series:
    text = series.astype(object).map(lambda v: "" if v is None or v != v else str(v).strip())
    missing = text.str.lower().isin(MISSING_MARKERS)
    if date_format is not None:
        parsed = pd.to_datetime(text.where(~missing), format=date_format, errors="coerce")
        _check_all_parsed(text, missing, parsed, file=file, column=column,
                          expected=f"the format {date_format}")
        return parsed
    iso = text.str.extract(ISO_PATTERN)
    uk = text.str.extract(UK_PATTERN)
    n_iso = int(iso["year"].notna().sum())
    n_uk = int(uk["year"].notna().sum())
    if n_iso == 0 and n_uk == 0 and bool((~missing).any()):
        first = [int(p) for p in (~missing).to_numpy().nonzero()[0]]
        raise _fail(f"these values are not dates in a form the tool reads: "
                    f"{_examples(text, first)}", file=file, column=column, positions=first,
                    hint="Write dates as dd/mm/yyyy (UK order) or yyyy-mm-dd.")
    if n_uk > n_iso:
        _refuse_us_order(uk, text, file=file, column=column)
        parts, expected = uk, "dd/mm/yyyy (UK order)"
    else:
        parts, expected = iso, "yyyy-mm-dd"
    parsed = _assemble(parts)
    _check_all_parsed(text, missing, parsed, file=file, column=column, expected=expected)
    return parsed


def _refuse_us_order(uk: pd.DataFrame, text: pd.Series, *, file: str | None,
                     column: str) -> None:
    first = pd.to_numeric(uk["day"], errors="coerce")
    second = pd.to_numeric(uk["month"], errors="coerce")
    us_only = (first <= 12) & (second > 12) & (second <= 31)
    if bool(us_only.any()):
        positions = [int(p) for p in us_only.to_numpy().nonzero()[0]]
        raise _fail(
            f"{_examples(text, positions)} can only be month/day/year (US order), but this "
            "tool reads dates as day/month/year (UK order)", file=file, column=column,
            positions=positions,
            hint="Re-save the dates as dd/mm/yyyy or yyyy-mm-dd, or give the date format "
                 "%m/%d/%Y explicitly if the whole column is in US order.")


def _assemble(parts: pd.DataFrame) -> pd.Series:
    year = pd.to_numeric(parts["year"], errors="coerce")
    short = parts["year"].str.len() == 2
    century = (year <= TWO_DIGIT_PIVOT).map({True: 2000, False: 1900})
    year = year.where(~short, year + century)
    fields = {
        "year": year,
        "month": pd.to_numeric(parts["month"], errors="coerce"),
        "day": pd.to_numeric(parts["day"], errors="coerce"),
        "hour": pd.to_numeric(parts["hour"], errors="coerce").fillna(0),
        "minute": pd.to_numeric(parts["minute"], errors="coerce").fillna(0),
        "second": pd.to_numeric(parts["second"], errors="coerce").fillna(0),
    }
    frame = pd.DataFrame(fields)
    valid = frame[["year", "month", "day"]].notna().all(axis=1)
    out = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[ns]")
    if bool(valid.any()):
        out[valid] = pd.to_datetime(frame[valid].astype("int64"), errors="coerce")
    return out


def _check_all_parsed(text: pd.Series, missing: pd.Series, parsed: pd.Series, *,
                      file: str | None, column: str, expected: str) -> None:
    failed = (~missing) & parsed.isna().to_numpy()
    if bool(failed.any()):
        positions = [int(p) for p in failed.to_numpy().nonzero()[0]]
        raise _fail(
            f"{_examples(text, positions)} "
            f"{'are not valid dates' if len(positions) > 1 else 'is not a valid date'} "
            f"in {expected}", file=file, column=column, positions=positions,
            hint="Correct these cells (or leave them empty) so that every date has the "
                 "same form as the rest of the column.")
