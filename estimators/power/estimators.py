"""The pilot's estimators, vectorised over simulated replications of one planned design.

Every replication is a balanced panel (teams x months) with the same pilot assignment, so the
treatment pattern is fixed and only the outcome changes: ``y`` has shape ``(reps, teams,
months)``.  Each function returns per-replication estimates and standard errors that equal the
full estimators' on the same panel (checked in the tests against ``TwoWayFixedEffects`` and
``CallawaySantAnna``):

* ``twfe_batch``: static two-way fixed effects, cluster-robust (CR1) by team with the fixest
  small-sample factor ``G/(G-1) (N-1)/(N-K)``, ``K = months + 1`` (team effects nested in the
  clusters), t with ``G - 1`` degrees of freedom;
* ``callaway_santanna_batch``: Callaway & Sant'Anna's simple ATT with never-treated comparison
  teams, no covariates, varying base period and no anticipation (R ``did`` defaults); its
  influence-function standard error including the estimated cohort-share weights; normal
  critical values.

Synthetic DiD's batch fit lives with its family (``did.synthetic.power_batch``, passed in as
a ``BatchFitter``): the shared modules do not import the estimator families.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pilot_eval.estimators.errors import EstimationError


@dataclass(frozen=True)
class BatchFit:
    """Estimates and standard errors of one estimator over replications; ``df`` None = normal."""

    estimate: np.ndarray
    se: np.ndarray
    df: int | None


def twfe_batch(y: np.ndarray, treatment: np.ndarray) -> BatchFit:
    """Two-way fixed effects on each balanced panel ``y[r]`` with a fixed 0/1 ``treatment``."""
    reps, g, t = y.shape
    d = treatment - treatment.mean(axis=1, keepdims=True) - treatment.mean(axis=0, keepdims=True)
    d = d + treatment.mean()
    dd = float(np.sum(d * d))
    if dd <= 1e-12:
        raise EstimationError("the planned treatment is collinear with the team and month "
                              "effects: every pilot team needs months before its start")
    yt = (y - y.mean(axis=2, keepdims=True) - y.mean(axis=1, keepdims=True)
          + y.mean(axis=(1, 2), keepdims=True))
    beta = np.einsum("rgt,gt->r", yt, d) / dd
    resid = yt - beta[:, None, None] * d[None]
    scores = np.einsum("rgt,gt->rg", resid, d)
    n, k = g * t, t + 1
    factor = g / (g - 1) * (n - 1) / (n - k)
    se = np.sqrt(factor * np.sum(scores**2, axis=1)) / dd
    return BatchFit(beta, se, g - 1)


def callaway_santanna_batch(y: np.ndarray, starts: np.ndarray) -> BatchFit:
    """Simple ATT of Callaway & Sant'Anna; ``starts[i]`` = first treated month, -1 = never."""
    reps, n, t = y.shape
    starts = np.asarray(starts)
    control = starts < 0
    n_control = int(control.sum())
    cohorts = np.unique(starts[~control])
    if n_control < 2 or len(cohorts) == 0 or cohorts.min() < 1 or cohorts.max() >= t:
        raise EstimationError("Callaway & Sant'Anna needs at least 2 never-treated teams and "
                              "every pilot start after the first month and within the window")
    mu_c_cache: dict[int, np.ndarray] = {}
    cells_att, cells_psi, cells_group = [], [], []
    for g in cohorts:
        members = starts == g
        n_g = int(members.sum())
        base = y[:, :, g - 1]
        for time in range(g, t):
            delta = y[:, :, time] - base
            mu_g = delta[:, members].mean(axis=1)
            key = (g - 1) * t + time
            if key not in mu_c_cache:
                mu_c_cache[key] = delta[:, control].mean(axis=1)
            mu_c = mu_c_cache[key]
            psi = np.zeros((reps, n))
            psi[:, members] = (n / n_g) * (delta[:, members] - mu_g[:, None])
            psi[:, control] = -(n / n_control) * (delta[:, control] - mu_c[:, None])
            cells_att.append(mu_g - mu_c)
            cells_psi.append(psi)
            cells_group.append(g)
    att = np.stack(cells_att, axis=1)                       # (reps, cells)
    group = np.array(cells_group)
    share = np.array([np.mean(starts == g) for g in group])
    total = share.sum()
    weights = share / total
    estimate = att @ weights
    psi = np.einsum("kri,k->ri", np.stack(cells_psi), weights)
    in_cohort = (starts[None, :] == group[:, None]).astype(float)   # (cells, n)
    deviation = in_cohort - share[:, None]
    wif = (att @ deviation) / total - (deviation.sum(axis=0)[None, :]
                                       * (att @ share)[:, None]) / total**2
    psi = psi + wif
    se = np.sqrt(np.sum(psi**2, axis=1)) / n
    return BatchFit(estimate, se, None)


__all__ = ["BatchFit", "callaway_santanna_batch", "twfe_batch"]
