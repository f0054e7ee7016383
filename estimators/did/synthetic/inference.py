"""Standard errors for synthetic DiD: placebo, bootstrap and jackknife (Arkhangelsky et al.
2021, Section 5, Algorithms 2-4), as R ``synthdid``'s ``vcov`` and Stata ``sdid``'s ``vce()``.

* **placebo** (Algorithm 4; works with one pilot unit): drop the pilot units, give their start
  periods to as many comparison units drawn at random, estimate on that placebo panel; the
  standard error is the standard deviation of the placebo estimates.
* **bootstrap** (Algorithm 2): resample units with replacement (draws with no pilot or no
  comparison unit are redrawn) and re-estimate.
* **jackknife** (Algorithm 3): leave each unit out in turn with the weights held fixed
  (comparison weights rescaled to sum to one); needs two pilot units in every cohort.

As in R, each replication starts its weight search from the original weights and keeps the
original estimate's regularisation and stopping rule; standard deviations use ``(B - 1) / B``
(R's ``sqrt((B-1)/B) * sd``).  With covariates the projection is redone in each replication
(Stata ``sdid``).  Replications are drawn from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pilot_eval.estimators.did.synthetic.cohorts import (
    Block,
    BlockResult,
    average,
    fit_blocks,
    fixed_weight_tau,
    project,
    sum_normalise,
)
from pilot_eval.estimators.did.synthetic.panel import SyntheticPanel


@dataclass(frozen=True)
class Replications:
    """The estimates of every replication (placebo/bootstrap) or leave-one-out fit."""

    estimates: np.ndarray
    se: float


def _outcome(panel: SyntheticPanel, never: np.ndarray, use_covariates: bool) -> np.ndarray:
    if not use_covariates:
        return panel.y
    return project(panel.y, panel.covariates, never).y


def _restart(fitted: BlockResult, controls: np.ndarray, treated: np.ndarray,
             original_controls: np.ndarray) -> Block:
    """A replication's block starting from the original weights of the controls it keeps."""
    position = {int(u): i for i, u in enumerate(original_controls)}
    omega = sum_normalise(np.array([fitted.omega[position[int(u)]] for u in controls]))
    return Block(cohort=fitted.block.cohort, controls=controls, treated=treated,
                 t0=fitted.block.t0, reg=fitted.reg, omega_start=omega,
                 lambda_start=fitted.lambda_)


def placebo_permutations(n_controls: int, replications: int, seed: int | None) -> np.ndarray:
    """(B, n_controls): each row a random order of the comparison units."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(n_controls) for _ in range(replications)])


def placebo(panel: SyntheticPanel, fits: list[BlockResult], method: str,
            permutations: np.ndarray, *, use_covariates: bool = False,
            max_iter: int) -> Replications:
    """Placebo standard error from the given orders of the comparison units.

    In each order the last ``N1`` comparison units take the pilot units' starts (pilot units
    sorted by start, then by position) and the others stay comparisons, in that order (R
    ``placebo_se``: ``Y[sample(1:N0), ]``).
    """
    controls = panel.controls
    treated = panel.treated[np.lexsort((panel.treated, panel.start[panel.treated]))]
    n1 = treated.size
    by_cohort = {f.block.cohort: f for f in fits}
    blocks: list[Block] = []
    panels: list[np.ndarray] = []
    owners: list[int] = []
    for b, order in enumerate(permutations):
        units = controls[order]
        pseudo, kept = units[controls.size - n1:], units[:controls.size - n1]
        start = np.full(panel.start.size, -2)
        start[kept] = -1
        start[pseudo] = panel.start[treated]
        y = _outcome(panel, kept, use_covariates)
        for cohort in np.unique(start[pseudo]):
            blocks.append(_restart(by_cohort[int(cohort)], kept, pseudo[start[pseudo] == cohort],
                                   controls))
            panels.append(y)
            owners.append(b)
    return _collect(fit_blocks(panels, blocks, method, max_iter=max_iter), owners,
                    len(permutations), panel.periods.size)


def bootstrap(panel: SyntheticPanel, fits: list[BlockResult], method: str,
              replications: int, seed: int | None, *, use_covariates: bool = False,
              max_iter: int) -> Replications:
    """Unit bootstrap; a draw without a pilot unit or without a comparison unit is redrawn."""
    rng = np.random.default_rng(seed)
    n = panel.units.size
    controls = panel.controls
    by_cohort = {f.block.cohort: f for f in fits}
    blocks: list[Block] = []
    panels: list[np.ndarray] = []
    owners: list[int] = []
    done = 0
    while done < replications:
        draw = np.sort(rng.integers(0, n, size=n))
        is_control = panel.start[draw] < 0
        if is_control.all() or not is_control.any():
            continue
        # repeated units become separate units: rows of an expanded panel
        never = np.flatnonzero(is_control)
        y = _outcome(_expanded(panel, draw), never, use_covariates)
        start = panel.start[draw]
        for cohort in np.unique(start[start >= 0]):
            fitted = by_cohort[int(cohort)]
            block = _restart(fitted, draw[never], np.flatnonzero(start == cohort), controls)
            blocks.append(Block(cohort=block.cohort, controls=never, treated=block.treated,
                                t0=block.t0, reg=block.reg, omega_start=block.omega_start,
                                lambda_start=block.lambda_start))
            panels.append(y)
            owners.append(done)
        done += 1
    return _collect(fit_blocks(panels, blocks, method, max_iter=max_iter), owners,
                    replications, panel.periods.size)


def _expanded(panel: SyntheticPanel, draw: np.ndarray) -> SyntheticPanel:
    return SyntheticPanel(y=panel.y[draw], units=panel.units[draw], periods=panel.periods,
                          start=panel.start[draw], covariates=panel.covariates[:, draw],
                          covariate_names=panel.covariate_names, outcome=panel.outcome)


def _collect(results: list[BlockResult], owners: list[int], n_reps: int,
             n_periods: int) -> Replications:
    grouped: list[list[BlockResult]] = [[] for _ in range(n_reps)]
    for owner, result in zip(owners, results, strict=True):
        grouped[owner].append(result)
    estimates = np.array([average(g, n_periods)[0] for g in grouped])
    return Replications(estimates=estimates, se=float(np.std(estimates)))


def jackknife(panel: SyntheticPanel, fits: list[BlockResult], *,
              use_covariates: bool = False) -> Replications:
    """Leave-one-unit-out estimates with fixed weights; ``se`` as R ``jackknife``."""
    n = panel.units.size
    estimates = np.empty(n)
    for dropped in range(n):
        keep = np.ones(n, dtype=bool)
        keep[dropped] = False
        if use_covariates:
            never = np.flatnonzero((panel.start < 0) & keep)
            y = project(panel.y, panel.covariates, never).y
        else:
            y = panel.y
        taus, sizes = [], []
        for fitted in fits:
            blk = fitted.block
            in_controls = blk.controls != dropped
            treated = blk.treated[blk.treated != dropped]
            if treated.size == 0:
                continue
            omega = sum_normalise(fitted.omega[in_controls])
            sub = Block(cohort=blk.cohort, controls=blk.controls[in_controls], treated=treated,
                        t0=blk.t0)
            taus.append(fixed_weight_tau(y, sub, omega, fitted.lambda_))
            sizes.append(treated.size * (panel.periods.size - blk.t0))
        weights = np.array(sizes, dtype=np.float64)
        estimates[dropped] = float(np.dot(weights / weights.sum(), taus))
    se = float(np.sqrt((n - 1) ** 2 / n * np.var(estimates, ddof=1)))
    return Replications(estimates=estimates, se=se)
