"""Callaway & Sant'Anna (2021) difference-in-differences for staggered pilots.

``CallawaySantAnna(...).fit(frame, columns)`` estimates every group-time effect ATT(g,t), their
aggregations (simple, by cohort, by event time, by calendar period) and the pre-test of parallel
trends, reproducing R ``did`` (``att_gt`` + ``aggte``) for balanced panels.  The numeric steps live
in ``data`` (sample rules), ``two_by_two`` (2x2 estimators), ``attgt`` (cells),
``aggregate`` (aggregations, pre-test) and ``bootstrap`` (multiplier bootstrap); the result
classes are in ``results``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, Unpack, get_args

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import PanelColumns, PanelRoles, resolve_columns
from pilot_eval.estimators.did.callaway_santanna.aggregate import (
    AggregateParts,
    aggregate_all,
    pretest,
)
from pilot_eval.estimators.did.callaway_santanna.attgt import (
    GroupTimeCells,
    analytic_se,
    cluster_sums,
    group_time_cells,
)
from pilot_eval.estimators.did.callaway_santanna.bootstrap import (
    bootstrap_inference,
    draw_columns,
    rademacher_draws,
)
from pilot_eval.estimators.did.callaway_santanna.data import (
    PreparedPanel,
    prepare_panel,
    without_unit,
)
from pilot_eval.estimators.did.callaway_santanna.results import (
    Aggregation,
    AggregationRow,
    CallawaySantAnnaResult,
    GroupTimeEffect,
    Pretest,
    z_headline,
)
from pilot_eval.estimators.errors import EstimatorConfigError
from pilot_eval.estimators.inference.distributions import norm_ppf
from pilot_eval.estimators.literals import check_choice, check_level
from pilot_eval.estimators.periods import Periods, encode_periods
from pilot_eval.estimators.results import Number
from pilot_eval.estimators.thresholds import FEW_CLUSTERS, PRETEST_UNITS_PER_RESTRICTION
from pilot_eval.estimators.unavailable import Unavailable

# Below this many units per pre-test restriction the Wald covariance (k x k, estimated from n
# units) is too noisy for a chi-squared p-value; a warning says so (R did does not warn).

ControlGroup = Literal["never", "not-yet"]
CsMethod = Literal["dr", "reg", "ipw"]
BasePeriod = Literal["varying", "universal"]
Unbalanced = Literal["drop", "allow", "pairwise"]
UNBALANCED: tuple[str, ...] = get_args(Unbalanced)
CONTROL_GROUPS: tuple[str, ...] = get_args(ControlGroup)
CS_METHODS: tuple[str, ...] = get_args(CsMethod)
BASE_PERIODS: tuple[str, ...] = get_args(BasePeriod)

__all__ = [
    "BASE_PERIODS",
    "CONTROL_GROUPS",
    "CS_METHODS",
    "CallawaySantAnna",
    "CallawaySantAnnaResult",
]

_Estimate = TypeVar("_Estimate")
"""What ``each_unit_left_out`` computes on each smaller panel."""


def _check_non_negative_int(option: str, value: object, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise EstimatorConfigError(
            f"{option}={value!r} must be a whole number of 0 or more"
            + (" (or None)" if allow_none else "")
        )


@dataclass(frozen=True)
class CallawaySantAnna:
    """Group-time average treatment effects for staggered adoption (Callaway & Sant'Anna 2021).

    Parameters
    ----------
    control:
        ``"never"`` (never-treated units) or ``"not-yet"`` (never treated plus units not yet
        treated by the later of the two periods compared).
    method:
        ``"dr"`` doubly robust (default, R ``did``'s default), ``"reg"`` outcome regression or
        ``"ipw"`` inverse probability weighting.  Without covariates all three coincide.
    base_period:
        ``"varying"`` (pre-treatment cells compare consecutive periods) or ``"universal"`` (every
        cell compares with the period before the pilot; that cell is 0 by construction).
    anticipation:
        Number of periods before the start in which units may already react.
    level:
        Confidence level of intervals and bands.
    bootstrap:
        Number of multiplier-bootstrap draws; 0 (default) gives analytic standard errors.
    seed:
        Seed of the bootstrap draws.
    balance_e:
        For the event-time aggregation: keep only cohorts observed for event times
        0..``balance_e`` (R ``aggte(balance_e=)``).
    unbalanced:
        ``"drop"`` (default, as R ``did`` with ``allow_unbalanced_panel=FALSE``): units not
        observed in every period are dropped and listed in the warnings.  ``"allow"`` (R
        ``did``'s ``allow_unbalanced_panel=TRUE``): every observed row is kept; each ATT(g,t)
        uses the rows observed in its two periods with the repeated-cross-section doubly robust
        estimator (``DRDID::drdid_rc``; ``method="dr"`` only), influence functions summed
        within units.  ``"pairwise"``: they are kept and each ATT(g,t) uses the units observed
        in both of its periods (a panel 2x2 on that subsample; not an R ``did`` option).

    Columns (``fit``): ``unit``, ``time`` (integer periods), ``outcome`` and ``cohort`` (the
    period each unit's pilot started; 0 or missing = never).  Optional ``covariates``, taken
    from the earlier of the two periods of each comparison (time-invariant covariates are
    safest).  An optional ``cluster`` coarser than the unit (fixed within units, e.g. the
    council of a team) clusters the standard errors: influence functions are summed within
    clusters (analytic SEs) and the bootstrap draws one weight per cluster, as R ``did``'s
    ``clustervars``.  Sampling ``weights`` are not supported yet.

    Notes
    -----
    For cohort :math:`g` and period :math:`t`, with base period :math:`b` and comparison set
    :math:`C`,

    .. math::

        ATT(g,t) = E[Y_t - Y_b \\mid G = g] - E[Y_t - Y_b \\mid C],

    where with covariates the second term is replaced by an outcome regression (``reg``), an
    inverse-probability-weighted mean (``ipw``) or the doubly robust combination of both (``dr``,
    Sant'Anna & Zhao 2020).  Aggregates are :math:`\\theta = \\sum_{g,t} w_{g,t} ATT(g,t)` with
    cohort-size weights.  Standard errors come from the influence functions
    (:math:`\\widehat{V} = \\Psi'\\Psi / n^2`, one row per unit, i.e. clustered at the unit),
    including the estimation of the weights; inference is normal (z), as in R ``did``.
    """

    control: ControlGroup = "never"
    method: CsMethod = "dr"
    base_period: BasePeriod = "varying"
    anticipation: int = 0
    level: float = 0.95
    bootstrap: int = 0
    seed: int | None = None
    balance_e: int | None = None
    unbalanced: Unbalanced = "drop"

    def __post_init__(self) -> None:
        check_choice("control", self.control, CONTROL_GROUPS)
        check_choice("method", self.method, CS_METHODS)
        check_choice("base_period", self.base_period, BASE_PERIODS)
        check_choice("unbalanced", self.unbalanced, UNBALANCED)
        check_level(self.level)
        _check_non_negative_int("anticipation", self.anticipation)
        _check_non_negative_int("bootstrap", self.bootstrap)
        _check_non_negative_int("balance_e", self.balance_e, allow_none=True)
        if self.bootstrap and self.bootstrap < 100:
            raise EstimatorConfigError(
                f"bootstrap={self.bootstrap} draws are too few for standard errors and bands; "
                "use 0 (analytic) or at least 100 (R did uses 1000)"
            )
        if self.unbalanced == "allow" and self.method != "dr":
            raise EstimatorConfigError(
                f"unbalanced='allow' (R did's allow_unbalanced_panel=TRUE) is implemented for "
                f"method='dr' (R did's default), not method={self.method!r}; use method='dr' or "
                "unbalanced='drop'")
        _check_non_negative_int("seed", self.seed, allow_none=True)

    def fit(self, frame: pd.DataFrame, columns: PanelColumns | None = None,
            **roles: Unpack[PanelRoles]) -> CallawaySantAnnaResult:
        """Estimate on a long unit x period ``frame`` (not modified); returns a new result.

        ``columns`` is a ``PanelColumns``, or give the roles as keywords
        (``fit(frame, outcome="y", unit="team", time="month", cohort="start")``).
        """
        columns = resolve_columns(PanelColumns, columns, roles)
        encoded, periods = encode_periods(frame, columns)
        return self._estimate(self._prepare(encoded, columns), columns, periods)

    def leave_one_out(self, frame: pd.DataFrame, columns: PanelColumns, units: Iterable[object]
                      ) -> Iterator[tuple[object, CallawaySantAnnaResult]]:
        """``(unit, fit(frame without unit's rows))`` for each of ``units``, in turn.

        The panel is prepared once and each unit's row left out of it (``data.without_unit``:
        the same arrays the smaller frame gives, so the same estimates; the warnings are the
        whole panel's); where that cannot be read off the panel, the smaller frame is fitted.
        """
        yield from self.each_unit_left_out(
            frame, columns, units, lambda smaller, periods: self._estimate(smaller, columns,
                                                                           periods))

    def each_unit_left_out(self, frame: pd.DataFrame, columns: PanelColumns,
                           units: Iterable[object],
                           estimate: Callable[[PreparedPanel, Any], _Estimate]
                           ) -> Iterator[tuple[object, _Estimate | CallawaySantAnnaResult]]:
        """``(unit, estimate(panel without unit, periods))`` for each of ``units``, the panel
        prepared once; the smaller frame is fitted where the unit cannot be left out of it."""
        encoded, periods = encode_periods(frame, columns)
        panel = self._prepare(encoded, columns)
        for unit in units:
            smaller = without_unit(panel, unit, columns, self.unbalanced)
            if smaller is None:
                yield unit, self.fit(frame[frame[columns.unit] != unit], columns)
            else:
                yield unit, estimate(smaller, periods)

    def _prepare(self, frame: pd.DataFrame, columns: PanelColumns) -> PreparedPanel:
        if columns.weights is not None:
            raise EstimatorConfigError(
                f"sampling weights (column '{columns.weights}') are not supported by the "
                "Callaway & Sant'Anna estimator yet; remove the weights role"
            )
        return prepare_panel(frame, columns, covariates=columns.covariates,
                             control=self.control, anticipation=self.anticipation,
                             unbalanced=self.unbalanced, cluster=self._cluster(columns))

    @staticmethod
    def _cluster(columns: PanelColumns) -> str | None:
        return None if columns.cluster in (None, columns.unit) else columns.cluster

    def _estimate(self, panel: PreparedPanel, columns: PanelColumns,
                  periods: Periods) -> CallawaySantAnnaResult:
        cluster = self._cluster(columns)
        cells = group_time_cells(panel, control=self.control, method=self.method,
                                 base_period=self.base_period, anticipation=self.anticipation,
                                 unbalanced=self.unbalanced)
        parts = aggregate_all(cells, panel.cohort, self.balance_e)
        clusters = panel.clusters
        n_clusters = len(panel.units) if clusters is None else int(clusters.max()) + 1
        se = analytic_se(cells.influence, clusters)
        test = pretest(cells, se, clusters)
        z = float(norm_ppf(0.5 + self.level / 2.0))
        crit = z
        agg_se = [_analytic(p, clusters) for p in parts]
        agg_crit = [z] * len(parts)
        if self.bootstrap:
            se, crit, agg_se, agg_crit = self._bootstrap(cells, parts, clusters)
        effects = tuple(_effects(cells, se, crit))
        aggregations = tuple(
            _aggregation(p, ses, c, z, self.bootstrap > 0) for p, ses, c in
            zip(parts, agg_se, agg_crit, strict=True)
        )
        warnings = [*panel.warnings, *cells.warnings, *_inference_warnings(test, n_clusters)]
        simple = next(agg for agg in aggregations if agg.kind == "simple")
        z_stat, p_value = z_headline(simple.estimate, simple.se)
        return CallawaySantAnnaResult(
            estimate=simple.estimate, se=simple.se, ci_low=simple.ci_low,
            ci_high=simple.ci_high, t_stat=z_stat, p_value=p_value,
            outcome=columns.outcome, control=self.control, method=self.method,
            base_period=self.base_period, anticipation=self.anticipation,
            covariates=columns.covariates, level=self.level, bootstrap=self.bootstrap,
            seed=self.seed, balance_e=self.balance_e, unbalanced=self.unbalanced,
            att_gt=effects, aggregations=aggregations,
            pretest=_pretest(test), n_units=len(panel.units), n_obs=panel.n_obs,
            n_periods=len(panel.periods), cluster=cluster or str(columns.unit),
            n_clusters=n_clusters, critical_value=crit, warnings=tuple(warnings),
            influence=_read_only(cells.influence), period_labels=periods.labels,
        )

    def _bootstrap(self, cells: GroupTimeCells, parts: tuple[AggregateParts, ...],
                   clusters: np.ndarray | None):
        """Bootstrap SEs/critical values, one weight draw shared by every influence function."""
        blocks = [cells.influence]
        for p in parts:
            blocks.append(p.overall.influence[:, None])
            blocks.append(np.column_stack([r.influence for r in p.rows]) if p.rows
                          else np.zeros((cells.n_units, 0)))
        matrix = np.column_stack(blocks)
        draws = rademacher_draws(cluster_sums(matrix, clusters), self.bootstrap, self.seed,
                                 cells.n_units)
        k = cells.influence.shape[1]
        cell_inf = bootstrap_inference(draw_columns(draws, 0, k), self.level)
        start, agg_se, agg_crit = k, [], []
        for p in parts:
            overall = bootstrap_inference(draw_columns(draws, start, start + 1), self.level)
            start += 1
            width = len(p.rows)
            if width:
                rows = bootstrap_inference(draw_columns(draws, start, start + width), self.level)
                row_se, row_crit = rows.se.tolist(), rows.critical_value
            else:
                row_se, row_crit = [], float("nan")
            start += width
            agg_se.append((float(overall.se[0]), row_se))
            agg_crit.append(row_crit)
        return cell_inf.se, cell_inf.critical_value, agg_se, agg_crit


def _analytic(parts: AggregateParts, clusters: np.ndarray | None) -> tuple[float, list[float]]:
    """Analytic SEs of an aggregation's overall estimate and of its rows."""
    columns = [parts.overall.influence, *[r.influence for r in parts.rows]]
    ses = [float(analytic_se(c[:, None], clusters)[0]) for c in columns]
    return ses[0], ses[1:]


def _inference_warnings(test, n_clusters: int) -> list[str]:
    """Few clusters, or few clusters per pre-test restriction."""
    found = []
    if n_clusters < FEW_CLUSTERS:
        found.append(
            f"only {n_clusters} clusters: standard errors clustered on so few are unreliable "
            f"(below about {FEW_CLUSTERS}); treat intervals and p-values with caution"
        )
    if test.statistic is not None and n_clusters < PRETEST_UNITS_PER_RESTRICTION * test.df:
        found.append(
            f"the pre-test has {test.df} restrictions but only {n_clusters} clusters: its "
            "covariance matrix is poorly estimated and the p-value can be far too small; "
            "read the pre-treatment ATT(g,t) and their intervals instead"
        )
    return found


def _read_only(array: np.ndarray) -> np.ndarray:
    out = np.array(array, copy=True)
    out.flags.writeable = False
    return out


def _number(value: float, reason: str) -> float | Unavailable:
    return float(value) if np.isfinite(value) else Unavailable(reason)


def _interval(estimate, se, crit) -> tuple[float | Unavailable, float | Unavailable]:
    if isinstance(estimate, Unavailable) or isinstance(se, Unavailable) or not np.isfinite(crit):
        reason = "no standard error" if not isinstance(estimate, Unavailable) else estimate.reason
        return Unavailable(reason), Unavailable(reason)
    return estimate - crit * se, estimate + crit * se


def _effects(cells: GroupTimeCells, se: np.ndarray, crit: float):
    for i in range(len(cells.group)):
        problem = cells.problems[i] or "not estimable"
        estimate = _number(cells.estimate[i], problem)
        s: Number
        if cells.is_reference[i]:
            s = Unavailable("reference period of the universal base (fixed at 0)")
        elif isinstance(estimate, Unavailable):
            s = Unavailable(problem)
        else:
            s = _number(se[i], "zero variance")
        low, high = _interval(estimate, s, crit)
        yield GroupTimeEffect(
            group=int(cells.group[i]) if float(cells.group[i]).is_integer() else cells.group[i],
            time=int(cells.time[i]) if float(cells.time[i]).is_integer() else cells.time[i],
            base=int(cells.base[i]) if float(cells.base[i]).is_integer() else cells.base[i],
            estimate=estimate, se=s, ci_low=low, ci_high=high,
            post=bool(cells.group[i] <= cells.time[i]),
        )


def _aggregation(parts: AggregateParts, ses, row_crit: float, z: float,
                 simultaneous: bool) -> Aggregation:
    overall_se, row_ses = ses
    reason = "an ATT(g,t) it averages could not be estimated"
    estimate = _number(parts.overall.estimate, reason)
    se = _number(overall_se, "zero variance") if not isinstance(estimate, Unavailable) else estimate
    low, high = _interval(estimate, se, z)
    rows = []
    for row, row_se in zip(parts.rows, row_ses, strict=True):
        r_est = _number(row.estimate, reason)
        r_se = _number(row_se, "zero variance") if not isinstance(r_est, Unavailable) else r_est
        r_low, r_high = _interval(r_est, r_se, row_crit)
        label = row.label
        rows.append(AggregationRow(
            value=int(label) if label is not None and float(label).is_integer() else label,
            estimate=r_est, se=r_se, ci_low=r_low, ci_high=r_high,
        ))
    band = "simultaneous" if simultaneous and rows else "pointwise"
    return Aggregation(kind=parts.kind, estimate=estimate, se=se, ci_low=low, ci_high=high,
                       rows=tuple(rows), band=band, critical_value=row_crit)


def _pretest(parts) -> Pretest:
    if parts.statistic is None:
        reason = parts.reason or "not computable"
        return Pretest(Unavailable(reason), parts.df, Unavailable(reason))
    return Pretest(parts.statistic, parts.df, parts.p_value)
