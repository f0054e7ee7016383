"""Sorting the data grid: stable orders of a column's values with missing values last.

Qt-free, so that the checks process (``worker_process``) can sort a large table it holds:
``table_model`` sorts in its own worker thread, or asks for the order from there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

TEXT_CHUNK = 65_536  # text sort keys are built this many rows at a time (short lock holds)


def sorted_order(series: Any, rows: Any, falling: bool) -> Any:
    """The frame positions ``rows`` (None: all) in the order of ``series``' values (stable;
    missing values last, also when ``falling``)."""
    if rows is None:
        rows = np.arange(len(series))
    keys = sort_keys(series)[rows]
    ranked = np.argsort(keys, kind="stable")
    if falling:
        ranked = descending(keys, ranked)
    return rows[ranked]


def sort_keys(series: Any) -> Any:
    """Values that numpy can sort: numbers as floats (missing = +inf), else text ranks."""
    if series.dtype.kind in "iufb":
        values = series.to_numpy(dtype=float, na_value=np.nan)
        return np.where(np.isnan(values), np.inf, values)
    if series.dtype.kind == "M":
        values = series.to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
        return np.where(series.isna().to_numpy(), np.inf, values)
    ranks = text_keys(series)
    if ranks is not None:
        return ranks
    codes, uniques = series.factorize(sort=True)  # missing -> -1
    return np.where(codes < 0, np.inf, codes.astype(float))


def text_keys(series: Any) -> Any:
    """Ranks of a text column's values in code-point order (as ``factorize(sort=True)``;
    missing = +inf), or None when the column holds anything but text.  The values are turned
    into a numpy string array a chunk at a time and ranked by numpy's sort, which runs without
    the interpreter lock, so a worker sorting a 1M-row column never holds up the GUI thread
    for long (pandas' ``factorize`` holds the lock for the whole column)."""
    import pandas as pd
    from pandas.api.types import infer_dtype

    if not (series.dtype == object or isinstance(series.dtype, pd.StringDtype)):
        return None
    values = series.to_numpy(dtype=object)
    missing = np.empty(len(values), dtype=bool)
    parts = []
    for start in range(0, len(values), TEXT_CHUNK):
        chunk = values[start:start + TEXT_CHUNK]
        gone = pd.isna(chunk)
        missing[start:start + len(chunk)] = gone
        present = chunk[~gone]
        if infer_dtype(present, skipna=False) not in ("string", "empty"):
            return None  # numbers, dates or mixed values: factorize's own ordering
        parts.append(present.astype(str))
    keys = np.full(len(values), np.inf)
    count = sum(len(part) for part in parts)
    if count:
        # Copied into one array a chunk at a time (one np.concatenate holds the lock ~35 ms).
        width = max(1, *(part.dtype.itemsize // 4 for part in parts))
        text = np.empty(count, dtype=f"<U{width}")
        done = 0
        for part in parts:
            text[done:done + len(part)] = part
            done += len(part)
        order = np.argsort(text, kind="stable")
        ordered = text[order]
        sorted_ranks = np.zeros(count)
        np.cumsum(ordered[1:] != ordered[:-1], out=sorted_ranks[1:])
        ranks = np.empty(count)
        ranks[order] = sorted_ranks
        keys[~missing] = ranks
    return keys


def descending(keys: Any, ranked: Any) -> Any:
    """Reverse an ascending order but keep missing values (inf) last and ties stable."""
    finite = ranked[np.isfinite(keys[ranked])]
    missing = ranked[~np.isfinite(keys[ranked])]
    reversed_keys = -keys[finite]
    return np.concatenate([finite[np.argsort(reversed_keys, kind="stable")], missing])
