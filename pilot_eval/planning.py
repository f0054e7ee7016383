"""Plan the next phase: how many teams, for how long, to tell whether the pilot works.

``plan_power(request, data, progress)`` is the one path used by the command line (and, later,
the window and the brief): normalise the periods, take every team's months without the pilot as
the pool of whole series to resample, estimate the variance components of the months before
the first start, then for each cell of the grid (pilot teams x months of follow-up) simulate
the estimator actually used and compute the analytic values beside it.  Bad input raises
``DataError`` / ``EstimatorConfigError`` naming the value and the fix.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pilot_eval.errors import DataError
from pilot_eval.estimators import PanelColumns
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.estimators.literals import check_choice
from pilot_eval.estimators.power.analytic import design_effect, rounds_mde, rounds_power
from pilot_eval.estimators.power.components import VarianceComponents, variance_components
from pilot_eval.estimators.power.simulation import (
    MIN_SOURCE_TEAMS,
    BatchFitter,
    NullDraws,
    PlannedDesign,
    SeriesPool,
    SimEstimator,
    simulate_null,
)
from pilot_eval.estimators.power.survival import logrank_events, logrank_sample_size
from pilot_eval.io import LoadedTable
from pilot_eval.io.periods import normalise_periods
from pilot_eval.planning_words import (
    POWER_IN_ONE_SENTENCE,
    component_notes,
    false_alarm_notes,
    formula_notes,
    headline_sentence,
    method_text,
)
from pilot_eval.polarity import POLARITIES, Polarity
from pilot_eval.progress import SILENT, Progress

ESTIMATOR_CHOICES = ("auto", "twfe", "callaway-santanna", "synthetic-did")
DEFAULT_REPS = 400
DEFAULT_SEED = 20240601
DEFAULT_PRE = 12
"""Months before the start when the pilot's own data do not say (no pilot column given)."""


@dataclass(frozen=True)
class PowerRequest:
    """What to plan: columns, the effect (or the target power) and the grid."""

    columns: PanelColumns
    _: KW_ONLY
    effect: float | None = None
    power: float = 0.8
    teams: tuple[int, ...] = (10, 20, 40)
    months: tuple[int, ...] = (12, 24)
    staggered: bool = False
    pre: int | None = None
    comparison_ratio: float | None = None
    estimator: str = "auto"
    reps: int = DEFAULT_REPS
    seed: int = DEFAULT_SEED
    alpha: float = 0.05
    polarity: Polarity = "neutral"
    workers: int = 2
    hazard_ratio: float | None = None
    leaver_rate: float = 0.15
    outcome_label: str | None = None

    def __post_init__(self) -> None:
        check_choice("polarity", self.polarity, POLARITIES)
        check_choice("estimator", self.estimator, ESTIMATOR_CHOICES)
        if not 0.0 < self.alpha < 0.5:
            raise EstimatorConfigError(f"alpha={self.alpha}: use a significance level between 0 "
                                       "and 0.5, usually 0.05")
        if not self.alpha < self.power < 1.0:
            raise EstimatorConfigError(
                f"power={self.power} cannot be a target: it must be above the significance "
                f"level ({self.alpha}) and below 1 (no design detects an effect every time); "
                "0.8 (8 times in 10) is usual")
        if self.effect is not None:
            _check_effect(self.effect, self.polarity)
        if not self.teams or min(self.teams) < 1:
            raise EstimatorConfigError(f"teams={list(self.teams)}: give numbers of pilot teams "
                                       "of at least 1, e.g. 10,20,40")
        if not self.months or min(self.months) < 1:
            raise EstimatorConfigError(f"months={list(self.months)}: give months of follow-up "
                                       "of at least 1, e.g. 12,24")
        if self.staggered and min(self.months) < 2:
            raise EstimatorConfigError("a staggered start needs at least 2 months of follow-up")
        if self.pre is not None and self.pre < 1:
            raise EstimatorConfigError(f"pre={self.pre}: plan at least 1 month before the start")
        if self.comparison_ratio is not None and self.comparison_ratio <= 0:
            raise EstimatorConfigError(f"comparison ratio {self.comparison_ratio} must be "
                                       "positive (comparison teams per pilot team)")
        if self.reps < 10:
            raise EstimatorConfigError(f"reps={self.reps}: use at least 10 (200 or more for a "
                                       "usable Monte-Carlo error)")
        if self.hazard_ratio is not None and not (self.hazard_ratio > 0
                                                  and self.hazard_ratio != 1):
            raise EstimatorConfigError(f"hazard ratio {self.hazard_ratio}: give a positive "
                                       "ratio other than 1, e.g. 0.8 for 20% fewer leavers")
        if not 0.0 < self.leaver_rate < 1.0:
            raise EstimatorConfigError(f"leaver rate {self.leaver_rate} must be between 0 and 1 "
                                       "(share of staff leaving in a year, e.g. 0.15)")

    @property
    def chosen_estimator(self) -> str:
        if self.estimator != "auto":
            return self.estimator
        return "callaway-santanna" if self.staggered else "twfe"

    @property
    def direction(self) -> int:
        if self.effect is not None:
            return 1 if self.effect > 0 else -1
        return -1 if self.polarity == "lower_is_better" else 1


