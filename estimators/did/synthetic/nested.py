"""Donor weights W and predictor weights V of synthetic control, as R ``Synth``'s ``synth()``.

Abadie & Gardeazabal (2003, Appendix B) and Abadie, Diamond & Hainmueller (2010, Section 2.3):
for a diagonal, non-negative ``V`` summing to one, the donor weights minimise the V-weighted
distance between the pilot's predictors ``X1`` and the donors' ``X0 W`` on the simplex; ``V``
itself is chosen so that these weights best reproduce the pilot's outcome over the fitting
periods (the mean squared prediction error of ``Z1 - Z0 W``).  R ``Synth`` 1.1-8 does this as:

1. each predictor is divided by its standard deviation over the pilot and the donors;
2. ``W(V)`` comes from ``kernlab::ipop`` (``ipop.simplex_qp``: an interior point stopped at
   five significant figures);
3. ``V`` is searched over unconstrained parameters ``p`` (``V = |p| / sum |p|``) with
   Nelder-Mead and BFGS (``r_optim``), from equal weights and from a regression start (the
   squared coefficients of the fitting-period outcomes regressed on the scaled predictors);
   the best of each start's methods, then the better start (the regression start on a tie),
   gives ``V``.

The search is not convex and its answer is where these rules stop: different starts, methods
or even rounding (a different BLAS) can stop at different ``V`` of almost equal error.  Weights
that matter are stable to about 1e-4 (Basque: Cataluna 0.8508, Madrid 0.1492 across such
perturbations); ``V`` itself is often not identified to more than a digit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pilot_eval.estimators.did.synthetic.ipop import R_SYNTH, IpopSettings, simplex_qp
from pilot_eval.estimators.did.synthetic.r_optim import OptimResult, bfgs, nelder_mead
from pilot_eval.estimators.errors import EstimationError

Optimiser = Literal["Nelder-Mead", "BFGS"]
OPTIMISERS: tuple[str, ...] = ("Nelder-Mead", "BFGS")
"""R ``Synth``'s default ``optimxmethod``."""


@dataclass(frozen=True)
class NestedFit:
    """The chosen predictor weights ``v`` (k,), donor weights ``w`` (J,) and both losses.

    ``loss_v`` is the fitting-period MSPE; ``loss_w`` the V-weighted predictor distance (on
    the scaled predictors); ``searches`` the optimiser results of each start (empty when V
    was given).
    """

    v: np.ndarray
    w: np.ndarray
    loss_v: float
    loss_w: float
    searches: tuple[tuple[OptimResult, ...], ...] = ()


@dataclass(frozen=True)
class Scaled:
    """Predictors divided by their standard deviation over the pilot and donors."""

    treated: np.ndarray
    donors: np.ndarray

    @classmethod
    def of(cls, x1: np.ndarray, x0: np.ndarray) -> Scaled:
        spread = np.std(np.column_stack([x0, x1]), axis=1, ddof=1)
        inverse = 1.0 / spread  # R multiplies by diag(1 / sd)
        return cls(treated=x1 * inverse, donors=x0 * inverse[:, None])

    def weights(self, v: np.ndarray, settings: IpopSettings) -> np.ndarray:
        """Donor weights for each row of normalised predictor weights ``v`` (B, k)."""
        h = np.einsum("kj,bk,kl->bjl", self.donors, v, self.donors)
        c = -np.einsum("k,bk,kj->bj", self.treated, v, self.donors)
        return simplex_qp(h, c, settings)


def check_predictors(x0: np.ndarray, names: tuple[str, ...]) -> None:
    """R ``Synth`` refuses a predictor with no variation across the donors."""
    flat = np.flatnonzero(np.std(x0, axis=1) == 0.0)
    if flat.size:
        raise EstimationError(
            f"the predictor '{names[flat[0]]}' has the same value for every comparison unit, "
            "so it cannot tell them apart; drop it")


def fit_weights(x1: np.ndarray, x0: np.ndarray, z1: np.ndarray, z0: np.ndarray, *,
                custom_v: tuple[float, ...] | None = None,
                optimisers: tuple[str, ...] = OPTIMISERS,
                settings: IpopSettings = R_SYNTH) -> NestedFit:
    """``synth()``: predictor weights (searched, or ``custom_v``) and donor weights.

    ``x1`` (k,) and ``x0`` (k, J) are the pilot's and donors' predictors; ``z1`` (T,) and
    ``z0`` (T, J) their outcomes over the fitting periods.
    """
    scaled = Scaled.of(x1, x0)
    k = x1.size
    searches: tuple[tuple[OptimResult, ...], ...] = ()
    if custom_v is not None or k == 1:
        raw = np.ones(1) if k == 1 else np.asarray(custom_v, dtype=np.float64)
        v = np.abs(raw) / raw.sum()  # R: abs(custom.v) / sum(custom.v)
    else:
        def loss(points: np.ndarray) -> np.ndarray:
            weights = np.abs(points)
            weights = weights / weights.sum(axis=1, keepdims=True)
            w = scaled.weights(weights, settings)
            gaps = z1[None, :] - w @ z0.T
            return np.einsum("bt,bt->b", gaps, gaps) / z0.shape[0]

        starts = [np.full(k, 1.0 / k)]
        regression = regression_start(scaled, z1, z0)
        if regression is not None:
            starts.append(regression)
        searches = tuple(tuple(_run(method, loss, start) for method in optimisers)
                         for start in starts)
        best = [min(runs, key=lambda r: r.value) for runs in searches]  # first on a tie
        chosen = best[0] if len(best) == 1 or best[0].value < best[1].value else best[1]
        v = np.abs(chosen.par) / np.abs(chosen.par).sum()
    w = scaled.weights(v[None, :], settings)[0]
    gap_x = scaled.treated - scaled.donors @ w
    gap_z = z1 - z0 @ w
    return NestedFit(v=v, w=w, loss_v=float(gap_z @ gap_z / z0.shape[0]),
                     loss_w=float(gap_x @ (v * gap_x)), searches=searches)


def _run(method: str, loss, start: np.ndarray) -> OptimResult:
    return nelder_mead(loss, start) if method == "Nelder-Mead" else bfgs(loss, start)


def regression_start(scaled: Scaled, z1: np.ndarray, z0: np.ndarray) -> np.ndarray | None:
    """R ``Synth``'s second start: regress each unit's fitting-period outcomes on its scaled
    predictors (with an intercept); ``V`` proportional to the squared coefficients summed
    over periods.  ``None`` when the regression is singular (more predictors than units)."""
    design = np.column_stack([np.ones(z0.shape[1] + 1),
                              np.column_stack([scaled.treated, scaled.donors]).T])
    cross = design.T @ design
    if np.linalg.cond(cross, 1) > 1.0 / np.finfo(np.float64).eps:  # R: computationally singular
        return None
    coefficients = np.linalg.solve(cross, design.T @ np.column_stack([z1, z0]).T)[1:]
    start = np.einsum("kt,kt->k", coefficients, coefficients)
    return start / start.sum()
