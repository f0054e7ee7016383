"""Independent re-estimates of a two-way fixed-effects fit, for the quality-assurance record.

* ``dense_check`` (``cross_check="auto"``): brute force with numpy -- the unit means removed
  exactly in one pass (weighted), the period effects as dense dummy columns, the normal
  equations and the textbook sandwich; ``K`` from the dense design's rank.  It
  shares no code with the fit (which absorbs both effects by alternating projections unless
  the panel is balanced) and costs milliseconds at the sizes ``auto`` allows.
* ``linearmodels_check`` (``cross_check="always"``, ``did --cross-check``): linearmodels'
  ``PanelOLS``, an external library; importing it alone costs about half a second (issue 12).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pilot_eval.estimators.did.design import PanelArrays
from pilot_eval.estimators.inference.fixed_effects import is_nested
from pilot_eval.estimators.unavailable import Unavailable, json_number

if TYPE_CHECKING:
    from pilot_eval.estimators.did.twfe import TwoWayFit

@dataclass(frozen=True)
class CrossCheck:
    """An independent re-estimate (estimate and SE of the treatment) and how far it is."""

    reference: str
    max_abs_difference: float | Unavailable
    skipped_reason: str | None = None
    estimate: float | None = None
    se: float | None = None

    def to_dict(self) -> dict[str, object]:
        return {"reference": self.reference,
                "max_abs_difference": json_number(self.max_abs_difference),
                "skipped_reason": self.skipped_reason,
                "estimate": json_number(self.estimate), "se": json_number(self.se)}


DUMMY_CELLS_LIMIT = 50_000_000
"""Largest rows x dummy columns the linearmodels cross-check builds (400 MB of float64)."""


def linearmodels_check(arrays: PanelArrays, fit: TwoWayFit, se: str) -> CrossCheck:
    """Re-estimate with linearmodels ``PanelOLS`` in a configuration that shares our convention.

    One fixed effect is absorbed by ``PanelOLS`` and the other enters as explicit dummies with
    a constant, with ``debiased=True`` (and ``group_debias=True`` for clusters).  The absorbed
    effect is the unit, unless only the period is nested in the cluster variable (then the
    period is absorbed): ``PanelOLS`` does not count an absorbed effect nested in the clusters,
    and counts dummies, which reproduces fixest's ``fixef.K = "nested"``.
    """
    from linearmodels import PanelOLS

    name = "linearmodels PanelOLS (one effect absorbed, the other as dummies, debiased)"
    cluster = arrays.cluster if se == "cluster" else None
    absorb_period = (cluster is not None and is_nested(arrays.period, cluster)
                     and not is_nested(arrays.unit, cluster))
    dummies_of = arrays.unit if absorb_period else arrays.period
    n = arrays.y.shape[0]
    if n * dummies_of.n_levels > DUMMY_CELLS_LIMIT:
        return CrossCheck(name, Unavailable("skipped"),
                          f"{n:,} rows x {dummies_of.n_levels:,} dummies is too large")
    index = pd.MultiIndex.from_arrays([arrays.unit.codes, arrays.period.codes])
    exog = np.empty((n, arrays.regressors.shape[1] + dummies_of.n_levels), order="F")
    exog[:, 0] = 1.0
    first_dummy = arrays.regressors.shape[1] + 1
    exog[:, 1:first_dummy] = arrays.regressors
    exog[:, first_dummy:] = 0.0
    rows = np.flatnonzero(dummies_of.codes > 0)
    exog[rows, first_dummy + dummies_of.codes[rows] - 1] = 1.0
    names = ["const", *(f"x{j}" for j in range(arrays.regressors.shape[1])),
             *(f"d{j}" for j in range(1, dummies_of.n_levels))]
    exog_frame = pd.DataFrame(exog, index=index, columns=names)
    weights = None if arrays.weights is None else pd.Series(arrays.weights, index=index)
    options: dict[str, object] = {"debiased": True}
    if se == "iid":
        options["cov_type"] = "unadjusted"
    elif se == "hc1":
        options["cov_type"] = "robust"
    else:
        assert cluster is not None  # panel_arrays gives clusters whenever se="cluster"
        options.update(cov_type="clustered", group_debias=True,
                       clusters=pd.Series(cluster.codes, index=index, name="cluster"))
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # overflow or 0/0 inside linearmodels' R-squared on extreme data is not ours to
            # report; a failed or different cross-check is reported below
            warnings.simplefilter("ignore", RuntimeWarning)
            model = PanelOLS(pd.Series(arrays.y, index=index), exog_frame,
                             entity_effects=not absorb_period, time_effects=absorb_period,
                             weights=weights, check_rank=False)  # our collinearity check ran
            result = model.fit(**options)
            estimate = float(result.params["x0"])
            reference_se = float(result.std_errors["x0"])
    except Exception as exc:  # a cross-check failure must not stop the analysis
        return CrossCheck(name, Unavailable("failed"), f"linearmodels failed: {exc}")
    return _compared(name, fit, estimate, reference_se)


DENSE_NAME = "dense least squares (unit means removed exactly, period dummies; numpy)"


def dense_check(arrays: PanelArrays, fit: TwoWayFit, se: str) -> CrossCheck:
    """Re-estimate by brute force: ``y`` and ``[X, period dummies]`` (the first period left
    out) minus their (weighted) unit means, the normal equations solved by a pseudo-inverse
    (exact for the slopes when a disconnected panel leaves dummies collinear with the unit
    means), and the iid / HC1 / CR1 sandwich on that dense design.  ``K`` counts the slopes,
    the units and the rank of the demeaned dummies, less the effects nested in the clusters
    (fixest's ``fixef.K = "nested"``).

    Products are ``einsum`` sums, not BLAS calls: OpenBLAS threads wake up for a tall matrix
    and, on a busy machine, spin for longer than the sums take (0.85 s of CPU against 0.01 s
    on the demo).
    """
    n, p = arrays.regressors.shape
    unit, period = arrays.unit, arrays.period
    w = np.ones(n) if arrays.weights is None else arrays.weights
    design = np.zeros((n, p + period.n_levels))
    design[:, :p] = arrays.regressors
    design[np.arange(n), p + period.codes] = 1.0
    design = np.delete(design, p, axis=1)  # the first period's dummy: the unit means span it
    unit_weight = np.bincount(unit.codes, weights=w, minlength=unit.n_levels)

    def within(values: np.ndarray) -> np.ndarray:
        sums = np.bincount(unit.codes, weights=w * values, minlength=unit.n_levels)
        return values - (sums / unit_weight)[unit.codes]

    z = np.column_stack([within(design[:, j]) for j in range(design.shape[1])])
    y = within(arrays.y)
    gram = np.einsum("ij,i,ik->jk", z, w, z)
    bread = np.linalg.pinv(gram, rcond=1e-12, hermitian=True)
    rank = int(np.linalg.matrix_rank(gram, tol=1e-12 * np.abs(gram).max(), hermitian=True))
    coef = bread @ np.einsum("ij,i->j", z, w * y)
    residuals = y - np.einsum("ij,j->i", z, coef)
    cluster = arrays.cluster if se == "cluster" else None
    k = p + unit.n_levels + (rank - p)
    if cluster is not None:
        k -= sum(codes.n_levels - 1 for codes in (unit, period) if is_nested(codes, cluster))
    scores = z * (w * residuals)[:, None]
    if se == "iid":
        matrix = float(np.sum(w * residuals ** 2)) / (n - k) * bread
    elif se == "hc1":
        matrix = n / (n - k) * (bread @ np.einsum("ij,ik->jk", scores, scores) @ bread)
    else:
        assert cluster is not None  # panel_arrays gives clusters whenever se="cluster"
        g = cluster.n_levels
        sums = np.column_stack([np.bincount(cluster.codes, weights=scores[:, j], minlength=g)
                                for j in range(scores.shape[1])])
        matrix = g / (g - 1) * (n - 1) / (n - k) * (bread @ (sums.T @ sums) @ bread)
    return _compared(DENSE_NAME, fit, float(coef[0]), float(np.sqrt(matrix[0, 0])))


def _compared(name: str, fit: TwoWayFit, estimate: float, reference_se: float) -> CrossCheck:
    se_ours = fit.covariance.matrix
    if isinstance(se_ours, Unavailable):
        difference = abs(estimate - float(fit.coef[0]))
    else:
        difference = max(abs(estimate - float(fit.coef[0])),
                         abs(reference_se - float(np.sqrt(se_ours[0, 0]))))
    return CrossCheck(name, difference, None, estimate, reference_se)
