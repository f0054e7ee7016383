"""What the chosen estimator will use of a panel, and why: the rows and units, and for
Callaway & Sant'Anna whether incomplete units are dropped or kept.

``panel_usage(frame, columns, ...)`` is the one place that answers "how many teams and rows
will the analysis use?": the Data step shows it before the analysis runs, and the analysis
reports it with its result, so the two always agree.  Callaway & Sant'Anna keeps only units
observed in every period unless that loses more than ``DROP_SHARE`` of the usable rows; then it
keeps every row with R ``did``'s estimator for unbalanced panels
(``allow_unbalanced_panel = TRUE``), and both numbers are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, get_args

import pandas as pd

from pilot_eval.estimators import PanelColumns

if TYPE_CHECKING:
    from pilot_eval.choice import Choice

DROP_SHARE = 0.20
"""Dropping incomplete units is accepted when it loses at most this share of the usable rows.

R ``did``'s estimator for unbalanced panels compares rows as repeated cross-sections, without
differencing within units, which costs precision; it is worth that cost only when dropping the
incomplete units would throw away more than a fifth of the data."""
UnbalancedChoice = Literal["auto", "drop", "allow"]
UNBALANCED_CHOICES: tuple[str, ...] = get_args(UnbalancedChoice)
UnbalancedMode = Literal["drop", "allow"]  # what "auto" resolves to
COHORT = "__cohort__"


@dataclass(frozen=True)
class PanelUsage:
    """The rows and units an estimator uses (``n_*_used``) out of those in the data."""

    estimator: str
    n_rows: int
    n_rows_used: int
    n_units: int
    n_units_used: int
    reason: str
    unbalanced: UnbalancedMode | None = None  # Callaway & Sant'Anna: "drop" or "allow"
    incomplete_units: int = 0
    rows_if_dropped: int | None = None  # rows left if incomplete units were dropped

    def message(self) -> str:
        return (f"{_name(self.estimator)} will use {self.n_units_used:,} of {self.n_units:,} "
                f"units and {self.n_rows_used:,} of {self.n_rows:,} rows: {self.reason}")

    def to_dict(self) -> dict[str, Any]:
        return {"estimator": self.estimator, "n_rows": self.n_rows,
                "n_rows_used": self.n_rows_used, "n_units": self.n_units,
                "n_units_used": self.n_units_used, "unbalanced": self.unbalanced,
                "incomplete_units": self.incomplete_units,
                "rows_if_dropped": self.rows_if_dropped, "reason": self.reason,
                "message": self.message()}


def _name(estimator: str) -> str:
    return {"callaway-santanna": "Callaway & Sant'Anna", "twfe": "Two-way fixed effects",
            "2x2": "The 2x2 comparison", "event-study": "The event study",
            "sun-abraham": "Sun & Abraham"}.get(estimator, estimator)


def complete_rows(frame: pd.DataFrame, columns: PanelColumns) -> pd.Series:
    """Rows with every model column filled in (a blank pilot start means never piloted)."""
    needed = [c for c in columns.used() if c != columns.cohort and c in frame.columns]
    return frame[needed].notna().all(axis=1)


def panel_usage(frame: pd.DataFrame, columns: PanelColumns, estimator: str, *,
                control: str = "never", method: str = "dr", anticipation: int = 0,
                unbalanced: str = "auto") -> PanelUsage:
    """What ``estimator`` (already resolved from ``auto``) uses of ``frame`` (periods as
    integers); raises the estimator's ``EstimationError`` when it cannot use the data."""
    n_rows = len(frame)
    units = frame[columns.unit].nunique() if columns.unit is not None else n_rows
    if estimator != "callaway-santanna":
        keep = complete_rows(frame, columns)
        used = int(keep.sum())
        n_used = (frame.loc[keep, columns.unit].nunique() if columns.unit is not None
                  else used)
        reason = ("every row with the outcome and the role columns filled in"
                  if used < n_rows else "every row")
        return PanelUsage(estimator, n_rows, used, units, int(n_used), reason)
    return _callaway_usage(frame, columns, control=control, method=method,
                           anticipation=anticipation, unbalanced=unbalanced,
                           n_rows=n_rows, n_units=units)


