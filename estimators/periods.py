"""Periods as users have them: integers, dates, pandas periods or year-month text.

Estimators count periods with integers (an event time is ``period - start``).  ``encode_periods``
maps the time (and pilot-start) column of a frame to ordinals that count months, quarters or
years -- ``year * 12 + month - 1`` for months, ``year * 4 + quarter - 1`` for quarters, the year
itself for years -- and keeps a label for each (``"Apr 2024"``, ``"2024 Q2"``, ``"2024"``), so
results print periods as the user wrote them.  Integer periods are kept as they are.

The pure pieces (ordinals, labels, the period texts understood) are shared with the
application's file reader (``pilot_eval.io.periods``), which adds UK day-first dates and
spreadsheet-row error messages.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import PanelColumns
from pilot_eval.estimators.errors import EstimationError

PeriodKind = Literal["integer", "month", "quarter", "year", "financial_year"]

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NUMBER = {name.lower(): i + 1 for i, name in enumerate(MONTHS)}
MONTH_NUMBER.update({
    "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7, "august": 8,
    "september": 9, "sept": 9, "october": 10, "november": 11, "december": 12,
})
NEVER_MARKERS = frozenset({"0", "never", "never treated", "none", "no pilot"})
"""Pilot-start texts meaning never treated (besides blank and missing)."""

_YEAR_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_MONTH_YEAR = re.compile(r"^([A-Za-z]+)\.?[\s\-/]*(\d{4})$")
_YEAR_QUARTER = re.compile(r"^(\d{4})\s*[-/ ]?\s*[Qq]([1-4])$")
_QUARTER_YEAR = re.compile(r"^[Qq]([1-4])\s*[-/ ]?\s*(\d{4})$")
_FINANCIAL_YEAR = re.compile(r"^(?:FY\s*)?(\d{4})\s*[-/]\s*(\d{2}|\d{4})$", re.IGNORECASE)
FINANCIAL_YEAR_START_MONTH = 4
"""UK public-sector financial years run from April to March."""


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


def ordinals_from_dates(year: np.ndarray, month: np.ndarray, kind: PeriodKind) -> np.ndarray:
    """Ordinals of ``kind`` for dates given by year and month (months for ``integer``)."""
    if kind == "year":
        return np.asarray(year, dtype="int64")
    if kind == "financial_year":
        before_april = np.asarray(month) < FINANCIAL_YEAR_START_MONTH
        return np.asarray(year, dtype="int64") - before_april.astype("int64")
    if kind == "quarter":
        return quarter_ordinal(year, month)
    return month_ordinal(year, month)


def financial_year(value: str) -> int:
    """The starting year of a UK financial year written ``2023/24``, ``2023-24``,
    ``2023/2024`` or ``FY2023/24``; -1 if ``value`` is not one."""
    m = _FINANCIAL_YEAR.match(value)
    if not m:
        return -1
    start, end = int(m[1]), int(m[2])
    return start if end in ((start + 1) % 100, start + 1) else -1


def one_text_period(value: str) -> tuple[str, int]:
    """``(kind, ordinal)`` of one period text; ordinal -1 when it does not match."""
    if m := _YEAR_MONTH.match(value):
        year, month = int(m[1]), int(m[2])
    elif (m := _MONTH_YEAR.match(value)) and m[1].lower() in MONTH_NUMBER:
        year, month = int(m[2]), MONTH_NUMBER[m[1].lower()]
    elif m := _YEAR_QUARTER.match(value):
        return "quarter", int(m[1]) * 4 + int(m[2]) - 1
    elif m := _QUARTER_YEAR.match(value):
        return "quarter", int(m[2]) * 4 + int(m[1]) - 1
    else:
        return "", -1
    return "month", year * 12 + month - 1 if 1 <= month <= 12 else -1


def text_periods(text: pd.Series, *, kind: PeriodKind | None = None
                 ) -> tuple[PeriodKind, np.ndarray] | None:
    """Financial-year, year-month or year-quarter text as (kind, ordinals with -1 for no
    match), or None.

    ``kind`` is the time column's kind when reading pilot starts.  Otherwise financial years
    win when every value reads as one and there are several (``2011/12, 2012/13``) or one that
    cannot be a month (``2023/24``); a lone ``2011/12`` is December 2011.
    """
    uniques, inverse = np.unique(text.to_numpy(dtype=str), return_inverse=True)
    inverse = inverse.reshape(-1)
    parsed = [one_text_period(v) for v in uniques]
    financial = np.array([financial_year(v) for v in uniques], dtype="int64")
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


@dataclass(frozen=True)
class Periods:
    """How a frame's periods were coded: their kind and a label for each ordinal."""

    kind: PeriodKind = "integer"
    labels: dict[int, str] = field(default_factory=dict)

    def label(self, period: object) -> str:
        """The label of ``period`` (an ordinal), or the number itself."""
        number = float(period)  # type: ignore[arg-type]  # numbers and numpy scalars
        if number.is_integer():
            return self.labels.get(int(number), period_label(int(number), self.kind))
        return f"{number:g}"


INTEGER_PERIODS = Periods()


