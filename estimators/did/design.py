"""From a frame and its column roles to the numeric arrays the DiD estimators use.

Everything here reads the frame without changing it and returns fresh numpy arrays.  Missing
values are kept as ``NaN`` (numbers) or flagged in a mask (keys), so the estimator can drop
the incomplete rows once and report how many it dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import PanelColumns
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.inference.fixed_effects import Codes, factorize


def require_columns(frame: pd.DataFrame, names: tuple[str, ...]) -> None:
    """Raise ``EstimationError`` naming the first role column that is not in ``frame``."""
    for name in names:
        if name not in frame.columns:
            shown = ", ".join(map(str, list(frame.columns)[:12]))
            raise EstimationError(
                f"column '{name}' is not in the data (columns seen: {shown}); check the column "
                "roles",
                column=name,
            )


def numeric_column(frame: pd.DataFrame, name: str, role: str) -> np.ndarray:
    """The column as float64 with ``NaN`` for missing; non-numeric data is an error."""
    series = frame[name]
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    if not pd.api.types.is_numeric_dtype(series.dtype):
        sample = series.dropna()
        seen = repr(sample.iloc[0]) if len(sample) else "no values"
        raise EstimationError(
            f"the {role} column '{name}' must be numeric but holds {series.dtype} values "
            f"(for example {seen}); convert it to numbers or choose another column",
            column=name,
        )
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    infinite = np.isinf(values)
    if infinite.any():
        raise EstimationError(
            f"the {role} column '{name}' has {int(infinite.sum())} infinite value(s) (the "
            f"first at row label {series.index[int(np.flatnonzero(infinite)[0])]!r}); replace "
            "them with numbers or leave them empty",
            column=name,
        )
    return values


def key_missing(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Boolean mask of missing values in an identifier column (unit, cluster)."""
    return frame[name].isna().to_numpy()


def _check_binary(values: np.ndarray, name: str, role: str) -> None:
    present = values[~np.isnan(values)]
    bad = present[(present != 0.0) & (present != 1.0)]
    if bad.size:
        raise EstimationError(
            f"the {role} column '{name}' must hold 0 and 1 only but has the value {bad[0]!r}; "
            "recode it (1 = under the pilot, 0 = not)",
            column=name,
        )


def treatment_indicator(frame: pd.DataFrame, columns: PanelColumns) -> np.ndarray:
    """0/1 treatment of each row as float64 (``NaN`` where it cannot be known).

    * ``columns.treatment``: the column itself (must be 0/1);
    * ``columns.cohort``: 1 when ``time >= cohort`` and ``cohort > 0``; a cohort of 0 or
      missing means never treated;
    * ``columns.group`` and ``columns.post``: ``group * post`` (both 0/1).
    """
    if columns.treatment is not None:
        values = numeric_column(frame, columns.treatment, "treatment")
        _check_binary(values, columns.treatment, "treatment")
        return values
    if columns.cohort is not None:
        if columns.time is None:
            raise EstimationError("a pilot start (cohort) column needs a time column too",
                                  column=columns.cohort)
        cohort = numeric_column(frame, columns.cohort, "pilot start")
        time = numeric_column(frame, columns.time, "time")
        treated = np.nan_to_num(cohort, nan=0.0) > 0
        result = (treated & (time >= cohort)).astype(np.float64)
        result[np.isnan(time)] = np.nan
        return result
    if columns.group is not None and columns.post is not None:
        group = numeric_column(frame, columns.group, "pilot group")
        post = numeric_column(frame, columns.post, "after-period")
        _check_binary(group, columns.group, "pilot group")
        _check_binary(post, columns.post, "after-period")
        return group * post
    raise EstimationError(
        "no treatment is given: set the treatment (0/1), the pilot start (cohort) or the "
        "pilot group and after-period columns"
    )


@dataclass(frozen=True)
class TwoByTwoFlags:
    """The pilot-group and after-period flags of a 2x2 design (float64 0/1, NaN missing)."""

    group: np.ndarray
    post: np.ndarray
    start: float | None
    source: str


def two_by_two_flags(frame: pd.DataFrame, columns: PanelColumns) -> TwoByTwoFlags:
    """Group and post flags from ``group``/``post``, or from one pilot start in a panel.

    A panel given by ``cohort`` or ``treatment`` must have exactly one start period: the
    group is "ever treated" and post is ``time >= start``.
    """
    if columns.treatment is None and columns.cohort is None:
        if columns.group is None or columns.post is None:
            raise EstimationError(
                "a 2x2 comparison needs the pilot group and after-period columns, or a unit, "
                "time and pilot start (or treatment) column"
            )
        group = numeric_column(frame, columns.group, "pilot group")
        post = numeric_column(frame, columns.post, "after-period")
        _check_binary(group, columns.group, "pilot group")
        _check_binary(post, columns.post, "after-period")
        return TwoByTwoFlags(group, post, None, "group and after-period columns")
    if columns.unit is None or columns.time is None:
        column = columns.cohort or columns.treatment
        raise EstimationError(
            "a 2x2 comparison from a pilot start or treatment column needs unit and time "
            "columns", column=column,
        )
    time = numeric_column(frame, columns.time, "time")
    if columns.cohort is not None:
        cohort = numeric_column(frame, columns.cohort, "pilot start")
        starts = np.unique(cohort[np.nan_to_num(cohort, nan=0.0) > 0])
        name: str | None = columns.cohort
        group = (np.nan_to_num(cohort, nan=0.0) > 0).astype(np.float64)
    else:
        name = columns.treatment
        treated = treatment_indicator(frame, columns)
        codes = pd.factorize(frame[columns.unit])[0]
        valid = codes >= 0
        on = valid & (treated == 1.0)
        ever = np.zeros(codes.max() + 1 if codes.size else 0, dtype=bool)
        ever[codes[on]] = True
        group = np.where(valid, ever[np.maximum(codes, 0)], np.nan).astype(np.float64)
        first = pd.Series(time[on]).groupby(codes[on]).min()
        starts = np.unique(first.to_numpy())
    if starts.size > 1:
        shown = ", ".join(f"{s:g}" for s in starts[:6])
        raise EstimationError(
            f"a 2x2 comparison needs one pilot start but column '{name}' has {starts.size} "
            f"({shown}); use two-way fixed effects or a staggered (Callaway-Sant'Anna) "
            "estimator instead",
            column=name,
        )
    start = float(starts[0]) if starts.size else None
    post = (time >= start).astype(np.float64) if start is not None else np.zeros_like(time)
    post[np.isnan(time)] = np.nan
    return TwoByTwoFlags(group, post, start, f"pilot start in '{name}'")


