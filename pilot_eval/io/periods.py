"""Map period columns (integers, dates, year-month or year-quarter text) to ordered integers.

Estimators need periods as integers whose differences count periods.  Integers are kept.  Dates
become monthly, quarterly or yearly ordinals, the frequency inferred from the spacing of the
distinct dates; text such as ``2023-01``, ``Jan 2023`` or ``2023 Q1`` becomes monthly or
quarterly ordinals.  The ordinals are absolute (``year * 12 + month - 1`` for months,
``year * 4 + quarter - 1`` for quarters, the year itself for years), so a pilot start outside the
observed periods still maps correctly.  The pilot-start (cohort) column uses the time column's
mapping; ``0``, blank and ``never`` mean never treated and become 0.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from pilot_eval.errors import DataError
from pilot_eval.io.cells import MISSING_MARKERS
from pilot_eval.io.dates import parse_dates
from pilot_eval.io.frames import FIRST_DATA_ROW, spreadsheet_rows

PeriodKind = Literal["integer", "month", "quarter", "year", "financial_year"]
PeriodSource = Literal["integer", "date", "text"]

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUMBER = {name.lower(): i + 1 for i, name in enumerate(MONTHS)}
_MONTH_NUMBER.update({
    "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7, "august": 8,
    "september": 9, "sept": 9, "october": 10, "november": 11, "december": 12,
})
_KIND_WORDS = {"month": "year-month", "quarter": "year-quarter",
               "financial_year": "financial-year"}
NEVER_MARKERS = frozenset({"0", "never", "never treated", "none", "no pilot"})

_YEAR_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_MONTH_YEAR = re.compile(r"^([A-Za-z]+)\.?[\s\-/]*(\d{4})$")
_YEAR_QUARTER = re.compile(r"^(\d{4})\s*[-/ ]?\s*[Qq]([1-4])$")
_QUARTER_YEAR = re.compile(r"^[Qq]([1-4])\s*[-/ ]?\s*(\d{4})$")
_NUMBER_TEXT = re.compile(r"^[+-]?\d+(\.\d*)?$")
_FINANCIAL_YEAR = re.compile(r"^(?:FY\s*)?(\d{4})\s*[-/]\s*(\d{2}|\d{4})$", re.IGNORECASE)
FINANCIAL_YEAR_START_MONTH = 4
"""UK public-sector financial years run from April to March."""


@dataclass(frozen=True, eq=False)  # holds a DataFrame: compare by identity
class PeriodMapping:
    """Periods converted to integers, with labels for display.

    Attributes
    ----------
    frame:
        A new frame: the time (and cohort) columns as ``int64``, other columns unchanged.
    time, cohort:
        The column names.
    kind:
        ``"integer"`` (kept as given), ``"month"``, ``"quarter"``, ``"year"`` or
        ``"financial_year"`` (April to March, numbered by the starting year, shown ``2023/24``).
    source:
        What the time column held: ``"integer"``, ``"date"`` or ``"text"``.
    labels:
        ``{period: label}`` for every period in the time and cohort columns (``"Jan 2023"``,
        ``"2023 Q1"``, ``"2023"``); 0 (never treated) has no label.
    """

    frame: pd.DataFrame = field(repr=False)
    time: str
    cohort: str | None
    kind: PeriodKind
    source: PeriodSource
    labels: dict[int, str]

    def label(self, period: int) -> str:
        """Display label of a period (falls back to the number)."""
        return self.labels.get(int(period), period_label(int(period), self.kind))

    def to_dict(self) -> dict[str, object]:
        """JSON-safe description (labels keyed by the period as text)."""
        return {"time": self.time, "cohort": self.cohort, "kind": self.kind,
                "source": self.source, "labels": {str(k): v for k, v in self.labels.items()}}


def period_label(period: int, kind: PeriodKind) -> str:
    """``"Jan 2023"`` / ``"2023 Q1"`` / ``"2023"`` / ``"7"`` for an ordinal of ``kind``."""
    if kind == "month":
        year, month = divmod(period, 12)
        return f"{MONTHS[month]} {year}"
    if kind == "quarter":
        year, quarter = divmod(period, 4)
        return f"{year} Q{quarter + 1}"
    if kind == "financial_year":
        return f"{period}/{(period + 1) % 100:02d}"
    return str(period)


def month_ordinal(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Months counted from year 0: ``year * 12 + month - 1``."""
    return np.asarray(year, dtype="int64") * 12 + np.asarray(month, dtype="int64") - 1


