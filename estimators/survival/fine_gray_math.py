"""The Fine-Gray (1999) subdistribution hazards model: censoring-weighted risk sets, the
Breslow pseudo-likelihood with its derivatives, and the sandwich variance of R ``cmprsk::crr``.

Notation (rows need not be sorted): ``T_i`` the exit time, ``c_i`` = 1 for the event of
interest, 2 for a competing event, 0 for censored; ``t_k`` the distinct event times of the
cause, ``d_k`` the events at ``t_k``; ``G`` the Kaplan-Meier estimate of the censoring
distribution (censored rows are its "events") and ``G(t-)`` its left limit.

At ``t_k`` a row is in the subdistribution risk set with weight

* 1 while ``T_i >= t_k`` (still followed);
* ``G(t_k-) / G(T_i-)`` after a competing event (``c_i = 2``, ``T_i < t_k``): it stays, with
  its chance of not having been censored since;
* 0 after censoring or after the event of interest.

``S0_k = sum_i w_ik e^{x_i'b}`` (``S1``, ``S2`` with ``x``, ``xx'``) is a reverse cumulative sum
over the followed rows plus ``G(t_k-)`` times a forward cumulative sum over the competing rows,
so one evaluation costs ``O(n p^2)`` whatever the number of events and ties (crr loops over
all rows for every event time: ``O(n^2)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pilot_eval.estimators.survival.lookup import search

CAUSE = 1
COMPETING = 2
CENSORED = 0


@dataclass(frozen=True)
class FineGrayData:
    """Validated arrays of one fit, sorted by exit time (ties keep their input order)."""

    time: np.ndarray  # exit times, ascending
    code: np.ndarray  # 1 cause, 2 competing, 0 censored
    x: np.ndarray  # n x p covariates
    names: tuple[str, ...]
    cluster: np.ndarray | None  # integer cluster codes (None: every row its own)
    order: np.ndarray  # position of each sorted row in the input


@dataclass(frozen=True)
class RiskSets:
    """Weights that do not depend on the coefficients (computed once per fit)."""

    grid: np.ndarray  # t_k, the distinct event times of the cause
    d: np.ndarray  # events of the cause at each t_k
    first_at_risk: np.ndarray  # per t_k: first sorted row with T >= t_k
    g_grid: np.ndarray  # G(t_k-)
    g_own: np.ndarray  # per row: G(T_i-)
    competing: np.ndarray  # per row: bool, a competing event
    k_row: np.ndarray  # per row: number of t_k <= T_i


def censoring_left_limit(time: np.ndarray, code: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``G(t-)``: the Kaplan-Meier survival of the censoring times just before each ``at``.

    Censored rows are the censoring distribution's events; rows leaving for any event are its
    censored observations (R ``survfit(Surv(ftime, fstatus == cencode) ~ 1)``, as crr)."""
    distinct, first = np.unique(time, return_index=True)
    n_risk = time.size - first  # time is sorted: rows from ``first`` on are still followed
    censored = np.bincount(search(distinct, time[code == CENSORED]), minlength=distinct.size)
    survival = np.cumprod(1.0 - censored / n_risk)
    before = np.concatenate(([1.0], survival))
    return before[search(distinct, at, side="left")]


def risk_sets(data: FineGrayData) -> RiskSets:
    time, code = data.time, data.code
    grid, d = np.unique(time[code == CAUSE], return_counts=True)
    return RiskSets(grid=grid, d=d.astype(float),
                    first_at_risk=np.searchsorted(time, grid, side="left"),
                    g_grid=censoring_left_limit(time, code, grid),
                    g_own=censoring_left_limit(time, code, time),
                    competing=code == COMPETING,
                    k_row=search(grid, time, side="right"))


def _at_grid(sets: RiskSets, values: np.ndarray) -> np.ndarray:
    """``sum_i w_ik values_i`` for every ``t_k`` (``values``: n x m) -> K x m.

    The cumulative sums run along contiguous rows of the transposed values, and only the
    competing rows enter the second (the others add zero): the same sums in the same order.
    """
    values = values.reshape(values.shape[0], -1)
    return _at_grid_columns(sets, np.array(values.T, order="C"))  # a copy: summed in place


