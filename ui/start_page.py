"""The Start step: new project, open a project, recent projects, the demo pilot."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .places import is_network_path

NO_RECENT = "No recent projects yet."


class StartPage(QWidget):
    """Intents: ``new_requested``, ``open_requested``, ``demo_requested``,
    ``small_demo_requested``, ``recent_chosen``."""

    new_requested = Signal()
    open_requested = Signal()
    demo_requested = Signal()
    small_demo_requested = Signal()
    recent_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Start step")
        title = QLabel("Evaluate an empowerment pilot")
        title.setObjectName("Headline")
        intro = QLabel("Compare pilot teams with comparison teams before and after the pilot, "
                       "look at staff retention, and write a brief for ministers.")
        intro.setWordWrap(True)
        self.new_button = self._button("&New project", "New project",
                                       "Start an empty project and open its data (Ctrl+N)",
                                       self.new_requested)
        self.open_button = self._button("Open &project…", "Open project",
                                        "Open a saved .pilot.json project (Ctrl+Shift+O)",
                                        self.open_requested)
        self.demo_button = self._button("Open the &demo pilot", "Open the demo pilot",
                                        "Made-up data from twelve teams, to try every step",
                                        self.demo_requested)
        self.small_demo_button = self._button(
            "Open the s&mall-pilot demo", "Open the small-pilot demo",
            "Made-up data: 2 of 16 teams in the pilot, analysed with synthetic DiD (the method "
            "for pilots with only a few teams)", self.small_demo_requested)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.open_button, self.demo_button,
                       self.small_demo_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.recent = QListWidget()
        self.recent.setAccessibleName("Recent projects")
        self.recent.setToolTip("Press Enter or double-click to open")
        self.recent.itemActivated.connect(self._activated)
        recent_title = QLabel("&Recent projects")
        recent_title.setBuddy(self.recent)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(recent_title)
        layout.addWidget(self.recent, 1)
        self.show_recent([])

    def _button(self, text: str, name: str, tip: str, signal: Signal) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        button.clicked.connect(signal)
        return button

    def default_button(self) -> QPushButton:
        """What Enter presses on this step (a recent project in focus opens instead)."""
        return self.open_button

    def show_recent(self, paths: list[str]) -> None:
        """List ``paths`` (most recent first); missing files are shown as such."""
        self.recent.clear()
        for path in paths:
            # A project on a network share is not looked up here: that would contact the
            # server before the user chose to open it.
            exists = is_network_path(path) or Path(path).exists()
            text = f"{Path(path).name}  —  {Path(path).parent}"
            item = QListWidgetItem(text if exists else f"{text}  (not found)")
            item.setData(Qt.ItemDataRole.UserRole, path)
            item.setToolTip(path)
            self.recent.addItem(item)
        if not paths:
            item = QListWidgetItem(NO_RECENT)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent.addItem(item)

    def _activated(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.ItemDataRole.UserRole)
        if path:
            self.recent_chosen.emit(str(path))
