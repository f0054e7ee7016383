"""Frank-Wolfe with exact line search for simplex-constrained ridge least squares.

Solves ``min_x  zeta^2 |x|^2 + |A x - b|^2 / n`` over the unit simplex (``x >= 0``,
``sum x = 1``), the problem behind the unit weights (omega) and time weights (lambda) of
synthetic difference-in-differences (Arkhangelsky et al. 2021, Algorithm 1, as the R package
``synthdid`` solves it: ``fw.step`` and ``sc.weight.fw``).  Each step moves toward the vertex
with the smallest gradient coordinate, by the exact minimiser along that segment; the solver
stops when one step lowers the objective by less than ``min_decrease^2`` (at least two steps)
or after ``max_iter`` steps.  The stopping rule is part of the estimator: the R and Stata
figures are those of this stopped solution, not of the exact optimum.

Many problems (the replications of a placebo or bootstrap) are solved together, padded to
one shape when their sizes differ: padding rows are zero (they add nothing to ``A'A``, ``A'b``
or ``b'b``; each problem keeps its own row count ``n``) and padding coordinates get a gradient
of ``+BIG`` that every step keeps (``c = -BIG``), so they are never chosen and stay at zero:
each problem's iterates are those it would have alone.  The work per step is O(k) per problem: the Gram matrix ``G = A'A`` and ``c = A'b``
are formed once, and ``G x`` and the residual ``A x - b`` are updated along the segment
(``x' = (1 - s) x + s e_i``) instead of being recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RENORMALISE = 64
"""Every this many steps the running scales are folded back into the weights and gradient."""
TINY = 1e-50
"""Below this the gradient's running scale is folded back into it (no underflow)."""
PRE_SPARSIFY_ITERATIONS = 100
"""R synthdid ``max.iter.pre.sparsify``: steps before the weights are sparsified."""


BIG = 1e200
"""Gradient of a padding coordinate: above any real one, so never the Frank-Wolfe vertex
(and far from overflow while the gradient is kept as ``scale * h`` with ``scale >= TINY``)."""


