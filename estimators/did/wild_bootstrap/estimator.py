"""Wild cluster bootstrap (WCR/WCU) for the DiD coefficient when clusters are few.

The bootstrap t-statistics of all draws are computed at once from cluster-level sums, as in
Roodman, Nielsen, MacKinnon & Webb (2019, "Fast and wild"): with ``G`` clusters and ``B`` draws
everything per draw is a column of a ``G x B`` matrix product.  Every quantity is linear in the
null value ``beta0``, so the confidence interval (test inversion) costs ``O(B)`` per trial
value.  Fixed effects are handled exactly, as if their dummies were in the regression (the
way pyfixest's ``wildboottest()`` calls the ``wildboottest`` package): the bootstrap residuals
are projected off the unit and period effects through the small normal equations of the
effects, never through an ``n x G`` matrix.

The numeric core (regression setup, cluster sums, bootstrap maps, per-draw sums, test
inversion) is in ``algebra.py``; this module holds the weights, the
configuration ``WildClusterBootstrap`` and the result ``WildBootstrapResult``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar, Literal, Unpack, get_args

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import PanelColumns, PanelRoles, resolve_columns
from pilot_eval.estimators.did.wild_bootstrap.algebra import (
    CI_TOLERANCE,
    EIGEN_TOLERANCE,
    EXACT_FIT_TOLERANCE,
    MAX_BISECTIONS,
    MAX_EXPANSIONS,
    TIE_TOLERANCE,
    DrawStats,
    EffectsCross,
    Maps,
    Regression,
    bootstrap_maps,
    bootstrap_t,
    cluster_sums,
    cross_product,
    draw_stats,
    effects_cross,
    invert,
    p_value_at,
    pair_sums,
    score_map,
    treated_clusters,
    twfe_regression,
    two_by_two_regression,
    untestable_reason,
)
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.inference.distributions import t_ppf, t_sf
from pilot_eval.estimators.literals import check_choice, check_level
from pilot_eval.estimators.periods import encode_periods
from pilot_eval.estimators.results import Estimate, Term
from pilot_eval.estimators.thresholds import FEW_CLUSTERS, FEW_TREATED_CLUSTERS, WEBB_BELOW
from pilot_eval.estimators.unavailable import Unavailable, json_number, reasons

__all__ = [
    "CHUNK_ENTRIES", "CI_TOLERANCE", "DEFAULT_SEED", "EIGEN_TOLERANCE", "FEW_CLUSTERS",
    "FEW_TREATED_CLUSTERS", "MAX_BISECTIONS", "MAX_CLUSTERS", "MAX_EXPANSIONS", "MODEL_TYPES",
    "TIE_TOLERANCE", "WEBB_BELOW", "WEBB_VALUES", "WEIGHT_TYPES", "DrawStats", "EffectsCross",
    "EXACT_FIT_TOLERANCE", "Maps", "ModelType", "Regression", "WeightType", "WildBootstrapResult",
    "WildClusterBootstrap", "bootstrap_maps", "bootstrap_t", "cluster_sums", "cross_product",
    "draw_stats", "effects_cross", "few_clusters_reason", "invert", "p_value_at", "pair_sums",
    "score_map", "treated_clusters", "two_by_two_regression", "twfe_regression",
    "untestable_reason", "weight_blocks",
]

WeightType = Literal["auto", "rademacher", "webb"]
WEIGHT_TYPES: tuple[str, ...] = get_args(WeightType)
ModelType = Literal["auto", "twfe", "2x2"]
MODEL_TYPES: tuple[str, ...] = get_args(ModelType)
"""``weight_type="auto"`` uses Webb's six-point weights with fewer clusters than this."""
DEFAULT_SEED = 20_240_601
MAX_CLUSTERS = 1000
"""Below these, ``few_clusters_reason`` recommends the bootstrap over CR1 (issue 3)."""
CHUNK_ENTRIES = 1 << 22
WEBB_VALUES = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def weight_blocks(kind: str, n_clusters: int, draws: int, *, enumerate_all: bool,
                  rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Weight matrices (G x block) for all draws; draw-major, so blocks do not change them."""
    block = max(1, CHUNK_ENTRIES // n_clusters)
    base = 2 if kind == "rademacher" else 6
    values = np.array([-1.0, 1.0]) if kind == "rademacher" else WEBB_VALUES
    powers = base ** np.arange(n_clusters - 1, -1, -1, dtype=np.int64)
    for start in range(0, draws, block):
        size = min(block, draws - start)
        if enumerate_all:  # draw b has cluster g's digit (base 2 or 6) at position g
            index = np.arange(start, start + size, dtype=np.int64)
            digits = (index[None, :] // powers[:, None]) % base
        else:
            digits = rng.integers(0, base, size=(size, n_clusters)).T
        yield values[digits]


def few_clusters_reason(n_clusters: int, n_treated_clusters: int) -> str | None:
    """Why CR1 inference is doubtful here (fewer than 30 clusters or fewer than 10 treated
    clusters), or None; the wild cluster bootstrap is then the recommended inference."""
    problems = []
    if n_clusters < FEW_CLUSTERS:
        problems.append(f"only {n_clusters} clusters (fewer than {FEW_CLUSTERS})")
    if n_treated_clusters < FEW_TREATED_CLUSTERS:
        problems.append(f"only {n_treated_clusters} treated clusters (fewer than "
                        f"{FEW_TREATED_CLUSTERS})")
    if not problems:
        return None
    return (" and ".join(problems) + ": cluster-robust (CR1) standard errors tend to be too "
            "small and t-tests over-reject, so the wild cluster bootstrap is used")


@dataclass(frozen=True, kw_only=True, repr=False)
class WildBootstrapResult(Estimate):
    """Wild cluster bootstrap inference for the DiD coefficient."""

    title: ClassVar[str] = "Wild cluster bootstrap"
    outcome: str
    model: str
    t_stat: float | Unavailable
    df: int
    analytic_p_value: float | Unavailable
    null: float
    impose_null: bool
    weight_type: str
    weight_reason: str
    draws: int
    draws_requested: int
    distinct_draws: int
    full_enumeration: bool
    seed: int
    n_clusters: int
    n_treated_clusters: int
    cluster: str

    @property
    def notes(self) -> tuple[str, ...]:
        """The warnings (the name this result used before the shared protocol)."""
        return self.warnings

    def tidy_rows(self) -> tuple[Term, ...]:
        name = "pilot x after" if self.model == "2x2" else "treatment"
        return (Term(name, self.estimate, self.se, self.t_stat, self.p_value, self.ci_low,
                     self.ci_high),)

    def tidy_extra(self) -> dict[str, list[object]]:
        return {"analytic_p_value": [self.analytic_p_value if not isinstance(
            self.analytic_p_value, Unavailable) else None], "draws": [self.draws]}

    def summary(self) -> str:
        kind = "restricted (WCR)" if self.impose_null else "unrestricted (WCU)"
        draws = (f"all {self.draws:,} distinct draws (full enumeration)" if self.full_enumeration
                 else f"{self.draws:,} random draws, seed {self.seed}")
        lines = [
            f"Wild cluster bootstrap, {kind}, {self.model.upper()} coefficient on {self.outcome}",
            f"estimate {self.estimate:.6g}  CR1 se {_show(self.se)}  t {_show(self.t_stat, 4)}",
            f"bootstrap p-value (H0: beta = {self.null:g}): {_show(self.p_value, 4)}  "
            f"(CR1 t with {self.df} df: {_show(self.analytic_p_value, 4)})",
            f"{self.level:.0%} interval by test inversion: {_show(self.ci_low)} to "
            f"{_show(self.ci_high)}",
            f"{self.weight_type} weights ({self.weight_reason}); {draws}; "
            f"{_count(self.distinct_draws, self.weight_type, self.n_clusters)} distinct draws "
            f"possible; {self.n_clusters} clusters "
            f"('{self.cluster}'), {self.n_obs:,} rows",
        ]
        return "\n".join(lines + [f"Note: {note}" for note in self.notes])

    def to_frame(self) -> pd.DataFrame:
        """One row with the estimate and its bootstrap inference (a fresh frame)."""
        data = self.to_dict()
        return pd.DataFrame([{k: data[k] for k in (
            "estimate", "se", "t_stat", "p_value", "ci_low", "ci_high", "draws",
            "distinct_draws", "weight_type", "n_clusters")}])

    def se_description(self) -> str:
        """One sentence on the inference, for reports and the brief's annex."""
        kind = "restricted (null imposed)" if self.impose_null else "unrestricted"
        draws = ("every possible draw" if self.full_enumeration
                 else f"{self.draws:,} draws, seed {self.seed}")
        if isinstance(self.p_value, Unavailable):
            return (f"wild cluster bootstrap, clustered by {self.cluster} ({self.n_clusters} "
                    f"clusters): no p-value or interval, {self.p_value.reason}")
        return (f"wild cluster bootstrap, {kind}, {self.weight_type} weights, {draws}, "
                f"clustered by {self.cluster} ({self.n_clusters} clusters); p-value and "
                f"interval from the bootstrap, standard error CR1 (fixest/Stata factor)")

    def to_dict(self) -> dict[str, object]:
        return {
            "estimator": "wild_cluster_bootstrap", "model": self.model, "outcome": self.outcome,
            "se_type": "wild", "se_description": self.se_description(),
            "warnings": list(self.notes),
            "estimate": json_number(self.estimate), "se": json_number(self.se),
            "t_stat": json_number(self.t_stat), "df": int(self.df),
            "analytic_p_value": json_number(self.analytic_p_value),
            "p_value": json_number(self.p_value), "ci_low": json_number(self.ci_low),
            "ci_high": json_number(self.ci_high), "level": float(self.level),
            "null": float(self.null), "impose_null": bool(self.impose_null),
            "weight_type": self.weight_type, "weight_reason": self.weight_reason,
            "draws": int(self.draws), "draws_requested": int(self.draws_requested),
            "distinct_draws": int(self.distinct_draws),
            "full_enumeration": bool(self.full_enumeration), "seed": int(self.seed),
            "n_clusters": int(self.n_clusters),
            "n_treated_clusters": int(self.n_treated_clusters), "n_obs": int(self.n_obs),
            "cluster": self.cluster, "notes": list(self.notes),
            "unavailable": reasons(se=self.se, t_stat=self.t_stat,
                                   analytic_p_value=self.analytic_p_value,
                                   p_value=self.p_value, ci_low=self.ci_low,
                                   ci_high=self.ci_high),
        }


def _count(distinct: int, weight_type: str, n_clusters: int) -> str:
    """``2^50`` rather than sixteen digits when the number is large."""
    if distinct < 10**9:
        return f"{distinct:,}"
    return f"{2 if weight_type == 'rademacher' else 6}^{n_clusters}"


def _show(value: float | Unavailable, digits: int = 6) -> str:
    return str(value) if isinstance(value, Unavailable) else f"{value:.{digits}f}"


@dataclass(frozen=True)
class WildClusterBootstrap:
    """Wild cluster bootstrap p-value and confidence interval for the DiD coefficient.

    Parameters
    ----------
    draws : int
        Bootstrap draws (default 9,999).  When the number of distinct weight vectors
        (``2^G`` Rademacher, ``6^G`` Webb) is not larger, every one is used once instead.
    weight_type : {"auto", "rademacher", "webb"}
        ``"auto"``: Webb's six-point weights below 12 clusters, Rademacher otherwise.
    seed : int
        Seed of the numpy ``Generator`` (reported; the same seed gives the same draws).
    level : float
        Confidence level of the interval.
    impose_null : bool
        True (default): restricted bootstrap (WCR), residuals of the model with
        ``beta = null`` imposed.  False: unrestricted (WCU).
    null : float
        The value of ``beta`` tested (default 0).
    model : {"auto", "twfe", "2x2"}
        ``"auto"``: the 2x2 regression when the columns give ``group``/``post``, else TWFE.

    Columns (``fit``): ``outcome``; for TWFE ``unit``, ``time`` and ``treatment`` or
    ``cohort``; for the 2x2 regression ``group``/``post`` (or a single pilot start).  Clusters
    are ``cluster``, else the unit.  Optional ``covariates``; regression ``weights`` are not
    supported.

    Notes
    -----
    TWFE: ``y_it = a_i + g_t + beta D_it + x_it'c + e_it``; 2x2:
    ``y = a + b G + c P + beta G P + x'c + e``.  With CR1 variance ``V`` the statistic is
    ``t = (beta_hat - beta0) / sqrt(V)``.  WCR draws ``y* = X b_r + u_r o v_g`` (``b_r``, ``u_r``:
    fit and residuals with ``beta = beta0`` imposed; ``v_g`` one weight per cluster), refits,
    and the p-value is ``P*(|t*| >= |t|)`` with ``t* = (beta* - beta0)/sqrt(V*)``.  The interval
    is ``{beta0 : p(beta0) >= 1 - level}``, found by bisection with the draws held fixed
    (test inversion, as ``boottest``/``fwildclusterboot``).  The CR1 factor
    ``G/(G-1) (N-1)/(N-K)`` (fixest convention) cancels in the p-value; it is used for the
    reported se and t.  References: Cameron, Gelbach & Miller (2008); Webb (2023); Roodman,
    Nielsen, MacKinnon & Webb (2019).
    """

    draws: int = 9999
    weight_type: WeightType = "auto"
    seed: int = DEFAULT_SEED
    level: float = 0.95
    impose_null: bool = True
    null: float = 0.0
    model: ModelType = "auto"

    def __post_init__(self) -> None:
        check_choice("weight_type", self.weight_type, WEIGHT_TYPES)
        check_choice("model", self.model, MODEL_TYPES)
        check_level(self.level)
        if isinstance(self.draws, bool) or not isinstance(self.draws, int) or self.draws < 1:
            raise EstimatorConfigError(f"draws={self.draws!r} must be a positive whole number, "
                                       "for example 9999")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise EstimatorConfigError(f"seed={self.seed!r} must be a whole number >= 0")
        if (isinstance(self.null, bool) or not isinstance(self.null, int | float)
                or not np.isfinite(self.null)):
            raise EstimatorConfigError(f"null={self.null!r} must be a finite number, for "
                                       "example 0 to test 'no effect'")
        if not isinstance(self.impose_null, bool):
            raise EstimatorConfigError(f"impose_null={self.impose_null!r} must be True "
                                       "(restricted bootstrap, recommended) or False")

    def fit(self, frame: pd.DataFrame, columns: PanelColumns | None = None,
            **roles: Unpack[PanelRoles]) -> WildBootstrapResult:
        """Bootstrap on ``frame`` (not modified); returns a new ``WildBootstrapResult``.

        ``columns`` is a ``PanelColumns``, or give the roles as keywords
        (``fit(frame, outcome="y", unit="team", time="month", treatment="pilot")``).
        """
        columns = resolve_columns(PanelColumns, columns, roles)
        frame, _ = encode_periods(frame, columns)
        model = self.model
        if model == "auto":
            model = "2x2" if columns.design == "2x2" else "twfe"
        build = two_by_two_regression if model == "2x2" else twfe_regression
        reg, cluster_name, dropped = build(frame, columns)
        g = reg.cluster.n_levels
        if reg.y.shape[0] <= reg.n_params:
            raise EstimationError(
                f"{reg.y.shape[0]} rows cannot estimate {reg.n_params} parameters; the CR1 "
                "statistic needs residual degrees of freedom")
        if g < 2 or g > MAX_CLUSTERS:
            raise EstimationError(
                f"the wild cluster bootstrap needs between 2 and {MAX_CLUSTERS} clusters; "
                f"'{cluster_name}' has {g}" + ("" if g < 2 else
                                               " (with this many, CR1 inference is reliable)"),
                column=cluster_name)
        kind, reason = _weight_choice(self.weight_type, g)
        distinct = (2 if kind == "rademacher" else 6) ** g
        enumerate_all = distinct <= self.draws
        draws = distinct if enumerate_all else self.draws
        maps = bootstrap_maps(reg, impose_null=self.impose_null)
        n = reg.y.shape[0]
        small = g / (g - 1) * (n - 1) / (n - reg.n_params)
        untestable = untestable_reason(maps)
        notes = []
        if untestable is not None:
            notes.append(f"no bootstrap p-value or interval: {untestable}")
        reason_few = few_clusters_reason(g, reg.n_treated_clusters)
        if reason_few is not None:
            notes.append(reason_few)
        if dropped:
            notes.append(f"{dropped} row(s) with a missing value in a model column were dropped")
        if enumerate_all:
            notes.append(f"all {distinct:,} possible weight vectors were used (full enumeration)"
                         "; the p-value is exact for this bootstrap and does not depend on the "
                         "seed")
        if kind == "rademacher" and g < WEBB_BELOW:
            notes.append(f"Rademacher weights with {g} clusters allow only {distinct} distinct "
                         f"draws; Webb weights are recommended below {WEBB_BELOW} clusters")
        if untestable is None:
            inference = self._inference(maps, kind, g, draws, enumerate_all, small)
        else:
            missing = Unavailable(untestable)
            # zero to floating-point precision (the reason says so); Unavailable on overflow
            se_value = 0.0 if np.isfinite(maps.se_raw) else missing
            inference = {"se": se_value, "t_stat": missing, "analytic_p_value": missing,
                         "p_value": missing, "ci_low": missing, "ci_high": missing}
        return WildBootstrapResult(
            outcome=columns.outcome, model=model, estimate=maps.estimate, df=g - 1,
            **inference, level=float(self.level), null=float(self.null), impose_null=self.impose_null,
            weight_type=kind, weight_reason=reason, draws=int(draws),
            draws_requested=self.draws, distinct_draws=int(distinct),
            full_enumeration=enumerate_all, seed=self.seed, n_clusters=g,
            n_treated_clusters=reg.n_treated_clusters, n_obs=n,
            cluster=cluster_name, warnings=tuple(notes),
        )


    def _inference(self, maps: Maps, kind: str, g: int, draws: int, enumerate_all: bool,
                   small: float) -> dict[str, float | Unavailable]:
        """Standard error, t, analytic and bootstrap p-values and the interval (the draws)."""
        rng = np.random.default_rng(self.seed)
        blocks = weight_blocks(kind, g, draws, enumerate_all=enumerate_all, rng=rng)
        stats_ = draw_stats(maps, blocks, impose_null=self.impose_null)
        alpha = 1.0 - self.level
        se = maps.se_raw * np.sqrt(small)
        t_stat = (maps.estimate - self.null) / se
        width = max(t_ppf(1 - alpha / 2, g - 1) * maps.se_raw, maps.se_raw, 1e-300)
        return {"se": float(se), "t_stat": float(t_stat),
                "analytic_p_value": float(2 * t_sf(abs(t_stat), g - 1)),
                "p_value": p_value_at(stats_, maps, float(self.null)),
                "ci_low": invert(stats_, maps, alpha, -1.0, width),
                "ci_high": invert(stats_, maps, alpha, 1.0, width)}


def _weight_choice(requested: str, n_clusters: int) -> tuple[str, str]:
    if requested != "auto":
        return requested, "as requested"
    if n_clusters < WEBB_BELOW:
        return "webb", (f"chosen automatically: {n_clusters} clusters < {WEBB_BELOW}, too few "
                        "for Rademacher weights")
    return "rademacher", f"chosen automatically: {n_clusters} clusters >= {WEBB_BELOW}"
