"""Diagnostics of a fitted Cox model: Harrell's concordance and the scaled-Schoenfeld test of
proportional hazards (Grambsch-Therneau, ``km`` time transform)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pilot_eval.estimators.inference.distributions import chi2_sf
from pilot_eval.estimators.survival.cox.likelihood import CoxData
from pilot_eval.estimators.survival.lookup import search, unique_inverse
from pilot_eval.estimators.survival.risk_tables import step_value
from pilot_eval.estimators.unavailable import json_number


@dataclass(frozen=True)
class PhTest:
    """Scaled Schoenfeld residual test of proportional hazards, one per covariate."""

    transform: str
    names: tuple[str, ...]
    statistics: tuple[float, ...]
    p_values: tuple[float, ...]
    alpha: float
    global_statistic: float
    global_p_value: float

    @property
    def failed(self) -> bool:
        return any(p < self.alpha for p in self.p_values)

    @property
    def warning(self) -> str:
        bad = [n for n, p in zip(self.names, self.p_values, strict=True) if p < self.alpha]
        return (f"the proportional-hazards check fails for {', '.join(bad)} (p < {self.alpha:g}): "
                "the effect seems to change over time, so one hazard ratio summarises it "
                "poorly; look at the retention curves or the RMST difference instead")

    def summary(self) -> str:
        tests = "; ".join(f"{n} chi2 {s:.3f} p {p:.3g}" for n, s, p in
                          zip(self.names, self.statistics, self.p_values, strict=True))
        return (f"Proportional-hazards check (scaled Schoenfeld, {self.transform} time): {tests}; "
                f"global chi2 {self.global_statistic:.3f} on {len(self.names)} df "
                f"p {self.global_p_value:.3g}")

    def to_dict(self) -> dict:
        return {
            "method": "scaled Schoenfeld residuals vs transformed time (Grambsch-Therneau)",
            "transform": self.transform, "alpha": self.alpha, "failed": self.failed,
            "tests": [{"name": n, "statistic": json_number(s), "df": 1, "p_value": json_number(p)}
                      for n, s, p in zip(self.names, self.statistics, self.p_values, strict=True)],
            "global": {"statistic": json_number(self.global_statistic), "df": len(self.names),
                       "p_value": json_number(self.global_p_value)},
        }


def km_time_transform(event_times: np.ndarray, time: np.ndarray, died: np.ndarray,
                      freq: np.ndarray) -> np.ndarray:
    """``1 - KM(t)`` at each event time (the "km" transform of R cox.zph and lifelines).

    Delayed entry is ignored here, as in lifelines.
    """
    times, index = unique_inverse(time)
    n_event = np.bincount(index, weights=freq * died, minlength=times.size)
    n_exit = np.bincount(index, weights=freq, minlength=times.size)
    n_risk = np.cumsum(n_exit[::-1])[::-1]
    survival = np.cumprod(1.0 - n_event / n_risk)
    return 1.0 - step_value(times, survival, event_times, start=1.0)


def schoenfeld_test(schoenfeld: np.ndarray, naive_cov: np.ndarray, names: tuple[str, ...],
                    event_times: np.ndarray, data: CoxData, death_freq: np.ndarray, *,
                    alpha: float) -> PhTest:
    """Per-covariate test that the scaled Schoenfeld residuals do not trend with ``g(t)``.

    Scaled residuals ``r* = D s V`` (``D`` events, ``V`` the model-based covariance);
    ``T_k = (sum_i g~_i r*_ik)^2 / (D V_kk sum_i g~_i^2)`` with ``g~`` the centred
    ``1 - KM(t)``; ``T_k ~ chi2(1)``. The global test is
    ``(g~' r*) (D V)^{-1} (g~' r*)' / sum_i g~_i^2 ~ chi2(p)``. This is the Grambsch-Therneau approximation used by
    lifelines ``proportional_hazard_test(time_transform="km")`` and R ``survival`` < 3.0
    ``cox.zph`` (survival >= 3.0 uses an exact score test and differs slightly).
    """
    deaths = death_freq.sum()  # each death row stands for death_freq identical deaths
    g = km_time_transform(event_times, data.time, data.died, data.weights)
    g = g - (death_freq @ g) / deaths
    trend = deaths * ((death_freq * g) @ schoenfeld) @ naive_cov  # g' r*, no (n x p) @ (p x p)
    spread = death_freq @ g**2
    stat = trend**2 / (deaths * np.diag(naive_cov) * spread)
    overall = float(trend @ np.linalg.solve(deaths * naive_cov, trend) / spread)
    return PhTest(transform="km", names=names, statistics=tuple(map(float, stat)),
                  p_values=tuple(float(chi2_sf(s, 1)) for s in stat), alpha=alpha,
                  global_statistic=overall,
                  global_p_value=float(chi2_sf(overall, len(names))))


def _prefix_counts(tree: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Fenwick-tree prefix sums ``sum(counts[1..position])`` for many positions at once.

    ``tree[0]`` stays 0, so positions that reach 0 early keep adding nothing.
    """
    total = np.zeros(positions.size)
    positions = positions.copy()
    for _ in range(int(tree.size).bit_length()):
        total += tree[positions]
        positions &= positions - 1  # drop the lowest set bit
    return total


