"""The classic 2x2 difference-in-differences, for panels and repeated cross-sections.

``DidTwoByTwo(se=..., level=...).fit(frame, columns)`` returns a ``Did2x2Result`` with the
interaction coefficient, its standard error and the four cell means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Unpack

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import PanelColumns, PanelRoles, resolve_columns
from pilot_eval.estimators.did.design import (
    key_missing,
    numeric_column,
    require_columns,
    two_by_two_flags,
)
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.inference import variance
from pilot_eval.estimators.inference.fixed_effects import factorize
from pilot_eval.estimators.inference.ols import (
    LeastSquares,
    collinear_columns,
    cross_products,
    least_squares,
)
from pilot_eval.estimators.inference.variance import coefficient_inference
from pilot_eval.estimators.literals import SE_TYPES, SeType, check_choice, check_level
from pilot_eval.estimators.periods import encode_periods
from pilot_eval.estimators.results import DidEstimate, Number, Term, inference_terms, label_of
from pilot_eval.estimators.thresholds import FEW_CLUSTERS
from pilot_eval.estimators.unavailable import Unavailable, json_number, reasons

CELLS = ("pilot_before", "pilot_after", "comparison_before", "comparison_after")
BASE_NAMES = ("constant", "pilot group", "after", "pilot x after")


@dataclass(frozen=True)
class CellMean:
    """Mean outcome (weighted when weights are given) and row count of one cell."""

    mean: float
    n: int


def cell_means(y: np.ndarray, group: np.ndarray, post: np.ndarray,
               weights: np.ndarray | None) -> dict[str, CellMean]:
    """The four cells' means and counts (every cell must be non-empty)."""
    out = {}
    for name, g, p in (("pilot_before", 1, 0), ("pilot_after", 1, 1),
                       ("comparison_before", 0, 0), ("comparison_after", 0, 1)):
        rows = (group == g) & (post == p)
        w = None if weights is None else weights[rows]
        out[name] = CellMean(float(np.average(y[rows], weights=w)), int(rows.sum()))
    return out


def check_cells(group: np.ndarray, post: np.ndarray, unit: np.ndarray | None,
                name: str | None) -> None:
    """Pilot and comparison rows exist before and after; panel pilot units have a before."""
    if not np.any(group == 1):
        raise EstimationError(f"no treated units: '{name}' marks no row as in the pilot group",
                              column=name)
    if not np.any(group == 0):
        raise EstimationError(
            f"no comparison units: every row is in the pilot group according to '{name}'; a "
            "difference-in-differences needs units that did not have the pilot", column=name)
    for g, label in ((1, "pilot"), (0, "comparison")):
        for p, when in ((0, "before"), (1, "after")):
            if not np.any((group == g) & (post == p)):
                which = "treated units have" if g == 1 and p == 0 else f"the {label} group has"
                raise EstimationError(
                    f"{which} no rows {when} the pilot start; a 2x2 comparison needs "
                    "both groups observed before and after", column=name)
    if unit is not None:
        codes = factorize(unit)
        pilot = np.bincount(codes.codes, group, codes.n_levels) > 0
        before = np.bincount(codes.codes, (group == 1) & (post == 0), codes.n_levels) > 0
        lacking = pilot & ~before
        if lacking.any():
            shown = ", ".join(map(str, codes.labels[lacking][:5]))
            raise EstimationError(
                f"{lacking.sum()} treated unit(s) have no before-period row ({shown}); drop "
                "them or check the pilot start", column=name)


