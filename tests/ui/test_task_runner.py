"""The task runner: results, errors (expected and unexpected), cancellation, superseded runs."""

from __future__ import annotations

import threading

import pytest
from pilot_eval.ui.error_info import ErrorInfo
from pilot_eval.ui.task_runner import TaskRunner

from pilot_eval.errors import DataError

WAIT_MS = 5000
EMITS = 5000
REFCOUNT_NOISE = 20


@pytest.fixture
def runner(qtbot):
    runner = TaskRunner()
    yield runner
    runner.shutdown()


def test_result_and_progress_arrive_on_the_gui_thread(qtbot, runner):
    seen: list[tuple[str, float, str]] = []
    threads: list[bool] = []
    main = threading.current_thread()
    runner.progress.connect(lambda k, f, m: (seen.append((k, f, m)),
                                             threads.append(threading.current_thread() is main)))

    def task(progress):
        progress.report(0.5, "half way")
        return threading.current_thread() is main

    with qtbot.waitSignal(runner.finished, timeout=WAIT_MS) as blocker:
        runner.run("job", task)
    assert blocker.args == ["job", False]  # the task itself ran off the GUI thread
    qtbot.waitUntil(lambda: bool(seen), timeout=WAIT_MS)
    assert seen == [("job", 0.5, "half way")]
    assert all(threads)
    assert not runner.is_running("job")


def test_an_expected_error_is_delivered_with_its_user_message(qtbot, runner):
    def task(progress):
        raise DataError("the column 'x' is missing", file="a.csv", hint="Pick another column.")

    with qtbot.waitSignal(runner.failed, timeout=WAIT_MS) as blocker:
        runner.run("job", task, title="Could not open")
    key, info = blocker.args
    assert key == "job" and isinstance(info, ErrorInfo)
    assert info.expected and info.title == "Could not open"
    assert info.message == "In a.csv: the column 'x' is missing. Pick another column."


def test_an_unexpected_error_is_delivered_and_logged(qtbot, runner, log_file):
    def task(progress):
        return {}["no such key"]

    with qtbot.waitSignal(runner.failed, timeout=WAIT_MS) as blocker:
        runner.run("job", task)
    info = blocker.args[1]
    assert not info.expected
    assert "KeyError" in info.message and info.log_path == str(log_file)
    assert "Traceback" not in info.message and "Traceback" in info.details
    logged = log_file.read_text(encoding="utf-8")
    assert "Unexpected error in task 'job'" in logged and "KeyError" in logged


def test_cancel_returns_to_idle_at_once_and_drops_the_late_result(qtbot, runner):
    gate, started = threading.Event(), threading.Event()
    finished: list[object] = []
    runner.finished.connect(lambda k, r: finished.append(r))

    def slow(progress):
        started.set()
        while not gate.wait(0.01):
            progress.report(0.5, "working")
        return "late"

    runner.run("job", slow)
    assert started.wait(WAIT_MS / 1000)
    with qtbot.waitSignal(runner.cancelled, timeout=WAIT_MS):
        assert runner.cancel("job")
    assert not runner.is_running("job")
    gate.set()
    assert runner.shutdown()
    qtbot.wait(50)
    assert finished == []


def test_a_new_run_of_the_same_key_cancels_the_old_one(qtbot, runner):
    gate = threading.Event()
    old_progress = []

    def old(progress):
        old_progress.append(progress)
        gate.wait(WAIT_MS / 1000)
        progress.report(1.0, "")  # raises AnalysisCancelled: the run was superseded
        return "old"

    results: list[object] = []
    runner.finished.connect(lambda k, r: results.append(r))
    runner.run("job", old)
    with qtbot.waitSignal(runner.finished, timeout=WAIT_MS):
        runner.run("job", lambda progress: "new")
    gate.set()
    assert runner.shutdown()
    qtbot.wait(50)
    assert results == ["new"]
    assert old_progress[0].cancelled


def test_different_keys_run_side_by_side(qtbot, runner):
    with qtbot.waitSignals([runner.finished, runner.finished], timeout=WAIT_MS):
        runner.run("a", lambda p: 1)
        runner.run("b", lambda p: 2)
    assert runner.running_keys() == ()


def test_the_installed_pyside_keeps_true_alive_across_emits(qtbot):
    """PySide6 6.12.0 lost a reference to ``True`` per ``emit`` and per ``disconnect``; a few
    thousand progress reports then aborted Python ("bool_dealloc").  pyproject excludes it; this
    guards against installing a release with the same fault."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class Probe(QObject):
        ping = Signal()

    probe = Probe()
    before = sys.getrefcount(True)
    for _ in range(EMITS):
        probe.ping.emit()
    # Other live objects may take or drop a few references meanwhile; the fault drops EMITS.
    assert abs(sys.getrefcount(True) - before) <= REFCOUNT_NOISE

    def slot() -> None:
        pass

    before = sys.getrefcount(True)
    for _ in range(EMITS):
        probe.ping.connect(slot)
        probe.ping.disconnect(slot)
    assert abs(sys.getrefcount(True) - before) <= REFCOUNT_NOISE


def test_many_progress_reports_are_thinned_and_do_not_crash(qtbot, runner):
    reports = 5000

    def chatty(progress):
        for i in range(reports + 1):
            progress.report(i / reports, "working")
        progress.report(1.0, "done")
        return "done"

    seen: list[tuple[float, str]] = []
    runner.progress.connect(lambda k, f, m: seen.append((f, m)))
    with qtbot.waitSignal(runner.finished, timeout=WAIT_MS) as blocker:
        runner.run("chatty", chatty)
    assert blocker.args == ["chatty", "done"]
    qtbot.waitUntil(lambda: bool(seen) and seen[-1] == (1.0, "done"), timeout=WAIT_MS)
    # one report per 1% step (plus the final ones), not 5000
    assert 100 <= len(seen) <= 103
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)
