"""The staff-retention report (frozen, typed), built by ``build_retention``.

Decisions made once, here: which Cox term is the pilot effect (``pilot_effect``: the
pilot x post term of the model on spells split at each team's pilot start — not the
pilot-vs-comparison level difference); the RMST difference is oriented pilot minus comparison;
each Kaplan-Meier group knows its arm and its display name; workforce rates carry their
per-arm means.  Curves are stored column-wise (one tuple per column), which keeps results.json
compact.
"""

from __future__ import annotations

from dataclasses import dataclass

from pilot_eval.estimators import Unavailable
from pilot_eval.report.outcome import ComparisonEstimate, Finding
from pilot_eval.report.values import Value

Cell = bool | int | float | str | None
"""A table cell (order matters when read back: whole numbers stay ``int``)."""


@dataclass(frozen=True)
class Curve:
    """A Kaplan-Meier curve, column-wise: ``survival[i]`` just after ``time[i]``."""

    time: tuple[float, ...]
    survival: tuple[float | None, ...]
    ci_low: tuple[float | None, ...]
    ci_high: tuple[float | None, ...]
    at_risk: tuple[int, ...]


@dataclass(frozen=True)
class RetentionAt:
    """Retention (share still in post) ``time`` units after starting."""

    time: float
    survival: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class KmGroup:
    """One group's Kaplan-Meier summary: ``name`` as in the data, ``display`` for readers,
    ``arm`` ``"pilot"`` or ``"comparison"``."""

    name: str
    display: str
    arm: str
    n: int
    events: int
    median: float | None
    median_ci: tuple[float | None, float | None]
    retention_at: tuple[RetentionAt, ...]
    curve: Curve

    @property
    def still_in_post(self) -> int:
        return self.n - self.events

    def at(self, time: float) -> RetentionAt | None:
        """Retention at ``time`` if it was reported."""
        return next((r for r in self.retention_at if r.time == time), None)


@dataclass(frozen=True)
class LogRank:
    statistic: Value
    df: int | None
    p_value: Value


@dataclass(frozen=True)
class CoxTerm:
    """One Cox coefficient with its hazard ratio and range."""

    name: str
    coef: Value
    se: Value
    hazard_ratio: Value
    ci_low: Value
    ci_high: Value
    p_value: Value


@dataclass(frozen=True)
class Cox:
    """The Cox model on start-stop rows (pilot, post, pilot x post), clustered by team."""

    ties: str
    se_type: str
    terms: tuple[CoxTerm, ...]
    n_obs: int | None
    n_events: int | None
    n_clusters: int | None
    level: float
    concordance: float | None = None
    ph_test_failed: bool | None = None
    ph_test_p_value: float | None = None


@dataclass(frozen=True)
class PilotEffect:
    """The Cox term read as the pilot's effect on leaving, and why that term."""

    term: CoxTerm
    is_difference_in_differences: bool
    why: str


@dataclass(frozen=True)
class RmstGroup:
    name: str
    estimate: Value
    se: Value


@dataclass(frozen=True)
class RmstDifference:
    """Restricted mean time in post, pilot minus comparison (already oriented so)."""

    group: str
    reference: str
    estimate: Value
    se: Value
    ci_low: Value
    ci_high: Value
    p_value: Value


@dataclass(frozen=True)
class Rmst:
    """Restricted mean survival time up to ``tau`` (the project's horizon, ``tau_source``)."""

    tau: float
    tau_source: str
    variance: str
    level: float
    by_group: tuple[RmstGroup, ...]
    difference: RmstDifference | Unavailable | None


@dataclass(frozen=True)
class IncidenceCurve:
    """Cumulative incidence of leaving for one reason (``group`` ``None``: everyone)."""

    cause: str
    group: str | None
    time: tuple[float, ...]
    estimate: tuple[float | None, ...]
    ci_low: tuple[float | None, ...]
    ci_high: tuple[float | None, ...]