def _check_effect(effect: float, polarity: str) -> None:
    if not math.isfinite(effect) or effect == 0:
        raise EstimatorConfigError(
            f"effect={effect}: an effect of zero cannot be detected; give the smallest change "
            "that would matter to the council, in the outcome's units")
    if polarity == "higher_is_better" and effect < 0:
        raise EstimatorConfigError(
            f"effect={effect}: higher is better for this outcome, so an improvement is a "
            "positive change; give the improvement hoped for as a positive number")
    if polarity == "lower_is_better" and effect > 0:
        raise EstimatorConfigError(
            f"effect={effect}: lower is better for this outcome, so an improvement is a "
            "negative change; give the improvement hoped for as a negative number")


@dataclass(frozen=True)
class GridCell:
    """One planned design and what the simulation and the formulas say about it."""

    design: PlannedDesign
    estimator: str
    draws: NullDraws = field(repr=False)
    effect: float | None
    target_power: float
    direction: int
    analytic_power: float | None
    analytic_mde: float
    design_effect: float

    @property
    def power(self) -> float | None:
        return None if self.effect is None else self.draws.power(self.effect)

    @property
    def mc_se(self) -> float | None:
        return None if self.effect is None else self.draws.mc_se(self.effect)

    @property
    def mde(self) -> float | None:
        return self.draws.mde(self.target_power, self.direction)

    def to_dict(self) -> dict[str, Any]:
        mde = self.mde
        return {
            "pilot_teams": self.design.n_pilot, "comparison_teams": self.design.n_comparison,
            "months": self.design.post, "pre_months": self.design.pre,
            "staggered": self.design.staggered, "estimator": self.estimator,
            "reps": self.draws.reps, "effect": self.effect, "power": self.power,
            "mc_se": self.mc_se, "mde": mde,
            "mde_power": None if mde is None else self.draws.power(mde),
            "mde_mc_se": None if mde is None else self.draws.mc_se(mde),
            "false_alarm_rate": self.draws.power(0.0),
            "analytic_power": self.analytic_power, "analytic_mde": self.analytic_mde,
            "design_effect": self.design_effect,
        }


@dataclass(frozen=True)
class RetentionPlan:
    """Leavers needed for a hazard ratio (Schoenfeld) and the staff that give them."""

    hazard_ratio: float
    events: int
    pilot_share: float
    leaver_rate: float
    staff_by_months: tuple[tuple[int, int], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"hazard_ratio": self.hazard_ratio, "leavers_needed": self.events,
                "method": "Schoenfeld (1983), two-sided log-rank test",
                "pilot_share": self.pilot_share, "annual_leaver_rate": self.leaver_rate,
                "staff_needed": [{"months": m, "staff": n} for m, n in self.staff_by_months]}


