"""Progress reporting and cancellation for long work.

``run_analysis`` calls ``progress.report(fraction, message)`` between steps; the GUI's task
runner passes a ``Progress`` whose callback emits a Qt signal, the CLI passes a silent one.
Cancelling sets a flag that the next ``report`` (or ``check``) turns into
``AnalysisCancelled``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from pilot_eval.errors import AnalysisCancelled

ProgressCallback = Callable[[float, str], None]


class Progress:
    """Thread-safe progress sink with a cancel flag."""

    def __init__(self, callback: ProgressCallback | None = None) -> None:
        self._callback = callback
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check(self) -> None:
        """Raise ``AnalysisCancelled`` if cancellation was asked for."""
        if self._cancelled.is_set():
            raise AnalysisCancelled()

    def report(self, fraction: float, message: str = "") -> None:
        """Report ``fraction`` (0..1) done; raises ``AnalysisCancelled`` when cancelled."""
        self.check()
        if self._callback is not None:
            self._callback(min(max(float(fraction), 0.0), 1.0), message)


SILENT = Progress()
