"""Event study: effects by time relative to each unit's pilot start, with a pre-trend test.

``EventStudy(leads=..., lags=...).fit(frame, columns)`` returns an ``EventStudyResult``.  The
regression is a two-way fixed effects fit (``twfe.fit_two_way``) with one dummy per event time;
the numeric steps (event times, windows, dummies, the Wald test) are module-level functions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Unpack

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import PanelColumns, PanelRoles, resolve_columns
from pilot_eval.estimators.did.design import key_missing, numeric_column, require_columns
from pilot_eval.estimators.did.event_study import fast as event_study_fast
from pilot_eval.estimators.did.event_study.inference import (
    average_effect,
    residual_df,
    wald_test,
)
from pilot_eval.estimators.did.event_study.result import EventStudyResult, EventTimeEstimate
from pilot_eval.estimators.did.twfe import fit_two_way
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.inference import variance
from pilot_eval.estimators.inference.fixed_effects import Absorption, Codes, factorize
from pilot_eval.estimators.inference.variance import coefficient_inference
from pilot_eval.estimators.literals import SE_TYPES, SeType, check_choice, check_level
from pilot_eval.estimators.periods import encode_periods
from pilot_eval.estimators.thresholds import FEW_CLUSTERS
from pilot_eval.estimators.unavailable import Unavailable


@dataclass(frozen=True)
class EventRows:
    """The complete rows of the panel with each row's event time (``NaN`` = never treated)."""

    y: np.ndarray
    event: np.ndarray
    unit: Codes
    period: Codes
    cluster: Codes | None
    cluster_name: str | None
    weights: np.ndarray | None
    n_dropped: int
    n_never: int
    n_treated: int
    starts: np.ndarray  # per unit, NaN = never treated


@dataclass(frozen=True)
class EventWindow:
    """Which event times get a dummy and how rows outside the window are handled."""

    events: tuple[int, ...]
    reference: int
    low: int
    high: int
    binned: bool


def unit_starts(frame: pd.DataFrame, columns: PanelColumns, unit_codes: np.ndarray,
                time: np.ndarray, keep: np.ndarray | None, n_units: int) -> np.ndarray:
    """The pilot start period of each unit (``NaN`` = never treated).

    From ``columns.cohort`` (0 or missing = never; must be constant within a unit) or else the
    first period in which ``columns.treatment`` is 1.  ``unit_codes`` and ``time`` are for the
    kept rows (``keep``; ``None`` = every row).
    """
    def kept(values: np.ndarray) -> np.ndarray:
        return values if keep is None else values[keep]

    if columns.cohort is not None:
        cohort = kept(numeric_column(frame, columns.cohort, "pilot start"))
        cohort = np.where(cohort > 0, cohort, 0.0)  # 0, negative or missing: never
        starts = np.zeros(n_units)
        starts[unit_codes] = cohort  # one value per unit (the last row's); checked next
        differs = starts[unit_codes] != cohort
        if np.any(differs):
            row = int(np.flatnonzero(differs)[0])
            raise EstimationError(
                f"the pilot start column '{columns.cohort}' changes within a unit (unit number "
                f"{unit_codes[row] + 1} has {cohort[row]:g} and {starts[unit_codes[row]]:g}, "
                "0 = never or missing); give each unit one start period (0 = never)",
                column=columns.cohort)
        return np.where(starts > 0, starts, np.nan)
    if columns.treatment is None:
        raise EstimationError("an event study needs a pilot start (cohort) or a treatment (0/1) "
                              "column")
    treat = kept(numeric_column(frame, columns.treatment, "treatment"))
    if np.any((treat != 0.0) & (treat != 1.0)):
        seen = treat[(treat != 0.0) & (treat != 1.0)][0]
        raise EstimationError(f"the treatment column '{columns.treatment}' must hold 0 and 1 "
                              f"only but has {seen!r}", column=columns.treatment)
    on = treat == 1.0
    first = np.full(n_units, np.inf)
    np.minimum.at(first, unit_codes[on], time[on])
    return np.where(np.isfinite(first), first, np.nan)


