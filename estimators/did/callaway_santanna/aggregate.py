"""Aggregations of ATT(g,t) and the pre-test of parallel trends, as R ``did::aggte``.

Each aggregate is a weighted sum of cells, ``theta = sum_k w_k ATT_k``, whose influence function
is ``Psi[:, k] @ w`` plus, when the weights are estimated cohort shares, the influence of the
weights (R's ``wif``):  with ``pi_k`` the share of units in cell k's cohort,

    d w_k = (1{G=g_k} - pi_k) / sum(pi) - pi_k * sum_j (1{G=g_j} - pi_j) / sum(pi)^2 .

* ``simple``: post-treatment cells (g <= t) weighted by cohort size;
* ``group``: per cohort the mean of its post-treatment cells; overall = cohort-size-weighted mean;
* ``dynamic``: per event time e = t - g the cohort-size-weighted mean; overall = mean over e >= 0;
  ``balance_e`` keeps only cohorts observed for e = 0..balance_e;
* ``calendar``: per period the cohort-size-weighted mean of treated cells; overall = their mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pilot_eval.estimators.did.callaway_santanna.attgt import ZERO_SE, GroupTimeCells, cluster_sums
from pilot_eval.estimators.inference.distributions import chi2_sf


@dataclass(frozen=True)
class Combination:
    """One aggregate: its value (``label``), estimate and influence function over units."""

    label: float | None
    estimate: float
    influence: np.ndarray


@dataclass(frozen=True)
class AggregateParts:
    """An aggregation before inference: the overall combination and its rows."""

    kind: str
    overall: Combination
    rows: tuple[Combination, ...]


@dataclass(frozen=True)
class PretestParts:
    """Wald pre-test of the pre-treatment ATT(g,t) (None entries: not computable, see reason)."""

    statistic: float | None
    df: int
    p_value: float | None
    reason: str | None


def cohort_shares(cells: GroupTimeCells, cohort: np.ndarray) -> np.ndarray:
    """Share of all units in each cell's cohort (R's ``pg``)."""
    groups, counts = np.unique(cohort, return_counts=True)
    share = dict(zip(groups.tolist(), (counts / len(cohort)).tolist(), strict=True))
    return np.array([share.get(g, 0.0) for g in cells.group])


def weight_influence(keep: np.ndarray, shares: np.ndarray, groups: np.ndarray,
                     cohort: np.ndarray, estimates: np.ndarray) -> np.ndarray:
    """``wif @ estimates[keep]``: the influence of estimating the cohort-share weights.

    R's ``wif`` is an n x len(keep) matrix; only its product with the estimates is ever used,
    and a unit's row depends only on its cohort, so the product is built per cohort in O(n).
    """
    pk, est = shares[keep], estimates[keep]
    total = pk.sum()
    labels, code = np.unique(cohort, return_inverse=True)
    position = np.searchsorted(labels, groups[keep])
    found = (position < len(labels)) & (labels[np.minimum(position, len(labels) - 1)]
                                        == groups[keep])
    est_by_cohort = np.bincount(position[found], weights=est[found], minlength=len(labels))
    count_by_cohort = np.bincount(position[found], minlength=len(labels)).astype(float)
    first = (est_by_cohort[code] - np.sum(pk * est)) / total
    second = (count_by_cohort[code] - pk.sum()) * np.sum(pk * est) / total**2
    return first - second


def combine(estimates: np.ndarray, influence: np.ndarray, keep: np.ndarray, weights: np.ndarray,
            wif: np.ndarray | None = None, label: float | None = None) -> Combination:
    """``sum(w * estimate)`` over ``keep`` with its influence function (plus ``wif``)."""
    value = float(np.sum(weights * estimates[keep]))
    psi = np.zeros(influence.shape[0]) if wif is None else wif.copy()
    for column, weight in zip(keep, weights, strict=True):
        psi += weight * influence[:, column]
    return Combination(label, value, psi)


def share_weighted(cells: GroupTimeCells, shares: np.ndarray, cohort: np.ndarray,
                   keep: np.ndarray, label: float | None) -> Combination:
    """Cohort-size-weighted mean of the cells in ``keep``, with the weights' influence."""
    w = shares[keep] / shares[keep].sum()
    wif = weight_influence(keep, shares, cells.group, cohort, cells.estimate)
    return combine(cells.estimate, cells.influence, keep, w, wif, label)


def equal_mean(rows: list[Combination], label: float | None = None) -> Combination:
    """Plain mean of already-aggregated rows (no estimated weights)."""
    estimate = float(np.mean([r.estimate for r in rows]))
    psi = np.zeros_like(rows[0].influence)
    for row in rows:
        psi += row.influence
    return Combination(label, estimate, psi / len(rows))