def _at_grid_columns(sets: RiskSets, columns: np.ndarray) -> np.ndarray:
    """``_at_grid`` of the values given already transposed (m x n, C-contiguous).

    ``columns`` is used up: its sums over rows ``j >= i`` are taken in place (a million rows
    by ten columns would otherwise need a second array of the same size).
    """
    first = sets.first_at_risk
    inside = first < columns.shape[1]
    followed = np.zeros((first.size, columns.shape[0]))
    before = np.zeros_like(followed)
    competing = np.flatnonzero(sets.competing)
    if competing.size:  # before the sums below overwrite the columns
        shares = columns[:, competing]
        np.divide(shares, sets.g_own[competing], out=shares)
        np.cumsum(shares, axis=1, out=shares)
        count = np.searchsorted(competing, first, side="left")  # competing rows before first
        some = count > 0
        before[some] = shares[:, count[some] - 1].T
    backwards = columns[:, ::-1]
    np.cumsum(backwards, axis=1, out=backwards)  # columns[:, i] = sum over rows j >= i
    followed[inside] = columns[:, first[inside]].T
    return followed + sets.g_grid[:, None] * before


@dataclass(frozen=True)
class Parts:
    """Pseudo-log-likelihood, score and information at ``beta``, with the risk-set means."""

    loglik: float
    score: np.ndarray
    information: np.ndarray
    s0: np.ndarray  # per t_k
    xbar: np.ndarray  # per t_k, S1/S0
    risk: np.ndarray  # per row: exp(x'b - shift)
    shift: float


def likelihood(data: FineGrayData, sets: RiskSets, beta: np.ndarray) -> Parts:
    """Breslow ties: ``l(b) = sum_k [sum_{i in D_k} x_i'b - d_k log S0_k]`` (crr's ``crrfsv``)."""
    x = data.x
    p = x.shape[1]
    eta = x @ beta
    shift = float(eta.max())
    risk = np.exp(eta - shift)
    upper = np.triu_indices(p)
    # the columns risk, risk x_a, risk x_a x_b (a <= b), built transposed for the row-wise
    # cumulative sums (the same products as ``risk[:, None] * x[:, a] * x[:, b]``)
    x_rows = x.T
    columns = np.empty((1 + p + upper[0].size, x.shape[0]))
    columns[0] = risk
    np.multiply(risk, x_rows, out=columns[1:1 + p])
    for k, (a, b) in enumerate(zip(*upper, strict=True)):  # (risk x_a) x_b, no temporaries
        np.multiply(columns[1 + a], x_rows[b], out=columns[1 + p + k])
    sums = _at_grid_columns(sets, columns)
    s0, s1 = sums[:, 0], sums[:, 1:1 + p]
    s2 = np.zeros((sums.shape[0], p, p))
    s2[:, upper[0], upper[1]] = sums[:, 1 + p:]
    s2[:, upper[1], upper[0]] = sums[:, 1 + p:]
    cause = data.code == CAUSE
    xbar = s1 / s0[:, None]
    loglik = float(eta[cause].sum() - (sets.d * (np.log(s0) + shift)).sum())
    score = x[cause].sum(axis=0) - (sets.d[:, None] * xbar).sum(axis=0)
    information = (np.einsum("k,kab->ab", sets.d / s0, s2)
                   - np.einsum("k,ka,kb->ab", sets.d, xbar, xbar))
    return Parts(loglik, score, information, s0, xbar, risk, shift)


