"""Drive the window through every step on the demo project and save a PNG of each step.

``save_screenshots(out_dir)`` is what ``pilot-eval screenshots OUT_DIR`` calls (through
:func:`main`); the README's pictures and ``docs/screenshots/`` come from it.  It opens the demo
pilot as a project (the Start step's "Open the demo pilot"), runs the analyses through the real
task runner and waits for each answer in a local event loop.  Settings go to a temporary INI
file, so the user's recent projects are neither shown nor changed.

Screens: ``main([OUT])`` takes the pictures at the three settings of council laptops
(:data:`SETTINGS`: 1366x768 at 100%, 1920x1080 at 125% and at 150%), each in its own process,
because the scale must be set before Qt starts.  ``main([OUT, "--scale", "1.5"])`` takes one
setting in this process.  Offscreen, the screen is emulated with the offscreen platform's
configuration file: the free area (the screen less a 40-pixel taskbar) and its logical DPI, so
the window opens at the size it chooses on that laptop.  Files are ``STEP.png`` at 100% and
``STEP@125.png``/``STEP@150.png`` at 125% and 150%.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

WAIT_MS = 180_000
STEP_ORDER = ("start", "data", "trends", "impact", "plan", "retention", "brief", "impact-small")
#: The Plan step's entries in the pictures: an effect of 3 points, three team counts, two lengths.
PLAN_ENTRIES = {"effect": "3", "teams": "10, 20, 40", "months": "12, 24"}


TASKBAR = 40  # logical pixels: the Windows taskbar along the bottom of the screen


@dataclass(frozen=True)
class Setting:
    """A laptop screen: its pixels and the Windows display scaling."""

    width: int
    height: int
    scale: float

    @property
    def suffix(self) -> str:
        return "" if self.scale == 1 else f"@{round(self.scale * 100)}"

    def free_area(self) -> tuple[int, int]:
        """The free area in device pixels: the screen less the taskbar."""
        return self.width, self.height - round(TASKBAR * self.scale)

    def offscreen_config(self) -> dict[str, Any]:
        """The offscreen platform's screen: the free area at this scale's logical DPI."""
        width, height = self.free_area()
        return {"screens": [{"name": f"{self.width}x{self.height}", "x": 0, "y": 0,
                             "width": width, "height": height,
                             "logicalDpi": 96 * self.scale, "logicalBaseDpi": 96, "dpr": 1}]}


SETTINGS: dict[str, Setting] = {"100": Setting(1366, 768, 1.0),
                                "125": Setting(1920, 1080, 1.25),
                                "150": Setting(1920, 1080, 1.5)}


def emulate_screen(setting: Setting, folder: Path) -> bool:
    """Point the offscreen platform at ``setting``'s screen (before Qt starts); False when
    another platform is in use (then ``QT_SCALE_FACTOR`` gives the scale only)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    if QApplication.instance() is not None:
        raise ScreenshotError("the screen must be set before Qt starts")
    if platform.split(":")[0] != "offscreen":
        os.environ["QT_SCALE_FACTOR"] = str(setting.scale)
        return False
    config = folder / f"screen-{setting.width}x{setting.height}{setting.suffix}.json"
    config.write_text(json.dumps(setting.offscreen_config()), encoding="utf-8")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    return True


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