def simple(cells: GroupTimeCells, cohort: np.ndarray) -> AggregateParts:
    shares = cohort_shares(cells, cohort)
    keep = np.flatnonzero(cells.group <= cells.time)
    return AggregateParts("simple", share_weighted(cells, shares, cohort, keep, None), ())


def by_group(cells: GroupTimeCells, cohort: np.ndarray) -> AggregateParts:
    glist = np.unique(cells.group)
    rows = []
    for g in glist:
        keep = np.flatnonzero((cells.group == g) & (cells.time >= g))
        w = np.full(len(keep), 1.0 / len(keep))
        rows.append(combine(cells.estimate, cells.influence, keep, w, None, float(g)))
    group_share = np.array([np.mean(cohort == g) for g in glist])
    estimates = np.array([r.estimate for r in rows])
    psi = np.asfortranarray(np.column_stack([r.influence for r in rows]))
    everyone = np.arange(len(glist))
    wif = weight_influence(everyone, group_share, glist, cohort, estimates)
    overall = combine(estimates, psi, everyone, group_share / group_share.sum(), wif, None)
    return AggregateParts("group", overall, tuple(rows))


def event_times(cells: GroupTimeCells, balance_e: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Event times to report and the cells allowed in (R's ``include.balanced.gt``)."""
    e = cells.time - cells.group
    include = np.ones(len(e), bool)
    eseq = np.unique(e)
    if balance_e is not None:
        last, first = cells.time.max(), cells.time.min()
        include = (last - cells.group) >= balance_e
        eseq = np.unique(e[include])
        eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - last + first)]
    return eseq, include


def dynamic(cells: GroupTimeCells, cohort: np.ndarray, balance_e: int | None) -> AggregateParts:
    shares = cohort_shares(cells, cohort)
    eseq, include = event_times(cells, balance_e)
    e = cells.time - cells.group
    rows = [
        share_weighted(cells, shares, cohort, np.flatnonzero((e == ev) & include), float(ev))
        for ev in eseq
    ]
    post = [r for r in rows if r.label is not None and r.label >= 0]
    overall = equal_mean(post) if post else Combination(None, np.nan, np.zeros(len(cohort)))
    return AggregateParts("dynamic", overall, tuple(rows))


def calendar(cells: GroupTimeCells, cohort: np.ndarray) -> AggregateParts:
    shares = cohort_shares(cells, cohort)
    periods = np.unique(cells.time[cells.time >= cells.group.min()])
    rows = [
        share_weighted(cells, shares, cohort,
                       np.flatnonzero((cells.time == t) & (cells.group <= t)), float(t))
        for t in periods
    ]
    return AggregateParts("calendar", equal_mean(rows), tuple(rows))


def aggregate_all(cells: GroupTimeCells, cohort: np.ndarray,
                  balance_e: int | None) -> tuple[AggregateParts, ...]:
    """The four aggregations, in the order simple, group, dynamic, calendar."""
    return (simple(cells, cohort), by_group(cells, cohort), dynamic(cells, cohort, balance_e),
            calendar(cells, cohort))


SINGULAR_PRETEST = "singular covariance of pre-treatment effects"


def pretest(cells: GroupTimeCells, se: np.ndarray,
            clusters: np.ndarray | None = None) -> PretestParts:
    """Wald test that all pre-treatment ATT(g,t) (g > t) are zero: ``W = n a' V^-1 a``.

    ``V = S'S / n`` with ``S`` the influence functions (summed within clusters when given).
    """
    pre = np.flatnonzero((cells.group > cells.time) & np.isfinite(se) & (se > ZERO_SE))
    if len(pre) == 0:
        return PretestParts(None, 0, None, "no pre-treatment periods to test")
    estimates = cells.estimate[pre]
    if not np.all(np.isfinite(estimates)):
        return PretestParts(None, len(pre), None, "some pre-treatment ATT(g,t) are missing")
    n = cells.n_units
    psi = cluster_sums(cells.influence[:, pre], clusters)
    # V = S'S / n has rank <= the rows of S: with fewer clusters than pre-treatment cells it is
    # singular whatever its entries, so skip forming and inverting it (975 x 975 on 500 teams).
    if psi.shape[0] < psi.shape[1]:
        return PretestParts(None, len(pre), None, SINGULAR_PRETEST)
    v = np.einsum("ij,ik->jk", psi, psi) / n
    if 1.0 / np.linalg.cond(v, 1) <= np.finfo(float).eps:
        return PretestParts(None, len(pre), None, SINGULAR_PRETEST)
    statistic = float(n * estimates @ np.linalg.solve(v, estimates))
    return PretestParts(statistic, len(pre), float(chi2_sf(statistic, len(pre))), None)
