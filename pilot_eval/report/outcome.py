"""The report of one outcome: the headline and the checks beside it (frozen, typed).

Built once by ``pilot_eval.report.build_outcome`` from a ``DidAnalysis``; read by the brief,
the window, ``did --json`` and results.json.  Every decision (which interval is the headline,
which pre-trend test is read, which event-study rows are shown) is already made here: a reader
formats these fields, it never chooses between them.

Conventions: a statistic that could not be computed is ``Unavailable(reason)``; a check that
was not run is ``None``; a check that ran but could not be computed is ``Unavailable(reason)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pilot_eval.estimators import Unavailable
from pilot_eval.polarity import Polarity
from pilot_eval.report.evidence_model import EvidenceRating
from pilot_eval.report.planning_report import PlanningSection
from pilot_eval.report.synthetic import SyntheticSection
from pilot_eval.report.values import Value


@dataclass(frozen=True)
class Clusters:
    """The one cluster count of the headline, and what it counts.

    ``n`` clusters of ``variable`` (``counts`` says what they are in words, e.g. ``teams``),
    ``n_pilot`` of them in the pilot; ``None`` when the inference is not clustered.
    """

    n: int | None
    variable: str | None
    counts: str
    n_pilot: int | None = None


@dataclass(frozen=True)
class AnalyticInference:
    """The analytic (model-based) inference kept beside a wild-bootstrap headline."""

    se: Value
    ci_low: Value
    ci_high: Value
    p_value: Value
    se_type: str
    se_description: str


@dataclass(frozen=True)
class Headline:
    """The headline estimate: estimator and why, inference used and why, the figures.

    ``ci_low``/``ci_high``/``p_value`` are those of the inference used (``inference``:
    ``"analytic"`` or ``"wild"``); with the wild bootstrap the analytic ones are in
    ``analytic``.  ``se`` is the analytic standard error (the bootstrap has none).
    """

    estimator: str
    estimator_reason: str
    inference: str
    inference_reason: str
    se_type: str
    se_description: str
    estimate: Value
    se: Value
    ci_low: Value
    ci_high: Value
    p_value: Value
    level: float
    n_obs: int | None
    n_units: int | None
    n_periods: int | None
    clusters: Clusters
    t_stat: Value | None = None
    df: float | None = None
    small_sample_factor: float | None = None
    critical_value: float | None = None
    analytic: AnalyticInference | None = None
    comparison: str = ""
    """Who the pilot units were compared with: ``"never"`` (never-piloted units),
    ``"not-yet"`` (units not yet piloted), ``"last"`` (the last wave, before it started),
    ``"synthetic"`` (a weighted synthetic comparison) or ``""`` (comparison units in general,
    e.g. two-way fixed effects with staggered starts).  ``report.words.comparison_group``
    says it in words."""


@dataclass(frozen=True)
class EventTimeRow:
    """One event-study effect ``e`` periods from the start (``label`` in words)."""

    e: int
    label: str
    estimate: Value
    se: Value
    ci_low: Value
    ci_high: Value
    is_reference: bool = False


@dataclass(frozen=True)
class EventStudy:
    """The event-study rows shown for this outcome and where they come from.

    ``source``: ``"dynamic aggregation"`` (Callaway & Sant'Anna's effects by event time) or
    ``"event study"`` (two-way event study with binned endpoints).  ``reference`` is the
    normalised period (``None`` when there is none, as in the dynamic aggregation).
    """

    source: str
    rows: tuple[EventTimeRow, ...]
    reference: int | None = None


@dataclass(frozen=True)
class PreTrendTest:
    """A joint test that the pre-pilot effects are zero.

    ``source``: ``"event study"`` (binned leads; few restrictions) or ``"estimator"`` (the
    headline estimator's own pre-test, e.g. Callaway & Sant'Anna's on every pre ATT(g,t)).
    ``reliable`` is False when it tests too many restrictions for the clusters (``note`` says
    why).  ``lead_rows`` are the pre-pilot estimates it tested, to judge whether it could see a
    trend as large as the effect.
    """

    source: str
    statistic: Value
    df: float | None
    p_value: Value
    reliable: bool
    note: str
    test: str = ""
    df_denominator: float | None = None
    leads: tuple[int, ...] = ()
    lead_rows: tuple[EventTimeRow, ...] = ()
    power: float | None = None
    """The test's chance of detecting a linear trend large enough to explain the whole
    headline effect (``power_slope`` per period; Roth 2022); ``None`` when not computed."""
    power_slope: float | None = None
    slope_80: float | None = None
    """The trend (per period) the test detects with 80% probability."""


@dataclass(frozen=True)
class PreTrendChoice:
    """Which pre-trend test is read (``used``; ``None`` when none can be), and why."""

    used: PreTrendTest | None
    why: str
    tests: tuple[PreTrendTest, ...] = ()


@dataclass(frozen=True)
class ComparisonEstimate:
    """Another estimator's estimate shown beside the headline (e.g. two-way fixed effects)."""

    estimator: str
    estimate: Value
    se: Value
    ci_low: Value
    ci_high: Value
    p_value: Value
    level: float
    se_description: str
    n_obs: int | None = None
    n_units: int | None = None
    n_clusters: int | None = None
    se_type: str = ""


@dataclass(frozen=True)
class BaconType:
    """The weight and average estimate of one type of 2x2 comparison."""

    type: str
    weight: float
    estimate: Value


@dataclass(frozen=True)
class BaconComparison:
    """One 2x2 comparison of the Goodman-Bacon decomposition (cohorts by label)."""

    treated: str
    comparison: str
    type: str
    estimate: Value
    weight: float


@dataclass(frozen=True)
class Bacon:
    """The Goodman-Bacon decomposition of the two-way estimate."""

    twfe_estimate: Value
    by_type: tuple[BaconType, ...]
    comparisons: tuple[BaconComparison, ...]
    n_units: int | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class WildBootstrap:
    """The wild cluster bootstrap (restricted; range by test inversion)."""

    p_value: Value
    ci_low: Value
    ci_high: Value
    level: float
    weight_type: str
    draws: int | None
    se_description: str
    seed: int | None = None
    n_clusters: int | None = None


@dataclass(frozen=True)
class CheckEstimate:
    """An estimate re-run for a robustness check."""

    estimate: Value
    ci_low: Value
    ci_high: Value
    p_value: Value
    n_obs: int | None


@dataclass(frozen=True)
class Placebo:
    """The in-time placebo: a fake pilot start before the real one (before-period data)."""

    result: CheckEstimate
    fake_start: int
    fake_start_label: str
    shift: int
    passed: bool
    note: str


@dataclass(frozen=True)
class LeaveOneOutRow:
    unit: str
    result: CheckEstimate


@dataclass(frozen=True)
class LeaveOneOut:
    """The headline re-estimated without each pilot unit; ``hinge_units`` change the
    conclusion when left out."""

    full: CheckEstimate
    rows: tuple[LeaveOneOutRow, ...]
    hinge_units: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class CovariateCheck:
    """The headline with and without the covariates."""

    covariates: tuple[str, ...]
    with_covariates: CheckEstimate
    without_covariates: CheckEstimate
    difference: Value


@dataclass(frozen=True)
class BoundRow:
    """A robust interval at one size of violation (``m``: Mbar or M)."""

    m: float
    low: Value
    high: Value
    excludes_zero: bool


@dataclass(frozen=True)
class TrendRobust:
    """The average post-period effect allowing any linear pre-trend to continue (Rambachan &
    Roth's smoothness bound at M = 0), on event times ``window``."""

    estimate: float
    low: float
    high: float
    level: float
    window: tuple[int, int]

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0.0 or self.high < 0.0


@dataclass(frozen=True)
class Sensitivity:
    """Rambachan & Roth bounds on the average post-period effect.

    ``breakdown_mbar`` (relative magnitudes; 0 when even no violation leaves zero inside;
    ``Unavailable`` when those bounds could not be computed) and ``breakdown_m`` (smoothness,
    in the outcome's units per period).  ``bound`` is the bound the design calls for and the
    rating reads (``"smoothness"``: monthly or many periods, read at M = 0 through ``trend``;
    ``"relative magnitudes"``: aggregated periods, read at Mbar = 1), ``bound_why`` says why,
    and ``robust`` whether the conclusion survives it (``None``: could not be computed).
    """

    parameter: str
    window: tuple[int, int]
    breakdown_mbar: Value
    breakdown_m: Value
    relative_magnitude: tuple[BoundRow, ...]
    smoothness: tuple[BoundRow, ...]
    notes: tuple[str, ...] = ()
    trend: TrendRobust | Unavailable | None = None
    bound: str = "relative magnitudes"
    bound_why: str = ""
    robust: bool | None = None


@dataclass(frozen=True)
class CrossCheck:
    """An independent re-estimate of the same model (for the QA log)."""

    reference: str
    max_abs_difference: float | None
    estimate: float | None = None
    se: float | None = None
    skipped_reason: str = ""


@dataclass(frozen=True)
class AttGt:
    """One ATT(g,t) of Callaway & Sant'Anna: start cohort ``group``, period ``time``."""

    group: int
    group_label: str
    time: int
    time_label: str
    estimate: Value
    se: Value
    ci_low: Value
    ci_high: Value
    post: bool


@dataclass(frozen=True)
class AggregationRow:
    """One row of an aggregation: by event time, start cohort or calendar period."""

    key: int
    label: str
    estimate: Value
    se: Value
    ci_low: Value
    ci_high: Value


@dataclass(frozen=True)
class Aggregation:
    """An aggregation of ATT(g,t) (``kind``: simple, dynamic, group or calendar)."""

    kind: str
    estimate: Value
    se: Value
    ci_low: Value
    ci_high: Value
    rows: tuple[AggregationRow, ...] = ()


@dataclass(frozen=True)
class Staggered:
    """What Callaway & Sant'Anna adds: every ATT(g,t), its aggregations and its options."""

    att_gt: tuple[AttGt, ...]
    aggregations: tuple[Aggregation, ...]
    control: str
    method: str
    base_period: str
    anticipation: int
    unbalanced: str
    critical_value: float | None = None


@dataclass(frozen=True)
class MeanPoint:
    """One arm's mean outcome in one period (``arm``: ``"pilot"`` or ``"comparison"``)."""

    period: int
    label: str
    arm: str
    mean: float | None
    n: int | None


@dataclass(frozen=True)
class PilotStart:
    """A period in which some units started the pilot."""

    period: int
    label: str
    n_units: int | None


@dataclass(frozen=True)
class Finding:
    """A validation finding: severity, message, where (column, 1-based rows) and the fix."""

    severity: str
    code: str
    message: str
    column: str | None = None
    rows: tuple[int, ...] = ()
    hint: str = ""

    def describe(self) -> str:
        where = []
        if self.column:
            where.append(f"column '{self.column}'")
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5]) + (" …" if len(self.rows) > 5
                                                               else "")
            where.append(f"row{'s' if len(self.rows) > 1 else ''} {shown}")
        place = f" ({', '.join(where)})" if where else ""
        return f"{self.severity}: {self.message}{place}."


