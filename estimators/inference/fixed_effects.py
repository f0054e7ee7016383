"""Absorbing unit and period fixed effects by demeaning, written directly in numpy.

Two methods:

* **one-pass** for a balanced, unweighted panel (every unit observed exactly once in every
  period): ``x - unit mean - period mean + grand mean`` is the exact two-way within transform.
* **alternating projections** (the method of Guimaraes & Portugal 2010, as used by fixest's
  and pyfixest's demeaning) for unbalanced or weighted panels: subtract (weighted) period
  means, then unit means, and repeat until the largest mean removed in a sweep is below a
  tolerance relative to the column's scale, with Irons-Tuck acceleration (as fixest) so that
  weakly connected panels (units seen in a few periods each) converge in tens of sweeps, not
  thousands.  The number of sweeps and whether it converged are reported.

Group means use ``np.bincount`` on integer codes that are computed once (``factorize``);
nothing here uses pandas groupby.  The fixed-effect degrees of freedom are counted exactly
for two effects: ``units + periods - connected components`` of the unit-period graph (fixest
does the same for its first two fixed effects).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_TOLERANCE = 1e-13
"""Largest mean removed in a sweep, relative to the column's largest absolute deviation."""
DEFAULT_MAX_ITERATIONS = 10_000


@dataclass(frozen=True)
class Codes:
    """Integer codes ``0..n_levels-1`` of one fixed effect, and the level labels."""

    codes: np.ndarray
    n_levels: int
    labels: np.ndarray


@dataclass(frozen=True)
class Absorption:
    """How the fixed effects were absorbed (reported in every TWFE result)."""

    method: str
    iterations: int
    converged: bool
    tolerance: float
    max_iterations: int

    def to_dict(self) -> dict[str, object]:
        return {"method": self.method, "iterations": int(self.iterations),
                "converged": bool(self.converged), "tolerance": float(self.tolerance),
                "max_iterations": int(self.max_iterations)}


@dataclass(frozen=True)
class Demeaned:
    """Columns with both fixed effects removed (``matrix`` is n x k, Fortran order)."""

    matrix: np.ndarray
    absorption: Absorption


def factorize(values: np.ndarray | pd.Series) -> Codes:
    """Integer codes of ``values``, sorted by level when the levels can be ordered.

    Missing values must have been dropped already.  Mixed-type identifiers (numbers and text
    in one column) cannot be sorted and keep their order of appearance.
    """
    values = np.asarray(values)
    dense = _dense_codes(values)
    if dense is not None:
        return dense
    try:
        codes, labels = pd.factorize(values, sort=True)
    except TypeError:
        codes, labels = pd.factorize(values, sort=False)
    return Codes(codes.astype(np.intp, copy=False), int(len(labels)), np.asarray(labels))


def _dense_codes(values: np.ndarray) -> Codes | None:
    """Codes of whole numbers in a compact range by a lookup table (no hashing or sorting).

    Returns None when the values are not whole numbers or span a range much wider than the
    number of rows; ``factorize`` then falls back to pandas.
    """
    if values.dtype.kind not in "iuf" or values.size == 0:
        return None
    low, high = values.min(), values.max()
    if not (np.isfinite(low) and np.isfinite(high)) or high - low > 4 * values.size + 1000:
        return None
    offsets = values - low
    if values.dtype.kind == "f" and not np.array_equal(offsets, np.floor(offsets)):
        return None
    offsets = offsets.astype(np.intp, copy=False)
    present = np.zeros(int(high - low) + 1, dtype=bool)
    present[offsets] = True
    lookup = np.cumsum(present, dtype=np.intp) - 1
    labels = (np.flatnonzero(present) + low).astype(values.dtype, copy=False)
    return Codes(lookup[offsets], int(labels.size), labels)


def is_balanced(unit: Codes, period: Codes) -> bool:
    """True when every unit is observed exactly once in every period."""
    n = unit.codes.shape[0]
    if n != unit.n_levels * period.n_levels:
        return False
    cell = unit.codes * period.n_levels + period.codes
    return bool(np.all(np.bincount(cell, minlength=n) == 1))


def fixed_effect_df(unit: Codes, period: Codes) -> int:
    """Number of estimable fixed-effect parameters: ``units + periods - components``."""
    n_components = _bipartite_components(unit, period)
    if n_components is not None:
        return unit.n_levels + period.n_levels - n_components
    from scipy.sparse import coo_matrix  # imported here: few panels need it (0.1-0.2 s)
    from scipy.sparse.csgraph import connected_components

    size = unit.n_levels + period.n_levels
    bipartite = coo_matrix(
        (np.ones(unit.codes.shape[0]), (unit.codes, unit.n_levels + period.codes)),
        shape=(size, size),
    )
    n_components, _ = connected_components(bipartite, directed=False)
    return unit.n_levels + period.n_levels - int(n_components)


def _bipartite_components(unit: Codes, period: Codes, *, rounds: int = 64) -> int | None:
    """Connected components of the unit-period graph (an edge per row) by propagating the
    smallest unit label through the periods and back; None when it has not settled within
    ``rounds`` (a long chain of units linked one period at a time: use scipy's csgraph).

    Levels without a row are components of their own, as in the sparse graph."""
    label = np.arange(unit.n_levels)
    for _ in range(rounds):
        via_period = np.full(period.n_levels, unit.n_levels)
        np.minimum.at(via_period, period.codes, label[unit.codes])
        settled = label.copy()
        np.minimum.at(settled, unit.codes, via_period[period.codes])
        settled = settled[settled]  # follow the chain of labels one step further
        if np.array_equal(settled, label):
            used = np.zeros(period.n_levels, dtype=bool)
            used[period.codes] = True
            return int(np.unique(label).size + np.count_nonzero(~used))
        label = settled
    return None


