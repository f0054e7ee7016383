"""Immutable results of the Callaway & Sant'Anna estimator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pilot_eval.estimators.inference.distributions import norm_sf
from pilot_eval.estimators.unavailable import Unavailable, json_number

Number = float | Unavailable
AGGREGATION_KINDS = ("simple", "group", "dynamic", "calendar")
ROW_NAMES = {"group": "group", "dynamic": "event_time", "calendar": "time"}


@dataclass(frozen=True)
class GroupTimeEffect:
    """ATT(g,t): cohort ``group`` (first treated period) in period ``time``."""

    group: float
    time: float
    base: float
    estimate: Number
    se: Number
    ci_low: Number
    ci_high: Number
    post: bool


@dataclass(frozen=True)
class AggregationRow:
    """One cohort (group), event time (dynamic) or period (calendar) of an aggregation."""

    value: float
    estimate: Number
    se: Number
    ci_low: Number
    ci_high: Number


@dataclass(frozen=True)
class Aggregation:
    """An aggregation: the overall estimate and, except for ``simple``, its rows.

    ``band`` says whether the rows' intervals are pointwise or simultaneous (bootstrap sup-t).
    """

    kind: str
    estimate: Number
    se: Number
    ci_low: Number
    ci_high: Number
    rows: tuple[AggregationRow, ...]
    band: str
    critical_value: float

    def to_dict(self) -> dict[str, Any]:
        key = ROW_NAMES.get(self.kind, "value")
        return {
            "estimate": json_number(self.estimate), "se": json_number(self.se),
            "ci_low": json_number(self.ci_low), "ci_high": json_number(self.ci_high),
            "band": self.band, "critical_value": json_number(self.critical_value),
            "rows": [
                {key: r.value, "estimate": json_number(r.estimate), "se": json_number(r.se),
                 "ci_low": json_number(r.ci_low), "ci_high": json_number(r.ci_high)}
                for r in self.rows
            ],
        }


@dataclass(frozen=True)
class Pretest:
    """Wald pre-test that every pre-treatment ATT(g,t) is zero (chi-squared, ``df``)."""

    statistic: Number
    df: int
    p_value: Number


@dataclass(frozen=True)
class CallawaySantAnnaResult:
    """Everything a Callaway & Sant'Anna fit produced; the headline is the ``simple`` aggregate."""

    outcome: str
    control: str
    method: str
    base_period: str
    anticipation: int
    covariates: tuple[str, ...]
    level: float
    bootstrap: int
    seed: int | None
    balance_e: int | None
    unbalanced: str
    att_gt: tuple[GroupTimeEffect, ...]
    aggregations: tuple[Aggregation, ...]
    pretest: Pretest
    n_units: int
    n_obs: int
    n_periods: int
    cluster: str
    n_clusters: int
    critical_value: float
    warnings: tuple[str, ...]
    # n_units x len(att_gt), read-only; for checks and further tests (not compared, not printed)
    influence: np.ndarray = field(compare=False, repr=False)

    def aggregation(self, kind: str) -> Aggregation:
        """The aggregation ``simple``, ``group``, ``dynamic`` or ``calendar``."""
        for agg in self.aggregations:
            if agg.kind == kind:
                return agg
        raise KeyError(f"no aggregation {kind!r}; choose one of {', '.join(AGGREGATION_KINDS)}")

    @property
    def estimate(self) -> Number:
        return self.aggregation("simple").estimate

    @property
    def ci_low(self) -> Number:
        """Lower end of the ``simple`` aggregate's interval (the headline)."""
        return self.aggregation("simple").ci_low

    @property
    def ci_high(self) -> Number:
        """Upper end of the ``simple`` aggregate's interval (the headline)."""
        return self.aggregation("simple").ci_high

    @property
    def se(self) -> Number:
        return self.aggregation("simple").se

    @property
    def t_stat(self) -> Number:
        if isinstance(self.estimate, Unavailable) or isinstance(self.se, Unavailable):
            return Unavailable("no estimate or standard error")
        return self.estimate / self.se

    @property
    def p_value(self) -> Number:
        t = self.t_stat
        return t if isinstance(t, Unavailable) else float(2.0 * norm_sf(abs(t)))

    @property
    def se_description(self) -> str:
        kind = (f"multiplier bootstrap ({self.bootstrap} Rademacher draws, seed {self.seed})"
                if self.bootstrap else "analytic, from the influence function")
        return (f"{kind}; clustered by {self.cluster} ({self.n_clusters} clusters); normal (z) "
                "intervals; as R did")

    def to_frame(self) -> pd.DataFrame:
        """One row per ATT(g,t) (a fresh frame; unavailable values are NaN here)."""
        def num(v: Number) -> float:
            return float("nan") if isinstance(v, Unavailable) else float(v)

        return pd.DataFrame(
            {
                "group": [e.group for e in self.att_gt],
                "time": [e.time for e in self.att_gt],
                "base": [e.base for e in self.att_gt],
                "post": [e.post for e in self.att_gt],
                "estimate": [num(e.estimate) for e in self.att_gt],
                "se": [num(e.se) for e in self.att_gt],
                "ci_low": [num(e.ci_low) for e in self.att_gt],
                "ci_high": [num(e.ci_high) for e in self.att_gt],
            }
        )

    def _unavailable(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for name in ("estimate", "se", "t_stat", "p_value"):
            value = getattr(self, name)
            if isinstance(value, Unavailable):
                found[name] = value.reason
        for name in ("statistic", "p_value"):
            value = getattr(self.pretest, name)
            if isinstance(value, Unavailable):
                found[f"pretest.{name}"] = value.reason
        for e in self.att_gt:
            for name in ("estimate", "se"):
                value = getattr(e, name)
                if isinstance(value, Unavailable):
                    found[f"att_gt[{e.group},{e.time}].{name}"] = value.reason
        for agg in self.aggregations:
            for name in ("estimate", "se"):
                value = getattr(agg, name)
                if isinstance(value, Unavailable):
                    found[f"aggregations.{agg.kind}.{name}"] = value.reason
        found["df"] = "normal (z) inference, as R did: no degrees of freedom"
        return found

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary: ``None`` for unavailable numbers, reasons under ``unavailable``."""
        simple = self.aggregation("simple")
        return {
            "estimator": "callaway-santanna",
            "outcome": self.outcome,
            "estimate": json_number(simple.estimate),
            "se": json_number(simple.se),
            "ci_low": json_number(simple.ci_low),
            "ci_high": json_number(simple.ci_high),
            "p_value": json_number(self.p_value),
            "t_stat": json_number(self.t_stat),
            "df": None,
            "level": self.level,
            "att_gt": [
                {"group": e.group, "time": e.time, "base": e.base, "post": e.post,
                 "estimate": json_number(e.estimate), "se": json_number(e.se),
                 "ci_low": json_number(e.ci_low), "ci_high": json_number(e.ci_high)}
                for e in self.att_gt
            ],
            "aggregations": {agg.kind: agg.to_dict() for agg in self.aggregations},
            "pretest": {"statistic": json_number(self.pretest.statistic), "df": self.pretest.df,
                        "p_value": json_number(self.pretest.p_value)},
            "control": self.control,
            "method": self.method,
            "base_period": self.base_period,
            "anticipation": self.anticipation,
            "covariates": list(self.covariates),
            "balance_e": self.balance_e,
            "unbalanced": self.unbalanced,
            "bootstrap": self.bootstrap,
            "seed": self.seed,
            "critical_value": json_number(self.critical_value),
            "n_units": self.n_units,
            "n_obs": self.n_obs,
            "n_periods": self.n_periods,
            "n_clusters": self.n_clusters,
            "cluster": self.cluster,
            "se_type": "bootstrap" if self.bootstrap else "cluster",
            "se_description": self.se_description,
            "warnings": list(self.warnings),
            "unavailable": self._unavailable(),
        }

    def summary(self) -> str:
        """Plain-text report: headline, aggregations, pre-test and every ATT(g,t)."""
        def fmt(v: Number) -> str:
            return "n/a" if isinstance(v, Unavailable) else f"{v: .4f}"

        pct = f"{self.level:.0%}"
        lines = [
            f"Callaway & Sant'Anna (2021) DiD for '{self.outcome}'",
            f"control: {self.control}-treated, method: {self.method}, base period: "
            f"{self.base_period}, anticipation: {self.anticipation}, covariates: "
            f"{', '.join(self.covariates) or 'none'}",
            f"{self.n_units} units, {self.n_periods} periods, {self.n_obs} observations",
            f"standard errors: {self.se_description}",
            "",
            f"{'aggregation':<12}{'estimate':>10}{'se':>10}{f'{pct} low':>10}{f'{pct} high':>10}",
        ]
        for agg in self.aggregations:
            lines.append(f"{agg.kind:<12}{fmt(agg.estimate):>10}{fmt(agg.se):>10}"
                         f"{fmt(agg.ci_low):>10}{fmt(agg.ci_high):>10}")
        lines.append("")
        p = self.pretest
        lines.append(f"pre-test of parallel trends: W = {fmt(p.statistic).strip()}, df = {p.df}, "
                     f"p = {fmt(p.p_value).strip()}")
        lines.append("")
        lines.append(f"{'group':>6}{'time':>6}{'ATT(g,t)':>10}{'se':>10}")
        for e in self.att_gt:
            lines.append(f"{e.group:>6}{e.time:>6}{fmt(e.estimate):>10}{fmt(e.se):>10}")
        if self.warnings:
            lines.append("")
            lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)
