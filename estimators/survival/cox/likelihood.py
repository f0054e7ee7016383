"""Cox partial likelihood (Breslow or Efron ties) on start-stop rows: risk sets, tie sums,
log-likelihood, gradient, Hessian and score residuals.

Each function works on one stratum whose risk sets are described by ``RiskSets``: the distinct
event times (``grid``) and, for every row, the first and last grid index at which it is at
risk (``first <= j <= last`` exactly when ``entry < grid[j] <= time``). Sums over risk sets are
bincounts at ``first`` minus bincounts after ``last``, accumulated with ``cumsum``; Efron's
tie correction is summed over one entry per event (``l = 0 .. d_j - 1``), so the cost is
``O(rows * p^2 + events)`` per Newton step, whatever the number of ties.

The second half fits the model: ``CoxData`` (the numeric arrays of one fit) and ``compress``
(identical rows merged into frequency weights), Newton-Raphson with step halving
(``newton_raphson``), and ``fit_partial_likelihood``, which adds the model-based covariance,
the clustered sandwich from the score residuals (as R ``coxph(..., cluster=)``) and the
Schoenfeld residuals used by the proportional-hazards check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.survival.lookup import count_distinct, search, unique_inverse
from scipy import special

MAX_ITERATIONS = 50
STEP_TOLERANCE = 1e-10


@dataclass(frozen=True)
class RiskSets:
    """Risk-set bookkeeping of one stratum.

    Rows sharing the same (first, last) risk interval form a "pair"; sums over risk sets are
    one ``bincount`` per column onto the pairs, then two small bincounts onto the grid.
    """

    grid: np.ndarray  # distinct event times
    first: np.ndarray  # per row: first grid index at risk
    last: np.ndarray  # per row: last grid index at risk (-1: exits before the first event)
    died: np.ndarray  # per row: bool, event at its exit time
    death_rows: np.ndarray  # indices of the rows with an event
    pair: np.ndarray  # per row: index of its (first, last) interval
    pair_first: np.ndarray
    pair_last: np.ndarray
    d: np.ndarray  # events per grid time
    tie_index: np.ndarray  # per event "slot" l: its grid index
    tie_fraction: np.ndarray  # per slot: l / d_j (Efron) or 0 (Breslow)
    freq: np.ndarray  # per row: how many identical subjects it stands for
    efron: bool
    big_ties: np.ndarray  # per grid time: Efron sums in closed form (d_j >= BIG_TIE)


BIG_TIE = 32  # from this many tied events on, Efron's slot sums use digamma/log-gamma forms


def risk_sets(time: np.ndarray, died: np.ndarray, entry: np.ndarray, *, efron: bool,
              freq: np.ndarray | None = None) -> RiskSets:
    """Build ``RiskSets`` for rows ``(entry, time]`` with event indicator ``died``.

    ``freq`` (default all 1) are frequency weights: a row with ``freq = 3`` is three identical
    subjects, so Efron's tie slots count it three times (exactly as the expanded data).
    """
    freq = np.ones(time.size) if freq is None else np.asarray(freq, dtype=float)
    grid = np.unique(time[died])
    last = search(grid, time, side="right") - 1
    first = search(grid, entry, side="right")
    if first.any():  # delayed entry: distinct (first, last) intervals
        keys, pair = unique_inverse(first.astype(np.int64) * (grid.size + 2) + last + 1)
    else:  # everybody at risk from the start: the interval is fixed by ``last`` alone
        pair = last + 1
        keys = np.arange(grid.size + 1)
    death_rows = np.flatnonzero(died)
    d = np.rint(np.bincount(last[death_rows], weights=freq[death_rows],
                            minlength=grid.size)).astype(np.int64)
    big = (d >= BIG_TIE) if efron else np.zeros(grid.size, dtype=bool)
    slots = np.where(big, 0, d) if efron else np.zeros_like(d)  # Breslow needs no slots
    tie_index = np.repeat(np.arange(grid.size), slots)
    starts = np.repeat(np.cumsum(slots) - slots, slots)
    fraction = (np.arange(tie_index.size) - starts) / d[tie_index]
    return RiskSets(grid=grid, first=first, last=last, died=died, death_rows=death_rows,
                    pair=pair.reshape(-1), pair_first=keys // (grid.size + 2),
                    pair_last=keys % (grid.size + 2) - 1, d=d, tie_index=tie_index,
                    tie_fraction=fraction, freq=freq, efron=efron, big_ties=big)


def risk_sum(sets: RiskSets, values: np.ndarray) -> np.ndarray:
    """Sum of ``values`` (rows x k) over each grid time's risk set -> (grid x k)."""
    g = sets.grid.size
    values = values.reshape(values.shape[0], -1)
    out = np.empty((g, values.shape[1]))
    npair = sets.pair_first.size
    for k in range(values.shape[1]):
        by_pair = np.bincount(sets.pair, weights=values[:, k], minlength=npair)
        added = np.bincount(sets.pair_first, weights=by_pair, minlength=g + 1)[: g + 1]
        removed = np.bincount(sets.pair_last + 1, weights=by_pair, minlength=g + 1)[: g + 1]
        out[:, k] = np.cumsum(added - removed)[:g]
    return out


