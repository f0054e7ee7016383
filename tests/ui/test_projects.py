"""Projects in the window with the real core on a small CSV (no analysis runs): save and reopen,
.bak, corrupt and newer files, the unsaved-changes prompt, autosave recovery after a crash,
and the INI settings (recent projects, geometry).

Reference: ``pilot_eval.project.load_project`` reads what the window saved; the roles it
holds must be the roles shown.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from pilot_eval.ui.error_dialog import ErrorDialog
from pilot_eval.ui.geometry import initial_rect
from pilot_eval.ui.main_window import MainWindow
from pilot_eval.ui.project_io import discard_recovery, find_recovery, write_recovery
from pilot_eval.ui.settings import open_settings, recent_projects
from PySide6.QtGui import QGuiApplication

from pilot_eval.project import backup_path, load_project

WAIT_MS = 30_000


@pytest.fixture
def make_window(qtbot, monkeypatch, tmp_path):
    dialogs: list[ErrorDialog] = []
    monkeypatch.setattr(ErrorDialog, "exec", lambda self: dialogs.append(self) or 0)
    made = []

    def make() -> MainWindow:
        window = MainWindow(settings=open_settings(tmp_path / "settings.ini"))
        window.dialogs = dialogs
        qtbot.addWidget(window)
        window.show()
        made.append(window)
        return window

    yield make
    for window in made:
        window.controller.shutdown()


def open_and_wait(qtbot, window, path):
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS):
        window.open_file(path)
    qtbot.waitUntil(lambda: not window.controller.runner.running_keys(), timeout=WAIT_MS)


def test_save_then_reopen_restores_roles_options_and_brief(qtbot, make_window, panel_csv,
                                                          documents):
    window = make_window()
    data = documents / "panel.csv"  # the project beside its data, in the user's folder
    shutil.copyfile(panel_csv, data)
    open_and_wait(qtbot, window, data)
    c = window.controller
    c.set_role("cluster", "team")
    c.set_option("estimator", "twfe")
    window.brief_page.issue.setPlainText("Caseloads were too high.")
    assert c.dirty and window.isWindowModified()
    target = documents / "pilot.pilot.json"
    assert window.save_project_to(target)
    assert not c.dirty and not window.isWindowModified()

    project = load_project(target)  # the reference reader
    columns = project.outcome_data.columns
    assert (columns.unit, columns.time, columns.outcome, columns.cohort, columns.cluster) == (
        "team", "month", "score", "pilot_start", "team")
    assert project.did.estimator == "twfe"
    assert project.brief["issue"] == "Caseloads were too high."
    assert json.loads(target.read_text(encoding="utf-8"))["outcome_data"]["path"] == "panel.csv"

    assert window.save_project_to(target)
    assert backup_path(target).exists()  # the previous version is kept
    assert window.close()  # (another window would find the project locked)

    other = make_window()
    open_and_wait(qtbot, other, target)
    assert other.controller.roles == c.roles
    assert other.controller.options["estimator"] == "twfe"
    assert other.impact_page.method.currentData() == "twfe"
    assert other.brief_page.issue.toPlainText() == "Caseloads were too high."
    assert not other.controller.dirty
    assert recent_projects(other.settings)[0] == str(target.resolve())


@pytest.mark.parametrize(("content", "words"), [
    ("{ this is not json", "damaged"),
    (json.dumps({"format": "pilot-eval project", "version": 99}), "newer pilot-eval"),
])
def test_corrupt_or_newer_project_gives_a_clear_message_and_changes_nothing(
        qtbot, make_window, tmp_path, content, words):
    window = make_window()
    target = tmp_path / "bad.pilot.json"
    target.write_text(content, encoding="utf-8")
    with qtbot.waitSignal(window.controller.error, timeout=WAIT_MS):
        window.open_file(target)
    assert words in window.last_error.message
    assert window.dialogs and window.dialogs[-1].windowTitle() == "The file could not be opened"
    assert target.read_text(encoding="utf-8") == content
    assert window.controller.table is None


def test_close_with_unsaved_changes_asks_and_cancel_keeps_the_window(
        qtbot, make_window, panel_csv, monkeypatch, no_blocking_questions):
    window = make_window()
    open_and_wait(qtbot, window, panel_csv)
    monkeypatch.setattr(MainWindow, "ask_unsaved", lambda self: "cancel")
    assert not window.close()
    assert window.isVisible()
    monkeypatch.setattr(MainWindow, "ask_unsaved", lambda self: "discard")
    assert window.close()


def test_autosave_writes_a_recovery_file_and_a_clean_close_removes_it(
        qtbot, make_window, panel_csv, data_home):
    window = make_window()
    open_and_wait(qtbot, window, panel_csv)
    written = window.autosave()
    assert written is not None and written.parent == data_home / "recovery"
    assert load_project(written).outcome_data.columns.outcome == "score"
    assert window.close()
    assert not written.exists()


def _dead_pid() -> int:
    """The id of a process that has finished (a crashed session's autosave names it)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_recovery_is_offered_after_a_crash_and_reopens_the_work(
        qtbot, make_window, panel_csv, tmp_path, monkeypatch):
    window = make_window()
    open_and_wait(qtbot, window, panel_csv)
    window.controller.set_role("cluster", "team")
    original = str(tmp_path / "pilot.pilot.json")
    crashed = write_recovery(window.controller.current_project(), original, pid=_dead_pid())
    discard_recovery()  # this session closes cleanly; the "crashed" one did not
    assert [r.project for r in find_recovery()] == [crashed]

    monkeypatch.setattr(MainWindow, "ask_recover", lambda self, r: True)
    recovered = make_window()
    with qtbot.waitSignal(recovered.controller.project_changed, timeout=WAIT_MS):
        assert recovered.offer_recovery()
    qtbot.waitUntil(lambda: not recovered.controller.runner.running_keys(), timeout=WAIT_MS)
    assert recovered.controller.roles["cluster"] == "team"
    assert recovered.controller.project_path == original  # Save goes to the real project
    assert recovered.controller.dirty  # recovered work is unsaved until saved
    assert recovered.save_project()
    assert not crashed.exists() and load_project(original).outcome_data.columns.cluster == "team"


