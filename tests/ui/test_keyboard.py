"""Enter as Windows users expect it (issue 14): Enter presses the focused button; elsewhere on a
step it presses the step's default button; lists, tables, text boxes and the filter keep Enter
for themselves.  The fake core (brute-force figures)."""

from __future__ import annotations

import pytest
from pilot_eval.ui.main_window import MainWindow
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

WAIT_MS = 5000


def open_panel(qtbot, window, path):
    with qtbot.waitSignal(window.controller.trends_ready, timeout=WAIT_MS):
        window.open_file(path)


def focus(qtbot, widget):
    widget.window().activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=WAIT_MS)


def test_enter_on_a_focused_button_presses_it(qtbot, window, panel_csv):
    open_panel(qtbot, window, panel_csv)
    window.steps.select("impact")
    focus(qtbot, window.impact_page.run_button)
    with qtbot.waitSignal(window.controller.result_ready, timeout=WAIT_MS):
        qtbot.keyClick(window.impact_page.run_button, Qt.Key.Key_Return)
    button = window.impact_page.means_button  # a toggle: Enter (keypad too) flips it
    assert button.isVisible()  # the fake chart has a picture and a table
    focus(qtbot, button)
    with qtbot.waitSignal(button.toggled, timeout=WAIT_MS):
        qtbot.keyClick(button, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert button.isChecked()


def test_enter_elsewhere_on_a_step_presses_its_default_button(qtbot, window, panel_csv):
    open_panel(qtbot, window, panel_csv)
    window.steps.select("impact")
    combo = window.impact_page.options_row.combos["level"]
    focus(qtbot, combo)
    with qtbot.waitSignal(window.controller.result_ready, timeout=WAIT_MS):
        qtbot.keyClick(combo, Qt.Key.Key_Return)
    window.steps.select("data")
    unit = window.data_page.roles_form.combos["unit"]
    focus(qtbot, unit)
    qtbot.keyClick(unit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.steps.current_key() == "trends", timeout=WAIT_MS)
    focus(qtbot, window.trends_page.sentence)  # the sentence, read by keyboard
    qtbot.keyClick(window.trends_page.sentence, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.steps.current_key() == "impact", timeout=WAIT_MS)


def test_lists_text_boxes_and_the_filter_keep_enter(qtbot, window, panel_csv, monkeypatch):
    pressed: list[str] = []
    monkeypatch.setattr(MainWindow, "open_project_dialog", lambda self: pressed.append("open"))
    monkeypatch.setattr(MainWindow, "export_brief_dialog",
                        lambda self: pressed.append("export"))
    monkeypatch.setattr(MainWindow, "open_file_dialog", lambda self: pressed.append("data"))
    opened: list[str] = []
    monkeypatch.setattr(MainWindow, "open_recent", lambda self, path: opened.append(path))
    window.start_page.show_recent([str(panel_csv)])
    window.start_page.recent.setCurrentRow(0)
    focus(qtbot, window.start_page.recent)
    qtbot.keyClick(window.start_page.recent, Qt.Key.Key_Return)
    assert opened == [str(panel_csv)] and pressed == []  # the project, not the default

    open_panel(qtbot, window, panel_csv)
    window.steps.select("data")
    window.data_page.filter_text.setText("A")
    focus(qtbot, window.data_page.filter_text)
    qtbot.keyClick(window.data_page.filter_text, Qt.Key.Key_Return)
    assert window.data_page.model.rowCount() < window.data_page.model.total_rows()
    assert window.steps.current_key() == "data" and pressed == []

    window.steps.select("brief")
    box = window.brief_page.issue
    focus(qtbot, box)
    qtbot.keyClicks(box, "one")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.keyClicks(box, "two")
    assert box.toPlainText() == "one\ntwo" and pressed == []


DEFAULT_BUTTONS = [
    ("start", "open_button"), ("data", "next_button"), ("trends", "next_button"),
    ("impact", "run_button"), ("plan", "run_button"), ("retention", "open_button"),
    ("brief", "export_button")]


@pytest.mark.parametrize(("step", "button"), DEFAULT_BUTTONS)
def test_every_step_has_a_default_button(qtbot, window, panel_csv, step, button):
    open_panel(qtbot, window, panel_csv)
    page = window.page_for[step]
    assert page.default_button() is getattr(page, button)


def test_the_default_buttons_cover_every_step():
    from pilot_eval.ui.sidebar import STEPS

    covered = {step for step, _ in DEFAULT_BUTTONS}
    assert covered == {key for key, _ in STEPS}
