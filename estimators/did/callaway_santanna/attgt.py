"""Every group-time average treatment effect ATT(g,t), its influence function and analytic SEs.

Follows R ``did::compute.att_gt`` for balanced panels.  For each cohort g and period t:

* base period: with ``varying``, the period before t for pre-treatment cells and the last period
  before ``g - anticipation`` for post-treatment cells; with ``universal``, always the last period
  before ``g - anticipation`` (the cell t = base is reported as 0 without a standard error);
* comparison units: never treated (cohort 0), or with ``not-yet`` also the units whose cohort is
  later than ``max(t, base) + anticipation`` (excluding cohort g itself);
* covariates are taken from the earlier of the two periods (R's ``panel2cs2`` keeps that row);
* the 2x2 estimator (``reg``/``ipw``/``dr``) gives the estimate and an influence function over
  the units it used, which is rescaled by ``n / n_used`` and zero for every other unit; without
  covariates all three are the difference in mean outcome changes (``difference_in_means``),
  computed directly rather than through a logit and a regression on an intercept.

The analytic variance is ``V = Psi' Psi / n`` with ``Psi`` the n x k influence matrix (one row per
unit, so SEs are clustered at the unit) and ``se = sqrt(diag(V) / n)``.  With a coarser cluster
the rows of ``Psi`` are first summed within clusters (``cluster_sums``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pilot_eval.estimators.did.callaway_santanna.data import PreparedPanel
from pilot_eval.estimators.did.callaway_santanna.repeated import dr_did_rc
from pilot_eval.estimators.did.callaway_santanna.two_by_two import (
    ESTIMATORS,
    TRIM_LEVEL,
    collinear,
    difference_in_means,
    overlap_problem,
    regression_problem,
)

ZERO_SE = float(np.sqrt(np.finfo(float).eps) * 10)  # R did: SEs at or below this are NA


@dataclass(frozen=True)
class GroupTimeCells:
    """All ATT(g,t) of one fit; arrays are aligned (one entry per cell)."""

    group: np.ndarray
    time: np.ndarray
    base: np.ndarray  # base period used for the cell
    estimate: np.ndarray  # NaN where the cell could not be estimated (see ``problems``)
    influence: np.ndarray  # n_units x n_cells
    problems: tuple[str | None, ...]
    is_reference: np.ndarray  # universal base period: the cell t = base, fixed at 0
    warnings: tuple[str, ...]

    @property
    def n_units(self) -> int:
        return int(self.influence.shape[0])


def base_period_index(periods: np.ndarray, cohort: float, anticipation: int) -> int | None:
    """Index of the last period before ``cohort - anticipation`` (None when there is none)."""
    before = np.flatnonzero(periods + anticipation < cohort)
    return int(before[-1]) if len(before) else None


def comparison_mask(cohort: np.ndarray, group: float, latest: float, control: str,
                    anticipation: int) -> np.ndarray:
    """Comparison units of cohort ``group`` when the later of the two periods is ``latest``."""
    never = cohort == 0
    if control == "never":
        return never
    return never | ((cohort > latest + anticipation) & (cohort != group))


def design_matrix(panel: PreparedPanel, rows: np.ndarray, period_index: int) -> np.ndarray:
    """Intercept plus the covariates of ``rows`` in one period."""
    covariates = panel.covariates[rows, period_index, :]
    return np.column_stack([np.ones(len(covariates)), covariates])


def one_cell(panel: PreparedPanel, group: float, t_index: int, base_index: int, *,
             control: str, method: str, anticipation: int,
             unbalanced: str = "drop") -> tuple[float, np.ndarray, str | None]:
    """Estimate one ATT(g,t); returns (estimate, influence over all units, problem or None)."""
    periods = panel.periods
    n = len(panel.cohort)
    latest = periods[max(t_index, base_index)]
    treated = panel.cohort == group
    candidates = treated | comparison_mask(panel.cohort, group, latest, control, anticipation)
    if panel.gaps and unbalanced == "allow":
        return rows_cell(panel, treated, candidates, t_index, base_index, method=method)
    if panel.gaps:  # unbalanced="pairwise": units observed in both periods
        candidates &= np.isfinite(panel.outcome[:, t_index])
        candidates &= np.isfinite(panel.outcome[:, base_index])
    rows = np.flatnonzero(candidates)
    influence = np.zeros(n)
    d = treated[rows].astype(float)
    if d.sum() == 0 or d.sum() == len(d):
        return np.nan, influence, "no comparison units" if d.sum() else "no treated units"
    delta_y = panel.outcome[rows, t_index] - panel.outcome[rows, base_index]
    if panel.covariates.shape[2] == 0:  # an intercept alone is never collinear, X'X = n0 > 0
        problem = overlap_problem(np.ones((len(rows), 1)), d) if method in ("dr", "ipw") else None
        if problem is not None:
            return np.nan, influence, problem
        if d.mean() < TRIM_LEVEL:  # the difference in means, without the design matrix
            fit = difference_in_means(delta_y, d)
            influence[rows] = fit.influence * (n / len(rows))
            return fit.estimate, influence, None
    x = design_matrix(panel, rows, min(t_index, base_index))
    problem = None
    if collinear(x):
        problem = "the covariates are collinear or constant among these units"
    if problem is None and method in ("dr", "ipw"):
        problem = overlap_problem(x, d)
    if problem is None and method in ("dr", "reg"):
        problem = regression_problem(x, d)
    if problem is not None:
        return np.nan, influence, problem
    try:
        if x.shape[1] == 1 and d.mean() < TRIM_LEVEL:  # no covariates: no model to fit
            fit = difference_in_means(delta_y, d)
        else:
            fit = ESTIMATORS[method](delta_y, d, x)
    except np.linalg.LinAlgError:
        return np.nan, influence, "a singular matrix in the propensity score or regression"
    influence[rows] = fit.influence * (n / len(rows))
    return fit.estimate, influence, None


def rows_cell(panel: PreparedPanel, treated: np.ndarray, candidates: np.ndarray, t_index: int,
              base_index: int, *, method: str) -> tuple[float, np.ndarray, str | None]:
    """One ATT(g,t) of an unbalanced panel from every row observed in its two periods (R
    ``did``'s ``allow_unbalanced_panel = TRUE``): the repeated-cross-section estimator, its
    row influence rescaled by ``n_units / n_rows`` and summed within units."""
    n = len(panel.cohort)
    post_units = np.flatnonzero(candidates & np.isfinite(panel.outcome[:, t_index]))
    pre_units = np.flatnonzero(candidates & np.isfinite(panel.outcome[:, base_index]))
    units = np.concatenate([post_units, pre_units])
    post = np.concatenate([np.ones(len(post_units)), np.zeros(len(pre_units))])
    d = treated[units].astype(float)
    influence = np.zeros(n)
    for count, what in ((np.sum(d * post), "no treated units in the later period"),
                        (np.sum(d * (1 - post)), "no treated units in the base period"),
                        (np.sum((1 - d) * post), "no comparison units in the later period"),
                        (np.sum((1 - d) * (1 - post)), "no comparison units in the base period")):
        if count == 0:
            return np.nan, influence, what
    y = np.concatenate([panel.outcome[post_units, t_index], panel.outcome[pre_units, base_index]])
    x = np.vstack([design_matrix(panel, post_units, t_index),
                   design_matrix(panel, pre_units, base_index)])  # each row's own period
    problem = None
    if collinear(x):
        problem = "the covariates are collinear or constant among these units"
    if problem is None:
        problem = overlap_problem(x, d) or regression_problem(x, d)
    if problem is not None:
        return np.nan, influence, problem
    try:
        fit = dr_did_rc(y, post, d, x)
    except np.linalg.LinAlgError:
        return np.nan, influence, "a singular matrix in the propensity score or regression"
    np.add.at(influence, units, fit.influence * (n / len(units)))
    return fit.estimate, influence, None


def group_time_cells(panel: PreparedPanel, *, control: str, method: str, base_period: str,
                     anticipation: int, unbalanced: str = "drop") -> GroupTimeCells:
    """Loop over cohorts and periods, as R ``did`` orders the cells (by group, then time)."""
    periods = panel.periods
    first = 1 if base_period == "varying" else 0
    groups, times, bases, estimates, columns, reference = [], [], [], [], [], []
    problems: list[str | None] = []
    warnings: list[str] = []
    for group in panel.cohorts:
        universal_base = base_period_index(periods, group, anticipation)
        if universal_base is None:
            warnings.append(f"cohort {group:g} has no pre-treatment period and is not estimated")
            continue
        for t_index in range(first, len(periods)):
            post = group <= periods[t_index]
            base_index = universal_base if base_period == "universal" or post else t_index - 1
            groups.append(group)
            times.append(periods[t_index])
            bases.append(periods[base_index])
            if base_index == t_index:
                estimates.append(0.0)
                columns.append(np.zeros(len(panel.cohort)))
                problems.append(None)
                reference.append(True)
                continue
            estimate, influence, problem = one_cell(
                panel, group, t_index, base_index, control=control, method=method,
                anticipation=anticipation, unbalanced=unbalanced,
            )
            if problem is not None:
                warnings.append(f"ATT({group:g},{periods[t_index]:g}) not estimated: {problem}")
            estimates.append(estimate)
            columns.append(influence)
            problems.append(problem)
            reference.append(False)
    influence = np.zeros((len(panel.cohort), len(columns)), order="F")  # columns contiguous
    for j, column in enumerate(columns):
        influence[:, j] = column
    return GroupTimeCells(
        group=np.asarray(groups, float), time=np.asarray(times, float),
        base=np.asarray(bases, float), estimate=np.asarray(estimates, float),
        influence=influence, problems=tuple(problems), is_reference=np.asarray(reference, bool),
        warnings=tuple(warnings),
    )


def cluster_sums(influence: np.ndarray, clusters: np.ndarray | None) -> np.ndarray:
    """Influence functions summed within clusters (G x k); the matrix itself without clusters.

    ``clusters`` holds one integer code 0..G-1 per unit.
    """
    if clusters is None:
        return influence
    n_clusters = int(clusters.max()) + 1
    out = np.empty((n_clusters, influence.shape[1]))
    for j in range(influence.shape[1]):
        out[:, j] = np.bincount(clusters, weights=influence[:, j], minlength=n_clusters)
    return out


def analytic_se(influence: np.ndarray, clusters: np.ndarray | None = None) -> np.ndarray:
    """``sqrt(sum_c S_c^2) / n`` per column, with ``S_c`` the influence summed in cluster c.

    With one cluster per unit this is R ``did``'s ``sqrt(mean(psi^2) / n)``.  NaN where R
    reports NA (zero variance).
    """
    n = influence.shape[0]
    sums = cluster_sums(influence, clusters)
    se = np.sqrt(np.array([np.einsum("i,i->", sums[:, j], sums[:, j])
                           for j in range(sums.shape[1])])) / n
    return np.where(se <= ZERO_SE, np.nan, se)
