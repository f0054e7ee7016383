"""``np.unique(..., return_inverse=True)`` and ``np.searchsorted`` for long arrays with few
distinct values, by hashing them once instead of sorting or searching every element.

Survival times of a million start-stop rows take a few thousand distinct values (days or
months); sorting the million values (``np.unique``) or binary-searching each of them in a grid
(``np.searchsorted``, a cache miss per step) costs five to ten times more than hashing them
(``pd.factorize``) and working on the distinct values alone. The answers are the same arrays,
element for element: the fast path is taken only where it cannot differ (no NaN; no zero of
both signs, whose order ``np.unique`` leaves to its sort), and otherwise numpy is called.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

HASH_MIN_SIZE = 50_000
"""Arrays shorter than this go straight to numpy (hashing does not pay off)."""
SAMPLE = 16_384
"""Elements hashed first: an array whose first ``SAMPLE`` are nearly all distinct (more than
``SAMPLE_DISTINCT_SHARE`` of them; identifiers, continuous values) goes to numpy unhashed."""
SAMPLE_DISTINCT_SHARE = 0.9
MAX_DISTINCT_SHARE = 0.25
"""Above this share of distinct values in the whole array, numpy's sort or search is as quick.
(A sample overstates the share: 8,400 distinct days among two million dates are 44% of the
first 16,384.)"""


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(codes, distinct values in order of appearance)``, or None where numpy must decide."""
    if values.ndim != 1 or values.size < HASH_MIN_SIZE or values.dtype.kind not in "fiu":
        return None
    if pd.unique(values[:SAMPLE]).size > SAMPLE_DISTINCT_SHARE * SAMPLE:
        return None
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if uniques.size > MAX_DISTINCT_SHARE * values.size or (codes.size and codes.min() < 0):
        return None  # many distinct values, or NaN
    if values.dtype.kind == "f" and (uniques == 0).any():
        zeros = np.signbit(values[values == 0])
        if zeros.any() and not zeros.all():
            return None  # 0.0 and -0.0: np.unique keeps whichever its sort puts first
    return codes, uniques


def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` (sorted distinct values, each element's
    index among them), the same arrays, by hashing when the values repeat."""
    values = np.asarray(values)
    found = _distinct(values)
    if found is None:
        distinct, inverse = np.unique(values, return_inverse=True)
        return distinct, inverse.reshape(values.shape)
    codes, uniques = found
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(order.size, dtype=np.intp)
    rank[order] = np.arange(order.size)
    return uniques[order], rank[codes]


def search(grid: np.ndarray, values: np.ndarray, side: str = "left") -> np.ndarray:
    """``np.searchsorted(grid, values, side=side)``, searching each distinct value once."""
    values = np.asarray(values)
    found = _distinct(values)
    if found is None:
        return np.searchsorted(grid, values, side=side)
    codes, uniques = found
    return np.searchsorted(grid, uniques, side=side)[codes]


def count_distinct(values: np.ndarray) -> int:
    """``np.unique(values).size`` of numbers (hashing, no sort; like ``np.unique``, hashing
    counts 0.0 and -0.0 once and every NaN as one value)."""
    values = np.asarray(values)
    if values.dtype.kind not in "fiu":
        return int(np.unique(values).size)
    return int(pd.unique(values.reshape(-1)).size)