def event_rows(frame: pd.DataFrame, columns: PanelColumns, se: str) -> EventRows:
    """Arrays of the complete rows, with event time ``time - start`` per row."""
    if columns.unit is None or columns.time is None:
        raise EstimationError("an event study needs a unit column and a time column")
    require_columns(frame, columns.used())
    y = numeric_column(frame, columns.outcome, "outcome")
    time = numeric_column(frame, columns.time, "time")
    cluster_name = (columns.cluster or columns.unit) if se == "cluster" else None
    weights = numeric_column(frame, columns.weights, "weight") if columns.weights else None
    bad = np.isnan(y) | np.isnan(time) | key_missing(frame, columns.unit)
    if cluster_name is not None and cluster_name != columns.unit:
        bad |= key_missing(frame, cluster_name)
    if weights is not None:
        bad |= np.isnan(weights)
        if np.any(weights[~bad] < 0):
            raise EstimationError(f"weights in column '{columns.weights}' must not be negative",
                                  column=columns.weights)
        bad |= weights == 0
    if columns.treatment is not None:
        bad |= np.isnan(numeric_column(frame, columns.treatment, "treatment"))
    n_dropped = int(bad.sum())
    if n_dropped == len(frame):
        raise EstimationError("no row has the outcome, unit, time and pilot columns filled in",
                              column=columns.outcome)
    keep = None if n_dropped == 0 else ~bad

    def kept(values: np.ndarray) -> np.ndarray:
        return values if keep is None else values[keep]

    unit = factorize(kept(frame[columns.unit].to_numpy()))
    time = kept(time)
    starts = unit_starts(frame, columns, unit.codes, time, keep, unit.n_levels)
    event = time - starts[unit.codes]
    cluster = None
    if cluster_name == columns.unit:
        cluster = unit
    elif cluster_name is not None:
        cluster = factorize(kept(frame[cluster_name].to_numpy()))
    never = np.isnan(starts)
    return EventRows(
        kept(y), event, unit, factorize(time), cluster, cluster_name,
        None if weights is None else kept(weights), n_dropped, int(never.sum()),
        int((~never).sum()), starts,
    )


def event_window(event: np.ndarray, *, leads: int | None, lags: int | None, reference: int,
                 bin_endpoints: bool) -> EventWindow:
    """The event times that get a dummy: observed times in ``[-leads, lags]`` but ``reference``.

    Without ``leads``/``lags`` the window spans every observed event time.
    """
    observed = event[~np.isnan(event)]
    if observed.size == 0:
        raise EstimationError("no treated units: no unit has a pilot start in the data")
    low = int(observed.min()) if leads is None else -int(leads)
    high = int(observed.max()) if lags is None else int(lags)
    if not low <= reference <= high:
        raise EstimatorConfigError(
            f"reference={reference} lies outside the event window [{low}, {high}]; choose a "
            "reference inside it (usually -1) or widen leads/lags")
    first, last = int(observed.min()), int(observed.max())
    seen = np.bincount((observed - first).astype(np.intp), minlength=last - first + 1) > 0
    present = np.flatnonzero(seen) + first  # observed event times, sorted (no sort needed)
    if bin_endpoints:
        present = np.clip(present, low, high)
    events = tuple(sorted({int(e) for e in present if low <= e <= high and e != reference}))
    if not events:
        raise EstimationError("the event window holds no event time besides the reference")
    binned = bin_endpoints and (leads is not None or lags is not None)
    return EventWindow(events, int(reference), low, high, binned)


def event_codes(event: np.ndarray, window: EventWindow) -> tuple[np.ndarray, np.ndarray]:
    """Each row's dummy column (``-1``: none, e.g. never treated or the reference) and a mask
    of rows inside the window (codes are given for those rows only).

    Rows of treated units outside an unbinned window are outside the mask (dropped); never
    treated rows are inside with no dummy.
    """
    binned = np.clip(event, window.low, window.high) if window.binned else event
    never = np.isnan(binned)
    inside = never | ((binned >= window.low) & (binned <= window.high))
    lookup = np.full(window.high - window.low + 1, -1, dtype=np.intp)
    for j, e in enumerate(window.events):
        lookup[e - window.low] = j
    kept = binned[inside]
    offsets = np.where(np.isnan(kept), 0, kept - window.low).astype(np.intp)
    codes = np.where(np.isnan(kept), -1, lookup[offsets])
    return codes, inside


def event_dummies(codes: np.ndarray, n_events: int) -> np.ndarray:
    """The n x k 0/1 dummy matrix (Fortran order) of ``event_codes``."""
    matrix = np.zeros((codes.shape[0], n_events), dtype=np.float64, order="F")
    rows = np.flatnonzero(codes >= 0)
    matrix[rows, codes[rows]] = 1.0
    return matrix


