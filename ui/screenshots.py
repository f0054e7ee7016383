"""Drive the window through every step on the demo data and save a PNG of each step.

``save_screenshots(out_dir)`` is what ``pilot-eval screenshots OUT_DIR`` will call (issue 6);
the README's pictures and ``docs/screenshots/`` come from it.  It runs the real core through
the real task runner and waits for each answer in a local event loop.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

WAIT_MS = 120_000
WINDOW_SIZE = (1280, 820)
DEMO_MORE_OUTCOMES = ("cost_per_case_gbp",)


class ScreenshotError(RuntimeError):
    """The demo run did not reach a step (the message says which and why)."""


def run_until(signal: Any, trigger: Callable[[], None], *, failed: Any = None,
              timeout_ms: int = WAIT_MS) -> tuple:
    """Call ``trigger`` and spin the event loop until ``signal`` (or ``failed``) is emitted."""
    loop = QEventLoop()
    got: list[tuple[str, tuple]] = []

    def on(kind: str) -> Callable[..., None]:
        def slot(*args: Any) -> None:
            got.append((kind, args))
            loop.quit()
        return slot

    ok, bad = on("ok"), on("failed")
    signal.connect(ok)
    if failed is not None:
        failed.connect(bad)
    QTimer.singleShot(timeout_ms, loop.quit)
    try:
        trigger()
        if not got:
            loop.exec()
    finally:
        signal.disconnect(ok)
        if failed is not None:
            failed.disconnect(bad)
    if not got:
        raise ScreenshotError(f"no answer within {timeout_ms / 1000:.0f} s")
    kind, args = got[0]
    if kind == "failed":
        info = args[0]
        raise ScreenshotError(f"{getattr(info, 'title', 'error')}: {getattr(info, 'message', info)}")
    return args


def save_screenshots(out_dir: str | Path, *, data_path: str | Path | None = None,
                     outcome: str | None = None,
                     more_outcomes: tuple[str, ...] = DEMO_MORE_OUTCOMES) -> list[Path]:
    """Open the demo outcomes (or ``data_path``), run the analysis, export the brief, and save
    ``data.png``, ``impact.png`` and ``brief.png`` into ``out_dir``; return their paths.

    ``more_outcomes`` are analysed after the first one (when the data has them), so the brief
    step shows several results."""
    from .main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if data_path is None:
        from pilot_eval.demo import demo_path

        data_path = demo_path("outcomes.csv")
    window = MainWindow()
    window.modal_errors = False
    window.resize(*WINDOW_SIZE)
    window.show()
    c = window.controller
    saved: list[Path] = []

    def grab(step: str) -> None:
        window.steps.select(step)
        window.steps.clearFocus()  # no focus ring on the side bar in the pictures
        app.processEvents()
        path = out / f"{step}.png"
        window.grab().save(str(path))
        saved.append(path)

    try:
        run_until(c.issues_changed, lambda: window.open_file(data_path), failed=c.error)
        if outcome:
            run_until(c.issues_changed, lambda: c.set_role("outcome", outcome), failed=c.error)
        grab("data")
        run_until(c.result_ready, window._run, failed=c.error)
        grab("impact")
        for extra in more_outcomes:
            if extra in window.data_page.model.column_names() and extra != c.roles["outcome"]:
                c.set_role("outcome", extra)
                run_until(c.result_ready, c.run_analysis, failed=c.error)
        brief_dir = Path(tempfile.mkdtemp(prefix="pilot-eval-brief-"))
        run_until(c.brief_exported, lambda: window.export_brief_to(brief_dir / "brief.pdf"),
                  failed=c.error)
        grab("brief")
    finally:
        c.shutdown()
        window.close()
    return saved
