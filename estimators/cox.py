"""Cox proportional hazards on start-stop rows, Efron or Breslow ties, optionally clustered.

Two engines compute the same model:

* ``"numpy"``: our own Newton-Raphson on the partial likelihood (in ``survival_data.py``),
  Breslow or Efron, delayed entry, strata, and the clustered sandwich variance from the score
  residuals of R ``survival``'s ``coxscore``/``agscore`` (so it matches ``coxph(...,
  cluster=)``);
* ``"lifelines"``: lifelines ``CoxPHFitter`` (Efron only) with ``entry_col``/``cluster_col``.

``engine="auto"`` (the default) uses numpy for both tie methods. Why not lifelines for Efron:
coefficients and model-based SEs agree to 1e-6, but with tied event times lifelines' clustered
SEs use different score residuals than R (Rossi, 72 clusters, fin: lifelines 0.19940, R formula
0.20221) and change when spells are split into start-stop rows (0.19940 -> 0.20219), which is
exactly how pilot x post is modelled; lifelines also takes ~50 s on 1M spells against ~2 s.
Our Efron is checked against lifelines, our Breslow against statsmodels and by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import SpellColumns
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.literals import check_choice, check_level
from pilot_eval.estimators.survival_data import (
    group_levels,
    likelihood_parts,
    risk_sets,
    score_residuals,
    step_value,
)
from pilot_eval.estimators.unavailable import json_number
from scipy import stats

Ties = Literal["efron", "breslow"]
TIES: tuple[str, ...] = get_args(Ties)
Engine = Literal["auto", "lifelines", "numpy"]
ENGINES: tuple[str, ...] = get_args(Engine)
MAX_ITERATIONS = 50
STEP_TOLERANCE = 1e-10


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
    bound = float(np.unique(data.time).size) * 2  # an upper bound on the merged rows ...
    for k in range(data.x.shape[1]):
        bound *= pd.unique(data.x[:, k]).size  # ... grows with each covariate's values
        if bound > data.time.size // 2:
            return data  # e.g. a continuous covariate: merging cannot pay off
    columns = {f"x{k}": data.x[:, k] for k in range(data.x.shape[1])}
    columns.update(time=data.time, died=data.died, entry=data.entry, strata=data.strata)
    if data.cluster is not None:
        columns["cluster"] = data.cluster
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


def _column(frame: pd.DataFrame, name: str, role: str) -> pd.Series:
    if name not in frame.columns:
        raise EstimationError(f"the {role} column '{name}' is not in the data", column=name)
    series = frame[name]
    if series.isna().any():
        raise EstimationError(
            f"the {role} column '{name}' has {int(series.isna().sum())} missing value(s); drop "
            "or fill those rows first", column=name,
        )
    return series


def _numeric_column(frame: pd.DataFrame, name: str, role: str) -> np.ndarray:
    series = _column(frame, name, role)
    try:
        return pd.to_numeric(series).to_numpy(float)
    except (TypeError, ValueError):
        raise EstimationError(
            f"the {role} column '{name}' must be numeric; found values such as "
            f"{series.iloc[0]!r}", column=name) from None


def cox_data(frame: pd.DataFrame, columns: SpellColumns, *, event_type: object | None,
             cluster: str | None, entry: str | None) -> CoxData:
    """Validate the columns of a Cox fit and return numeric arrays."""
    if not columns.covariates:
        raise EstimationError("a Cox model needs at least one covariate (e.g. pilot x post)")
    if columns.duration is None or columns.event is None:
        raise EstimationError("a Cox model needs SpellColumns(duration=..., event=...)")
    time = _numeric_column(frame, columns.duration, "duration")
    event = _column(frame, columns.event, "event")
    if event_type is None and pd.api.types.is_numeric_dtype(event):
        died = event.to_numpy() != 0
    elif event_type is None:
        died = ~event.astype(str).isin(["0", "0.0", "False", "false"]).to_numpy()
    else:
        if not (event == event_type).any():
            raise EstimationError(f"no rows have event type {event_type!r}", column=columns.event)
        died = (event == event_type).to_numpy()
    x_cols = []
    for name in columns.covariates:
        values = _column(frame, name, "covariate")
        if not pd.api.types.is_numeric_dtype(values):
            raise EstimationError(
                f"covariate '{name}' is not numeric (e.g. {values.iloc[0]!r}); code it as 0/1 "
                "indicator columns", column=name)
        if values.nunique() < 2:
            raise EstimationError(f"covariate '{name}' is constant; drop it", column=name)
        x_cols.append(values.to_numpy(float))
    entry_name = entry or columns.entry
    # without an entry column everybody is at risk from the start (also at time 0)
    start = (np.full_like(time, -np.inf) if entry_name is None
             else _numeric_column(frame, entry_name, "entry"))
    if (start >= time).any() or (time < 0).any():
        bad = int(np.flatnonzero((start >= time) | (time < 0))[0])
        raise EstimationError(
            f"row {bad + 1} of the data has entry {start[bad]:g} and exit {time[bad]:g}; exit "
            "must be after entry and not negative", column=columns.duration)
    strata = (np.zeros(time.size, dtype=np.int64) if columns.strata is None
              else group_levels(_column(frame, columns.strata, "strata").to_numpy())[1])
    cluster_name = cluster or columns.cluster
    groups = (None if cluster_name is None
              else group_levels(_column(frame, cluster_name, "cluster").to_numpy())[1])
    # column-major: every numeric step walks one covariate column at a time
    return CoxData(x=np.asfortranarray(np.column_stack(x_cols)), names=tuple(columns.covariates), time=time,
                   died=died, entry=start, strata=strata, cluster=groups)


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
    times, index = np.unique(time, return_inverse=True)
    index = index.reshape(-1)
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
                  p_values=tuple(float(stats.chi2.sf(s, 1)) for s in stat), alpha=alpha,
                  global_statistic=overall,
                  global_p_value=float(stats.chi2.sf(overall, len(names))))


@dataclass(frozen=True)
class CoxCoefficient:
    name: str
    coef: float
    se: float
    hazard_ratio: float
    ci_low: float
    ci_high: float
    p_value: float

    def to_dict(self) -> dict:
        return {"name": self.name, **{k: json_number(getattr(self, k)) for k in (
            "coef", "se", "hazard_ratio", "ci_low", "ci_high", "p_value")}}


@dataclass(frozen=True)
class CoxResult:
    """Coefficients, hazard ratios, fit statistics and the proportional-hazards check."""

    ties: str
    engine: str
    coefficients: tuple[CoxCoefficient, ...]
    log_likelihood: float
    log_likelihood_null: float
    lr_statistic: float
    lr_df: int
    lr_p_value: float
    concordance: float
    n_obs: int
    n_events: int
    n_clusters: int | None
    level: float
    se_type: str
    ph_test: PhTest
    warnings: tuple[str, ...]

    def summary(self) -> str:
        pct = f"{self.level:.0%}"
        lines = [f"Cox proportional hazards ({self.engine}); Ties: {self.ties.capitalize()}; "
                 f"SE: {self.se_type}",
                 f"n = {self.n_obs}, events = {self.n_events}",
                 f"{'':12}{'coef':>10}{'se':>10}{'HR':>9}  {pct} CI of HR{'':5}{'p':>8}"]
        for c in self.coefficients:
            lines.append(f"{c.name:12}{c.coef:10.5f}{c.se:10.5f}{c.hazard_ratio:9.4f}  "
                         f"{c.ci_low:.4f} to {c.ci_high:.4f}{c.p_value:10.4g}")
        lines.append(f"Log partial likelihood {self.log_likelihood:.5f}; concordance "
                     f"{self.concordance:.5f}; LR test {self.lr_statistic:.2f} on {self.lr_df} "
                     f"df, p = {self.lr_p_value:.3g}")
        lines.append(self.ph_test.summary())
        lines += [f"Warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([c.to_dict() for c in self.coefficients]).set_index("name")

    def to_dict(self) -> dict:
        return {
            "estimator": "cox", "ties": self.ties, "engine": self.engine,
            "coefficients": [c.to_dict() for c in self.coefficients],
            "log_likelihood": json_number(self.log_likelihood),
            "log_likelihood_null": json_number(self.log_likelihood_null),
            "lr_test": {"statistic": json_number(self.lr_statistic), "df": self.lr_df,
                        "p_value": json_number(self.lr_p_value)},
            "concordance": json_number(self.concordance), "n_obs": self.n_obs,
            "n_events": self.n_events, "n_clusters": self.n_clusters, "level": self.level,
            "se_type": self.se_type, "ph_test": self.ph_test.to_dict(),
            "warnings": list(self.warnings),
        }


def _coefficients(names, beta, se, level) -> tuple[CoxCoefficient, ...]:
    z = float(stats.norm.ppf(0.5 + level / 2.0))
    return tuple(
        CoxCoefficient(n, float(b), float(s), float(np.exp(b)), float(np.exp(b - z * s)),
                       float(np.exp(b + z * s)), float(2 * stats.norm.sf(abs(b / s))))
        for n, b, s in zip(names, beta, se, strict=True)
    )


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
    ranks = np.unique(risk, return_inverse=True)[1].reshape(-1) + 1
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


def harrell_concordance(time: np.ndarray, died: np.ndarray, risk: np.ndarray, *,
                        freq: np.ndarray | None = None, entry: np.ndarray | None = None,
                        strata: np.ndarray | None = None) -> float:
    """Harrell's C, pairs compared within strata (as R for a stratified Cox model)."""
    freq = np.ones(time.size) if freq is None else freq
    entry = np.full(time.size, -np.inf) if entry is None else entry
    strata = np.zeros(time.size, dtype=np.int64) if strata is None else strata
    good = total = 0.0
    for s in np.unique(strata):
        rows = strata == s
        g, c = concordance_counts(time[rows], died[rows], risk[rows], freq[rows], entry[rows])
        good, total = good + g, total + c
    return good / total if total else float("nan")


