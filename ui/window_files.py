"""Project files for the main window: save, open, new, the unsaved-changes prompt, autosave
and crash recovery, recent projects and the window geometry (QSettings INI).

A mixin of :class:`~pilot_eval.ui.main_window.MainWindow`; the dialogs are behind small methods
(``ask_unsaved``, ``ask_recover``, ``ask_save_path``) that tests replace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox

from .geometry import FRAME_ALLOWANCE, fits_a_screen, initial_rect
from .logs import get_logger
from .places import demo_folder, documents_folder, small_demo_folder
from .project_io import (
    AUTOSAVE_MS,
    RecoveryFile,
    discard_file,
    discard_recovery,
    find_recovery,
    write_recovery,
)
from .project_lock import ProjectLock
from .settings import add_recent, recent_projects, save_geometry, saved_geometry

PROJECT_FILTER = "pilot-eval projects (*.pilot.json);;All files (*)"
SAVE, DISCARD, CANCEL = "save", "discard", "cancel"
SAVE_AS = "save-as"
HELP_WIDTH = 240  # the help panel's first width (logical pixels)
DEMO_PROJECT = "demo.pilot.json"
SMALL_DEMO_PROJECT = "small-pilot.pilot.json"

_log = get_logger("window_files")


class ProjectFilesMixin:
    """Needs ``self.controller``, ``self.settings``, ``self.brief_page``, ``self.start_page``."""

    controller: Any
    settings: Any

    # ------------------------------------------------------------------ set-up
    def _init_files(self) -> None:
        self.recovering: RecoveryFile | None = None
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        self.start_page.show_recent(recent_projects(self.settings))
        geometry, state = saved_geometry(self.settings)
        self.place_on_screen(geometry)
        if state is not None:
            self.restoreState(state)
        else:  # the help panel narrow enough to leave the step its room on a small screen
            QTimer.singleShot(0, lambda: self.resizeDocks([self.help_dock], [HELP_WIDTH],
                                                          Qt.Orientation.Horizontal))

    def place_on_screen(self, saved: Any = None) -> None:
        """Restore the ``saved`` geometry when it still fits a screen, else open at a size
        derived from the free area of the screen the window is on."""
        if saved is not None and self.restoreGeometry(saved):
            frame = self.geometry().adjusted(
                -FRAME_ALLOWANCE.width() // 2, FRAME_ALLOWANCE.width() // 2
                - FRAME_ALLOWANCE.height(), FRAME_ALLOWANCE.width() // 2,
                FRAME_ALLOWANCE.width() // 2)
            if fits_a_screen(frame):
                return
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            self.setGeometry(initial_rect(screen.availableGeometry()))

    # ----------------------------------------------------------------- dialogs
    def ask_unsaved(self) -> str:
        """Save, discard or cancel?  (Tests replace this.)"""
        answer = QMessageBox.question(
            self, "Unsaved changes", "Save the changes to this project before closing it?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        return {QMessageBox.StandardButton.Save: SAVE,
                QMessageBox.StandardButton.Discard: DISCARD}.get(answer, CANCEL)

    def ask_save_path(self) -> str:
        start = self.controller.project_path or str(documents_folder() / "pilot.pilot.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save project", start, PROJECT_FILTER)
        if path and not path.lower().endswith(".pilot.json"):
            path = str(Path(path).with_suffix("")) + ".pilot.json"
        return path

    def ask_recover(self, recovery: RecoveryFile) -> bool:
        answer = QMessageBox.question(
            self, "Recover unsaved work?",
            f"pilot-eval did not close properly last time. An autosave was found: "
            f"{recovery.describe()}.\n\nRecover it? (No deletes the autosave.)",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes)
        return answer == QMessageBox.StandardButton.Yes

    # ----------------------------------------------------------------- intents
    def project_options(self) -> dict[str, Any]:
        return {"brief": self.brief_page.options(), "plan": self.plan_page.entries()}

    def save_project(self) -> bool:
        """Save to the current project file (asks for a name the first time, and when the
        project is open read-only)."""
        if not self.controller.project_path or self.read_only:
            return self.save_project_as()
        return self.save_project_to(self.controller.project_path)

    def save_project_as(self) -> bool:
        path = self.ask_save_path()
        return bool(path) and self.save_project_to(path)

    def save_project_to(self, path: str | Path) -> bool:
        """Save to ``path`` after the guards: another window's project is not saved over,
        and a project changed on disk since it was opened is replaced only if the user says."""
        check = self.check_before_save(path)
        if check == SAVE_AS:
            return self.save_project_as()
        if check != "ok":
            return False
        if not self.controller.save_project(str(path), **self.project_options()):
            return False
        self.after_save(path)
        if self.recovering is not None:
            discard_file(self.recovering)
            self.recovering = None
        discard_recovery()
        self.start_page.show_recent(add_recent(self.settings, str(path)))
        self.statusBar().showMessage(f"Saved {Path(path).name}.")
        return True

    def open_project_dialog(self) -> None:
        if not self.maybe_save():
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open project", str(documents_folder()),
                                              PROJECT_FILTER)
        if path:
            self.open_file(path)

    def open_recent(self, path: str) -> None:
        if self.maybe_save():
            self.open_file(path)

    def new_project(self) -> None:
        if not self.maybe_save():
            return
        self.undo_stack.clear()
        self.release_project()
        self.controller.reset()
        self.clear_pages()
        self.steps.select("data")
        self.statusBar().showMessage("New project: open the outcome data (Ctrl+O).")

    def open_demo(self) -> None:
        """Open the demo project in ``Documents/pilot-eval/demo``, creating it the first time
        (the user's own folder: what they export beside it is kept)."""
        self._open_demo(small=False)

    def open_small_demo(self) -> None:
        """Open the small-pilot demo (2 of 16 teams piloting: synthetic DiD) in
        ``Documents/pilot-eval/small-pilot-demo``, creating it the first time."""
        self._open_demo(small=True)

    def _open_demo(self, *, small: bool) -> None:
        if not self.maybe_save():
            return
        folder = small_demo_folder() if small else demo_folder()
        name = SMALL_DEMO_PROJECT if small else DEMO_PROJECT
        if (folder / name).is_file():
            self.open_file(folder / name)
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:  # Documents cannot be written: the app's own folder, never a temp one
            from pilot_eval.logs import data_home

            folder = data_home() / folder.name
            if (folder / name).is_file():
                self.open_file(folder / name)
                return
        what = "small-pilot demo" if small else "demo pilot"
        self.statusBar().showMessage(f"Preparing the {what} in {folder}…")
        self.controller.open_demo(str(folder), small=small)

    def maybe_save(self) -> bool:
        """True when the caller may go on (nothing unsaved, saved, or discarded)."""
        if not self.controller.dirty or self.controller.table is None:
            return True
        answer = self.ask_unsaved()
        if answer == SAVE:
            return self.save_project()
        return answer == DISCARD

    # --------------------------------------------------------- autosave/recovery
    def autosave(self) -> Path | None:
        """Write the recovery file when there are unsaved changes."""
        c = self.controller
        if not c.dirty or c.table is None or not c.roles.get("outcome"):
            return None
        try:
            project = c.current_project(**self.project_options())
            return write_recovery(project, c.project_path, original_digest=self._digest)
        except Exception:  # an autosave must never disturb the user; the log has it
            _log.exception("Autosave failed")
            return None

    def offer_recovery(self) -> bool:
        """Offer each autosave left by a session that is really gone (newest first) until one
        is accepted; True when one is being opened.  Only an autosave the user declines is
        deleted: another window's live autosave is never offered, and those not asked about
        (after one was accepted) wait for the next start."""
        for recovery in find_recovery():
            if self.ask_recover(recovery):
                self.recovering = recovery
                self.open_file(str(recovery.project), claim=False)
                return True
            discard_file(recovery)
        return False

    def _after_project_opened(self, path: str) -> None:
        """A project finished loading: recent list, or the end of a recovery."""
        if self.recovering is not None and path == str(self.recovering.project):
            self.controller.project_path = self.recovering.original
            self.controller.mark_dirty()
            self.statusBar().showMessage("Recovered the autosave. Save it (Ctrl+S) to keep it.")
            self._recovered(self.recovering)
        elif path:
            self.project_opened(path)
            self.start_page.show_recent(add_recent(self.settings, path))

    def _recovered(self, recovery: RecoveryFile) -> None:
        """Recovered work belongs to its original project: lock that (read-only when another
        window has it) and compare with the original as it was when the work was autosaved."""
        self.release_project()
        if recovery.original:
            self.lock = ProjectLock(self.lock_token)
            if self.lock.acquire(recovery.original) is not None:
                self.read_only = True
            self._digest = recovery.original_digest

    def _close_files(self) -> bool:
        """On close: ask about unsaved changes, remember the geometry, drop the autosave."""
        if not self.maybe_save():
            return False
        save_geometry(self.settings, self.saveGeometry(), self.saveState())
        self.autosave_timer.stop()
        discard_recovery()
        self.release_project()
        return True