@dataclass(frozen=True)
class PilotShape:
    """The pilot's own design: months before the first start and after it, start waves.

    With ``PowerPlan.pilot_teams`` / ``comparison_teams`` this is what a report needs to ask
    whether the pilot itself could have detected an effect (``plan_power`` with
    ``teams=(pilot_teams,)``, ``months=(months_after,)``, ``staggered=waves > 1``).
    """

    months_before: int | None
    months_after: int | None
    waves: int


@dataclass(frozen=True)
class PowerPlan:
    """The planning result: components, the grid, the retention plan and the words."""

    request: PowerRequest
    components: VarianceComponents
    pilot_teams: int
    comparison_teams: int
    pilot_shape: PilotShape
    cells: tuple[GridCell, ...]
    retention: RetentionPlan | None
    file: str | None
    notes: tuple[str, ...] = ()

    @property
    def sentence(self) -> str:
        return headline_sentence(self)

    def to_dict(self) -> dict[str, Any]:
        r = self.request
        return {
            "outcome": r.columns.outcome, "outcome_label": r.outcome_label or r.columns.outcome,
            "effect": r.effect, "target_power": r.power, "alpha": r.alpha,
            "polarity": r.polarity, "estimator": r.chosen_estimator, "staggered": r.staggered,
            "reps": r.reps, "seed": r.seed, "file": self.file,
            "pilot": {"pilot_teams": self.pilot_teams,
                      "comparison_teams": self.comparison_teams,
                      "months_before": self.pilot_shape.months_before,
                      "months_after": self.pilot_shape.months_after,
                      "waves": self.pilot_shape.waves},
            "components": self.components.to_dict(),
            "grid": [cell.to_dict() for cell in self.cells],
            "retention": None if self.retention is None else self.retention.to_dict(),
            "sentence": self.sentence, "power_explained": POWER_IN_ONE_SENTENCE,
            "method": method_text(r.chosen_estimator),
            "warnings": list(self.notes),
        }

    def summary(self) -> str:
        from pilot_eval.planning_words import summary_text

        return summary_text(self)


def plan_power(request: PowerRequest, data: LoadedTable | pd.DataFrame,
               progress: Progress | None = None) -> PowerPlan:
    """Simulate and compute the grid of ``request`` on the pilot's own data."""
    progress = progress or SILENT
    progress.report(0.0, "Reading the pilot's teams")
    frame, file = (data.frame, Path(data.path).name) if isinstance(data, LoadedTable) \
        else (data, None)
    columns = request.columns
    pool, starts, first_start, shape = _series_pool(frame, columns, file)
    components = _components(pool, first_start, file, columns.outcome)
    n_pilot_now = len(starts)
    n_comparison_now = pool.values.shape[0] - n_pilot_now
    longest = pool.longest_window
    if pool.values.shape[0] < MIN_SOURCE_TEAMS or longest < 2:
        raise DataError(
            f"only {pool.values.shape[0]} team(s) with at least 2 months without the pilot; the "
            f"simulation resamples whole teams and needs at least {MIN_SOURCE_TEAMS}",
            file=file, column=columns.unit, hint="Add the comparison teams' data, or the "
                                                  "months before the pilot started.")
    pre = request.pre or min(first_start if first_start else DEFAULT_PRE,
                             longest - max(request.months))
    if pre < 1 or pre + max(request.months) > longest:
        raise DataError(
            f"{max(request.months)} months of follow-up plus {max(pre, 1)} before the start "
            f"need {max(request.months) + max(pre, 1)} consecutive months without the pilot, "
            f"but the data hold at most {longest} for {MIN_SOURCE_TEAMS} or more teams",
            file=file, column=columns.time,
            hint=f"Plan at most {longest - 1} months of follow-up (--months), or fewer months "
                 "before the start (--pre).")
    ratio = request.comparison_ratio or (n_comparison_now / n_pilot_now
                                         if n_pilot_now and n_comparison_now else 1.0)
    designs = [PlannedDesign(n, max(2, round(ratio * n)), pre, months, request.staggered)
               for n in request.teams for months in request.months]
    notes = component_notes(components, request.reps)
    done = [0]

    def run(index: int, design: PlannedDesign) -> GridCell:
        cell = _cell(pool, design, request, components, index, progress.check)
        done[0] += 1
        progress.report(0.1 + 0.85 * done[0] / len(designs),
                        f"Simulated {done[0]} of {len(designs)} designs")
        return cell

    progress.report(0.1, f"Simulating {len(designs)} designs x {request.reps} replications")
    try:
        if request.workers > 1 and len(designs) > 1:
            with ThreadPoolExecutor(max_workers=request.workers) as pool_exec:
                cells = list(pool_exec.map(run, range(len(designs)), designs))
        else:
            cells = [run(i, d) for i, d in enumerate(designs)]
    except EstimationError as error:
        raise DataError(str(error), file=file) from error
    notes += formula_notes(cells) + false_alarm_notes(cells, request.alpha)
    retention = _retention(request, ratio)
    progress.report(1.0, "Done")
    return PowerPlan(request, components, n_pilot_now, n_comparison_now, shape, tuple(cells),
                     retention, file, tuple(notes))


