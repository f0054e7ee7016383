"""The accessibility walk: on every step, Tab visits each control once, every control it visits
has an accessible name, every kind of control visited has a visible focus style, and Enter on
each stop presses the focused button, or the step's default button, or is left to a list, a
table or a text box."""

from __future__ import annotations

import pytest
from pilot_eval.ui.controller import Controller
from pilot_eval.ui.main_window import MainWindow
from pilot_eval.ui.settings import open_settings
from pilot_eval.ui.sidebar import STEPS
from pilot_eval.ui.style import STYLE_SHEET
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QLineEdit,
    QPushButton,
    QTextEdit,
    QWidget,
)

WAIT_MS = 5000
MAX_STOPS = 80
STEP_KEYS = [key for key, _ in STEPS]  # every step of the side bar, new ones too
FOCUS_STYLED = ("QPushButton", "QComboBox", "QLineEdit", "QListWidget", "QTableView",
                "QTableWidget", "QPlainTextEdit", "QTextBrowser", "QLabel", "QCheckBox",
                "QAbstractSpinBox", "#StepBar")


@pytest.fixture
def window(qtbot, fake_core, panel_csv, tmp_path):
    window = MainWindow(Controller(core=fake_core),
                        settings=open_settings(tmp_path / "settings.ini"))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS):
        window.open_file(panel_csv)
    with qtbot.waitSignal(window.controller.result_ready, timeout=WAIT_MS):
        window.impact_page.run_button.click()
    yield window
    window.controller.shutdown()


def focus_chain(qtbot, window: MainWindow) -> list[QWidget]:
    """The widgets Tab visits, starting at the step bar, until it comes back round."""
    window.activateWindow()
    window.steps.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.steps, timeout=WAIT_MS)
    visited: list[QWidget] = []
    for _ in range(MAX_STOPS):
        widget = QApplication.focusWidget()
        if widget in visited:
            break
        visited.append(widget)
        window.focusNextChild()
    return visited


def styled_class(widget: QWidget) -> str | None:
    """The style-sheet selector giving ``widget`` its focus ring (None: none found)."""
    if widget.objectName() == "StepBar":
        return "#StepBar"
    meta = widget.metaObject()
    while meta is not None:
        if meta.className() in FOCUS_STYLED:
            return meta.className()
        meta = meta.superClass()
    return None


@pytest.mark.parametrize("step", STEP_KEYS)
def test_tab_reaches_named_controls_with_a_focus_ring_on_every_step(qtbot, window, step):
    window.steps.select(step)
    chain = focus_chain(qtbot, window)
    page = window.page_for[step]
    on_page = [w for w in chain if page.isAncestorOf(w)]
    assert on_page, f"Tab never reaches the {step} step"
    unnamed = [type(w).__name__ for w in chain if not w.accessibleName()]
    assert unnamed == []
    for widget in chain:
        selector = styled_class(widget)
        assert selector is not None, type(widget).__name__
        assert f"{selector}:focus" in STYLE_SHEET or f"{selector}:focus" in \
            STYLE_SHEET.replace(", ", ",").replace(",", ", "), selector
    enabled_on_page = [w for w in page.findChildren(QWidget)
                       if w.isVisibleTo(page) and w.isEnabled()
                       and w.focusPolicy() & Qt.FocusPolicy.TabFocus
                       and not w.focusProxy()]
    missed = [w.accessibleName() or type(w).__name__ for w in enabled_on_page
              if w not in chain]
    assert missed == []
    assert window.help_view in chain  # the "What does this mean?" panel is reachable


@pytest.mark.parametrize("step", STEP_KEYS)
def test_enter_on_every_stop_presses_a_button_or_is_left_to_the_control(qtbot, window, step,
                                                                        monkeypatch):
    from PySide6.QtWidgets import QPlainTextEdit

    pressed: list[QWidget] = []
    monkeypatch.setattr(QAbstractButton, "animateClick", lambda self: pressed.append(self))
    window.steps.select(step)
    page = window.page_for[step]
    default = page.default_button()
    stops = [w for w in focus_chain(qtbot, window) if page.isAncestorOf(w)]
    for widget in stops:
        widget.setFocus()
        qtbot.waitUntil(lambda w=widget: QApplication.focusWidget() is w, timeout=WAIT_MS)
        pressed.clear()
        handled = window.press_enter()
        if isinstance(widget, QPushButton):
            assert pressed == ([widget] if widget.isEnabled() else []), widget.accessibleName()
            assert handled
        elif isinstance(widget, QAbstractItemView | QPlainTextEdit | QTextEdit) or (
                isinstance(widget, QLineEdit) and widget.property("handlesEnter")):
            assert pressed == [] and not handled, widget.accessibleName()
        elif default.isEnabled() and default.isVisible():
            assert pressed == [default], widget.accessibleName()
