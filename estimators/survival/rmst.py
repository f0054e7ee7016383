"""Restricted mean survival time (RMST) by group, and the difference between groups.

The variance is the Greenwood-type plug-in estimator of R ``survRM2::rmst2`` (Uno et al.).
lifelines' ``restricted_mean_survival_time(..., return_variance=True)`` returns a different
(wrong) quantity (lifelines issue #1682) and is not used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Unpack

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import SpellColumns, SpellRoles, resolve_columns
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.inference.distributions import norm_ppf, norm_sf
from pilot_eval.estimators.literals import check_level
from pilot_eval.estimators.results import Result, Term
from pilot_eval.estimators.survival.data import (
    RiskTable,
    SurvivalArrays,
    arrays_from_frame,
    survival_arrays,
)
from pilot_eval.estimators.unavailable import Unavailable, json_number, reasons


def rmst_with_variance(table: RiskTable, tau: float) -> tuple[float, float]:
    """Area under the Kaplan-Meier curve on ``[0, tau]`` and its Greenwood-type variance.

    ``var = sum_{t_i <= tau} A_i^2 d_i / (n_i (n_i - d_i))`` where ``A_i`` is the area under the
    curve from ``t_i`` to ``tau``; terms with ``n_i = d_i`` are 0 (as survRM2).
    """
    keep = table.time <= tau
    t, n, d = table.time[keep], table.n_risk[keep].astype(float), table.n_event[keep]
    survival = np.cumprod(1.0 - d / n)
    edges = np.append(t, tau)
    heights = np.append(1.0, survival)  # S on [0, t_1), [t_1, t_2), ..., [t_m, tau]
    widths = np.diff(np.append(0.0, edges))
    areas = widths * heights
    area_after = np.cumsum(areas[::-1])[::-1][1:]  # A_i: area from t_i to tau
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(n > d, d / (n * (n - d)), 0.0)
    return float(areas.sum()), float(np.sum(area_after**2 * term))


def default_tau(tables: list[RiskTable]) -> float:
    """The largest time every group reaches: min over groups of the maximum follow-up time."""
    return float(min(t.time[-1] for t in tables))


@dataclass(frozen=True)
class RmstContrast:
    """RMST of ``group`` minus RMST of ``reference`` with a normal-theory CI and p-value."""

    group: str
    reference: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float | Unavailable

    def to_dict(self) -> dict:
        return {"group": self.group, "reference": self.reference,
                **{k: json_number(getattr(self, k))
                   for k in ("estimate", "se", "ci_low", "ci_high", "p_value")},
                "unavailable": reasons(p_value=self.p_value)}


@dataclass(frozen=True, repr=False)
class RmstResult(Result):
    """RMST up to ``tau`` by group with SEs, and differences from the reference group."""

    title: ClassVar[str] = "Restricted mean survival time"

    tau: float
    tau_source: str
    level: float
    groups: tuple[str, ...]
    estimates: tuple[float, ...]
    ses: tuple[float, ...]
    contrasts: tuple[RmstContrast, ...]
    warnings: tuple[str, ...] = ()

    def headline(self) -> str:
        return f"up to tau = {self.tau:g} ({self.tau_source}); " + ", ".join(
            f"{g} {e:.4g}" for g, e in zip(self.groups, self.estimates, strict=True))

    def tidy_rows(self) -> tuple[Term, ...]:
        """Each group's RMST, then each difference from the reference group (``statistic`` =
        z)."""
        return (*(Term(f"RMST {g}", e, s)
                  for g, e, s in zip(self.groups, self.estimates, self.ses, strict=True)),
                *(Term(f"RMST {c.group} - {c.reference}", c.estimate, c.se,
                       c.estimate / c.se if c.se > 0 else None, c.p_value, c.ci_low, c.ci_high)
                  for c in self.contrasts))

    @property
    def difference(self) -> RmstContrast | None:
        """The single contrast of a two-group comparison (None with one or 3+ groups)."""
        return self.contrasts[0] if len(self.contrasts) == 1 else None

    def summary(self) -> str:
        pct = f"{self.level:.0%}"
        lines = [f"Restricted mean survival time up to tau = {self.tau:g} ({self.tau_source}); "
                 "Greenwood-type SE as R survRM2"]
        lines += [f"    {g}: {e:.4f} (SE {s:.4f})"
                  for g, e, s in zip(self.groups, self.estimates, self.ses, strict=True)]
        for c in self.contrasts:
            lines.append(f"Difference {c.group} - {c.reference}: {c.estimate:.4f} (SE {c.se:.4f}; "
                         f"{pct} CI {c.ci_low:.4f} to {c.ci_high:.4f}; p = {_p(c.p_value)})")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"group": list(self.groups), "rmst": list(self.estimates),
                             "se": list(self.ses), "tau": self.tau})

    def to_dict(self) -> dict:
        difference = self.difference
        return {
            "estimator": "rmst", "tau": self.tau, "tau_source": self.tau_source,
            "level": self.level,
            "by_group": {g: {"estimate": json_number(e), "se": json_number(s)}
                         for g, e, s in zip(self.groups, self.estimates, self.ses, strict=True)},
            "difference": None if difference is None else difference.to_dict(),
            "differences": [c.to_dict() for c in self.contrasts],
            "variance": "Greenwood-type plug-in (R survRM2)",
        }


def _p(value: float | Unavailable) -> str:
    return str(value) if isinstance(value, Unavailable) else f"{value:.4g}"


@dataclass(frozen=True)
class RestrictedMeanSurvival:
    """Restricted mean survival time: the area under the Kaplan-Meier curve up to ``tau``.

    Parameters
    ----------
    tau : float, optional
        Truncation time. Default: the largest time every group reaches (the minimum over
        groups of the maximum follow-up time).
    level : float
        Confidence level of the difference's CI.
    reference : str, optional
        Label of the reference (comparison) group; default the first label in sorted order.

    Notes
    -----
    .. math:: \\mu(\\tau) = \\int_0^\\tau \\hat S(t)\\,dt, \\qquad
              \\widehat{Var}\\,\\hat\\mu = \\sum_{t_i \\le \\tau}
              \\Big(\\int_{t_i}^{\\tau} \\hat S(u)\\,du\\Big)^2 \\frac{d_i}{n_i (n_i - d_i)}

    The difference of two independent groups has variance ``var_1 + var_0``; CI and p-value
    are normal-theory (as survRM2 ``rmst2``).
    """

    tau: float | None = None
    level: float = 0.95
    reference: str | None = None

    def __post_init__(self) -> None:
        check_level(self.level)

    def fit(self, frame: pd.DataFrame, columns: SpellColumns | None = None,
            **roles: Unpack[SpellRoles]) -> RmstResult:
        """Estimate on ``frame`` (not modified); returns a new ``RmstResult``.

        ``columns`` is a ``SpellColumns`` (``duration``, ``event``; optional ``group``,
        ``entry``, ``strata``), or give the roles as keywords
        (``fit(frame, duration="months", event="left", group="arm")``).
        """
        columns = resolve_columns(SpellColumns, columns, roles)
        return self.fit_data(arrays_from_frame(frame, columns))

    def fit_arrays(self, time: object, event: object, *, group: object | None = None,
                   entry: object | None = None) -> RmstResult:
        return self.fit_data(survival_arrays(time, event, group=group, entry=entry))

    def fit_data(self, data: SurvivalArrays) -> RmstResult:
        levels, tables, _ = data.risk_tables
        names = tuple(str(g) for g in levels)
        reach = default_tau(tables)
        if self.tau is None:
            tau, source = reach, "default: the largest time every group reaches"
        else:
            tau, source = float(self.tau), "chosen by the analyst"
            if not 0 < tau <= reach:
                raise EstimationError(
                    f"tau={tau:g} must be above 0 and at most {reach:g}, the largest time every "
                    "group is followed up to; choose a smaller tau or leave it empty"
                )
        fits = [rmst_with_variance(table, tau) for table in tables]
        estimates = tuple(f[0] for f in fits)
        ses = tuple(float(np.sqrt(f[1])) for f in fits)
        return RmstResult(tau=tau, tau_source=source, level=self.level, groups=names,
                          estimates=estimates, ses=ses,
                          contrasts=self._contrasts(names, estimates, ses))

    def _contrasts(self, names, estimates, ses) -> tuple[RmstContrast, ...]:
        if len(names) < 2:
            return ()
        reference = names[0] if self.reference is None else str(self.reference)
        if reference not in names:
            raise EstimationError(
                f"reference group {reference!r} is not among the groups {list(names)}"
            )
        r = names.index(reference)
        z = float(norm_ppf(0.5 + self.level / 2.0))
        out = []
        for g, name in enumerate(names):
            if g == r:
                continue
            diff = estimates[g] - estimates[r]
            se = float(np.hypot(ses[g], ses[r]))
            p = float(2 * norm_sf(abs(diff) / se)) if se > 0 else Unavailable(
                "both RMST standard errors are zero (no events before tau)")
            out.append(RmstContrast(name, reference, diff, se, diff - z * se, diff + z * se, p))
        return tuple(out)