@dataclass(frozen=True)
class PilotDesign:
    """What the pilot's own data hold: its teams, its shape and the longest untreated window."""

    pilot_teams: int
    comparison_teams: int
    shape: PilotShape
    longest_window: int


def pilot_design(columns: PanelColumns, data: LoadedTable | pd.DataFrame) -> PilotDesign:
    """The pilot's own design, read without simulating (bad input raises ``DataError``)."""
    frame, file = (data.frame, Path(data.path).name) if isinstance(data, LoadedTable) \
        else (data, None)
    pool, starts, _, shape = _series_pool(frame, columns, file)
    return PilotDesign(len(starts), pool.values.shape[0] - len(starts), shape,
                       pool.longest_window)


def _series_pool(frame: pd.DataFrame, columns: PanelColumns, file: str | None
                 ) -> tuple[SeriesPool, pd.Series, int | None, PilotShape]:
    """Every team's months without the pilot as a units x months array (NaN elsewhere)."""
    for role, name in (("outcome", columns.outcome), ("unit", columns.unit),
                       ("time", columns.time), ("cohort", columns.cohort),
                       ("treatment", columns.treatment)):
        if name is not None and name not in frame.columns:
            raise DataError(f"there is no column '{name}' for the {role}", file=file,
                            column=name, hint=f"Columns are: {', '.join(map(str, frame.columns))}.")
    if columns.time is None:
        raise DataError("no period column was given", file=file,
                        hint="Name the column of months with --time.")
    periods = normalise_periods(frame, time=columns.time, cohort=columns.cohort, file=file)
    data = periods.frame
    outcome = pd.to_numeric(data[columns.outcome], errors="coerce")
    bad = outcome.isna() & data[columns.outcome].notna()
    if bad.any():
        rows = (np.flatnonzero(bad.to_numpy()) + 2)[:10].tolist()
        raise DataError("the outcome is not a number", file=file, rows=rows,
                        column=columns.outcome, hint="Fix or blank out these cells.")
    time = data[columns.time].to_numpy(dtype="int64")
    first, last = int(time.min()), int(time.max())
    units, unit_code = np.unique(data[columns.unit].astype(str).to_numpy(), return_inverse=True)
    values = np.full((len(units), last - first + 1), np.nan)
    duplicated = pd.Series(list(zip(unit_code, time, strict=True))).duplicated().to_numpy()
    if duplicated.any():
        rows = (np.flatnonzero(duplicated) + 2)[:10].tolist()
        raise DataError("a team has two rows for the same period", file=file, rows=rows,
                        column=columns.time, hint="Keep one row per team and period.")
    values[unit_code, time - first] = outcome.to_numpy(dtype=float)
    starts = pd.Series(dtype="int64")
    if columns.cohort is not None or columns.treatment is not None:
        from pilot_eval.summaries import start_periods

        keyed = data.assign(**{str(columns.unit): data[columns.unit].astype(str)})
        starts = start_periods(keyed, columns)
        for unit, start in starts.items():
            row = int(np.searchsorted(units, unit))
            values[row, max(int(start) - first, 0):] = np.nan
    first_start = int(starts.min()) - first if len(starts) else None
    shape = PilotShape(first_start, None if first_start is None else last - int(starts.min()) + 1,
                       int(starts.nunique()))
    return SeriesPool(values), starts, first_start, shape


