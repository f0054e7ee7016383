"""The technical report's planning section formats the report's planning figures only."""

from __future__ import annotations

import dataclasses

from pilot_eval.estimators import Unavailable

from pilot_eval.brief.planning import HEADING, planning_section
from pilot_eval.report.planning_report import PlannedRow, PlanningSection


def _row(teams: int, months: int, power: float | None, mde: float | None) -> PlannedRow:
    return PlannedRow(pilot_teams=teams, comparison_teams=teams * 2, months_before=12,
                      months_after=months, staggered=True, power=power,
                      mc_se=None if power is None else 0.0283, mde=mde, formula_mde=1.234,
                      false_alarm_rate=0.055)


PILOT = _row(16, 18, 0.41, 2.46)
SECTION = PlanningSection(
    effect=1.5, effect_source="expected", target_power=0.8, alpha=0.05,
    estimator="callaway-santanna", replications=200, seed=20240601, pilot=PILOT,
    grid=(_row(16, 9, 0.3, 3.1), PILOT, _row(32, 18, 0.83, 1.41), _row(64, 18, 0.99, None)),
    sd=3.2, icc=0.4, serial_correlation=0.1, sentence="The pilot's design could not have told.",
    power_explained="Power is the chance ...", method="Simulation: ...",
    notes=("Months close together move together.",))


@dataclasses.dataclass(frozen=True)
class _Outcome:
    label: str
    planning: object
    period_kind: str = "month"


@dataclasses.dataclass(frozen=True)
class _Report:
    outcomes: tuple


def test_section_lists_the_pilots_design_first_then_the_grid():
    report = _Report((_Outcome("Goals met", SECTION), _Outcome("Cost", None)))
    section = planning_section(report)
    assert section.heading == HEADING
    assert section.paragraphs == ("Power is the chance ...",
                                  "Goals met: The pilot's design could not have told.",
                                  "Simulation: ...")
    assert section.bullets == ("Months close together move together.",)
    (table,) = section.tables
    assert table.columns == (
        "Design", "Pilot teams", "Comparison teams", "Months before", "Months after", "Starts",
        "Chance of detecting 1.5 (Monte-Carlo error)",
        "Smallest change detected with 80% chance: simulation",
        "Smallest change: formula (McKenzie 2012)", "False alarms without an effect")
    assert table.rows == (
        ("The pilot's own", "16", "32", "12", "18", "two waves", "41% (3%)", "2.46", "1.23",
         "6%"),
        ("Next phase", "16", "32", "12", "9", "two waves", "30% (3%)", "3.1", "1.23", "6%"),
        ("Next phase", "32", "64", "12", "18", "two waves", "83% (3%)", "1.41", "1.23", "6%"),
        ("Next phase", "64", "128", "12", "18", "two waves", "99% (3%)", "not reached",
         "1.23", "6%"))
    assert "Callaway & Sant'Anna, 200 simulated replications each, seed 20240601" \
        in table.caption


def test_without_an_effect_there_is_no_chance_column_and_unavailable_says_why():
    plain = dataclasses.replace(SECTION, effect=None, effect_source="none",
                                pilot=dataclasses.replace(PILOT, power=None, mc_se=None),
                                grid=(dataclasses.replace(PILOT, power=None, mc_se=None),))
    report = _Report((_Outcome("Goals met", plain), _Outcome("Cost", Unavailable(
        "the next phase could not be planned from these data: only 3 teams"))))
    section = planning_section(report)
    assert "Chance" not in " ".join(section.tables[0].columns)
    assert len(section.tables[0].rows) == 1
    assert section.paragraphs[2] == ("Cost: the next phase could not be planned from the "
                                     "pilot's data (only 3 teams).")
    assert planning_section(_Report((_Outcome("Cost", None),))) is None
