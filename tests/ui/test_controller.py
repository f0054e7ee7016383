"""The controller without a window: a fake core, the real task runner, signals checked."""

from __future__ import annotations

import threading

import pytest
from pilot_eval.ui.controller import Controller, Issue, issues_from_report, missing_roles
from ui_fakes import cell_means_did, small_panel

WAIT_MS = 5000


@pytest.fixture
def controller(qtbot, fake_core):
    controller = Controller(core=fake_core)
    yield controller
    controller.shutdown()


def load(qtbot, controller, path):
    with qtbot.waitSignal(controller.issues_changed, timeout=WAIT_MS) as blocker:
        controller.open_file(str(path))
    return blocker.args[0]


def test_opening_a_file_loads_it_guesses_roles_and_validates(qtbot, controller, panel_csv):
    roles_seen = []
    controller.roles_changed.connect(roles_seen.append)
    issues = load(qtbot, controller, panel_csv)
    assert controller.table.n_rows == 16
    assert roles_seen[-1]["outcome"] == "score" and roles_seen[-1]["cohort"] == "pilot_start"
    assert issues == [Issue("warning", "row 7, column 'score': missing outcome; the row is "
                                       "dropped", (7,), "score")]
    assert controller.can_run


def test_missing_roles_are_listed_instead_of_validating(qtbot, controller, panel_csv, fake_core):
    load(qtbot, controller, panel_csv)
    validations = fake_core.calls.count("validate")
    with qtbot.waitSignal(controller.issues_changed, timeout=WAIT_MS) as blocker:
        controller.set_role("outcome", None)
    assert blocker.args[0] == [Issue("info", "Choose a column for: Outcome.")]
    # nothing to validate yet (the Trends summary of the load may still be arriving in the
    # background on a loaded machine, so count validations, not every call)
    assert fake_core.calls.count("validate") == validations
    assert not controller.can_run


def test_choosing_a_pilot_flag_clears_the_start_period(qtbot, controller, panel_csv):
    load(qtbot, controller, panel_csv)
    with qtbot.waitSignal(controller.roles_changed, timeout=WAIT_MS) as blocker:
        controller.set_role("treatment", "pilot_start")
    assert blocker.args[0]["treatment"] == "pilot_start" and blocker.args[0]["cohort"] is None


def test_run_delivers_the_core_result(qtbot, controller, panel_csv):
    load(qtbot, controller, panel_csv)
    with qtbot.waitSignal(controller.result_ready, timeout=WAIT_MS) as blocker:
        controller.run_analysis()
    report = blocker.args[0].report
    assert report.outcomes[0].headline.estimate == pytest.approx(cell_means_did(small_panel()))
    assert controller.report is report and controller.output is report.outcomes[0]


def test_run_without_data_says_what_to_do(qtbot, controller):
    with qtbot.waitSignal(controller.error, timeout=WAIT_MS) as blocker:
        controller.run_analysis()
    assert blocker.args[0].message == "Open a data file first."


def test_cancel_emits_cancelled_and_keeps_no_result(qtbot, controller, panel_csv, fake_core):
    load(qtbot, controller, panel_csv)
    fake_core.gate = threading.Event()
    with qtbot.waitSignal(controller.progress, timeout=WAIT_MS):
        controller.run_analysis()
    with qtbot.waitSignal(controller.analysis_cancelled, timeout=WAIT_MS):
        controller.cancel_analysis()
    fake_core.gate.set()
    controller.runner.shutdown()
    assert controller.output is None


def test_a_bad_file_gives_the_user_message(qtbot, controller, tmp_path):
    with qtbot.waitSignal(controller.error, timeout=WAIT_MS) as blocker:
        controller.open_file(str(tmp_path / "nothing.xlsx"))
    info = blocker.args[0]
    assert info.expected and info.title == "The file could not be opened"
    assert info.message == ("In nothing.xlsx: the file does not exist or is not a CSV file. "
                            "Choose a .csv file.")
    assert controller.table is None


def test_export_needs_a_result_then_writes_the_brief_and_results(qtbot, controller, panel_csv,
                                                                   tmp_path, fake_core):
    with qtbot.waitSignal(controller.error, timeout=WAIT_MS):
        controller.export_brief(str(tmp_path))
    load(qtbot, controller, panel_csv)
    with qtbot.waitSignal(controller.result_ready, timeout=WAIT_MS):
        controller.run_analysis()
    with qtbot.waitSignal(controller.brief_exported, timeout=WAIT_MS) as blocker:
        controller.export_brief(str(tmp_path), brief={"organisation": "Cyngor Gwynedd"})
    assert blocker.args == [str(tmp_path / "brief.pdf"), str(tmp_path / "brief.html")]
    assert (tmp_path / "results.json").is_file()
    assert fake_core.brief_project.brief["organisation"] == "Cyngor Gwynedd"


def test_missing_roles_lists_each_needed_role():
    assert missing_roles({}) == ["Unit (team)", "Period", "Outcome",
                                 "Pilot start period or pilot flag"]
    assert missing_roles({"unit": "u", "time": "t", "outcome": "y", "treatment": "d"}) == []


def test_errors_are_listed_before_warnings():
    class Report:
        problems = (type("P", (), {"severity": "warning", "describe": lambda s: "w",
                                   "rows": (3,), "column": "y"})(),
                    type("P", (), {"severity": "error", "describe": lambda s: "e",
                                   "rows": (), "column": None})())

    assert [i.text for i in issues_from_report(Report())] == ["e", "w"]


def test_guessed_roles_in_either_orientation_fill_the_form():
    import pandas as pd
    from pilot_eval.ui.core_api import normalise_roles

    frame = pd.DataFrame({"team": ["a", "b", "c"], "month": [1, 2, 3], "pilot": [0, 1, 1],
                          "start": [2, 0, 0], "y": [1.5, 2.5, 4.0]})
    by_column = {"team": "unit", "month": "time", "pilot": "outcome", "y": "outcome",
                 "start": "cohort", "region": "cluster", "pop": "covariate"}
    expected = {"unit": "team", "time": "month", "outcome": "y", "cohort": "start",
                "treatment": None, "cluster": "region"}
    assert normalise_roles(by_column, frame) == expected
    by_role = {"unit": "team", "period": "month", "outcome": "y", "pilot_start": "start",
               "treatment": "pilot", "cluster": "region"}
    assert normalise_roles(by_role, frame) == expected


def test_the_project_runs_every_outcome_run_in_the_session(qtbot, controller, panel_csv,
                                                           fake_core, tmp_path):
    load(qtbot, controller, panel_csv)
    for outcome in ("score", "month", "score"):  # each outcome run joins the project
        if controller.roles["outcome"] != outcome:
            controller.set_role("outcome", outcome)
        with qtbot.waitSignal(controller.result_ready, timeout=WAIT_MS):
            controller.run_analysis()
    assert [o.column for o in fake_core.project.outcomes] == ["score", "month"]
    assert [o.outcome for o in controller.report.outcomes] == ["score", "month"]
    controller.set_role("outcome", "month")  # in the report: shown without a new run
    assert controller.output.outcome == "month"
    with qtbot.waitSignal(controller.brief_exported, timeout=WAIT_MS):
        controller.export_brief(str(tmp_path))
    assert fake_core.exported == ["score", "month"]
    controller.set_role("cluster", "team")  # another design: the report no longer applies
    assert controller.report is None and controller.output is None
