"""Guards around project files for the main window: two windows on one project, a project
changed on disk before a save, and network paths the user has not chosen.

* **Locks**: opening a project writes ``NAME.pilot.json.lock`` (``project_lock``).  When a live
  window (or another machine) holds it, the user chooses: open it read-only, open a copy, or
  cancel.  A read-only project is never saved over: Save asks for another name.
* **Changed on disk**: before every save over the project file, the window compares the file
  with what it opened or last saved; when another window or person saved it meanwhile, the
  user chooses: overwrite, save under another name, or cancel.
* **Network paths**: a project whose data, staff records or logo are on another computer
  (``\\\\server\\share\\x.csv``) is not opened until the user has seen the paths and agreed;
  until then nothing asks that computer anything (not even whether the file exists).

A mixin of :class:`~pilot_eval.ui.main_window.MainWindow`; the questions are small methods
(``ask_locked``, ``ask_copy_path``, ``ask_overwrite_changed``, ``ask_network``) that tests
replace.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMessageBox

from .error_info import ErrorInfo
from .project_lock import LockOwner, ProjectLock, describe_lock, new_token, read_lock

READ_ONLY, COPY, OVERWRITE, SAVE_AS, CANCEL = "read-only", "copy", "overwrite", "save-as", "cancel"
PROJECT_FILTER = "pilot-eval projects (*.pilot.json);;All files (*)"


def file_digest(path: str | Path) -> str | None:
    """SHA-256 of a project file's bytes, None when there is no such file."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


