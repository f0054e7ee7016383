"""R's ``optim`` Nelder-Mead and BFGS, as R ``Synth`` runs them (through ``optimx``).

R ``Synth`` searches the predictor weights with ``optim``'s default settings: Nelder-Mead
(Nelder & Mead 1965 in the variant of Nash, *Compact Numerical Methods for Computers*, 1990:
reflection 1, contraction 0.5, expansion 2, a first simplex stepping 10% of the largest start
coordinate along each axis, at most 500 function evaluations, stop when the simplex's values
agree within ``reltol (|f| + reltol)``) and BFGS (Nash's variable metric method: backtracking
by 0.2 to an Armijo point with ``acctol = 1e-4``, at most 100 iterations, inverse-Hessian reset
when a step does not curve upward or every ``2n`` gradients, stop on a relative change below
``reltol``) with the central-difference gradient of ``optim`` (steps ``ndeps = 1e-3``).
``reltol = sqrt(machine epsilon)``.  The search over ``V`` is not convex: the answer R reports
is where these rules stop, so they are reproduced here, including the order in which vertices
are compared and coordinates summed.

The objective takes a batch of points (k, n) and returns k values, so a gradient's ``2n``
evaluations and the vertices of a simplex are computed together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Objective = Callable[[np.ndarray], np.ndarray]

RELTOL = float(np.sqrt(np.finfo(np.float64).eps))
"""``optim``'s default ``reltol``."""
NM_MAX_EVALUATIONS = 500
"""``optim``'s default ``maxit`` for Nelder-Mead (function evaluations)."""
BFGS_MAX_ITERATIONS = 100
"""``optim``'s default ``maxit`` for BFGS (iterations, that is gradients)."""
GRADIENT_STEP = 1e-3
"""``optim``'s default ``ndeps``."""
NOT_FINITE = 1.0e35
"""Nelder-Mead's stand-in for a value that is not finite."""
REFLECT, CONTRACT, EXPAND = 1.0, 0.5, 2.0
STEP_REDUCTION, ACCEPT_SHARE, NO_CHANGE = 0.2, 1e-4, 10.0


@dataclass(frozen=True)
class OptimResult:
    """Where a method stopped: parameters, value, evaluation counts and ``optim``'s code."""

    method: str
    par: np.ndarray
    value: float
    evaluations: int
    gradients: int
    convergence: int


def nelder_mead(fn: Objective, start: np.ndarray, *, reltol: float = RELTOL,
                max_evaluations: int = NM_MAX_EVALUATIONS) -> OptimResult:
    """Minimise ``fn`` from ``start`` as ``optim(method = "Nelder-Mead")``."""
    x0 = np.array(start, dtype=np.float64)
    n = x0.size
    f0 = float(fn(x0[None])[0])
    if not np.isfinite(f0):
        raise ValueError("the objective cannot be evaluated at the starting values")
    tolerance = reltol * (abs(f0) + reltol)
    step = max(0.1 * float(np.abs(x0).max()), 0.0) or 0.1
    vertices = np.tile(x0, (n + 1, 1))
    size = 0.0
    for j in range(n):
        trial = step
        while vertices[j + 1, j] == x0[j]:
            vertices[j + 1, j] = x0[j] + trial
            trial *= 10.0
        size += trial
    old_size = size
    values = np.empty(n + 1)
    values[0] = f0
    evaluations = 1
    low = 0
    recompute = True
    failed = 0
    while True:
        if recompute:
            others = [j for j in range(n + 1) if j != low]
            values[others] = _finite(fn(vertices[others]))
            evaluations += len(others)
            recompute = False
        v_low = values[low]
        v_high, high = v_low, low
        for j in range(n + 1):
            if j == low:
                continue
            if values[j] < v_low:
                low, v_low = j, values[j]
            if values[j] > v_high:
                high, v_high = j, values[j]
        if v_high <= v_low + tolerance:
            break
        centroid = -vertices[high].copy()
        for j in range(n + 1):
            centroid += vertices[j]
        centroid /= n
        reflected = (1.0 + REFLECT) * centroid - REFLECT * vertices[high]
        v_reflected = float(_finite(fn(reflected[None]))[0])
        evaluations += 1
        if v_reflected < v_low:
            expanded = EXPAND * reflected + (1.0 - EXPAND) * centroid
            v_expanded = float(_finite(fn(expanded[None]))[0])
            evaluations += 1
            if v_expanded < v_reflected:
                vertices[high], values[high] = expanded, v_expanded
            else:
                vertices[high], values[high] = reflected, v_reflected
        else:
            if v_reflected < v_high:
                vertices[high], values[high] = reflected, v_reflected
            contracted = (1.0 - CONTRACT) * vertices[high] + CONTRACT * centroid
            v_contracted = float(_finite(fn(contracted[None]))[0])
            evaluations += 1
            if v_contracted < values[high]:
                vertices[high], values[high] = contracted, v_contracted
            elif v_reflected >= v_high:  # shrink towards the best vertex
                recompute = True
                size = 0.0
                for j in range(n + 1):
                    if j != low:
                        vertices[j] = CONTRACT * (vertices[j] - vertices[low]) + vertices[low]
                        size += float(np.abs(vertices[j] - vertices[low]).sum())
                if size >= old_size:
                    failed = 10
                    break
                old_size = size
        if evaluations > max_evaluations:
            break
    if evaluations > max_evaluations:
        failed = 1
    return OptimResult("Nelder-Mead", vertices[low].copy(), float(values[low]), evaluations,
                       0, failed)