@dataclass(frozen=True)
class TieSums:
    """Per grid time, sums over the Efron slots ``l`` of powers of ``c_l`` over ``den_l``."""

    log_den: np.ndarray  # sum_l log den_l
    inv: np.ndarray  # sum_l 1 / den_l
    c_inv: np.ndarray  # sum_l c_l / den_l
    inv2: np.ndarray  # sum_l 1 / den_l^2
    c_inv2: np.ndarray  # sum_l c_l / den_l^2
    cc_inv2: np.ndarray  # sum_l c_l^2 / den_l^2


def tie_sums(sets: RiskSets, s0: np.ndarray, d0: np.ndarray) -> TieSums:
    """``den_l = S0_j - c_l D0_j`` summed per grid time (``c_l = 0`` under Breslow).

    Efron: explicit sums over the slots ``l`` where ``d_j < BIG_TIE``; elsewhere the closed
    forms in ``efron_closed_form`` (O(1) per time instead of O(d_j)).
    """
    if not sets.efron:  # Breslow: every slot has den = S0
        zero = np.zeros_like(s0)
        return TieSums(log_den=sets.d * np.log(s0), inv=sets.d / s0, c_inv=zero,
                       inv2=sets.d / s0**2, c_inv2=zero, cc_inv2=zero)
    j, c = sets.tie_index, sets.tie_fraction
    den = s0[j] - c * d0[j]
    g = sets.grid.size

    def per_time(values: np.ndarray) -> np.ndarray:
        # float even when every time's ties are big (no slots): numpy's bincount of nothing
        # is an integer array, which would truncate the closed forms written into it
        return np.bincount(j, weights=values, minlength=g).astype(float, copy=False)

    sums = [per_time(np.log(den)), per_time(1 / den), per_time(c / den),
            per_time(1 / den**2), per_time(c / den**2), per_time(c**2 / den**2)]
    big = sets.big_ties
    if big.any():
        closed = efron_closed_form(s0[big], d0[big], sets.d[big].astype(float))
        for total, value in zip(sums, closed, strict=True):
            total[big] = value
    return TieSums(*sums)


def efron_closed_form(a: np.ndarray, b: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, ...]:
    """Efron slot sums for ``den_l = a - (l/d) b``, ``l = 0..d-1``, without looping over ``l``.

    With ``h = b/d`` and ``z = a/h`` (so ``den_l = h (z - l)``), ``H1 = psi(z+1) - psi(z-d+1)
    = sum 1/(z-l)`` and ``H2 = psi'(z-d+1) - psi'(z+1) = sum 1/(z-l)^2``:
    ``sum log den = d log h + lgamma(z+1) - lgamma(z-d+1)``, ``sum 1/den = H1/h``,
    ``sum c/den = (z H1 - d)/(d h)``, ``sum 1/den^2 = H2/h^2``,
    ``sum c/den^2 = (z H2 - H1)/(d h^2)``, ``sum c^2/den^2 = (z^2 H2 - 2 z H1 + d)/(d h)^2``.
    Used only for ``d >= BIG_TIE``, where the digamma differences keep ~10 significant digits.
    """
    h = b / d
    z = a / h
    h1 = special.digamma(z + 1) - special.digamma(z - d + 1)
    h2 = special.polygamma(1, z - d + 1) - special.polygamma(1, z + 1)
    log_den = d * np.log(h) + special.gammaln(z + 1) - special.gammaln(z - d + 1)
    return (log_den, h1 / h, (z * h1 - d) / (d * h), h2 / h**2, (z * h2 - h1) / (d * h**2),
            (z**2 * h2 - 2 * z * h1 + d) / (d * h) ** 2)


