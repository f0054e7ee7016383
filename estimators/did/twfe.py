"""Two-way fixed effects (TWFE) difference-in-differences.

``TwoWayFixedEffects(se=..., level=..., cross_check=...).fit(frame, columns)`` returns a
``TwfeResult``.  The numeric core is ``fit_two_way``, which fits any outcome on any regressors
(binary or continuous) with unit and period effects; the estimator adds the DiD design checks,
row handling and an independent re-estimate for the record (``twfe_checks``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal, Unpack, get_args

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import PanelColumns, PanelRoles, resolve_columns
from pilot_eval.estimators.did.design import check_design, panel_arrays
from pilot_eval.estimators.did.twfe_checks import (
    DENSE_NAME,
    CrossCheck,
    dense_check,
    linearmodels_check,
)
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.inference import variance
from pilot_eval.estimators.inference.fixed_effects import (
    DEFAULT_MAX_ITERATIONS,
    DEFAULT_TOLERANCE,
    Absorption,
    Codes,
    demean,
    fixed_effect_df,
)
from pilot_eval.estimators.inference.ols import (
    centred_sums_of_squares,
    collinear_columns,
    cross_products,
    least_squares,
)
from pilot_eval.estimators.inference.variance import coefficient_inference, fitted_params
from pilot_eval.estimators.literals import SE_TYPES, SeType, check_choice, check_level
from pilot_eval.estimators.periods import encode_periods
from pilot_eval.estimators.results import DidEstimate, Number, Term, inference_terms
from pilot_eval.estimators.thresholds import FEW_CLUSTERS
from pilot_eval.estimators.unavailable import Unavailable, json_number, reasons

CrossCheckMode = Literal["auto", "always", "never"]
CROSS_CHECK_MODES: tuple[str, ...] = get_args(CrossCheckMode)
CROSS_CHECK_MAX_ROWS = 200_000
CROSS_CHECK_MAX_CELLS = 250_000
"""``auto`` also skips the cross-check above this many rows x period dummies: linearmodels
solves the dummy design densely (26,000 team-quarters x 52 dummies took 3 s against 4 ms for
our fit; issue 12)."""
CROSS_CHECK_WARN = 1e-7
"""A cross-check further away than this (relative to max(1, |estimate|)) adds a warning."""
FE_COLLINEARITY_TOLERANCE = 1e-10
"""A regressor is collinear with the fixed effects when less than this share of its (weighted,
centred) sum of squares survives the within transform."""


@dataclass(frozen=True)
class TwoWayFit:
    """Coefficients and covariance of ``y`` on regressors with unit and period effects."""

    names: tuple[str, ...]
    coef: np.ndarray
    covariance: variance.Covariance
    absorption: Absorption
    n_obs: int
    n_units: int
    n_periods: int
    fixed_effect_params: int


def fit_two_way(
    y: np.ndarray,
    regressors: np.ndarray,
    unit: Codes,
    period: Codes,
    *,
    names: tuple[str, ...],
    se: SeType = "cluster",
    cluster: Codes | None = None,
    weights: np.ndarray | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
) -> TwoWayFit:
    """Fit ``y`` on ``regressors`` (n x p) with unit and period fixed effects.

    Rows must be complete.  ``cluster`` defaults to ``unit`` when ``se="cluster"``.

    Notes
    -----
    ``y_it = x_it' b + a_i + g_t + e_it``; ``b`` is estimated by (weighted) least squares on
    the two-way demeaned data (Frisch-Waugh-Lovell).
    """
    check_choice("se", se, SE_TYPES)
    n, p = regressors.shape
    stacked = np.empty((n, p + 1), dtype=np.float64, order="F")
    stacked[:, 0] = y
    stacked[:, 1:] = regressors
    raw_ss = centred_sums_of_squares(stacked[:, 1:], weights)
    within = demean(stacked, unit, period, weights=weights, tolerance=tolerance,
                    max_iterations=max_iterations)
    y_w, x_w = within.matrix[:, 0], within.matrix[:, 1:]
    left = centred_sums_of_squares(x_w, weights, centre=False)
    for j in range(p):
        if raw_ss[j] <= 0.0 or left[j] <= FE_COLLINEARITY_TOLERANCE * raw_ss[j]:
            hint = ("check that treated units have periods before and after the pilot and "
                    "that comparison units are observed in the same periods" if j == 0 else
                    "drop it: a covariate that is constant within units (or within periods) is "
                    "already captured by the fixed effects")
            raise EstimationError(
                f"'{names[j]}' is collinear with the unit and period fixed effects (it does not "
                "vary within units over time beyond what the period effects explain), so its "
                f"effect cannot be estimated; {hint}",
                column=names[j],
            )
    dropped = collinear_columns(cross_products(x_w, weights))
    if dropped:
        shown = ", ".join(f"'{names[j]}'" for j in dropped)
        raise EstimationError(
            f"{shown} is a linear combination of the other regressors after removing the fixed "
            "effects; drop it from the covariates",
            column=names[dropped[0]],
        )
    fit = least_squares(x_w, y_w, weights)
    fe_params = (unit.n_levels + period.n_levels - 1 if within.absorption.method == "one-pass"
                 else fixed_effect_df(unit, period))
    if se == "iid":
        cov = variance.iid(fit.bread, fit.residuals, weights,
                           n_params=fitted_params(p, fe_params, unit, period, None))
    elif se == "hc1":
        cov = variance.hc1(x_w, fit.bread, fit.residuals, weights,
                           n_params=fitted_params(p, fe_params, unit, period, None))
    else:
        cluster = unit if cluster is None else cluster
        cov = variance.cr1(x_w, fit.bread, fit.residuals, weights, cluster.codes,
                           cluster.n_levels,
                           n_params=fitted_params(p, fe_params, unit, period, cluster))
    return TwoWayFit(names, fit.coef, cov, within.absorption, n, unit.n_levels,
                     period.n_levels, fe_params)


@dataclass(frozen=True)
class TwoWayFixedEffects:
    """Two-way fixed effects DiD: unit and period effects, a treatment dummy, covariates.

    Parameters
    ----------
    se
        ``"cluster"`` (CR1, fixest/Stata small-sample factor, t with G-1 df), ``"hc1"`` or
        ``"iid"``.
    level
        Confidence level of the interval.
    cross_check
        ``"never"`` (default in library use: the fit alone); ``"auto"`` re-estimates by
        dense least squares with numpy up to 200,000 rows and 250,000 rows x periods (the
        application's analyses use this; milliseconds); ``"always"`` re-estimates with
        linearmodels ``PanelOLS`` at any size (an external library: about half a second to
        import, then about a hundred times the fit).

    Columns (``fit``): ``outcome``, ``unit``, ``time`` and ``treatment`` (0/1) or ``cohort``
    (pilot start period, 0 or missing = never); optional ``covariates``, ``cluster`` (default:
    the unit) and ``weights``.

    Notes
    -----
    ``y_it = a_i + g_t + b D_it + x_it' c + e_it`` with ``D_it = 1`` when unit ``i`` is under
    the pilot in period ``t``; ``b`` is the estimate.  Under staggered starts with effects that
    change over time ``b`` is a weighted average with possibly negative weights (Goodman-Bacon
    2021): compare with the Callaway-Sant'Anna estimate.
    """

    se: SeType = "cluster"
    level: float = 0.95
    cross_check: CrossCheckMode = "never"
    tolerance: float = field(default=DEFAULT_TOLERANCE)
    max_iterations: int = field(default=DEFAULT_MAX_ITERATIONS)

    def __post_init__(self) -> None:
        check_choice("se", self.se, SE_TYPES)
        check_choice("cross_check", self.cross_check, CROSS_CHECK_MODES)
        check_level(self.level)
        if not (isinstance(self.tolerance, float | int) and self.tolerance > 0):
            raise EstimatorConfigError(
                f"tolerance={self.tolerance!r} must be a positive number, for example 1e-13")
        if not (isinstance(self.max_iterations, int) and self.max_iterations >= 1):
            raise EstimatorConfigError(
                f"max_iterations={self.max_iterations!r} must be a whole number of at least 1")

    def fit(self, frame: pd.DataFrame, columns: PanelColumns | None = None,
            **roles: Unpack[PanelRoles]) -> TwfeResult:
        """Estimate on ``frame`` (not modified); returns a new ``TwfeResult``.

        ``columns`` is a ``PanelColumns``, or give the roles as keywords
        (``fit(frame, outcome="y", unit="team", time="month", treatment="pilot")``).
        """
        columns = resolve_columns(PanelColumns, columns, roles)
        frame, _ = encode_periods(frame, columns)
        arrays = panel_arrays(frame, columns, self.se)
        check_design(arrays, columns)
        fit = fit_two_way(
            arrays.y, arrays.regressors, arrays.unit, arrays.period, names=arrays.names,
            se=self.se, cluster=arrays.cluster, weights=arrays.weights,
            tolerance=self.tolerance, max_iterations=self.max_iterations,
        )
        warnings: list[str] = []
        if arrays.n_dropped:
            warnings.append(f"{arrays.n_dropped} row(s) with a missing value in a model column "
                            "(or a zero weight) were dropped")
        if not fit.absorption.converged:
            warnings.append(
                f"the fixed-effect demeaning did not converge in {fit.absorption.iterations} "
                "iterations; the estimate may be inaccurate")
        if fit.covariance.n_clusters is not None and fit.covariance.n_clusters < FEW_CLUSTERS:
            warnings.append(f"only {fit.covariance.n_clusters} clusters: cluster-robust "
                            "standard errors can be too small")
        inference = variance.t_inference(float(fit.coef[0]), fit.covariance, 0, self.level)
        if self.cross_check == "never":
            check = CrossCheck("linearmodels PanelOLS", Unavailable("not requested"),
                               "cross_check='never'")
        elif self.cross_check == "auto" and fit.n_obs > CROSS_CHECK_MAX_ROWS:
            check = CrossCheck(DENSE_NAME, Unavailable("skipped"),
                               f"skipped above {CROSS_CHECK_MAX_ROWS:,} rows "
                               f"({fit.n_obs:,} rows); use cross_check='always' to force it")
        elif self.cross_check == "auto" and fit.n_obs * fit.n_periods > CROSS_CHECK_MAX_CELLS:
            check = CrossCheck(DENSE_NAME, Unavailable("skipped"),
                               f"skipped: {fit.n_obs:,} rows x {fit.n_periods} period dummies "
                               "would cost far more than the fit; use cross_check='always' to "
                               "force it")
        elif self.cross_check == "auto":
            check = dense_check(arrays, fit, self.se)
        else:
            check = linearmodels_check(arrays, fit, self.se)
        if isinstance(check.max_abs_difference, float) and check.max_abs_difference > (
                CROSS_CHECK_WARN * max(1.0, abs(float(fit.coef[0])))):
            warnings.append(f"the {check.reference} cross-check differs from this estimate or "
                            f"its SE by {check.max_abs_difference:.3g}; report this")
        terms = inference_terms(fit.names, fit.coef, coefficient_inference(
            fit.coef, fit.covariance, self.level))
        return TwfeResult(
            outcome=columns.outcome, estimate=float(fit.coef[0]), se=inference.se,
            t_stat=inference.t_stat, p_value=inference.p_value, ci_low=inference.ci_low,
            ci_high=inference.ci_high, df=fit.covariance.df, level=float(self.level),
            terms=terms, n_obs=fit.n_obs, n_units=fit.n_units,
            n_periods=fit.n_periods, n_clusters=fit.covariance.n_clusters, se_type=self.se,
            se_description=variance.describe(fit.covariance, arrays.cluster_name),
            small_sample=fit.covariance.small_sample, n_params=fit.covariance.n_params,
            absorption=fit.absorption, warnings=tuple(warnings), cross_check=check,
        )


@dataclass(frozen=True, kw_only=True, repr=False)
class TwfeResult(DidEstimate):
    """Result of ``TwoWayFixedEffects.fit`` (immutable).

    ``estimate`` is the treatment coefficient; ``terms`` hold the treatment and each
    covariate with their inference (the rows of ``tidy()``).  Statistics that cannot be computed are
    ``Unavailable`` with a reason.
    """

    title: ClassVar[str] = "Two-way fixed effects"
    terms: tuple[Term, ...]
    small_sample: Number
    n_params: int
    absorption: Absorption
    cross_check: CrossCheck

    @property
    def coefficients(self) -> tuple[tuple[str, float, Number], ...]:
        """``(name, estimate, se)`` of the treatment and each covariate."""
        return tuple((t.term, float(t.estimate), t.se) for t in self.terms)  # type: ignore[arg-type, misc]

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary (keys of docs/architecture.md)."""
        return {
            "estimator": "twfe", "outcome": self.outcome,
            "estimate": json_number(self.estimate), "se": json_number(self.se),
            "ci_low": json_number(self.ci_low), "ci_high": json_number(self.ci_high),
            "p_value": json_number(self.p_value), "t_stat": json_number(self.t_stat),
            "df": int(self.df), "level": float(self.level), "n_obs": int(self.n_obs),
            "n_units": self.n_units, "n_periods": int(self.n_periods),
            "n_clusters": None if self.n_clusters is None else int(self.n_clusters),
            "se_type": self.se_type, "se_description": self.se_description,
            "small_sample_factor": json_number(self.small_sample),
            "n_params": int(self.n_params),
            "warnings": list(self.warnings),
            "unavailable": reasons(se=self.se, t_stat=self.t_stat, p_value=self.p_value,
                                   ci_low=self.ci_low, ci_high=self.ci_high,
                                   small_sample_factor=self.small_sample),
            "coefficients": [{"name": t.term, "estimate": json_number(t.estimate),
                              "se": json_number(t.se)} for t in self.terms],
            "cross_check": self.cross_check.to_dict(),
            "absorption": self.absorption.to_dict(),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per coefficient: name, estimate, se (a fresh frame)."""
        return pd.DataFrame(
            [{"name": n, "estimate": b, "se": json_number(s)} for n, b, s in self.coefficients]
        )

    def summary(self) -> str:
        """A short plain-text report."""
        pct = f"{self.level:.0%}"
        lines = [
            f"Two-way fixed effects: {self.outcome}",
            f"  estimate {self.estimate:.6g}  SE {_fmt(self.se)}  t {_fmt(self.t_stat)}  "
            f"p {_fmt(self.p_value)}",
            f"  {pct} CI ({_fmt(self.ci_low)}, {_fmt(self.ci_high)})",
            f"  {self.n_obs} rows, {self.n_units} units, {self.n_periods} periods",
            f"  {self.se_description}",
            f"  fixed effects absorbed by {self.absorption.method} "
            f"({self.absorption.iterations} iteration(s), "
            f"{'converged' if self.absorption.converged else 'NOT converged'})",
        ]
        for name, b, s in self.coefficients[1:]:
            lines.append(f"  covariate {name}: {b:.6g} (SE {_fmt(s)})")
        check = self.cross_check
        if check.skipped_reason:
            lines.append(f"  cross-check: {check.skipped_reason}")
        else:
            lines.append(f"  cross-check with {check.reference}: largest difference "
                         f"{_fmt(check.max_abs_difference)}")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _fmt(value: float | Unavailable) -> str:
    return str(value) if isinstance(value, Unavailable) else f"{float(value):.6g}"
