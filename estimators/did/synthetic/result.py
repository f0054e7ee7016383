"""The immutable result of ``SyntheticDid.fit``: the effect, its inference, and the weights."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd
from pilot_eval.estimators.results import Result, Term, label_of
from pilot_eval.estimators.unavailable import Unavailable, json_number, reasons

METHOD_NAMES = {"sdid": "synthetic difference-in-differences", "sc": "synthetic control",
                "did": "difference-in-differences"}


def _label(value: object) -> object:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass(frozen=True)
class UnitWeight:
    """A comparison unit's weight in one cohort's synthetic comparison."""

    unit: object
    weight: float


@dataclass(frozen=True)
class Trajectory:
    """A cohort's pilot mean and synthetic comparison in every period.

    ``synthetic`` is the omega-weighted comparison mean; ``offset`` the lambda-weighted
    pre-period gap between pilot and synthetic (synthetic DiD allows a constant level
    difference), so ``synthetic + offset`` is the pilot's estimated path without the pilot.
    """

    periods: tuple[object, ...]
    pilot: tuple[float, ...]
    synthetic: tuple[float, ...]
    offset: float

    @property
    def adjusted(self) -> tuple[float, ...]:
        return tuple(s + self.offset for s in self.synthetic)


@dataclass(frozen=True)
class CohortEffect:
    """One start period's block estimate and what it is made of."""

    start: object
    estimate: float
    weight: float
    n_treated: int
    n_controls: int
    n_pre: int
    n_post: int
    treated_units: tuple[object, ...]
    unit_weights: tuple[UnitWeight, ...]
    time_weights: tuple[tuple[object, float], ...]
    trajectory: Trajectory
    pre_fit_rmse: float
    regularisation: dict[str, float]

    @property
    def effective_controls(self) -> float:
        """``1 / sum(omega^2)`` (R synthdid's ``N0.effective``)."""
        w = np.array([u.weight for u in self.unit_weights])
        return float(1.0 / np.sum(w ** 2))

    @property
    def effective_pre_periods(self) -> float:
        w = np.array([t[1] for t in self.time_weights])
        return float(1.0 / np.sum(w ** 2)) if w.any() else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "start": _label(self.start), "estimate": json_number(self.estimate),
            "weight": self.weight, "n_treated": self.n_treated, "n_controls": self.n_controls,
            "n_pre": self.n_pre, "n_post": self.n_post,
            "treated_units": [_label(u) for u in self.treated_units],
            "unit_weights": [{"unit": _label(u.unit), "weight": u.weight}
                             for u in self.unit_weights if u.weight > 0],
            "time_weights": [{"period": _label(p), "weight": w}
                             for p, w in self.time_weights if w > 0],
            "pre_fit_rmse": json_number(self.pre_fit_rmse),
            "effective_controls": json_number(self.effective_controls),
            "effective_pre_periods": json_number(self.effective_pre_periods),
            "trajectory": {"periods": [_label(p) for p in self.trajectory.periods],
                           "pilot": list(self.trajectory.pilot),
                           "synthetic": list(self.trajectory.synthetic),
                           "offset": self.trajectory.offset},
            "regularisation": dict(self.regularisation),
        }


