"""Turn a long unit x period frame into the arrays Callaway & Sant'Anna works on.

The estimator never filters pandas frames per (g, t): it works on a units x periods outcome
matrix, a cohort vector and a units x periods x covariates cube.  This module builds them and
applies R ``did``'s sample rules (``att_gt(panel=TRUE, allow_unbalanced_panel=FALSE)``), each
reported as a warning:

* rows with a missing outcome or covariate are dropped;
* the panel is balanced: units not observed in every period are dropped (with
  ``unbalanced="pairwise"``, not an R ``did`` option, they are kept and each ATT(g,t) uses the
  units observed in both of its periods);
* units first treated in the first period (or within ``anticipation`` periods of it) are dropped
  (they have no untreated period to compare with);
* units first treated after the last period are never treated within the data (cohort 0);
* with not-yet-treated controls and no never-treated units, the periods from the last cohort's
  start (minus anticipation) on are dropped and the last cohort becomes the comparison group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import PanelColumns
from pilot_eval.estimators.errors import EstimationError

SHOWN_IDS = 5


@dataclass(frozen=True)
class PreparedPanel:
    """The panel as arrays; row i of every array is the same unit.

    ``gaps`` is True when some unit-periods are unobserved (NaN in ``outcome``); that happens
    only with ``unbalanced="pairwise"``.
    """

    units: np.ndarray  # unit identifiers, sorted
    periods: np.ndarray  # sorted integer periods
    outcome: np.ndarray  # n_units x n_periods
    cohort: np.ndarray  # first treated period, 0 = never treated (within the data)
    covariates: np.ndarray  # n_units x n_periods x n_covariates
    cohorts: np.ndarray  # sorted treated cohorts that are estimated
    n_obs: int
    warnings: tuple[str, ...]
    gaps: bool = False
    clusters: np.ndarray | None = None  # cluster code 0..G-1 per unit; None = the unit
    last_cohort_compares: bool = False  # no never-treated units: the last cohort is the control


def _ids_text(ids: np.ndarray) -> str:
    shown = ", ".join(str(u) for u in ids[:SHOWN_IDS])
    more = f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else ""
    return f"{shown}{more}"


def _require(frame: pd.DataFrame, columns: PanelColumns, covariates: tuple[str, ...],
             cluster: str | None) -> None:
    meaning = {"unit": "unit", "time": "period", "cohort": "first treated period"}
    for role, what in meaning.items():
        if getattr(columns, role) is None:
            raise EstimationError(
                f"Callaway & Sant'Anna needs the '{role}' column role, which is not set; map "
                f"the column that holds the {what}"
            )
    needed = [columns.unit, columns.time, columns.outcome, columns.cohort, *covariates]
    if cluster is not None:
        needed.append(cluster)
    for name in needed:
        if name not in frame.columns:
            seen = ", ".join(map(str, frame.columns[:12]))
            raise EstimationError(
                f"column '{name}' is not in the data (columns seen: {seen})", column=name
            )
    for name in (columns.time, columns.outcome, *covariates):
        if not pd.api.types.is_numeric_dtype(frame[name]):
            raise EstimationError(
                f"column '{name}' must be numeric; it has type {frame[name].dtype}", column=name
            )


def _long_table(frame: pd.DataFrame, columns: PanelColumns, covariates: tuple[str, ...],
                cluster: str | None, warnings: list[str]) -> pd.DataFrame:
    extra = [cluster] if cluster is not None else []
    names = [columns.unit, columns.time, columns.outcome, columns.cohort, *covariates, *extra]
    data = frame.loc[:, list(dict.fromkeys(names))].copy()
    raw = data[columns.cohort]
    cohort = pd.to_numeric(raw, errors="coerce")
    bad = cohort.isna() & raw.notna()
    if bad.any() or (cohort < 0).any():
        example = raw[bad].iloc[0] if bad.any() else cohort[cohort < 0].iloc[0]
        raise EstimationError(
            f"the first treated period must be a period number, 0 or empty for never treated; "
            f"seen '{example}' in {int(bad.sum() + (cohort < 0).sum())} rows",
            column=columns.cohort,
        )
    data[columns.cohort] = cohort.fillna(0.0)
    checked = [columns.unit, columns.time, columns.outcome, *covariates, *extra]
    missing = data[checked].isna().any(axis=1)
    if missing.any():
        count = int(missing.sum())
        warnings.append(
            f"{count} {'row' if count == 1 else 'rows'} with a missing unit, period, outcome, "
            f"covariate or cluster {'was' if count == 1 else 'were'} dropped"
        )
        data = data.loc[~missing]
    if data.empty:
        raise EstimationError("no rows left to estimate from", column=columns.outcome)
    duplicated = data.duplicated([columns.unit, columns.time])
    if duplicated.any():
        example = data.loc[duplicated, [columns.unit, columns.time]].iloc[0].tolist()
        raise EstimationError(
            f"{int(duplicated.sum())} unit-period pairs appear more than once (first: unit "
            f"{example[0]!r}, period {example[1]!r}); keep one row per unit and period",
            column=columns.time,
        )
    for name, what in ((columns.cohort, "the first treated period"), (cluster, "the cluster")):
        if name is None:
            continue
        varying = data.groupby(columns.unit)[name].nunique() > 1
        if varying.any():
            raise EstimationError(
                f"{what} changes over time within {int(varying.sum())} units "
                f"({_ids_text(varying.index[varying].to_numpy())}); it must be one value per unit",
                column=name,
            )
    return data


def _balance(data: pd.DataFrame, columns: PanelColumns, unbalanced: str,
             warnings: list[str]) -> pd.DataFrame:
    n_periods = data[columns.time].nunique()
    counts = data.groupby(columns.unit)[columns.time].transform("size")
    kept_by = {"allow": "every row observed in its two periods, as R did does with "
                        "allow_unbalanced_panel=TRUE",
               "pairwise": "the units observed in both of its periods (unbalanced='pairwise'; "
                           "R did would drop these units)"}
    if (counts < n_periods).any() and unbalanced in kept_by:
        gappy = np.sort(data.loc[counts < n_periods, columns.unit].unique())
        warnings.append(
            f"unbalanced panel: {len(gappy)} units are not observed in all {n_periods} periods "
            f"({_ids_text(gappy)}); they are kept and each ATT(g,t) uses {kept_by[unbalanced]}"
        )
    elif (counts < n_periods).any():
        dropped = np.sort(data.loc[counts < n_periods, columns.unit].unique())
        warnings.append(
            f"unbalanced panel: {len(dropped)} units not observed in all {n_periods} periods were "
            f"dropped ({_ids_text(dropped)}), as R did does with allow_unbalanced_panel=FALSE"
        )
        data = data.loc[counts == n_periods]
    return data


def _recode_cohorts(data: pd.DataFrame, columns: PanelColumns, anticipation: int,
                    warnings: list[str]) -> pd.DataFrame:
    periods = np.sort(data[columns.time].unique())
    cohort = data[columns.cohort]
    late = cohort > periods[-1]
    if late.any():
        n_late = data.loc[late, columns.unit].nunique()
        warnings.append(
            f"{n_late} units first treated after the last period ({periods[-1]}) are treated as "
            "never treated within the data"
        )
        data = data.assign(**{str(columns.cohort): cohort.where(~late, 0.0)})
    cohort = data[columns.cohort]
    early = (cohort > 0) & (cohort <= periods[0] + anticipation)
    if early.any():
        dropped = np.sort(data.loc[early, columns.unit].unique())
        warnings.append(
            f"{len(dropped)} units already treated in the first period (plus anticipation) were "
            f"dropped ({_ids_text(dropped)}): they have no untreated period to compare with"
        )
        data = data.loc[~early]
    return data


def _no_never_treated(data: pd.DataFrame, columns: PanelColumns, control: str,
                      anticipation: int, warnings: list[str]) -> pd.DataFrame:
    cohort = data[columns.cohort]
    if (cohort == 0).any():
        return data
    if control == "never":
        raise EstimationError(
            "there are no never-treated units to compare with; use control='not-yet' "
            "(not-yet-treated units as the comparison group)",
            column=columns.cohort,
        )
    last = cohort.max()
    keep = data[columns.time] < last - anticipation
    warnings.append(
        f"no never-treated units: periods from {last - anticipation} on were dropped and the "
        f"units first treated in {last} serve as the comparison group"
    )
    data = data.loc[keep]
    return data.assign(**{str(columns.cohort): data[columns.cohort].where(cohort[keep] != last,
                                                                          0.0)})


def prepare_panel(frame: pd.DataFrame, columns: PanelColumns, *, covariates: tuple[str, ...],
                  control: str, anticipation: int, unbalanced: str = "drop",
                  cluster: str | None = None) -> PreparedPanel:
    """Check, clean and reshape ``frame`` into a ``PreparedPanel`` (the input is not changed).

    With ``unbalanced="drop"`` (R ``did``'s rule) the panel is balanced; with ``"pairwise"``
    unobserved unit-periods stay missing (NaN) in the outcome matrix.
    """
    _require(frame, columns, covariates, cluster)
    warnings: list[str] = []
    data = _long_table(frame, columns, covariates, cluster, warnings)
    data = _recode_cohorts(data, columns, anticipation, warnings)
    last_cohort_compares = not bool((data[columns.cohort] == 0).any())
    data = _no_never_treated(data, columns, control, anticipation, warnings)
    data = _balance(data, columns, unbalanced, warnings)
    units, unit_code = np.unique(data[columns.unit].to_numpy(), return_inverse=True)
    periods, period_code = np.unique(data[columns.time].to_numpy(float), return_inverse=True)
    n_units, n_periods = len(units), len(periods)
    if n_periods < 2:
        raise EstimationError(
            f"at least two periods are needed; {n_periods} left after the sample rules",
            column=columns.time,
        )
    outcome = np.full((n_units, n_periods), np.nan)
    outcome[unit_code, period_code] = data[columns.outcome].to_numpy(float)
    cube = np.full((n_units, n_periods, len(covariates)), np.nan)
    cube[unit_code, period_code, :] = data[list(covariates)].to_numpy(float)
    cohort = np.zeros(n_units)
    cohort[unit_code] = data[columns.cohort].to_numpy(float)
    clusters = None
    if cluster is not None:
        per_unit = np.empty(n_units, dtype=object)
        per_unit[unit_code] = data[cluster].to_numpy()
        clusters = pd.factorize(pd.Series(per_unit))[0].astype(np.intp)
    return PreparedPanel(
        units=units, periods=periods, outcome=outcome, cohort=cohort, covariates=cube,
        cohorts=_treated_cohorts(cohort, columns), n_obs=int(len(data)),
        warnings=tuple(warnings), gaps=bool(np.isnan(outcome).any()), clusters=clusters,
        last_cohort_compares=last_cohort_compares,
    )


def _treated_cohorts(cohort: np.ndarray, columns: PanelColumns) -> np.ndarray:
    cohorts = np.sort(np.unique(cohort[cohort > 0]))
    if len(cohorts) == 0:
        raise EstimationError("no treated units left to estimate an effect for",
                              column=columns.cohort)
    return cohorts


def without_unit(panel: PreparedPanel, unit: object, columns: PanelColumns,
                 unbalanced: str) -> PreparedPanel | None:
    """The panel ``prepare_panel`` gives for the same frame without ``unit``'s rows, or
    ``None`` when that cannot be read off ``panel`` (then prepare the smaller frame).

    On a balanced panel (R ``did``'s rule) with never-treated units, leaving a unit out changes
    no other unit's sample rules: every period is still observed (by the other complete units),
    so the same units stay and the same cohorts are recoded.  The unit's row goes (a unit the
    rules dropped leaves the panel as it is); cohorts and cluster codes follow.  The warnings
    are the whole panel's.
    """
    if unbalanced != "drop" or panel.gaps or panel.last_cohort_compares:
        return None
    drop = np.flatnonzero(panel.units == unit)
    if not drop.size:
        return panel
    keep = np.ones(len(panel.units), dtype=bool)
    keep[drop] = False
    if not keep.any():
        return None
    clusters = None
    if panel.clusters is not None:
        clusters = pd.factorize(panel.clusters[keep])[0].astype(np.intp)
    cohort = panel.cohort[keep]
    if not (cohort == 0).any():  # the unit was the last never-treated one: other rules apply
        return None
    return PreparedPanel(
        units=panel.units[keep], periods=panel.periods, outcome=panel.outcome[keep],
        cohort=cohort, covariates=panel.covariates[keep],
        cohorts=_treated_cohorts(cohort, columns),
        n_obs=panel.n_obs - len(drop) * len(panel.periods), warnings=panel.warnings,
        clusters=clusters)
