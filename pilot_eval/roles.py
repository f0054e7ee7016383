"""Guess which column plays which role, to pre-fill the window's role form.

The guesses are suggestions for the analyst to confirm, never applied silently.  They use the
column names first (``team``, ``month``, ``pilot_start``...) and then the values: the time
column holds dates or a few whole numbers, the unit column with the time column identifies
rows, a 0/1 column that changes within units is a treatment, one fixed within units is a group.
"""

from __future__ import annotations

import re

import pandas as pd

ROLES = ("unit", "time", "outcome", "treatment", "cohort", "group", "post", "cluster",
         "covariate", "weights")
"""Roles a column can be given (a column with no guess is left out of the result)."""

_NAMES: dict[str, tuple[str, ...]] = {
    "time": ("year", "month", "period", "quarter", "date", "time", "wave", "week", "yr", "qtr",
             "fy", "yearmonth", "ym", "t"),
    "cohort": ("cohort", "first", "firsttreat", "start", "adoption", "adopted", "gname", "g",
               "pilotstart", "treatstart", "startperiod"),
    "treatment": ("treat", "treated", "treatment", "pilot", "d", "intervention", "policy",
                  "in", "active"),
    "post": ("post", "after", "postperiod"),
    "unit": ("id", "unit", "team", "council", "county", "countyreal", "authority", "la", "lad",
             "school", "ward", "area", "code", "name", "site", "service", "trust", "org",
             "organisation", "organization", "provider", "practice", "district", "person"),
    "cluster": ("cluster", "region", "cl"),
    "weights": ("weight", "weights", "wt", "w", "pweight", "population_weight"),
}


def _tokens(name: str) -> set[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if p]
    return {*parts, "".join(parts)}


def _named(name: str, role: str) -> bool:
    return bool(_tokens(name) & set(_NAMES[role]))


def _distinct(series: pd.Series) -> pd.Series:
    """Distinct non-missing values (the heuristics look at values, not rows)."""
    return pd.Series(pd.unique(series.dropna()))


def _is_binary(series: pd.Series) -> bool:
    values = pd.to_numeric(_distinct(series), errors="coerce")
    return (not values.empty and bool(values.notna().all())
            and set(values.unique().tolist()) <= {0, 1})


def _is_numeric(series: pd.Series) -> bool:
    return (pd.api.types.is_numeric_dtype(series.dtype)
            and not pd.api.types.is_bool_dtype(series.dtype))


def _looks_like_time(series: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return True
    distinct = _distinct(series)
    values = pd.to_numeric(distinct, errors="coerce")
    if values.empty or values.isna().any():
        text = distinct.astype(str)
        return bool(text.str.match(r"^(\d{4}[-/]\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|"
                                   r"[A-Za-z]{3,9}\.? \d{4}|\d{4}\s*-?\s*Q[1-4])").all())
    n_rows = int(series.notna().sum())
    return bool((values % 1 == 0).all()) and 1 < len(values) <= max(60, n_rows ** 0.5)


def _within_constant(frame: pd.DataFrame, unit: str | None, column: str) -> bool:
    if unit is None:
        return False
    return bool((frame.groupby(unit, dropna=True)[column].nunique(dropna=True) <= 1).all())


def _pick_time(frame: pd.DataFrame) -> str | None:
    named = [c for c in frame.columns if _named(c, "time") and _looks_like_time(frame[c])]
    if named:
        return named[0]
    dated = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c].dtype)]
    return dated[0] if dated else None


def _pick_unit(frame: pd.DataFrame, time: str | None, taken: set[str]) -> str | None:
    candidates = [c for c in frame.columns if c not in taken]
    named = [c for c in candidates if _named(c, "unit")]
    ordered = named + [c for c in candidates if c not in named]
    for column in ordered:
        series = frame[column]
        if pd.api.types.is_float_dtype(series.dtype) and not bool(
                (series.dropna() % 1 == 0).all()):
            continue
        distinct = series.nunique()
        if not 1 < distinct < len(frame):
            continue
        if time is not None and frame.duplicated([column, time]).any():
            continue
        if column in named or time is not None:
            return column
    return None


def guess_roles(frame: pd.DataFrame) -> dict[str, str]:
    """Suggest a role for the columns of ``frame``: ``{column: role}``.

    Roles are those of ``ROLES``; at most one column each for unit, time, cohort, treatment,
    group, post, cluster and weights, any number of outcomes and covariates.  Only one way of
    giving treatment is suggested: a pilot-start column, else a 0/1 treatment that changes
    within units, else a 0/1 group with a 0/1 after-start column.  Numeric columns that are
    fixed within units are covariates; other numeric columns are outcomes.
    """
    roles: dict[str, str] = {}
    time = _pick_time(frame)
    if time is not None:
        roles[time] = "time"
    unit = _pick_unit(frame, time, set(roles))
    if unit is not None:
        roles[unit] = "unit"
    _guess_design(frame, roles, unit)
    for role in ("cluster", "weights"):
        for column in frame.columns:
            if column not in roles and _named(column, role):
                roles[column] = role
                break
    for column in frame.columns:
        if column in roles or not _is_numeric(frame[column]):
            continue
        if _is_binary(frame[column]) and (
                _within_constant(frame, unit, column)
                or any(_named(column, r) for r in ("treatment", "post", "cohort"))):
            continue  # a pilot flag left over once the design is chosen, not an outcome
        roles[column] = "covariate" if _within_constant(frame, unit, column) else "outcome"
    return roles


def _guess_design(frame: pd.DataFrame, roles: dict[str, str], unit: str | None) -> None:
    free = [c for c in frame.columns if c not in roles]
    for column in free:
        if _named(column, "cohort") and not _is_binary(frame[column]) and (
                _is_numeric(frame[column]) or _looks_like_time(frame[column].replace(
                    {0: None, "0": None, "never": None}))):
            roles[column] = "cohort"
            return
    binary = [c for c in free if _is_binary(frame[c])]
    posts = [c for c in binary if _named(c, "post")]
    treatments = [c for c in binary if _named(c, "treatment") and c not in posts]
    for column in treatments:
        if not _within_constant(frame, unit, column) or (unit is None and not posts):
            roles[column] = "treatment"
            return
    if treatments and posts:
        roles[treatments[0]] = "group"
        roles[posts[0]] = "post"
