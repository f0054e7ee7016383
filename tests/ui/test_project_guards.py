"""Two windows on one project, a project changed on disk, crash recovery between windows, and
network paths in a project (issue 14, "Two windows, one project" and "No surprise network
access").  The real core on a small CSV; the questions are answered by the tests.

References: the lock file's JSON is read back with ``json``; process liveness is checked
against real processes (this one, a finished child, a sleeping child); the project files with
``pilot_eval.project.load_project``.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
from pilot_eval.estimators import PanelColumns
from pilot_eval.ui.error_dialog import ErrorDialog
from pilot_eval.ui.main_window import MainWindow
from pilot_eval.ui.places import is_network_path, network_host
from pilot_eval.ui.project_io import find_recovery, write_recovery
from pilot_eval.ui.project_lock import (
    lock_path,
    machine_name,
    process_alive,
    process_started,
    read_lock,
    user_name,
)
from pilot_eval.ui.settings import open_settings

from pilot_eval.project import Project, load_project
from pilot_eval.spec import DatasetSpec

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
        window.controller.dirty = False
        window.close()


def wait_idle(qtbot, window):
    qtbot.waitUntil(lambda: not window.controller.runner.running_keys(), timeout=WAIT_MS)


@pytest.fixture
def project(qtbot, make_window, panel_csv, documents):
    """A saved project (data beside it in the user's Documents), written by a window that
    has since closed."""
    data = documents / "panel.csv"
    shutil.copyfile(panel_csv, data)
    window = make_window()
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS):
        window.open_file(data)
    wait_idle(qtbot, window)
    target = documents / "pilot.pilot.json"
    assert window.save_project_to(target)
    assert window.close()
    assert not lock_path(target).exists()  # closing releases the lock
    return target


def open_project(qtbot, window, path):
    with qtbot.waitSignal(window.controller.project_changed, timeout=WAIT_MS):
        window.open_file(path)
    wait_idle(qtbot, window)


def sleeping_child():
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def finished_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# ------------------------------------------------------------------------------ locks
def test_the_lock_names_user_machine_and_process(qtbot, make_window, project):
    window = make_window()
    open_project(qtbot, window, project)
    owner = read_lock(project)
    assert (owner.user, owner.machine, owner.pid) == (user_name(), machine_name(), os.getpid())
    assert owner.started == pytest.approx(process_started(os.getpid()))
    raw = json.loads(lock_path(project).read_text(encoding="utf-8"))
    assert {"user", "machine", "pid", "started", "since"} <= set(raw)


def test_a_second_window_on_a_locked_project_opens_it_read_only(
        qtbot, make_window, project, monkeypatch, documents):
    first = make_window()
    open_project(qtbot, first, project)
    asked: list[str] = []
    monkeypatch.setattr(MainWindow, "ask_locked",
                        lambda self, message: asked.append(message) or "read-only")
    second = make_window()
    open_project(qtbot, second, project)
    assert "open in another pilot-eval window" in asked[0] and user_name() in asked[0]
    assert second.read_only and "(read-only)" in second.windowTitle()
    assert read_lock(project).is_window(first.lock_token)  # the first window keeps it
    before = project.read_bytes()
    second.controller.set_role("cluster", "team")
    elsewhere = documents / "mine.pilot.json"
    monkeypatch.setattr(MainWindow, "ask_save_path", lambda self: str(elsewhere))
    assert second.save_project()  # Save on a read-only project asks for another name
    assert project.read_bytes() == before
    assert load_project(elsewhere).outcome_data.columns.cluster == "team"
    assert not second.read_only and read_lock(elsewhere).is_window(second.lock_token)


def test_a_second_window_can_open_a_copy_or_cancel(qtbot, make_window, project, monkeypatch,
                                                   documents, no_blocking_questions):
    first = make_window()
    open_project(qtbot, first, project)
    second = make_window()
    second.open_file(project)  # the conftest answers "cancel"
    assert no_blocking_questions == ["locked"]
    assert second.controller.table is None and not second.controller.runner.running_keys()
    copy = documents / "copy.pilot.json"
    monkeypatch.setattr(MainWindow, "ask_locked", lambda self, message: "copy")
    monkeypatch.setattr(MainWindow, "ask_copy_path", lambda self, original: str(copy))
    with qtbot.waitSignal(second.controller.project_changed, timeout=WAIT_MS):
        second.open_file(project)
    wait_idle(qtbot, second)
    assert second.controller.project_path == str(copy) and not second.read_only
    assert read_lock(copy).is_window(second.lock_token)
    assert load_project(copy).outcome_data.path == load_project(project).outcome_data.path


def test_a_stale_lock_is_taken_over_without_asking(qtbot, make_window, project,
                                                   no_blocking_questions):
    lock_path(project).write_text(json.dumps({
        "user": "someone", "machine": machine_name(), "pid": finished_pid(), "started": 1.0,
        "since": 1.0}), encoding="utf-8")
    window = make_window()
    open_project(qtbot, window, project)
    assert no_blocking_questions == [] and not window.read_only
    assert read_lock(project).is_window(window.lock_token)


def test_a_lock_from_another_machine_is_respected(qtbot, make_window, project,
                                                  no_blocking_questions):
    lock_path(project).write_text(json.dumps({
        "user": "alex", "machine": "LAPTOP-ELSEWHERE", "pid": os.getpid(), "started": None,
        "since": 1.0}), encoding="utf-8")
    window = make_window()
    window.open_file(project)
    assert no_blocking_questions == ["locked"]
    assert window.controller.table is None


# --------------------------------------------------------------------- changed on disk
def test_a_save_over_a_project_changed_on_disk_asks_first(qtbot, make_window, project,
                                                          monkeypatch, no_blocking_questions):
    window = make_window()
    open_project(qtbot, window, project)
    window.controller.set_role("cluster", "team")
    theirs = project.read_text(encoding="utf-8").replace('"brief": {', '"brief": {"author": '
                                                         '"Sam", ', 1)
    project.write_text(theirs, encoding="utf-8")  # saved meanwhile by someone else
    assert not window.save_project()  # the conftest answers "cancel"
    assert no_blocking_questions == ["changed"]
    assert project.read_text(encoding="utf-8") == theirs
    monkeypatch.setattr(MainWindow, "ask_overwrite_changed", lambda self, path: "overwrite")
    assert window.save_project()
    assert load_project(project).outcome_data.columns.cluster == "team"
    window.controller.set_role("cluster", None)
    assert window.save_project()  # unchanged on disk since our own save: no question
    assert no_blocking_questions == ["changed"]


# ---------------------------------------------------------------------------- recovery
def test_process_liveness_uses_the_process_start_time():
    child = sleeping_child()
    try:
        started = process_started(child.pid)
        assert process_alive(child.pid, started)
        assert process_alive(child.pid)
        assert not process_alive(child.pid, started - 3600)  # the id reused by another process
    finally:
        child.kill()
        child.wait()
    assert not process_alive(child.pid, started)
    assert not process_alive(finished_pid())
    assert process_alive(os.getpid())


def test_recovery_offers_only_autosaves_whose_process_is_gone(
        qtbot, make_window, panel_csv, monkeypatch, documents):
    window = make_window()
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS):
        window.open_file(panel_csv)
    wait_idle(qtbot, window)
    project = window.controller.current_project()
    live = sleeping_child()  # another window, still running
    try:
        alive = write_recovery(project, str(documents / "live.pilot.json"), pid=live.pid)
        crashed = write_recovery(project, str(documents / "a.pilot.json"), pid=finished_pid())
        crashed_later = write_recovery(project, str(documents / "b.pilot.json"),
                                       pid=finished_pid())
        assert {r.project for r in find_recovery()} == {crashed, crashed_later}
        asked = []
        monkeypatch.setattr(MainWindow, "ask_recover", lambda self, r: asked.append(
            pathlib.Path(r.original).name) or r.project == crashed)
        other = make_window()
        with qtbot.waitSignal(other.controller.project_changed, timeout=WAIT_MS):
            assert other.offer_recovery()
        wait_idle(qtbot, other)
        assert asked == ["b.pilot.json", "a.pilot.json"]  # newest first, until one is taken
        assert not crashed_later.exists()  # declined: deleted
        assert crashed.exists()  # being recovered: kept until saved
        assert alive.exists()  # the live window's autosave is never offered nor deleted
    finally:
        live.kill()
        live.wait()


# ------------------------------------------------------------------------ network paths
@pytest.mark.parametrize(("path", "host"), [
    ("\\\\server\\share\\x.csv", "server"), ("//server/share/x.csv", "server"),
    ("\\\\?\\UNC\\Server\\share\\x.csv", "server"), ("\\\\.\\UNC\\server\\x", "server"),
    ("smb://server/share/x.csv", "server"), ("file://server/share/x.csv", "server"),
    ("/home/me/project/\\\\server\\share\\x.csv", "server"),  # a UNC path read on Linux
    ("C:\\data\\x.csv", None), ("\\\\?\\C:\\data\\x.csv", None), ("data/x.csv", None),
    ("/home/me/x.csv", None), ("file:///C:/data/x.csv", None), ("", None)])
def test_network_paths_are_recognised_from_their_text(path, host):
    assert network_host(path) == host
    assert is_network_path(path) == (host is not None)


def network_project(folder, panel_csv):
    """A project received by email: its data and staff records on a server, its logo too."""
    spec = DatasetSpec(path="//server/share/outcomes.csv", columns=PanelColumns(
        outcome="score", unit="team", time="month", cohort="pilot_start"))
    document = Project(outcome_data=spec, staff_data={"path": "//server/share/staff.csv"},
                       brief={"logo": "//other/share/logo.png"}).to_dict()
    target = folder / "emailed.pilot.json"
    target.write_text(json.dumps(document), encoding="utf-8")
    return target


@pytest.fixture
def file_checks(monkeypatch):
    """Every existence check and stat of a path naming a server, recorded (then done)."""
    seen: list[str] = []

    def spy(owner, name):
        original = getattr(owner, name)

        def check(path, *args, **kwargs):
            if "server" in str(path) or "other" in str(path):
                seen.append(f"{name}({path})")
            return original(path, *args, **kwargs)
        monkeypatch.setattr(owner, name, check)

    for name in ("exists", "is_file", "is_dir", "stat", "open", "resolve"):
        spy(pathlib.Path, name)
    for name in ("stat", "lstat"):
        spy(os, name)
    for name in ("exists", "isfile", "getsize", "realpath"):
        spy(os.path, name)
    return seen


def test_a_project_naming_network_paths_is_not_touched_until_the_user_agrees(
        qtbot, make_window, panel_csv, tmp_path, monkeypatch, file_checks):
    target = network_project(tmp_path, panel_csv)
    asked: list[list] = []
    monkeypatch.setattr(MainWindow, "ask_network", lambda self, paths: asked.append(paths)
                        or False)
    window = make_window()
    window.open_file(target)
    qtbot.waitUntil(lambda: bool(asked), timeout=WAIT_MS)
    wait_idle(qtbot, window)
    assert asked == [[("Outcome data", "//server/share/outcomes.csv"),
                      ("Staff records", "//server/share/staff.csv"),
                      ("Logo", "//other/share/logo.png")]]
    assert file_checks == []  # not even "does it exist?"
    assert window.controller.table is None and "was not opened" in \
        window.statusBar().currentMessage()

    monkeypatch.setattr(MainWindow, "ask_network", lambda self, paths: True)
    with qtbot.waitSignal(window.controller.error, timeout=WAIT_MS):
        window.open_file(target)
    assert any("server/share/outcomes.csv" in call for call in file_checks)  # now it may look
    assert "no longer at" in window.last_error.message


def test_recent_projects_on_a_network_share_are_not_looked_up(qtbot, make_window, file_checks):
    window = make_window()
    window.start_page.show_recent(["//server/share/team.pilot.json"])
    assert file_checks == []
    assert window.start_page.recent.item(0).text().startswith("team.pilot.json")
