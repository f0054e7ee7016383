"""Vectorised helpers of ``validation.py``: unit-period keys, each unit's rows in period
order, and the rows of non-finite numbers.  Pure numpy/pandas; no messages are written here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def non_finite(series: pd.Series) -> np.ndarray:
    """Mask of the cells that are numbers but not finite (+inf or -inf; NaN is missing)."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return np.zeros(len(series), dtype=bool)
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return np.isinf(values)


DENSE_KEY_FACTOR = 4
"""Unit x period tables up to this many times the rows (or 1M cells) are counted densely."""


@dataclass(frozen=True)
class UnitPeriodKeys:
    """Each row's (unit, period) pair as one integer code, and the distinct pairs.

    ``row_count`` is how many rows share the row's pair (0 where the unit or period is
    missing); ``pair_unit``/``pair_time`` are the unit and period codes of the distinct pairs
    and ``pair_count`` their numbers of rows.
    """

    row_count: np.ndarray
    pair_unit: np.ndarray
    pair_time: np.ndarray
    pair_count: np.ndarray


def unit_period_keys(unit: pd.Series, time: pd.Series) -> UnitPeriodKeys:
    unit_codes, units = pd.factorize(unit)
    time_codes, times = pd.factorize(time)
    complete = (unit_codes >= 0) & (time_codes >= 0)
    n_times = max(len(times), 1)
    key = unit_codes[complete].astype(np.int64) * n_times + time_codes[complete]
    row_count = np.zeros(len(unit_codes), dtype=np.int64)
    cells = len(units) * n_times
    if cells <= max(DENSE_KEY_FACTOR * len(unit_codes), 1 << 20):
        counts = np.bincount(key, minlength=cells)
        row_count[complete] = counts[key]
        pairs = np.flatnonzero(counts)
        counts = counts[pairs]
    else:
        pairs, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        row_count[complete] = counts[inverse]
    return UnitPeriodKeys(row_count, pairs // n_times, pairs % n_times, counts)


@dataclass(frozen=True)
class UnitRuns:
    """Usable rows sorted by unit, then period (stable; rows without a unit last).

    ``code`` numbers the units in sorted order (-1: no unit); ``first`` marks each unit's first
    row; ``ever`` rows of units that are under the pilot in some period; ``pos`` the rows'
    positions in the frame.
    """

    unit: np.ndarray
    code: np.ndarray
    time: np.ndarray
    d: np.ndarray
    pos: np.ndarray
    first: np.ndarray
    ever: np.ndarray


def unit_runs(unit: pd.Series, time: pd.Series, treated: pd.Series,
               positions: np.ndarray) -> UnitRuns:
    codes, uniques = pd.factorize(unit, sort=True)
    sort_codes = np.where(codes < 0, len(uniques), codes)
    order = unit_time_order(sort_codes, time.to_numpy(dtype=float))
    code = codes[order]
    valid = code >= 0
    first = np.zeros(len(code), dtype=bool)
    first[:1] = True
    first[1:] = code[1:] != code[:-1]
    first &= valid
    d = treated.to_numpy(dtype=float)[order]
    treated_units = np.bincount(code[valid], weights=(d[valid] == 1), minlength=len(uniques))
    ever = np.zeros(len(code), dtype=bool)
    ever[valid] = treated_units[code[valid]] > 0
    return UnitRuns(unit.to_numpy()[order], code, time.to_numpy(dtype=float)[order], d,
                     positions[order], first, ever)


def unit_time_order(unit_codes: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Stable order by unit code, then time (no sorting when the rows are in that order)."""
    if len(times) < 2:
        return np.arange(len(times))
    step_unit = np.diff(unit_codes)
    if bool((step_unit >= 0).all()) and bool((np.diff(times)[step_unit == 0] >= 0).all()):
        return np.arange(len(times))
    return np.lexsort((times, unit_codes))


def first_per_unit(code: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Positions of each unit's first row where ``mask`` holds (rows sorted by unit)."""
    rows = np.flatnonzero(mask)
    keep = np.ones(rows.size, dtype=bool)
    keep[1:] = code[rows[1:]] != code[rows[:-1]]
    return rows[keep]


__all__ = ["DENSE_KEY_FACTOR", "UnitPeriodKeys", "UnitRuns", "first_per_unit", "non_finite",
           "unit_period_keys", "unit_runs", "unit_time_order"]
