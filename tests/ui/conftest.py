"""Fixtures for the window's tests: logging into a temporary folder, a fake core, a small panel.

The window is tested on the commonest council laptop screen: 1366x768 at 100%, whose free area
(less the taskbar) the offscreen platform emulates (set here, before Qt starts).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from pilot_eval.ui.logs import configure_logging
from pilot_eval.ui.screenshots import SETTINGS
from ui_fakes import FakeCore, small_panel

if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    import json

    _screen = Path(tempfile.mkdtemp(prefix="pilot-eval-screen-")) / "screen.json"
    _screen.write_text(json.dumps(SETTINGS["100"].offscreen_config()), encoding="utf-8")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screen}"


@pytest.fixture(autouse=True)
def data_home(tmp_path_factory, monkeypatch) -> Path:
    """Settings (INI), recovery files and logs go to a temporary folder, never the user's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("PILOT_EVAL_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def documents(tmp_path_factory, monkeypatch) -> Path:
    """The user's Documents folder (the demo project goes there): a temporary folder."""
    folder = tmp_path_factory.mktemp("Documents")
    monkeypatch.setenv("PILOT_EVAL_DOCUMENTS", str(folder))
    return folder


@pytest.fixture(autouse=True)
def no_blocking_questions(monkeypatch) -> list[str]:
    """The window's questions answer "discard", "no" or "cancel" instead of blocking (the
    unsaved-changes, recovery, locate, locked-project, changed-on-disk and network questions);
    the list records which questions were asked."""
    from pilot_eval.ui.main_window import MainWindow

    asked: list[str] = []
    monkeypatch.setattr(MainWindow, "ask_unsaved", lambda self: asked.append("unsaved")
                        or "discard")
    monkeypatch.setattr(MainWindow, "ask_recover", lambda self, r: asked.append("recover")
                        or False)
    monkeypatch.setattr(MainWindow, "ask_locate", lambda self, message: asked.append("locate")
                        or "")
    monkeypatch.setattr(MainWindow, "ask_locked", lambda self, message: asked.append("locked")
                        or "cancel")
    monkeypatch.setattr(MainWindow, "ask_copy_path", lambda self, original: asked.append("copy")
                        or "")
    monkeypatch.setattr(MainWindow, "ask_overwrite_changed",
                        lambda self, path: asked.append("changed") or "cancel")
    monkeypatch.setattr(MainWindow, "ask_network", lambda self, paths: asked.append("network")
                        or False)
    return asked


@pytest.fixture(autouse=True)
def log_file(tmp_path_factory):
    """Unexpected errors are logged into a temporary folder, never the user's."""
    return configure_logging(tmp_path_factory.mktemp("logs"))


@pytest.fixture
def fake_core() -> FakeCore:
    core = FakeCore()
    yield core
    if core.gate is not None:
        core.gate.set()  # never leave a worker waiting


@pytest.fixture
def panel_csv(tmp_path) -> Path:
    path = tmp_path / "panel.csv"
    small_panel().to_csv(path, index=False)
    return path


@pytest.fixture
def window(qtbot, fake_core, monkeypatch, tmp_path):
    """A shown window over the fake core with its own settings file; error dialogs are
    recorded in ``window.shown_errors`` instead of blocking.  Modules that need another window
    (the real core, other settings) define their own ``window`` fixture, which takes precedence."""
    from pilot_eval.ui.controller import Controller
    from pilot_eval.ui.error_dialog import ErrorDialog
    from pilot_eval.ui.main_window import MainWindow
    from pilot_eval.ui.settings import open_settings

    shown: list = []
    monkeypatch.setattr(ErrorDialog, "exec", lambda self: shown.append(self) or 0)
    window = MainWindow(Controller(core=fake_core),
                        settings=open_settings(tmp_path / "settings.ini"))
    window.shown_errors = shown
    qtbot.addWidget(window)
    window.show()
    yield window
    window.controller.shutdown()


@pytest.fixture
def real_window(qtbot, monkeypatch, tmp_path):
    """A shown window over the real core with its own settings file; error dialogs do not
    block.  Left clean (nothing to ask about) and closed afterwards."""
    from pilot_eval.ui.error_dialog import ErrorDialog
    from pilot_eval.ui.main_window import MainWindow
    from pilot_eval.ui.settings import open_settings

    monkeypatch.setattr(ErrorDialog, "exec", lambda self: 0)
    window = MainWindow(settings=open_settings(tmp_path / "settings.ini"))
    qtbot.addWidget(window)
    window.show()
    yield window
    window.controller.dirty = False
    window.close()