def test_declining_recovery_deletes_the_autosave(qtbot, make_window, panel_csv):
    window = make_window()
    open_and_wait(qtbot, window, panel_csv)
    crashed = write_recovery(window.controller.current_project(), "", pid=_dead_pid())
    assert not window.offer_recovery()  # the conftest answers "no"
    assert not crashed.exists()


def test_geometry_is_saved_to_the_ini_file_and_restored_when_it_fits(qtbot, make_window,
                                                                     tmp_path):
    window = make_window()
    window.setGeometry(40, 60, 1200, 640)
    assert window.close()
    text = (tmp_path / "settings.ini").read_text(encoding="utf-8")
    assert "[window]" in text and "geometry" in text
    again = make_window()
    assert (again.width(), again.height()) == (1200, 640)
    assert again.close()


def test_a_saved_geometry_off_the_screen_is_not_restored(qtbot, make_window, tmp_path):
    """A window saved on a large monitor opens on the laptop at the size its screen allows."""
    screen = QGuiApplication.primaryScreen().availableGeometry()
    window = make_window()
    window.setGeometry(screen.width() - 300, 40, 1200, 640)  # half off the screen
    assert window.close()
    again = make_window()
    expected = initial_rect(screen)
    assert again.geometry() == expected
    assert screen.contains(again.geometry())


def test_a_moved_data_file_can_be_located_and_nothing_is_lost(
        qtbot, make_window, panel_csv, tmp_path, monkeypatch):
    window = make_window()
    open_and_wait(qtbot, window, panel_csv)
    window.controller.set_role("cluster", "team")
    target = tmp_path / "pilot.pilot.json"
    assert window.save_project_to(target)
    moved = tmp_path / "moved" / "panel.csv"
    moved.parent.mkdir()
    panel_csv.rename(moved)
    saved = target.read_bytes()
    assert window.close()

    asked: list[str] = []
    monkeypatch.setattr(MainWindow, "ask_locate",
                        lambda self, message: asked.append(message) or str(moved))
    other = make_window()
    with qtbot.waitSignal(other.controller.project_changed, timeout=WAIT_MS):
        other.open_file(target)
    qtbot.waitUntil(lambda: not other.controller.runner.running_keys(), timeout=WAIT_MS)
    assert "no longer at" in asked[0]
    assert other.controller.roles["cluster"] == "team"
    assert other.controller.dirty  # the new location is saved with the next Save
    assert target.read_bytes() == saved  # opening changed nothing
    assert other.save_project()
    assert load_project(target).outcome_data.path == str(moved.resolve())