def influence(data: FineGrayData, sets: RiskSets, parts: Parts) -> np.ndarray:
    """Each row's term ``eta_i + psi_i`` of the score's influence function (rows x p), as
    crr's ``crrvv`` (Fine & Gray 1999, section 3).

    ``eta_i = int (x_i - xbar) w_i dM_i``: the row's own event (``x_i - xbar(T_i)``) minus its
    share of every event while it is in the risk set, ``w_ik e^{x_i'b} (x_i - xbar_k) d_k/S0_k``.
    ``psi_i = int q(u)/R(u) dM^c_i(u)`` accounts for the estimated censoring weights:
    ``q(u) = sum_{t_k >= u} (d_k G(t_k-)/S0_k) sum_{j competing, T_j < u} e^{x_j'b}/G(T_j-)
    (x_j - xbar_k)``, ``R(u)`` the rows followed at ``u`` and ``M^c`` the censoring martingale.
    """
    x, code = data.x, data.code
    p = x.shape[1]
    risk = parts.risk  # e^{x'b - shift}; S0 shares the shift, so risk/S0 is exact
    h = sets.d / parts.s0  # hazard jumps (per unit of e^{x'b - shift})
    hx = h[:, None] * parts.xbar
    zero = np.zeros((1, p))
    cum_h = np.concatenate(([0.0], np.cumsum(h)))
    cum_hx = np.vstack([zero, np.cumsum(hx, axis=0)])
    k = sets.k_row  # events of the cause at or before T_i
    out = -risk[:, None] * (x * cum_h[k, None] - cum_hx[k])
    cause = code == CAUSE
    out[cause] += x[cause] - parts.xbar[k[cause] - 1]
    # after a competing event the row stays with weight G(t_k-)/G(T_i-)
    a = sets.g_grid * h
    ax = a[:, None] * parts.xbar
    tail_a = np.concatenate((np.cumsum(a[::-1])[::-1], [0.0]))  # sum over t_k >= grid[j]
    tail_ax = np.vstack([np.cumsum(ax[::-1], axis=0)[::-1], zero])
    comp = sets.competing
    scale = risk[comp] / sets.g_own[comp]
    after = sets.k_row[comp]  # first t_k > T_i
    out[comp] -= scale[:, None] * (x[comp] * tail_a[after, None] - tail_ax[after])
    return out + _censoring_terms(data, sets, tail_a, tail_ax, risk)


def _censoring_terms(data: FineGrayData, sets: RiskSets, tail_a: np.ndarray,
                     tail_ax: np.ndarray, risk: np.ndarray) -> np.ndarray:
    """``psi_i``: ``q(T_i)/R(T_i)`` if row i is censored, minus ``sum_{u <= T_i} q(u) m(u)/R(u)^2``
    over the censoring times ``u`` (``m(u)`` rows censored there)."""
    x, time, code = data.x, data.time, data.code
    p = x.shape[1]
    out = np.zeros_like(x)
    censored = code == CENSORED
    if not censored.any() or not sets.competing.any():
        return out  # q(u) = 0 without competing events
    u, m = np.unique(time[censored], return_counts=True)
    followed = time.size - np.searchsorted(time, u, side="left")  # R(u)
    # P0, P1: sums over competing rows with T_j < u of e^{x'b}/G(T_j-) (times x_j)
    weight = np.where(sets.competing, risk / sets.g_own, 0.0)
    cum_p = np.vstack([np.zeros((1, p + 1)),
                       np.cumsum(np.column_stack([weight, weight[:, None] * x]), axis=0)])
    below = cum_p[np.searchsorted(time, u, side="left")]
    first_k = np.searchsorted(sets.grid, u, side="left")  # first t_k >= u
    q = below[:, 1:] * tail_a[first_k, None] - below[:, :1] * tail_ax[first_k]
    step = np.vstack([np.zeros((1, p)), np.cumsum(q * (m / followed**2)[:, None], axis=0)])
    out -= step[search(u, time, side="right")]
    at = search(u, time[censored])
    out[censored] += q[at] / followed[at, None]
    return out


def sandwich(information_inverse: np.ndarray, terms: np.ndarray,
             cluster: np.ndarray | None) -> np.ndarray:
    """``I^{-1} (sum_g U_g U_g') I^{-1}`` with ``U_g`` the sum of the terms in cluster ``g``
    (each row its own cluster when ``cluster`` is None, as crr)."""
    if cluster is not None:
        size = int(cluster.max()) + 1
        terms = np.column_stack([np.bincount(cluster, weights=terms[:, a], minlength=size)
                                 for a in range(terms.shape[1])])
    meat = terms.T @ terms
    return information_inverse @ meat @ information_inverse


def baseline_jumps(sets: RiskSets, parts: Parts) -> np.ndarray:
    """Jumps of the baseline cumulative subdistribution hazard at each ``t_k`` (``x = 0``):
    ``d_k / S0_k(b)`` (crr's ``bfitj``)."""
    return sets.d / (parts.s0 * np.exp(parts.shift))