def _concordance(data: CoxData, beta: np.ndarray) -> float:
    return harrell_concordance(data.time, data.died, data.x @ beta, freq=data.weights,
                               entry=data.entry, strata=data.strata)


@dataclass(frozen=True)
class CoxModel:
    """Cox proportional hazards regression on (start-stop) spell rows.

    Parameters
    ----------
    ties : {"efron", "breslow"}
        Tie method (lifelines and R default: Efron; Stata, SAS, SPSS default: Breslow).
    cluster : str, optional
        Column of cluster labels (e.g. team): robust sandwich SEs as R
        ``coxph(..., cluster=)`` / lifelines ``cluster_col`` (no small-sample factor).
    entry : str, optional
        Column of entry times (start of each start-stop row; delayed entry).
    level : float
        Confidence level of the hazard-ratio CIs.
    engine : {"auto", "lifelines", "numpy"}
        ``auto`` = ``numpy``: our own Newton-Raphson (R's clustered sandwich); ``lifelines``:
        lifelines ``CoxPHFitter`` (Efron only; its clustered SEs differ from R with ties).
    event_type : optional
        Cause-specific model: only this event value counts, other events are censored.
    ph_alpha : float
        Significance level below which the proportional-hazards warning is raised.

    Notes
    -----
    Hazard ``h_i(t) = h_0(t) exp(x_i' beta)``. With ``d_j`` events at time ``t_j``, ``R_j`` the
    rows with ``entry < t_j <= time`` and ``D_j`` the rows dying at ``t_j``, Efron's partial
    likelihood is

    .. math:: \\ell(\\beta) = \\sum_j \\Big[\\sum_{i \\in D_j} x_i'\\beta - \\sum_{l=0}^{d_j - 1}
              \\log\\Big(\\sum_{i \\in R_j} e^{x_i'\\beta} - \\tfrac{l}{d_j}
              \\sum_{i \\in D_j} e^{x_i'\\beta}\\Big)\\Big]

    and Breslow's drops the ``l/d_j`` term. Robust variance ``H^{-1} (sum_g U_g U_g') H^{-1}``
    with ``U_g`` the cluster sums of score residuals.
    """

    ties: Ties = "efron"
    cluster: str | None = None
    entry: str | None = None
    level: float = 0.95
    engine: Engine = "auto"
    event_type: object | None = None
    ph_alpha: float = 0.05

    def __post_init__(self) -> None:
        check_choice("ties", self.ties, TIES)
        check_choice("engine", self.engine, ENGINES)
        check_level(self.level)
        if self.engine == "lifelines" and self.ties == "breslow":
            check_choice("engine (lifelines supports only Efron ties)", self.engine,
                         ("auto", "numpy"))

    @property
    def resolved_engine(self) -> str:
        return "numpy" if self.engine == "auto" else self.engine

    def fit(self, frame: pd.DataFrame, columns: SpellColumns) -> CoxResult:
        """Fit the model to ``frame`` using ``columns.duration``, ``event`` and ``covariates``."""
        data = cox_data(frame, columns, event_type=self.event_type, cluster=self.cluster,
                        entry=self.entry)
        if not data.died.any():
            raise EstimationError("there are no events: a Cox model cannot be estimated",
                                  column=columns.event)
        packed = compress(data)
        own = self._fit_numpy(packed)
        if self.resolved_engine == "lifelines":
            beta, se, loglik = self._fit_lifelines(data)
        else:
            beta, se, loglik = own["beta"], np.sqrt(np.diag(own["cov"])), own["fit"].loglik
        return self._result(packed, beta, se, loglik, own)

    def _fit_numpy(self, data: CoxData) -> dict:
        efron = self.ties == "efron"
        strata = np.unique(data.strata)
        rows = ([np.ones(data.time.size, dtype=bool)] if strata.size == 1
                else [data.strata == s for s in strata])
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
            death_rows.append(np.flatnonzero(r)[s.death_rows])
        cov = naive
        if clustered:
            size = int(data.cluster.max()) + 1
            sums = np.stack([np.bincount(data.cluster, weights=freq * resid[:, a],
                                         minlength=size)
                             for a in range(resid.shape[1])], axis=1)
            cov = naive @ (sums.T @ sums) @ naive
        return {"fit": fit, "beta": fit.beta, "cov": cov, "naive": naive,
                "schoenfeld": np.vstack(schoenfeld), "death_rows": np.concatenate(death_rows)}

    def _fit_lifelines(self, data: CoxData) -> tuple[np.ndarray, np.ndarray, float]:
        """Coefficients, standard errors and log partial likelihood from lifelines."""
        from lifelines import CoxPHFitter

        names = [f"x{k}" for k in range(data.x.shape[1])]
        frame = pd.DataFrame(data.x, columns=names).assign(
            _time=data.time, _event=data.died.astype(int), _entry=data.entry,
            _strata=data.strata)
        options: dict = {"duration_col": "_time", "event_col": "_event"}
        if np.isneginf(data.entry).all():
            frame = frame.drop(columns="_entry")
        else:
            options["entry_col"] = "_entry"
        if data.cluster is not None:
            frame["_cluster"] = data.cluster
            options["cluster_col"] = "_cluster"
        if np.unique(data.strata).size > 1:
            options["strata"] = ["_strata"]
        else:
            frame = frame.drop(columns="_strata")
        # lifelines' default stop (step norm < 1e-7) can leave ~1e-6 error with heavy ties
        fitter = CoxPHFitter().fit(frame, fit_options={"precision": 1e-10}, **options)
        # standard_errors_ holds the sandwich SEs when clustered (variance_matrix_ does not)
        return (fitter.params_[names].to_numpy(), fitter.standard_errors_[names].to_numpy(),
                float(fitter.log_likelihood_))

    def _result(self, data, beta, se, loglik, own) -> CoxResult:
        fit = own["fit"]
        p = beta.size
        lr = 2.0 * (loglik - fit.loglik_null)
        warnings = []
        if not fit.converged:
            warnings.append("the Newton-Raphson iterations did not converge; check for a "
                            "covariate that separates leavers from stayers")
        event_times = data.time[own["death_rows"]]
        ph = schoenfeld_test(own["schoenfeld"], own["naive"], data.names, event_times, data,
                             data.weights[own["death_rows"]], alpha=self.ph_alpha)
        if ph.failed:
            warnings.append(ph.warning)
        return CoxResult(
            ties=self.ties, engine=self.resolved_engine,
            coefficients=_coefficients(data.names, beta, se, self.level),
            log_likelihood=loglik, log_likelihood_null=fit.loglik_null, lr_statistic=lr,
            lr_df=p, lr_p_value=float(stats.chi2.sf(lr, p)),
            concordance=_concordance(data, beta), n_obs=int(round(data.weights.sum())),
            n_events=int(round(data.weights[data.died].sum())),
            n_clusters=None if data.cluster is None else int(np.unique(data.cluster).size),
            level=self.level,
            se_type=("robust sandwich, clustered (no small-sample factor, as R coxph cluster=)"
                     if data.cluster is not None else "model-based (inverse information)"),
            ph_test=ph, warnings=tuple(warnings),
        )
