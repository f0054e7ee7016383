"""Frank-Wolfe with exact line search for simplex-constrained ridge least squares.

Solves ``min_x  zeta^2 |x|^2 + |A x - b|^2 / n`` over the unit simplex (``x >= 0``,
``sum x = 1``), the problem behind the unit weights (omega) and time weights (lambda) of
synthetic difference-in-differences (Arkhangelsky et al. 2021, Algorithm 1, as the R package
``synthdid`` solves it: ``fw.step`` and ``sc.weight.fw``).  Each step moves toward the vertex
with the smallest gradient coordinate, by the exact minimiser along that segment; the solver
stops when one step lowers the objective by less than ``min_decrease^2`` (at least two steps)
or after ``max_iter`` steps.  The stopping rule is part of the estimator: the R and Stata
figures are those of this stopped solution, not of the exact optimum.

Many problems of the same shape (the replications of a placebo or bootstrap) are solved
together.  The work per step is O(k) per problem: the Gram matrix ``G = A'A`` and ``c = A'b``
are formed once, and ``G x`` and the residual ``A x - b`` are updated along the segment
(``x' = (1 - s) x + s e_i``) instead of being recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PRE_SPARSIFY_ITERATIONS = 100
"""R synthdid ``max.iter.pre.sparsify``: steps before the weights are sparsified."""


@dataclass(frozen=True)
class SimplexProblems:
    """``B`` problems ``min zeta^2|x|^2 + |A x - b|^2 / n`` with ``A`` of shape (B, n, k).

    ``centre`` subtracts each column's mean over the ``n`` rows from ``A`` and ``b`` first
    (the ``intercept`` option of R ``sc.weight.fw``).
    """

    a: np.ndarray
    b: np.ndarray
    zeta: np.ndarray

    @classmethod
    def build(cls, a: np.ndarray, b: np.ndarray, zeta: float | np.ndarray, *,
              centre: bool) -> SimplexProblems:
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        if a.ndim == 2:
            a, b = a[None], b[None]
        if centre:
            a = a - a.mean(axis=1, keepdims=True)
            b = b - b.mean(axis=1, keepdims=True)
        zeta_all = np.broadcast_to(np.asarray(zeta, dtype=np.float64), (a.shape[0],)).copy()
        return cls(a=a, b=b, zeta=zeta_all)


@dataclass(frozen=True)
class SimplexSolution:
    """Weights (B, k), the number of steps taken and the last objective value of each."""

    weights: np.ndarray
    iterations: np.ndarray
    objective: np.ndarray


def sparsify(weights: np.ndarray) -> np.ndarray:
    """R synthdid ``sparsify_function``: zero weights at most a quarter of the largest, rescale."""
    out = np.where(weights <= weights.max(axis=-1, keepdims=True) / 4.0, 0.0, weights)
    return out / out.sum(axis=-1, keepdims=True)


GRAM_BYTES = 64 * 2**20
"""Largest block of Gram matrices formed at once (problems are solved in chunks below it)."""


def solve(problems: SimplexProblems, start: np.ndarray, *, min_decrease: float | np.ndarray,
          max_iter: int) -> SimplexSolution:
    """Frank-Wolfe steps from ``start`` (B, k) until the decrease or iteration rule stops.

    ``min_decrease`` may differ by problem (an array of B values).  Problems are solved in
    chunks whose Gram matrices fit in ``GRAM_BYTES``.
    """
    n_prob, _, k = problems.a.shape
    start = np.broadcast_to(np.asarray(start, dtype=np.float64), (n_prob, k))
    decrease = np.broadcast_to(np.asarray(min_decrease, dtype=np.float64), (n_prob,))
    chunk = max(1, GRAM_BYTES // (8 * k * k))
    if n_prob <= chunk:
        return _solve_chunk(problems, start, decrease, max_iter)
    parts = [
        _solve_chunk(SimplexProblems(problems.a[i:i + chunk], problems.b[i:i + chunk],
                                     problems.zeta[i:i + chunk]),
                     start[i:i + chunk], decrease[i:i + chunk], max_iter)
        for i in range(0, n_prob, chunk)
    ]
    return SimplexSolution(weights=np.concatenate([p.weights for p in parts]),
                           iterations=np.concatenate([p.iterations for p in parts]),
                           objective=np.concatenate([p.objective for p in parts]))


def _solve_chunk(problems: SimplexProblems, start: np.ndarray, min_decrease: np.ndarray,
                 max_iter: int) -> SimplexSolution:
    a, b = problems.a, problems.b
    n_rows = a.shape[1]
    gram = np.einsum("bni,bnj->bij", a, a)
    c = np.einsum("bni,bn->bi", a, b)
    bb = np.einsum("bn,bn->b", b, b)
    x = np.array(start, dtype=np.float64)
    if a.shape[0] == 1:
        weights, steps, value = _solve_one(gram[0], c[0], float(bb[0]), n_rows,
                                           float(problems.zeta[0]), x[0],
                                           float(min_decrease[0]) ** 2, max_iter)
        return SimplexSolution(weights[None], np.array([steps]), np.array([value]))
    return _solve_many(gram, c, bb, n_rows, problems.zeta, x, min_decrease ** 2, max_iter)


# The half gradient ``Gx - c + eta x`` is kept up to date along each segment
# (``x' = keep x + s e_i`` gives ``grad' = keep grad + s (G[i] - c) + eta s e_i``), and so are
# the scalars of the objective: |x|^2, x'Gx and c'x (|Ax - b|^2 = x'Gx - 2 c'x + b'b).  Each
# step then costs O(k), with the same iterates as R's direct computation (to rounding).

def _solve_one(gram: np.ndarray, c: np.ndarray, bb: float, n_rows: int, zeta: float,
               x: np.ndarray, threshold: float, max_iter: int
               ) -> tuple[np.ndarray, int, float]:
    zeta2 = zeta * zeta
    eta = n_rows * zeta2
    gx = gram @ x
    grad = gx - c + eta * x
    xx, xgx, cx = float(x @ x), float(x @ gx), float(c @ x)
    value = zeta2 * xx + (xgx - 2.0 * cx + bb) / n_rows
    steps = 0
    for steps in range(1, max_iter + 1):  # noqa: B007 (the count is returned)
        i = int(grad.argmin())
        gv, xi = float(grad[i]), float(x[i])
        step = 0.0
        if xi != 1.0:
            gxi = gv + float(c[i]) - eta * xi
            gii = float(gram[i, i])
            denominator = gii - 2.0 * gxi + xgx + eta * (xx - 2.0 * xi + 1.0)
            if denominator > 0.0:  # grad . x = x'Gx - c'x + eta |x|^2
                step = min(1.0, max(0.0, -(gv - (xgx - cx + eta * xx)) / denominator))
        if step > 0.0:
            keep = 1.0 - step
            grad *= keep
            grad += step * (gram[i] - c)
            grad[i] += eta * step
            x *= keep
            x[i] += step
            xgx = keep * keep * xgx + 2.0 * keep * step * gxi + step * step * gii
            xx = keep * keep * xx + 2.0 * keep * step * xi + step * step
            cx = keep * cx + step * float(c[i])
        previous = value
        value = zeta2 * xx + (xgx - 2.0 * cx + bb) / n_rows
        if steps >= 2 and not previous - value > threshold:
            break
    return x, steps, value


def _solve_many(gram: np.ndarray, c: np.ndarray, bb: np.ndarray, n_rows: int,
                zeta: np.ndarray, x: np.ndarray, threshold: np.ndarray, max_iter: int
                ) -> SimplexSolution:
    n_prob, k = x.shape
    zeta2 = zeta ** 2
    eta = n_rows * zeta2
    diag = np.ascontiguousarray(np.diagonal(gram, axis1=1, axis2=2))
    gx = np.einsum("bij,bj->bi", gram, x)
    grad = gx - c + eta[:, None] * x
    xx = (x * x).sum(axis=1)
    xgx = (x * gx).sum(axis=1)
    cx = (c * x).sum(axis=1)
    # x = scale * z: a step rescales x by a number and adds to one coordinate
    z, scale = x.copy(), np.ones(n_prob)
    # flat views: element (b, i) is b * k + i, row i of problem b's G is gram_rows[b * k + i]
    offsets = np.arange(n_prob) * k
    gram_rows = gram.reshape(n_prob * k, k)
    grad_flat, z_flat, c_flat, diag_flat = (grad.reshape(-1), z.reshape(-1), c.reshape(-1),
                                            diag.reshape(-1))
    update = np.empty_like(grad)
    value = zeta2 * xx + (xgx - 2.0 * cx + bb) / n_rows
    iterations = np.zeros(n_prob, dtype=np.int64)
    active = np.ones(n_prob, dtype=bool)
    for step_no in range(1, max_iter + 1):
        at = offsets + grad.argmin(axis=1)
        gv = grad_flat[at]
        xi = scale * z_flat[at]
        ci = c_flat[at]
        gii = diag_flat[at]
        gxi = gv + ci - eta * xi
        numerator = gv - (xgx - cx + eta * xx)  # grad . x = x'Gx - c'x + eta |x|^2
        denominator = gii - 2.0 * gxi + xgx + eta * (xx - 2.0 * xi + 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = -numerator / denominator
        np.minimum(step, 1.0, out=step)
        np.maximum(step, 0.0, out=step)
        step[~(active & (xi != 1.0) & (denominator > 0.0))] = 0.0  # stopped, or at the vertex
        keep = 1.0 - step
        np.subtract(gram_rows[at], c, out=update)
        update *= step[:, None]
        grad *= keep[:, None]
        grad += update
        grad_flat[at] += eta * step
        scale = scale * keep
        full = scale == 0.0  # a full step lands on the vertex
        if full.any():
            z[full] = 0.0
            scale[full] = 1.0
        z_flat[at] += np.where(full, 1.0, step / scale)
        xgx = keep * keep * xgx + 2.0 * keep * step * gxi + step * step * gii
        xx = keep * keep * xx + 2.0 * keep * step * xi + step * step
        cx = keep * cx + step * ci
        previous = value
        value = np.where(active, zeta2 * xx + (xgx - 2.0 * cx + bb) / n_rows, value)
        iterations += active
        if step_no % 64 == 0:
            z *= scale[:, None]
            scale = np.ones(n_prob)
        if step_no >= 2:
            active &= previous - value > threshold
            if step_no % 8 == 0 and not active.any():  # stopped problems take no steps
                break
    return SimplexSolution(weights=z * scale[:, None], iterations=iterations, objective=value)


def solve_sparse(problems: SimplexProblems, start: np.ndarray, *,
                 min_decrease: float | np.ndarray, max_iter: int,
                 sparse: bool = True) -> SimplexSolution:
    """R synthdid's two rounds: 100 steps, sparsify, then up to ``max_iter`` steps."""
    if not sparse:
        return solve(problems, start, min_decrease=min_decrease, max_iter=max_iter)
    first = solve(problems, start, min_decrease=min_decrease,
                  max_iter=min(PRE_SPARSIFY_ITERATIONS, max_iter))
    return solve(problems, sparsify(first.weights), min_decrease=min_decrease,
                 max_iter=max_iter)