@dataclass(frozen=True)
class SimplexProblems:
    """``B`` problems ``min zeta^2|x|^2 + |A x - b|^2 / n`` with ``A`` of shape (B, rows, k).

    ``centre`` subtracts each column's mean over the rows from ``A`` and ``b`` first (the
    ``intercept`` option of R ``sc.weight.fw``).  ``n_rows`` is each problem's own ``n``
    (fewer than ``rows`` when padded); ``valid`` (B, k) marks real coordinates (``None``: all).
    """

    a: np.ndarray
    b: np.ndarray
    zeta: np.ndarray
    n_rows: np.ndarray
    valid: np.ndarray | None = None
    shared: tuple[np.ndarray, np.ndarray] | None = None
    """``(G, index)``: every problem's columns are columns of one matrix whose Gram is ``G``;
    ``index`` (B, k) says which (``-1`` for padding), so ``A'A`` is gathered, not multiplied."""

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
        return cls(a=a, b=b, zeta=zeta_all, n_rows=np.full(a.shape[0], float(a.shape[1])))

    @classmethod
    def padded(cls, parts: list[tuple[np.ndarray, np.ndarray]], zeta: np.ndarray, *,
               centre: bool, share_columns: bool = False) -> SimplexProblems:
        """Problems of different sizes ``(A_b (rows_b, k_b), b_b)``, centred, then padded.

        ``share_columns``: when the problems' columns repeat (bootstrap draws of the same
        units, all with the same rows), their Gram matrices are gathered from the Gram of
        the distinct columns (same numbers, a fraction of the work).
        """
        rows = max(a.shape[0] for a, _ in parts)
        k = max(a.shape[1] for a, _ in parts)
        a_all = np.zeros((len(parts), rows, k))
        b_all = np.zeros((len(parts), rows))
        valid = np.zeros((len(parts), k), dtype=bool)
        for j, (a, b) in enumerate(parts):
            if centre:
                a = a - a.mean(axis=0, keepdims=True)
                b = b - b.mean()
            a_all[j, :a.shape[0], :a.shape[1]] = a
            b_all[j, :a.shape[0]] = b
            valid[j, :a.shape[1]] = True
        n_rows = np.array([float(a.shape[0]) for a, _ in parts])
        return cls(a=a_all, b=b_all, zeta=np.asarray(zeta, dtype=np.float64), n_rows=n_rows,
                   valid=None if valid.all() else valid,
                   shared=_shared_gram(a_all, valid) if share_columns else None)

    def chunk(self, start: int, stop: int) -> SimplexProblems:
        shared = None if self.shared is None else (self.shared[0], self.shared[1][start:stop])
        return SimplexProblems(self.a[start:stop], self.b[start:stop], self.zeta[start:stop],
                               self.n_rows[start:stop],
                               None if self.valid is None else self.valid[start:stop], shared)

    def gram(self, out: np.ndarray | None = None) -> np.ndarray:
        """``A'A`` of every problem (B, k, k), into ``out[:B]`` when given (a buffer reused
        from chunk to chunk: no fresh hundreds of megabytes to page in each time)."""
        n_prob, _, k = self.a.shape
        gram = np.empty((n_prob, k, k)) if out is None else out[:n_prob]
        if self.shared is None:
            return np.matmul(np.swapaxes(self.a, 1, 2), self.a, out=gram)
        base, index = self.shared
        flat, stride = base.ravel(), base.shape[1]
        for j, columns in enumerate(index):
            real = columns[columns >= 0]  # padding comes last
            # one gather of base[real][:, real] from the flat matrix; mode="clip" (the indices
            # are valid) because with mode="raise" numpy buffers ``out``
            np.take(flat, (real * stride)[:, None] + real[None, :],
                    out=gram[j, :real.size, :real.size], mode="clip")
            gram[j, real.size:] = 0.0
            gram[j, :real.size, real.size:] = 0.0
        return gram


MAX_SHARED_COLUMNS = 20_000
"""Above this many distinct columns the Gram matrices are multiplied out per problem."""


