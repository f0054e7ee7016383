"""Sun & Abraham (2021) interaction-weighted event study.

``SunAbraham().fit(frame, columns)`` returns a ``SunAbrahamResult``: one coefficient per cohort and
event time (the cohort x relative-period interactions, never-treated or the last-treated cohort
as the comparison), aggregated to event time with each cohort's share of the treated rows at
that event time, as fixest's ``sunab()`` with its default aggregation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Unpack, get_args

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import PanelColumns, PanelRoles, resolve_columns
from pilot_eval.estimators.did.event_study.estimator import event_rows
from pilot_eval.estimators.did.event_study.inference import (
    residual_df,
    wald_test,
)
from pilot_eval.estimators.did.event_study.result import EventTimeEstimate
from pilot_eval.estimators.did.sun_abraham.result import CohortEffect, SunAbrahamResult
from pilot_eval.estimators.did.twfe import FE_COLLINEARITY_TOLERANCE, fit_two_way
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.inference import variance
from pilot_eval.estimators.inference.fixed_effects import Codes, demean, factorize
from pilot_eval.estimators.inference.ols import (
    centred_sums_of_squares,
    collinear_columns,
    cross_products,
)
from pilot_eval.estimators.inference.variance import coefficient_inference
from pilot_eval.estimators.literals import SE_TYPES, SeType, check_choice, check_level
from pilot_eval.estimators.periods import encode_periods
from pilot_eval.estimators.thresholds import FEW_CLUSTERS
from pilot_eval.estimators.unavailable import Unavailable

ControlGroup = Literal["never", "last"]
CONTROL_GROUPS: tuple[str, ...] = get_args(ControlGroup)


@dataclass(frozen=True)
class Interactions:
    """Cohort x event-time dummies and the cells they stand for."""

    matrix: np.ndarray
    cells: tuple[tuple[float, int], ...]  # (cohort start, event time) per column
    counts: np.ndarray  # treated rows (or weight sums) per cell


def interaction_dummies(start: np.ndarray, event: np.ndarray, reference: int,
                        weights: np.ndarray | None) -> Interactions:
    """One dummy per observed (cohort, event time) of treated rows, except the reference."""
    treated = ~np.isnan(start)
    pairs = np.unique(np.column_stack([start[treated], event[treated]]), axis=0)
    cells = tuple((float(g), int(e)) for g, e in pairs if int(e) != reference)
    matrix = np.zeros((start.size, len(cells)), dtype=np.float64, order="F")
    counts = np.empty(len(cells))
    for j, (g, e) in enumerate(cells):
        column = (start == g) & (event == e)
        matrix[:, j] = column
        counts[j] = column.sum() if weights is None else weights[column].sum()
    return Interactions(matrix, cells, counts)


def unidentified_cells(interactions: Interactions, unit: Codes, period: Codes,
                       weights: np.ndarray | None) -> list[int]:
    """Columns the unit and period effects and the earlier columns already span.

    With irregular periods a cohort may have no row at the reference event time; its cells
    then sum to its units' indicators, and one of them (the last, in column order) cannot be
    estimated.  fixest and pyfixest drop such collinear cells and report the rest; so does
    this, scanning the columns in order.
    """
    matrix = np.array(interactions.matrix, dtype=np.float64, order="F", copy=True)
    raw = centred_sums_of_squares(matrix, weights)
    within = demean(matrix, unit, period, weights=weights).matrix
    left = centred_sums_of_squares(within, weights, centre=False)
    absorbed = [j for j in range(matrix.shape[1])
                if raw[j] <= 0.0 or left[j] <= FE_COLLINEARITY_TOLERANCE * raw[j]]
    rest = [j for j in range(matrix.shape[1]) if j not in absorbed]
    spanned = collinear_columns(cross_products(within[:, rest], weights)) if rest else []
    return sorted(absorbed + [rest[k] for k in spanned])


def without_cells(interactions: Interactions, dropped: list[int]) -> Interactions:
    keep = [j for j in range(len(interactions.cells)) if j not in set(dropped)]
    return Interactions(np.asfortranarray(interactions.matrix[:, keep]),
                        tuple(interactions.cells[j] for j in keep), interactions.counts[keep])


def share_weights(interactions: Interactions) -> tuple[tuple[int, ...], np.ndarray]:
    """Event times and the (events x cells) matrix of cohort shares at each event time."""
    events = tuple(sorted({e for _, e in interactions.cells}))
    weights = np.zeros((len(events), len(interactions.cells)))
    for j, (_, e) in enumerate(interactions.cells):
        weights[events.index(e), j] = interactions.counts[j]
    weights /= weights.sum(axis=1, keepdims=True)
    return events, weights


def post_att_weights(interactions: Interactions) -> np.ndarray:
    """Weights of the overall ATT: each post-period cell's share of all post-period rows."""
    post = np.array([e >= 0 for _, e in interactions.cells])
    weights = np.where(post, interactions.counts, 0.0)
    total = weights.sum()
    return weights / total if total > 0 else weights


