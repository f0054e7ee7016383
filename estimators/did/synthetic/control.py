"""Synthetic control with in-space placebos (Abadie, Diamond & Hainmueller 2010).

``SyntheticControl().fit(frame, columns)`` builds the pilot's synthetic comparison as a convex
combination of comparison units (donors) that tracks the pilot's outcome before the start,
then refits it with every donor in turn playing the pilot (the other donors as its pool, the
pilot units left out).  The permutation p-value is the share of units (pilot and placebos)
whose ratio of post-period to pre-period root mean squared prediction error (RMSPE) is at least
the pilot's (ADH 2010, Section 4 and Figure 8).  With several pilot units starting together
their mean is the treated series.

With ``predictors`` (``Predictor``: means of characteristics over chosen periods, outcome
lags) the donor weights match the pilot's predictors under predictor weights ``V`` chosen from
the data, as R ``Synth`` (Abadie & Gardeazabal 2003; ADH 2010): see ``nested``.  Each placebo
then repeats the whole search with its own pool, as ADH do.

Poor pre-period fit, the method's own warning sign, is flagged when the synthetic comparison
misses the pilot by more than the donors' typical change from one period to the next (the
standard deviation of their first differences before the start: the noise level of
Arkhangelsky et al. 2021) or when the pilot lies outside the donors' range in more than half
the pre-periods (no convex combination can follow it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Unpack

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import PanelColumns, PanelRoles, resolve_columns
from pilot_eval.estimators.did.synthetic.control_result import (
    PlaceboRun,
    PredictorBalance,
    SyntheticControlResult,
)
from pilot_eval.estimators.did.synthetic.nested import (
    OPTIMISERS,
    NestedFit,
    check_predictors,
    fit_weights,
)
from pilot_eval.estimators.did.synthetic.panel import SyntheticPanel, synthetic_panel
from pilot_eval.estimators.did.synthetic.predictors import Predictor, predictor_values
from pilot_eval.estimators.did.synthetic.simplex import simplex_least_squares
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError

POOR_FIT_NOISE_SHARE = 1.0
OUTSIDE_RANGE_SHARE = 0.5
PLACEBO_MSPE_CUTOFF = 5.0
"""ADH 2010 also report the test without placebos whose pre-period MSPE exceeds this multiple
of the pilot's (they show 20, 5 and 2); poorly fitted placebos say little about the pilot."""