@dataclass(frozen=True)
class Table:
    """A table of values (columns named; rows of cells)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def column(self, name: str) -> tuple[Cell, ...]:
        index = self.columns.index(name)
        return tuple(row[index] for row in self.rows)


@dataclass(frozen=True)
class RateMean:
    """A workforce rate's plain mean over the periods, per arm (``None``: not in the data)."""

    rate: str
    definition: str
    pilot: float | None
    comparison: float | None


@dataclass(frozen=True)
class Rates:
    """Workforce rates by arm and by team, per ``period``, with their published definitions."""

    period: str
    definitions: tuple[tuple[str, str], ...]
    by_arm: Table
    by_team: Table
    means: tuple[RateMean, ...]
    by_team_note: str = ""
    """Why ``by_team`` is empty when it is (too many rows to keep; results of ``--team-rates``)."""


@dataclass(frozen=True)
class LeavingDid:
    """Difference-in-differences on leaving: Poisson rate ratio (team and period effects,
    person-time offset), with the linear and staggered rate models beside it."""

    rate_ratio: Value
    ci_low: Value
    ci_high: Value
    p_value: Value
    estimate: Value
    se: Value
    level: float
    se_description: str
    model: str
    n_obs: int | None
    n_units: int | None
    n_clusters: int | None
    leavers: float | None
    person_time: float | None
    linear_rate: ComparisonEstimate | Unavailable | None = None
    staggered_rate: ComparisonEstimate | Unavailable | None = None
    cause_specific: Cox | Unavailable | None = None
    cause: str | None = None


@dataclass(frozen=True)
class FineGrayTerm:
    """One Fine-Gray coefficient with its subdistribution hazard ratio and range."""

    name: str
    coef: Value
    se: Value
    shr: Value
    ci_low: Value
    ci_high: Value
    p_value: Value


@dataclass(frozen=True)
class FineGrayModel:
    """Fine-Gray model of one leaving reason (``cause``): how the terms change the share who
    end up leaving for it, other reasons competing (subdistribution hazard ratios). Fitted on
    the spells ``population`` describes (``n_used`` of ``n_spells``); ``pilot_term`` names the
    pilot's term (``None``: not estimable, ``note`` says why). Written by
    ``pilot_eval.retention_fine_gray``."""

    cause: str
    terms: tuple[FineGrayTerm, ...]
    population: str
    n_spells: int | None
    n_used: int | None
    n_events: int | None
    n_competing: int | None
    n_clusters: int | None
    level: float
    se_type: str
    pilot_term: str | None = None
    note: str = ""

    def term(self, name: str | None) -> FineGrayTerm | None:
        return next((t for t in self.terms if t.name == name), None)


@dataclass(frozen=True)
class StaffData:
    """The staff records read: file (relative to the project file), rows, spells, dates."""

    file: str
    sha256: str
    rows_read: int
    spells: int | None
    extract_date: str | None
    extract_date_source: str
    observed_from: str | None


@dataclass(frozen=True)
class RetentionReport:
    """Every retention figure, decided once."""

    time_unit: str
    ci_transform: str
    level: float
    groups: tuple[KmGroup, ...]
    logrank: LogRank | Unavailable | None
    cox: Cox | Unavailable | None
    pilot_effect: PilotEffect | Unavailable | None
    rmst: Rmst | Unavailable | None
    incidence: tuple[IncidenceCurve, ...] = ()
    rates: Rates | None = None
    leaving: LeavingDid | Unavailable | None = None
    periods: tuple[KmGroup, ...] = ()
    data: StaffData | None = None
    validation: tuple[Finding, ...] = ()
    warnings: tuple[str, ...] = ()
    pilot_start_dates: tuple[str, ...] = ()
    fine_gray: FineGrayModel | Unavailable | None = None
    """The Fine-Gray model of the leaving reason (resigning) beside the cause-specific Cox."""

    def arm(self, arm: str) -> tuple[KmGroup, ...]:
        return tuple(g for g in self.groups if g.arm == arm)