@dataclass(frozen=True)
class PanelArrays:
    """The complete rows of a panel as arrays (built once, without copying the frame)."""

    y: np.ndarray
    regressors: np.ndarray
    names: tuple[str, ...]
    unit: Codes
    period: Codes
    cluster: Codes | None
    cluster_name: str | None
    weights: np.ndarray | None
    n_dropped: int


def panel_arrays(frame: pd.DataFrame, columns: PanelColumns, se: str) -> PanelArrays:
    """Arrays for TWFE; rows with any missing value used by the model are dropped."""
    if columns.unit is None or columns.time is None:
        raise EstimationError("two-way fixed effects needs a unit column and a time column")
    require_columns(frame, columns.used())
    if columns.treatment is None and columns.cohort is None and columns.group is None:
        raise EstimationError(
            "two-way fixed effects needs a treatment (0/1) or pilot start (cohort) column")
    y = numeric_column(frame, columns.outcome, "outcome")
    treat = treatment_indicator(frame, columns)
    covariates = [numeric_column(frame, c, "covariate") for c in columns.covariates]
    time = numeric_column(frame, columns.time, "time")
    cluster_name = (columns.cluster or columns.unit) if se == "cluster" else None
    weights = numeric_column(frame, columns.weights, "weight") if columns.weights else None
    bad = np.isnan(y) | np.isnan(treat) | np.isnan(time) | key_missing(frame, columns.unit)
    for values in covariates:
        bad |= np.isnan(values)
    if cluster_name is not None:
        bad |= key_missing(frame, cluster_name)
    if weights is not None:
        bad |= np.isnan(weights)
        if np.any(weights[~bad] < 0):
            raise EstimationError(
                f"weights in column '{columns.weights}' must not be negative; "
                f"the smallest is {np.min(weights[~bad]):g}", column=columns.weights)
        bad |= weights == 0
    keep = ~bad
    n_dropped = int(bad.sum())
    every = n_dropped == 0
    if not np.any(keep):
        raise EstimationError("no row has all of the outcome, treatment, unit, time and other "
                              "model columns filled in", column=columns.outcome)
    regressors = np.empty((int(keep.sum()), 1 + len(covariates)), dtype=np.float64, order="F")
    regressors[:, 0] = treat if every else treat[keep]
    for j, values in enumerate(covariates, start=1):
        regressors[:, j] = values if every else values[keep]
    unit_values = frame[columns.unit].to_numpy()
    unit = factorize(unit_values if every else unit_values[keep])
    period = factorize(time if every else time[keep])
    cluster = None
    if cluster_name == columns.unit:
        cluster = unit
    elif cluster_name is not None:
        values = frame[cluster_name].to_numpy()
        cluster = factorize(values if every else values[keep])
    return PanelArrays(
        y if every else y[keep], regressors,
        ("treatment", *columns.covariates), unit, period, cluster, cluster_name,
        None if weights is None else (weights if every else weights[keep]), n_dropped,
    )


def check_design(arrays: PanelArrays, columns: PanelColumns) -> None:
    """Treated units exist and are compared with units never treated or treated later (staggered
    starts identify the two-way estimate by timing); every treated unit has a before-period."""
    name = columns.treatment or columns.cohort or columns.group
    treat = arrays.regressors[:, 0]
    codes, n_units = arrays.unit.codes, arrays.unit.n_levels
    ever = np.bincount(codes, treat, n_units) > 0
    if not ever.any():
        raise EstimationError(
            f"no treated units: column '{name}' marks no unit-period as under the pilot",
            column=name)
    periods = arrays.period.codes
    first_seen = np.full(n_units, arrays.period.n_levels, dtype=np.intp)
    np.minimum.at(first_seen, codes, periods)
    first_treated = np.full(n_units, arrays.period.n_levels, dtype=np.intp)
    on = treat > 0
    np.minimum.at(first_treated, codes[on], periods[on])
    if ever.all() and np.unique(first_treated).size < 2:
        raise EstimationError(
            f"no comparison units: every unit starts the pilot in the same period according to "
            f"'{name}', so the pilot cannot be told apart from what happened to everyone then; "
            "a comparison needs units never piloted or piloted later", column=name)
    no_before = ever & (first_treated <= first_seen)  # treated in its first observed period
    if no_before.any():
        labels = arrays.unit.labels[no_before]
        shown = ", ".join(map(str, labels[:5]))
        raise EstimationError(
            f"{no_before.sum()} treated unit(s) have no period before the pilot ({shown}); "
            f"check '{name}' or drop these units", column=name)
