"""Words for planning: power in one sentence, the headline sentence and the text summary.

Never "the pilot failed": when a design could not have detected an effect of the size that
matters, the words say the design could not tell.
"""

from __future__ import annotations

from typing import Any

POWER_IN_ONE_SENTENCE = (
    "Power is the chance that an evaluation spots a change that really happened: 80% power "
    "means that if the pilot truly made a difference of the size expected, the analysis would "
    "show it 8 times out of 10, and miss it the other 2.")


def method_text(estimator: str) -> str:
    """How the power was simulated and computed, for the JSON output and the report."""
    test = ("significant when the estimate exceeds the normal critical value (1.96 at 5%) times "
            "the spread of the estimates "
            "across replications without an effect (what synthetic DiD's placebo standard "
            "error estimates)" if estimator == "synthetic-did" else
            "p < alpha with the estimator's cluster-robust standard error")
    return ("Simulation: whole teams' series without the pilot resampled with replacement, a "
            "constant effect added to pilot team-months, the estimator refitted; power = share "
            f"of replications {test}. Analytic: McKenzie (2012) difference-in-differences "
            "variance with the pilot's own variance components.")


def times_in_ten(power: float) -> str:
    """``0.8`` -> ``"8 times in 10"`` (to the nearest time); from 0.95 "nearly every time",
    below 0.05 "almost never" (not "10 times in 10" or "0 times in 10")."""
    if power >= 0.95:
        return "nearly every time"
    if power < 0.05:
        return "almost never"
    return f"{round(power * 10)} times in 10"


def short_of(power: float, target: float) -> str:
    """A chance below ``target`` in words that never reads as reaching it: 0.79 against 0.8
    is "79% of the time", not "8 times in 10"."""
    words = times_in_ten(power)
    return f"{power:.0%} of the time" if words == times_in_ten(target) else words


def _number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def headline_sentence(plan: Any) -> str:
    """One sentence a council leader can act on, from a ``PowerPlan``."""
    request = plan.request
    cells = sorted(plan.cells, key=lambda c: (c.design.n_pilot * c.design.post,
                                              c.design.n_pilot))
    target = times_in_ten(request.power)
    if request.effect is not None:
        enough = [c for c in cells if c.power is not None and c.power >= request.power]
        effect = _number(request.effect)
        if enough:
            best = enough[0]
            return (f"An effect of the size expected ({effect}) would need about "
                    f"{best.design.n_pilot} pilot teams (with {best.design.n_comparison} "
                    f"comparison teams) for {best.design.post} months to be detected {target}.")
        largest = max(cells, key=lambda c: (c.power or 0.0))
        return (f"None of the designs planned reaches {target}: even {largest.design.n_pilot} "
                f"pilot teams for {largest.design.post} months would detect an effect of "
                f"{effect} only {short_of(largest.power or 0.0, request.power)}; plan more teams or a "
                "longer follow-up, or ask whether a larger effect is realistic.")
    reachable = [c for c in cells if c.mde is not None]
    if not reachable:
        return "No design in the grid can reach the target power; plan more teams or months."
    best = reachable[-1]
    return (f"With {best.design.n_pilot} pilot teams for {best.design.post} months, the "
            f"smallest change detected {target} would be about {_number(abs(best.mde))} "
            "(in the outcome's units).")