@dataclass(frozen=True)
class LikelihoodParts:
    """Log partial likelihood, gradient and Hessian of one stratum at ``beta``."""

    loglik: float
    gradient: np.ndarray
    hessian: np.ndarray


def _risk_weights(x: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, float]:
    """``exp(x'b - shift)`` and the shift (the largest ``x'b``; it cancels in every ratio)."""
    eta = x @ beta
    shift = float(eta.max()) if eta.size else 0.0
    return np.exp(eta - shift), shift


def _grid_sums(sets: RiskSets, x: np.ndarray, w: np.ndarray, *, second: bool, deaths: bool):
    """Sums of ``w``, ``w x`` and (optionally) ``w x x'`` over risk sets or over deaths."""
    p = x.shape[1]
    w = w * sets.freq
    if deaths:
        x, w = x[sets.death_rows], w[sets.death_rows]
        index, size = sets.last[sets.death_rows], sets.grid.size

        def total(v: np.ndarray) -> np.ndarray:
            return np.bincount(index, weights=v, minlength=size)
    else:

        def total(v: np.ndarray) -> np.ndarray:
            return risk_sum(sets, v)[:, 0]

    s0 = total(w)
    wx = [w * x[:, a] for a in range(p)]  # contiguous columns (x is column-major)
    s1 = np.stack([total(v) for v in wx], axis=1)
    if not second:
        return s0, s1, None
    s2 = np.empty((s0.size, p, p))
    for a in range(p):
        for b in range(a, p):
            s2[:, a, b] = s2[:, b, a] = total(wx[a] * x[:, b])
    return s0, s1, s2


def likelihood_parts(sets: RiskSets, x: np.ndarray, beta: np.ndarray) -> LikelihoodParts:
    """Breslow/Efron log partial likelihood with its first and second derivatives.

    With ``den_l = S0 - c_l D0`` and ``m_l = (S1 - c_l D1) / den_l`` (``D`` = sums over the
    ``d`` rows dying at the time, ``c_l = l/d`` for Efron, 0 for Breslow):
    ``loglik = sum_deaths x'b - sum_l log den_l``, ``U = sum_deaths x - sum_l m_l``,
    ``H = -sum_l [(S2 - c_l D2)/den_l - m_l m_l']``.
    """
    w, shift = _risk_weights(x, beta)
    s0, s1, s2 = _grid_sums(sets, x, w, second=True, deaths=False)
    d0, d1, d2 = _grid_sums(sets, x, w, second=True, deaths=True)
    t = tie_sums(sets, s0, d0)
    x_dead = sets.freq[sets.death_rows] @ x[sets.death_rows]
    loglik = float(x_dead @ beta - (t.log_den + sets.d * shift).sum())
    gradient = x_dead - (s1 * t.inv[:, None] - d1 * t.c_inv[:, None]).sum(0)
    second = (s2 * t.inv[:, None, None] - d2 * t.c_inv[:, None, None]).sum(0)
    outer = (np.einsum("ja,jb,j->ab", s1, s1, t.inv2)
             - np.einsum("ja,jb,j->ab", s1, d1, t.c_inv2)
             - np.einsum("ja,jb,j->ab", d1, s1, t.c_inv2)
             + np.einsum("ja,jb,j->ab", d1, d1, t.cc_inv2))
    return LikelihoodParts(loglik=loglik, gradient=gradient, hessian=-(second - outer))


