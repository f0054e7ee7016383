"""Start-up: ``main`` returns the event loop's code, heavy modules load lazily, GUI-thread errors
are logged and shown."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pilot_eval.ui import app as app_module
from pilot_eval.ui.error_dialog import ErrorDialog
from pilot_eval.ui.main_window import MainWindow
from PySide6.QtWidgets import QApplication

HEAVY = ("pandas", "matplotlib", "scipy", "linearmodels", "reportlab", "pilot_eval.analysis")


def test_opening_the_window_module_imports_no_heavy_library():
    code = ("import sys, pilot_eval.ui.app, pilot_eval.ui.main_window; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == ""


def test_main_shows_the_window_and_returns_the_exit_code(qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("PILOT_EVAL_HOME", str(tmp_path))
    shown: list[MainWindow] = []
    monkeypatch.setattr(MainWindow, "show", lambda self: shown.append(self))
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    assert app_module.main([]) == 0
    assert len(shown) == 1 and shown[0].windowTitle().replace("[*]", "") == "pilot-eval"
    assert (tmp_path / "logs" / "pilot-eval.log").exists()
    shown[0].controller.shutdown()


def test_an_error_in_a_gui_slot_is_logged_and_shown(qtbot, monkeypatch, log_file):
    dialogs: list[ErrorDialog] = []
    monkeypatch.setattr(ErrorDialog, "exec", lambda self: dialogs.append(self) or 0)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    window = MainWindow()
    qtbot.addWidget(window)
    app_module.install_excepthook(lambda: window)
    try:
        raise RuntimeError("a slot went wrong")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    assert "RuntimeError: a slot went wrong" in dialogs[0].message.text()
    assert "a slot went wrong" in log_file.read_text(encoding="utf-8")
    window.controller.shutdown()


@pytest.mark.parametrize("argv", [["--help-me"], []])
def test_options_are_not_taken_for_files(qtbot, monkeypatch, argv, tmp_path):
    monkeypatch.setenv("PILOT_EVAL_HOME", str(tmp_path))
    opened: list[str] = []
    monkeypatch.setattr(MainWindow, "show", lambda self: None)
    monkeypatch.setattr(MainWindow, "open_file", lambda self, path: opened.append(path))
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    assert app_module.main(argv) == 0
    assert opened == []


def test_the_console_script_opens_the_window_with_no_command(monkeypatch):
    from pilot_eval.ui import launch

    calls: list[list[str]] = []
    monkeypatch.setattr(app_module, "main", lambda argv=None: calls.append(list(argv)) or 0)
    assert launch.main([]) == 0
    assert launch.main(["open", "pilot.pilot.json"]) == 0
    assert calls == [[], ["pilot.pilot.json"]]


def test_the_window_uses_the_bundled_font_and_icon(qtbot):
    """DejaVu Sans from pilot_eval.resources (Welsh letters on every laptop) and the app icon."""
    from PySide6.QtGui import QFontDatabase

    app = QApplication.instance()
    before = app.font()
    try:
        app_module.use_bundled_look(app)
        assert app.font().family() == "DejaVu Sans"
        assert "DejaVu Sans" in QFontDatabase.families()
        assert not app.windowIcon().isNull()
    finally:
        app.setFont(before)


def test_the_window_starts_without_pandas():
    """pandas (0.3 s) is imported by the first task that needs it, not to show the window."""
    code = ("import os, sys, tempfile\n"
            "os.environ.setdefault('PILOT_EVAL_HOME', tempfile.mkdtemp())\n"
            "from PySide6.QtWidgets import QApplication\n"
            "app = QApplication([])\n"
            "from pilot_eval.ui.main_window import MainWindow\n"
            "w = MainWindow(); w.show(); app.processEvents()\n"
            "print('pandas' in sys.modules)\n"
            "w.controller.dirty = False; w.close()\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "False"
