"""Cox proportional hazards on start-stop rows, Efron or Breslow ties, optionally clustered.

Two engines compute the same model:

* ``"numpy"``: our own Newton-Raphson on the partial likelihood (in ``survival/data.py``),
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

The partial likelihood, Newton-Raphson and the sandwich are in ``cox/likelihood.py``, the
concordance and the proportional-hazards test in ``cox/diagnostics.py``; this module holds the
input checks, ``CoxModel`` and ``CoxResult`` and re-exports the others' public names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, Unpack, get_args

import numpy as np
import pandas as pd
from pilot_eval.estimators.columns import SpellColumns, SpellRoles, resolve_columns
from pilot_eval.estimators.errors import EstimationError
from pilot_eval.estimators.inference.distributions import chi2_sf, norm_ppf, norm_sf
from pilot_eval.estimators.literals import check_choice, check_level
from pilot_eval.estimators.results import Result, Term, tidy_frame
from pilot_eval.estimators.survival.cox.diagnostics import (
    PhTest,
    concordance_counts,
    harrell_concordance,
    km_time_transform,
    schoenfeld_test,
)
from pilot_eval.estimators.survival.cox.likelihood import (
    MAX_ITERATIONS,
    STEP_TOLERANCE,
    CoxData,
    NewtonFit,
    compress,
    fit_partial_likelihood,
    newton_raphson,
)
from pilot_eval.estimators.survival.data import group_levels
from pilot_eval.estimators.survival.lookup import count_distinct
from pilot_eval.estimators.unavailable import json_number

__all__ = [
    "ENGINES", "MAX_ITERATIONS", "STEP_TOLERANCE", "TIES", "CoxCoefficient", "CoxData",
    "CoxModel", "CoxResult", "Engine", "NewtonFit", "PhTest", "Ties", "compress",
    "concordance_counts", "cox_data", "fit_partial_likelihood", "harrell_concordance",
    "km_time_transform", "newton_raphson", "schoenfeld_test",
]

Ties = Literal["efron", "breslow"]
TIES: tuple[str, ...] = get_args(Ties)
Engine = Literal["auto", "lifelines", "numpy"]
ENGINES: tuple[str, ...] = get_args(Engine)


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


def cox_data(frame: pd.DataFrame, columns: SpellColumns, *,
             event_type: object | None) -> CoxData:
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
    entry_name = columns.entry
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
    cluster_name = columns.cluster
    groups = (None if cluster_name is None
              else group_levels(_column(frame, cluster_name, "cluster").to_numpy())[1])
    # column-major: every numeric step walks one covariate column at a time
    return CoxData(x=np.asfortranarray(np.column_stack(x_cols)), names=tuple(columns.covariates), time=time,
                   died=died, entry=start, strata=strata, cluster=groups)


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


@dataclass(frozen=True, repr=False)
class CoxResult(Result):
    """Coefficients, hazard ratios, fit statistics and the proportional-hazards check.

    ``tidy()`` gives the coefficients on the log-hazard scale (``statistic`` = z);
    ``tidy(exponentiate=True)`` the hazard ratios and their intervals (``se`` stays on the
    log scale, as broom).
    """

    title: ClassVar[str] = "Cox proportional hazards"

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

    def headline(self) -> str:
        return (f"{len(self.coefficients)} covariate(s), n = {self.n_obs}, events = "
                f"{self.n_events}; ties: {self.ties.capitalize()}; SE: {self.se_type}")

    def tidy_rows(self) -> tuple[Term, ...]:
        return tuple(Term(c.name, c.coef, c.se, c.coef / c.se, c.p_value, float(np.log(c.ci_low)),
                          float(np.log(c.ci_high))) for c in self.coefficients)

    def tidy(self, exponentiate: bool = False) -> pd.DataFrame:
        """One row per covariate; ``exponentiate=True``: hazard ratios and their intervals."""
        if not exponentiate:
            return super().tidy()
        return tidy_frame(Term(c.name, c.hazard_ratio, c.se, c.coef / c.se, c.p_value,
                               c.ci_low, c.ci_high) for c in self.coefficients)

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
    z = float(norm_ppf(0.5 + level / 2.0))
    return tuple(
        CoxCoefficient(n, float(b), float(s), float(np.exp(b)), float(np.exp(b - z * s)),
                       float(np.exp(b + z * s)), float(2 * norm_sf(abs(b / s))))
        for n, b, s in zip(names, beta, se, strict=True)
    )


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
    level : float
        Confidence level of the hazard-ratio CIs.
    engine : {"auto", "lifelines", "numpy"}
        ``auto`` = ``numpy``: our own Newton-Raphson (R's clustered sandwich); ``lifelines``:
        lifelines ``CoxPHFitter`` (Efron only; its clustered SEs differ from R with ties).
    event_type : optional
        Cause-specific model: only this event value counts, other events are censored.
    ph_alpha : float
        Significance level below which the proportional-hazards warning is raised.

    Columns (``fit``): ``duration``, ``event`` and ``covariates``; optional ``entry`` (entry
    times: the start of each start-stop row, delayed entry), ``strata`` and ``cluster``
    (cluster labels, e.g. team: robust sandwich SEs as R ``coxph(..., cluster=)`` / lifelines
    ``cluster_col``, no small-sample factor).

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

    def fit(self, frame: pd.DataFrame, columns: SpellColumns | None = None,
            **roles: Unpack[SpellRoles]) -> CoxResult:
        """Fit the model to ``frame`` using ``columns.duration``, ``event`` and ``covariates``.

        ``columns`` is a ``SpellColumns``, or give the roles as keywords (``fit(frame,
        duration="months", event="left", covariates=("pilot",), cluster="team")``).
        """
        columns = resolve_columns(SpellColumns, columns, roles)
        data = cox_data(frame, columns, event_type=self.event_type)
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
        return fit_partial_likelihood(data, efron=self.ties == "efron")

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
            lr_df=p, lr_p_value=float(chi2_sf(lr, p)),
            concordance=_concordance(data, beta), n_obs=int(round(data.weights.sum())),
            n_events=int(round(data.weights[data.died].sum())),
            n_clusters=None if data.cluster is None else count_distinct(data.cluster),
            level=self.level,
            se_type=("robust sandwich, clustered (no small-sample factor, as R coxph cluster=)"
                     if data.cluster is not None else "model-based (inverse information)"),
            ph_test=ph, warnings=tuple(warnings),
        )
