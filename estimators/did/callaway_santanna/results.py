"""Immutable results of the Callaway & Sant'Anna estimator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pilot_eval.estimators.inference.distributions import norm_sf
from pilot_eval.estimators.results import Estimate, Term, label_of, tidy_frame
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

    value: float | None
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


def z_headline(estimate: Number, se: Number) -> tuple[Number, Number]:
    """``(z, two-sided normal p-value)`` of an estimate and its standard error."""
    if isinstance(estimate, Unavailable) or isinstance(se, Unavailable):
        missing = Unavailable("no estimate or standard error")
        return missing, missing
    z = estimate / se
    return z, float(2.0 * norm_sf(abs(z)))


@dataclass(frozen=True, kw_only=True, repr=False)
class CallawaySantAnnaResult(Estimate):
    """Everything a Callaway & Sant'Anna fit produced; the headline (``estimate``, ``se``,
    interval, ``t_stat`` and ``p_value``, normal theory) is the ``simple`` aggregate."""

    title: ClassVar[str] = "Callaway & Sant'Anna (2021) difference-in-differences"
    outcome: str
    t_stat: Number
    control: str
    method: str
    base_period: str
    anticipation: int
    covariates: tuple[str, ...]
    bootstrap: int
    seed: int | None
    balance_e: int | None
    unbalanced: str
    att_gt: tuple[GroupTimeEffect, ...]
    aggregations: tuple[Aggregation, ...]
    pretest: Pretest
    n_units: int
    n_periods: int
    cluster: str
    n_clusters: int
    critical_value: float
    period_labels: dict[int, str] = field(default_factory=dict)
    # n_units x len(att_gt), read-only; for checks and further tests (not compared, not printed)
    influence: np.ndarray = field(compare=False, repr=False)

    def aggregation(self, kind: str) -> Aggregation:
        """The aggregation ``simple``, ``group``, ``dynamic`` or ``calendar``."""
        for agg in self.aggregations:
            if agg.kind == kind:
                return agg
        raise KeyError(f"no aggregation {kind!r}; choose one of {', '.join(AGGREGATION_KINDS)}")

    def label(self, period: float | None) -> str:
        """A period as the data gave it (``"Apr 2024"``), or its number."""
        return label_of(period, self.period_labels)

    def tidy_rows(self) -> tuple[Term, ...]:
        return tuple(
            Term(f"ATT({self.label(e.group)}, {self.label(e.time)})", e.estimate, e.se,
                 z_headline(e.estimate, e.se)[0], None, e.ci_low, e.ci_high)
            for e in self.att_gt)

    def tidy_extra(self) -> dict[str, list[object]]:
        return {"group": [e.group for e in self.att_gt], "time": [e.time for e in self.att_gt],
                "post": [e.post for e in self.att_gt]}

    def tidy(self, aggregation: str | None = None) -> pd.DataFrame:
        """ATT(g,t) rows (``statistic`` = z; no pointwise p-values, as R ``did``), or the rows
        of an ``aggregation`` (``"simple"``, ``"group"``, ``"dynamic"``, ``"calendar"``) with
        the overall estimate first."""
        if aggregation is None:
            return super().tidy()
        agg = self.aggregation(aggregation)
        z, p = z_headline(agg.estimate, agg.se)
        terms = [Term(f"ATT ({agg.kind})", agg.estimate, agg.se, z, p, agg.ci_low, agg.ci_high)]
        for row in agg.rows:
            name = (f"e={row.value:g}" if agg.kind == "dynamic"
                    else f"{ROW_NAMES[agg.kind]} {self.label(row.value)}")
            terms.append(Term(name, row.estimate, row.se, z_headline(row.estimate, row.se)[0],
                              None, row.ci_low, row.ci_high))
        return tidy_frame(terms)

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
        return {
            "estimator": "callaway-santanna",
            "outcome": self.outcome,
            "estimate": json_number(self.estimate),
            "se": json_number(self.se),
            "ci_low": json_number(self.ci_low),
            "ci_high": json_number(self.ci_high),
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
        def num(v: Number) -> str:
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
            lines.append(f"{agg.kind:<12}{num(agg.estimate):>10}{num(agg.se):>10}"
                         f"{num(agg.ci_low):>10}{num(agg.ci_high):>10}")
        lines.append("")
        p = self.pretest
        lines.append(f"pre-test of parallel trends: W = {num(p.statistic).strip()}, df = {p.df}, "
                     f"p = {num(p.p_value).strip()}")
        lines.append("")
        width = max([5, *(len(self.label(v)) for e in self.att_gt for v in (e.group, e.time))])
        lines.append(f"{'group':>{width}} {'time':>{width}}{'ATT(g,t)':>10}{'se':>10}")
        for e in self.att_gt:
            lines.append(f"{self.label(e.group):>{width}} {self.label(e.time):>{width}}"
                         f"{num(e.estimate):>10}{num(e.se):>10}")
        if self.warnings:
            lines.append("")
            lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)
