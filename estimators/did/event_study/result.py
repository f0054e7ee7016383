"""The immutable result of ``EventStudy.fit``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from pilot_eval.estimators.inference.fixed_effects import Absorption
from pilot_eval.estimators.results import DidEstimate, Term
from pilot_eval.estimators.unavailable import Unavailable, json_number, reasons


@dataclass(frozen=True)
class EventTimeEstimate:
    """One event time: its coefficient and interval (``None`` for the reference period).

    ``n_obs`` counts the rows of treated units at this event time (after binning);
    ``binned`` marks an end bin that pools event times beyond the window, and ``mean_event``
    is then the mean event time of the rows it pools (``None``: ``e`` itself), which a
    pre-trend test's power against a linear trend needs (Roth 2022).
    """

    e: int
    estimate: float
    se: float | Unavailable | None
    ci_low: float | Unavailable | None
    ci_high: float | Unavailable | None
    p_value: float | Unavailable | None
    n_obs: int
    is_reference: bool
    binned: bool
    mean_event: float | None = None

    def to_dict(self) -> dict[str, object]:
        return {"e": int(self.e), "estimate": json_number(self.estimate),
                "se": json_number(self.se), "ci_low": json_number(self.ci_low),
                "ci_high": json_number(self.ci_high), "p_value": json_number(self.p_value),
                "n_obs": int(self.n_obs), "is_reference": bool(self.is_reference),
                "binned": bool(self.binned),
                "mean_event": float(self.e if self.mean_event is None else self.mean_event)}


def event_time_terms(rows: Sequence[EventTimeEstimate]) -> tuple[Term, ...]:
    """Tidy rows of event-time effects: ``e=-2`` ..., the reference with estimate 0 and no
    inference, the statistic ``estimate / se`` (t)."""
    terms = []
    for row in rows:
        statistic = (None if row.se is None or isinstance(row.se, Unavailable)
                     or isinstance(row.estimate, Unavailable)
                     else float(row.estimate) / float(row.se))
        name = f"e={row.e}" + (" (reference)" if row.is_reference else "")
        terms.append(Term(name, row.estimate, row.se, statistic, row.p_value, row.ci_low,
                          row.ci_high))
    return tuple(terms)


@dataclass(frozen=True, kw_only=True, repr=False)
class EventStudyResult(DidEstimate):
    """Result of ``EventStudy.fit`` (immutable; arrays are read-only).

    ``coef``/``vcov`` are in the order of ``events`` (the reference period excluded): the
    inputs HonestDiD needs.  ``estimate`` is the equal-weight average of post-period effects.
    """

    title: ClassVar[str] = "Event study"
    event_time: tuple[EventTimeEstimate, ...]
    names: tuple[str, ...]
    events: tuple[int, ...]
    coef: np.ndarray
    vcov: np.ndarray | Unavailable
    reference: int
    window: tuple[int, int]
    binned: bool
    pretest_statistic: float | Unavailable
    pretest_df: int
    pretest_df_denominator: int
    pretest_p_value: float | Unavailable
    n_treated_units: int
    small_sample: float | Unavailable
    n_params: int
    absorption: Absorption

    def tidy_rows(self) -> tuple[Term, ...]:
        return event_time_terms(self.event_time)

    def tidy_extra(self) -> dict[str, list[object]]:
        return {"event_time": [row.e for row in self.event_time],
                "n_obs": [row.n_obs for row in self.event_time],
                "binned": [row.binned for row in self.event_time]}

    def pre_post(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(betahat, sigma, is_post)`` for HonestDiD: coefficients in event order."""
        if isinstance(self.vcov, Unavailable):
            raise ValueError(f"the covariance is not available ({self.vcov.reason})")
        post = np.array([e >= 0 for e in self.events])
        return np.array(self.coef), np.array(self.vcov), post

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary: ``event_time``, ``pretest``, ``vcov`` and the DiD keys."""
        vcov = None if isinstance(self.vcov, Unavailable) else [
            [float(v) for v in row] for row in self.vcov]
        return {
            "estimator": "event-study", "outcome": self.outcome,
            "estimate": json_number(self.estimate), "se": json_number(self.se),
            "ci_low": json_number(self.ci_low), "ci_high": json_number(self.ci_high),
            "p_value": json_number(self.p_value), "t_stat": json_number(self.t_stat),
            "estimate_description": "equal-weight average of the post-period event-time "
                                    "effects (e >= 0)",
            "df": int(self.df), "level": float(self.level), "n_obs": int(self.n_obs),
            "n_units": self.n_units, "n_periods": int(self.n_periods),
            "n_treated_units": int(self.n_treated_units),
            "n_clusters": None if self.n_clusters is None else int(self.n_clusters),
            "se_type": self.se_type, "se_description": self.se_description,
            "small_sample_factor": json_number(self.small_sample),
            "n_params": int(self.n_params), "reference": int(self.reference),
            "window": [int(self.window[0]), int(self.window[1])], "binned": bool(self.binned),
            "event_time": [row.to_dict() for row in self.event_time],
            "pretest": {"statistic": json_number(self.pretest_statistic),
                        "df": int(self.pretest_df),
                        "df_denominator": int(self.pretest_df_denominator),
                        "p_value": json_number(self.pretest_p_value),
                        "test": "F (Wald / q) that every lead is zero, df as fixest wald()"},
            "vcov": vcov, "vcov_event_times": [int(e) for e in self.events],
            "absorption": self.absorption.to_dict(),
            "warnings": list(self.warnings),
            "unavailable": reasons(estimate=self.estimate, se=self.se, p_value=self.p_value,
                                   ci_low=self.ci_low, ci_high=self.ci_high,
                                   vcov=self.vcov, pretest=self.pretest_p_value),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per event time (the reference included), a fresh frame."""
        return pd.DataFrame([row.to_dict() for row in self.event_time])

    def summary(self) -> str:
        """A short plain-text report."""
        lines = [f"Event study: {self.outcome} (reference e = {self.reference})",
                 f"  {self.n_obs} rows, {self.n_units} units ({self.n_treated_units} treated), "
                 f"{self.n_periods} periods; {self.se_description}"]
        for row in self.event_time:
            if row.is_reference:
                lines.append(f"  e={row.e:>4}: 0 (reference)")
            else:
                lines.append(f"  e={row.e:>4}: {row.estimate:.6g}  SE {_fmt(row.se)}  "
                             f"CI ({_fmt(row.ci_low)}, {_fmt(row.ci_high)})"
                             + ("  [end bin]" if row.binned else ""))
        lines.append(f"  pre-trend F({self.pretest_df}, {self.pretest_df_denominator}) = "
                     f"{_fmt(self.pretest_statistic)}, p = {_fmt(self.pretest_p_value)}")
        lines.append(f"  average post-period effect {_fmt(self.estimate)} (SE {_fmt(self.se)})")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _fmt(value: float | Unavailable | None) -> str:
    if value is None or isinstance(value, Unavailable):
        return "n/a"
    return f"{float(value):.6g}"
