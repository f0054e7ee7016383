"""Competing risks: exact Aalen-Johansen cumulative incidence and a cause-specific Cox model.

Deterministic (no jittering of tied times, unlike lifelines ``AalenJohansenFitter``). The
variance is Aalen's delta-method estimator in the form of Pintilie (2006), eq. 4.5, as
scikit-survival ``cumulative_incidence_competing_risks(var_type="Aalen")``, computed in O(T)
with running sums instead of a T x T matrix; the CI is symmetric on ``log(-log F)`` as
scikit-survival and R ``cmprsk``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Unpack

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import SpellColumns, SpellRoles, resolve_columns
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.inference.distributions import norm_ppf
from pilot_eval.estimators.literals import check_level
from pilot_eval.estimators.results import Result, Term
from pilot_eval.estimators.survival.cox.model import CoxModel, CoxResult, Ties
from pilot_eval.estimators.survival.data import (
    SurvivalArrays,
    arrays_from_frame,
    risk_table,
    survival_arrays,
)
from pilot_eval.estimators.survival.lookup import search
from pilot_eval.estimators.unavailable import JsonReady, json_numbers

_EPS = np.finfo(float).eps


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    return np.divide(numerator, denominator, out=np.zeros_like(numerator, dtype=float),
                     where=denominator > 0)


def aalen_johansen(n: np.ndarray, d: np.ndarray, d_k: np.ndarray) -> tuple[np.ndarray,
                                                                          np.ndarray]:
    """Cumulative incidence of one cause and Aalen's variance at each distinct time.

    ``F_k(t_j) = sum_{i <= j} S(t_{i-1}) d_ki / n_i`` with ``S`` the all-cause Kaplan-Meier;
    ``Var F_k(t_j) = sum_{i<=j} (F_j - F_i)^2 a_i + sum_{i<=j} b_i - 2 sum_{i<=j} (F_j - F_i) c_i``
    with ``a = d/((n-1)(n-d))``, ``b = S_-^2 d_k (n-d_k)/((n-1) n^2)``,
    ``c = S_- d_k (n-d_k)/(n (n-d)(n-1))`` (terms with a zero denominator are 0).
    """
    n, d, d_k = (v.astype(float) for v in (n, d, d_k))
    survival = np.cumprod(1.0 - _safe_divide(d, n))
    before = np.append(1.0, survival[:-1])
    incidence = np.cumsum(_safe_divide(d_k, n) * before)
    a = _safe_divide(d, (n - 1) * (n - d))
    b = _safe_divide((n - d_k) * d_k * before**2, (n - 1) * n**2)
    c = _safe_divide(d_k * (n - d_k) * before, n * (n - d) * (n - 1))
    f = incidence
    var_a = f**2 * np.cumsum(a) - 2 * f * np.cumsum(f * a) + np.cumsum(f**2 * a)
    var_c = -2 * (f * np.cumsum(c) - np.cumsum(f * c))
    return incidence, var_a + np.cumsum(b) + var_c


def log_log_band(incidence: np.ndarray, variance: np.ndarray, z: float) -> tuple[np.ndarray,
                                                                              np.ndarray]:
    """CI symmetric on ``log(-log F)``: ``F ** exp(-/+ z sd / (F log F))``; (0, 0) where F = 0."""
    positive = incidence > _EPS
    log_f = np.log(np.where(positive, incidence, 1.0))
    sigma = _safe_divide(np.sqrt(np.clip(variance, 0, None)), np.where(positive, incidence, 0))
    sigma = np.where(variance > _EPS, sigma, 0.0)
    theta = np.divide(sigma, log_f, out=np.zeros_like(sigma), where=log_f < -_EPS)
    low = np.exp(np.exp(-z * theta) * log_f)
    high = np.exp(np.exp(z * theta) * log_f)
    return np.where(positive, low, 0.0), np.where(positive, high, 0.0)


@dataclass(frozen=True)
class IncidenceCurve:
    """Cumulative incidence of one event type in one group, at every distinct time."""

    event_type: str
    time: np.ndarray
    estimate: np.ndarray
    variance: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray

    def records(self) -> list[dict]:
        return JsonReady({"time": t, "estimate": e, "ci_low": lo, "ci_high": hi}
                         for t, e, lo, hi in zip(np.asarray(self.time, dtype=float).tolist(),
                                                 json_numbers(self.estimate),
                                                 json_numbers(self.ci_low),
                                                 json_numbers(self.ci_high), strict=True))


def incidence_curves(data: SurvivalArrays, z: float) -> dict[str, IncidenceCurve]:
    """One ``IncidenceCurve`` per event type for the rows of ``data``."""
    table = risk_table(data.time, data.event, data.entry if data.has_entry else None)
    index = search(table.time, data.time)
    curves = {}
    for code, label in enumerate(data.event_labels, start=1):
        d_k = np.bincount(index[data.event == code], minlength=table.time.size)
        estimate, variance = aalen_johansen(table.n_risk, table.n_event, d_k)
        low, high = log_log_band(estimate, variance, z)
        arrays = [table.time.copy(), estimate, variance, low, high]
        for array in arrays:
            array.setflags(write=False)  # results are shared between threads: read-only
        curves[str(label)] = IncidenceCurve(str(label), *arrays)
    return curves


@dataclass(frozen=True, repr=False)
class CumulativeIncidenceResult(Result):
    """Cumulative incidence per event type, for all rows and per group.

    ``tidy()`` has one row per group (``all`` first), event type and distinct time.
    """

    title: ClassVar[str] = "Cumulative incidence (competing risks)"
    overall: dict[str, IncidenceCurve]
    by_group: dict[str, dict[str, IncidenceCurve]]
    level: float
    warnings: tuple[str, ...] = ()

    def headline(self) -> str:
        return "at the last time: " + ", ".join(
            f"{k} {c.estimate[-1]:.3f}" for k, c in self.overall.items())

    def tidy_rows(self) -> tuple[Term, ...]:
        frame = self.to_frame()
        return tuple(Term(f"{g}: F_{k}({t:g})", e, s, None, None, lo, hi)
                     for g, k, t, e, s, lo, hi in frame[[
                         "group", "event_type", "time", "estimate", "se", "ci_low",
                         "ci_high"]].itertuples(index=False))

    def tidy_extra(self) -> dict[str, list[object]]:
        frame = self.to_frame()
        return {"group": frame["group"].tolist(), "event_type": frame["event_type"].tolist(),
                "time": frame["time"].tolist()}

    def summary(self) -> str:
        lines = [f"Cumulative incidence (Aalen-Johansen, exact; Aalen variance; {self.level:.0%} "
                 "CI on the log(-log) scale)"]
        for name, curves in {"all": self.overall, **self.by_group}.items():
            ends = ", ".join(f"{k} {c.estimate[-1]:.3f}" for k, c in curves.items())
            lines.append(f"    {name}: at the last time {ends}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        frames = []
        for name, curves in {"all": self.overall, **self.by_group}.items():
            for label, c in curves.items():
                frames.append(pd.DataFrame({
                    "group": name, "event_type": label, "time": c.time, "estimate": c.estimate,
                    "se": np.sqrt(np.clip(c.variance, 0, None)), "ci_low": c.ci_low,
                    "ci_high": c.ci_high}))
        return pd.concat(frames, ignore_index=True)

    def to_dict(self) -> dict:
        """``cumulative_incidence`` and ``cumulative_incidence_by_group`` of the CLI JSON."""
        return {
            "cumulative_incidence": {k: c.records() for k, c in self.overall.items()},
            "cumulative_incidence_by_group": {
                g: {k: c.records() for k, c in curves.items()}
                for g, curves in self.by_group.items()},
            "level": self.level,
            "method": "Aalen-Johansen (exact, no jitter); Aalen variance (Pintilie eq. 4.5, as "
                      "scikit-survival); CI symmetric on log(-log F)",
        }


@dataclass(frozen=True)
class CumulativeIncidence:
    """Aalen-Johansen cumulative incidence of each event type, overall and by group.

    Parameters
    ----------
    level : float
        Confidence level of the pointwise CIs.

    Notes
    -----
    With ``n_i`` at risk, ``d_i`` events of any type and ``d_ki`` of type k at distinct time
    ``t_i``, and ``S`` the all-cause Kaplan-Meier curve:

    .. math:: \\hat F_k(t) = \\sum_{t_i \\le t} \\hat S(t_{i-1}) \\frac{d_{ki}}{n_i}

    The event column's non-zero values are the event types (0 = censored).
    """

    level: float = 0.95

    def __post_init__(self) -> None:
        check_level(self.level)

    def fit(self, frame: pd.DataFrame, columns: SpellColumns | None = None,
            **roles: Unpack[SpellRoles]) -> CumulativeIncidenceResult:
        """Estimate on ``frame`` (not modified); returns a new ``CumulativeIncidenceResult``.

        ``columns`` is a ``SpellColumns`` (``duration``, ``event``; optional ``group``,
        ``entry``, ``strata``), or give the roles as keywords
        (``fit(frame, duration="months", event="left", group="arm")``).
        """
        columns = resolve_columns(SpellColumns, columns, roles)
        return self.fit_data(arrays_from_frame(frame, columns))

    def fit_arrays(self, time: object, event: object, *, group: object | None = None,
                   entry: object | None = None) -> CumulativeIncidenceResult:
        return self.fit_data(survival_arrays(time, event, group=group, entry=entry))

    def fit_data(self, data: SurvivalArrays) -> CumulativeIncidenceResult:
        if not data.event_labels:
            raise EstimationError("every row is censored: there is no event to describe")
        z = float(norm_ppf(0.5 + self.level / 2.0))
        by_group = {}
        if data.group is not None:
            levels, codes = data.group_codes
            by_group = {str(g): incidence_curves(data.subset(codes == k), z)
                        for k, g in enumerate(levels)}
        return CumulativeIncidenceResult(overall=incidence_curves(data, z), by_group=by_group,
                                         level=self.level)


@dataclass(frozen=True)
class CauseSpecificCox:
    """Cox model for one event type, with the other event types treated as censored.

    A thin configuration over ``CoxModel(event_type=...)``; see ``CoxModel`` for the options
    and the estimating equation. The hazard ratio is for the cause-specific hazard (e.g. of
    resigning), not for the cumulative incidence.
    """

    event_type: object
    ties: Ties = "efron"
    level: float = 0.95

    def fit(self, frame: pd.DataFrame, columns: SpellColumns | None = None,
            **roles: Unpack[SpellRoles]) -> CoxResult:
        """Fit the cause-specific model (columns as ``CoxModel.fit``)."""
        model = CoxModel(ties=self.ties, level=self.level, event_type=self.event_type)
        return model.fit(frame, resolve_columns(SpellColumns, columns, roles))
