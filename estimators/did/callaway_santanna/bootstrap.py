"""Multiplier bootstrap for Callaway & Sant'Anna, as R ``did::mboot`` (unit-level clustering).

Each draw multiplies every unit's influence function by a Rademacher weight (+1 or -1 with
probability 1/2 -- the weights of ``BMisc::multiplier_bootstrap``, which R ``did`` 2.x uses) and
averages: ``b = sqrt(n) * mean_i(U_i * psi_i)``.  Standard errors are the robust scale of the
draws, ``IQR(b) / (z_.75 - z_.25) / sqrt(n)``.  With clusters (R's ``clustervars``) the weights
are drawn per cluster and applied to the cluster sums ``S_c``: ``b = sqrt(G) * mean_c(U_c S_c)``
and ``se = IQR(b) / (z_.75 - z_.25) * sqrt(G) / n``; the simultaneous (sup-t) critical value is the
``level`` quantile of ``max_k |b_k / sigma_k|`` over the columns.  Quantiles are R's type 1
(inverse of the empirical distribution function).

One set of weights (from ``seed``) is drawn per fit and shared by the ATT(g,t) and every
aggregation, so results are reproducible and mutually consistent; R draws afresh per call, so
bootstrap SEs match R's only up to simulation noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pilot_eval.estimators.did.callaway_santanna.attgt import ZERO_SE
from pilot_eval.estimators.inference.distributions import norm_ppf

CHUNK_ELEMENTS = 4_000_000  # draws x units per block, to bound memory on large panels
IQR_TO_SD = float(norm_ppf(0.75) - norm_ppf(0.25))


@dataclass(frozen=True)
class BootstrapDraws:
    """Draws (iterations x columns) of ``sqrt(n) * mean(U * psi)`` for one influence matrix."""

    draws: np.ndarray
    n_units: int
    n_clusters: int


@dataclass(frozen=True)
class BootstrapInference:
    """Bootstrap SEs (NaN for degenerate columns) and the sup-t critical value."""

    se: np.ndarray
    critical_value: float


def rademacher_draws(sums: np.ndarray, iterations: int, seed: int | None,
                     n_units: int) -> BootstrapDraws:
    """Rademacher multiplier draws for every column of ``sums`` (G clusters x k).

    ``sums`` is the influence matrix itself (one cluster per unit) or its cluster sums.
    """
    g = sums.shape[0]
    rng = np.random.default_rng(seed)
    out = np.empty((iterations, sums.shape[1]))
    step = max(1, CHUNK_ELEMENTS // max(g, 1))
    for start in range(0, iterations, step):
        stop = min(iterations, start + step)
        signs = rng.integers(0, 2, size=(stop - start, g), dtype=np.int8) * 2 - 1
        out[start:stop] = signs.astype(float) @ sums / np.sqrt(g)
    return BootstrapDraws(out, n_units, g)


def draw_columns(draws: BootstrapDraws, start: int, stop: int) -> BootstrapDraws:
    """The draws of columns ``start:stop`` (one influence matrix of a shared draw)."""
    return BootstrapDraws(draws.draws[:, start:stop], draws.n_units, draws.n_clusters)


def type1_quantile(values: np.ndarray, prob: float) -> float:
    """R ``quantile(type=1)``: the smallest value whose empirical CDF is at least ``prob``."""
    ordered = np.sort(values)
    index = int(np.ceil(prob * len(ordered))) - 1
    return float(ordered[min(max(index, 0), len(ordered) - 1)])


def bootstrap_inference(draws: BootstrapDraws, level: float) -> BootstrapInference:
    """IQR-based SEs and the simultaneous critical value from the draws."""
    b = draws.draws
    sigma = np.array([
        (type1_quantile(col, 0.75) - type1_quantile(col, 0.25)) / IQR_TO_SD for col in b.T
    ])
    usable = np.isfinite(sigma) & (np.sum(b**2, axis=0) > ZERO_SE) & (sigma > ZERO_SE)
    se = np.where(usable, sigma * np.sqrt(draws.n_clusters) / draws.n_units, np.nan)
    if usable.any():
        sup_t = np.max(np.abs(b[:, usable] / sigma[usable]), axis=1)
        critical = type1_quantile(sup_t[np.isfinite(sup_t)], level)
    else:
        critical = float("nan")
    return BootstrapInference(se, critical)
