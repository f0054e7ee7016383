"""Exact least squares over the unit simplex: ``min |A w - b|^2`` with ``w >= 0, sum w = 1``.

The synthetic control weights of Abadie, Diamond & Hainmueller (2010).  Non-negative least
squares on the system augmented by a heavily weighted row ``M 1'w = M`` finds the support;
the equality-constrained least-squares problem on that support is then solved exactly (its
KKT system), and the Karush-Kuhn-Tucker conditions are checked for every unit left out.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import nnls

KKT_TOLERANCE = 1e-9


def simplex_least_squares(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Weights (k,) minimising ``|a w - b|^2`` on the simplex (``a`` is n x k)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    k = a.shape[1]
    if k == 1:
        return np.ones(1)
    scale = max(1.0, float(np.abs(a).max()), float(np.abs(b).max()))
    big = 1e4 * scale
    augmented = np.vstack([a, np.full((1, k), big)])
    target = np.concatenate([b, [big]])
    w, _ = nnls(augmented, target, maxiter=50 * k)
    support = w > 0
    for _ in range(k):
        exact = _on_support(a, b, support)
        if exact is None:
            break
        negative = exact < 0
        if negative.any():
            support &= ~_full(negative, support)
            continue
        full = np.zeros(k)
        full[support] = exact
        # KKT: the gradient of units left out may not be below the multiplier
        grad = a.T @ (a @ full - b)
        multiplier = grad[support].mean()
        if (grad[~support] >= multiplier - KKT_TOLERANCE * max(1.0, abs(multiplier))).all():
            return full
        support |= grad < multiplier - KKT_TOLERANCE * max(1.0, abs(multiplier))
    w = np.clip(w, 0.0, None)
    return w / w.sum()


def _full(mask_on_support: np.ndarray, support: np.ndarray) -> np.ndarray:
    out = np.zeros(support.size, dtype=bool)
    out[np.flatnonzero(support)[mask_on_support]] = True
    return out


def _on_support(a: np.ndarray, b: np.ndarray, support: np.ndarray) -> np.ndarray | None:
    """``argmin |a_S w - b|^2`` subject to ``sum w = 1`` (no sign constraint), or None."""
    s = np.flatnonzero(support)
    if s.size == 0:
        return None
    a_s = a[:, s]
    kkt = np.zeros((s.size + 1, s.size + 1))
    kkt[:s.size, :s.size] = 2.0 * a_s.T @ a_s
    kkt[:s.size, s.size] = 1.0
    kkt[s.size, :s.size] = 1.0
    rhs = np.concatenate([2.0 * a_s.T @ b, [1.0]])
    try:
        solution = np.linalg.solve(kkt, rhs)
    except np.linalg.LinAlgError:
        return None
    return solution[:s.size]