def score_residuals(sets: RiskSets, x: np.ndarray, beta: np.ndarray, *,
                    per_row: bool = True) -> tuple[np.ndarray | None, np.ndarray]:
    """Per-row martingale score residuals and per-death Schoenfeld residuals.

    ``r_i = delta_i (x_i - mbar_j) - sum_{j at risk} sum_l w_i a_il (x_i - m_l) / den_l`` where
    ``mbar_j = (1/d_j) sum_l m_l`` and ``a_il = 1 - c_l`` for a row dying at ``j`` (else 1),
    the formula of R survival's ``coxscore``. They sum to the score ``U``; cluster sums give
    the robust (sandwich) variance. Returns ``(score residuals (rows x p), or None unless
    ``per_row``; Schoenfeld residuals (deaths x p, in the order of ``sets.death_rows``))``.
    """
    w, _ = _risk_weights(x, beta)
    s0, s1, _ = _grid_sums(sets, x, w, second=False, deaths=False)
    d0, d1, _ = _grid_sums(sets, x, w, second=False, deaths=True)
    t = tie_sums(sets, s0, d0)
    deaths = sets.death_rows
    j = sets.last[deaths]
    mean_bar = (s1 * t.inv[:, None] - d1 * t.c_inv[:, None]) / sets.d[:, None]
    schoenfeld = x[deaths] - mean_bar[j]
    if not per_row:
        return None, schoenfeld
    weighted_mean = s1 * t.inv2[:, None] - d1 * t.c_inv2[:, None]  # sum_l m_l / den_l
    cum_h = np.append(0.0, np.cumsum(t.inv))  # running sum of the hazard increments
    cum_m = np.vstack([np.zeros(x.shape[1]), np.cumsum(weighted_mean, axis=0)])
    upper = sets.last + 1
    lower = np.minimum(sets.first, upper)
    h_i = cum_h[upper] - cum_h[lower]
    m_i = cum_m[upper] - cum_m[lower]
    resid = -w[:, None] * (x * h_i[:, None] - m_i)
    # a dying row carries weight (1 - c_l), not 1, in its own tie set: add back the c_l part
    c_m = (s1 * t.c_inv2[:, None] - d1 * t.cc_inv2[:, None])[j]
    resid[deaths] += w[deaths, None] * (x[deaths] * t.c_inv[j][:, None] - c_m)
    resid[deaths] += schoenfeld
    return resid, schoenfeld


@dataclass(frozen=True)
class CoxData:
    """Numeric arrays of one Cox fit: rows are start-stop intervals."""

    x: np.ndarray
    names: tuple[str, ...]
    time: np.ndarray
    died: np.ndarray
    entry: np.ndarray
    strata: np.ndarray
    cluster: np.ndarray | None
    freq: np.ndarray | None = None  # identical subjects per row (None: one each)

    @property
    def weights(self) -> np.ndarray:
        return np.ones(self.time.size) if self.freq is None else self.freq


