"""Map period columns (integers, dates, year-month or year-quarter text) to ordered integers.

The ordinals, labels and period texts are the estimators' (``pilot_eval.estimators.periods``);
this module adds UK day-first dates, missing-value markers and errors naming spreadsheet rows.

Estimators need periods as integers whose differences count periods.  Integers are kept.  Dates
become monthly, quarterly or yearly ordinals, the frequency inferred from the spacing of the
distinct dates; text such as ``2023-01``, ``Jan 2023`` or ``2023 Q1`` becomes monthly or
quarterly ordinals.  The ordinals are absolute (``year * 12 + month - 1`` for months,
``year * 4 + quarter - 1`` for quarters, the year itself for years), so a pilot start outside the
observed periods still maps correctly.  The pilot-start (cohort) column uses the time column's
mapping; ``0``, blank and ``never`` mean never treated and become 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from pilot_eval.errors import DataError
from pilot_eval.estimators.periods import (
    NEVER_MARKERS,
    PeriodKind,
    infer_date_kind,
    month_ordinal,
    period_label,
)
from pilot_eval.estimators.periods import ordinals_from_dates as _ordinals_from_dates
from pilot_eval.estimators.periods import text_periods as _text_periods
from pilot_eval.io.cells import MISSING_MARKERS
from pilot_eval.io.dates import parse_dates
from pilot_eval.io.frames import FIRST_DATA_ROW, spreadsheet_rows

PeriodSource = Literal["integer", "date", "text"]

_KIND_WORDS = {"month": "year-month", "quarter": "year-quarter",
               "financial_year": "financial-year"}
_NUMBER_TEXT = re.compile(r"^[+-]?\d+(\.\d*)?$")

__all__ = ["NEVER_MARKERS", "PeriodKind", "PeriodMapping", "PeriodSource", "infer_date_kind",
           "month_ordinal", "normalise_periods", "period_label"]


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


def _text(series: pd.Series) -> pd.Series:
    return series.astype(object).map(lambda v: "" if v is None or v != v else str(v).strip())


def _missing(text: pd.Series) -> pd.Series:
    return text.str.lower().isin(MISSING_MARKERS)


def _error_rows(mask: pd.Series | np.ndarray) -> list[int]:
    return spreadsheet_rows([int(p) for p in np.asarray(mask).nonzero()[0]])


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