@dataclass(frozen=True, repr=False)
class SyntheticDidResult(Result):
    """Result of ``SyntheticDid.fit`` (immutable).

    ``estimate`` is the average effect over pilot unit-periods; ``se`` comes from
    ``se_method`` (placebo, bootstrap or jackknife); the interval and p-value use the normal
    approximation (as R synthdid and Stata sdid).  ``cohorts`` keep each start period's
    unit and time weights.
    """

    title: ClassVar[str] = "Synthetic difference-in-differences"

    outcome: str
    method: str
    estimate: float
    se: float | Unavailable
    ci_low: float | Unavailable
    ci_high: float | Unavailable
    p_value: float | Unavailable
    level: float
    se_method: str
    replications: int
    seed: int | None
    replicate_estimates: tuple[float, ...]
    placebo_rank: int | None
    n_obs: int
    n_units: int
    n_treated: int
    n_controls: int
    n_periods: int
    cohorts: tuple[CohortEffect, ...]
    covariates: tuple[tuple[str, float], ...]
    warnings: tuple[str, ...]
    period_labels: dict[int, str] = field(default_factory=dict)
    """Period codes -> labels (``Apr 2024``) for ``summary``; empty: codes shown."""

    @property
    def unit_weights(self) -> pd.DataFrame:
        """Comparison-unit weights, one column per cohort, largest first (a fresh frame)."""
        frame = pd.DataFrame({_label(c.start): {_label(u.unit): u.weight
                                                for u in c.unit_weights}
                              for c in self.cohorts})
        return frame.sort_values(by=list(frame.columns), ascending=False)

    @property
    def time_weights(self) -> pd.DataFrame:
        """Pre-period weights, one column per cohort (a fresh frame)."""
        return pd.DataFrame({_label(c.start): dict(c.time_weights) for c in self.cohorts})

    @property
    def pre_fit_rmse(self) -> float:
        """Root mean squared pre-period gap between pilot and adjusted synthetic comparison,
        averaged over cohorts with the cohort weights."""
        return float(sum(c.weight * c.pre_fit_rmse for c in self.cohorts))

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary (keys of docs/architecture.md plus the weights)."""
        return {
            "estimator": {"sdid": "synthetic-did", "sc": "synthetic-control",
                          "did": "did"}[self.method],
            "method": self.method, "outcome": self.outcome,
            "estimate": json_number(self.estimate), "se": json_number(self.se),
            "ci_low": json_number(self.ci_low), "ci_high": json_number(self.ci_high),
            "p_value": json_number(self.p_value), "level": self.level,
            "se_type": self.se_method, "se_description": self.se_description,
            "replications": self.replications, "seed": self.seed,
            "placebo_rank": self.placebo_rank,
            "n_obs": self.n_obs, "n_units": self.n_units, "n_treated": self.n_treated,
            "n_controls": self.n_controls, "n_periods": self.n_periods,
            "n_clusters": None, "pre_fit_rmse": json_number(self.pre_fit_rmse),
            "cohorts": [c.to_dict() for c in self.cohorts],
            "covariates": [{"name": n, "coefficient": b} for n, b in self.covariates],
            "warnings": list(self.warnings),
            "unavailable": reasons(se=self.se, ci_low=self.ci_low, ci_high=self.ci_high,
                                   p_value=self.p_value),
        }

    @property
    def se_description(self) -> str:
        if isinstance(self.se, Unavailable):
            return f"no standard error ({self.se.reason})"
        what = {"placebo": "placebo (comparison units given the pilot's start at random)",
                "bootstrap": "unit bootstrap", "jackknife": "leave-one-unit-out jackknife"}
        reps = "" if self.se_method == "jackknife" else f", {self.replications} replications"
        seed = "" if self.se_method == "jackknife" else f", seed {self.seed}"
        return (f"{what.get(self.se_method, self.se_method)} standard error{reps}{seed}; "
                "normal-approximation interval and p-value (Arkhangelsky et al. 2021)")

    def tidy_rows(self) -> tuple[Term, ...]:
        """The overall effect, then each cohort (``tidy()``, shared result protocol)."""
        rows = [Term("effect", self.estimate, self.se, _ratio(self.estimate, self.se),
                     self.p_value, self.ci_low, self.ci_high)]
        if len(self.cohorts) > 1:
            rows += [Term(f"cohort {_label(c.start)}", c.estimate) for c in self.cohorts]
        return tuple(rows)

    def to_frame(self) -> pd.DataFrame:
        """Each cohort's estimate, weight and size (a fresh frame)."""
        return pd.DataFrame([{"start": _label(c.start), "estimate": c.estimate,
                              "weight": c.weight, "n_treated": c.n_treated,
                              "n_pre": c.n_pre, "n_post": c.n_post,
                              "pre_fit_rmse": c.pre_fit_rmse} for c in self.cohorts])

    def summary(self) -> str:
        """A short plain-text report with the largest weights."""
        name = METHOD_NAMES[self.method]
        lines = [f"{name.capitalize()}: {self.outcome}",
                 f"  estimate {self.estimate:.6g}  SE {_fmt(self.se)}  p {_fmt(self.p_value)}",
                 f"  {self.level:.0%} CI ({_fmt(self.ci_low)}, {_fmt(self.ci_high)})",
                 f"  {self.n_treated} pilot unit(s), {self.n_controls} comparison unit(s), "
                 f"{self.n_periods} periods",
                 f"  {self.se_description}"]
        for c in self.cohorts:
            top = sorted(c.unit_weights, key=lambda u: -u.weight)[:5]
            shown = ", ".join(f"{_label(u.unit)} {u.weight:.3f}" for u in top if u.weight > 0)
            lines.append(f"  start {label_of(_label(c.start), self.period_labels)}: estimate {c.estimate:.6g} (weight "
                         f"{c.weight:.3f}); largest comparison weights: {shown}")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _fmt(value: float | Unavailable) -> str:
    return str(value) if isinstance(value, Unavailable) else f"{value:.6g}"


def _ratio(estimate: float, se: float | Unavailable) -> float | None:
    if isinstance(se, Unavailable) or se == 0:
        return None
    return estimate / se
