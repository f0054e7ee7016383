"""The window driven offscreen with a fake core: the flow, cancel, errors in dialogs, keyboard."""

from __future__ import annotations

import threading

import pytest
from pilot_eval.ui.controller import Controller
from pilot_eval.ui.error_dialog import ErrorDialog
from pilot_eval.ui.impact_text import result_rows
from pilot_eval.ui.main_window import MainWindow
from ui_fakes import cell_means_did, small_panel

from pilot_eval.report import words

WAIT_MS = 5000


@pytest.fixture
def dialogs(monkeypatch):
    """Error dialogs are recorded instead of blocking the test in ``exec``."""
    shown: list[ErrorDialog] = []
    monkeypatch.setattr(ErrorDialog, "exec", lambda self: shown.append(self) or 0)
    return shown


@pytest.fixture
def window(qtbot, fake_core, dialogs):
    window = MainWindow(Controller(core=fake_core))
    qtbot.addWidget(window)
    window.show()
    yield window
    window.controller.shutdown()


def open_panel(qtbot, window, path):
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS):
        window.open_file(path)


def test_open_map_run_and_export(qtbot, window, panel_csv, tmp_path, dialogs):
    open_panel(qtbot, window, panel_csv)
    page = window.data_page
    assert page.model.rowCount() == 16 and page.model.columnCount() == 4
    assert page.model.headerData(0, 2) == "2"  # vertical header: spreadsheet row numbers
    assert page.roles_form.roles()["outcome"] == "score"
    assert window.windowTitle().replace("[*]", "") == "panel.csv – pilot-eval"
    assert page.issues.item(0).text().startswith("Warning: row 7")

    with qtbot.waitSignal(window.result_shown, timeout=WAIT_MS), \
            qtbot.waitSignal(window.controller.result_ready, timeout=WAIT_MS) as blocker:
        window.impact_page.run_button.click()
    assert window.pages.currentWidget() is window.impact_page
    outcome = blocker.args[0].report.outcomes[0]
    assert window.impact_page.table_text() == [(r.label, r.value) for r in result_rows(outcome)]
    estimate = cell_means_did(small_panel())  # 2 significant figures, as the brief
    assert window.impact_page.table_text()[1][1] == f"+{words.number_in_words(estimate)} points"
    assert window.impact_page.sentence.text().startswith(
        f"Score: about {words.number_in_words(estimate)} points higher in pilot teams")
    assert window.impact_page.warnings.lines() == ["only 4 clusters"]
    assert window.brief_page.export_button.isEnabled()

    with qtbot.waitSignal(window.controller.brief_exported, timeout=WAIT_MS):
        window.export_brief_to(tmp_path)
    assert {p.name for p in tmp_path.glob("*.*")} >= {"brief.pdf", "brief.html",
                                                      "results.json"}
    assert "brief.html" in window.brief_page.status.text()
    assert dialogs == []


def test_role_change_in_the_form_reaches_the_controller(qtbot, window, panel_csv):
    open_panel(qtbot, window, panel_csv)
    combo = window.data_page.roles_form.combos["outcome"]
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS):
        combo.setCurrentIndex(0)  # "(not used)"
    assert window.controller.roles["outcome"] is None
    assert window.data_page.issues.item(0).text() == "To do: Choose a column for: Outcome."
    assert not window.impact_page.run_button.isEnabled()


def test_cancel_returns_the_window_to_idle(qtbot, window, panel_csv, fake_core):
    open_panel(qtbot, window, panel_csv)
    fake_core.gate = threading.Event()
    page = window.impact_page
    with qtbot.waitSignal(window.controller.progress, timeout=WAIT_MS):
        page.run_button.click()
    assert page.cancel_button.isEnabled() and not page.run_button.isEnabled()
    qtbot.waitUntil(lambda: page.progress.value() > 0, timeout=WAIT_MS)
    with qtbot.waitSignal(window.controller.analysis_cancelled, timeout=WAIT_MS):
        page.cancel_button.click()
    assert page.run_button.isEnabled() and not page.cancel_button.isEnabled()
    assert page.progress.value() == 0 and "cancelled" in page.status.text()
    fake_core.gate.set()
    assert window.controller.runner.shutdown()
    qtbot.wait(20)
    assert page.table.rowCount() == 0  # the late result never shows