def combine(coef: np.ndarray, cov: variance.Covariance, weights: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray | Unavailable]:
    """``W b`` and ``W V W'`` (shares held fixed, as fixest's ``aggregate``)."""
    estimates = weights @ coef
    if isinstance(cov.matrix, Unavailable):
        return estimates, cov.matrix
    return estimates, weights @ cov.matrix @ weights.T


@dataclass(frozen=True)
class SunAbraham:
    """Interaction-weighted event study robust to effects that differ across cohorts.

    Parameters
    ----------
    control
        ``"never"``: never-treated units are the comparison (fixest ``sunab`` default);
        ``"last"``: the last-treated cohort is the comparison, and periods from its start on
        are dropped (Sun & Abraham's alternative when every unit is eventually treated).
    reference
        The omitted event time of every cohort (default -1).
    se, level
        Variance type (``"cluster"`` CR1 with fixest's small-sample factor, ``"hc1"``,
        ``"iid"``) and confidence level; t inference with the model's degrees of freedom.

    Columns (``fit``): ``outcome``, ``unit``, ``time`` and the pilot start ``cohort`` (0 or
    missing = never) or a ``treatment`` column; optional ``cluster`` and ``weights``.

    Notes
    -----
    ``y_it = a_i + g_t + sum_g sum_{e != r} d_{g,e} 1[G_i = g] 1[t - g = e] + u_it``, then
    ``b_e = sum_g w_{g,e} d_{g,e}`` with ``w_{g,e}`` cohort ``g``'s share of the treated rows at
    event time ``e`` (rows, or weight sums with weights).  The shares are held fixed in the
    variance ``w' V w``: fixest's ``aggregate.fixest`` (``shares = colSums(sign(mm))``, then
    ``sum(s1 * s2 * V)``) and pyfixest's saturated event study do exactly this; Sun &
    Abraham's Stata ``eventstudyinteract`` also adds the shares' sampling variance, which
    this does not.  Intervals and p-values use t with the model's df (``G - 1`` with
    clusters); fixest's ``aggregate`` prints p-values on ``nobs - nparams`` df.
    ``estimate`` is the ATT over post-period cells (fixest ``agg = "ATT"``).
    """

    control: ControlGroup = "never"
    reference: int = -1
    se: SeType = "cluster"
    level: float = 0.95

    def __post_init__(self) -> None:
        check_choice("control", self.control, CONTROL_GROUPS)
        check_choice("se", self.se, SE_TYPES)
        check_level(self.level)
        if not isinstance(self.reference, int) or isinstance(self.reference, bool):
            raise EstimatorConfigError(f"reference={self.reference!r} must be a whole number "
                                       "of periods, usually -1")

    def fit(self, frame: pd.DataFrame, columns: PanelColumns | None = None,
            **roles: Unpack[PanelRoles]) -> SunAbrahamResult:
        """Estimate on ``frame`` (not modified); returns a new ``SunAbrahamResult``.

        ``columns`` is a ``PanelColumns``, or give the roles as keywords
        (``fit(frame, outcome="y", unit="team", time="month", cohort="start")``).
        """
        columns = resolve_columns(PanelColumns, columns, roles)
        frame, _ = encode_periods(frame, columns)
        if columns.covariates:
            raise EstimatorConfigError("Sun & Abraham here takes no covariates; remove them "
                                       "from the column roles")
        rows = event_rows(frame, columns, self.se)
        period_values = rows.period.labels[rows.period.codes].astype(float)
        start = period_values - rows.event  # NaN for never treated
        keep = np.ones(start.size, dtype=bool)
        dropped_note = None
        if self.control == "last":
            if not np.any(~np.isnan(start)):
                raise EstimationError("no treated units: no unit has a pilot start")
            last = float(np.nanmax(start))
            keep = period_values < last
            start = np.where(start == last, np.nan, start)
            dropped_note = (f"the last-treated cohort (start {last:g}) is the comparison; "
                            f"{int((~keep).sum())} row(s) from period {last:g} on were dropped")
        elif rows.n_never == 0:
            raise EstimationError(
                "no never-treated comparison units; use control='last' to compare with the "
                "last-treated cohort", column=columns.cohort or columns.treatment)
        unit, period, cluster, y = rows.unit, rows.period, rows.cluster, rows.y
        weights, event = rows.weights, rows.event
        if not keep.all():
            unit = factorize(unit.labels[unit.codes[keep]])
            period = factorize(period.labels[period.codes[keep]])
            if cluster is not None:
                cluster = (unit if rows.cluster is rows.unit
                           else factorize(cluster.labels[cluster.codes[keep]]))
            y, start, event = y[keep], start[keep], event[keep]
            weights = None if weights is None else weights[keep]
        if np.all(np.isnan(start)):
            raise EstimationError("no treated cohort is left besides the comparison cohort")
        inter = interaction_dummies(start, event, self.reference, weights)
        dropped = unidentified_cells(inter, unit, period, weights)
        unidentified = [inter.cells[j] for j in dropped]
        if dropped:
            inter = without_cells(inter, dropped)
            if not inter.cells:
                raise EstimationError("no cohort x event-time cell can be estimated: each is "
                                      "absorbed by the unit and period effects")
        names = tuple(f"cohort={g:g}, e={e}" for g, e in inter.cells)
        fit = fit_two_way(y, inter.matrix, unit, period, names=names, se=self.se,
                          cluster=cluster, weights=weights)
        events, shares = share_weights(inter)
        estimates, vcov = combine(fit.coef, fit.covariance, shares)
        agg_cov = variance.Covariance(vcov, fit.covariance.se_type, fit.covariance.df,
                                      fit.covariance.small_sample, fit.covariance.n_params,
                                      fit.covariance.n_clusters)
        event_time = []
        aggregated = coefficient_inference(estimates, agg_cov, self.level)
        for i, e in enumerate(events):
            inf = aggregated[i]
            n = int(sum(inter.matrix[:, j].sum() for j, (_, f) in enumerate(inter.cells)
                        if f == e))
            event_time.append(EventTimeEstimate(e, float(estimates[i]), inf.se, inf.ci_low,
                                                inf.ci_high, inf.p_value, n, False, False))
        n_ref = int(np.sum(~np.isnan(start) & (event == self.reference)))
        event_time.append(EventTimeEstimate(self.reference, 0.0, None, None, None, None, n_ref,
                                            True, False))
        event_time.sort(key=lambda row: row.e)
        cohorts = []
        cells = coefficient_inference(fit.coef, fit.covariance, self.level)
        for j, (g, e) in enumerate(inter.cells):
            inf = cells[j]
            cohorts.append(CohortEffect(g, e, float(fit.coef[j]), inf.se, inf.ci_low,
                                        inf.ci_high, int(inter.matrix[:, j].sum()),
                                        float(shares[events.index(e), j])))
        estimate: float | Unavailable
        att_weights = post_att_weights(inter)
        if att_weights.sum() > 0:
            att, att_var = combine(fit.coef, fit.covariance, att_weights[None, :])
            att_cov = variance.Covariance(att_var, agg_cov.se_type, agg_cov.df,
                                          agg_cov.small_sample, agg_cov.n_params,
                                          agg_cov.n_clusters)
            estimate = float(att[0])
            inference = variance.t_inference(estimate, att_cov, 0, self.level)
        else:
            estimate = Unavailable("no post-period cells")
            inference = variance.Inference(estimate, estimate, estimate, estimate, estimate)
        pretest = wald_test(estimates, agg_cov, [i for i, e in enumerate(events) if e < 0],
                            df_denominator=residual_df(fit))
        warnings = [] if dropped_note is None else [dropped_note]
        if unidentified:
            shown = ", ".join(f"cohort {g:g} e={e}" for g, e in unidentified)
            warnings.append(
                f"{len(unidentified)} cohort x event-time cell(s) cannot be estimated and were "
                f"dropped, as fixest does ({shown}): a cohort with no observed period at the "
                f"reference event time (e={self.reference}, e.g. a missing month before its "
                "start) has its effects measured against its remaining cells")
        if rows.n_dropped:
            warnings.append(f"{rows.n_dropped} row(s) with a missing value in a model column "
                            "were dropped")
        if fit.covariance.n_clusters is not None and fit.covariance.n_clusters < FEW_CLUSTERS:
            warnings.append(f"only {fit.covariance.n_clusters} clusters: cluster-robust "
                            "standard errors can be too small")
        if not isinstance(vcov, Unavailable):
            vcov = vcov.copy()
            vcov.flags.writeable = False
        return SunAbrahamResult(
            outcome=columns.outcome, control=self.control, reference=self.reference,
            event_time=tuple(event_time), events=events, vcov=vcov,
            cohort_effects=tuple(cohorts), estimate=estimate, se=inference.se,
            t_stat=inference.t_stat, p_value=inference.p_value, ci_low=inference.ci_low,
            ci_high=inference.ci_high, pretest_statistic=pretest.statistic,
            pretest_df=pretest.df, pretest_df_denominator=pretest.df_denominator,
            pretest_p_value=pretest.p_value, df=fit.covariance.df, level=float(self.level),
            n_obs=fit.n_obs, n_units=fit.n_units, n_periods=fit.n_periods,
            n_clusters=fit.covariance.n_clusters, se_type=self.se,
            se_description=variance.describe(fit.covariance, rows.cluster_name),
            warnings=tuple(warnings),
        )
