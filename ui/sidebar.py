"""The side bar of the seven steps: Start, Data, Trends, Impact, Plan, Retention, Brief."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

STEPS: tuple[tuple[str, str], ...] = (
    ("start", "1  Start"),
    ("data", "2  Data"),
    ("trends", "3  Trends"),
    ("impact", "4  Impact"),
    ("plan", "5  Plan"),
    ("retention", "6  Retention"),
    ("brief", "7  Brief"),
)


class StepBar(QListWidget):
    """A vertical list of steps; emits ``step_chosen(key)`` when the user picks one."""

    step_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StepBar")
        self.setAccessibleName("Steps")
        self.setAccessibleDescription("Choose a step of the evaluation: Start, Data, Trends, "
                                      "Impact, Retention or Brief")
        self.setFixedWidth(150)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        for key, label in STEPS:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, label.split()[-1])
            self.addItem(item)
        self.currentRowChanged.connect(self._row_changed)

    def step_keys(self) -> list[str]:
        return [key for key, _ in STEPS]

    def select(self, key: str) -> None:
        self.setCurrentRow(self.step_keys().index(key))

    def current_key(self) -> str:
        row = self.currentRow()
        return self.step_keys()[row] if row >= 0 else ""

    def _row_changed(self, row: int) -> None:
        if row >= 0:
            self.step_chosen.emit(self.step_keys()[row])
