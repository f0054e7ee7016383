"""The immutable result of ``SunAbraham.fit``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from pilot_eval.estimators.did.event_study.result import EventTimeEstimate, event_time_terms
from pilot_eval.estimators.results import DidEstimate, Term
from pilot_eval.estimators.unavailable import Unavailable, json_number, reasons


@dataclass(frozen=True)
class CohortEffect:
    """One cohort x event-time coefficient and its share in that event time's aggregate."""

    cohort: float
    e: int
    estimate: float
    se: float | Unavailable
    ci_low: float | Unavailable
    ci_high: float | Unavailable
    n_obs: int
    weight: float

    def to_dict(self) -> dict[str, object]:
        cohort = int(self.cohort) if float(self.cohort).is_integer() else float(self.cohort)
        return {"group": cohort, "e": int(self.e), "time": json_number(self.cohort + self.e),
                "estimate": json_number(self.estimate), "se": json_number(self.se),
                "ci_low": json_number(self.ci_low), "ci_high": json_number(self.ci_high),
                "n_obs": int(self.n_obs), "weight": float(self.weight)}


@dataclass(frozen=True, kw_only=True, repr=False)
class SunAbrahamResult(DidEstimate):
    """Result of ``SunAbraham.fit`` (immutable; ``vcov`` is read-only).

    ``event_time`` holds the aggregated effects (the reference included, flagged);
    ``vcov`` is their covariance in the order of ``events``; ``cohort_effects`` the
    cohort x event-time coefficients.
    """

    title: ClassVar[str] = "Sun & Abraham interaction-weighted event study"
    control: str
    reference: int
    event_time: tuple[EventTimeEstimate, ...]
    events: tuple[int, ...]
    vcov: np.ndarray | Unavailable
    cohort_effects: tuple[CohortEffect, ...]
    pretest_statistic: float | Unavailable
    pretest_df: int
    pretest_df_denominator: int
    pretest_p_value: float | Unavailable

    def tidy_rows(self) -> tuple[Term, ...]:
        return event_time_terms(self.event_time)

    def tidy_extra(self) -> dict[str, list[object]]:
        return {"event_time": [row.e for row in self.event_time],
                "n_obs": [row.n_obs for row in self.event_time]}

    @property
    def coef(self) -> np.ndarray:
        """Aggregated event-time effects in the order of ``events`` (a fresh array)."""
        by_e = {row.e: row.estimate for row in self.event_time}
        return np.array([by_e[e] for e in self.events])

    def pre_post(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(betahat, sigma, is_post)`` for HonestDiD."""
        if isinstance(self.vcov, Unavailable):
            raise ValueError(f"the covariance is not available ({self.vcov.reason})")
        return self.coef, np.array(self.vcov), np.array([e >= 0 for e in self.events])

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary with ``event_time``, ``att_gt`` (cohort effects), ``pretest``."""
        vcov = None if isinstance(self.vcov, Unavailable) else [
            [float(v) for v in row] for row in self.vcov]
        return {
            "estimator": "sun-abraham", "outcome": self.outcome, "control": self.control,
            "estimate": json_number(self.estimate), "se": json_number(self.se),
            "ci_low": json_number(self.ci_low), "ci_high": json_number(self.ci_high),
            "p_value": json_number(self.p_value), "t_stat": json_number(self.t_stat),
            "estimate_description": "ATT over post-period cells, weighted by treated rows "
                                    "(fixest agg = 'ATT')",
            "df": int(self.df), "level": float(self.level), "n_obs": int(self.n_obs),
            "n_units": self.n_units, "n_periods": int(self.n_periods),
            "n_clusters": None if self.n_clusters is None else int(self.n_clusters),
            "se_type": self.se_type, "se_description": self.se_description,
            "reference": int(self.reference),
            "event_time": [row.to_dict() for row in self.event_time],
            "att_gt": [row.to_dict() for row in self.cohort_effects],
            "pretest": {"statistic": json_number(self.pretest_statistic),
                        "df": int(self.pretest_df),
                        "df_denominator": int(self.pretest_df_denominator),
                        "p_value": json_number(self.pretest_p_value),
                        "test": "F (Wald / q) that every aggregated lead is zero"},
            "vcov": vcov, "vcov_event_times": [int(e) for e in self.events],
            "weights_note": "cohort shares held fixed in the variance (fixest convention)",
            "warnings": list(self.warnings),
            "unavailable": reasons(estimate=self.estimate, se=self.se, p_value=self.p_value,
                                   vcov=self.vcov, pretest=self.pretest_p_value),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per event time (aggregated), a fresh frame."""
        return pd.DataFrame([row.to_dict() for row in self.event_time])

    def summary(self) -> str:
        """A short plain-text report."""
        lines = [f"Sun & Abraham interaction-weighted event study: {self.outcome} "
                 f"(comparison: {self.control}-treated, reference e = {self.reference})",
                 f"  {self.n_obs} rows, {self.n_units} units; {self.se_description}"]
        for row in self.event_time:
            if row.is_reference:
                lines.append(f"  e={row.e:>4}: 0 (reference)")
            else:
                lines.append(f"  e={row.e:>4}: {row.estimate:.6g}  SE {_fmt(row.se)}")
        lines.append(f"  ATT (post periods) {_fmt(self.estimate)} (SE {_fmt(self.se)})")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _fmt(value: float | Unavailable | None) -> str:
    if value is None or isinstance(value, Unavailable):
        return "n/a"
    return f"{float(value):.6g}"
