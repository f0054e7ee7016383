"""The one task runner for long work: everything slow runs here, off the GUI thread.

A task is a callable ``fn(progress) -> result`` run in a ``QThreadPool``.  The runner hands it a
``pilot_eval.progress.Progress`` whose reports come back to the GUI thread as the ``progress``
signal; the result arrives as ``finished`` and any exception, expected or not, as ``failed``
with an :class:`~pilot_eval.ui.error_info.ErrorInfo`.  Unexpected exceptions are also logged with
their traceback.  Nothing raised in a worker is ever lost or printed.

Tasks have a key (``"load"``, ``"analysis"``, ``"brief"`` ...).  Starting a task with a key that
is already running cancels the old run: its ``Progress`` is cancelled (the next report raises
``AnalysisCancelled``) and whatever it delivers later is dropped.  ``cancel(key)`` does the
same without a new run and emits ``cancelled`` at once, so the window returns to idle without
waiting for the worker to notice.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from pilot_eval.errors import AnalysisCancelled
from pilot_eval.progress import Progress

from .error_info import ErrorInfo, describe_exception
from .logs import get_logger, log_path

Task = Callable[[Progress], Any]
MAX_THREADS = 2
PROGRESS_STEP = 0.01  # smaller progress changes with the same message are not sent to the GUI

_log = get_logger("task_runner")


@dataclass
class _Run:
    run_id: int
    title: str
    progress: Progress


class _WorkerSignals(QObject):
    """Carries a worker's news to the GUI thread (queued connections)."""

    progress = Signal(str, int, float, str)
    finished = Signal(str, int, object)
    failed = Signal(str, int, object)
    cancelled = Signal(str, int)


def _error_info(key: str, title: str, exc: BaseException) -> ErrorInfo:
    """Describe ``exc`` for the user and log it when unexpected; never raises."""
    try:
        info = describe_exception(exc, title=title, log_path=log_path())
        if not info.expected:
            _log.error("Unexpected error in task %r", key, exc_info=exc)
        return info
    except Exception:  # describing the error failed too: still tell the user something
        return ErrorInfo(title=title, message=f"Something went wrong inside pilot-eval "
                         f"({type(exc).__name__}).", expected=False, log_path=log_path())


class _Job(QRunnable):
    def __init__(self, key: str, run: _Run, fn: Task, signals: _WorkerSignals) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._key = key
        self._run = run
        self._fn = fn
        self._signals = signals

    def run(self) -> None:  # executed in a pool thread
        key, run_id = self._key, self._run.run_id
        try:
            result = self._fn(self._run.progress)
        except AnalysisCancelled:
            self._signals.cancelled.emit(key, run_id)
        except BaseException as exc:  # every error must reach the user, never the console
            self._signals.failed.emit(key, run_id, _error_info(key, self._run.title, exc))
        else:
            self._signals.finished.emit(key, run_id, result)


class TaskRunner(QObject):
    """Runs callables off the GUI thread and reports back through signals.

    Signals
    -------
    started(key), progress(key, fraction, message), finished(key, result),
    failed(key, ErrorInfo), cancelled(key), busy_changed(key, busy)
    """

    started = Signal(str)
    progress = Signal(str, float, str)
    finished = Signal(str, object)
    failed = Signal(str, object)
    cancelled = Signal(str)
    busy_changed = Signal(str, bool)

    def __init__(self, parent: QObject | None = None, *, max_threads: int = MAX_THREADS) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._ids = itertools.count(1)
        self._runs: dict[str, _Run] = {}
        self._signals = _WorkerSignals(self)
        self._signals.progress.connect(self._on_progress)
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._signals.cancelled.connect(self._on_cancelled)

    def run(self, key: str, fn: Task, *, title: str = "The task failed") -> int:
        """Start ``fn(progress)`` under ``key``; a running task with the same key is cancelled.

        ``title`` heads the error dialog if the task fails.  Returns the run's id.
        """
        old = self._runs.pop(key, None)
        if old is not None:
            old.progress.cancel()
        run_id = next(self._ids)
        signals = self._signals

        last: list[tuple[float, str]] = []

        def report(fraction: float, message: str) -> None:
            # Throttle: a task reporting in a tight loop must not flood the GUI's event queue.
            if last and message == last[0][1] and abs(fraction - last[0][0]) < PROGRESS_STEP \
                    and fraction < 1.0:
                return
            last[:] = [(fraction, message)]
            signals.progress.emit(key, run_id, fraction, message)

        run = _Run(run_id=run_id, title=title, progress=Progress(report))
        self._runs[key] = run
        self._pool.start(_Job(key, run, fn, self._signals))
        if old is None:
            self.busy_changed.emit(key, True)
        self.started.emit(key)
        return run_id

    def cancel(self, key: str) -> bool:
        """Cancel the task running under ``key``; returns False when nothing was running."""
        run = self._runs.pop(key, None)
        if run is None:
            return False
        run.progress.cancel()
        self.cancelled.emit(key)
        self.busy_changed.emit(key, False)
        return True

    def is_running(self, key: str) -> bool:
        return key in self._runs

    def running_keys(self) -> tuple[str, ...]:
        return tuple(self._runs)

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Cancel every task and wait up to ``timeout_ms`` for the workers to stop."""
        for key in list(self._runs):
            self.cancel(key)
        return self._pool.waitForDone(timeout_ms)

    def _current(self, key: str, run_id: int) -> bool:
        run = self._runs.get(key)
        return run is not None and run.run_id == run_id

    def _finish(self, key: str) -> None:
        self._runs.pop(key, None)
        self.busy_changed.emit(key, False)

    @Slot(str, int, float, str)
    def _on_progress(self, key: str, run_id: int, fraction: float, message: str) -> None:
        if self._current(key, run_id):
            self.progress.emit(key, fraction, message)

    @Slot(str, int, object)
    def _on_finished(self, key: str, run_id: int, result: object) -> None:
        if self._current(key, run_id):
            self._finish(key)
            self.finished.emit(key, result)

    @Slot(str, int, object)
    def _on_failed(self, key: str, run_id: int, info: ErrorInfo) -> None:
        if self._current(key, run_id):
            self._finish(key)
            self.failed.emit(key, info)

    @Slot(str, int)
    def _on_cancelled(self, key: str, run_id: int) -> None:
        if self._current(key, run_id):  # cancelled from inside (not through cancel())
            self._finish(key)
            self.cancelled.emit(key)