def _components(pool: SeriesPool, first_start: int | None, file: str | None,
                outcome: str) -> VarianceComponents:
    """Variance components of the months before the first start (complete teams only)."""
    block = pool.values if first_start is None else pool.values[:, :first_start]
    complete = block[np.all(np.isfinite(block), axis=1)]
    if complete.shape[0] < 2 or complete.shape[1] < 2:
        raise DataError(
            f"fewer than 2 teams with every one of the {block.shape[1]} month(s) before the "
            "first pilot start: the variance between and within teams cannot be estimated",
            file=file, column=outcome,
            hint="Give at least 2 months before the pilot for at least 2 teams.")
    return variance_components(complete)


def _cell(pool: SeriesPool, design: PlannedDesign, request: PowerRequest,
          components: VarianceComponents, index: int, check) -> GridCell:
    seed = int(np.random.SeedSequence([request.seed, index]).generate_state(1)[0])
    estimator = request.chosen_estimator
    draws = simulate_null(pool, design, reps=request.reps, seed=seed, estimator=_fitter(estimator),
                          alpha=request.alpha, check=check)
    sd, rho, df = components.sd, components.icc, design.n_teams - 1
    n1, n0, pre, post = design.n_pilot, design.n_comparison, design.pre, design.post
    analytic_power = (None if request.effect is None else rounds_power(
        request.effect, design="did", sd=sd, n1=n1, n0=n0, pre=pre, post=post, rho=rho,
        alpha=request.alpha, df=df))
    analytic_mde = request.direction * rounds_mde(
        design="did", sd=sd, n1=n1, n0=n0, pre=pre, post=post, rho=rho, power=request.power,
        alpha=request.alpha, df=df)
    return GridCell(design, estimator, draws, request.effect, request.power, request.direction,
                    analytic_power, analytic_mde, design_effect(design.post, components.icc))


def _fitter(estimator: str) -> SimEstimator | BatchFitter:
    """The simulation's name of ``estimator``, or the fit of a family it may not import."""
    if estimator == "synthetic-did":
        from pilot_eval.estimators.did.synthetic.power_batch import synthetic_did_fit

        return synthetic_did_fit
    return "callaway-santanna" if estimator == "callaway-santanna" else "twfe"


def _retention(request: PowerRequest, ratio: float) -> RetentionPlan | None:
    if request.hazard_ratio is None:
        return None
    share = 1.0 / (1.0 + ratio)
    events = logrank_events(request.hazard_ratio, power=request.power, alpha=request.alpha,
                            p1=share)
    staff = []
    for months in request.months:
        still = (1.0 - request.leaver_rate) ** (months / 12.0)
        size = logrank_sample_size(request.hazard_ratio, s1=still, power=request.power,
                                   alpha=request.alpha, p1=1.0 - share)
        staff.append((months, size.n))
    return RetentionPlan(request.hazard_ratio, math.ceil(events - 1e-9), share,
                         request.leaver_rate, tuple(staff))