def compress(data: CoxData) -> CoxData:
    """Merge identical rows (same covariates, times, event, stratum, cluster) into one row
    with a frequency weight; the partial likelihood and every statistic are unchanged.

    With discrete covariates (arm, period, grade) and monthly tenure a million spells shrink
    to a few thousand rows. Returns ``data`` itself when merging would not halve the rows.
    """
    bound = float(count_distinct(data.time)) * 2  # an upper bound on the merged rows ...
    for k in range(data.x.shape[1]):
        bound *= pd.unique(data.x[:, k]).size  # ... grows with each covariate's values
        if bound > data.time.size // 2:
            return data  # e.g. a continuous covariate: merging cannot pay off
    columns = {f"x{k}": data.x[:, k] for k in range(data.x.shape[1])}
    columns.update(time=data.time, died=data.died, entry=data.entry, strata=data.strata)
    if data.cluster is not None:
        columns["cluster"] = data.cluster
    by = ("time", "entry", "cluster", "died", "strata", *list(columns)[: data.x.shape[1]])
    if _more_groups_than([columns[k] for k in by if k in columns], data.time.size // 2):
        return data  # what the grouping below would find, counted for less
    frame = pd.DataFrame(columns)
    counts = frame.groupby(list(frame.columns), sort=False).size()
    if len(counts) > data.time.size // 2:
        return data
    keys = counts.index.to_frame(index=False)
    x = np.asfortranarray(keys[list(columns)[: data.x.shape[1]]].to_numpy(float))
    return CoxData(x=x, names=data.names, time=keys.time.to_numpy(float),
                   died=keys.died.to_numpy(bool), entry=keys.entry.to_numpy(float),
                   strata=keys.strata.to_numpy(np.int64),
                   cluster=None if data.cluster is None else keys.cluster.to_numpy(np.int64),
                   freq=counts.to_numpy(float))


def _more_groups_than(columns: list[np.ndarray], limit: int) -> bool:
    """Whether the rows hold more than ``limit`` distinct combinations of ``columns`` (the
    groups of ``groupby(columns).size()``), adding one column at a time and stopping as soon
    as the count passes ``limit`` (it only grows). False when a value is missing (the
    grouping decides then)."""
    key = None
    for values in columns:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        if codes.size and codes.min() < 0:
            return False
        key = codes if key is None else key * uniques.size + codes
        key, distinct = pd.factorize(key)
        if distinct.size > limit:
            return True
    return False


def _solve_information(information: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Solve with the information matrix, or say which data problem makes it singular."""
    try:
        scale = np.sqrt(np.abs(np.diag(information)))
        if not scale.all() or np.linalg.cond(information / np.outer(scale, scale)) > 1e12:
            raise np.linalg.LinAlgError  # judged on the scale-free (correlation) form
        return np.linalg.solve(information, right)
    except np.linalg.LinAlgError:
        raise EstimationError(
            "the covariates are collinear (one is a combination of others, or a covariate "
            "does not vary among the people at risk when someone leaves); drop one of them"
        ) from None


@dataclass(frozen=True)
class NewtonFit:
    beta: np.ndarray
    loglik: float
    loglik_null: float
    hessian: np.ndarray
    iterations: int
    converged: bool


def newton_raphson(sets_by_stratum, x_by_stratum, p: int) -> NewtonFit:
    """Maximise the partial likelihood from beta = 0, halving steps that lower it."""

    def parts(beta):
        pieces = [likelihood_parts(s, x, beta) for s, x in zip(sets_by_stratum, x_by_stratum,
                                                              strict=True)]
        return (sum(q.loglik for q in pieces), sum(q.gradient for q in pieces),
                sum(q.hessian for q in pieces))

    beta = np.zeros(p)
    loglik, gradient, hessian = parts(beta)
    null = loglik
    for iteration in range(1, MAX_ITERATIONS + 1):
        step = _solve_information(-hessian, gradient)
        for _ in range(30):
            trial = parts(beta + step)
            if trial[0] >= loglik - 1e-12 * abs(loglik):
                break
            step = step / 2
        beta = beta + step
        loglik, gradient, hessian = trial
        if np.max(np.abs(step)) < STEP_TOLERANCE:
            return NewtonFit(beta, loglik, null, hessian, iteration, True)
    return NewtonFit(beta, loglik, null, hessian, MAX_ITERATIONS, False)


def fit_partial_likelihood(data: CoxData, *, efron: bool) -> dict:
    """Newton-Raphson fit of ``data`` (Efron or Breslow ties), one risk-set table per stratum.

    Returns ``fit`` (``NewtonFit``), ``beta``, ``cov`` (the clustered sandwich
    ``H^{-1} (sum_g U_g U_g') H^{-1}`` when ``data.cluster`` is set, else ``naive``), ``naive``
    (inverse information), ``schoenfeld`` (residuals of the death rows) and ``death_rows``.
    """
    strata = np.unique(pd.unique(data.strata))  # the sorted labels, hashed first
    # one stratum: every row, the arrays themselves (no masked copies)
    rows = ([slice(None)] if strata.size == 1 else [data.strata == s for s in strata])
    freq = data.weights
    sets = [risk_sets(data.time[r], data.died[r], data.entry[r], efron=efron, freq=freq[r])
            for r in rows]
    xs = [data.x] if strata.size == 1 else [np.asfortranarray(data.x[r]) for r in rows]
    fit = newton_raphson(sets, xs, data.x.shape[1])
    naive = _solve_information(-fit.hessian, np.eye(fit.beta.size))
    clustered = data.cluster is not None
    resid = np.zeros_like(data.x)
    schoenfeld, death_rows = [], []
    for r, s, x in zip(rows, sets, xs, strict=True):
        res, sch = score_residuals(s, x, fit.beta, per_row=clustered)
        if clustered:
            resid[r] = res
        schoenfeld.append(sch)
        death_rows.append(np.flatnonzero(r)[s.death_rows] if strata.size > 1
                          else s.death_rows)
    cov = naive
    if data.cluster is not None:
        size = int(data.cluster.max()) + 1
        sums = np.stack([np.bincount(data.cluster, weights=freq * resid[:, a],
                                     minlength=size)
                         for a in range(resid.shape[1])], axis=1)
        cov = naive @ (sums.T @ sums) @ naive
    return {"fit": fit, "beta": fit.beta, "cov": cov, "naive": naive,
            "schoenfeld": np.vstack(schoenfeld), "death_rows": np.concatenate(death_rows)}
