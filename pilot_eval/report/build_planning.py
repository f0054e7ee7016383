"""Build an outcome's planning section when its result is not clear (``PlanningSection``).

``build_planning(outcome, columns, table, expected_effect=None, progress=None)`` returns
``None`` when the headline's range excludes zero (the result is clear) or has no figures,
``Unavailable(reason)`` when the pilot's data cannot be resampled (too few teams or months
without the pilot, a design the simulation does not cover), and otherwise the section: the
pilot's own design replayed with the headline's estimator, in one grid of designs
(``pilot_eval.planning.plan_power``): 1, 2 and 4 times the pilot teams (the pilot's own ratio
of comparison teams) for half, the same and twice the pilot's follow-up, as far as the teams'
untreated series are long enough, each with the pilot's months before the start (synthetic
DiD, ~10 ms a fit: the pilot's follow-up only).  Never
"the pilot failed": when the design could not have told, the sentence says so.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pilot_eval.errors import PilotEvalError
from pilot_eval.estimators import PanelColumns, Unavailable
from pilot_eval.estimators.errors import EstimationError, EstimatorConfigError
from pilot_eval.planning_words import short_of, times_in_ten
from pilot_eval.progress import SILENT, Progress
from pilot_eval.report.outcome import OutcomeReport
from pilot_eval.report.planning_report import PlannedRow, PlanningSection
from pilot_eval.report.values import number
from pilot_eval.report.words import amount, period_nouns

REPLICATIONS = 200
"""Replications per design: Monte-Carlo error of a power near 80% about 0.03."""
SEED = 20240601
"""Seed of the planning simulation (each design gets its own stream from it)."""
TARGET_POWER = 0.8
SIMULATED = {"twfe": "twfe", "2x2": "twfe", "callaway-santanna": "callaway-santanna",
             "sun-abraham": "callaway-santanna", "synthetic-did": "synthetic-did"}
"""The simulated estimator for each headline estimator (Sun & Abraham's interaction-weighted
estimate with never-treated comparison teams equals Callaway & Sant'Anna's simple ATT in a
balanced panel without covariates, so the latter stands in for it)."""
TEAM_MULTIPLES = (1, 2, 4)
FOLLOW_UP_MULTIPLES = (0.5, 1.0, 2.0)
MIN_PRE = 3
"""Fewest periods before the start kept when a longer follow-up is planned."""


def is_unclear(outcome: OutcomeReport) -> bool:
    """The headline range includes zero (the brief says "no clear change")."""
    low, high = number(outcome.headline.ci_low), number(outcome.headline.ci_high)
    return low is not None and high is not None and low <= 0 <= high


def build_planning(outcome: OutcomeReport, columns: PanelColumns, table: Any, *,
                   expected_effect: float | None = None,
                   progress: Progress | None = None) -> PlanningSection | Unavailable | None:
    """The planning section of ``outcome`` (None when its result is clear)."""
    if not is_unclear(outcome):
        return None
    estimator = SIMULATED.get(outcome.headline.estimator)
    if estimator is None:
        return Unavailable(f"power is simulated for two-way fixed effects, Callaway & "
                           f"Sant'Anna and synthetic DiD, not for the headline's "
                           f"{outcome.headline.estimator} estimate")
    progress = progress or SILENT
    try:
        return _section(outcome, columns, table, estimator, expected_effect, progress)
    except (PilotEvalError, EstimationError, EstimatorConfigError) as error:
        return Unavailable(f"the next phase could not be planned from these data: {error}")


def _section(outcome: OutcomeReport, columns: PanelColumns, table: Any, estimator: str,
             effect: float | None, progress: Progress) -> PlanningSection:
    from pilot_eval.estimators.power.simulation import MIN_SOURCE_TEAMS
    from pilot_eval.planning import PowerRequest, pilot_design, plan_power
    from pilot_eval.planning_words import POWER_IN_ONE_SENTENCE, method_text

    if columns.cohort is None and columns.treatment is None:
        raise EstimationError("the pilot's start is not known (no cohort or treatment column)")
    own = pilot_design(columns, table)
    shape, n = own.shape, own.pilot_teams
    if not n or shape.months_after is None or shape.months_before is None:
        raise EstimationError("no team in the data starts the pilot")
    post = shape.months_after
    if n + own.comparison_teams < MIN_SOURCE_TEAMS:
        raise EstimationError(f"only {n + own.comparison_teams} teams: the simulation "
                              f"resamples whole teams and needs at least {MIN_SOURCE_TEAMS}")
    if own.longest_window < post + 1:
        raise EstimationError(
            f"replaying the pilot's {post} months of follow-up needs {post + 1} consecutive "
            f"months without the pilot in at least {MIN_SOURCE_TEAMS} teams; the data hold "
            f"{own.longest_window} (more comparison teams would help)")
    pre = max(1, min(shape.months_before, own.longest_window - post))
    staggered = shape.waves > 1 and post >= 2 and n >= 2
    months = sorted({m for m in (round(post * f) for f in FOLLOW_UP_MULTIPLES)
                     if (2 if staggered else 1) <= m <= own.longest_window - pre} | {post})
    if estimator == "synthetic-did":  # ~10 ms a fit: the pilot's follow-up only
        months = [post]
    plan = plan_power(PowerRequest(
        columns, effect=effect, power=TARGET_POWER, teams=tuple(k * n for k in TEAM_MULTIPLES),
        months=tuple(months), staggered=staggered, pre=pre, estimator=estimator,
        reps=REPLICATIONS, seed=SEED, polarity=outcome.polarity,
        outcome_label=outcome.label), table, progress)
    grid = tuple(_row(c) for c in plan.cells)
    pilot = next(r for r in grid if r.pilot_teams == n and r.months_after == post)
    c = plan.components
    notes = plan.notes
    if shape.waves > 2:
        notes += (f"The pilot started in {shape.waves} waves; the simulation uses two (the "
                  "second half-way through the follow-up).",)
    section = PlanningSection(
        effect=effect, effect_source="none" if effect is None else "expected",
        target_power=TARGET_POWER, alpha=plan.request.alpha, estimator=estimator,
        replications=REPLICATIONS, seed=SEED, pilot=pilot, grid=grid, sd=c.sd, icc=c.icc,
        serial_correlation=(c.serial_correlation if isinstance(c.serial_correlation, float)
                            else None),
        sentence="", power_explained=POWER_IN_ONE_SENTENCE, method=method_text(estimator),
        notes=notes)
    return replace(section, sentence=planning_sentence(section, outcome))


def _row(cell: Any) -> PlannedRow:
    d = cell.design
    return PlannedRow(pilot_teams=d.n_pilot, comparison_teams=d.n_comparison,
                      months_before=d.pre, months_after=d.post, staggered=d.staggered,
                      power=cell.power, mc_se=cell.mc_se, mde=cell.mde,
                      formula_mde=cell.analytic_mde, false_alarm_rate=cell.draws.power(0.0))


def planning_sentence(section: PlanningSection, outcome: OutcomeReport) -> str:
    """One sentence for the brief's first page (never "the pilot failed")."""
    one, many = period_nouns(outcome.period_kind)
    p = section.pilot
    design = (f"{p.pilot_teams} pilot {outcome_units(p.pilot_teams)} over {p.months_after} "
              f"{one if p.months_after == 1 else many}")
    target = times_in_ten(section.target_power)
    if section.effect is not None and p.power is not None:
        size = amount(abs(section.effect), outcome.unit)
        if p.power >= section.target_power:
            return (f"With the pilot's design ({design}), an effect of the size expected "
                    f"({size}) would have been detected {times_in_ten(p.power)}, so an effect that "
                    "large is unlikely to have been missed.")
        enough = section.smallest_enough
        then = (f"even {max(r.pilot_teams for r in section.grid)} pilot teams would not detect "
                f"it {target}" if enough is None else
                f"about {enough.pilot_teams} pilot teams for {enough.months_after} "
                f"{one if enough.months_after == 1 else many} would detect it {target}")
        return (f"The pilot's design ({design}) could not have told: an effect of the size "
                f"expected ({size}) would have been detected only "
                f"{short_of(p.power, section.target_power)}; "
                f"{then}.")
    if p.mde is None:
        return (f"The pilot's design ({design}) could not reliably detect a change of any "
                "plausible size, so a real effect may have been missed; a larger next phase is "
                "needed to tell.")
    return (f"With the pilot's design ({design}), only a change of about "
            f"{amount(abs(p.mde), outcome.unit)} or more would be detected {target}, so a "
            "smaller real effect may have been missed; the technical report shows what a next "
            "phase would need.")


def outcome_units(count: int) -> str:
    return "team" if count == 1 else "teams"


__all__ = ["build_planning", "is_unclear", "planning_sentence"]