def summary_text(plan: Any) -> str:
    """The command line's text: components, the grid, the retention plan and the words."""
    r, c = plan.request, plan.components
    lines = [f"Planning the next phase: {r.outcome_label or r.columns.outcome}", "",
             POWER_IN_ONE_SENTENCE, "",
             f"From the pilot's own data ({c.n_units} teams x {c.n_periods} months before the "
             f"first start): sd {c.sd:.4g}, between-team share of variance (ICC) {c.icc:.3f}, "
             "serial correlation inside teams "
             + (f"{c.serial_correlation:.3f}" if isinstance(c.serial_correlation, float)
                else "not available"),
             f"Estimator simulated: {r.chosen_estimator} ({'staggered' if r.staggered else 'simultaneous'} "
             f"starts), {r.reps} replications per design, seed {r.seed}, "
             f"two-sided test at {r.alpha:g}", ""]
    if r.effect is not None:
        lines.append(f"Power to detect an effect of {_number(r.effect)}:")
        header = f"{'pilot':>6} {'comp.':>6} {'months':>6} {'power':>7} {'MC se':>7} " \
                 f"{'formula':>8} {'MDE':>9}"
    else:
        lines.append(f"Smallest effect detected with {r.power:.0%} power (MDE):")
        header = f"{'pilot':>6} {'comp.':>6} {'months':>6} {'MDE':>9} {'power':>7} " \
                 f"{'MC se':>7} {'formula':>9}"
    lines.append(header)
    for cell in plan.cells:
        d, mde = cell.design, cell.mde
        mde_text = "n/a" if mde is None else f"{mde:.4g}"
        if r.effect is not None:
            lines.append(f"{d.n_pilot:>6} {d.n_comparison:>6} {d.post:>6} {cell.power:>7.3f} "
                         f"{cell.mc_se:>7.3f} {cell.analytic_power:>8.3f} {mde_text:>9}")
        else:
            at = "" if mde is None else f"{cell.draws.power(mde):>7.3f} {cell.draws.mc_se(mde):>7.3f}"
            lines.append(f"{d.n_pilot:>6} {d.n_comparison:>6} {d.post:>6} {mde_text:>9} {at} "
                         f"{cell.analytic_mde:>9.4g}")
    lines += ["", "'formula': McKenzie (2012) difference-in-differences with the components "
                  "above; 'MC se': Monte-Carlo standard error of the simulated power.", "",
              plan.sentence]
    if plan.retention is not None:
        ret = plan.retention
        staff = ", ".join(f"{n:,} staff over {m} months" for m, n in ret.staff_by_months)
        lines += ["", f"Retention: a hazard ratio of leaving of {ret.hazard_ratio:g} needs "
                      f"{ret.events} leavers (Schoenfeld); at {ret.leaver_rate:.0%} leaving a "
                      f"year that is about {staff}."]
    lines += [f"Note: {note}" for note in plan.notes]
    return "\n".join(lines)


def false_alarm_notes(cells: list[Any], alpha: float) -> list[str]:
    """Say so when the test rejects too often without any effect (its power is then inflated).

    The rate of significant results in replications without an effect estimates the test's
    real size; more than 3 Monte-Carlo standard errors above ``alpha`` is a warning.
    """
    reps = cells[0].draws.reps if cells else 0
    limit = alpha + 3 * (alpha * (1 - alpha) / reps) ** 0.5 if reps else 1.0
    high = [c for c in cells if c.draws.power(0.0) > limit]
    notes = []
    if high:
        worst = max(high, key=lambda c: c.draws.power(0.0))
        notes.append(
            f"Without any effect, the test was significant in {worst.draws.power(0.0):.0%} of "
            f"replications for {_teams(worst.design.n_pilot)} over {worst.design.post} months "
            f"(it should be about {alpha:.0%}): the test rejects too often there (few teams, or "
            "teams whose trends differ), so the power shown is too high; read it as an upper "
            "bound." + (" The analysis itself uses the wild cluster bootstrap below 30 teams."
                        if worst.estimator == "twfe" else ""))
    return notes


def _teams(count: int) -> str:
    return f"{count} pilot team" + ("" if count == 1 else "s")


def formula_notes(cells: list[Any]) -> list[str]:
    """Say so when the formula and the simulation disagree by more than 3 Monte-Carlo SEs."""
    apart = [c for c in cells if c.power is not None and c.analytic_power is not None
             and abs(c.power - c.analytic_power) > 3 * max(c.mc_se or 0.0, 0.5 / c.draws.reps)]
    if not apart:
        return []
    return [f"In {len(apart)} of {len(cells)} designs the formula's power differs from the "
            "simulation by more than 3 Monte-Carlo standard errors: the formula assumes equal "
            "correlation between any two months and no team-specific trends, the simulation "
            "keeps the teams' real series. Read the simulation."]


def component_notes(components: Any, reps: int) -> list[str]:
    notes = []
    serial = components.serial_correlation
    if isinstance(serial, float) and serial > 0.2:
        notes.append(f"Months close together move together (lag-1 correlation {serial:.2f} "
                     "after the team effect): the analytic formula, which assumes an equal "
                     "correlation between any two months, is optimistic; read the simulation.")
    if reps < 200:
        notes.append(f"Only {reps} replications: the Monte-Carlo error of each power "
                     "is large; use 200 or more for decisions.")
    return notes