@dataclass(frozen=True)
class EventStudy:
    """Event study with unit and period fixed effects and a joint pre-trend test.

    Parameters
    ----------
    leads, lags
        Event times ``-leads .. lags`` get a dummy (``None``: every observed event time).
    reference
        The omitted event time (default -1, the period before the start).
    bin_endpoints
        With ``leads``/``lags`` given, event times beyond the window are pooled into the end
        bins; with ``False`` those rows of treated units are dropped.
    se
        ``"cluster"`` (CR1 with fixest's small-sample factor, t with G-1 df), ``"hc1"`` or
        ``"iid"``.
    level
        Confidence level of the intervals.

    Columns (``fit``): ``outcome``, ``unit``, ``time`` and the pilot start ``cohort`` (0 or
    missing = never) or a ``treatment`` column (start = first period with 1); optional
    ``cluster`` (default: the unit) and ``weights``.  Covariates are not used.

    Notes
    -----
    ``y_it = a_i + g_t + sum_{e != r} b_e 1[t - s_i = e] + u_it`` where ``s_i`` is unit ``i``'s
    pilot start and ``r`` the reference period; never-treated units have every dummy 0.  The
    pre-trend test is ``F = b_pre' V_pre^-1 b_pre / q`` with ``q`` leads (``e < 0``, ``e != r``)
    on ``(q, N - K)`` degrees of freedom with ``K`` every slope and fixed-effect parameter
    (fixest's ``wald()``).  ``estimate`` is the equal-weight average of the post-period ``b_e`` (``e >= 0``).
    Under staggered starts with heterogeneous effects the ``b_e`` mix cohorts with possibly
    negative weights (Sun & Abraham 2021): compare with ``SunAbraham``.
    """

    leads: int | None = None
    lags: int | None = None
    reference: int = -1
    bin_endpoints: bool = True
    se: SeType = "cluster"
    level: float = 0.95

    def __post_init__(self) -> None:
        check_choice("se", self.se, SE_TYPES)
        check_level(self.level)
        for name in ("leads", "lags"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, int) and value >= 0
                                          and not isinstance(value, bool)):
                raise EstimatorConfigError(
                    f"{name}={value!r} must be a whole number of periods (0 or more) or None")
        if not isinstance(self.reference, int) or isinstance(self.reference, bool):
            raise EstimatorConfigError(f"reference={self.reference!r} must be a whole number "
                                       "of periods, usually -1")

    def fit(self, frame: pd.DataFrame, columns: PanelColumns | None = None,
            **roles: Unpack[PanelRoles]) -> EventStudyResult:
        """Estimate on ``frame`` (not modified); returns a new ``EventStudyResult``.

        ``columns`` is a ``PanelColumns``, or give the roles as keywords
        (``fit(frame, outcome="y", unit="team", time="month", cohort="start")``).
        """
        columns = resolve_columns(PanelColumns, columns, roles)
        frame, _ = encode_periods(frame, columns)
        if columns.covariates:
            raise EstimatorConfigError("the event study does not take covariates; remove them "
                                       "from the column roles")
        rows = event_rows(frame, columns, self.se)
        window = event_window(rows.event, leads=self.leads, lags=self.lags,
                              reference=self.reference, bin_endpoints=self.bin_endpoints)
        second_reference = None
        if rows.n_never == 0:
            window, second_reference = _timing_only(window, rows, columns)
        codes, inside = event_codes(rows.event, window)
        n_outside = int((~inside).sum())
        unit, period, cluster = rows.unit, rows.period, rows.cluster
        y, weights = rows.y, rows.weights
        if n_outside:
            unit = factorize(unit.labels[unit.codes[inside]])
            period = factorize(period.labels[period.codes[inside]])
            if cluster is not None:
                cluster = (unit if rows.cluster is rows.unit
                           else factorize(cluster.labels[cluster.codes[inside]]))
            y = y[inside]
            weights = None if weights is None else weights[inside]
        names = tuple(f"e={e}" for e in window.events)
        n_events = len(window.events)
        if event_study_fast.applies(unit, period, weights, self.se, cluster):
            groups = factorize(np.nan_to_num(rows.starts, nan=-1.0))  # balanced: same start,
            fit = event_study_fast.fit_event_dummies(  # same event-time rows
                y, codes, n_events, unit, period, names=names, se=self.se, cluster=cluster,
                unit_groups=groups)
        else:
            fit = fit_two_way(y, event_dummies(codes, n_events), unit, period, names=names,
                              se=self.se, cluster=cluster, weights=weights)
        counts = np.bincount(codes + 1, minlength=n_events + 1)[1:]
        estimates = []
        inferences = coefficient_inference(fit.coef, fit.covariance, self.level)
        for j, e in enumerate(window.events):
            inf = inferences[j]
            edge = window.binned and e in (window.low, window.high)
            estimates.append(EventTimeEstimate(e, float(fit.coef[j]), inf.se, inf.ci_low,
                                               inf.ci_high, inf.p_value, int(counts[j]),
                                               False, edge, _pooled_mean(rows.event, e, window)
                                               if edge else None))
        estimates.append(EventTimeEstimate(window.reference, 0.0, None, None, None, None,
                                           int(np.count_nonzero(rows.event == window.reference)),
                                           True, False))
        if second_reference is not None:
            estimates.append(EventTimeEstimate(
                second_reference, 0.0, None, None, None, None,
                int(np.count_nonzero(rows.event <= second_reference if window.binned
                                     else rows.event == second_reference)), True, False))
        estimates.sort(key=lambda row: row.e)
        leads = [j for j, e in enumerate(window.events) if e < 0]
        post = [j for j, e in enumerate(window.events) if e >= 0]
        pretest = wald_test(fit.coef, fit.covariance, leads,
                            df_denominator=residual_df(fit))
        estimate: float | Unavailable
        if post:
            estimate, inference = average_effect(fit.coef, fit.covariance, post, self.level)
        else:
            estimate = Unavailable("no post-period event times in the window")
            inference = variance.Inference(estimate, estimate, estimate, estimate, estimate)
        warnings = _warnings(rows, n_outside, fit.absorption, fit.covariance)
        if second_reference is not None:
            warnings.insert(0, (
                f"no never-treated units: every unit starts the pilot, so the effects are "
                f"identified by the timing of the starts alone and a second event time "
                f"(e={second_reference}, the earliest lead) is fixed at 0 beside e="
                f"{window.reference} (Borusyak, Jaravel & Spiess 2024)"))
        matrix_cov = fit.covariance.matrix
        if not isinstance(matrix_cov, Unavailable):
            matrix_cov = matrix_cov.copy()
            matrix_cov.flags.writeable = False
        coef = fit.coef.copy()
        coef.flags.writeable = False
        return EventStudyResult(
            outcome=columns.outcome, event_time=tuple(estimates), names=names,
            events=window.events, coef=coef, vcov=matrix_cov, reference=window.reference,
            window=(window.low, window.high), binned=window.binned,
            estimate=estimate, se=inference.se, t_stat=inference.t_stat,
            p_value=inference.p_value, ci_low=inference.ci_low, ci_high=inference.ci_high,
            pretest_statistic=pretest.statistic, pretest_df=pretest.df,
            pretest_df_denominator=pretest.df_denominator, pretest_p_value=pretest.p_value,
            df=fit.covariance.df, level=float(self.level), n_obs=fit.n_obs,
            n_units=fit.n_units, n_periods=fit.n_periods, n_treated_units=rows.n_treated,
            n_clusters=fit.covariance.n_clusters, se_type=self.se,
            se_description=variance.describe(fit.covariance, rows.cluster_name),
            small_sample=fit.covariance.small_sample, n_params=fit.covariance.n_params,
            absorption=fit.absorption, warnings=tuple(warnings),
        )