def _finite(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(values), values, NOT_FINITE)


def central_gradient(fn: Objective, x: np.ndarray, step: float = GRADIENT_STEP) -> np.ndarray:
    """``optim``'s numerical gradient: ``(f(x + h e_i) - f(x - h e_i)) / 2h`` for each i."""
    n = x.size
    points = np.tile(x, (2 * n, 1))
    idx = np.arange(n)
    points[idx, idx] = x + step
    points[n + idx, idx] = x - step
    values = fn(points)
    gradient = (values[:n] - values[n:]) / (2.0 * step)
    if not np.isfinite(gradient).all():
        raise ValueError("the numerical gradient is not finite")
    return gradient


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of products in index order (as R's C loop adds them)."""
    total = 0.0
    for u, v in zip(a.tolist(), b.tolist(), strict=True):
        total += u * v
    return total


def _matvec(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    return np.array([_dot(row, vector) for row in matrix])


def bfgs(fn: Objective, start: np.ndarray, *, reltol: float = RELTOL,
         max_iterations: int = BFGS_MAX_ITERATIONS) -> OptimResult:
    """Minimise ``fn`` from ``start`` as ``optim(method = "BFGS")`` without a gradient."""
    b = np.array(start, dtype=np.float64)
    n = b.size
    f = float(fn(b[None])[0])
    if not np.isfinite(f):
        raise ValueError("the objective cannot be evaluated at the starting values")
    f_min = f
    evaluations = gradients = 1
    g = central_gradient(fn, b)
    iterations = 1
    last_reset = gradients
    inverse = np.eye(n)
    while True:
        if last_reset == gradients:
            inverse = np.eye(n)
        x, g_old = b.copy(), g.copy()
        direction = -_matvec(inverse, g)
        slope = _dot(direction, g)
        if slope < 0.0:
            steplength, accepted = 1.0, False
            while True:
                b = x + steplength * direction
                unchanged = int(np.sum(NO_CHANGE + x == NO_CHANGE + b))
                if unchanged < n:
                    f = float(fn(b[None])[0])
                    evaluations += 1
                    accepted = bool(np.isfinite(f)) and \
                        f <= f_min + slope * steplength * ACCEPT_SHARE
                    if not accepted:
                        steplength *= STEP_REDUCTION
                if unchanged == n or accepted:
                    break
            progress = unchanged < n
            if not abs(f - f_min) > reltol * (abs(f_min) + reltol):  # too little change
                progress = False
                f_min = f
            if progress:
                f_min = f
                g = central_gradient(fn, b)
                gradients += 1
                iterations += 1
                step = steplength * direction
                change = g - g_old
                curvature = _dot(step, change)
                if curvature > 0:
                    bc = _matvec(inverse, change)
                    scale = 1.0 + _dot(bc, change) / curvature
                    update = (np.outer(scale * step, step) - np.outer(bc, step)
                              - np.outer(step, bc)) / curvature
                    lower = np.tril(inverse + update)  # R keeps (and updates) one triangle
                    inverse = lower + np.tril(lower, -1).T
                else:
                    last_reset = gradients
            elif last_reset < gradients:
                progress = True  # retry once from a fresh inverse Hessian
                last_reset = gradients
        else:  # not a descent direction: reset unless just reset
            progress = last_reset != gradients
            last_reset = gradients
        if iterations >= max_iterations:
            break
        if gradients - last_reset > 2 * n:
            last_reset = gradients
        if not progress and last_reset == gradients:
            break
    return OptimResult("BFGS", b, f_min, evaluations, gradients,
                       0 if iterations < max_iterations else 1)
