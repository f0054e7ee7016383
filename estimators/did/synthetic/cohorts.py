"""Staggered adoption cohort by cohort, and covariates by projection, as Stata ``sdid``.

Each cohort (units whose pilot starts in the same period) is compared with the never-treated
units over the whole panel as one block design; the overall effect averages the cohort
estimates with weights ``N1_a T1_a`` (treated units times post periods), so that it is the
average over every treated unit-period (Clarke, Pailanir, Athey & Imbens 2023, Section 2.2;
Arkhangelsky et al. 2021, Appendix A).  With one cohort this is exactly the block design of R
``synthdid``.

Covariates are handled as ``sdid``'s ``covariates(..., projected)`` (Kranz 2022): the outcome
is regressed on the covariates with unit and period fixed effects using the never-treated
units only, and the fitted covariate part ``X beta`` is removed from every unit's outcome
before the weights are found.

A *replication* (a placebo or bootstrap draw) is a list of blocks; blocks of the same shape
from all replications are solved together.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from pilot_eval.estimators.did.synthetic.block import (
    MAX_ITER,
    Regularisation,
    estimate,
    fit_block,
    fit_ragged,
    regularisation,
)
from pilot_eval.estimators.errors import EstimationError


@dataclass(frozen=True)
class Block:
    """One cohort's block: rows ``controls`` then ``treated`` of the panel, split at ``t0``."""

    cohort: int
    controls: np.ndarray
    treated: np.ndarray
    t0: int
    reg: Regularisation | None = None
    omega_start: np.ndarray | None = None
    lambda_start: np.ndarray | None = None

    @property
    def weight(self) -> float:
        return float(self.treated.size)


@dataclass(frozen=True)
class BlockResult:
    """A fitted block: its weights, estimate and the regularisation used."""

    block: Block
    omega: np.ndarray
    lambda_: np.ndarray
    tau: float
    reg: Regularisation


def cohort_blocks(start: np.ndarray, controls: np.ndarray | None = None) -> list[Block]:
    """One block per start period, against the never-treated units (in index order)."""
    never = np.flatnonzero(start < 0) if controls is None else controls
    return [Block(cohort=int(c), controls=never, treated=np.flatnonzero(start == c), t0=int(c))
            for c in np.unique(start[start >= 0])]


def fit_blocks(y: np.ndarray | list[np.ndarray], blocks: list[Block], method: str, *,
               max_iter: int = MAX_ITER, sparse: bool = True) -> list[BlockResult]:
    """Fit every block; ``y`` is one panel, or one panel per block (a replication's own).

    Blocks without a fixed ``reg`` get the default regularisation of their own data.
    """
    panels = y if isinstance(y, list) else [y] * len(blocks)
    groups: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for j, blk in enumerate(blocks):
        groups[(blk.controls.size, blk.treated.size, blk.t0)].append(j)
    out: list[BlockResult | None] = [None] * len(blocks)
    if len(groups) > 1 and all(b.reg is not None for b in blocks):
        # replications of different sizes (bootstrap draws): solved together, padded
        by_start: dict[int, list[int]] = defaultdict(list)
        for j, blk in enumerate(blocks):
            by_start[blk.t0].append(j)
        regs = [b.reg for b in blocks if b.reg is not None]
        for t0, members in by_start.items():
            rows = [np.concatenate([blocks[j].controls, blocks[j].treated]) for j in members]
            fits = fit_ragged([panels[j][r] for j, r in zip(members, rows, strict=True)],
                              [blocks[j].controls.size for j in members], t0, method,
                              [regs[j] for j in members],
                              omega_starts=[blocks[j].omega_start for j in members],
                              lambda_starts=[blocks[j].lambda_start for j in members],
                              max_iter=max_iter, sparse=sparse)
            for j, (omega, lambda_, tau) in zip(members, fits, strict=True):
                out[j] = BlockResult(blocks[j], omega, lambda_, tau, regs[j])
        return [r for r in out if r is not None]
    for (n0, _, t0), members in groups.items():
        mats = np.stack([panels[j][np.concatenate([blocks[j].controls, blocks[j].treated])]
                         for j in members])
        regs = [blocks[j].reg or regularisation(m, n0, t0, method)
                for j, m in zip(members, mats, strict=True)]
        omega_start = _starts([blocks[j].omega_start for j in members], n0)
        lambda_start = _starts([blocks[j].lambda_start for j in members], t0)
        fit = fit_block(mats, n0, t0, method, regs, omega_start=omega_start,
                        lambda_start=lambda_start, max_iter=max_iter, sparse=sparse)
        for pos, j in enumerate(members):
            out[j] = BlockResult(blocks[j], fit.omega[pos], fit.lambda_[pos],
                                 float(fit.tau[pos]), regs[pos])
    return [r for r in out if r is not None]


def _starts(values: list[np.ndarray | None], size: int) -> np.ndarray | None:
    if all(v is None for v in values):
        return None
    return np.stack([np.full(size, 1.0 / size) if v is None else v for v in values])


def average(results: list[BlockResult], n_periods: int) -> tuple[float, np.ndarray]:
    """Overall effect and the cohort weights ``N1 T1 / sum(N1 T1)``."""
    sizes = np.array([r.block.treated.size * (n_periods - r.block.t0) for r in results],
                     dtype=np.float64)
    weights = sizes / sizes.sum()
    return float(weights @ np.array([r.tau for r in results])), weights


def fixed_weight_tau(y: np.ndarray, block: Block, omega: np.ndarray,
                     lambda_: np.ndarray) -> float:
    """The block estimate with given weights (jackknife: the weights are not re-estimated)."""
    rows = np.concatenate([block.controls, block.treated])
    return float(estimate(y[rows][None], block.controls.size, block.t0, omega[None],
                          lambda_[None])[0])


def sum_normalise(values: np.ndarray) -> np.ndarray:
    """Rescale to sum to one; uniform when all are zero (R ``sum_normalize``)."""
    total = values.sum()
    return values / total if total != 0 else np.full(values.size, 1.0 / values.size)


@dataclass(frozen=True)
class Projection:
    """Covariate coefficients and the outcome with ``X beta`` removed."""

    beta: np.ndarray
    y: np.ndarray


def project(y: np.ndarray, x: np.ndarray, rows: np.ndarray,
            names: tuple[str, ...] = ()) -> Projection:
    """Regress ``y`` on covariates ``x`` (C, N, T) with unit and period effects on ``rows``.

    ``rows`` are the never-treated units (repeats count as separate units, as in a bootstrap
    sample).  On a balanced panel the two-way within transform is exact.
    """
    def within(m: np.ndarray) -> np.ndarray:
        m = m - m.mean(axis=-1, keepdims=True)
        return m - m.mean(axis=-2, keepdims=True)

    ys = within(y[rows]).ravel()
    xs = np.stack([within(c[rows]).ravel() for c in x], axis=1)
    scale = np.abs(x[:, rows]).reshape(x.shape[0], -1).max(axis=1)
    flat = np.abs(xs).max(axis=0) <= 1e-12 * np.maximum(scale, 1.0)
    if flat.any():
        name = names[int(np.argmax(flat))] if names else "a covariate"
        raise EstimationError(
            f"the covariate '{name}' does not vary within the comparison units once unit and "
            "period effects are removed (it is constant, or fixed per unit or per period); "
            "drop it", column=name if names else None)
    beta = np.linalg.lstsq(xs, ys, rcond=None)[0]
    return Projection(beta=beta, y=y - np.tensordot(beta, x, axes=1))
