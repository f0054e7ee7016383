"""Undo and redo of the role mapping and options: one ``QUndoCommand`` per change.

The window pushes a :class:`RolesCommand` when the user picks a column; undo and redo hand the
whole mapping back to the controller (``Controller.apply_roles``), so side effects such as
"choosing a pilot start period clears the pilot flag" are undone too.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from .controller import ROLE_LABELS


class RolesCommand(QUndoCommand):
    """Change one role; remembers the whole mapping before and after."""

    def __init__(self, controller: Any, role: str, column: str | None) -> None:
        label = ROLE_LABELS.get(role, role)
        super().__init__(f"{label}: {column or 'not used'}")
        self.controller = controller
        self.role, self.column = role, column
        self.before = dict(controller.roles)
        self.after: dict[str, str | None] | None = None

    def redo(self) -> None:
        if self.after is None:  # first time: let the controller apply its rules
            self.controller.set_role(self.role, self.column)
            self.after = dict(self.controller.roles)
        else:
            self.controller.apply_roles(self.after)

    def undo(self) -> None:
        self.controller.apply_roles(self.before)


class OptionCommand(QUndoCommand):
    """Change one option through ``setter(value)`` (undo sets the old value back)."""

    def __init__(self, name: str, setter: Any, old: Any, new: Any) -> None:
        super().__init__(f"{name}: {new}")
        self.setter, self.old, self.new = setter, old, new

    def redo(self) -> None:
        self.setter(self.new)

    def undo(self) -> None:
        self.setter(self.old)
