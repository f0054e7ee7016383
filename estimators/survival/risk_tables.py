"""Risk-set counts every survival estimator shares: number at risk, events and censorings at
each distinct exit time, by group.

Ties follow the convention of R ``survival`` and lifelines: at a time with both events and
censorings, the events happen first (the censored subjects are still in the risk set).
Counts are computed with ``np.unique``/``np.bincount``/``np.searchsorted`` so that a million
rows with heavy ties take a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pilot_eval.estimators.survival.lookup import search, unique_inverse

if TYPE_CHECKING:
    from pilot_eval.estimators.survival.data import SurvivalArrays


@dataclass(frozen=True)
class RiskTable:
    """Counts at each distinct exit time (events and censorings), in increasing time order."""

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray


def group_levels(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct labels and each row's index into them (hashing, not a full sort)."""
    try:
        index, levels = pd.factorize(labels, sort=True)
    except TypeError:  # labels of mixed types that cannot be ordered
        levels, index = np.unique(np.asarray(labels).astype(str), return_inverse=True)
    return np.asarray(levels), np.asarray(index).reshape(-1)


def grouped_risk_tables(data: SurvivalArrays) -> tuple[np.ndarray, list[RiskTable], list[int]]:
    """One ``RiskTable`` per group (sorted labels), from a single sort of all exit times.

    Returns ``(labels, tables, rows per group)``; without a group column the one label is
    ``"all"``. Each table lists only the times at which that group has exits.
    """
    times, index = unique_inverse(data.time)
    if data.group is None:
        labels, codes = np.array(["all"]), np.zeros(data.n, dtype=np.int64)
    else:
        labels, codes = data.group_codes
    tables, sizes = [], []
    for g in range(labels.size):
        rows = codes == g
        exit_index = index[rows]
        n_exit = np.bincount(exit_index, minlength=times.size)
        n_event = np.bincount(exit_index, weights=data.event[rows] > 0, minlength=times.size)
        n_risk = risk_counts(times, exit_index, data.entry[rows] if data.has_entry else None)
        keep = n_exit > 0
        tables.append(RiskTable(time=times[keep], n_risk=n_risk[keep],
                                n_event=n_event[keep].astype(np.int64),
                                n_censor=(n_exit - n_event)[keep].astype(np.int64)))
        sizes.append(int(rows.sum()))
    return labels, tables, sizes


def risk_table(time: np.ndarray, event: np.ndarray, entry: np.ndarray | None = None) -> RiskTable:
    """Number at risk, events and censorings at each distinct exit time.

    ``event`` is a 0/1 (or 0/k) array; any non-zero value counts as an event. A row is at risk at
    ``t`` when ``entry < t <= time`` (``entry`` defaults to 0, i.e. everybody from the start).
    One sort (``np.unique``) and a few bincounts, whatever the number of ties.
    """
    times, index = unique_inverse(time)
    n_event = np.bincount(index, weights=event > 0, minlength=times.size).astype(np.int64)
    n_exit = np.bincount(index, minlength=times.size).astype(np.int64)
    n_risk = risk_counts(times, index, entry)
    return RiskTable(time=times, n_risk=n_risk, n_event=n_event, n_censor=n_exit - n_event)


def risk_counts(times: np.ndarray, exit_index: np.ndarray,
                entry: np.ndarray | None = None) -> np.ndarray:
    """Number at risk at each of the sorted distinct ``times``, given each row's exit index.

    A row is at risk at ``times[j]`` for ``first <= j <= exit_index`` where ``first`` is the
    first distinct time after its entry (0 without delayed entry).
    """
    size = times.size
    leaving = np.bincount(exit_index, minlength=size)
    n_risk = np.cumsum(leaving[::-1])[::-1]  # rows with exit index >= j
    if entry is not None and entry.any():
        first = search(times, entry, side="right")
        not_yet = np.bincount(first, minlength=size + 1)[:size]
        n_risk = n_risk - (entry.size - np.cumsum(not_yet))  # rows with first > j
    return n_risk.astype(np.int64)


def step_value(times: np.ndarray, values: np.ndarray, at: np.ndarray, *, start: float) -> np.ndarray:
    """Right-continuous step function: ``values`` at the last ``times <= at`` (``start`` before)."""
    position = search(times, at, side="right") - 1
    return np.where(position >= 0, values[np.clip(position, 0, None)], start)