def test_an_unexpected_worker_error_shows_the_dialog(qtbot, window, panel_csv, fake_core,
                                                     dialogs, log_file):
    open_panel(qtbot, window, panel_csv)
    fake_core.fail_with = ZeroDivisionError("division by zero")
    with qtbot.waitSignal(window.controller.error, timeout=WAIT_MS):
        window.impact_page.run_button.click()
    assert len(dialogs) == 1
    dialog = dialogs[0]
    assert dialog.windowTitle() == "The analysis could not run"
    assert "ZeroDivisionError" in dialog.message.text()
    assert "Traceback" not in dialog.message.text()
    from PySide6.QtWidgets import QLabel

    labels = [label.text() for label in dialog.findChildren(QLabel)]
    assert f"Log file: {log_file}" in labels
    dialog.copy_button.click()
    from PySide6.QtGui import QGuiApplication

    copied = QGuiApplication.clipboard().text()
    assert "Traceback" in copied and str(log_file) in copied
    assert window.impact_page.run_button.isEnabled()
    assert "did not finish" in window.impact_page.status.text()


def test_a_bad_file_shows_the_user_message(qtbot, window, tmp_path, dialogs):
    with qtbot.waitSignal(window.controller.error, timeout=WAIT_MS):
        window.open_file(tmp_path / "report.docx")
    assert [d.message.text() for d in dialogs] == [
        "In report.docx: the file does not exist or is not a CSV file. Choose a .csv file."]
    assert window.data_page.open_button.isEnabled()


def test_every_focusable_control_has_an_accessible_name(qtbot, window, panel_csv):
    open_panel(qtbot, window, panel_csv)
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QWidget

    checked = 0
    for page_key in window.steps.step_keys():
        window.steps.select(page_key)
        focusable = [w for w in window.pages.currentWidget().findChildren(QWidget)
                     if w.isVisible() and w.focusPolicy() & Qt.FocusPolicy.TabFocus]
        unnamed = [type(w).__name__ for w in focusable if not w.accessibleName()]
        assert unnamed == []
        checked += len(focusable)
    assert checked >= 14  # open, preview, 6 role boxes, checks, run, result, 2 fields, export
    assert window.steps.accessibleName() == "Steps"


def test_activating_a_problem_selects_its_cell(qtbot, window, panel_csv):
    open_panel(qtbot, window, panel_csv)
    page = window.data_page
    page.issues.itemActivated.emit(page.issues.item(0))  # "row 7, column 'score'"
    current = page.table.currentIndex()
    assert (current.row(), current.column()) == (7 - 2, 3)


def test_keyboard_shortcuts_reach_every_step_and_run(qtbot, window, panel_csv):
    from PySide6.QtGui import QKeySequence

    open_panel(qtbot, window, panel_csv)
    assert window.run_action.shortcut() == QKeySequence("Ctrl+R")
    assert window.export_action.shortcut() == QKeySequence("Ctrl+E")
    assert window.open_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    go = {a.text(): a for a in menus["&Go"].actions()}
    assert list(go) == ["&1 Start", "&2 Data", "&3 Trends", "&4 Impact", "&5 Plan",
                        "&6 Retention", "&7 Brief"]
    assert go["&7 Brief"].shortcut() == QKeySequence("Ctrl+7")
    go["&7 Brief"].trigger()
    assert window.pages.currentWidget() is window.brief_page
    with qtbot.waitSignal(window.controller.result_ready, timeout=WAIT_MS):
        window.run_action.trigger()
    assert window.pages.currentWidget() is window.impact_page


def test_changing_a_role_while_running_cancels_the_stale_run(qtbot, window, panel_csv, fake_core):
    open_panel(qtbot, window, panel_csv)
    fake_core.gate = threading.Event()
    with qtbot.waitSignal(window.controller.progress, timeout=WAIT_MS):
        window.impact_page.run_button.click()
    with qtbot.waitSignal(window.controller.analysis_cancelled, timeout=WAIT_MS):
        window.controller.set_role("cluster", "team")
    assert not window.impact_page.cancel_button.isEnabled()
    fake_core.gate.set()
    assert window.controller.runner.shutdown()
    assert window.controller.output is None