@dataclass(frozen=True)
class DidTwoByTwo:
    """2x2 difference-in-differences by least squares with the interaction.

    Parameters
    ----------
    se
        ``"cluster"`` (default; clusters = ``columns.cluster``, else the unit; a repeated
        cross-section without either falls back to HC1 and says so), ``"hc1"`` or ``"iid"``.
    level
        Confidence level of the interval.

    Columns (``fit``): ``outcome`` and either ``group`` and ``post`` (0/1), or ``unit``,
    ``time`` and a ``cohort``/``treatment`` column with exactly one pilot start; optional
    ``covariates``, ``cluster`` and ``weights``.

    Notes
    -----
    ``y = a + b G + c P + d G P + x' g + e`` with ``G`` = pilot group and ``P`` = after the
    start; ``d`` is the estimate.  Without covariates ``d`` equals
    ``(pilot_after - pilot_before) - (comparison_after - comparison_before)`` in cell means.
    Standard errors: ``K = 4 + covariates``; CR1 with ``G/(G-1) (N-1)/(N-K)`` and t with
    ``G - 1`` df; iid and HC1 with ``N - K`` df.
    """

    se: SeType = "cluster"
    level: float = 0.95

    def __post_init__(self) -> None:
        check_choice("se", self.se, SE_TYPES)
        check_level(self.level)

    def fit(self, frame: pd.DataFrame, columns: PanelColumns | None = None,
            **roles: Unpack[PanelRoles]) -> Did2x2Result:
        """Estimate on ``frame`` (not modified); returns a new ``Did2x2Result``.

        ``columns`` is a ``PanelColumns``, or give the roles as keywords
        (``fit(frame, outcome="y", group="pilot", post="after")``).
        """
        columns = resolve_columns(PanelColumns, columns, roles)
        frame, periods = encode_periods(frame, columns)
        data = two_by_two_data(frame, columns, self.se)
        check_cells(data.group, data.post, data.unit, data.flag_column)
        design = np.column_stack([np.ones(data.y.size), data.group, data.post,
                                  data.group * data.post, data.covariates])
        names = (*BASE_NAMES, *columns.covariates)
        dropped = collinear_columns(cross_products(design, data.weights))
        if dropped:
            shown = ", ".join(f"'{names[j]}'" for j in dropped)
            raise EstimationError(
                f"{shown} is collinear with the pilot-group and after-period indicators or "
                "the other covariates; drop it", column=names[dropped[0]])
        fit = least_squares(design, data.y, data.weights)
        cov = two_by_two_covariance(design, fit, data, self.se)
        warnings = []
        if data.n_dropped:
            warnings.append(f"{data.n_dropped} row(s) with a missing value in a model column "
                            "(or a zero weight) were dropped")
        if cov.n_clusters is not None and cov.n_clusters < FEW_CLUSTERS:
            warnings.append(f"only {cov.n_clusters} clusters: cluster-robust standard errors "
                            "can be too small")
        description = variance.describe(cov, data.cluster_name, fixed_effects=False)
        if self.se == "cluster" and data.cluster_name is None:
            description += (" (repeated cross-section without a unit or cluster column, so "
                            "HC1 is used instead of clustering)")
        estimate = float(fit.coef[3])
        inference = variance.t_inference(estimate, cov, 3, self.level)
        terms = inference_terms(names, fit.coef, coefficient_inference(fit.coef, cov,
                                                                       self.level))
        return Did2x2Result(
            outcome=columns.outcome, estimate=estimate, se=inference.se,
            t_stat=inference.t_stat, p_value=inference.p_value, ci_low=inference.ci_low,
            ci_high=inference.ci_high, df=cov.df, level=float(self.level),
            **cell_means(data.y, data.group, data.post, data.weights),
            terms=terms, period_labels=periods.labels,
            n_obs=int(data.y.size),
            n_units=None if data.unit is None else int(pd.unique(data.unit).size),
            n_periods=data.n_periods, n_clusters=cov.n_clusters, se_type=cov.se_type,
            se_description=description, small_sample=cov.small_sample,
            pilot_start=data.start, warnings=tuple(warnings),
        )


@dataclass(frozen=True)
class TwoByTwoData:
    """Complete rows of a 2x2 design as arrays."""

    y: np.ndarray
    group: np.ndarray
    post: np.ndarray
    covariates: np.ndarray
    weights: np.ndarray | None
    unit: np.ndarray | None
    cluster: np.ndarray | None
    cluster_name: str | None
    flag_column: str | None
    start: float | None
    n_periods: int
    n_dropped: int


def two_by_two_data(frame: pd.DataFrame, columns: PanelColumns, se: str) -> TwoByTwoData:
    """Read the model columns, drop incomplete rows and pick the cluster column.

    Clusters (for ``se="cluster"``): ``columns.cluster``, else the unit, else none (HC1).
    """
    require_columns(frame, columns.used())
    flags = two_by_two_flags(frame, columns)
    y = numeric_column(frame, columns.outcome, "outcome")
    covariates = [numeric_column(frame, c, "covariate") for c in columns.covariates]
    weights = numeric_column(frame, columns.weights, "weight") if columns.weights else None
    cluster_name = (columns.cluster or columns.unit) if se == "cluster" else None
    bad = np.isnan(y) | np.isnan(flags.group) | np.isnan(flags.post)
    for values in covariates:
        bad |= np.isnan(values)
    if weights is not None:
        bad |= np.isnan(weights)
        if np.any(weights[~bad] < 0):
            raise EstimationError(
                f"weights in column '{columns.weights}' must not be negative; "
                f"the smallest is {np.min(weights[~bad]):g}", column=columns.weights)
        bad |= weights == 0
    for key in {cluster_name, columns.unit, columns.time}:
        if key is not None:
            bad |= key_missing(frame, key)
    keep = ~bad
    unit = frame[columns.unit].to_numpy()[keep] if columns.unit else None
    time = frame[columns.time].to_numpy()[keep] if columns.time else None
    return TwoByTwoData(
        y=y[keep], group=flags.group[keep], post=flags.post[keep],
        covariates=np.column_stack([c[keep] for c in covariates]) if covariates
        else np.empty((int(keep.sum()), 0)),
        weights=None if weights is None else weights[keep], unit=unit,
        cluster=frame[cluster_name].to_numpy()[keep] if cluster_name else None,
        cluster_name=cluster_name,
        flag_column=columns.group or columns.cohort or columns.treatment,
        start=flags.start, n_periods=2 if time is None else int(pd.unique(time).size),
        n_dropped=int(bad.sum()),
    )


