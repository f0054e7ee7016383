"""Impact step options (standard errors, level, comparison teams, checks, sensitivity): each
change is one undoable command, reaches the core as a ``DidRequest`` option, reruns the analysis
(debounced) when there was a result, and is kept in the project file."""

from __future__ import annotations

import json

from pilot_eval.ui.did_options import CONTROLS, LEVELS, SE_CHOICES
from pilot_eval.ui.error_dialog import ErrorDialog
from pilot_eval.ui.main_window import MainWindow
from pilot_eval.ui.settings import open_settings

from pilot_eval.analysis import DidOptions

WAIT_MS = 5000


def run_once(qtbot, window, panel_csv):
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS):
        window.open_file(panel_csv)
    with qtbot.waitSignal(window.controller.result_ready, timeout=WAIT_MS):
        window.impact_page.run_button.click()


def test_every_choice_offered_is_a_valid_did_option():
    # Reference: pilot_eval.analysis.DidOptions checks each value when made.
    for se in SE_CHOICES:
        if se != "wild":  # wild is refused only with Callaway & Sant'Anna (checked there)
            assert DidOptions(se=se, estimator="callaway-santanna").se == se
        assert DidOptions(se=se, estimator="twfe").se == se
    for level in LEVELS:
        assert DidOptions(level=level).level == level
    for control in CONTROLS:
        assert DidOptions(control=control).control == control


def test_an_option_change_reruns_the_analysis_and_undo_puts_it_back(qtbot, window, panel_csv,
                                                                   fake_core):
    run_once(qtbot, window, panel_csv)
    row = window.impact_page.options_row
    with qtbot.waitSignal(window.controller.result_ready, timeout=WAIT_MS):
        row.combos["se"].setCurrentIndex(row.combos["se"].findData("hc1"))
    assert fake_core.project.did.se == "hc1"  # the project the run went through
    assert window.undo_stack.undoText() == "Standard errors: hc1"
    with qtbot.waitSignal(window.controller.result_ready, timeout=WAIT_MS):
        window.undo_stack.undo()
    assert row.combos["se"].currentData() == "auto"
    assert fake_core.project.did.se == "auto"
    assert window.shown_errors == []


def test_level_control_checks_and_sensitivity_reach_the_core(qtbot, window, panel_csv,
                                                             fake_core):
    run_once(qtbot, window, panel_csv)
    row = window.impact_page.options_row
    row.combos["level"].setCurrentIndex(row.combos["level"].findData(0.90))
    row.combos["control"].setCurrentIndex(row.combos["control"].findData("not-yet"))
    row.boxes["checks"].setChecked(True)
    with qtbot.waitSignal(window.controller.result_ready, timeout=WAIT_MS):
        row.boxes["sensitivity"].setChecked(True)  # the four changes give one rerun at most
    qtbot.waitUntil(lambda: fake_core.project.did.sensitivity is True, timeout=WAIT_MS)
    did = fake_core.project.did
    assert (did.level, did.control, did.checks, did.sensitivity) == (0.90, "not-yet", True,
                                                                     True)
    assert window.undo_stack.count() == 4
    window.undo_stack.undo()
    assert not row.boxes["sensitivity"].isChecked()


def test_options_are_saved_in_the_project_and_shown_when_it_opens(qtbot, monkeypatch,
                                                                  panel_csv, tmp_path):
    monkeypatch.setattr(ErrorDialog, "exec", lambda self: 0)

    def real_window() -> MainWindow:  # the real core: projects need a real table
        made = MainWindow(settings=open_settings(tmp_path / "settings.ini"))
        qtbot.addWidget(made)
        made.show()
        return made

    window = real_window()
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS):
        window.open_file(panel_csv)
    row = window.impact_page.options_row
    row.combos["se"].setCurrentIndex(row.combos["se"].findData("cluster"))
    row.combos["level"].setCurrentIndex(row.combos["level"].findData(0.99))
    row.boxes["sensitivity"].setChecked(True)
    assert window.controller.report is None  # no result yet: nothing reruns
    target = tmp_path / "pilot.pilot.json"
    assert window.save_project_to(target)
    did = json.loads(target.read_text(encoding="utf-8"))["did"]
    assert (did["se"], did["level"], did["sensitivity"]) == ("cluster", 0.99, True)
    assert window.close()  # its lock goes with it
    again = real_window()
    with qtbot.waitSignal(again.controller.issues_changed, timeout=WAIT_MS):
        again.open_file(str(target))
    shown = again.impact_page.options_row
    assert shown.combos["se"].currentData() == "cluster"
    assert shown.combos["level"].currentData() == 0.99
    assert shown.boxes["sensitivity"].isChecked()
    again.controller.shutdown()
