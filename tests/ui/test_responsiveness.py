"""The window stays live while a slow task runs: a fake analysis that never finishes by itself
(it waits on a gate, reporting progress in a tight loop).  No timing assertions: the checks are
that the event loop keeps serving timers and input while the task runs, that the flood of
identical progress reports is throttled, and that Cancel returns the window to idle.  The
real 1M-row figure is measured in benchmarks/bench_ui_responsiveness.py."""

from __future__ import annotations

import threading

import pytest
from pilot_eval.ui.controller import Controller
from pilot_eval.ui.main_window import MainWindow
from pilot_eval.ui.settings import open_settings
from PySide6.QtCore import QTimer

WAIT_MS = 10_000
TICKS_WANTED = 25  # timer events the GUI thread must serve while the task runs
REPORTS_IN_LOOP = 20_000


@pytest.fixture
def window(qtbot, fake_core, panel_csv, tmp_path):
    window = MainWindow(Controller(core=fake_core),
                        settings=open_settings(tmp_path / "settings.ini"))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS):
        window.open_file(panel_csv)
    yield window
    window.controller.shutdown()


def test_timers_and_input_are_served_while_a_slow_task_runs(qtbot, window, fake_core):
    fake_core.gate = threading.Event()
    reports: list[str] = []
    window.controller.progress.connect(lambda key, fraction, message: reports.append(message))
    original = fake_core.run_report

    def chatty(project, project_file, progress, **extra):
        for _ in range(REPORTS_IN_LOOP):  # the same report again and again
            progress.report(0.5, "Still estimating")
        return original(project, project_file, progress, **extra)

    fake_core.run_report = chatty
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(1))
    with qtbot.waitSignal(window.controller.progress, timeout=WAIT_MS):
        window.impact_page.run_button.click()
    timer.start()
    qtbot.waitUntil(lambda: len(ticks) >= TICKS_WANTED, timeout=WAIT_MS)
    assert window.controller.runner.is_running("analysis")  # still running: the loop was free
    for step in ("trends", "data", "impact"):  # the user can move around meanwhile
        window.steps.select(step)
        assert window.pages.currentWidget() is window.page_for[step]
    assert reports.count("Still estimating") < 10  # throttled, not 20,000 queued events
    with qtbot.waitSignal(window.controller.analysis_cancelled, timeout=WAIT_MS):
        window.impact_page.cancel_button.click()
    timer.stop()
    assert window.impact_page.run_button.isEnabled()
    assert not window.impact_page.cancel_button.isEnabled()
    fake_core.gate.set()
    assert window.controller.runner.shutdown()
    assert window.controller.output is None  # the cancelled run's late answer is dropped