def is_nested(inner: Codes, outer: Codes) -> bool:
    """True when every level of ``inner`` lies within a single level of ``outer``."""
    if inner is outer:
        return True
    first = np.full(inner.n_levels, -1, dtype=np.intp)
    first[inner.codes] = outer.codes  # one representative outer level per inner level
    return bool(np.all(first[inner.codes] == outer.codes))


def demean_one_pass(matrix: np.ndarray, unit: Codes, period: Codes) -> np.ndarray:
    """Exact two-way within transform of a balanced, unweighted panel (in place, returned)."""
    n_per_unit = float(period.n_levels)
    n_per_period = float(unit.n_levels)
    for j in range(matrix.shape[1]):
        column = matrix[:, j]
        unit_mean = np.bincount(unit.codes, column, unit.n_levels) / n_per_unit
        period_mean = np.bincount(period.codes, column, period.n_levels) / n_per_period
        grand = column.mean()
        column -= unit_mean[unit.codes]
        column -= period_mean[period.codes] - grand
    return matrix


def _sweep(column: np.ndarray, codes: Codes, weights: np.ndarray | None,
           totals: np.ndarray) -> float:
    """Subtract (weighted) group means in place; return the largest mean removed."""
    data = column if weights is None else column * weights
    means = np.bincount(codes.codes, data, codes.n_levels) / totals
    column -= means[codes.codes]
    return float(np.max(np.abs(means))) if means.size else 0.0


def _full_sweep(column: np.ndarray, unit: Codes, period: Codes, weights: np.ndarray | None,
                totals: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, float]:
    """One alternating-projections step (period means, then unit means) on a copy."""
    out = column.copy()
    _sweep(out, period, weights, totals[1])
    change = _sweep(out, unit, weights, totals[0])
    return out, change


def _irons_tuck(x: np.ndarray, gx: np.ndarray, ggx: np.ndarray) -> np.ndarray:
    """Irons & Tuck (1969) extrapolation of the fixed-point iteration ``x, F(x), F(F(x))``.

    Every candidate stays in ``column + (fixed-effect space)``, so the limit is unchanged;
    only the speed improves (fixest accelerates its demeaning the same way).
    """
    step = ggx - gx
    curvature = step - gx + x
    denominator = float(np.einsum("i,i->", curvature, curvature))
    if denominator <= 0.0:
        return ggx
    return ggx - (float(np.einsum("i,i->", step, curvature)) / denominator) * step


def demean_alternating(
    matrix: np.ndarray,
    unit: Codes,
    period: Codes,
    *,
    weights: np.ndarray | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
) -> tuple[np.ndarray, int, bool]:
    """Alternating projections with Irons-Tuck acceleration, column by column (in place).

    One iteration is one sweep (period means, then unit means).  A column has converged when
    the largest unit mean removed in a sweep is at most ``tolerance`` times the column's
    largest absolute deviation from its mean.  Returns the matrix, the largest number of
    sweeps any column needed and whether every column converged.
    """
    if weights is None:
        unit_totals = np.bincount(unit.codes, minlength=unit.n_levels).astype(np.float64)
        period_totals = np.bincount(period.codes, minlength=period.n_levels).astype(np.float64)
    else:
        unit_totals = np.bincount(unit.codes, weights, unit.n_levels)
        period_totals = np.bincount(period.codes, weights, period.n_levels)
    totals = (unit_totals, period_totals)
    most, all_converged = 0, True
    for j in range(matrix.shape[1]):
        column = matrix[:, j]
        scale = float(np.max(np.abs(column - column.mean()))) if column.size else 0.0
        limit = tolerance * (scale or 1.0)
        _sweep(column, unit, weights, unit_totals)
        x, sweeps, converged = column, 0, False
        while sweeps < max_iterations:
            gx, change = _full_sweep(x, unit, period, weights, totals)
            sweeps += 1
            if change <= limit or sweeps >= max_iterations:
                x, converged = gx, change <= limit
                break
            ggx, change = _full_sweep(gx, unit, period, weights, totals)
            sweeps += 1
            if change <= limit:
                x, converged = ggx, True
                break
            x = _irons_tuck(x, gx, ggx)
        if x is not column:
            column[:] = x
        most = max(most, sweeps)
        all_converged = all_converged and converged
    return matrix, most, all_converged


def demean(
    matrix: np.ndarray,
    unit: Codes,
    period: Codes,
    *,
    weights: np.ndarray | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
) -> Demeaned:
    """Remove unit and period effects from every column of ``matrix`` (n x k float64).

    ``matrix`` is overwritten (pass a fresh array); the one-pass transform is used for a
    balanced unweighted panel, alternating projections otherwise.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if weights is None and is_balanced(unit, period):
        demean_one_pass(matrix, unit, period)
        absorption = Absorption("one-pass", 1, True, 0.0, 1)
        return Demeaned(matrix, absorption)
    _, iterations, converged = demean_alternating(
        matrix, unit, period, weights=weights, tolerance=tolerance,
        max_iterations=max_iterations,
    )
    absorption = Absorption("alternating projections", iterations, converged, tolerance,
                            max_iterations)
    return Demeaned(matrix, absorption)
