"""What a Fine-Gray fit returns: subdistribution hazard ratios, the pseudo-likelihood tests and
the baseline cumulative subdistribution hazard, from which the cumulative incidence of the cause
is predicted for given covariate values."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.results import Result, Term, tidy_frame
from pilot_eval.estimators.unavailable import json_number


@dataclass(frozen=True)
class FineGrayCoefficient:
    """One covariate: log subdistribution hazard ratio, its SE and the ratio's interval."""

    name: str
    coef: float
    se: float
    se_model: float
    shr: float
    ci_low: float
    ci_high: float
    p_value: float

    @property
    def z(self) -> float:
        return self.coef / self.se

    def to_dict(self) -> dict:
        return {"name": self.name, **{k: json_number(getattr(self, k)) for k in (
            "coef", "se", "se_model", "shr", "ci_low", "ci_high", "p_value")}}


@dataclass(frozen=True, kw_only=True, repr=False)
class FineGrayResult(Result):
    """Fine-Gray proportional subdistribution hazards for one event type.

    ``tidy()`` gives the coefficients on the log scale (``statistic`` = z);
    ``tidy(exponentiate=True)`` the subdistribution hazard ratios and their intervals.
    ``cumulative_incidence({"pilot": 1})`` predicts the cumulative incidence of the event type
    for those covariate values (crr's ``predict.crr``).
    """

    title: ClassVar[str] = "Fine-Gray subdistribution hazards (competing risks)"

    event_type: object
    coefficients: tuple[FineGrayCoefficient, ...]
    log_pseudolikelihood: float
    log_pseudolikelihood_null: float
    lr_statistic: float
    lr_df: int
    lr_p_value: float
    wald_statistic: float
    wald_p_value: float
    n_obs: int
    n_events: int
    n_competing: int
    n_censored: int
    n_clusters: int | None
    level: float
    se_type: str
    converged: bool
    iterations: int
    event_times: np.ndarray
    baseline_hazard: np.ndarray  # jumps of the baseline cumulative subdistribution hazard
    warnings: tuple[str, ...] = ()

    def headline(self) -> str:
        return (f"event {self.event_type!r}: {len(self.coefficients)} covariate(s), "
                f"n = {self.n_obs}, events = {self.n_events}, competing = {self.n_competing}; "
                f"SE: {self.se_type}")

    def tidy_rows(self) -> tuple[Term, ...]:
        return tuple(Term(c.name, c.coef, c.se, c.z, c.p_value, math.log(c.ci_low),
                          math.log(c.ci_high)) for c in self.coefficients)

    def tidy(self, exponentiate: bool = False) -> pd.DataFrame:
        """One row per covariate; ``exponentiate=True``: subdistribution hazard ratios."""
        if not exponentiate:
            return super().tidy()
        return tidy_frame(Term(c.name, c.shr, c.se, c.z, c.p_value, c.ci_low, c.ci_high)
                          for c in self.coefficients)

    def cumulative_incidence(self, values: Mapping[str, float],
                             times: Sequence[float] | None = None) -> pd.DataFrame:
        """Predicted cumulative incidence ``1 - exp(-e^{x'b} Lambda_0(t))`` of the event type
        for covariate ``values`` (every covariate named), at the event times of the fit or at
        ``times``: a frame with ``time`` and ``cumulative_incidence``."""
        names = [c.name for c in self.coefficients]
        missing = [n for n in names if n not in values]
        unknown = sorted(set(values) - set(names))
        if missing or unknown:
            raise EstimationError(
                f"give a value for each covariate of the model ({', '.join(names)}); "
                + (f"missing: {', '.join(missing)}" if missing else
                   f"not in the model: {', '.join(unknown)}"))
        linear = sum(float(values[c.name]) * c.coef for c in self.coefficients)
        cumulative = np.cumsum(self.baseline_hazard)
        if times is None:
            at, hazard = self.event_times, cumulative
        else:
            at = np.asarray(times, dtype=float)
            index = np.searchsorted(self.event_times, at, side="right")
            hazard = np.concatenate(([0.0], cumulative))[index]
        return pd.DataFrame({"time": at, "cumulative_incidence":
                             1.0 - np.exp(-math.exp(linear) * hazard)})

    def summary(self) -> str:
        pct = f"{self.level:.0%}"
        width = max(12, *(len(c.name) + 2 for c in self.coefficients))
        lines = [f"Fine-Gray competing-risks regression; event: {self.event_type!r}; "
                 f"SE: {self.se_type}",
                 f"n = {self.n_obs}, events = {self.n_events}, competing = {self.n_competing}, "
                 f"censored = {self.n_censored}"
                 + ("" if self.n_clusters is None else f", clusters = {self.n_clusters}"),
                 f"{'':{width}}{'coef':>10}{'se':>10}{'SHR':>9}  {pct} CI of SHR{'':4}{'p':>8}"]
        for c in self.coefficients:
            lines.append(f"{c.name:{width}}{c.coef:10.5f}{c.se:10.5f}{c.shr:9.4f}  "
                         f"{c.ci_low:.4f} to {c.ci_high:.4f}{c.p_value:10.4g}")
        lines.append(f"Log pseudo-likelihood {self.log_pseudolikelihood:.4f}; pseudo LR test "
                     f"{self.lr_statistic:.2f} on {self.lr_df} df; Wald chi2 "
                     f"{self.wald_statistic:.2f}, p = {self.wald_p_value:.3g}")
        lines += [f"Warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([c.to_dict() for c in self.coefficients]).set_index("name")

    def to_dict(self) -> dict:
        event = self.event_type
        return {
            "estimator": "fine-gray", "event_type": event if isinstance(
                event, str | int | float) else str(event),
            "coefficients": [c.to_dict() for c in self.coefficients],
            "log_pseudolikelihood": json_number(self.log_pseudolikelihood),
            "log_pseudolikelihood_null": json_number(self.log_pseudolikelihood_null),
            "lr_test": {"statistic": json_number(self.lr_statistic), "df": self.lr_df,
                        "p_value": json_number(self.lr_p_value)},
            "wald_test": {"statistic": json_number(self.wald_statistic), "df": self.lr_df,
                          "p_value": json_number(self.wald_p_value)},
            "n_obs": self.n_obs, "n_events": self.n_events, "n_competing": self.n_competing,
            "n_censored": self.n_censored, "n_clusters": self.n_clusters, "level": self.level,
            "se_type": self.se_type, "converged": self.converged,
            "iterations": self.iterations, "warnings": list(self.warnings),
        }