@dataclass(frozen=True)
class OutcomeData:
    """How much of the data this outcome used, and what was dropped and why."""

    file: str
    sha256: str
    rows_read: int
    rows_used: int
    dropped: tuple[str, ...] = ()
    units: int | None = None
    units_used: int | None = None
    usage: str = ""
    """What the estimator used and why, in words (``pilot_eval.usage``)."""
    cells_expected: int | None = None
    """Units x periods in the data: the unit-periods that should have an outcome."""
    cells_observed: int | None = None

    @property
    def missing_share(self) -> float | None:
        """Share of the unit-periods without an outcome value (``None`` if unknown)."""
        if not self.cells_expected or self.cells_observed is None:
            return None
        return max(self.cells_expected - self.cells_observed, 0) / self.cells_expected

    @property
    def rows_left_out(self) -> int:
        return max(self.rows_read - self.rows_used, 0)

    @property
    def share_left_out(self) -> float | None:
        return self.rows_left_out / self.rows_read if self.rows_read else None


@dataclass(frozen=True)
class TrendsReport:
    """What the Trends step shows: pilot and comparison means over time, the pilot starts, the
    event study with binned leads and the pre-trend test read (``unavailable`` says why there
    is no event study when it could not be run)."""

    group_means: tuple[MeanPoint, ...]
    pilot_starts: tuple[PilotStart, ...]
    period_kind: str
    event_study: EventStudy | None
    pretest: PreTrendChoice
    unavailable: str = ""


