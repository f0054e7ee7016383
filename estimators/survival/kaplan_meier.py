"""Kaplan-Meier retention curves with Greenwood standard errors, median and fixed-time survival.

Own numpy implementation (exact; vectorised with ``np.unique``/``np.bincount``), checked
against R ``survival::survfit`` published figures and lifelines ``KaplanMeierFitter``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal, Unpack, get_args

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import SpellColumns, SpellRoles, resolve_columns
from pilot_eval.estimators.inference.distributions import norm_ppf
from pilot_eval.estimators.literals import check_choice, check_level
from pilot_eval.estimators.results import Result, Term
from pilot_eval.estimators.survival.data import (
    RiskTable,
    SurvivalArrays,
    arrays_from_frame,
    step_value,
    survival_arrays,
)
from pilot_eval.estimators.unavailable import (
    JsonReady,
    Unavailable,
    json_number,
    json_numbers,
    reasons,
)

CiTransform = Literal["log-log", "log"]
CI_TRANSFORMS: tuple[str, ...] = get_args(CiTransform)
_MEDIAN_TOLERANCE = np.finfo(float).eps ** 0.5  # R survival's tolerance in its median search
ALL = "all"


def _readonly(array: np.ndarray) -> np.ndarray:
    array = np.asarray(array)
    array.setflags(write=False)
    return array


def product_limit(n_risk: np.ndarray, n_event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier survival and the Greenwood SE of the cumulative hazard (log S scale).

    ``S(t) = prod_{t_i <= t} (1 - d_i / n_i)``;
    ``se_H(t)^2 = sum_{t_i <= t} d_i / (n_i (n_i - d_i))`` (infinite once ``d_i = n_i``).
    """
    n = n_risk.astype(float)
    d = n_event.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(n > 0, 1.0 - d / np.where(n > 0, n, 1.0), 1.0)
        term = np.where(d > 0, d / (n * (n - d)), 0.0)
    survival = np.cumprod(factor)
    se_log = np.sqrt(np.cumsum(term))
    return survival, se_log


