"""Synthetic DiD over the replications of a power simulation (``estimators.power``).

``synthetic_did_fit(y, design)`` is a ``BatchFitter``: the estimate of synthetic
difference-in-differences (Arkhangelsky et al. 2021; one block per start cohort against the
never-treated teams, averaged with weights ``N1 T1`` as Stata ``sdid``) on each balanced panel
``y[r]`` of a planned design, equal to ``SyntheticDid``'s.  Its own standard error comes from
placebo replications (200 re-fits per panel), far too slow inside a power simulation, so no
per-replication standard error is returned (``se`` is NaN): the simulation then uses the spread
of the estimates across its replications without an effect, which is what the placebo standard
error estimates (Arkhangelsky et al. 2021, Algorithm 4).
"""

from __future__ import annotations

import numpy as np
from pilot_eval.estimators.did.synthetic.block import fit_block, regularisation
from pilot_eval.estimators.did.synthetic.cohorts import cohort_blocks
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.power.estimators import BatchFit
from pilot_eval.estimators.power.simulation import PlannedDesign


def synthetic_did_batch(y: np.ndarray, starts: np.ndarray) -> BatchFit:
    """Synthetic DiD estimate of each panel ``y[r]``; ``starts[i]`` = first treated month."""
    reps, _, t = y.shape
    blocks = cohort_blocks(np.asarray(starts))
    if len(blocks) == 0 or blocks[0].controls.size < 2 or min(b.t0 for b in blocks) < 2:
        raise EstimationError("synthetic DiD needs at least 2 never-treated teams and 2 months "
                              "before every pilot start")
    taus, sizes = [], []
    for block in blocks:
        mats = y[:, np.concatenate([block.controls, block.treated]), :]
        n0 = block.controls.size
        regs = [regularisation(m, n0, block.t0, "sdid") for m in mats]
        taus.append(fit_block(mats, n0, block.t0, "sdid", regs).tau)
        sizes.append(block.treated.size * (t - block.t0))
    weights = np.asarray(sizes, dtype=float) / float(sum(sizes))
    return BatchFit(np.stack(taus, axis=1) @ weights, np.full(reps, np.nan), None)


def synthetic_did_fit(y: np.ndarray, design: PlannedDesign) -> BatchFit:
    """``synthetic_did_batch`` for a planned design (a ``simulation.BatchFitter``)."""
    return synthetic_did_batch(y, design.starts())


__all__ = ["synthetic_did_batch", "synthetic_did_fit"]