@dataclass(frozen=True)
class OutcomeReport:
    """Everything said about one outcome, decided once."""

    outcome: str
    label: str
    unit: str
    polarity: Polarity
    headline: Headline
    data: OutcomeData
    evidence: EvidenceRating
    period_kind: str = "integer"
    event_study: EventStudy | None = None
    pretest: PreTrendChoice = PreTrendChoice(None, "no pre-trend test was run")
    twfe: ComparisonEstimate | Unavailable | None = None
    bacon: Bacon | Unavailable | None = None
    wild: WildBootstrap | Unavailable | None = None
    placebo: Placebo | Unavailable | None = None
    leave_one_out: LeaveOneOut | Unavailable | None = None
    covariate_check: CovariateCheck | Unavailable | None = None
    sensitivity: Sensitivity | Unavailable | None = None
    staggered: Staggered | None = None
    cross_check: CrossCheck | None = None
    group_means: tuple[MeanPoint, ...] = ()
    pilot_starts: tuple[PilotStart, ...] = ()
    validation: tuple[Finding, ...] = ()
    warnings: tuple[str, ...] = ()
    synthetic: SyntheticSection | None = None
    planning: PlanningSection | Unavailable | None = None

    @property
    def trends(self) -> TrendsReport:
        """This outcome's Trends part (the type ``report.trends.trends_report`` gives)."""
        return TrendsReport(group_means=self.group_means, pilot_starts=self.pilot_starts,
                            period_kind=self.period_kind, event_study=self.event_study,
                            pretest=self.pretest)

    @property
    def pre_periods(self) -> int | None:
        """Periods of data before the first pilot start (``None`` if unknown)."""
        if not self.pilot_starts:
            return None
        first = min(s.period for s in self.pilot_starts)
        return len({m.period for m in self.group_means if m.period < first})

    @property
    def post_periods(self) -> int | None:
        """Periods of pilot data from the first pilot start on (``None`` if unknown)."""
        if not self.pilot_starts:
            return None
        first = min(s.period for s in self.pilot_starts)
        return len({m.period for m in self.group_means if m.arm == "pilot"
                    and m.period >= first})
