"""Descriptive summaries shown beside an estimate: who is in the pilot, when it started, and
the pilot and comparison means over time."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pilot_eval.estimators import PanelColumns


def start_periods(frame: pd.DataFrame, columns: PanelColumns) -> pd.Series:
    """Each pilot unit's first pilot period (index: unit), from the cohort or the treatment."""
    if columns.unit is None:
        return pd.Series(dtype="int64")
    if columns.cohort is not None:
        cohorts = frame.groupby(columns.unit, sort=True)[columns.cohort].first()
        return cohorts[cohorts > 0].astype("int64")
    if columns.treatment is not None:  # arrays, not a filtered copy of the whole frame
        treated = (frame[columns.treatment] == 1).to_numpy()
        units = pd.Series(frame[columns.unit].to_numpy()[treated], name=columns.unit)
        times = pd.Series(frame[columns.time].to_numpy()[treated], name=columns.time)
        return times.groupby(units, sort=True).min().astype("int64")
    return pd.Series(dtype="int64")


def pilot_arm(frame: pd.DataFrame, columns: PanelColumns, *,
              starts: pd.Series | None = None) -> pd.Series:
    """``True`` for rows of units that are ever in the pilot (the pilot arm).

    ``starts`` (from ``start_periods``) saves recomputing it on large panels.
    """
    if columns.design == "2x2":
        return frame[columns.group] == 1
    starts = start_periods(frame, columns) if starts is None else starts
    return frame[columns.unit].isin(starts.index)


def group_means(frame: pd.DataFrame, columns: PanelColumns, labels: dict[int, str], *,
                starts: pd.Series | None = None) -> tuple[dict[str, Any], ...]:
    """Mean outcome per period for the pilot and comparison arms (rows with an outcome)."""
    period = columns.time if columns.time is not None else columns.post
    y = pd.to_numeric(frame[columns.outcome], errors="coerce").to_numpy(dtype=float)
    keep = ~np.isnan(y)
    pilot = pilot_arm(frame, columns, starts=starts).to_numpy(dtype=bool)[keep]
    periods = frame[period].to_numpy()[keep]
    # boolean and numeric keys (not arm names as text) keep the grouping cheap on 1M rows
    stats = pd.Series(y[keep]).groupby([pilot, periods], sort=True).agg(["mean", "size"])
    rows = []
    for (is_pilot, value), row in stats.iterrows():
        key = int(value)
        label = labels.get(key) or (("Before", "After")[key] if columns.time is None else str(key))
        rows.append({"period": key, "label": label, "arm": "pilot" if is_pilot else "comparison",
                     "mean": float(row["mean"]), "n": int(row["size"])})
    rows.sort(key=lambda r: (r["arm"] != "pilot", r["period"]))
    return tuple(rows)


def pilot_starts(frame: pd.DataFrame, columns: PanelColumns, labels: dict[int, str], *,
                 starts: pd.Series | None = None) -> tuple[dict[str, Any], ...]:
    """Each distinct pilot start period with the number of units starting then."""
    if columns.design == "2x2":
        return ()
    starts = start_periods(frame, columns) if starts is None else starts
    counts = starts.value_counts().sort_index()
    return tuple({"period": int(p), "label": labels.get(int(p), str(int(p))), "n_units": int(n)}
                 for p, n in counts.items())


def cohort_column(frame: pd.DataFrame, columns: PanelColumns, name: str) -> pd.DataFrame:
    """``frame`` with a cohort column ``name`` (first pilot period, 0 = never) added."""
    starts = start_periods(frame, columns)
    return frame.assign(**{name: frame[columns.unit].map(starts).fillna(0).astype("int64")})


def balanced_units(frame: pd.DataFrame, columns: PanelColumns) -> tuple[pd.DataFrame, list]:
    """Rows of the units observed, with an outcome, in every period; and the units dropped.

    Some methods (the Bacon decomposition, as R ``bacondecomp``) need a balanced panel.
    """
    y = pd.to_numeric(frame[columns.outcome], errors="coerce")
    present = frame[y.notna()]
    periods = present[columns.time].nunique()
    counts = present.groupby(columns.unit, sort=True)[columns.time].nunique()
    keep = counts.index[counts == periods]
    dropped = sorted(set(frame[columns.unit].unique()) - set(keep), key=str)
    return present[present[columns.unit].isin(keep)], dropped