def _shared_gram(a: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Gram of the distinct columns of all problems, and each column's place among them."""
    rows = a.shape[1]
    columns = np.swapaxes(a, 1, 2)[valid]  # (real columns, rows)
    if columns.size == 0:
        return None
    # group equal columns by a random projection, then check the grouping exactly
    probe = columns @ np.random.default_rng(0).standard_normal(rows)
    _, first, inverse = np.unique(probe, return_index=True, return_inverse=True)
    if not np.array_equal(columns, columns[first][inverse.ravel()]):
        keys = np.ascontiguousarray(columns).view(np.dtype((np.void, rows * 8))).ravel()
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    if first.size > MAX_SHARED_COLUMNS:
        return None
    distinct = columns[first]
    index = np.full(valid.shape, -1, dtype=np.int64)
    index[valid] = inverse.ravel()
    return distinct @ distinct.T, index


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


GRAM_BYTES = 256 * 2**20
"""Largest block of Gram matrices formed at once (problems are solved in chunks below it)."""


def solve(problems: SimplexProblems, start: np.ndarray, *, min_decrease: float | np.ndarray,
          max_iter: int) -> SimplexSolution:
    """Frank-Wolfe steps from ``start`` (B, k) until the decrease or iteration rule stops.

    ``min_decrease`` may differ by problem (an array of B values).  Problems are solved in
    chunks whose Gram matrices fit in ``GRAM_BYTES``.
    """
    return _in_chunks(problems, start, min_decrease, (max_iter,))


def _in_chunks(problems: SimplexProblems, start: np.ndarray, min_decrease: float | np.ndarray,
               rounds: tuple[int, ...]) -> SimplexSolution:
    n_prob, _, k = problems.a.shape
    start = np.broadcast_to(np.asarray(start, dtype=np.float64), (n_prob, k))
    decrease = np.broadcast_to(np.asarray(min_decrease, dtype=np.float64), (n_prob,))
    chunk = max(1, GRAM_BYTES // (8 * k * k))
    if n_prob <= chunk:
        return _solve_chunk(problems, start, decrease, rounds)
    buffer = np.empty((chunk, k, k))
    parts = [_solve_chunk(problems.chunk(i, i + chunk), start[i:i + chunk],
                          decrease[i:i + chunk], rounds, buffer)
             for i in range(0, n_prob, chunk)]
    return SimplexSolution(weights=np.concatenate([p.weights for p in parts]),
                           iterations=np.concatenate([p.iterations for p in parts]),
                           objective=np.concatenate([p.objective for p in parts]))


def _solve_chunk(problems: SimplexProblems, start: np.ndarray, min_decrease: np.ndarray,
                 rounds: tuple[int, ...], buffer: np.ndarray | None = None) -> SimplexSolution:
    """Each round from the sparsified end of the one before (the Gram matrices formed once,
    into ``buffer`` when given)."""
    a, b = problems.a, problems.b
    n_rows = problems.n_rows
    gram = problems.gram(buffer)
    c = np.einsum("bni,bn->bi", a, b)
    if problems.valid is not None:
        c[~problems.valid] = -BIG
    bb = np.einsum("bn,bn->b", b, b)
    x = np.array(start, dtype=np.float64)
    if a.shape[0] > 1:  # rows of G - c: what a step adds to the gradient (formed once)
        diag = np.ascontiguousarray(np.diagonal(gram, axis1=1, axis2=2))
        gram -= c[:, None, :]
    solution = SimplexSolution(x, np.zeros(x.shape[0], dtype=np.int64), np.zeros(x.shape[0]))
    for j, max_iter in enumerate(rounds):
        x = sparsify(solution.weights) if j else x
        if a.shape[0] == 1:
            weights, steps, value = _solve_one(gram[0], c[0], float(bb[0]), float(n_rows[0]),
                                               float(problems.zeta[0]), x[0].copy(),
                                               float(min_decrease[0]) ** 2, max_iter)
            solution = SimplexSolution(weights[None], np.array([steps]), np.array([value]))
        else:
            solution = _solve_many(gram, diag, c, bb, n_rows, problems.zeta, x.copy(),
                                   min_decrease ** 2, max_iter)
    return solution


# The half gradient ``Gx - c + eta x`` is kept up to date along each segment
# (``x' = keep x + s e_i`` gives ``grad' = keep grad + s (G[i] - c) + eta s e_i``), and so are
# the scalars of the objective: |x|^2, x'Gx and c'x (|Ax - b|^2 = x'Gx - 2 c'x + b'b).  Each
# step then costs O(k), with the same iterates as R's direct computation (to rounding).

def _solve_one(gram: np.ndarray, c: np.ndarray, bb: float, n_rows: float, zeta: float,
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


def _solve_many(steps_matrix: np.ndarray, diag: np.ndarray, c: np.ndarray, bb: np.ndarray,
                n_rows: np.ndarray, zeta: np.ndarray, x: np.ndarray, threshold: np.ndarray,
                max_iter: int) -> SimplexSolution:
    """B problems in lockstep; ``steps_matrix[b, i] = G[b, i] - c[b]``, ``diag`` = diag(G).

    Problems that have stopped are set aside (every ``RENORMALISE`` steps, once at least half
    have), so the rest run on smaller arrays.
    """
    n_all, k = x.shape
    weights_out, iterations_out, value_out = np.empty_like(x), np.zeros(n_all, np.int64), \
        np.empty(n_all)
    ids = np.arange(n_all)  # problems still in the arrays
    zeta2 = zeta ** 2
    eta = n_rows * zeta2
    # G x = x'(G - 1 c') + c sum(x), G symmetric
    gx = np.einsum("bi,bij->bj", x, steps_matrix) + c * x.sum(axis=1)[:, None]
    h = gx - c + eta[:, None] * x  # the gradient is gscale * h
    xx = (x * x).sum(axis=1)
    xgx = (x * gx).sum(axis=1)
    cx = (c * x).sum(axis=1)
    # x = scale * z and grad = gscale * h: a step rescales both by a number and adds to them
    z, scale, gscale = x.copy(), np.ones(n_all), np.ones(n_all)
    value = zeta2 * xx + (xgx - 2.0 * cx + bb) / n_rows
    iterations = np.zeros(n_all, dtype=np.int64)
    active = np.ones(n_all, dtype=bool)
    rows = steps_matrix
    for step_no in range(1, max_iter + 1):
        if step_no % RENORMALISE == 1:  # flat views: element (b, i) is b * k + i
            n_prob = ids.size
            offsets = np.arange(n_prob) * k
            step_rows = rows.reshape(n_prob * k, k)
            h_flat, z_flat = h.reshape(-1), z.reshape(-1)
            c_flat, diag_flat = c.reshape(-1), diag.reshape(-1)
            update = np.empty_like(h)
        at = offsets + h.argmin(axis=1)
        gv = gscale * h_flat[at]
        xi = scale * z_flat[at]
        ci = c_flat[at]
        gii = diag_flat[at]
        gxi = gv + ci - eta * xi
        numerator = gv - (xgx - cx + eta * xx)  # grad . x = x'Gx - c'x + eta |x|^2
        denominator = gii - 2.0 * gxi + xgx + eta * (xx - 2.0 * xi + 1.0)
        positive = denominator > 0.0  # a divide with where=: no errstate context per step
        step = np.divide(numerator, denominator, out=np.zeros_like(numerator), where=positive)
        np.negative(step, out=step)
        np.minimum(step, 1.0, out=step)
        np.maximum(step, 0.0, out=step)
        step[~(active & (xi != 1.0) & positive)] = 0.0  # stopped, or at the vertex
        keep = 1.0 - step
        gscale = gscale * keep
        fold = gscale < TINY  # a full step (keep 0), or a long run of near-full ones
        if fold.any():
            h[fold] *= gscale[fold, None]
            gscale[fold] = 1.0
        np.take(step_rows, at, axis=0, out=update, mode="clip")  # unbuffered (valid rows)
        weight = step / gscale
        update *= weight[:, None]
        h += update
        h_flat[at] += eta * weight
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
        if step_no >= 2:
            active &= previous - value > threshold
        if step_no % RENORMALISE == 0:
            z *= scale[:, None]
            h *= gscale[:, None]
            scale, gscale = np.ones(ids.size), np.ones(ids.size)
            if not active.all() and 2 * active.sum() <= ids.size:
                done = ~active
                weights_out[ids[done]] = z[done]
                iterations_out[ids[done]] = iterations[done]
                value_out[ids[done]] = value[done]
                if not active.any():
                    return SimplexSolution(weights_out, iterations_out, value_out)
                (ids, h, z, rows, c, diag, xx, xgx, cx, value, iterations, eta, zeta2, bb,
                 n_rows, threshold, scale, gscale) = (
                    a[active] for a in (ids, h, z, rows, c, diag, xx, xgx, cx, value,
                                        iterations, eta, zeta2, bb, n_rows, threshold, scale,
                                        gscale))
                active = np.ones(ids.size, dtype=bool)
    weights_out[ids] = z * scale[:, None]
    iterations_out[ids] = iterations
    value_out[ids] = value
    return SimplexSolution(weights=weights_out, iterations=iterations_out, objective=value_out)


def solve_sparse(problems: SimplexProblems, start: np.ndarray, *,
                 min_decrease: float | np.ndarray, max_iter: int,
                 sparse: bool = True) -> SimplexSolution:
    """R synthdid's two rounds: 100 steps, sparsify, then up to ``max_iter`` steps."""
    if not sparse:
        return solve(problems, start, min_decrease=min_decrease, max_iter=max_iter)
    return _in_chunks(problems, start, min_decrease,
                      (min(PRE_SPARSIFY_ITERATIONS, max_iter), max_iter))
