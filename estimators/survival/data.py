"""Validated survival arrays: the input checks every survival estimator shares.

Survival data reach the estimators in the generic form of ``SpellColumns``: a ``duration``
column (time at exit), an ``event`` column (0 = censored, any other value = an event type),
optionally ``entry`` (delayed entry / left truncation: the subject is at risk only on
``(entry, duration]``), ``group`` and ``strata``.

The risk-set counts (``RiskTable``, ``risk_table``, ``grouped_risk_tables``, ``risk_counts``,
``step_value``, ``group_levels``) are in ``risk_tables.py`` and the Cox partial likelihood
(``RiskSets``, ``risk_sets``, ``likelihood_parts``, ``score_residuals``, Efron/Breslow tie
sums) in ``cox/likelihood.py``; both are re-exported here, where other modules import them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import SpellColumns
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.survival.cox.likelihood import (
    BIG_TIE,
    LikelihoodParts,
    RiskSets,
    TieSums,
    efron_closed_form,
    likelihood_parts,
    risk_sets,
    risk_sum,
    score_residuals,
    tie_sums,
)
from pilot_eval.estimators.survival.risk_tables import (
    RiskTable,
    group_levels,
    grouped_risk_tables,
    risk_counts,
    risk_table,
    step_value,
)

__all__ = [
    "BIG_TIE", "LikelihoodParts", "RiskSets", "RiskTable", "SurvivalArrays", "TieSums",
    "arrays_from_frame", "efron_closed_form", "group_levels", "grouped_risk_tables",
    "likelihood_parts", "risk_counts", "risk_sets", "risk_sum", "risk_table",
    "score_residuals", "step_value", "survival_arrays", "tie_sums",
]



@dataclass(frozen=True)
class SurvivalArrays:
    """Validated survival data as numpy arrays (one element per row used).

    ``event`` holds integer codes: 0 = censored, ``k >= 1`` = ``event_labels[k - 1]``.
    ``entry`` is all zeros when there is no delayed entry (``has_entry`` is then False).
    ``group`` and ``strata`` hold the original labels (or are None).
    """

    time: np.ndarray
    event: np.ndarray
    entry: np.ndarray
    has_entry: bool
    event_labels: tuple
    group: np.ndarray | None = None
    strata: np.ndarray | None = None

    @property
    def n(self) -> int:
        return int(self.time.shape[0])

    @property
    def any_event(self) -> np.ndarray:
        """0/1 indicator of an event of any type."""
        return (self.event > 0).astype(np.int64)

    @cached_property
    def group_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """``group_levels(group)`` (sorted labels, each row's index), read-only, worked out once:
        the estimators of one analysis (KM, log-rank, RMST, cumulative incidence) share the
        arrays."""
        if self.group is None:
            raise EstimationError("no group column")
        return _read_only(group_levels(self.group))

    @cached_property
    def risk_tables(self) -> tuple[np.ndarray, list[RiskTable], list[int]]:
        """``grouped_risk_tables(self)``, read-only, worked out once (see ``group_codes``)."""
        labels, tables, sizes = grouped_risk_tables(self)
        for table in tables:
            _read_only((table.time, table.n_risk, table.n_event, table.n_censor))
        return _read_only((labels,))[0], tables, sizes

    def subset(self, mask: np.ndarray) -> SurvivalArrays:
        """The rows selected by the boolean ``mask``."""
        return SurvivalArrays(
            time=self.time[mask], event=self.event[mask], entry=self.entry[mask],
            has_entry=self.has_entry, event_labels=self.event_labels,
            group=None if self.group is None else self.group[mask],
            strata=None if self.strata is None else self.strata[mask],
        )


def _read_only(arrays: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    for array in arrays:
        array.setflags(write=False)
    return arrays


def _row(position: int) -> str:
    """Name a row by its position in the data given (and its spreadsheet row if none dropped)."""
    return f"row {position + 1} of the data (spreadsheet row {position + 2} if no rows were dropped)"


def _numeric(values: object, name: str) -> np.ndarray:
    series = pd.Series(values)
    if series.isna().any():
        first = int(np.flatnonzero(series.isna().to_numpy())[0])
        raise EstimationError(
            f"'{name}' has {int(series.isna().sum())} missing value(s) (first at {_row(first)}); "
            "drop or fill those rows before a survival analysis", column=name,
        )
    try:
        return series.to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise EstimationError(
            f"'{name}' must be numeric (a duration in days, weeks or months); found values such "
            f"as {series.iloc[0]!r}", column=name,
        ) from exc


def _event_codes(values: object, name: str) -> tuple[np.ndarray, tuple]:
    """0 = censored; other distinct values become codes 1..K in sorted order."""
    series = pd.Series(values)
    if series.dtype == object:  # text (leaving reasons): worked out per distinct value
        found = _text_event_codes(series.to_numpy())
        if found is not None:
            return found
    if series.isna().any():
        raise EstimationError(
            f"'{name}' has {int(series.isna().sum())} missing value(s); use 0 for censored "
            "(still in post) and another value for each kind of event", column=name,
        )
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        numbers = series.to_numpy()
        nonzero = numbers != 0
        labels_found, codes_found = np.unique(numbers[nonzero], return_inverse=True)
        codes = np.zeros(numbers.size, dtype=np.int64)
        codes[nonzero] = codes_found.reshape(-1) + 1
        return codes, tuple(v.item() for v in labels_found)
    is_zero = series.astype(str).isin(_CENSORED_TEXT)
    labels = tuple(sorted(pd.unique(series[~is_zero]), key=str))
    codes = np.zeros(len(series), dtype=np.int64)
    if labels:
        lookup = {label: k + 1 for k, label in enumerate(labels)}
        codes[~is_zero.to_numpy()] = series[~is_zero].map(lookup).to_numpy(dtype=np.int64)
    return codes, labels


_CENSORED_TEXT = ("0", "0.0", "False", "false")


def _text_event_codes(values: np.ndarray) -> tuple[np.ndarray, tuple] | None:
    """``_event_codes`` of a column of text (leaving reasons), worked out once per distinct
    text: the same codes and labels, or None when a cell is missing or not a ``str`` (the
    general path then refuses it, or decides how numbers mixed in compare and sort)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if (codes.size and codes.min() < 0) or not all(type(u) is str for u in uniques):
        return None
    censored = np.isin(uniques, _CENSORED_TEXT)
    labels = tuple(sorted(uniques[~censored], key=str))  # first-seen order, then by text
    lookup = {label: k + 1 for k, label in enumerate(labels)}
    per_unique = np.array([0 if zero else lookup[u] for u, zero in zip(uniques, censored,
                                                                        strict=True)],
                          dtype=np.int64)
    return per_unique[codes], labels


def survival_arrays(
    time: object,
    event: object,
    *,
    entry: object | None = None,
    group: object | None = None,
    strata: object | None = None,
    names: SpellColumns | None = None,
) -> SurvivalArrays:
    """Validate raw columns and return ``SurvivalArrays``.

    Raises ``EstimationError`` (naming the column) for missing or non-numeric values, negative
    durations, entry times not before exit, and no rows at all.
    """
    names = names or SpellColumns(duration="time", event="event", entry="entry",
                                  group="group", strata="strata")
    t = _numeric(time, names.duration or "time")
    if t.size == 0:
        raise EstimationError("the survival data has no rows", column=names.duration)
    if (t < 0).any() or not np.isfinite(t).all():
        bad = int(np.flatnonzero((t < 0) | ~np.isfinite(t))[0])
        raise EstimationError(
            f"'{names.duration}' must be finite and not negative; {_row(bad)} has "
            f"{float(t[bad]):g}; check the start and end dates of that spell", column=names.duration,
        )
    codes, labels = _event_codes(event, names.event or "event")
    if codes.shape != t.shape:
        raise EstimationError("time and event have different lengths", column=names.event)
    has_entry = entry is not None
    e = np.zeros_like(t) if entry is None else _numeric(entry, names.entry or "entry")
    if has_entry and ((e >= t) | (e < 0)).any():
        bad = int(np.flatnonzero((e >= t) | (e < 0))[0])
        raise EstimationError(
            f"'{names.entry}' must be at least 0 and before the exit time; {_row(bad)} "
            f"enters at {float(e[bad]):g} and leaves at {float(t[bad]):g}", column=names.entry,
        )
    g = None if group is None else _labels(group, names.group or "group")
    s = None if strata is None else _labels(strata, names.strata or "strata")
    return SurvivalArrays(time=t, event=codes, entry=e, has_entry=has_entry,
                          event_labels=labels, group=g, strata=s)


def _labels(values: object, name: str) -> np.ndarray:
    series = pd.Series(values)
    if series.isna().any():
        raise EstimationError(
            f"'{name}' has {int(series.isna().sum())} missing value(s); every row needs a "
            "group label", column=name,
        )
    return series.to_numpy()


def arrays_from_frame(frame: pd.DataFrame, columns: SpellColumns) -> SurvivalArrays:
    """Pick ``duration``, ``event``, ``entry``, ``group`` and ``strata`` out of ``frame``."""
    if columns.duration is None or columns.event is None:
        raise EstimationError(
            "survival estimators need SpellColumns(duration=..., event=...); staff records "
            "with start/end dates must be turned into durations first"
        )
    for name in (columns.duration, columns.event, columns.entry, columns.group, columns.strata):
        if name is not None and name not in frame.columns:
            raise EstimationError(
                f"column '{name}' is not in the data (columns: {', '.join(map(str, frame.columns))})",
                column=name,
            )

    def col(name: str | None) -> object | None:
        return None if name is None else frame[name].to_numpy()

    return survival_arrays(
        col(columns.duration), col(columns.event), entry=col(columns.entry),
        group=col(columns.group), strata=col(columns.strata), names=columns,
    )
