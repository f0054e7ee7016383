"""Placebo and robustness checks a reviewer asks for.

* **In-time placebo**: keep only the periods before any pilot started and pretend the pilots
  started half-way through them.  A clear "effect" there means the groups were already drifting
  apart, so parallel trends are doubtful.
* **Leave one treated unit out**: the headline estimate with each pilot unit dropped in turn.
  An estimate that changes sign, or loses its clear direction, without one team *hinges* on it.
* **With and without covariates**: the headline estimate both ways.

Each check takes a ``fit`` callable that returns an ``Estimate`` for a frame, so the same
checks serve every estimator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from pilot_eval.estimators import PanelColumns, Unavailable
from pilot_eval.estimators.unavailable import json_number

LEAVE_ONE_OUT_MAX_UNITS = 200
"""Above this many pilot units, leave-one-out is not run (each unit matters little anyway)."""
PLACEBO_COHORT = "__placebo_start__"
HINGE_SHARE = 0.5
"""Dropping one unit that moves the estimate by more than this share of it is flagged."""


@dataclass(frozen=True)
class Estimate:
    """The few numbers a robustness check compares."""

    estimate: float
    ci_low: float | Unavailable
    ci_high: float | Unavailable
    p_value: float | Unavailable = Unavailable("not computed")
    n_obs: int = 0

    @classmethod
    def of(cls, result: Any) -> Estimate:
        return cls(result.estimate, result.ci_low, result.ci_high,
                   getattr(result, "p_value", Unavailable("not computed")),
                   int(getattr(result, "n_obs", 0)))

    @property
    def clear_direction(self) -> bool:
        """True when the interval excludes zero."""
        if isinstance(self.ci_low, Unavailable) or isinstance(self.ci_high, Unavailable):
            return False
        return self.ci_low > 0 or self.ci_high < 0

    def to_dict(self) -> dict[str, Any]:
        return {"estimate": json_number(self.estimate), "ci_low": json_number(self.ci_low),
                "ci_high": json_number(self.ci_high), "p_value": json_number(self.p_value),
                "n_obs": self.n_obs}


Fit = Callable[[pd.DataFrame, PanelColumns], Estimate]
Refits = Callable[[list[Any]], Iterable[tuple[Any, Estimate]]]


@dataclass(frozen=True)
class Placebo:
    """The in-time placebo: a fake pilot start inside the before period."""

    fake_start: int
    shift: int
    periods_used: tuple[int, int]
    result: Estimate

    @property
    def passed(self) -> bool:
        return not self.result.clear_direction

    def summary(self) -> str:
        verdict = ("no clear effect, as it should be" if self.passed else
                   "a clear 'effect' before the pilot began: the groups were already drifting "
                   "apart, so parallel trends are doubtful")
        return (f"In-time placebo (pilot start moved {self.shift} periods earlier, before-period "
                f"data only): {self.result.estimate:.4g} — {verdict}.")

    def to_dict(self) -> dict[str, Any]:
        return {**self.result.to_dict(), "fake_start": self.fake_start, "shift": self.shift,
                "periods_used": list(self.periods_used), "passed": self.passed,
                "note": self.summary()}


def in_time_placebo(frame: pd.DataFrame, columns: PanelColumns, starts: pd.Series,
                    fit: Fit) -> Placebo | Unavailable:
    """Pretend every pilot started ``shift`` periods before the earliest real start.

    ``starts`` gives each pilot unit's first pilot period (index: unit).  Only periods before
    the earliest real start are used; the fake start is half-way through them.
    """
    if columns.time is None or columns.unit is None or starts.empty:
        return Unavailable("the in-time placebo needs a panel with unit, period and pilot starts")
    first = int(starts.min())
    before = frame[frame[columns.time] < first]
    periods = np.sort(before[columns.time].unique())
    if periods.size < 4:
        return Unavailable(f"only {periods.size} periods before the first pilot start; the "
                           "placebo needs at least 4")
    shift = int(periods.size // 2)
    fake = int(periods[periods.size - shift])
    placebo = before.assign(**{PLACEBO_COHORT: np.where(
        before[columns.unit].isin(starts.index), fake, 0)})
    roles = replace(columns, cohort=PLACEBO_COHORT, treatment=None, group=None, post=None)
    return Placebo(fake_start=fake, shift=shift,
                   periods_used=(int(periods[0]), int(periods[-1])),
                   result=fit(placebo, roles))


@dataclass(frozen=True)
class LeaveOneOut:
    """The estimate with each pilot unit dropped in turn."""

    full: Estimate
    rows: tuple[tuple[str, Estimate], ...]

    @property
    def hinge_units(self) -> tuple[str, ...]:
        """Units whose removal flips the sign, removes a clear direction, or moves the estimate
        by more than half of its size (``HINGE_SHARE``)."""
        hinges = []
        for unit, result in self.rows:
            flips = np.sign(result.estimate) != np.sign(self.full.estimate)
            loses = self.full.clear_direction and not result.clear_direction
            moves = abs(result.estimate - self.full.estimate) > HINGE_SHARE * abs(
                self.full.estimate)
            if flips or loses or moves:
                hinges.append(unit)
        return tuple(hinges)

    def summary(self) -> str:
        values = [r.estimate for _, r in self.rows]
        text = (f"Leaving out one pilot unit at a time ({len(values)} units), the estimate ranges "
                f"from {min(values):.4g} to {max(values):.4g} (all units: "
                f"{self.full.estimate:.4g}).")
        if self.hinge_units:
            text += (" The result hinges on " + ", ".join(self.hinge_units) + ": without it "
                     "the estimate changes sign, loses its clear direction or moves by more "
                     "than half.")
        return text

    def to_dict(self) -> dict[str, Any]:
        values = [r.estimate for _, r in self.rows]
        return {"full": self.full.to_dict(),
                "rows": [{"unit": unit, **result.to_dict()} for unit, result in self.rows],
                "min": json_number(min(values)), "max": json_number(max(values)),
                "hinges_on_one_unit": bool(self.hinge_units),
                "hinge_units": list(self.hinge_units), "note": self.summary()}


def leave_one_out(frame: pd.DataFrame, columns: PanelColumns, pilot_units: pd.Index,
                  fit: Fit, *, full: Estimate, max_units: int = LEAVE_ONE_OUT_MAX_UNITS,
                  refits: Refits | None = None) -> LeaveOneOut | Unavailable:
    """Refit without each pilot unit; ``Unavailable`` with too few or too many pilot units.

    ``refits(units)``, when given, yields ``(unit, estimate without it)`` for the units in
    turn (an estimator that can leave a unit out faster than refitting a smaller frame);
    otherwise ``fit`` is called on the frame without each unit.
    """
    if columns.unit is None:
        return Unavailable("leave-one-out needs a unit column")
    if len(pilot_units) < 2:
        return Unavailable("with a single pilot unit there is nothing to leave out")
    if len(pilot_units) > max_units:
        return Unavailable(f"{len(pilot_units):,} pilot units: more than {max_units}, so no "
                           "single unit can carry the result")
    if refits is not None:
        rows = [(str(unit), found) for unit, found in refits(list(pilot_units))]
    else:
        rows = [(str(unit), fit(frame[frame[columns.unit] != unit], columns))
                for unit in pilot_units]
    return LeaveOneOut(full=full, rows=tuple(rows))


@dataclass(frozen=True)
class CovariateCheck:
    """The headline estimate with the analyst's covariates and without any."""

    with_covariates: Estimate
    without_covariates: Estimate
    covariates: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"covariates": list(self.covariates),
                "with_covariates": self.with_covariates.to_dict(),
                "without_covariates": self.without_covariates.to_dict(),
                "difference": json_number(self.with_covariates.estimate
                                          - self.without_covariates.estimate)}


def covariate_check(frame: pd.DataFrame, columns: PanelColumns, fit: Fit, *,
                    full: Estimate) -> CovariateCheck | Unavailable:
    if not columns.covariates:
        return Unavailable("no covariates were given")
    return CovariateCheck(with_covariates=full,
                          without_covariates=fit(frame, replace(columns, covariates=())),
                          covariates=tuple(columns.covariates))