def quarter_ordinal(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Calendar quarters counted from year 0: ``year * 4 + (month - 1) // 3``."""
    return np.asarray(year, dtype="int64") * 4 + (np.asarray(month, dtype="int64") - 1) // 3


def infer_date_kind(month_index: np.ndarray) -> PeriodKind:
    """Year, quarter or month from the greatest common divisor of the gaps between months."""
    distinct = np.unique(month_index)
    if distinct.size < 2:
        return "month"
    step = 0
    for gap in np.diff(distinct):
        step = math.gcd(step, int(gap))
    if step % 12 == 0:
        return "year"
    if step % 3 == 0:
        return "quarter"
    return "month"


def _text(series: pd.Series) -> pd.Series:
    return series.astype(object).map(lambda v: "" if v is None or v != v else str(v).strip())


def _missing(text: pd.Series) -> pd.Series:
    return text.str.lower().isin(MISSING_MARKERS)


def _error_rows(mask: pd.Series | np.ndarray) -> list[int]:
    return spreadsheet_rows([int(p) for p in np.asarray(mask).nonzero()[0]])


def _financial_year(value: str) -> int:
    """The starting year of a UK financial year written ``2023/24``, ``2023-24``,
    ``2023/2024`` or ``FY2023/24``; -1 if ``value`` is not one."""
    m = _FINANCIAL_YEAR.match(value)
    if not m:
        return -1
    start, end = int(m[1]), int(m[2])
    return start if end in ((start + 1) % 100, start + 1) else -1


def _one_text_period(value: str) -> tuple[str, int]:
    """``(kind, ordinal)`` of one period text; ordinal -1 when it does not match."""
    if m := _YEAR_MONTH.match(value):
        year, month = int(m[1]), int(m[2])
    elif (m := _MONTH_YEAR.match(value)) and m[1].lower() in _MONTH_NUMBER:
        year, month = int(m[2]), _MONTH_NUMBER[m[1].lower()]
    elif m := _YEAR_QUARTER.match(value):
        return "quarter", int(m[1]) * 4 + int(m[2]) - 1
    elif m := _QUARTER_YEAR.match(value):
        return "quarter", int(m[2]) * 4 + int(m[1]) - 1
    else:
        return "", -1
    return "month", year * 12 + month - 1 if 1 <= month <= 12 else -1


def _text_periods(text: pd.Series, *, kind: PeriodKind | None = None
                  ) -> tuple[PeriodKind, np.ndarray] | None:
    """Financial-year, year-month or year-quarter text as (kind, ordinals with -1 for no
    match), or None.

    ``kind`` is the time column's kind when reading pilot starts.  Otherwise financial years
    win when every value reads as one and there are several (``2011/12, 2012/13``) or one that
    cannot be a month (``2023/24``); a lone ``2011/12`` is December 2011.
    """
    uniques, inverse = np.unique(text.to_numpy(dtype=str), return_inverse=True)
    parsed = [_one_text_period(v) for v in uniques]
    financial = np.array([_financial_year(v) for v in uniques], dtype="int64")
    all_financial = bool(uniques.size) and bool((financial >= 0).all())
    if kind == "financial_year" or (kind is None and all_financial and (
            uniques.size > 1 or parsed[0][1] < 0)):
        return "financial_year", financial[inverse]
    months = np.array([o if k == "month" else -1 for k, o in parsed], dtype="int64")
    quarters = np.array([o if k == "quarter" else -1 for k, o in parsed], dtype="int64")
    n_month, n_quarter = int((months[inverse] >= 0).sum()), int((quarters[inverse] >= 0).sum())
    if n_month == 0 and n_quarter == 0:
        return None
    return ("month", months[inverse]) if n_month >= n_quarter else (
        "quarter", quarters[inverse])


def _integers(series: pd.Series, text: pd.Series, *, column: str,
              file: str | None) -> np.ndarray | None:
    """Whole numbers as int64 (-1 where missing), None if the column is not numbers."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return None
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64")
    else:
        present_text = text[~_missing(text)]
        if not bool(present_text.str.match(_NUMBER_TEXT).all()):
            return None
        values = pd.to_numeric(text.where(~_missing(text)), errors="coerce").to_numpy("float64")
    present = ~np.isnan(values)
    fractional = present & (np.floor(np.where(present, values, 0)) != values)
    if fractional.any():
        raise DataError("periods must be whole numbers (or dates), but some are not",
                        file=file, column=column, rows=_error_rows(fractional),
                        hint="Use period numbers such as 2023 or 1, 2, 3, or dates; write "
                             "year and month as text such as 2023-01.")
    return np.where(present, values, -1).astype("int64")


def _convert_time(series: pd.Series, *, column: str, file: str | None
                  ) -> tuple[PeriodKind, PeriodSource, np.ndarray]:
    """The time column's kind, what it held, and its ordinals."""
    text = _text(series)
    missing = _missing(text).to_numpy()
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        missing = series.isna().to_numpy()
    if missing.any():
        raise DataError("the period is missing in some rows", file=file, column=column,
                        rows=_error_rows(missing),
                        hint="Fill in the period for these rows or delete them.")
    integers = _integers(series, text, column=column, file=file)
    if integers is not None:
        return "integer", "integer", integers
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        found = _text_periods(text)
        if found is not None:
            kind, ordinals = found
            unmatched = ordinals < 0
            if unmatched.any():
                raise DataError(
                    f"most periods look like {_KIND_WORDS[kind]} text, but these do not",
                    file=file, column=column, rows=_error_rows(unmatched),
                    hint="Write every period the same way, e.g. 2023-01, Jan 2023 or 2023 Q1.")
            return kind, "text", ordinals
    dates = parse_dates(series, column=column, file=file)
    year, month = dates.dt.year.to_numpy(), dates.dt.month.to_numpy()
    month_index = month_ordinal(year, month)
    if np.unique(dates.dt.normalize().to_numpy()).size > np.unique(month_index).size:
        raise DataError(
            "some dates fall in the same month; the tool works with monthly, quarterly or "
            "yearly periods", file=file, column=column,
            hint="Add up or average the data by month (or quarter) before loading it.")
    kind = infer_date_kind(month_index)
    return kind, "date", _ordinals_from_dates(year, month, kind)


def _ordinals_from_dates(year: np.ndarray, month: np.ndarray, kind: PeriodKind) -> np.ndarray:
    if kind == "year":
        return np.asarray(year, dtype="int64")
    if kind == "financial_year":
        before_april = np.asarray(month) < FINANCIAL_YEAR_START_MONTH
        return np.asarray(year, dtype="int64") - before_april.astype("int64")
    if kind == "quarter":
        return quarter_ordinal(year, month)
    return month_ordinal(year, month)


def _convert_cohort(series: pd.Series, *, kind: PeriodKind, source: PeriodSource,
                    column: str, file: str | None) -> np.ndarray:
    text = _text(series)
    zero = pd.to_numeric(text, errors="coerce").eq(0)
    never = (_missing(text) | text.str.lower().isin(NEVER_MARKERS) | zero).to_numpy()
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        never = series.isna().to_numpy()
    out = np.zeros(len(series), dtype="int64")
    if never.all():
        return out
    integers = _integers(series.where(~never), text.where(~never, ""), column=column,
                         file=file)  # rows stay those of the whole column
    if kind == "integer":
        if integers is None:
            raise DataError("the pilot start must be a period number like the time column "
                            "(0 or blank for never)", file=file, column=column,
                            rows=_error_rows(~never), hint="Use the same numbering as the "
                            "time column.")
        out[~never] = integers[~never]
        return out
    rest = series[~never]
    if integers is not None and pd.api.types.is_numeric_dtype(series.dtype):
        raise DataError("the pilot start holds numbers but the time column holds "
                        f"{'dates' if source == 'date' else 'month or quarter text'}",
                        file=file, column=column, rows=_error_rows(~never),
                        hint="Write the pilot start in the same form as the time column, "
                             "and 0 or blank for never.")
    found = None if pd.api.types.is_datetime64_any_dtype(rest.dtype) else _text_periods(
        text[~never], kind=kind)
    if found is not None and bool((found[1] >= 0).all()):
        text_kind, ordinals = found
        if text_kind != kind:
            raise DataError(f"the pilot start is given by {text_kind} but the time column "
                            f"by {kind}", file=file, column=column, rows=_error_rows(~never),
                            hint="Use the same kind of period in both columns.")
        out[~never] = ordinals
        return out
    dates = parse_dates(series.where(~never), column=column, file=file)
    year, month = dates[~never].dt.year.to_numpy(), dates[~never].dt.month.to_numpy()
    out[~never] = _ordinals_from_dates(year, month, kind if kind != "integer" else "month")
    return out


def _distinct(series: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes and distinct values (missing values included): periods repeat once per unit,
    so the conversions run on the few distinct values and are mapped back."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    return codes, pd.Series(uniques, dtype=series.dtype if len(uniques) else object)


@contextmanager
def _rows_of_all_copies(codes: np.ndarray) -> Iterator[None]:
    """Turn an error's rows, which count distinct values, into every row holding them."""
    try:
        yield
    except DataError as exc:
        failing = [r - FIRST_DATA_ROW for r in exc.rows]
        exc.rows = tuple(spreadsheet_rows(np.flatnonzero(np.isin(codes, failing))))
        raise


def normalise_periods(
    frame: pd.DataFrame,
    *,
    time: str,
    cohort: str | None = None,
    file: str | None = None,
) -> PeriodMapping:
    """Convert the time (and pilot-start) columns to ordered integers.

    Parameters
    ----------
    frame:
        The table (position ``i`` is spreadsheet row ``i + 2``); it is not changed.
    time:
        Period column: integers, dates (UK or ISO text, or datetime), or year-month /
        year-quarter text (``2023-01``, ``2023/01``, ``Jan 2023``, ``2023 Q1``, ``2023-Q1``).
    cohort:
        Optional pilot-start column in the same form; ``0``, blank or ``never`` -> 0.
    file:
        Named in error messages.

    Raises
    ------
    DataError
        Missing periods, mixed forms, US-order dates, sub-monthly dates, fractional periods.
    """
    for name in (time, cohort):
        if name is not None and name not in frame.columns:
            raise DataError(f"there is no column '{name}'", file=file, column=name,
                            hint="Choose one of: " + ", ".join(map(str, frame.columns)))
    codes, distinct = _distinct(frame[time])
    with _rows_of_all_copies(codes):
        kind, source, ordinals = _convert_time(distinct, column=time, file=file)
    ordinals = ordinals[codes]
    out = frame.copy()
    out[time] = pd.Series(ordinals, index=frame.index, dtype="int64")
    values = set(np.unique(ordinals).tolist())
    if cohort is not None:
        codes, distinct = _distinct(frame[cohort])
        with _rows_of_all_copies(codes):
            cohorts = _convert_cohort(distinct, kind=kind, source=source, column=cohort,
                                      file=file)[codes]
        out[cohort] = pd.Series(cohorts, index=frame.index, dtype="int64")
        values |= {int(v) for v in np.unique(cohorts) if v != 0}
    labels = {int(v): period_label(int(v), kind) for v in sorted(values)}
    return PeriodMapping(frame=out, time=time, cohort=cohort, kind=kind, source=source,
                         labels=labels)
