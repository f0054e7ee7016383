"""Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021).

``SyntheticDid(se="placebo", replications=200, seed=1).fit(frame, columns)`` returns a
``SyntheticDidResult``.  The same configuration with ``method="sc"`` or ``method="did"`` gives
the synthetic control and difference-in-differences estimates of the same framework (R
``sc_estimate``/``did_estimate``, Stata ``sdid, method()``), so the three can be shown side
by side as in the paper's Table 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Unpack, get_args

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import PanelColumns, PanelRoles, resolve_columns
from pilot_eval.estimators.did.synthetic.block import MAX_ITER, METHODS, Method
from pilot_eval.estimators.did.synthetic.cohorts import (
    BlockResult,
    average,
    cohort_blocks,
    fit_blocks,
    project,
)
from pilot_eval.estimators.did.synthetic.inference import (
    Replications,
    bootstrap,
    jackknife,
    placebo,
    placebo_permutations,
)
from pilot_eval.estimators.did.synthetic.panel import SyntheticPanel, synthetic_panel
from pilot_eval.estimators.did.synthetic.result import (
    CohortEffect,
    SyntheticDidResult,
    Trajectory,
    UnitWeight,
)
from pilot_eval.estimators.errors import EstimatorConfigError
from pilot_eval.estimators.inference.distributions import norm_ppf, norm_sf
from pilot_eval.estimators.literals import check_choice, check_level
from pilot_eval.estimators.unavailable import Unavailable

SeMethod = Literal["auto", "placebo", "bootstrap", "jackknife", "none"]
SE_METHODS: tuple[str, ...] = get_args(SeMethod)

MANY_TREATED = 10
"""``se="auto"`` uses the placebo method below this many pilot units and the jackknife from it
(when every start period has two or more): the jackknife and bootstrap are justified as the
number of treated units grows, the placebo method for few treated units (Arkhangelsky et al.
2021, Section 5; Clarke et al. 2023).  Of the two, the jackknife re-uses the weights (one
pass, no re-optimisation: under a second on 1,000 units) and is conservative; the bootstrap
(200 re-optimisations) is offered on request."""
DEFAULT_SEED = 20210527
"""Seed used when none is given, so the same data always give the same standard error."""
FEW_PRE_PERIODS = 5


@dataclass(frozen=True)
class SyntheticDid:
    """Synthetic difference-in-differences with placebo, bootstrap or jackknife inference.

    Parameters
    ----------
    method
        ``"sdid"`` (default), ``"sc"`` (synthetic control: no time weights, no intercept) or
        ``"did"`` (uniform weights).
    se
        ``"auto"`` (placebo with fewer than 10 pilot units, jackknife otherwise, bootstrap
        when some start period has a single pilot unit),
        ``"placebo"``, ``"bootstrap"``, ``"jackknife"`` or ``"none"``.
    replications
        Placebo or bootstrap replications (R's default 200).
    seed
        Seed of the replications (``None``: a fixed default, so results repeat).
    level
        Confidence level of the normal-approximation interval.
    max_iter
        Frank-Wolfe step limit (R synthdid and Stata sdid: 10,000).

    Notes
    -----
    ``tau = argmin sum_it (Y_it - mu - a_i - b_t - W_it tau)^2 omega_i lambda_t`` with unit
    weights ``omega`` (comparison units matched on pre-period trends, ridge penalty
    ``zeta = (N1 T1)^(1/4) sigma``) and time weights ``lambda`` (pre-periods matched to the
    post-period), found by Frank-Wolfe exactly as R ``synthdid`` 0.0.9 (Algorithm 1).
    Staggered pilots: one block per start period against the never-treated units, averaged
    with weights ``N1 T1`` (Stata ``sdid``).  Covariates (``columns.covariates``): removed by
    projection on the never-treated units with unit and period effects (``sdid``'s
    ``covariates(, projected)``).  Reproduces R synthdid on California's Proposition 99 and
    Stata sdid on the parliamentary quota panel (see tests/estimators/test_synthetic_did.py).
    """

    method: Method = "sdid"
    se: SeMethod = "auto"
    replications: int = 200
    seed: int | None = None
    level: float = 0.95
    max_iter: int = MAX_ITER

    def __post_init__(self) -> None:
        check_choice("method", self.method, METHODS)
        check_choice("se", self.se, SE_METHODS)
        check_level(self.level)
        for option in ("replications", "max_iter"):
            value = getattr(self, option)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 2:
                raise EstimatorConfigError(f"{option}={value!r} must be a whole number of 2 "
                                           "or more")

    def fit(self, frame: pd.DataFrame, columns: PanelColumns | None = None,
            **roles: Unpack[PanelRoles]) -> SyntheticDidResult:
        """Estimate on ``frame`` (not modified); returns a new ``SyntheticDidResult``.

        Columns are a ``PanelColumns`` or keyword roles (``outcome=..., unit=..., time=...,
        treatment=...`` or ``cohort=...``, optional ``covariates=``).
        """
        columns = resolve_columns(PanelColumns, columns, roles)
        panel = synthetic_panel(frame, columns)
        use_covariates = bool(panel.covariate_names)
        betas: tuple[tuple[str, float], ...] = ()
        y = panel.y
        if use_covariates:
            projection = project(panel.y, panel.covariates, panel.controls,
                                 panel.covariate_names)
            y = projection.y
            betas = tuple(zip(panel.covariate_names, map(float, projection.beta), strict=True))
        fits = fit_blocks(y, cohort_blocks(panel.start), self.method, max_iter=self.max_iter)
        estimate, weights = average(fits, panel.periods.size)
        se_method = self._se_method(panel)
        seed = DEFAULT_SEED if self.seed is None else int(self.seed)
        warnings = _warnings(panel, self.method)
        reps, se = self._inference(panel, fits, se_method, seed, use_covariates)
        rank = None
        if reps is not None and se_method == "placebo":
            rank = int(np.sum(np.abs(reps.estimates) >= abs(estimate)))
        z = float(norm_ppf(0.5 + self.level / 2.0))
        ci_low: float | Unavailable
        ci_high: float | Unavailable
        p_value: float | Unavailable
        if isinstance(se, Unavailable):
            ci_low = ci_high = p_value = se
        elif se == 0.0:
            ci_low = ci_high = p_value = Unavailable("the standard error is zero")
        else:
            ci_low, ci_high = estimate - z * se, estimate + z * se
            p_value = float(2.0 * norm_sf(abs(estimate) / se))
        return SyntheticDidResult(
            outcome=panel.outcome, method=self.method, estimate=estimate, se=se,
            ci_low=ci_low, ci_high=ci_high, p_value=p_value, level=float(self.level),
            se_method=se_method,
            replications=0 if reps is None else int(reps.estimates.size),
            seed=None if se_method in ("jackknife", "none") else seed,
            replicate_estimates=() if reps is None else tuple(map(float, reps.estimates)),
            placebo_rank=rank, n_obs=int(panel.y.size), n_units=int(panel.units.size),
            n_treated=int(panel.treated.size), n_controls=int(panel.controls.size),
            n_periods=int(panel.periods.size),
            cohorts=tuple(_cohort(panel, y, f, w) for f, w in zip(fits, weights, strict=True)),
            covariates=betas, warnings=tuple(warnings),
        )

    def _se_method(self, panel: SyntheticPanel) -> str:
        if self.se != "auto":
            return self.se
        if panel.treated.size < MANY_TREATED:
            return "placebo"
        singles = any((panel.start == c).sum() < 2 for c in panel.cohorts)
        return "bootstrap" if singles else "jackknife"

    def _inference(self, panel: SyntheticPanel, fits: list[BlockResult], se_method: str,
                   seed: int, use_covariates: bool
                   ) -> tuple[Replications | None, float | Unavailable]:
        n1, n0 = panel.treated.size, panel.controls.size
        if se_method == "none":
            return None, Unavailable("no standard error was asked for (se='none')")
        if se_method == "placebo":
            if n0 <= n1:
                return None, Unavailable(
                    f"the placebo standard error needs more comparison units ({n0}) than "
                    f"pilot units ({n1})")
            perms = placebo_permutations(n0, self.replications, seed)
            reps = placebo(panel, fits, self.method, perms, use_covariates=use_covariates,
                           max_iter=self.max_iter)
            return reps, reps.se
        if se_method == "bootstrap":
            if n1 < 2:
                return None, Unavailable(
                    "the bootstrap needs at least two pilot units; use the placebo standard "
                    "error with one pilot unit")
            reps = bootstrap(panel, fits, self.method, self.replications, seed,
                             use_covariates=use_covariates, max_iter=self.max_iter)
            return reps, reps.se
        single = [f for f in fits if f.block.treated.size < 2]
        if single:
            start = panel.periods[single[0].block.cohort]
            return None, Unavailable(
                f"the jackknife needs at least two pilot units starting in each period (only "
                f"one started in {start:g}); use the placebo standard error")
        reps = jackknife(panel, fits, use_covariates=use_covariates)
        return reps, reps.se


def _warnings(panel: SyntheticPanel, method: str) -> list[str]:
    warnings = []
    few = [c for c in panel.cohorts if c < FEW_PRE_PERIODS]
    if few:
        warnings.append(
            f"only {few[0]} period(s) before the pilot started in {panel.periods[few[0]]:g}: "
            "the comparison is matched on very little history, so read the estimate with "
            "caution")
    if method != "did" and panel.controls.size < 5:
        warnings.append(f"only {panel.controls.size} comparison unit(s): the synthetic "
                        "comparison has little to choose from")
    return warnings


def _cohort(panel: SyntheticPanel, y: np.ndarray, fit: BlockResult,
            weight: float) -> CohortEffect:
    blk = fit.block
    t0 = blk.t0
    pilot = y[blk.treated].mean(axis=0)
    synthetic = fit.omega @ y[blk.controls]
    # sdid and did allow a constant level gap (lambda-weighted before the start); synthetic
    # control (lambda = 0) compares levels
    offset = float(fit.lambda_ @ (pilot[:t0] - synthetic[:t0]))
    gap = pilot[:t0] - synthetic[:t0] - offset
    return CohortEffect(
        start=panel.periods[t0], estimate=fit.tau, weight=float(weight),
        n_treated=int(blk.treated.size), n_controls=int(blk.controls.size), n_pre=int(t0),
        n_post=int(panel.periods.size - t0),
        treated_units=tuple(panel.units[blk.treated]),
        unit_weights=tuple(UnitWeight(u, float(w))
                           for u, w in zip(panel.units[blk.controls], fit.omega, strict=True)),
        time_weights=tuple((p, float(w)) for p, w in zip(panel.periods[:t0], fit.lambda_,
                                                         strict=True)),
        trajectory=Trajectory(periods=tuple(panel.periods), pilot=tuple(map(float, pilot)),
                              synthetic=tuple(map(float, synthetic)), offset=offset),
        pre_fit_rmse=float(np.sqrt(np.mean(gap ** 2))),
        regularisation=fit.reg.to_dict(),
    )
