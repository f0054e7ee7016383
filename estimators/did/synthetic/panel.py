"""From a long frame to the balanced unit x period matrices the synthetic estimators need.

Synthetic difference-in-differences and synthetic control compare whole outcome paths, so
every unit must be observed in every period (R ``synthdid``'s ``panel.matrices`` and Stata
``sdid`` refuse unbalanced panels too).  Every refusal names the column, the units (and
periods) involved and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import PanelColumns
from pilot_eval.estimators.did.design import numeric_column, require_columns, treatment_indicator
from pilot_eval.estimators.errors import EstimationError

MIN_PRE_PERIODS = 2
"""The noise level (standard deviation of first differences before the start) needs two."""
SHOWN = 5


@dataclass(frozen=True)
class SyntheticPanel:
    """Balanced panel as matrices; rows are units, columns periods in increasing order.

    ``start[i]`` is the column index of unit ``i``'s first treated period, ``-1`` if the unit
    is never treated.  ``covariates`` is (C, units, periods).
    """

    y: np.ndarray
    units: np.ndarray
    periods: np.ndarray
    start: np.ndarray
    covariates: np.ndarray
    covariate_names: tuple[str, ...]
    outcome: str

    @property
    def controls(self) -> np.ndarray:
        return np.flatnonzero(self.start < 0)

    @property
    def treated(self) -> np.ndarray:
        return np.flatnonzero(self.start >= 0)

    @property
    def cohorts(self) -> np.ndarray:
        """Distinct start columns, in time order."""
        return np.unique(self.start[self.start >= 0])

    def with_outcome(self, y: np.ndarray) -> SyntheticPanel:
        return SyntheticPanel(y=y, units=self.units, periods=self.periods, start=self.start,
                              covariates=self.covariates,
                              covariate_names=self.covariate_names, outcome=self.outcome)


def _shown(labels: np.ndarray | list[object]) -> str:
    items = [str(v) for v in list(labels)[:SHOWN]]
    more = len(labels) - len(items)
    return ", ".join(items) + (f" and {more} more" if more > 0 else "")


def synthetic_panel(frame: pd.DataFrame, columns: PanelColumns, *,
                    min_pre_periods: int = MIN_PRE_PERIODS) -> SyntheticPanel:
    """Check and reshape ``frame`` (not modified) into a ``SyntheticPanel``."""
    if columns.unit is None or columns.time is None:
        raise EstimationError("synthetic DiD and synthetic control need a unit column and a "
                              "time column", column=columns.unit or columns.time)
    if columns.treatment is None and columns.cohort is None:
        raise EstimationError("synthetic DiD and synthetic control need a treatment (0/1) or "
                              "pilot start column saying which units had the pilot and when")
    require_columns(frame, columns.used())
    unit_col, time_col, outcome = columns.unit, columns.time, columns.outcome
    if frame[unit_col].isna().any():
        rows = np.flatnonzero(frame[unit_col].isna().to_numpy())
        raise EstimationError(
            f"the unit column '{unit_col}' is empty in {rows.size} row(s) (row labels "
            f"{_shown(frame.index[rows])}); fill in the unit or drop the rows", column=unit_col)
    time = numeric_column(frame, time_col, "time")
    if np.isnan(time).any():
        raise EstimationError(
            f"the time column '{time_col}' is empty in {int(np.isnan(time).sum())} row(s); "
            "fill in the period or drop the rows", column=time_col)
    y_long = numeric_column(frame, outcome, "outcome")
    treat = treatment_indicator(frame, columns)
    covariates = [numeric_column(frame, c, "covariate") for c in columns.covariates]
    unit_codes, units = pd.factorize(frame[unit_col], sort=True)
    period_codes, periods = pd.factorize(time, sort=True)
    units, periods = np.asarray(units), np.asarray(periods)
    n_units, n_periods = units.size, periods.size
    cell = unit_codes * n_periods + period_codes
    counts = np.bincount(cell, minlength=n_units * n_periods).reshape(n_units, n_periods)
    if (counts > 1).any():
        bad_u, bad_t = np.nonzero(counts > 1)
        pairs = [f"{units[u]} in {periods[t]:g}" for u, t in zip(bad_u, bad_t, strict=True)]
        raise EstimationError(
            f"{len(pairs)} unit-period pair(s) appear more than once ({_shown(pairs)}); each "
            f"unit needs one row per period in '{unit_col}' x '{time_col}'", column=unit_col)
    y = _matrix(y_long, cell, n_units, n_periods)
    d = _matrix(treat, cell, n_units, n_periods)
    missing = np.isnan(y) | np.isnan(d)
    x = np.stack([_matrix(v, cell, n_units, n_periods) for v in covariates]) if covariates \
        else np.empty((0, n_units, n_periods))
    for values in x:
        missing |= np.isnan(values)
    if missing.any():
        bad_units = units[missing.any(axis=1)]
        named = [(outcome, np.isnan(y)), (columns.treatment or columns.cohort, np.isnan(d))]
        named += [(c, np.isnan(v)) for c, v in zip(columns.covariates, x, strict=True)]
        column, gaps = next((c, m) for c, m in named if m.any())
        first = np.argwhere(gaps)[0]
        raise EstimationError(
            f"{bad_units.size} unit(s) have missing cells ({_shown(bad_units)}): no value of "
            f"'{column}' in {int(gaps.sum())} unit-period(s), the first for "
            f"{units[first[0]]} in {periods[first[1]]:g}; synthetic methods need every unit "
            "in every period: fill the gaps or drop those units", column=column)
    start = _starts(d, units, periods, columns)
    panel = SyntheticPanel(y=y, units=units, periods=periods, start=start, covariates=x,
                           covariate_names=tuple(columns.covariates), outcome=outcome)
    _check_design(panel, columns, min_pre_periods)
    return panel


def _matrix(values: np.ndarray, cell: np.ndarray, n_units: int, n_periods: int) -> np.ndarray:
    out = np.full(n_units * n_periods, np.nan)
    out[cell] = values
    return out.reshape(n_units, n_periods)


def _starts(d: np.ndarray, units: np.ndarray, periods: np.ndarray,
            columns: PanelColumns) -> np.ndarray:
    name = columns.treatment or columns.cohort
    on = d == 1.0
    switched_off = on[:, :-1] & ~on[:, 1:]
    if switched_off.any():
        bad = units[switched_off.any(axis=1)]
        raise EstimationError(
            f"{bad.size} unit(s) go from pilot back to no pilot ({_shown(bad)}); synthetic "
            "methods need a pilot that stays on once it starts (staggered adoption)",
            column=name)
    start = np.where(on.any(axis=1), on.argmax(axis=1), -1)
    if (start == 0).any():
        bad = units[start == 0]
        raise EstimationError(
            f"{bad.size} pilot unit(s) have no period before their pilot started "
            f"({_shown(bad)}; the data begin in {periods[0]:g}); drop them or add earlier "
            "periods", column=name)
    return start


def _check_design(panel: SyntheticPanel, columns: PanelColumns, min_pre: int) -> None:
    name = columns.treatment or columns.cohort
    if panel.treated.size == 0:
        raise EstimationError(f"no unit has the pilot according to '{name}'; nothing to "
                              "estimate", column=name)
    if panel.controls.size == 0:
        raise EstimationError(
            f"no comparison (donor) units: every unit in '{columns.unit}' has the pilot at "
            f"some point; synthetic methods need units that never had it", column=name)
    short = [c for c in panel.cohorts if c < min_pre]
    if short:
        first = short[0]
        teams = panel.units[panel.start == first]
        raise EstimationError(
            f"too few periods before the pilot: {_shown(teams)} started in "
            f"{panel.periods[first]:g} with {first} period(s) before; synthetic DiD and "
            f"synthetic control need at least {min_pre} (add earlier periods or drop those "
            "units)", column=name)