def _add_counts(tree: np.ndarray, positions: np.ndarray, weights: np.ndarray) -> None:
    """Add ``weights`` at ``positions`` (repeats allowed) of the Fenwick tree."""
    positions = positions.copy()
    while positions.size:
        np.add.at(tree, positions, weights)
        positions = positions + (positions & -positions)
        keep = positions < tree.size
        positions, weights = positions[keep], weights[keep]


def concordance_counts(time: np.ndarray, died: np.ndarray, risk: np.ndarray, freq: np.ndarray,
                       entry: np.ndarray) -> tuple[float, float]:
    """``(concordant + tied / 2, comparable)`` pair counts for Harrell's C (one stratum).

    Row ``j`` is compared with a death of row ``i`` at ``t_i`` when ``j`` is at risk then and
    outlives it: ``entry_j < t_i`` and ``time_j > t_i`` (or ``= t_i`` and censored); tied risks
    count one half; tied event times are not comparable (R ``survival::concordance``; the
    same as lifelines ``concordance_index`` without delayed entry). Walks the distinct times
    from the largest down with a Fenwick tree over risk ranks, adding rows at their exit and
    removing them once the walk passes their entry: ``O(n log n)`` in numpy plus
    ``O(distinct times)`` Python steps. ``freq`` counts identical subjects per row.
    """
    ranks = unique_inverse(risk)[1] + 1
    if ranks.size and ranks.max() * (np.count_nonzero(died) + 1) <= _GRID_CELLS:
        return _concordance_few_ranks(time, died, ranks, freq, entry)
    tree = np.zeros(ranks.max() + 1)
    order = np.lexsort((died, -time))  # time descending; censored before events at a time
    cuts = np.flatnonzero(np.diff(time[order])) + 1
    by_entry = np.argsort(-entry, kind="stable")
    minus_entries = -entry[by_entry]  # ascending
    delayed = bool(np.isfinite(entry).any())
    removed = 0
    concordant = tied = comparable = in_tree = 0.0
    for block in np.split(order, cuts):
        t = time[block[0]]
        censored, deaths = block[~died[block]], block[died[block]]
        _add_counts(tree, ranks[censored], freq[censored])
        in_tree += freq[censored].sum()
        leaving = int(np.searchsorted(minus_entries, -t, side="right")) if delayed else 0
        if leaving > removed:  # rows with entry >= t are no longer at risk
            gone = by_entry[removed:leaving]
            _add_counts(tree, ranks[gone], -freq[gone])
            in_tree -= freq[gone].sum()
            removed = leaving
        if deaths.size:
            both = _prefix_counts(tree, np.concatenate([ranks[deaths] - 1, ranks[deaths]]))
            below, at_most = both[: deaths.size], both[deaths.size :]
            concordant += freq[deaths] @ below
            tied += freq[deaths] @ (at_most - below)
            comparable += in_tree * freq[deaths].sum()
            _add_counts(tree, ranks[deaths], freq[deaths])
            in_tree += freq[deaths].sum()
    return concordant + 0.5 * tied, comparable