def _callaway_usage(frame: pd.DataFrame, columns: PanelColumns, *, control: str, method: str,
                    anticipation: int, unbalanced: str, n_rows: int,
                    n_units: int) -> PanelUsage:
    from pilot_eval.estimators.did.callaway_santanna.data import prepare_panel
    from pilot_eval.summaries import cohort_column

    if columns.cohort is None:
        frame = cohort_column(frame, columns, COHORT)
        columns = replace(columns, cohort=COHORT, treatment=None)
    cluster = columns.cluster if columns.cluster not in (None, columns.unit) else None

    def prepared(mode: str):
        return prepare_panel(frame, columns, covariates=tuple(columns.covariates),
                             control=control, anticipation=anticipation, unbalanced=mode,
                             cluster=cluster)

    kept = prepared("allow")
    gappy = int(pd.isna(kept.outcome).any(axis=1).sum()) if kept.gaps else 0
    if not gappy:
        return PanelUsage("callaway-santanna", n_rows, kept.n_obs, n_units, len(kept.units),
                          "every unit is observed in every period it keeps", "drop")
    dropped = prepared("drop") if gappy < len(kept.units) else None
    left = dropped.n_obs if dropped is not None else 0
    lost = kept.n_obs - left
    share = lost / kept.n_obs if kept.n_obs else 1.0
    numbers = (f"dropping the {gappy} unit(s) not observed in every period would lose {lost:,} "
               f"of {kept.n_obs:,} usable rows ({share:.1%})")
    mode = unbalanced
    if unbalanced == "auto":
        mode = "allow" if share > DROP_SHARE and method == "dr" else "drop"
    if mode == "allow":
        why = ("they are kept, each comparison using the rows observed in its two periods (R "
               "did's allow_unbalanced_panel = TRUE)")
        if unbalanced == "auto":
            why += f", because that is more than {DROP_SHARE:.0%}"
        return PanelUsage("callaway-santanna", n_rows, kept.n_obs, n_units, len(kept.units),
                          f"{numbers}; {why}", "allow", gappy, left)
    if dropped is None:
        dropped = prepared("drop")  # raises the estimator's own error: nothing would be left
    why = "they are dropped (R did's default, allow_unbalanced_panel = FALSE)"
    if unbalanced == "auto":
        why += (f", as that is at most {DROP_SHARE:.0%}" if method == "dr" else
                f"; keeping them needs method 'dr', not '{method}'")
    return PanelUsage("callaway-santanna", n_rows, left, n_units, len(dropped.units),
                      f"{numbers}; {why}", "drop", gappy, left)


def planned_usage(frame: pd.DataFrame, columns: PanelColumns, options: Any = None, *,
                  starts: pd.Series | None = None, choice: Choice | None = None) -> PanelUsage:
    """The usage of the estimator ``options`` (a ``DidOptions``; ``None``: the defaults)
    would choose on ``frame`` (periods as integers); ``choice``: that choice, when the caller
    has already made it (``planned_choice``)."""
    def option(name: str, default: Any) -> Any:
        return getattr(options, name, default) if options is not None else default

    if choice is None:
        choice = planned_choice(frame, columns, options, starts=starts)
    control = choice.control or option("control", "never")
    return panel_usage(frame, columns, choice.estimator, control=control,
                       method=option("method", "dr"), anticipation=option("anticipation", 0),
                       unbalanced=option("unbalanced", "auto"))


def planned_choice(frame: pd.DataFrame, columns: PanelColumns, options: Any = None, *,
                   starts: pd.Series | None = None) -> Choice:
    """The estimator (and comparison group) ``options`` (a ``DidOptions``; ``None``: the
    defaults) would choose on ``frame`` (periods as integers), as the analysis chooses."""
    from pilot_eval.choice import choose_control, choose_estimator
    from pilot_eval.summaries import start_periods

    asked = getattr(options, "estimator", "auto") if options is not None else "auto"
    control = getattr(options, "control", "never") if options is not None else "never"
    if columns.design != "2x2" and starts is None:
        starts = start_periods(frame, columns)
    choice = choose_estimator(frame, columns, asked, starts=starts)
    if starts is not None:
        choice = choose_control(frame, columns, choice, asked, control, starts=starts)
    return choice