@dataclass(frozen=True)
class SyntheticControl:
    """Synthetic control matched on the pre-period outcomes.

    Parameters
    ----------
    placebos
        Refit with each donor as the pilot (in-space placebos) for the permutation p-value.
    predictors
        ``Predictor`` s to match (R ``Synth``'s ``X1``/``X0``); empty (default): match the
        pre-period outcomes themselves, every one with equal weight.
    fit_periods
        Periods (before the start) whose outcomes the predictor weights are chosen to fit
        (R ``time.optimize.ssr``); default every period before the start.
    predictor_weights
        ``"search"`` (default: R ``Synth``'s data-driven ``V``) or one non-negative number
        per predictor (R ``custom.v``, rescaled to sum to one).
    optimisers
        Methods of the ``V`` search, best kept: ``("Nelder-Mead", "BFGS")`` (R ``Synth``
        1.1-8, the default) or either alone (``("BFGS",)`` as the ``Synth`` of the JSS
        paper, 2011).

    Notes
    -----
    Estimate: the mean post-period gap ``Y1t - sum_j w_j Yjt`` with ``w >= 0``, ``sum w = 1``.
    Without predictors ``w`` minimises the pre-period squared gap, solved exactly (active set
    on non-negative least squares, KKT-checked).  With predictors ``w`` and ``V`` follow R
    ``Synth`` step for step (``nested``); that search is not convex, so its answer is a local
    optimum reached by R's rules (reported with the losses and the balance table).
    """

    placebos: bool = True
    predictors: tuple[Predictor, ...] = ()
    fit_periods: tuple[float, ...] | None = None
    predictor_weights: str | tuple[float, ...] = "search"
    optimisers: tuple[str, ...] = OPTIMISERS

    def __post_init__(self) -> None:
        predictors = tuple(self.predictors)
        if not all(isinstance(p, Predictor) for p in predictors):
            raise EstimatorConfigError("predictors must be Predictor(column, periods) items")
        object.__setattr__(self, "predictors", predictors)
        if self.fit_periods is not None:
            object.__setattr__(self, "fit_periods", tuple(float(p) for p in self.fit_periods))
        weights = self.predictor_weights
        if isinstance(weights, str):
            if weights != "search":
                raise EstimatorConfigError(
                    f"predictor_weights must be 'search' or one number per predictor, got "
                    f"{weights!r}")
        else:
            values = tuple(float(v) for v in weights)
            if len(values) != len(predictors) or min(values, default=-1.0) < 0 \
                    or sum(values) <= 0:
                raise EstimatorConfigError(
                    f"predictor_weights: give {len(predictors)} non-negative number(s), one "
                    f"per predictor, not all zero (got {weights!r})")
            object.__setattr__(self, "predictor_weights", values)
        optimisers = tuple(self.optimisers)
        if not optimisers or any(o not in OPTIMISERS for o in optimisers):
            raise EstimatorConfigError(f"optimisers must be taken from {OPTIMISERS}, got "
                                       f"{self.optimisers!r}")
        object.__setattr__(self, "optimisers", optimisers)

    def fit(self, frame: pd.DataFrame, columns: PanelColumns | None = None,
            **roles: Unpack[PanelRoles]) -> SyntheticControlResult:
        """Estimate on ``frame`` (not modified); returns a new ``SyntheticControlResult``.

        Columns are a ``PanelColumns`` or keyword roles (``outcome=..., unit=..., time=...,
        treatment=...`` or ``cohort=...``, optional ``covariates=``).
        """
        columns = resolve_columns(PanelColumns, columns, roles)
        panel = synthetic_panel(frame, columns)
        if panel.cohorts.size > 1:
            starts = ", ".join(f"{panel.periods[c]:g}" for c in panel.cohorts)
            raise EstimationError(
                f"synthetic control needs one pilot start, but pilots started in {starts}; use "
                "synthetic DiD, which handles staggered starts", column=columns.treatment or
                columns.cohort)
        t0 = int(panel.cohorts[0])
        donors, treated = panel.controls, panel.treated
        y = panel.y
        pilot = y[treated].mean(axis=0)
        matcher = self._matcher(frame, columns, panel, t0)
        w, balance = matcher(pilot, donors, treated)
        main = _run(panel.units[treated[0]] if treated.size == 1 else "pilot mean",
                    pilot, y[donors], w, t0)
        runs: list[PlaceboRun] = []
        if self.placebos and donors.size >= 2:
            for j, unit in enumerate(donors):
                pool = np.delete(donors, j)
                wj, _ = matcher(y[unit], pool, np.array([unit]))
                runs.append(_run(panel.units[unit], y[unit], y[pool], wj, t0))
        return SyntheticControlResult.build(
            outcome=panel.outcome, periods=tuple(panel.periods), start=panel.periods[t0],
            pilot_units=tuple(panel.units[treated]), donors=tuple(panel.units[donors]),
            weights=tuple(map(float, w)), pilot=main, placebos=tuple(runs),
            outside_range=_outside_share(pilot[:t0], y[donors][:, :t0]),
            pilot_pre_sd=float(np.std(pilot[:t0], ddof=1)) if t0 > 1 else float("nan"),
            noise_level=_noise(y[donors][:, :t0]),
            poor_fit_share=POOR_FIT_NOISE_SHARE, outside_limit=OUTSIDE_RANGE_SHARE,
            mspe_cutoff=PLACEBO_MSPE_CUTOFF, balance=balance)

    def _matcher(self, frame: pd.DataFrame, columns: PanelColumns, panel: SyntheticPanel,
                 t0: int):
        """``(target path, donor rows, target rows) -> (weights, balance or None)``."""
        y = panel.y
        if not self.predictors:
            return lambda target, pool, _: (simplex_least_squares(y[pool][:, :t0].T,
                                                                  target[:t0]), None)
        if panel.treated.size > 1:
            raise EstimationError(
                f"synthetic control on predictors matches one pilot unit, but "
                f"{panel.treated.size} units have the pilot; analyse them one at a time or "
                "use synthetic DiD", column=columns.treatment or columns.cohort)
        x = predictor_values(frame, str(columns.unit), str(columns.time), panel,
                             self.predictors)
        fit_rows = self._fit_rows(panel, t0, columns)
        names = tuple(p.label for p in self.predictors)
        check_predictors(x[:, panel.controls], names)
        # a str is "search" (checked when made); otherwise the given weights
        custom = None if isinstance(self.predictor_weights, str) else self.predictor_weights

        def match(target, pool, target_rows):
            fit = fit_weights(x[:, target_rows[0]], x[:, pool], target[fit_rows],
                              y[pool][:, fit_rows].T, custom_v=custom,
                              optimisers=self.optimisers)
            return fit.w, _balance(names, x[:, target_rows[0]], x[:, pool], fit)
        return match

    def _fit_rows(self, panel: SyntheticPanel, t0: int, columns: PanelColumns) -> np.ndarray:
        if self.fit_periods is None:
            return np.arange(t0)
        rows = []
        for period in self.fit_periods:
            found = np.flatnonzero(panel.periods == period)
            if found.size == 0 or found[0] >= t0:
                raise EstimationError(
                    f"fit period {period:g} is not a period before the pilot started "
                    f"({panel.periods[0]:g} to {panel.periods[t0 - 1]:g} in '{columns.time}')",
                    column=columns.time)
            rows.append(int(found[0]))
        return np.array(rows)


def _balance(names: tuple[str, ...], x1: np.ndarray, x0: np.ndarray,
             fit: NestedFit) -> PredictorBalance:
    return PredictorBalance(
        names=names, v=tuple(map(float, fit.v)), pilot=tuple(map(float, x1)),
        synthetic=tuple(map(float, x0 @ fit.w)),
        donor_mean=tuple(float(np.mean(row)) for row in x0),
        loss_v=fit.loss_v, loss_w=fit.loss_w, searched=bool(fit.searches))


def _run(unit: object, target: np.ndarray, pool: np.ndarray, weights: np.ndarray,
         t0: int) -> PlaceboRun:
    synthetic = weights @ pool
    gaps = target - synthetic
    return PlaceboRun(unit=unit, gaps=tuple(map(float, gaps)),
                      synthetic=tuple(map(float, synthetic)),
                      pre_rmspe=float(np.sqrt(np.mean(gaps[:t0] ** 2))),
                      post_rmspe=float(np.sqrt(np.mean(gaps[t0:] ** 2))))


def _noise(donors_pre: np.ndarray) -> float:
    """Standard deviation of the donors' first differences before the start."""
    diffs = np.diff(donors_pre, axis=1)
    return float(np.std(diffs, ddof=1)) if diffs.size > 1 else float("nan")


def _outside_share(pilot_pre: np.ndarray, donors_pre: np.ndarray) -> float:
    outside = (pilot_pre > donors_pre.max(axis=0)) | (pilot_pre < donors_pre.min(axis=0))
    return float(outside.mean())