def _wait_idle(controller: Any, timeout_ms: int = WAIT_MS) -> None:
    """Serve events until the task runner has nothing running (validation, retention ...)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while controller.runner.running_keys() and time.monotonic() < deadline:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def save_screenshots(out_dir: str | Path, *, suffix: str = "") -> list[Path]:
    """Open the demo project, run it (every outcome and staff retention), plan the next
    phase, export the brief, and save ``start.png``, ``data.png``, ``trends.png``,
    ``impact.png``, ``plan.png``, ``retention.png`` and ``brief.png``, then open the small-pilot
    demo, run it and save ``impact-small.png`` (synthetic DiD), each with ``suffix`` before
    ``.png``, into ``out_dir``; return their paths.

    A scratch folder stands in for the user's Documents (the demo project is created there,
    as it would be in Documents/pilot-eval/demo) and holds the settings, so nothing of the
    user's is read or changed."""
    from .main_window import MainWindow
    from .places import DOCUMENTS_ENV
    from .settings import open_settings

    app = QApplication.instance() or QApplication([])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="pilot-eval-shots-"))
    documents = os.environ.get(DOCUMENTS_ENV)
    os.environ[DOCUMENTS_ENV] = str(scratch / "Documents")
    window = MainWindow(settings=open_settings(scratch / "settings.ini"))
    window.modal_errors = False
    window.show()
    c = window.controller
    saved: list[Path] = []

    def grab(step: str, name: str = "") -> None:
        window.steps.select(step)
        window.steps.clearFocus()  # no focus ring on the side bar in the pictures
        app.processEvents()
        path = out / f"{name or step}{suffix}.png"
        window.grab().save(str(path))
        saved.append(path)

    try:
        run_until(c.project_changed, window.open_demo, failed=c.error)
        _wait_idle(c)
        grab("data")
        run_until(c.result_ready, window._run, failed=c.error)
        _wait_idle(c)
        grab("trends")
        grab("impact")
        window.steps.select("plan")
        for field, text in PLAN_ENTRIES.items():
            getattr(window.plan_page, field).setText(text)
        run_until(c.plan_ready, window.plan_page.run_button.click, failed=c.plan_failed)
        _wait_idle(c)
        grab("plan")
        grab("retention")
        window.brief_page.issue.setPlainText(
            "Caseworkers in twelve teams were given control of their caseloads and budgets.")
        run_until(c.brief_exported, lambda: window.export_brief_to(scratch / "brief"),
                  failed=c.error)
        grab("brief")
        grab("start")  # its recent projects list shows the demo project just opened
        c.dirty = False  # the brief's text: nothing to ask about, the demo is throw-away
        run_until(c.project_changed, window.open_small_demo, failed=c.error)
        _wait_idle(c)
        run_until(c.result_ready, window._run, failed=c.error)
        _wait_idle(c)
        grab("impact", "impact-small")  # synthetic DiD heads the small pilot's results
    finally:
        c.shutdown()
        window.controller.dirty = False  # nothing to ask about: the demo is throw-away
        window.close()
        if documents is None:
            os.environ.pop(DOCUMENTS_ENV, None)
        else:
            os.environ[DOCUMENTS_ENV] = documents
    order = {name: i for i, name in enumerate(STEP_ORDER)}
    return sorted(saved, key=lambda p: order.get(p.stem.split("@")[0], 99))


def main(argv: Sequence[str] | None = None) -> int:
    """``pilot-eval screenshots OUT_DIR [--scale 1.5]``: save one PNG per step, at every
    setting of :data:`SETTINGS` (each in a child process) or at the one ``--scale`` names."""
    parser = argparse.ArgumentParser(prog="pilot-eval screenshots")
    parser.add_argument("out_dir")
    parser.add_argument("--scale", type=float, default=None,
                        help="display scale, 1 (1366x768), 1.25 or 1.5 (1920x1080)")
    args = parser.parse_args(argv)
    if args.scale is None:
        for key in SETTINGS:
            done = subprocess.run([sys.executable, "-m", "pilot_eval.ui.screenshots",
                                   args.out_dir, "--scale", str(SETTINGS[key].scale)],
                                  check=False)
            if done.returncode:
                return done.returncode
        return 0
    setting = next((s for s in SETTINGS.values() if s.scale == args.scale),
                   Setting(1920, 1080, args.scale))
    from .app import set_high_dpi_policy

    scratch = Path(tempfile.mkdtemp(prefix="pilot-eval-screen-"))
    emulate_screen(setting, scratch)
    set_high_dpi_policy()
    for path in save_screenshots(args.out_dir, suffix=setting.suffix):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
