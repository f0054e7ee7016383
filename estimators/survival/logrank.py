"""Log-rank test of equal survival across k groups, optionally stratified.

Own numpy implementation (vectorised over event times), checked against R
``survival::survdiff`` published figures and lifelines ``multivariate_logrank_test``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Unpack

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import SpellColumns, SpellRoles, resolve_columns
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.inference.distributions import chi2_sf
from pilot_eval.estimators.results import Result, Term
from pilot_eval.estimators.survival.data import (
    SurvivalArrays,
    arrays_from_frame,
    group_levels,
    risk_counts,
    survival_arrays,
)
from pilot_eval.estimators.survival.lookup import unique_inverse
from pilot_eval.estimators.unavailable import json_number


def observed_expected(
    time: np.ndarray, event: np.ndarray, entry: np.ndarray | None, group: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed and expected events per group and the hypergeometric covariance (one stratum).

    ``group`` holds codes ``0..k-1``. At each distinct event time with ``n`` at risk (``n_g`` in
    group g) and ``d`` events: ``E_g += n_g d / n`` and
    ``V_gh += d (n - d) / (n - 1) * n_g / n * (1[g = h] - n_h / n)``.
    """
    is_event = event > 0
    times, index = unique_inverse(time)
    n_g = np.empty((k, times.size))
    d_g = np.empty((k, times.size))
    for g in range(k):
        rows = group == g
        n_g[g] = risk_counts(times, index[rows], None if entry is None else entry[rows])
        d_g[g] = np.bincount(index[rows & is_event], minlength=times.size)
    with_events = d_g.sum(axis=0) > 0
    n_g, d_g = n_g[:, with_events], d_g[:, with_events]
    n = n_g.sum(axis=0)
    d = d_g.sum(axis=0)
    share = np.divide(n_g, n, out=np.zeros_like(n_g), where=n > 0)
    spread = np.divide(d * (n - d), n - 1, out=np.zeros_like(d), where=n > 1)
    expected = (share * d).sum(axis=1)
    covariance = np.diag((share * spread).sum(axis=1)) - (share * spread) @ share.T
    return d_g.sum(axis=1), expected, covariance


def chi_square(observed: np.ndarray, expected: np.ndarray, covariance: np.ndarray) -> float:
    """``(O - E)' V^- (O - E)`` over the first k-1 groups (the last is redundant)."""
    diff = (observed - expected)[:-1]
    return float(diff @ np.linalg.solve(covariance[:-1, :-1], diff))


@dataclass(frozen=True, repr=False)
class LogRankResult(Result):
    """Log-rank chi-square with its degrees of freedom and p-value."""

    title: ClassVar[str] = "Log-rank test"

    statistic: float
    df: int
    p_value: float
    groups: tuple[str, ...]
    observed: tuple[float, ...]
    expected: tuple[float, ...]
    n_strata: int
    warnings: tuple[str, ...] = ()

    def headline(self) -> str:
        return (f"chi2 = {self.statistic:.4f} on {self.df} df, p = {self.p_value:.4g}; groups "
                + ", ".join(self.groups))

    def tidy_rows(self) -> tuple[Term, ...]:
        """The test (``statistic`` = chi-squared), then each group's observed events (as the
        estimate) with the expected count in ``expected``."""
        test = Term("log-rank test" if self.n_strata < 2 else "stratified log-rank test",
                    None, None, self.statistic, self.p_value)
        return (test, *(Term(f"observed events: {g}", o)
                        for g, o in zip(self.groups, self.observed, strict=True)))

    def tidy_extra(self) -> dict[str, list[object]]:
        return {"df": [self.df, *([None] * len(self.groups))],
                "expected": [None, *self.expected]}

    def summary(self) -> str:
        kind = f"stratified log-rank ({self.n_strata} strata)" if self.n_strata > 1 else "log-rank"
        lines = [f"{kind.capitalize()} test: chi2 = {self.statistic:.4f} on {self.df} df, "
                 f"p = {self.p_value:.4g}"]
        lines += [f"    {g}: observed {o:.0f}, expected {e:.2f}"
                  for g, o, e in zip(self.groups, self.observed, self.expected, strict=True)]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"group": list(self.groups), "observed": list(self.observed),
                             "expected": list(self.expected)})

    def to_dict(self) -> dict:
        return {
            "test": "log-rank", "statistic": json_number(self.statistic), "df": self.df,
            "p_value": json_number(self.p_value), "n_strata": self.n_strata,
            "groups": [{"group": g, "observed": o, "expected": e}
                       for g, o, e in zip(self.groups, self.observed, self.expected, strict=True)],
        }


@dataclass(frozen=True)
class LogRankTest:
    """Log-rank (Mantel-Haenszel) test that k groups have the same survival.

    Notes
    -----
    Within each stratum s, at each distinct event time, the observed minus expected events per
    group and their hypergeometric covariance are summed; then

    .. math:: X^2 = (O - E)^\\top V^{-1} (O - E) \\sim \\chi^2_{k-1}

    using k-1 of the k groups (``O - E`` sums to zero). The stratified test sums ``O - E`` and
    ``V`` over strata before forming ``X^2`` (as R ``survdiff(... + strata(s))``). Delayed entry
    is honoured in the risk sets.
    """

    def fit(self, frame: pd.DataFrame, columns: SpellColumns | None = None,
            **roles: Unpack[SpellRoles]) -> LogRankResult:
        """Estimate on ``frame`` (not modified); returns a new ``LogRankResult``.

        ``columns`` is a ``SpellColumns`` (``duration``, ``event``; optional ``group``,
        ``entry``, ``strata``), or give the roles as keywords
        (``fit(frame, duration="months", event="left", group="arm")``).
        """
        columns = resolve_columns(SpellColumns, columns, roles)
        return self.fit_data(arrays_from_frame(frame, columns))

    def fit_arrays(self, time: object, event: object, *, group: object,
                   strata: object | None = None, entry: object | None = None) -> LogRankResult:
        return self.fit_data(survival_arrays(time, event, group=group, strata=strata,
                                             entry=entry))

    def fit_data(self, data: SurvivalArrays) -> LogRankResult:
        if data.group is None:
            raise EstimationError("the log-rank test needs a group column (e.g. pilot arm)")
        levels, codes = data.group_codes
        k = levels.size
        if k < 2:
            raise EstimationError(
                f"the log-rank test needs at least two groups; the group column has only "
                f"{levels.tolist()}", column=None,
            )
        strata = np.zeros(data.n, dtype=np.int64) if data.strata is None \
            else group_levels(data.strata)[1]
        observed, expected = np.zeros(k), np.zeros(k)
        covariance = np.zeros((k, k))
        for s in np.unique(strata):
            rows = strata == s
            o, e, v = observed_expected(
                data.time[rows], data.event[rows],
                data.entry[rows] if data.has_entry else None, codes[rows], k,
            )
            observed, expected, covariance = observed + o, expected + e, covariance + v
        try:
            statistic = chi_square(observed, expected, covariance)
        except np.linalg.LinAlgError as exc:
            raise EstimationError(
                "the log-rank variance is singular: a group has nobody at risk at any event "
                "time; drop empty groups or merge small ones"
            ) from exc
        df = k - 1
        return LogRankResult(
            statistic=statistic, df=df, p_value=float(chi2_sf(statistic, df)),
            groups=tuple(str(g) for g in levels), observed=tuple(map(float, observed)),
            expected=tuple(map(float, expected)), n_strata=int(np.unique(strata).size),
        )