def _pooled_mean(event: np.ndarray, e: int, window: EventWindow) -> float:
    """The mean event time of the treated rows an end bin pools (``e`` at the window's edge)."""
    pooled = event[event <= e] if e == window.low else event[event >= e]
    return float(np.mean(pooled)) if pooled.size else float(e)


def _timing_only(window: EventWindow, rows: EventRows,
                 columns: PanelColumns) -> tuple[EventWindow, int]:
    """The window without its earliest lead, when every unit is treated.

    With no never-treated unit, the event-time dummies of a fully dynamic specification span a
    linear trend in event time (``t - s_i``), which the unit and period effects absorb; fixing
    a second event time at 0 restores identification.
    """
    name = columns.cohort or columns.treatment
    if len(np.unique(rows.starts)) < 2:
        raise EstimationError(
            "no comparison units: every unit starts the pilot in the same period, so an event "
            "study cannot tell the pilot from what happened to everyone then", column=name)
    leads = [e for e in window.events if e < window.reference]
    if not leads:
        raise EstimationError(
            "no never-treated units and no lead before the reference period: with every unit "
            "treated, an event study needs a second pre-period to fix at 0; widen leads",
            column=name)
    first = leads[0]
    events = tuple(e for e in window.events if e != first)
    if not events:
        raise EstimationError("the event window holds no event time besides the references")
    return replace(window, events=events), first


def _warnings(rows: EventRows, n_outside: int, absorption: Absorption,
              covariance: variance.Covariance) -> list[str]:
    warnings = []
    if rows.n_dropped:
        warnings.append(f"{rows.n_dropped} row(s) with a missing value in a model column (or a "
                        "zero weight) were dropped")
    if n_outside:
        warnings.append(f"{n_outside} row(s) of treated units outside the event window were "
                        "dropped (bin_endpoints=False)")
    if not absorption.converged:
        warnings.append(f"the fixed-effect demeaning did not converge in "
                        f"{absorption.iterations} iterations; estimates may be inaccurate")
    if covariance.n_clusters is not None and covariance.n_clusters < FEW_CLUSTERS:
        warnings.append(f"only {covariance.n_clusters} clusters: cluster-robust standard errors "
                        "can be too small")
    return warnings
