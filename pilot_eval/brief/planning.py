"""The technical report's "Planning the next phase" section, from ``OutcomeReport.planning``.

``planning_section(report)`` gives one ``AnnexSection`` (None when no outcome has a planning
section): for each unclear outcome, the sentence of the brief's first page, what power means,
the table of designs (the pilot's own first) and how it was simulated; an outcome whose
planning could not be done says why.  ``planning_rows(report)`` gives the same table as plain
rows for tables.xlsx.  Formatting only: every figure comes from the report.
"""

from __future__ import annotations

from typing import Any

from pilot_eval.brief.tables import AnnexSection, DataTable
from pilot_eval.estimators import Unavailable
from pilot_eval.report.planning_report import PlannedRow, PlanningSection
from pilot_eval.report.words import number_in_words, period_nouns

HEADING = "Planning the next phase"
TABLE_FIGURES = 3
"""Significant figures of the table's effects (the brief's sentences use two)."""


def planning_section(report: Any) -> AnnexSection | None:
    """The section for every outcome with a planning result (None when there is none)."""
    paragraphs: list[str] = []
    tables: list[DataTable] = []
    explained = ""
    for outcome in report.outcomes:
        planning = outcome.planning
        if isinstance(planning, Unavailable):
            paragraphs.append(f"{outcome.label}: the next phase could not be planned from the "
                              f"pilot's data ({_strip(planning.reason)}).")
        elif isinstance(planning, PlanningSection):
            explained = planning.power_explained
            paragraphs.append(f"{outcome.label}: {planning.sentence}")
            tables.append(_table(outcome, planning))
    if not paragraphs:
        return None
    first = [p for p in report.outcomes if isinstance(p.planning, PlanningSection)]
    method = first[0].planning.method if first else ""
    notes = tuple(dict.fromkeys(n for o in first for n in o.planning.notes))
    return AnnexSection(heading=HEADING,
                        paragraphs=tuple(([explained] if explained else []) + paragraphs
                                         + ([method] if method else [])),
                        bullets=notes, tables=tuple(tables))


def _strip(reason: str) -> str:
    prefix = "the next phase could not be planned from these data: "
    return reason[len(prefix):] if reason.startswith(prefix) else reason


def column_names(planning: PlanningSection, kind: str) -> tuple[str, ...]:
    many = period_nouns(kind)[1]
    chance = (f"Chance of detecting {_number(planning.effect)} (Monte-Carlo error)"
              if planning.effect is not None else None)
    target = f"{round(planning.target_power * 100)}%"
    return tuple(c for c in (
        "Design", "Pilot teams", "Comparison teams", f"{many.capitalize()} before",
        f"{many.capitalize()} after", "Starts", chance,
        f"Smallest change detected with {target} chance: simulation",
        "Smallest change: formula (McKenzie 2012)", "False alarms without an effect")
        if c is not None)


def planning_rows(outcome: Any, planning: PlanningSection) -> list[tuple[str, ...]]:
    """The pilot's own design first, then the grid (its copy of the pilot's design left out)."""
    rows = [_row("The pilot's own", planning.pilot, planning)]
    rows += [_row("Next phase", r, planning) for r in planning.grid if r != planning.pilot]
    return rows


def _table(outcome: Any, planning: PlanningSection) -> DataTable:
    estimator = {"twfe": "two-way fixed effects", "callaway-santanna":
                 "Callaway & Sant'Anna", "synthetic-did": "synthetic DiD"}.get(
                     planning.estimator, planning.estimator)
    return DataTable(
        caption=(f"{outcome.label}: power of the pilot's design and of larger designs "
                 f"({estimator}, {planning.replications} simulated replications each, seed "
                 f"{planning.seed}, two-sided test at {planning.alpha:g})"),
        columns=column_names(planning, outcome.period_kind),
        rows=tuple(planning_rows(outcome, planning)))


def _row(label: str, row: PlannedRow, planning: PlanningSection) -> tuple[str, ...]:
    cells = [label, str(row.pilot_teams), str(row.comparison_teams), str(row.months_before),
             str(row.months_after), "two waves" if row.staggered else "together"]
    if planning.effect is not None:
        cells.append("n/a" if row.power is None or row.mc_se is None
                     else f"{row.power:.0%} ({row.mc_se:.0%})")
    cells += ["not reached" if row.mde is None else _number(row.mde),
              _number(row.formula_mde), f"{row.false_alarm_rate:.0%}"]
    return tuple(cells)


def _number(value: float) -> str:
    return ("-" if value < 0 else "") + number_in_words(abs(value), TABLE_FIGURES)


__all__ = ["HEADING", "column_names", "planning_rows", "planning_section"]
