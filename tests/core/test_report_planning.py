"""The report's planning section: built only for an unclear result, from the pilot's own data.

What it must say is checked against the simulation itself (``plan_power`` on the same data and
design) and the words against issue 17: power "8 times in 10", never "the pilot failed".
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from pilot_eval.estimators import PanelColumns, Unavailable

from pilot_eval.analysis import DidRequest, run_analysis
from pilot_eval.io import load_table
from pilot_eval.planning import PowerRequest, plan_power
from pilot_eval.project import DatasetSpec, DidOptions, OutcomeChoice, Project
from pilot_eval.report import run_project
from pilot_eval.report.build_outcome import outcome_report
from pilot_eval.report.build_planning import REPLICATIONS, SEED, build_planning, is_unclear
from pilot_eval.report.codec import from_plain, to_plain
from pilot_eval.report.outcome import OutcomeReport
from pilot_eval.report.planning_report import PlanningSection

COLUMNS = PanelColumns(outcome="y", unit="team", time="month", cohort="start")


def panel(*, effect: float = 0.0, staggered: bool = False, seed: int = 3) -> pd.DataFrame:
    """30 teams (15 in the pilot from month 7, or months 7 and 11) over 18 months."""
    rng = np.random.default_rng(seed)
    rows = []
    for team in range(30):
        level = rng.normal()
        start = (7 + (4 if staggered and team % 2 else 0)) if team < 15 else 0
        for month in range(1, 19):
            treated = int(team < 15 and month >= start)
            rows.append({"team": f"T{team:02d}", "month": month, "start": start,
                         "y": level + 0.1 * month + effect * treated + rng.normal()})
    return pd.DataFrame(rows)


def report_of(frame: pd.DataFrame) -> OutcomeReport:
    return outcome_report(run_analysis(DidRequest(COLUMNS), frame))


@pytest.fixture(scope="module")
def unclear():
    frame = panel(staggered=True)
    report = report_of(frame)
    assert is_unclear(report) and report.headline.estimator == "callaway-santanna"
    return frame, report


def test_clear_result_has_no_planning_section():
    frame = panel(effect=1.5)
    report = report_of(frame)
    assert not is_unclear(report)
    assert build_planning(report, COLUMNS, frame, expected_effect=1.0) is None


def test_section_replays_the_pilots_own_design_with_the_headline_estimator(unclear):
    frame, report = unclear
    section = build_planning(report, COLUMNS, frame, expected_effect=0.8)
    assert isinstance(section, PlanningSection)
    p = section.pilot
    assert (p.pilot_teams, p.comparison_teams, p.months_before, p.months_after, p.staggered) \
        == (15, 15, 6, 12, True)
    assert section.estimator == "callaway-santanna"
    assert (section.replications, section.seed, section.target_power) == (REPLICATIONS, SEED,
                                                                          0.8)
    # the grid: 1, 2 and 4 times the pilot's teams (its own comparison ratio), for half and
    # all of its follow-up (twice, 24 months, is longer than the 18 months of data allow)
    assert [(r.pilot_teams, r.comparison_teams, r.months_after) for r in section.grid] == [
        (15, 15, 6), (15, 15, 12), (30, 30, 6), (30, 30, 12), (60, 60, 6), (60, 60, 12)]
    # the same figures as the planning simulation itself on the same data and design
    direct = plan_power(PowerRequest(COLUMNS, effect=0.8, teams=(15, 30, 60), months=(6, 12),
                                     staggered=True, pre=6, estimator="callaway-santanna",
                                     reps=REPLICATIONS, seed=SEED), frame)
    for row, cell in zip(section.grid, direct.cells, strict=True):
        assert (row.power, row.mc_se, row.mde, row.formula_mde) == (
            cell.power, cell.mc_se, cell.mde, cell.analytic_mde)
    assert p == section.grid[1]
    assert section.sd == direct.components.sd and section.icc == direct.components.icc


def test_sentence_says_the_design_could_not_tell_and_what_would(unclear):
    frame, report = unclear
    section = build_planning(report, COLUMNS, frame, expected_effect=0.8)
    assert section.pilot.power < 0.8            # 15 staggered pilot teams: about 6 in 10
    enough = section.smallest_enough
    assert enough is not None and enough.power >= 0.8
    assert section.sentence == (
        "The pilot's design (15 pilot teams over 12 periods) could not have told: an effect of "
        f"the size expected (0.8) would have been detected only "
        f"{round(section.pilot.power * 10)} times in 10; about {enough.pilot_teams} pilot teams "
        f"for {enough.months_after} periods would detect it 8 times in 10.")
    assert "fail" not in section.sentence.lower() and "fail" not in section.power_explained


def test_without_an_expected_effect_the_smallest_detectable_change_speaks(unclear):
    frame, report = unclear
    section = build_planning(report, COLUMNS, frame)
    assert section.effect is None and section.effect_source == "none"
    assert all(r.power is None for r in section.grid)
    mde = section.pilot.mde
    assert mde is not None and mde > 0
    assert section.sentence.startswith("With the pilot's design (15 pilot teams over 12 "
                                       f"periods), only a change of about {mde:.2g}")


def test_section_round_trips_and_old_reports_without_it_still_read(unclear):
    frame, report = unclear
    full = dataclasses.replace(report, planning=build_planning(report, COLUMNS, frame,
                                                               expected_effect=0.8))
    plain = to_plain(full)
    assert from_plain(OutcomeReport, plain) == full
    del plain["planning"]  # a results.json written before the field existed
    assert from_plain(OutcomeReport, plain).planning is None
    gone = dataclasses.replace(report, planning=Unavailable("too few teams"))
    assert from_plain(OutcomeReport, to_plain(gone)) == gone


def test_data_that_cannot_be_resampled_give_the_reason(unclear):
    _, report = unclear
    frame = panel(staggered=True)
    few = frame[frame["team"].isin(["T00", "T15", "T16"])]  # 3 teams to resample
    section = build_planning(report, COLUMNS, few)
    assert isinstance(section, Unavailable)
    assert section.reason.startswith("the next phase could not be planned from these data: "
                                     "only 3 teams: the simulation resamples whole teams and needs at least 4")
    short = frame[frame["team"].isin(["T00", "T01", "T02", "T15", "T16", "T17"])]
    reason = build_planning(report, COLUMNS, short).reason  # 3 comparison teams: 18 months,
    assert ("replaying the pilot's 12 months of follow-up needs 13 consecutive months without "
            "the pilot in at least 4 teams; the data hold 10") in reason  # pilots' 6 (+4)
    control = dataclasses.replace(report, headline=dataclasses.replace(
        report.headline, estimator="synthetic-control"))
    assert "not for the headline's synthetic-control" in build_planning(
        control, COLUMNS, frame).reason


def test_run_project_adds_the_section_to_unclear_outcomes_only(tmp_path):
    frame = panel(staggered=True).assign(clear=lambda f: f["y"] + 2.0 * (
        (f["start"] > 0) & (f["month"] >= f["start"])))
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    table = load_table(path)
    project = Project(outcome_data=DatasetSpec.from_table(table, COLUMNS),
                      outcomes=(OutcomeChoice("y", "Caseload", "", "higher_is_better"),
                                OutcomeChoice("clear", "Clear", "", "higher_is_better")),
                      did=DidOptions(checks=False))
    report = run_project(project)
    unclear_one, clear_one = report.outcomes
    assert isinstance(unclear_one.planning, PlanningSection)
    assert clear_one.planning is None
    assert unclear_one.planning.pilot.pilot_teams == 15
    assert SEED in report.qa.seeds  # the QA log names the planning simulation's seed
    assert type(report).from_json(report.to_json()) == report
    # the technical report and tables.xlsx carry the designs, the pilot's own first
    from pilot_eval.brief.planning import HEADING
    from pilot_eval.brief.technical import build_technical_content
    from pilot_eval.tables import report_tables

    technical = build_technical_content(report)
    (section,) = [s for s in technical.sections if s.heading == HEADING]
    assert section.paragraphs[1] == f"Caseload: {unclear_one.planning.sentence}"
    assert section.tables[0].rows[0][:6] == ("The pilot's own", "15", "15", "6", "12",
                                             "two waves")
    # the brief's first page: the sentence among the things to bear in mind, second
    from pilot_eval.brief import build_brief_content

    brief = build_brief_content(report)
    assert brief.caveats[1] == f"Caseload: {unclear_one.planning.sentence}"
    assert all("fail" not in c.lower() for c in brief.caveats)
    sheet = report_tables(report)["Planning"]
    assert list(sheet["design"]) == ["pilot's own"] + ["next phase"] * 5
    assert sheet.iloc[0]["mde"] == unclear_one.planning.pilot.mde
    assert sheet.iloc[0]["estimator"] == "Callaway & Sant'Anna"


def test_project_expected_effect_is_checked_written_only_when_set_and_used(tmp_path):
    from pilot_eval.errors import ProjectFileError

    plain = OutcomeChoice("y", "Caseload", "", "higher_is_better")
    assert "expected_effect" not in plain.to_dict()  # older project files keep their bytes
    chosen = OutcomeChoice("y", "Caseload", "", "higher_is_better", expected_effect=0.8)
    assert chosen.to_dict()["expected_effect"] == 0.8
    assert OutcomeChoice(**chosen.to_dict()) == chosen
    for effect, polarity, message in ((-0.8, "higher_is_better", "higher is better"),
                                      (0.8, "lower_is_better", "lower is better"),
                                      (0.0, "neutral", "expected effect 0.0"),
                                      (float("nan"), "neutral", "expected effect nan")):
        with pytest.raises(ProjectFileError, match=message):
            OutcomeChoice("y", polarity=polarity, expected_effect=effect)
    frame = panel(staggered=True)
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    project = Project(outcome_data=DatasetSpec.from_table(load_table(path), COLUMNS),
                      outcomes=(chosen,), did=DidOptions(checks=False))
    (outcome,) = run_project(project).outcomes
    assert outcome.planning.effect == 0.8 and outcome.planning.effect_source == "expected"
    assert "an effect of the size expected (0.8)" in outcome.planning.sentence


def test_a_synthetic_did_headline_is_replayed_with_synthetic_did(monkeypatch):
    import pilot_eval.report.build_planning as planning

    monkeypatch.setattr(planning, "REPLICATIONS", 20)  # a smoke test: ~10 ms a fit
    rng = np.random.default_rng(5)
    rows = [{"team": f"T{team:02d}", "month": month, "start": 9 if team < 2 else 0,
             "y": rng.normal() + 0.1 * month} for team in range(12) for month in range(1, 15)]
    frame = pd.DataFrame(rows)
    report = report_of(frame)
    assert report.headline.estimator == "synthetic-did" and is_unclear(report)
    section = build_planning(report, COLUMNS, frame)
    assert section.estimator == "synthetic-did" and "placebo standard error" in section.method
    assert [(r.pilot_teams, r.comparison_teams, r.months_after) for r in section.grid] == [
        (2, 10, 6), (4, 20, 6), (8, 40, 6)]  # the pilot's follow-up only (slow estimator)
    assert section.pilot.months_before == 8
