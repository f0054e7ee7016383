"""Difference-in-differences on leaving: a Poisson model of team-period leaver counts.

Team-period leaver counts ``y_it`` with person-time ``E_it`` (person-days in post) follow

    E[y_it] = E_it * exp(alpha_i + gamma_t + beta * D_it)

with team effects ``alpha_i``, period effects ``gamma_t`` and ``D_it`` = 1 when team ``i`` is
under the pilot in period ``t``. ``exp(beta)`` is the rate ratio of leaving under the pilot.
The fit is Poisson maximum likelihood by IRLS with the team and period effects absorbed (as
fixest's ``fepois``: ``inference.poisson_fe``, no dummy matrix); standard errors are cluster-
robust (sandwich with cluster sums of the scores ``x_it (y_it - mu_it)``) with the fixest
small-sample factor ``G/(G-1) * (N-1)/(N-K)``, where team effects nested in the clusters lose
their ``levels - 1`` parameters from ``K`` (fixest / pyfixest ``k_fixef="nonnested"``); inference is normal-theory (z), as R ``fixest::fepois``.

Teams or periods with no leavers at all have an infinite fixed effect and add nothing to the
likelihood of ``beta``; like fixest they are dropped (repeatedly, until none is left) and the
count of dropped rows is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Unpack

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import PanelColumns, PanelRoles, resolve_columns
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.inference.distributions import norm_ppf, norm_sf
from pilot_eval.estimators.inference.fixed_effects import Codes, is_nested
from pilot_eval.estimators.inference.poisson_fe import PoissonFit, poisson_two_way
from pilot_eval.estimators.literals import check_level
from pilot_eval.estimators.periods import encode_periods
from pilot_eval.estimators.results import Estimate, Number, Term, tidy_frame
from pilot_eval.estimators.thresholds import FEW_CLUSTERS
from pilot_eval.estimators.unavailable import Unavailable, json_number, reasons

COLLINEARITY_TOLERANCE = 1e-10
"""The pilot indicator is collinear with the effects when less than this share of its centred
sum of squares survives removing team and period means (as the TWFE check)."""


def drop_all_zero(y: np.ndarray, unit: np.ndarray, period: np.ndarray) -> np.ndarray:
    """Boolean mask of rows kept after removing units and periods whose counts are all zero."""
    keep = np.ones(y.size, dtype=bool)
    while True:
        before = keep.sum()
        for codes in (unit, period):
            totals = np.bincount(codes[keep], y[keep], int(codes.max()) + 1)
            keep &= totals[codes] > 0
        if keep.sum() == before:
            return keep


@dataclass(frozen=True, kw_only=True, repr=False)
class LeavingDidResult(Estimate):
    """Rate ratio of leaving under the pilot, with its cluster-robust inference.

    ``estimate`` is the log rate ratio and ``ci_low``/``ci_high`` its interval (log scale);
    ``rate_ratio`` and ``rate_ratio_ci`` are their exponentials, and ``tidy(exponentiate=True)``
    shows the ratio scale (as broom).
    """

    title: ClassVar[str] = "Poisson difference-in-differences on leaving"
    z_stat: Number
    n_units: int
    n_periods: int
    n_clusters: int
    n_dropped_all_zero: int
    n_params: int
    small_sample_factor: float
    leavers: float
    person_time: float
    deviance: float
    iterations: int
    converged: bool

    @property
    def rate_ratio(self) -> float:
        """``exp(estimate)``: leaving under the pilot relative to without it."""
        return float(np.exp(self.estimate))

    @property
    def rate_ratio_ci(self) -> tuple[Number, Number]:
        """The interval of the rate ratio (the log-scale interval exponentiated)."""
        return _exp(self.ci_low), _exp(self.ci_high)

    def tidy_rows(self) -> tuple[Term, ...]:
        return (Term("pilot (log rate ratio)", self.estimate, self.se, self.z_stat,
                     self.p_value, self.ci_low, self.ci_high),)

    def tidy(self, exponentiate: bool = False) -> pd.DataFrame:
        """The pilot term; ``exponentiate=True`` gives the rate ratio and its interval."""
        if not exponentiate:
            return super().tidy()
        low, high = self.rate_ratio_ci
        return tidy_frame([Term("pilot (rate ratio)", self.rate_ratio, None, self.z_stat,
                                self.p_value, low, high)])

    def summary(self) -> str:
        pct = f"{self.level:.0%}"
        low, high = self.rate_ratio_ci
        lines = [
            "Difference-in-differences on leaving: Poisson, team and period effects, log "
            "person-time offset; SE clustered by team (CR1, fixest small-sample factor)",
            f"rate ratio {self.rate_ratio:.4f} ({pct} CI {_fmt(low)} to "
            f"{_fmt(high)}), log rate ratio {self.estimate:.5f} (se {_fmt(self.se)}), "
            f"p = {_fmt(self.p_value)}",
            f"{self.n_obs} team-periods, {self.n_units} teams, {self.n_periods} periods, "
            f"{self.n_clusters} clusters; {self.n_dropped_all_zero} team-periods dropped (a team "
            "or period with no leavers at all)",
        ]
        return "\n".join(lines + [f"Warning: {w}" for w in self.warnings])

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{k: v for k, v in self.to_dict().items()
                              if not isinstance(v, list | dict)}])

    def to_dict(self) -> dict:
        return {
            "estimator": "poisson_fe", "model": "leavers ~ pilot_post + team + period, "
            "offset log(person-time)", "estimate": json_number(self.estimate),
            "se": json_number(self.se), "rate_ratio": json_number(self.rate_ratio),
            "ci_low": json_number(self.rate_ratio_ci[0]),
            "ci_high": json_number(self.rate_ratio_ci[1]),
            "p_value": json_number(self.p_value), "z_stat": json_number(self.z_stat),
            "level": self.level, "n_obs": self.n_obs, "n_units": self.n_units,
            "n_periods": self.n_periods, "n_clusters": self.n_clusters,
            "n_dropped_all_zero": self.n_dropped_all_zero, "n_params": self.n_params,
            "small_sample_factor": self.small_sample_factor, "leavers": self.leavers,
            "person_time": self.person_time, "deviance": self.deviance,
            "iterations": self.iterations, "converged": self.converged,
            "se_type": "cluster", "se_description": "clustered by team (CR1; G/(G-1) * "
            "(N-1)/(N-K), team effects nested in clusters lose levels - 1 from K); z-based",
            "warnings": list(self.warnings),
            "unavailable": reasons(se=self.se, ci_low=self.ci_low, p_value=self.p_value),
        }


def _codes(codes: np.ndarray) -> Codes:
    """``Codes`` of integer codes ``0..k-1`` (all present)."""
    n_levels = int(codes.max()) + 1
    return Codes(codes.astype(np.intp, copy=False), n_levels, np.arange(n_levels))


def _collinear_with_effects(d: np.ndarray, unit: Codes, period: Codes) -> bool:
    """True when nothing of ``d`` is left after removing team and period means (least
    squares), i.e. ``d`` lies in the span of the dummies."""
    from pilot_eval.estimators.inference.fixed_effects import demean

    centred = d - d.mean()
    raw = float(centred @ centred)
    left = demean(np.array(d[:, None], order="F"), unit, period).matrix[:, 0]
    return raw <= 0.0 or float(left @ left) <= COLLINEARITY_TOLERANCE * raw


def _fmt(value: float | Unavailable) -> str:
    return "n/a" if isinstance(value, Unavailable) else f"{value:.4g}"


def _exp(value: Number) -> Number:
    return value if isinstance(value, Unavailable) else float(np.exp(value))


@dataclass(frozen=True)
class PoissonLeavingDid:
    """Poisson difference-in-differences of leaver counts with a person-time offset.

    Parameters
    ----------
    level : float
        Confidence level of the rate ratio's CI.

    Columns (``fit``): ``outcome`` (leaver counts), ``exposure`` (person-time, > 0),
    ``unit`` (team), ``time`` (period) and ``treatment`` (0/1 pilot indicator); optional
    ``cluster`` (default: the unit).

    Notes
    -----
    .. math:: \\log E[y_{it}] = \\log E_{it} + \\alpha_i + \\gamma_t + \\beta D_{it}

    Cluster-robust variance ``c * H^{-1} (\\sum_g s_g s_g') H^{-1}`` with ``H = X' diag(mu) X``,
    ``s_g = \\sum_{i \\in g} x_i (y_i - \\mu_i)`` and ``c = G/(G-1) (N-1)/(N-K)``.
    """

    level: float = 0.95

    def __post_init__(self) -> None:
        check_level(self.level)

    def fit(self, frame: pd.DataFrame, columns: PanelColumns | None = None,
            **roles: Unpack[PanelRoles]) -> LeavingDidResult:
        """Fit the model to a team-period frame (one row per team and period).

        ``columns`` is a ``PanelColumns``, or give the roles as keywords (``fit(frame,
        outcome="leavers", exposure="person_days", unit="team", time="period",
        treatment="pilot_post")``).
        """
        columns = resolve_columns(PanelColumns, columns, roles)
        frame, _ = encode_periods(frame, columns)
        roles_needed = {"outcome": columns.outcome, "exposure": columns.exposure,
                        "unit": columns.unit, "time": columns.time,
                        "treatment": columns.treatment}
        missing = [role for role, name in roles_needed.items() if name is None]
        if missing:
            raise EstimatorConfigError(
                "the Poisson DiD on leaving needs the column roles " + ", ".join(missing)
                + " (leaver counts, person-time, team, period and the 0/1 pilot indicator)")
        count, exposure_name = str(columns.outcome), str(columns.exposure)
        unit_name, period_name = str(columns.unit), str(columns.time)
        treatment = str(columns.treatment)
        cluster_name = columns.cluster or unit_name
        for name in {count, exposure_name, unit_name, period_name, treatment, cluster_name}:
            if name not in frame.columns:
                raise EstimationError(f"column '{name}' is not in the team-period data",
                                      column=name)
        used = frame[frame[exposure_name] > 0]
        y = used[count].to_numpy(float)
        d = used[treatment].to_numpy(float)
        if not np.isin(d, (0.0, 1.0)).all():
            raise EstimationError(f"'{treatment}' must be 0 or 1", column=treatment)
        unit = pd.factorize(used[unit_name])[0]
        period = pd.factorize(used[period_name], sort=True)[0]
        keep = drop_all_zero(y, unit, period)
        dropped = int((~keep).sum())
        y, d = y[keep], d[keep]
        exposure = used[exposure_name].to_numpy(float)[keep]
        unit, period = pd.factorize(unit[keep])[0], pd.factorize(period[keep])[0]
        cluster = pd.factorize(used[cluster_name].to_numpy()[keep])[0]
        if d.min() == d.max():
            raise EstimationError(
                "after dropping teams and periods with no leavers, every team-period has the "
                f"same '{treatment}' value: the pilot effect cannot be estimated",
                column=treatment)
        units, periods = _codes(unit), _codes(period)
        if _collinear_with_effects(d, units, periods):
            raise EstimationError(
                f"'{treatment}' is collinear with the team and period effects (for "
                "example every pilot team starts in the same period and there is no comparison "
                "team with leavers)", column=treatment)
        fit = poisson_two_way(y, d, units, periods, np.log(exposure))
        return self._result(fit, y, d, units, periods, _codes(cluster), exposure, dropped)

    def _result(self, fit: PoissonFit, y: np.ndarray, d: np.ndarray, unit: Codes,
                period: Codes, cluster: Codes, exposure: np.ndarray, dropped: int
                ) -> LeavingDidResult:
        n, g = y.size, cluster.n_levels
        n_units, n_periods = unit.n_levels, period.n_levels
        n_columns = 1 + n_units + n_periods - 1  # pilot, every team, periods but the first
        k = n_columns - (n_units - 1 if is_nested(unit, cluster) else 0)  # nested: levels - 1
        factor = g / (g - 1) * (n - 1) / (n - k) if g > 1 and n > k else float("nan")
        warnings = []
        beta = float(fit.beta[0])
        se: Number
        ci_low: Number
        ci_high: Number
        p: Number
        zs: Number
        if g < 2:
            se = ci_low = ci_high = p = zs = Unavailable("one cluster: no clustered SE")
        else:
            scores = np.bincount(cluster.codes, fit.x_within[:, 0] * (y - fit.mu), g)
            variance = factor * float(fit.bread[0, 0]) ** 2 * float(scores @ scores)
            se = float(np.sqrt(variance))
            z = float(norm_ppf(0.5 + self.level / 2.0))
            zs = beta / se
            p = float(2 * norm_sf(abs(zs)))
            ci_low, ci_high = beta - z * se, beta + z * se
            if g < FEW_CLUSTERS:
                warnings.append(f"only {g} clusters: clustered standard errors may be too small")
        if not fit.converged:
            warnings.append("the Poisson fit did not converge; treat the estimate with care")
        if y[d == 1].sum() < 10:
            warnings.append(f"only {y[d == 1].sum():g} leavers under the pilot: the rate ratio "
                            "is imprecise")
        return LeavingDidResult(
            estimate=beta, se=se, ci_low=ci_low, ci_high=ci_high,
            p_value=p, z_stat=zs, level=self.level, n_obs=n, n_units=n_units,
            n_periods=n_periods, n_clusters=g, n_dropped_all_zero=dropped, n_params=k,
            small_sample_factor=factor, leavers=float(y.sum()), person_time=float(exposure.sum()),
            deviance=fit.deviance, iterations=fit.iterations, converged=fit.converged,
            warnings=tuple(warnings))
