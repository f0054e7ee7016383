"""The one orchestration path for a difference-in-differences analysis.

``run_analysis(request, data, progress)`` is used by the CLI, the window and the tests alike:
normalise periods, validate, choose the estimator and the inference, fit, then add what a
reviewer asks for beside the headline (the two-way estimate and its Bacon decomposition for
staggered pilots, the wild cluster bootstrap for few clusters, placebo and leave-one-out checks)
and what the brief shows (pilot vs comparison means over time, the pilot start dates).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import KW_ONLY, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast, get_args

import numpy as np
import pandas as pd

from pilot_eval.choice import Choice, choose_control, choose_estimator, choose_inference
from pilot_eval.estimators import PanelColumns, Unavailable
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.literals import check_choice, check_level
from pilot_eval.estimators.thresholds import (
    EVENT_STUDY_LEADS,
    HONESTDID_SEED,
    SENSITIVITY_WINDOW,
    TREND_WINDOW,
)
from pilot_eval.io import LoadedTable
from pilot_eval.io.periods import normalise_periods
from pilot_eval.polarity import POLARITIES, Polarity  # noqa: F401 - re-exported
from pilot_eval.progress import SILENT, Progress
from pilot_eval.robustness import (
    Estimate,
    covariate_check,
    in_time_placebo,
    leave_one_out,
)
from pilot_eval.small_pilots import answer_hint
from pilot_eval.summaries import (
    balanced_units,
    cohort_column,
    group_means,
    pilot_starts,
    start_periods,
)
from pilot_eval.usage import UNBALANCED_CHOICES, PanelUsage, UnbalancedChoice, panel_usage
from pilot_eval.validation import ValidationReport, validate_panel

if TYPE_CHECKING:
    from pilot_eval.estimators.did.callaway_santanna.estimator import (
        BasePeriod,
        ControlGroup,
        CsMethod,
    )
    from pilot_eval.estimators.did.sun_abraham.estimator import ControlGroup as SaControl
    from pilot_eval.estimators.did.twfe import CrossCheckMode
    from pilot_eval.estimators.did.wild_bootstrap.estimator import ModelType
    from pilot_eval.estimators.literals import SeType

EstimatorName = Literal["auto", "2x2", "twfe", "event-study", "callaway-santanna",
                        "sun-abraham", "synthetic-did", "synthetic-control"]
ESTIMATORS: tuple[str, ...] = get_args(EstimatorName)
SYNTHETIC = ("synthetic-did", "synthetic-control")
PLACEBO_REPS = 200  # R synthdid's replications
SeChoice = Literal["auto", "iid", "hc1", "cluster", "wild"]
SE_CHOICES: tuple[str, ...] = get_args(SeChoice)
DEFAULT_SEED = 20240601
WILD_DRAWS = 9999
COHORT = "__cohort__"


@dataclass(frozen=True)
class DidOptions:
    """How to estimate, for any outcome; checked when made (keyword-only).

    ``checks`` runs the placebo, leave-one-out and covariate checks; ``bacon`` the decomposition
    of the two-way estimate (always run beside a staggered headline).  ``bootstrap`` is the
    number of draws of the wild cluster bootstrap (two-way and 2x2 estimates) or of the
    multiplier bootstrap (Callaway & Sant'Anna).  Projects store these options as they are.
    """

    _: KW_ONLY
    estimator: EstimatorName = "auto"
    se: SeChoice = "auto"
    level: float = 0.95
    control: ControlGroup = "never"
    method: CsMethod = "dr"
    base_period: BasePeriod = "varying"
    anticipation: int = 0
    bootstrap: int = 0
    seed: int = DEFAULT_SEED
    checks: bool = False
    bacon: bool = False
    leads: int | None = None
    lags: int | None = None
    sensitivity: bool = False
    unbalanced: UnbalancedChoice = "auto"
    placebo_reps: int = PLACEBO_REPS

    def __post_init__(self) -> None:
        check_choice("estimator", self.estimator, ESTIMATORS)
        if isinstance(self.placebo_reps, bool) or not isinstance(self.placebo_reps, int) \
                or self.placebo_reps < 2:
            raise EstimatorConfigError(
                f"placebo_reps={self.placebo_reps!r} must be a whole number of 2 or more (the "
                "placebo replications of synthetic DiD; 200 is usual)")
        check_choice("unbalanced", self.unbalanced, UNBALANCED_CHOICES)
        check_choice("se", self.se, SE_CHOICES)
        check_level(self.level)
        if self.se == "wild" and self.estimator == "callaway-santanna":
            raise EstimatorConfigError(
                "se='wild' applies to the two-way and 2x2 estimates; Callaway & Sant'Anna uses "
                "its multiplier bootstrap: give bootstrap=N (--bootstrap N) instead")

    def options(self) -> DidOptions:
        """Just the options (without the columns and the outcome's description)."""
        return DidOptions(**self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        """The options as a JSON-safe dictionary (what a project file stores)."""
        return {f.name: getattr(self, f.name) for f in fields(DidOptions)}


@dataclass(frozen=True)
class DidRequest(DidOptions):
    """What to estimate: column roles, the options, and how to describe the outcome.

    ``outcome_label``, ``outcome_unit`` and ``polarity`` describe the outcome for the brief
    (``polarity`` says whether a rise is good news).
    """

    columns: PanelColumns
    _: KW_ONLY
    outcome_label: str | None = None
    outcome_unit: str = ""
    polarity: Polarity = "neutral"

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice("polarity", self.polarity, POLARITIES)


@dataclass(frozen=True)
class DataInfo:
    """Where the data came from and how much of it was used."""

    file: str | None
    sha256: str | None
    n_rows: int
    n_rows_used: int

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "sha256": self.sha256, "n_rows": self.n_rows,
                "n_rows_used": self.n_rows_used}


@dataclass(frozen=True)
class DidAnalysis:
    """The result of ``run_analysis``: the headline result plus what surrounds it.

    ``extras`` maps JSON keys (``twfe``, ``bacon``, ``wild_bootstrap``, ``placebo``,
    ``leave_one_out``, ``covariate_check``) to results (or ``Unavailable``).
    """

    request: DidRequest
    result: Any
    validation: ValidationReport
    choice: Choice
    data: DataInfo
    group_means: tuple[dict[str, Any], ...] = ()
    pilot_starts: tuple[dict[str, Any], ...] = ()
    extras: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    period_labels: dict[int, str] = field(default_factory=dict)
    period_kind: str = "integer"
    usage: PanelUsage | None = None

    @property
    def wild(self) -> Any | None:
        return self.extras.get("wild_bootstrap") if self.choice.inference == "wild" else None

    def summary(self) -> str:
        """The ``did`` command's text, from the same report as its JSON and the brief."""
        from pilot_eval.report.build_outcome import outcome_report

        report = outcome_report(self)
        headline = report.headline
        result = self.result
        if self.period_labels and hasattr(result, "period_labels"):  # periods by their labels
            result = replace(result, period_labels=dict(self.period_labels))
        lines = [result.summary()]
        w = self.wild
        if headline.analytic is not None and w is not None:  # the headline's figures first
            lines = [f"Headline: estimate {self.result.estimate:.6g}; wild cluster bootstrap "
                     f"({w.weight_type}, {w.draws:,} draws): p = {_text(headline.p_value)}, "
                     f"{headline.level:.0%} CI {_text(headline.ci_low)} to "
                     f"{_text(headline.ci_high)}", "",
                     "Cluster-robust (CR1) figures of the same estimate, for reference:",
                     *lines]
        checks = (["Checks of the synthetic comparison:",
                   *(f"  {c.name}: {c.rating} ({c.text})" for c in report.synthetic.checks)]
                  if report.synthetic is not None else
                  [f"Pre-trend test read: {report.pretest.why}"])
        lines += ["", f"Estimator: {headline.estimator} ({headline.estimator_reason})",
                  f"Inference: {headline.inference_reason}", *checks,
                  f"Evidence strength: {report.evidence.label}"
                  + "".join(f" {why}" for why in report.evidence.reasons)]
        if self.usage is not None and "rows_used" not in self.validation.codes():
            lines.append(f"Data used: {self.usage.message()}")
        twfe = report.twfe
        if twfe is not None and not isinstance(twfe, Unavailable):
            lines += ["", f"Two-way fixed effects, for comparison: {_text(twfe.estimate)} "
                          f"({twfe.level:.0%} CI {_text(twfe.ci_low)} to {_text(twfe.ci_high)})"]
        for key in ("bacon", "sensitivity", "placebo", "leave_one_out"):
            value = self.extras.get(key)
            if value is not None and not isinstance(value, Unavailable):
                if self.period_labels and hasattr(value, "period_labels"):  # Apr 2024, not 24291
                    value = replace(value, period_labels=dict(self.period_labels))
                lines += ["", value.summary()]
                if key == "bacon":
                    lines += _bacon_sample(report.bacon, twfe)
        lines += [""] + [p.describe() for p in self.validation.warnings] + list(self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The ``did --json`` object: the estimator's dictionary, the extras beside it, and
        every decision taken from the analysis' report (``pilot_eval.report.legacy``)."""
        from pilot_eval.report.legacy import did_json

        out = did_json(self)
        if self.usage is not None:
            out["usage"] = self.usage.to_dict()
        return out


def _text(value: Any) -> str:
    """Four significant figures, never in e-notation for a council's sizes (``25,760``,
    ``-0.03669``), as the technical report's tables write them."""
    from pilot_eval.report.words import significant

    return value.reason if isinstance(value, Unavailable) else significant(value, 4)


def run_analysis(
    request: DidRequest,
    data: LoadedTable | pd.DataFrame,
    progress: Progress | None = None,
    *,
    cross_check: CrossCheckMode = "never",
) -> DidAnalysis:
    """Validate ``data`` and estimate the pilot's effect as ``request`` asks.

    ``cross_check`` re-estimates the two-way fits for the QA record: ``"never"``, ``"auto"``
    (dense least squares with numpy where the data is small enough: milliseconds) or
    ``"always"`` (linearmodels: about half a second to import, then about a hundred times the
    fit; issue 12).

    Raises ``pilot_eval.errors.ValidationFailed`` (every problem at once) when the data cannot
    be used, and ``AnalysisCancelled`` when ``progress`` is cancelled.
    """
    progress = progress or SILENT
    progress.report(0.0, "Checking the data")
    frame, file, sha256 = _unpack(data)
    columns = request.columns
    labels: dict[int, str] = {}
    kind = "integer"
    if columns.time is not None and columns.time in frame.columns:
        blank = frame[columns.time].isna()
        if blank.any():  # as the checks say: rows without a period are left out
            frame = frame[~blank.to_numpy()]
        periods = normalise_periods(frame, time=columns.time, cohort=columns.cohort, file=file)
        frame, labels, kind = periods.frame, dict(periods.labels), str(periods.kind)
    report = validate_panel(frame, columns, file=file, options=request)
    report.raise_if_errors()
    progress.report(0.1, "Choosing the estimator")
    starts = start_periods(frame, columns) if columns.design != "2x2" else None
    choice = choose_estimator(frame, columns, request.estimator, starts=starts)
    if starts is not None:
        choice = choose_control(frame, columns, choice, request.estimator, request.control,
                                starts=starts, file=file)
    if choice.control is not None and choice.control != request.control:
        # choose_control picks "never" or "not-yet" (Choice.control is typed str)
        request = replace(request, control=cast("ControlGroup", choice.control))
    inferred, choice = choose_inference(frame, columns, choice, request.se, starts=starts)
    se = cast("SeType", inferred)  # choose_inference resolves "auto"/"wild" to an se type
    report = answer_hint(report, choice.estimator)  # "use a small-pilot method": it is used
    usage = None
    if columns.unit is not None:
        try:
            usage = panel_usage(frame, columns, choice.estimator, control=request.control,
                                method=request.method, anticipation=request.anticipation,
                                unbalanced=request.unbalanced)
        except EstimationError as error:
            from pilot_eval.errors import PilotEvalError

            raise PilotEvalError(f"{choice.estimator}: {error}", file=file,
                                 column=error.column) from error
        if usage.unbalanced is not None:
            request = replace(request, unbalanced=usage.unbalanced)
    progress.report(0.2, f"Estimating ({choice.estimator})")
    try:
        result = _fit(choice.estimator, frame, columns, request, se, cross_check=cross_check)
    except EstimationError as error:  # say which file, as every data problem does
        from pilot_eval.errors import PilotEvalError

        raise PilotEvalError(f"{choice.estimator}: {error}", file=file,
                             column=error.column) from error
    extras, notes = _extras(frame, columns, request, choice, result, se, progress,
                            cross_check=cross_check)
    choice = _wild_fallback(choice, extras.get("wild_bootstrap"))
    progress.report(0.95, "Summarising pilot and comparison groups")
    info = DataInfo(file=file, sha256=sha256, n_rows=len(frame),
                    n_rows_used=int(getattr(result, "n_obs", len(frame))))
    progress.report(1.0, "Done")
    return DidAnalysis(request=request, result=result, validation=report, choice=choice,
                       data=info, group_means=group_means(frame, columns, labels, starts=starts),
                       pilot_starts=pilot_starts(frame, columns, labels, starts=starts),
                       extras=extras,
                       notes=notes, period_labels=labels, period_kind=kind,
                       usage=usage)


def _unpack(data: LoadedTable | pd.DataFrame) -> tuple[pd.DataFrame, str | None, str | None]:
    if isinstance(data, LoadedTable):
        return data.frame, Path(data.path).name, data.sha256
    return data, None, None


def _fit(estimator: str, frame: pd.DataFrame, columns: PanelColumns, request: DidRequest,
         se: SeType, *, cross_check: CrossCheckMode = "never") -> Any:
    if estimator == "2x2":
        from pilot_eval.estimators.did.two_by_two import DidTwoByTwo

        return DidTwoByTwo(se=se, level=request.level).fit(frame, columns)
    if estimator in SYNTHETIC:
        return _synthetic(estimator, frame, columns, request)
    if estimator == "callaway-santanna":
        model, frame, columns = _callaway(frame, columns, request)
        return model.fit(frame, columns)
    if estimator == "event-study":
        return _event_study(frame, columns, request, se, leads=request.leads)
    if estimator == "sun-abraham":
        from pilot_eval.estimators.did.sun_abraham.estimator import SunAbraham

        control: SaControl = "last" if request.control == "not-yet" else "never"
        return SunAbraham(control=control, se=se, level=request.level).fit(
            frame, replace(columns, covariates=()))
    from pilot_eval.estimators.did.twfe import TwoWayFixedEffects

    return TwoWayFixedEffects(se=se, level=request.level,
                              cross_check=cross_check).fit(frame, columns)


def _callaway(frame: pd.DataFrame, columns: PanelColumns, request: DidRequest) -> tuple[
        Any, pd.DataFrame, PanelColumns]:
    """The Callaway & Sant'Anna estimator the request asks for, with its frame and roles."""
    from pilot_eval.estimators.did.callaway_santanna.estimator import CallawaySantAnna

    if columns.cohort is None:
        frame, columns = cohort_column(frame, columns, COHORT), replace(
            columns, cohort=COHORT, treatment=None)
    return CallawaySantAnna(
        control=request.control, method=request.method,
        base_period=request.base_period, anticipation=request.anticipation,
        level=request.level, bootstrap=request.bootstrap,
        seed=request.seed if request.bootstrap else None,
        unbalanced="drop" if request.unbalanced == "auto" else request.unbalanced,
    ), frame, columns


def _event_study(frame: pd.DataFrame, columns: PanelColumns, request: DidOptions, se: SeType, *,
                 leads: int | None) -> Any:
    from pilot_eval.estimators.did.event_study.estimator import EventStudy

    return EventStudy(leads=leads, lags=request.lags, se=se, level=request.level).fit(
        frame, replace(columns, covariates=()))


def _synthetic(estimator: str, frame: pd.DataFrame, columns: PanelColumns,
               request: DidRequest) -> Any:
    """Synthetic DiD (placebo SE for few pilot units) or synthetic control with placebos.

    Clusters and regression weights do not apply (the placebo replications play their part).
    """
    from pilot_eval.estimators.did.synthetic.control import SyntheticControl
    from pilot_eval.estimators.did.synthetic.estimator import SyntheticDid

    roles = replace(columns, cluster=None, weights=None)
    if estimator == "synthetic-control":
        return SyntheticControl().fit(frame, replace(roles, covariates=()))
    return SyntheticDid(replications=request.placebo_reps, seed=request.seed,
                        level=request.level).fit(frame, roles)


def _extras(frame: pd.DataFrame, columns: PanelColumns, request: DidRequest, choice: Choice,
            result: Any, se: SeType, progress: Progress, *,
            cross_check: CrossCheckMode = "never") -> tuple[dict[str, Any], tuple[str, ...]]:
    """The results shown beside the headline, keyed by their JSON names, and notes on them."""
    extras: dict[str, Any] = {}
    notes: list[str] = []
    staggered = choice.estimator == "callaway-santanna"
    panel = columns.design != "2x2"
    synthetic = choice.estimator in SYNTHETIC
    if synthetic:
        progress.report(0.4, "Difference-in-differences beside the synthetic estimate")
        twfe_roles, _ = _without_absorbed(frame, columns)
        extras["twfe"] = _or_unavailable(lambda: _fit("twfe", frame, twfe_roles, request,
                                                      "cluster", cross_check=cross_check))
        if choice.estimator == "synthetic-did":
            extras["synthetic_control"] = _or_unavailable(
                lambda: _synthetic("synthetic-control", frame, columns, request))
    if staggered:
        progress.report(0.4, "Two-way fixed effects for comparison")
        twfe_roles, absorbed = _without_absorbed(frame, columns)
        extras["twfe"] = _or_unavailable(lambda: _fit("twfe", frame, twfe_roles, request, se,
                                                      cross_check=cross_check))
        if absorbed and not isinstance(extras["twfe"], Unavailable):
            notes.append(f"The two-way comparison leaves out {', '.join(absorbed)}: constant "
                         "within each unit, so the unit effects already absorb it (Callaway & "
                         "Sant'Anna uses it to compare like with like).")
    if panel and choice.estimator != "event-study" and frame[columns.time].nunique() >= 3:
        progress.report(0.45, "Event study (pre-trend test)")
        leads = request.leads if request.leads is not None else EVENT_STUDY_LEADS
        extras["event_study"] = _or_unavailable(
            lambda: _event_study(frame, columns, request, se, leads=leads))
    if panel and not synthetic and "event_study" in extras:
        extras["trend_bias"] = _or_unavailable(
            lambda: trend_bias(frame, columns, request, choice.estimator, se))
    if panel and (staggered or request.bacon):
        from pilot_eval.estimators.did.bacon import BaconDecomposition

        progress.report(0.5, "Decomposing the two-way estimate (Goodman-Bacon)")
        bacon_roles = columns
        bacon_frame, dropped = balanced_units(frame, columns)
        if columns.cohort is None:
            bacon_frame = cohort_column(bacon_frame, columns, COHORT)
            bacon_roles = replace(columns, cohort=COHORT, treatment=None)
        extras["bacon"] = _or_unavailable(
            lambda: BaconDecomposition().fit(bacon_frame, bacon_roles))
        if dropped and not isinstance(extras["bacon"], Unavailable):
            shown = ", ".join(str(u) for u in dropped[:5]) + (" ..." if len(dropped) > 5 else "")
            notes.append(f"The Bacon decomposition needs every unit in every period, so it "
                         f"leaves out {len(dropped)} unit(s) with a missing month or outcome "
                         f"({shown}); it decomposes the two-way estimate on the rest.")
    if not synthetic and (choice.inference == "wild" or (panel and choice.few_clusters)):
        progress.report(0.6, "Wild cluster bootstrap")
        extras["wild_bootstrap"] = _or_unavailable(lambda: _wild(frame, columns, request, choice))
    if request.sensitivity and panel:
        progress.report(0.65, "Sensitivity to parallel-trend violations (HonestDiD)")
        extras["sensitivity"] = _or_unavailable(
            lambda: Sensitivity.of(frame, columns, request, se))
    if request.checks:
        extras.update(_checks(frame, columns, request, choice, result, se, progress))
    return extras, tuple(notes)




def _bacon_sample(bacon: Any, twfe: Any) -> list[str]:
    """Under the decomposition, when it is of fewer units than the two-way estimate above it
    (it needs every unit in every period): say so beside the two figures."""
    if bacon is None or isinstance(bacon, Unavailable) or twfe is None \
            or isinstance(twfe, Unavailable) or not bacon.n_units or not twfe.n_units \
            or bacon.n_units >= twfe.n_units:
        return []
    return [f"The decomposition is of the two-way estimate on the {bacon.n_units:,} units "
            f"observed in every period ({_text(bacon.twfe_estimate)}); the two-way estimate "
            f"above ({_text(twfe.estimate)}) uses all {twfe.n_units:,} units."]


@dataclass(frozen=True)
class Sensitivity:
    """Rambachan & Roth (2023) bounds on the average post-period effect of an event study:
    relative magnitudes (HonestDiD's C-LF hybrid, Mbar grid) and smoothness (FLCI, M grid)."""

    relative_magnitude: Any
    smoothness: Any
    window: tuple[int, int]
    notes: tuple[str, ...] = ()
    trend: Any = None
    """The smoothness bound at M = 0 over the longer ``TREND_WINDOW`` (``TrendBound``)."""

    @classmethod
    def of(cls, frame: pd.DataFrame, columns: PanelColumns, request: DidOptions,
           se: SeType) -> Sensitivity:
        import warnings

        from pilot_eval.estimators.did.event_study.estimator import EventStudy
        from pilot_eval.estimators.did.honest.bounds import from_event_study, smoothness_bounds
        from pilot_eval.estimators.did.honest.relative_magnitude import relative_magnitude_bounds

        leads, lags = SENSITIVITY_WINDOW
        study = EventStudy(leads=leads, lags=lags, bin_endpoints=False, se=se,
                           level=request.level).fit(frame, replace(columns, covariates=()))
        inputs = from_event_study(study)
        average = np.full(inputs.n_post, 1.0 / inputs.n_post)  # the mean post-period effect
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            rm = _or_unavailable(lambda: relative_magnitude_bounds(
                inputs.beta, inputs.sigma, n_pre=inputs.n_pre, l_vec=average,
                seed=HONESTDID_SEED))
        notes = tuple(str(w.message) for w in caught)
        sd = smoothness_bounds(inputs.beta, inputs.sigma, n_pre=inputs.n_pre, l_vec=average)
        trend = _or_unavailable(lambda: linear_trend(frame, columns, request, se))
        return cls(rm, sd, (-inputs.n_pre - 1, inputs.n_post - 1), notes, trend)

    @property
    def breakdown(self) -> float | None:
        """The largest Mbar whose robust interval excludes zero; 0 when even Mbar = 0 (no
        violation) leaves zero inside the interval; ``None`` when the bounds are unavailable."""
        rm = self.relative_magnitude
        if isinstance(rm, Unavailable):
            return None
        return 0.0 if rm.breakdown is None else rm.breakdown

    def summary(self) -> str:
        parts = [self.smoothness.summary()]
        if not isinstance(self.relative_magnitude, Unavailable):
            parts.insert(0, self.relative_magnitude.summary())
        heading = ("Sensitivity to parallel-trend violations (HonestDiD; Rambachan & Roth 2023): "
                   "bounds on the event study's average effect over event times 0 to "
                   f"{self.window[1]}, not on the headline estimate ('original CI' is that "
                   "average's own range)")
        return "\n".join([heading, *parts, *self.notes])

    def to_dict(self) -> dict[str, Any]:
        rm = self.relative_magnitude
        return {"relative_magnitude": ({"unavailable": rm.reason} if isinstance(rm, Unavailable)
                                       else rm.to_dict()),
                "smoothness": self.smoothness.to_dict(),
                "breakdown": self.breakdown,
                "event_window": list(self.window), "notes": list(self.notes),
                "seed": HONESTDID_SEED,
                "linear_trend": (None if self.trend is None else
                                 {"unavailable": self.trend.reason}
                                 if isinstance(self.trend, Unavailable)
                                 else self.trend.to_dict()),
                "parameter": "the average of the event-study effects in post-periods "
                             f"0..{self.window[1]}"}


@dataclass(frozen=True)
class TrendBias:
    """The headline estimator's bias per unit of slope when the pilot units drift from the
    comparison units along a straight line (zero at the first start): the headline re-run on
    that drift alone, with the data's own units, periods and gaps (every estimator here is
    linear in the outcome).  A pre-trend test's power is judged against the slope that would
    bias the headline by as much as its estimate."""

    per_slope: float

    def to_dict(self) -> dict[str, Any]:
        return {"per_slope": self.per_slope}


def trend_bias(frame: pd.DataFrame, columns: PanelColumns, request: DidRequest,
               estimator: str, se: SeType) -> TrendBias:
    starts = start_periods(frame, columns)
    times = frame[columns.time].to_numpy(dtype=float)
    pilot = frame[columns.unit].isin(starts.index).to_numpy()
    outcome = pd.to_numeric(frame[columns.outcome], errors="coerce").to_numpy(dtype=float)
    drift = np.where(pilot, times - float(starts.min()), 0.0)
    drift[np.isnan(outcome)] = np.nan
    fitted = _fit(estimator, frame.assign(**{columns.outcome: drift}), columns, request, se,
                  cross_check="never")
    return TrendBias(float(fitted.estimate))


@dataclass(frozen=True)
class TrendBound:
    """The average post-period effect allowing any linear pre-trend to continue: Rambachan &
    Roth's smoothness bound at M = 0 (``linear_trend_interval``), on an event study of up to
    ``TREND_WINDOW`` leads and lags so that the trend is fitted on many pre-periods."""

    interval: Any
    window: tuple[int, int]

    def to_dict(self) -> dict[str, Any]:
        return {**self.interval.to_dict(), "event_window": list(self.window),
                "parameter": "the average of the event-study effects in post-periods "
                             f"0..{self.window[1]}"}


def linear_trend(frame: pd.DataFrame, columns: PanelColumns, request: DidOptions,
                 se: SeType) -> TrendBound:
    from pilot_eval.estimators.did.event_study.estimator import EventStudy
    from pilot_eval.estimators.did.honest.bounds import from_event_study
    from pilot_eval.estimators.did.honest.linear_trend import linear_trend_interval

    leads, lags = TREND_WINDOW
    study = EventStudy(leads=leads, lags=lags, bin_endpoints=False, se=se,
                       level=request.level).fit(frame, replace(columns, covariates=()))
    inputs = from_event_study(study)
    average = np.full(inputs.n_post, 1.0 / inputs.n_post)
    interval = linear_trend_interval(inputs.beta, inputs.sigma, n_pre=inputs.n_pre,
                                     l_vec=average, alpha=1.0 - request.level)
    return TrendBound(interval, (-inputs.n_pre - 1, inputs.n_post - 1))


def _without_absorbed(frame: pd.DataFrame,
                      columns: PanelColumns) -> tuple[PanelColumns, tuple[str, ...]]:
    """The roles without covariates that are constant within every unit (the unit fixed
    effects absorb them), and the names of those left out."""
    if not columns.covariates or columns.unit is None:
        return columns, ()
    varying = frame.groupby(columns.unit, sort=False)[list(columns.covariates)].nunique(
        dropna=True).max()
    absorbed = tuple(c for c in columns.covariates if varying[c] <= 1)
    kept = tuple(c for c in columns.covariates if c not in absorbed)
    return replace(columns, covariates=kept), absorbed


def _wild_fallback(choice: Choice, wild: Any) -> Choice:
    """Analytic inference for the headline when the wild bootstrap it was to use could not
    run; the reason is said."""
    if choice.inference != "wild" or not isinstance(wild, Unavailable):
        return choice
    return replace(choice, inference="analytic", inference_reason=(
        f"{choice.inference_reason}; but the wild cluster bootstrap could not run here "
        f"({wild.reason}), so the range and p-value are cluster-robust (CR1): treat them "
        "with caution"))


def _wild(frame: pd.DataFrame, columns: PanelColumns, request: DidRequest,
          choice: Choice) -> Any:
    from pilot_eval.estimators.did.wild_bootstrap.estimator import WildClusterBootstrap

    model: ModelType = "2x2" if choice.estimator == "2x2" else "twfe"
    draws = request.bootstrap or WILD_DRAWS
    return WildClusterBootstrap(draws=draws, seed=request.seed, level=request.level,
                                model=model).fit(frame, columns)


def _checks(frame: pd.DataFrame, columns: PanelColumns, request: DidRequest, choice: Choice,
            result: Any, se: SeType, progress: Progress) -> dict[str, Any]:
    def fit_headline(data: pd.DataFrame, roles: PanelColumns) -> Estimate:
        progress.check()
        return Estimate.of(_fit(choice.estimator, data, roles, request, se, cross_check="never"))

    def fit_twfe(data: pd.DataFrame, roles: PanelColumns) -> Estimate:
        return Estimate.of(_fit("twfe", data, roles, request, se, cross_check="never"))

    full = Estimate.of(result)
    checks: dict[str, Any] = {}
    progress.report(0.7, "In-time placebo")
    starts = start_periods(frame, columns)
    checks["placebo"] = _or_unavailable(lambda: in_time_placebo(frame, columns, starts,
                                                                fit_twfe))
    progress.report(0.75, "Leaving out one pilot unit at a time")
    pilots = pd.Index(starts.index) if columns.design != "2x2" else pd.Index(
        frame.loc[frame[columns.group] == 1, columns.unit].unique() if columns.unit else [])
    refits = None
    if choice.estimator == "callaway-santanna":  # one prepared panel for every refit
        from pilot_eval.estimators.did.callaway_santanna.leave_out import overall_without_each

        model, cs_frame, cs_roles = _callaway(frame, columns, request)

        def refits(units: list[Any]) -> Iterator[tuple[Any, Estimate]]:
            for unit, refit in overall_without_each(model, cs_frame, cs_roles, units):
                progress.check()
                yield unit, Estimate.of(refit)
    checks["leave_one_out"] = _or_unavailable(
        lambda: leave_one_out(frame, columns, pilots, fit_headline, full=full, refits=refits))
    progress.report(0.9, "With and without covariates")
    checks["covariate_check"] = _or_unavailable(
        lambda: covariate_check(frame, columns, fit_headline, full=full))
    return checks


def _or_unavailable(compute) -> Any:
    """Run a secondary check; a data problem there makes it unavailable, not the analysis."""
    from pilot_eval.errors import PilotEvalError

    try:
        return compute()
    except (EstimationError, EstimatorConfigError, PilotEvalError) as error:
        return Unavailable(str(error))


def with_outcome(request: DidRequest, outcome: str, **describe: Any) -> DidRequest:
    """The same request for another outcome column (used for multi-outcome runs)."""
    return replace(request, columns=replace(request.columns, outcome=outcome), **describe)
