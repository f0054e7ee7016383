"""Synthetic control with in-space placebos (Abadie, Diamond & Hainmueller 2010).

``SyntheticControl().fit(frame, columns)`` builds the pilot's synthetic comparison as a convex
combination of comparison units (donors) that tracks the pilot's outcome before the start,
then refits it with every donor in turn playing the pilot (the other donors as its pool, the
pilot units left out).  The permutation p-value is the share of units (pilot and placebos)
whose ratio of post-period to pre-period root mean squared prediction error (RMSPE) is at least
the pilot's (ADH 2010, Section 4 and Figure 8).  With several pilot units starting together
their mean is the treated series.

Poor pre-period fit, the method's own warning sign, is flagged when the synthetic comparison
misses the pilot by more than half the standard deviation of the pilot's pre-period outcome
(it explains under three quarters of that variation) or when the pilot lies outside the
donors' range in more than half the pre-periods (no convex combination can follow it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Unpack

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import PanelColumns, PanelRoles, resolve_columns
from pilot_eval.estimators.did.synthetic.control_result import (
    PlaceboRun,
    SyntheticControlResult,
)
from pilot_eval.estimators.did.synthetic.panel import synthetic_panel
from pilot_eval.estimators.did.synthetic.simplex import simplex_least_squares
from pilot_eval.estimators.errors import EstimationError

POOR_FIT_SHARE_OF_SD = 0.5
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

    Notes
    -----
    Estimate: the mean post-period gap ``Y1t - sum_j w_j Yjt``; weights ``w >= 0``, ``sum w =
    1`` minimise the pre-period squared gap (every pre-period outcome a predictor with equal
    weight), solved exactly (active set on non-negative least squares, KKT-checked).  Matching
    on covariate predictors with data-chosen predictor weights (R ``Synth``'s nested
    optimisation) is not offered: it is non-convex and published solutions are local optima.
    """

    placebos: bool = True

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
        w = simplex_least_squares(y[donors][:, :t0].T, pilot[:t0])
        main = _run(panel.units[treated[0]] if treated.size == 1 else "pilot mean",
                    pilot, y[donors], w, t0)
        runs: list[PlaceboRun] = []
        if self.placebos and donors.size >= 2:
            for j, unit in enumerate(donors):
                pool = np.delete(donors, j)
                wj = simplex_least_squares(y[pool][:, :t0].T, y[unit][:t0])
                runs.append(_run(panel.units[unit], y[unit], y[pool], wj, t0))
        return SyntheticControlResult.build(
            outcome=panel.outcome, periods=tuple(panel.periods), start=panel.periods[t0],
            pilot_units=tuple(panel.units[treated]), donors=tuple(panel.units[donors]),
            weights=tuple(map(float, w)), pilot=main, placebos=tuple(runs),
            outside_range=_outside_share(pilot[:t0], y[donors][:, :t0]),
            pilot_pre_sd=float(np.std(pilot[:t0], ddof=1)) if t0 > 1 else float("nan"),
            poor_fit_share=POOR_FIT_SHARE_OF_SD, outside_limit=OUTSIDE_RANGE_SHARE,
            mspe_cutoff=PLACEBO_MSPE_CUTOFF)


def _run(unit: object, target: np.ndarray, pool: np.ndarray, weights: np.ndarray,
         t0: int) -> PlaceboRun:
    synthetic = weights @ pool
    gaps = target - synthetic
    return PlaceboRun(unit=unit, gaps=tuple(map(float, gaps)),
                      synthetic=tuple(map(float, synthetic)),
                      pre_rmspe=float(np.sqrt(np.mean(gaps[:t0] ** 2))),
                      post_rmspe=float(np.sqrt(np.mean(gaps[t0:] ** 2))))


def _outside_share(pilot_pre: np.ndarray, donors_pre: np.ndarray) -> float:
    outside = (pilot_pre > donors_pre.max(axis=0)) | (pilot_pre < donors_pre.min(axis=0))
    return float(outside.mean())