def two_by_two_covariance(design: np.ndarray, fit: LeastSquares, data: TwoByTwoData,
                          se: str) -> variance.Covariance:
    """iid, HC1 or CR1 with ``K`` = number of columns of ``design`` (no fixed effects)."""
    k = design.shape[1]
    if se == "iid":
        return variance.iid(fit.bread, fit.residuals, data.weights, n_params=k)
    if se == "hc1" or data.cluster is None:
        return variance.hc1(design, fit.bread, fit.residuals, data.weights, n_params=k)
    codes = factorize(data.cluster)
    return variance.cr1(design, fit.bread, fit.residuals, data.weights, codes.codes,
                        codes.n_levels, n_params=k)


@dataclass(frozen=True, kw_only=True, repr=False)
class Did2x2Result(DidEstimate):
    """Result of ``DidTwoByTwo.fit`` (immutable); ``estimate`` is the interaction ``d``.

    ``terms`` hold the four regression coefficients (and covariates) with their inference.
    """

    title: ClassVar[str] = "2x2 difference-in-differences"
    pilot_before: CellMean
    pilot_after: CellMean
    comparison_before: CellMean
    comparison_after: CellMean
    terms: tuple[Term, ...]
    small_sample: Number
    pilot_start: float | None
    period_labels: dict[int, str] = field(default_factory=dict)

    @property
    def coefficients(self) -> tuple[tuple[str, float, Number], ...]:
        """``(name, estimate, se)`` of every coefficient."""
        return tuple((t.term, float(t.estimate), t.se) for t in self.terms)  # type: ignore[arg-type, misc]

    @property
    def cells(self) -> dict[str, CellMean]:
        """The four cells by name (a fresh dict)."""
        return {name: getattr(self, name) for name in CELLS}

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dictionary (keys of docs/architecture.md)."""
        return {
            "estimator": "2x2", "outcome": self.outcome,
            "estimate": json_number(self.estimate), "se": json_number(self.se),
            "ci_low": json_number(self.ci_low), "ci_high": json_number(self.ci_high),
            "p_value": json_number(self.p_value), "t_stat": json_number(self.t_stat),
            "df": int(self.df), "level": float(self.level), "n_obs": self.n_obs,
            "n_units": self.n_units, "n_periods": self.n_periods,
            "n_clusters": self.n_clusters, "se_type": self.se_type,
            "se_description": self.se_description,
            "small_sample_factor": json_number(self.small_sample),
            "pilot_start": json_number(self.pilot_start),
            "warnings": list(self.warnings),
            "unavailable": reasons(se=self.se, t_stat=self.t_stat, p_value=self.p_value,
                                   ci_low=self.ci_low, ci_high=self.ci_high,
                                   small_sample_factor=self.small_sample),
            "cell_means": {name: self.cells[name].mean for name in CELLS},
            "cell_counts": {name: self.cells[name].n for name in CELLS},
            "coefficients": [{"name": t.term, "estimate": json_number(t.estimate),
                              "se": json_number(t.se)} for t in self.terms],
        }

    def to_frame(self) -> pd.DataFrame:
        """The four cells: arm, period, mean outcome and rows (a fresh frame)."""
        return pd.DataFrame([
            {"arm": name.split("_")[0], "period": name.split("_")[1],
             "mean": self.cells[name].mean, "n": self.cells[name].n} for name in CELLS
        ])

    def summary(self) -> str:
        """A short plain-text report."""
        c = self.cells
        lines = [
            f"2x2 difference-in-differences: {self.outcome}",
            f"  estimate {self.estimate:.6g}  SE {_fmt(self.se)}  p {_fmt(self.p_value)}",
            f"  {self.level:.0%} CI ({_fmt(self.ci_low)}, {_fmt(self.ci_high)})",
            f"  pilot: before {c['pilot_before'].mean:.6g} (n={c['pilot_before'].n}), "
            f"after {c['pilot_after'].mean:.6g} (n={c['pilot_after'].n})",
            f"  comparison: before {c['comparison_before'].mean:.6g} "
            f"(n={c['comparison_before'].n}), after {c['comparison_after'].mean:.6g} "
            f"(n={c['comparison_after'].n})",
            f"  {self.se_description}",
        ]
        if self.pilot_start is not None:
            lines.insert(1, f"  pilot start: {label_of(self.pilot_start, self.period_labels)}")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _fmt(value: float | Unavailable) -> str:
    return str(value) if isinstance(value, Unavailable) else f"{float(value):.6g}"