class ProjectGuardMixin:
    """Needs ``self.controller``, ``self.statusBar()``, ``self.open_file`` and the window."""

    controller: Any

    def _init_guard(self) -> None:
        self.lock_token = new_token()
        self.lock = ProjectLock(self.lock_token)
        self.read_only = False
        self._pending: tuple[str, ProjectLock | None] | None = None  # a project being opened
        self._digest: str | None = None  # the project file's bytes as opened or last saved

    # ----------------------------------------------------------------- dialogs
    def ask_locked(self, message: str) -> str:
        """Read-only, copy or cancel?  (Tests replace this.)"""
        box = QMessageBox(QMessageBox.Icon.Warning, "Project already open", message, parent=self)
        box.setInformativeText("Open it read-only (you can save your changes under another "
                               "name), or open a copy of it?")
        read = box.addButton("Open &read-only", QMessageBox.ButtonRole.AcceptRole)
        copy = box.addButton("Open a &copy…", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(read)
        box.exec()
        return {read: READ_ONLY, copy: COPY}.get(box.clickedButton(), CANCEL)

    def ask_copy_path(self, original: Path) -> str:
        start = original.with_name(original.name.removesuffix(".pilot.json") + " (copy).pilot.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save a copy of the project", str(start),
                                              PROJECT_FILTER)
        return path

    def ask_overwrite_changed(self, path: Path) -> str:
        """Overwrite, save as, or cancel?  (Tests replace this.)"""
        box = QMessageBox(QMessageBox.Icon.Warning, "Project changed on disk",
                          f"{path.name} was changed since you opened it (saved from another "
                          "window, or by someone else).", parent=self)
        box.setInformativeText("Saving now would replace their changes with yours.")
        save_as = box.addButton("Save &as…", QMessageBox.ButtonRole.AcceptRole)
        overwrite = box.addButton("&Replace their changes", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(save_as)
        box.exec()
        return {save_as: SAVE_AS, overwrite: OVERWRITE}.get(box.clickedButton(), CANCEL)

    def ask_network(self, paths: list[tuple[str, str]]) -> bool:
        """May the window read these files on other computers?  (Tests replace this.)"""
        listed = "\n".join(f"• {what}: {path}" for what, path in paths)
        answer = QMessageBox.question(
            self, "Files on another computer",
            "This project uses files on another computer:\n\n" + listed + "\n\nOpening them "
            "connects to that computer and may send it your network sign-in. Open them only if "
            "you know and trust where the project came from.",
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Open

    # ------------------------------------------------------------------ locks
    def claim_project(self, path: str | Path) -> bool:
        """Before opening project ``path``: lock it, or ask what to do when another window
        holds it.  False when the project is not to be opened (cancelled, or a copy opens)."""
        target = Path(path)
        if self.lock.path == target and not self.read_only:
            self._pending = (str(target), None)
            return True
        pending = ProjectLock(self.lock_token)
        owner = pending.acquire(target)
        if owner is None:
            self._pending = (str(target), pending)
            return True
        return self._locked(target, owner)

    def _locked(self, target: Path, owner: LockOwner) -> bool:
        answer = self.ask_locked(describe_lock(owner, target))
        if answer == READ_ONLY:
            self._pending = (str(target), None)
            return True
        if answer == COPY:
            copy = self.ask_copy_path(target)
            if copy:
                self.open_copy(target, copy)
        self.statusBar().showMessage(f"{target.name} was not opened: it is open in another "
                                     "window.")
        return False

    def open_copy(self, original: Path, copy: str | Path) -> None:
        """Save the project at ``original`` under ``copy`` (its data paths rewritten for the
        new folder) and open the copy."""
        from pilot_eval.errors import PilotEvalError
        from pilot_eval.project import load_project, save_project

        from .error_info import describe_exception

        target = Path(copy)
        if not target.name.lower().endswith(".pilot.json"):
            target = target.with_name(target.name + ".pilot.json")
        try:
            save_project(load_project(original), target)
        except (PilotEvalError, OSError) as exc:
            self.show_error(describe_exception(exc, title="The copy could not be made"))
            return
        self.open_file(target)

    def project_opened(self, path: str) -> None:
        """A project finished loading: hold its lock (or know it is read-only)."""
        pending, self._pending = self._pending, None
        if pending is None or pending[0] != path:
            return
        if pending[1] is None and self.lock.path == Path(path):
            self.read_only = False  # the same project opened again
        elif pending[1] is None:
            self.lock.release()
            self.read_only = True
            self.statusBar().showMessage(f"Opened {Path(path).name} read-only: it is open in "
                                         "another window. Save your changes with Save as.")
        else:
            self.lock.release()
            self.lock, self.read_only = pending[1], False
        self._digest = file_digest(path)

    def open_failed(self) -> None:
        """The project did not open: drop the lock taken for it."""
        pending, self._pending = self._pending, None
        if pending is not None and pending[1] is not None:
            pending[1].release()

    def release_project(self) -> None:
        """The window no longer shows a project (new project, closing)."""
        self.lock.release()
        self.read_only, self._digest = False, None

    # ------------------------------------------------------------------ saving
    def check_before_save(self, path: str | Path) -> str:
        """``"ok"``, ``"save-as"`` or ``"cancel"`` for a save to ``path``."""
        target = Path(path)
        current = Path(self.controller.project_path) if self.controller.project_path else None
        if target == current and self.read_only:
            return SAVE_AS
        owner = read_lock(target)
        if owner is not None and not owner.is_window(self.lock_token) and owner.is_alive():
            self.show_error(ErrorInfo("The project could not be saved", describe_lock(
                owner, target) + " Save your changes under another name."))
            return SAVE_AS
        if target == current and self._digest is not None:
            on_disk = file_digest(target)
            if on_disk is not None and on_disk != self._digest:
                answer = self.ask_overwrite_changed(target)
                return "ok" if answer == OVERWRITE else answer
        return "ok"

    def after_save(self, path: str | Path) -> None:
        """Saved to ``path``: this window now holds its lock and knows its bytes."""
        target = Path(path)
        if self.lock.path != target:
            pending = ProjectLock(self.lock_token)
            if pending.acquire(target) is None:
                self.lock.release()
                self.lock = pending
        self.read_only = False
        self._digest = file_digest(target)