def test_the_chart_has_a_table_of_its_numbers(qtbot, window, panel_csv, fake_core):
    open_panel(qtbot, window, panel_csv)
    with qtbot.waitSignal(window.controller.result_ready, timeout=WAIT_MS) as blocker:
        window.impact_page.run_button.click()
    chart = blocker.args[0].chart("means", "score")
    page = window.impact_page
    assert page.means_button.isVisible() and not page.means_table.isVisible()
    page.means_button.click()
    assert page.means_table.isVisible()
    assert page.chart.table_rows() == [list(row) for row in chart.rows]
    page.means_button.click()
    assert not page.means_table.isVisible()


def test_the_brief_is_offered_beside_the_data_but_not_inside_the_package_nor_a_temp_folder(
        qtbot, window, panel_csv, fake_core, documents):
    import shutil
    from importlib import resources
    from pathlib import Path

    mine = documents / "pilot data" / "panel.csv"
    mine.parent.mkdir()
    shutil.copyfile(panel_csv, mine)
    open_panel(qtbot, window, mine)
    assert window._export_folder() == mine.parent.resolve()
    bundled = Path(str(resources.files("pilot_eval.resources"))) / "demo" / "outcomes.csv"
    for elsewhere in (bundled, panel_csv):  # inside the package; in the temporary folder
        window.controller.table = type(window.controller.table)(window.controller.table.frame,
                                                                str(elsewhere))
        assert window._export_folder() == documents


def test_the_window_keeps_handling_events_while_a_task_runs(qtbot, window, panel_csv,
                                                             fake_core):
    """Liveness, not timing: timer events are processed while the analysis is blocked."""
    from PySide6.QtCore import QTimer

    open_panel(qtbot, window, panel_csv)
    fake_core.gate = threading.Event()
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(1)
    with qtbot.waitSignal(window.controller.progress, timeout=WAIT_MS):
        window.impact_page.run_button.click()
    qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=WAIT_MS)
    assert window.controller.runner.is_running("analysis")  # the task is still blocked
    with qtbot.waitSignal(window.controller.result_ready, timeout=WAIT_MS):
        fake_core.gate.set()
    timer.stop()


def test_tab_walks_every_control_of_the_data_step_and_each_is_named(qtbot, window, panel_csv):
    from PySide6.QtWidgets import QApplication

    open_panel(qtbot, window, panel_csv)
    window.activateWindow()
    window.steps.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.steps, timeout=WAIT_MS)
    visited = []
    for _ in range(40):
        widget = QApplication.focusWidget()
        if widget in visited:
            break
        visited.append(widget)
        window.focusNextChild()
    names = [w.accessibleName() for w in visited]
    assert "" not in names, [type(w).__name__ for w in visited if not w.accessibleName()]
    assert names[:5] == ["Steps", "Open data file", "Filter rows", "Filter column",
                         "Data preview"]
    assert {"Unit (team)", "Period", "Outcome", "Pilot start period", "Pilot flag (0/1)",
            "Cluster (optional)", "Validation problems"} <= set(names)


def test_the_brief_page_lists_each_outcome_analysed(qtbot, window, panel_csv):
    open_panel(qtbot, window, panel_csv)
    with qtbot.waitSignal(window.result_shown, timeout=WAIT_MS):
        window.impact_page.run_button.click()
    assert window.brief_page.reported_text().startswith("Result to be reported:")
    window.controller.set_role("outcome", "month")
    assert window.brief_page.export_button.isEnabled()  # the score result is still there
    with qtbot.waitSignal(window.result_shown, timeout=WAIT_MS):
        window.impact_page.run_button.click()
    assert window.brief_page.reported_text().startswith("2 results to be reported")
    assert "How strong the evidence is" in window.brief_page.reported_text()
    window.controller.set_role("unit", None)
    assert window.brief_page.reported_text() == ""
    assert not window.brief_page.export_button.isEnabled()
