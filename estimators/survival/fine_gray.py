"""Fine-Gray proportional subdistribution hazards regression for competing risks, as R
``cmprsk::crr`` and Stata ``stcrreg``.

The model is for the cumulative incidence of one event type (e.g. resigning) when other event
types (retiring, dismissal) compete: ``F_1(t | x) = 1 - exp(-e^{x'b} Lambda_0(t))``. A
subdistribution hazard ratio above 1 means more of the event over time, counting that people
who leave for another reason can no longer have it -- unlike a cause-specific hazard ratio
(``CauseSpecificCox``), which describes the rate among those still in post.

Estimation follows crr: rows that had a competing event stay in the risk sets, weighted by the
Kaplan-Meier estimate of the censoring distribution ``G(t-)/G(T_i-)``; Breslow's handling of
tied event times; Newton-Raphson; the sandwich variance of Fine & Gray (1999) with the term for
the estimated censoring weights (crr's ``var``), summed by cluster when a cluster column is
given (as Stata ``stcrreg, vce(cluster ...)``). The arithmetic is in ``fine_gray_math.py``.

Not supported (a clear ``EstimationError``): delayed entry / left truncation, separate
censoring distributions per group (crr's ``cengroup``), covariates that change over time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Unpack

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import SpellColumns, SpellRoles, resolve_columns
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.inference.distributions import chi2_sf, norm_ppf, norm_sf
from pilot_eval.estimators.literals import check_level
from pilot_eval.estimators.survival.cox.likelihood import _solve_information
from pilot_eval.estimators.survival.data import group_levels, survival_arrays
from pilot_eval.estimators.survival.fine_gray_math import (
    CAUSE,
    CENSORED,
    COMPETING,
    FineGrayData,
    RiskSets,
    baseline_jumps,
    influence,
    likelihood,
    risk_sets,
    sandwich,
)
from pilot_eval.estimators.survival.fine_gray_result import FineGrayCoefficient, FineGrayResult
from pilot_eval.estimators.survival.lookup import count_distinct

__all__ = ["FineGray", "FineGrayCoefficient", "FineGrayResult", "fine_gray_data"]

MAX_ITERATIONS = 50
STEP_TOLERANCE = 1e-10


def _event_code(labels: tuple, event_type: object, column: str | None) -> int:
    """The code (1..K) of ``event_type`` among the event labels (text or number)."""
    for code, label in enumerate(labels, start=1):
        if label == event_type or str(label) == str(event_type):
            return code
    shown = ", ".join(map(repr, labels)) or "none (every row is censored)"
    raise EstimationError(
        f"no rows have the event type {event_type!r}, so its subdistribution hazard cannot be "
        f"estimated; the event types in '{column}' are: {shown}", column=column)


def _covariates(frame: pd.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    columns = []
    for name in names:
        if name not in frame.columns:
            raise EstimationError(f"the covariate column '{name}' is not in the data",
                                  column=name)
        values = frame[name]
        if values.isna().any():
            raise EstimationError(
                f"covariate '{name}' has {int(values.isna().sum())} missing value(s); drop or "
                "fill those rows first", column=name)
        if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
            raise EstimationError(
                f"covariate '{name}' is not numeric (e.g. {values.iloc[0]!r}); code it as 0/1 "
                "indicator columns", column=name)
        numbers = values.to_numpy(float)
        if not np.isfinite(numbers).all():
            raise EstimationError(f"covariate '{name}' has infinite values", column=name)
        if count_distinct(numbers) < 2:
            raise EstimationError(f"covariate '{name}' is constant; drop it", column=name)
        columns.append(numbers)
    return np.column_stack(columns)


def fine_gray_data(frame: pd.DataFrame, columns: SpellColumns,
                   event_type: object) -> FineGrayData:
    """Validate the columns of a Fine-Gray fit and return sorted numeric arrays."""
    if columns.duration is None or columns.event is None:
        raise EstimationError("a Fine-Gray model needs SpellColumns(duration=..., event=...)")
    if not columns.covariates:
        raise EstimationError("a Fine-Gray model needs at least one covariate")
    if columns.entry is not None:
        raise EstimationError(
            "the Fine-Gray model here does not handle delayed entry (left truncation): the "
            f"entry column '{columns.entry}' cannot be used; fit it on spells followed from "
            "their start, or use the cause-specific Cox model, which allows delayed entry",
            column=columns.entry)
    if columns.strata is not None:
        raise EstimationError(
            "the Fine-Gray model here does not take strata (separate baselines or censoring "
            f"groups): drop '{columns.strata}' or add it as covariates", column=columns.strata)
    for name in (columns.duration, columns.event, columns.cluster):
        if name is not None and name not in frame.columns:
            raise EstimationError(f"column '{name}' is not in the data", column=name)
    arrays = survival_arrays(frame[columns.duration].to_numpy(),
                             frame[columns.event].to_numpy(), names=columns)
    cause = _event_code(arrays.event_labels, event_type, columns.event)
    code = np.where(arrays.event == cause, CAUSE,
                    np.where(arrays.event == 0, CENSORED, COMPETING))
    x = _covariates(frame, columns.covariates)
    cluster = None
    if columns.cluster is not None:
        labels = frame[columns.cluster]
        if labels.isna().any():
            raise EstimationError(
                f"the cluster column '{columns.cluster}' has {int(labels.isna().sum())} "
                "missing value(s); every row needs a cluster label", column=columns.cluster)
        cluster = group_levels(labels.to_numpy())[1]
    order = np.argsort(arrays.time, kind="stable")
    return FineGrayData(time=arrays.time[order], code=code[order],
                        x=np.ascontiguousarray(x[order]), names=tuple(columns.covariates),
                        cluster=None if cluster is None else cluster[order], order=order)


def newton_raphson(data: FineGrayData, sets: RiskSets):
    """Maximise the pseudo-likelihood from ``b = 0``, halving steps that lower it.

    Returns ``(beta, parts at beta, parts at 0, iterations, converged)``."""
    beta = np.zeros(data.x.shape[1])
    parts = null = likelihood(data, sets, beta)
    for iteration in range(1, MAX_ITERATIONS + 1):
        step = _solve_information(parts.information, parts.score)
        for _ in range(30):
            trial = likelihood(data, sets, beta + step)
            if np.isfinite(trial.loglik) and trial.loglik >= parts.loglik - 1e-12 * abs(
                    parts.loglik):
                break
            step = step / 2
        beta, parts = beta + step, trial
        if np.max(np.abs(step)) < STEP_TOLERANCE:
            return beta, parts, null, iteration, True
    return beta, parts, null, MAX_ITERATIONS, False


@dataclass(frozen=True)
class FineGray:
    """Fine-Gray regression of the subdistribution hazard of one event type.

    Parameters
    ----------
    event_type :
        The event of interest (a value of the event column, e.g. ``1`` or ``"resigned"``);
        every other non-zero value is a competing event, 0 is censored.
    level : float
        Confidence level of the subdistribution-hazard-ratio intervals.
    small_sample : bool
        Multiply the variance by ``n/(n-1)`` (``G/(G-1)`` with clusters), as Stata
        ``stcrreg`` does unless told ``noadjust``. The default, False, is crr's variance.

    Columns (``fit``): ``duration``, ``event`` and ``covariates``; optional ``cluster``
    (e.g. team: the sandwich is summed by cluster, as ``stcrreg, vce(cluster team)``).

    Notes
    -----
    With ``t_k`` the event times of the cause, ``D_k`` its ``d_k`` events there and ``w_ik`` the
    censoring weights (1 while followed, ``G(t_k-)/G(T_i-)`` after a competing event at
    ``T_i``), the Breslow log pseudo-likelihood is

    .. math:: \\ell(b) = \\sum_k \\Big[\\sum_{i \\in D_k} x_i'b - d_k \\log \\sum_i w_{ik}
              e^{x_i'b}\\Big]

    and the variance ``I^{-1} (\\sum_i (\\eta_i + \\psi_i)^{\\otimes 2}) I^{-1}`` (Fine & Gray 1999,
    crr), where ``psi_i`` carries the uncertainty of the estimated ``G``.
    """

    event_type: object
    level: float = 0.95
    small_sample: bool = False

    def __post_init__(self) -> None:
        check_level(self.level)

    def fit(self, frame: pd.DataFrame, columns: SpellColumns | None = None,
            **roles: Unpack[SpellRoles]) -> FineGrayResult:
        """Fit the model to ``frame`` (not modified); returns a new ``FineGrayResult``.

        ``columns`` is a ``SpellColumns``, or give the roles as keywords (``fit(frame,
        duration="months", event="reason", covariates=("pilot",), cluster="team")``).
        """
        columns = resolve_columns(SpellColumns, columns, roles)
        data = fine_gray_data(frame, columns, self.event_type)
        sets = risk_sets(data)
        beta, parts, null, iterations, converged = newton_raphson(data, sets)
        inverse = _solve_information(parts.information, np.eye(beta.size))
        cov = sandwich(inverse, influence(data, sets, parts), data.cluster)
        n_clusters = None if data.cluster is None else count_distinct(data.cluster)
        if self.small_sample:
            units = data.time.size if n_clusters is None else n_clusters
            cov = cov * units / (units - 1) if units > 1 else cov * np.nan
        return self._result(data, sets, beta, parts, null, cov, inverse, iterations,
                            converged, n_clusters)

    def _result(self, data, sets, beta, parts, null, cov, inverse, iterations, converged,
                n_clusters) -> FineGrayResult:
        se = np.sqrt(np.diag(cov))
        z = float(norm_ppf(0.5 + self.level / 2.0))
        coefficients = tuple(
            FineGrayCoefficient(name, float(b), float(s), float(np.sqrt(m)), float(np.exp(b)),
                                float(np.exp(b - z * s)), float(np.exp(b + z * s)),
                                float(2 * norm_sf(abs(b / s))))
            for name, b, s, m in zip(data.names, beta, se, np.diag(inverse), strict=True))
        p = beta.size
        lr = 2.0 * (parts.loglik - null.loglik)
        wald = float(beta @ np.linalg.solve(cov, beta))
        warnings = []
        if not converged:
            warnings.append("the Newton-Raphson iterations did not converge; check for a "
                            "covariate that separates those with the event from the others")
        if not sets.competing.any():
            warnings.append("no competing events: the model equals a Cox model of this event "
                            "(Breslow ties)")
        kind = ("robust sandwich (Fine & Gray 1999, as R crr)" if n_clusters is None
                else "robust sandwich clustered (as Stata stcrreg vce(cluster))")
        if self.small_sample:
            kind += ", with the n/(n-1) factor of Stata" if n_clusters is None else (
                ", with the G/(G-1) factor of Stata")
        times = sets.grid.copy()
        jumps = baseline_jumps(sets, parts)
        for array in (times, jumps):
            array.setflags(write=False)
        return FineGrayResult(
            event_type=self.event_type, coefficients=coefficients,
            log_pseudolikelihood=parts.loglik, log_pseudolikelihood_null=null.loglik,
            lr_statistic=lr, lr_df=p, lr_p_value=float(chi2_sf(lr, p)),
            wald_statistic=wald, wald_p_value=float(chi2_sf(wald, p)),
            n_obs=int(data.time.size), n_events=int((data.code == CAUSE).sum()),
            n_competing=int((data.code == COMPETING).sum()),
            n_censored=int((data.code == CENSORED).sum()), n_clusters=n_clusters,
            level=self.level, se_type=kind, converged=converged, iterations=iterations,
            event_times=times, baseline_hazard=jumps, warnings=tuple(warnings))