_GRID_CELLS = 4_000_000
"""Largest ranks x death-times grid counted at once (32 MB); beyond it the Fenwick walk."""


def _suffix_grid(ranks: np.ndarray, slots: np.ndarray, weights: np.ndarray, shape: tuple[int, int],
                 ) -> np.ndarray:
    """``grid[k, m]`` = sum of ``weights`` of rows of rank ``k + 1`` whose slot is above ``m``."""
    cells = np.bincount((ranks - 1) * (shape[1] + 1) + slots, weights=weights,
                        minlength=shape[0] * (shape[1] + 1)).reshape(shape[0], shape[1] + 1)
    return np.cumsum(cells[:, :0:-1], axis=1)[:, ::-1]


def _concordance_few_ranks(time: np.ndarray, died: np.ndarray, ranks: np.ndarray,
                           freq: np.ndarray, entry: np.ndarray) -> tuple[float, float]:
    """``concordance_counts`` when the risks take few distinct values (binary covariates).

    What the Fenwick walk holds when it reaches the deaths at ``t`` is, per risk rank, the rows
    that exit after ``t``, plus those censored at ``t``, less those entering at or after ``t``
    (removed once the walk passes their entry): a ranks x death-times grid of suffix sums,
    counted in one pass without a Python step per time.
    """
    times = np.unique(time[died])
    shape = (int(ranks.max()), times.size)
    exit_slot = search(times, time, side="left")
    held = _suffix_grid(ranks, exit_slot, freq, shape)
    censored = ~died
    slot = exit_slot[censored]
    at_time = slot < times.size
    at_time[at_time] = times[slot[at_time]] == time[censored][at_time]
    held += np.bincount((ranks[censored][at_time] - 1) * times.size + slot[at_time],
                        weights=freq[censored][at_time],
                        minlength=held.size).reshape(shape)
    if np.isfinite(entry).any():
        held -= _suffix_grid(ranks, search(times, entry, side="right"), freq, shape)
    upto = np.cumsum(held, axis=0)  # upto[k, m]: rows of rank <= k + 1 held at times[m]
    m = exit_slot[died]
    r = ranks[died] - 1
    w = freq[died]
    at_most = upto[r, m]
    below = np.where(r > 0, upto[r - 1, m], 0.0)
    per_time = np.bincount(m, weights=w, minlength=times.size)
    return float(w @ below + 0.5 * (w @ (at_most - below))), float(upto[-1] @ per_time)


def harrell_concordance(time: np.ndarray, died: np.ndarray, risk: np.ndarray, *,
                        freq: np.ndarray | None = None, entry: np.ndarray | None = None,
                        strata: np.ndarray | None = None) -> float:
    """Harrell's C, pairs compared within strata (as R for a stratified Cox model)."""
    freq = np.ones(time.size) if freq is None else freq
    entry = np.full(time.size, -np.inf) if entry is None else entry
    strata = np.zeros(time.size, dtype=np.int64) if strata is None else strata
    good = total = 0.0
    labels = np.unique(pd.unique(strata))  # the sorted labels, hashed first
    for s in labels:
        rows = strata == s if labels.size > 1 else slice(None)  # one stratum: no copies
        g, c = concordance_counts(time[rows], died[rows], risk[rows], freq[rows], entry[rows])
        good, total = good + g, total + c
    return good / total if total else float("nan")