def encode_periods(frame: pd.DataFrame, columns: PanelColumns) -> tuple[pd.DataFrame, Periods]:
    """``frame`` with the time and pilot-start columns as ordinals, and their labels.

    Integer periods (and columns not in the frame, left to the estimator's own checks) give
    the frame back unchanged.  Otherwise a new frame is returned; ``frame`` is not modified.
    Missing periods stay missing (NaN); a missing, 0 or ``never`` pilot start becomes 0.  A
    pilot start is placed in the time column's kind of period (a start date inside a quarter
    belongs to that quarter).
    """
    time = columns.time
    if time is None or time not in frame.columns or _is_numeric(frame[time]):
        return frame, INTEGER_PERIODS
    kind, year, month = _year_month(frame[time], time)
    present = ~np.isnan(year)
    if kind is None:
        kind = infer_date_kind(month_ordinal(year[present], month[present]))
    ordinals = ordinals_from_dates(year[present], month[present], kind)
    codes: np.ndarray = ordinals
    if not present.all():  # missing periods stay missing (the estimators drop those rows)
        codes = np.full(year.size, np.nan)
        codes[present] = ordinals
    out = frame.copy()
    out[time] = codes
    values = set(np.unique(ordinals).tolist())
    cohort = columns.cohort
    if cohort is not None and cohort in frame.columns:
        starts = _encode_cohort(frame[cohort], cohort, kind)
        out[cohort] = starts
        values |= {int(v) for v in np.unique(starts) if v != 0}
    labels = {v: period_label(v, kind) for v in sorted(values)}
    return out, Periods(kind, labels)


def _is_numeric(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series.dtype)
                and not pd.api.types.is_bool_dtype(series.dtype))


def _text(series: pd.Series) -> pd.Series:
    return series.astype(object).map(lambda v: "" if v is None or v != v else str(v).strip())


def _year_month(series: pd.Series, name: str, *, starts: bool = False
                ) -> tuple[PeriodKind | None, np.ndarray, np.ndarray]:
    """Each period's year and first month (NaN where missing), and its kind when the form says
    it (``None`` for dates: the spacing of the dates decides).  Periods (not ``starts``) given
    as dates must be at most one per month."""
    if isinstance(series.dtype, pd.PeriodDtype):
        kind: PeriodKind | None = _kind_of_frequency(series.dtype.freq.freqstr)
        dates = series.dt.start_time
    elif pd.api.types.is_datetime64_any_dtype(series.dtype):
        kind, dates = None, series
    else:
        text = _text(series)
        missing = (text == "").to_numpy()
        found = text_periods(text[~missing])
        if found is not None and bool((found[1] >= 0).all()):
            year, month = np.full(text.size, np.nan), np.full(text.size, np.nan)
            found_kind, ordinals = found
            if found_kind == "month":
                whole, rest = np.divmod(ordinals, 12)
            elif found_kind == "quarter":
                whole, quarter = np.divmod(ordinals, 4)
                rest = 3 * quarter
            else:
                whole, rest = ordinals, np.full(ordinals.size, FINANCIAL_YEAR_START_MONTH - 1)
            year[~missing], month[~missing] = whole, rest + 1
            return found_kind, year, month
        kind, dates = None, _iso_dates(text, missing, name)
    year = dates.dt.year.to_numpy(dtype=float, na_value=np.nan)
    month = dates.dt.month.to_numpy(dtype=float, na_value=np.nan)
    present = ~np.isnan(year)
    if kind is None and not starts and np.unique(dates[present].dt.normalize().to_numpy()).size > np.unique(
            month_ordinal(year[present], month[present])).size:
        raise EstimationError(
            f"some dates in '{name}' fall in the same month; the estimators work with monthly, "
            "quarterly or yearly periods: add up or average the data by month first",
            column=name)
    return kind, year, month


def _kind_of_frequency(freq: str) -> PeriodKind:
    head = freq.upper().lstrip("0123456789")
    if head.startswith("M"):
        return "month"
    if head.startswith("Q"):
        return "quarter"
    if head.startswith(("A", "Y")):
        return "year"
    raise EstimationError(f"periods with frequency '{freq}' are not supported; use monthly, "
                          "quarterly or yearly periods")


def _iso_dates(text: pd.Series, missing: np.ndarray, name: str) -> pd.Series:
    """ISO dates (``2024-04-01``); anything else is an error that says how to convert it."""
    try:
        return pd.to_datetime(text.where(~missing, None), format="ISO8601")
    except (ValueError, TypeError):
        example = text[~missing].iloc[0] if (~missing).any() else ""
        raise EstimationError(
            f"periods in '{name}' must be whole numbers, dates, or year-month / year-quarter "
            f"text such as 2024-04 or 2024 Q2; '{example}' is none of these (convert the "
            "column with pandas.to_datetime, choosing dayfirst=True for UK dates)",
            column=name) from None


def _encode_cohort(series: pd.Series, name: str, kind: PeriodKind) -> np.ndarray:
    """Pilot-start ordinals in the time column's ``kind``; 0 for never treated."""
    text = _text(series)
    never = (series.isna().to_numpy() | text.str.lower().isin(NEVER_MARKERS).to_numpy()
             | (text == "").to_numpy())
    out = np.zeros(series.size, dtype="int64")
    if never.all():
        return out
    if _is_numeric(series):
        raise EstimationError(
            f"the pilot start '{name}' holds numbers but the time column holds {kind} periods; "
            "give the pilot start in the same form (0 or missing for never)", column=name)
    try:
        _, year, month = _year_month(series[~never], name, starts=True)
    except EstimationError:
        raise EstimationError(
            f"the pilot start '{name}' must be given in the same form as the time column "
            f"({kind} periods), with 0 or missing for never", column=name) from None
    out[~never] = ordinals_from_dates(year, month, kind)
    return out
