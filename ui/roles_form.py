"""The role-mapping form: one combo box per role, prefilled from the guessed roles."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QWidget

from .controller import ROLE_LABELS
from .reflow import compact_combo

NOT_USED = "(not used)"
ROLE_HELP = {
    "unit": "The team or organisation each row describes",
    "time": "The month, quarter or year of each row",
    "outcome": "The number the pilot was meant to change",
    "cohort": "The period in which each team's pilot started (blank or 0 = never)",
    "treatment": "1 for team-periods under the pilot, 0 otherwise (use instead of a start period)",
    "cluster": "Standard errors are clustered by this column; by default the unit",
}
MNEMONICS = {"unit": "&Unit (team)", "time": "&Period", "outcome": "&Outcome",
             "cohort": "Pilot &start period", "treatment": "Pilot &flag (0/1)",
             "cluster": "C&luster (optional)"}


class RolesForm(QGroupBox):
    """Emits ``role_changed(role, column_or_None)``; ``set_roles`` never re-emits."""

    role_changed = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Column roles", parent)
        self.setAccessibleName("Column roles")
        layout = QFormLayout(self)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.combos: dict[str, QComboBox] = {}
        for role, label in ROLE_LABELS.items():
            combo = compact_combo(QComboBox(), 14)
            combo.setAccessibleName(label)
            combo.setAccessibleDescription(ROLE_HELP[role])
            combo.setToolTip(ROLE_HELP[role])
            combo.currentIndexChanged.connect(lambda _i, r=role: self._changed(r))
            caption = QLabel(MNEMONICS[role])
            caption.setBuddy(combo)
            layout.addRow(caption, combo)
            self.combos[role] = combo
        self._updating = False
        self.set_columns([])

    def set_columns(self, columns: list[str]) -> None:
        """Offer ``columns`` in every combo box (selections are reset)."""
        self._updating = True
        try:
            for combo in self.combos.values():
                combo.clear()
                combo.addItem(NOT_USED, None)
                for name in columns:
                    combo.addItem(name, name)
        finally:
            self._updating = False

    def set_roles(self, roles: dict[str, str | None]) -> None:
        """Show ``roles`` without emitting ``role_changed``."""
        self._updating = True
        try:
            for role, combo in self.combos.items():
                index = combo.findData(roles.get(role)) if roles.get(role) else 0
                combo.setCurrentIndex(max(index, 0))
        finally:
            self._updating = False

    def roles(self) -> dict[str, str | None]:
        return {role: combo.currentData() for role, combo in self.combos.items()}

    def _changed(self, role: str) -> None:
        if not self._updating:
            self.role_changed.emit(role, self.combos[role].currentData())