def confidence_band(
    survival: np.ndarray, se_log: np.ndarray, *, z: float, transform: str
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise CI for S(t), as R ``survfit(conf.type=...)``.

    ``log``: ``S exp(-/+ z se_H)`` (upper bound capped at 1).
    ``log-log``: ``S ** exp(+/- z se_H / log S)``, i.e. symmetric on ``log(-log S)``.
    Where ``S = 1`` the band is (1, 1); where ``S = 0`` it is undefined (NaN).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if transform == "log":
            low = survival * np.exp(-z * se_log)
            high = np.minimum(survival * np.exp(z * se_log), 1.0)
        else:
            log_s = np.log(survival)
            low = survival ** np.exp(-z * se_log / log_s)
            high = survival ** np.exp(z * se_log / log_s)
    one = survival >= 1.0
    low = np.where(one, 1.0, low)
    high = np.where(one, 1.0, high)
    zero = survival <= 0.0
    return np.where(zero, np.nan, low), np.where(zero, np.nan, high)


def first_below_half(values: np.ndarray, times: np.ndarray) -> float | Unavailable:
    """R ``survival``'s median rule: first time the step curve is at or below 0.5.

    When the curve is exactly 0.5 over an interval, the midpoint of that interval is returned.
    """
    keep = np.isfinite(values) & (values < 0.5 + _MEDIAN_TOLERANCE)
    if not keep.any():
        return Unavailable("the curve does not fall to 0.5 within follow-up")
    x, y = times[keep], values[keep]
    if abs(y[0] - 0.5) < _MEDIAN_TOLERANCE and (y < y[0]).any():
        return float((x[0] + x[np.flatnonzero(y < y[0])[0]]) / 2.0)
    return float(x[0])


@dataclass(frozen=True)
class SurvivalAt:
    """Survival (retention) at a fixed time with its pointwise CI."""

    time: float
    survival: float | Unavailable
    ci_low: float | Unavailable
    ci_high: float | Unavailable

    def to_dict(self) -> dict:
        return {"time": self.time, "survival": json_number(self.survival),
                "ci_low": json_number(self.ci_low), "ci_high": json_number(self.ci_high)}


@dataclass(frozen=True)
class SurvivalCurve:
    """One group's Kaplan-Meier curve at every distinct exit time (events and censorings)."""

    label: str
    n: int
    events: int
    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    survival: np.ndarray
    std_err: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    median: float | Unavailable
    median_ci: tuple[float | Unavailable, float | Unavailable]
    median_ci_by_transform: dict[str, tuple[float | Unavailable, float | Unavailable]]
    survival_at: tuple[SurvivalAt, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({
            "time": self.time, "at_risk": self.n_risk, "events": self.n_event,
            "censored": self.n_censor, "survival": self.survival, "std_err": self.std_err,
            "ci_low": self.ci_low, "ci_high": self.ci_high,
        })

    def to_dict(self, *, ci_transform: str, level: float) -> dict:
        curve = JsonReady(
            {"time": t, "survival": s, "ci_low": lo, "ci_high": hi, "at_risk": r}
            for t, s, lo, hi, r in zip(np.asarray(self.time, dtype=float).tolist(),
                                       json_numbers(self.survival), json_numbers(self.ci_low),
                                       json_numbers(self.ci_high), _whole(self.n_risk),
                                       strict=True))
        missing = reasons(median=self.median, median_ci_low=self.median_ci[0],
                          median_ci_high=self.median_ci[1])
        for at in self.survival_at:
            if isinstance(at.survival, Unavailable):
                missing[f"retention_at_{at.time:g}"] = at.survival.reason
        return {
            "n": self.n, "events": self.events, "median": json_number(self.median),
            "median_ci": [json_number(v) for v in self.median_ci],
            "median_ci_by_transform": {k: [json_number(v) for v in ci]
                                       for k, ci in self.median_ci_by_transform.items()},
            "ci_transform": ci_transform, "level": level, "curve": curve,
            "retention_at": {f"{at.time:g}": at.to_dict() for at in self.survival_at},
            "unavailable": missing,
        }


def _survival_at(curve_time, survival, low, high, times, last_time) -> tuple[SurvivalAt, ...]:
    out = []
    for t in times:
        if t > last_time:
            gone = Unavailable(f"time {t:g} is beyond the last follow-up time {last_time:g}")
            out.append(SurvivalAt(float(t), gone, gone, gone))
            continue
        s, lo, hi = (float(step_value(curve_time, v, np.array([t]), start=1.0)[0])
                     for v in (survival, low, high))
        out.append(SurvivalAt(float(t), s,
                              lo if np.isfinite(lo) else Unavailable("CI undefined at S=0"),
                              hi if np.isfinite(hi) else Unavailable("CI undefined at S=0")))
    return tuple(out)


def km_curve(table: RiskTable, *, label: str, n: int, transform: str, level: float,
             times: Sequence[float] = ()) -> SurvivalCurve:
    """One Kaplan-Meier curve from a group's risk table (any event type counts as an event)."""
    survival, se_log = product_limit(table.n_risk, table.n_event)
    z = float(norm_ppf(0.5 + level / 2.0))
    low, high = confidence_band(survival, se_log, z=z, transform=transform)
    by_transform = {}
    for name in CI_TRANSFORMS:
        lo_t, hi_t = confidence_band(survival, se_log, z=z, transform=name)
        by_transform[name] = (first_below_half(lo_t, table.time),
                              first_below_half(hi_t, table.time))
    with np.errstate(invalid="ignore"):
        std_err = np.where(survival > 0, survival * se_log, np.nan)
    return SurvivalCurve(
        label=label, n=n, events=int(table.n_event.sum()), time=_readonly(table.time),
        n_risk=_readonly(table.n_risk), n_event=_readonly(table.n_event),
        n_censor=_readonly(table.n_censor), survival=_readonly(survival),
        std_err=_readonly(std_err), ci_low=_readonly(low), ci_high=_readonly(high),
        median=first_below_half(survival, table.time), median_ci=by_transform[transform],
        median_ci_by_transform=by_transform,
        survival_at=_survival_at(table.time, survival, low, high, times, float(table.time[-1])),
    )


@dataclass(frozen=True, repr=False)
class KaplanMeierResult(Result):
    """Kaplan-Meier curves by group (key ``"all"`` when no group column is given).

    ``tidy()`` has one row per group and distinct time: the survival, its standard error and
    interval, with the numbers at risk and of events.
    """

    title: ClassVar[str] = "Kaplan-Meier survival"
    curves: dict[str, SurvivalCurve]
    ci_transform: str
    level: float
    warnings: tuple[str, ...] = ()

    @property
    def n_obs(self) -> int:
        return int(sum(c.n for c in self.curves.values()))

    def headline(self) -> str:
        return "; ".join(f"{label}: n = {c.n}, events = {c.events}, median "
                         f"{_fmt(c.median)}" for label, c in self.curves.items())

    def tidy_rows(self) -> tuple[Term, ...]:
        return tuple(Term(f"{label}: S({t:g})", s, se, None, None, lo, hi)
                     for label, c in self.curves.items()
                     for t, s, se, lo, hi in zip(c.time, c.survival, c.std_err, c.ci_low,
                                                 c.ci_high, strict=True))

    def tidy_extra(self) -> dict[str, list[object]]:
        curves = self.curves.values()
        return {"group": [c.label for c in curves for _ in c.time],
                "time": [float(t) for c in curves for t in c.time],
                "n_risk": [int(n) for c in curves for n in c.n_risk],
                "n_event": [int(n) for c in curves for n in c.n_event]}

    def __getitem__(self, label: str) -> SurvivalCurve:
        return self.curves[str(label)]

    def summary(self) -> str:
        pct = f"{self.level:.0%}"
        lines = [f"Kaplan-Meier survival; {pct} CIs with the {self.ci_transform} transform "
                 "(Greenwood variance); median CI as R survfit", ""]
        for label, c in self.curves.items():
            lo, hi = c.median_ci
            lines.append(f"{label}: n={c.n}, events={c.events}, median={_fmt(c.median)} "
                         f"({pct} CI {_fmt(lo)} to {_fmt(hi)})")
            for at in c.survival_at:
                lines.append(f"    S({at.time:g}) = {_fmt(at.survival)} "
                             f"({_fmt(at.ci_low)} to {_fmt(at.ci_high)})")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        frames = [c.to_frame().assign(group=label) for label, c in self.curves.items()]
        frame = pd.concat(frames, ignore_index=True)
        return frame[["group", *[c for c in frame.columns if c != "group"]]]

    def to_dict(self) -> dict:
        """Group label -> ``{n, events, median, median_ci, curve, retention_at, ...}``."""
        return {label: c.to_dict(ci_transform=self.ci_transform, level=self.level)
                for label, c in self.curves.items()}


def _whole(values: np.ndarray) -> list[int]:
    """``[int(v) for v in values]``: integer arrays in one pass."""
    array = np.asarray(values)
    return array.tolist() if array.dtype.kind in "iu" else [int(v) for v in array]


def _fmt(value: float | Unavailable) -> str:
    return "n/a" if isinstance(value, Unavailable) else f"{value:.4g}"


@dataclass(frozen=True)
class KaplanMeier:
    """Kaplan-Meier (product-limit) estimator of retention, by group.

    Parameters
    ----------
    ci_transform : {"log-log", "log"}
        Scale on which the pointwise CI is symmetric. ``"log-log"`` (default; as Stata and
        lifelines) or ``"log"`` (R ``survfit``'s default).
    level : float
        Confidence level, 0.95 for 95% intervals.
    times : sequence of float
        Times at which to report survival with its CI (e.g. 6, 12 and 24 months).

    Notes
    -----
    With ``n_i`` at risk (``entry < t_i <= time``) and ``d_i`` events at distinct time ``t_i``:

    .. math:: \\hat S(t) = \\prod_{t_i \\le t} (1 - d_i / n_i), \\quad
              \\widehat{Var}\\,\\hat S(t) = \\hat S(t)^2 \\sum_{t_i \\le t} \\frac{d_i}{n_i (n_i - d_i)}

    The median is the first time ``S(t) <= 0.5`` and its CI runs from the first time the lower
    band falls to 0.5 to the first time the upper band does (Brookmeyer-Crowley, as R).
    """

    ci_transform: CiTransform = "log-log"
    level: float = 0.95
    times: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        check_choice("ci_transform", self.ci_transform, CI_TRANSFORMS)
        check_level(self.level)
        object.__setattr__(self, "times", tuple(float(t) for t in self.times))

    def fit(self, frame: pd.DataFrame, columns: SpellColumns | None = None,
            **roles: Unpack[SpellRoles]) -> KaplanMeierResult:
        """Estimate on ``frame`` (not modified); returns a new ``KaplanMeierResult``.

        ``columns`` is a ``SpellColumns`` (``duration``, ``event``; optional ``group``,
        ``entry``, ``strata``), or give the roles as keywords
        (``fit(frame, duration="months", event="left", group="arm")``).
        """
        columns = resolve_columns(SpellColumns, columns, roles)
        return self.fit_data(arrays_from_frame(frame, columns))

    def fit_arrays(self, time: object, event: object, *, group: object | None = None,
                   entry: object | None = None) -> KaplanMeierResult:
        """Fit curves to plain arrays (``event``: 0 = censored, other = event)."""
        return self.fit_data(survival_arrays(time, event, group=group, entry=entry))

    def fit_data(self, data: SurvivalArrays) -> KaplanMeierResult:
        """Fit curves to validated ``SurvivalArrays``."""
        labels, tables, sizes = data.risk_tables
        curves = {str(g): km_curve(t, label=str(g), n=n, transform=self.ci_transform,
                                   level=self.level, times=self.times)
                  for g, t, n in zip(labels, tables, sizes, strict=True)}
        return KaplanMeierResult(curves=curves, ci_transform=self.ci_transform, level=self.level)
