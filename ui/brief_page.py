"""The Brief step: who the brief is from, and "Export brief…" (PDF plus an HTML twin)."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class BriefPage(QWidget):
    """Intent: ``export_requested``.  Setters: ``set_ready``, ``set_busy``, ``show_exported``."""

    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Brief step")
        intro = QLabel("The brief opens with two pages for ministers and council leaders: the "
                       "headline result in one sentence with its 95% range, the chart of pilot "
                       "and comparison teams, and how strong the evidence is. A technical annex "
                       "follows. It is saved as a PDF and as an accessible HTML page beside it.")
        intro.setWordWrap(True)
        self.organisation = QLineEdit()
        self.organisation.setAccessibleName("Organisation")
        self.organisation.setPlaceholderText("for example: Gwynedd Council, Children's Services")
        self.author = QLineEdit()
        self.author.setAccessibleName("Author")
        self.author.setPlaceholderText("your name or team")
        form = QFormLayout()
        org_label = QLabel("Or&ganisation")
        org_label.setBuddy(self.organisation)
        author_label = QLabel("A&uthor")
        author_label.setBuddy(self.author)
        form.addRow(org_label, self.organisation)
        form.addRow(author_label, self.author)
        self.export_button = QPushButton("&Export brief…")
        self.export_button.setAccessibleName("Export brief")
        self.export_button.setToolTip("Save the brief as PDF and HTML (Ctrl+E)")
        self.export_button.clicked.connect(self.export_requested)
        self.preview = QLabel("")
        self.preview.setAccessibleName("Headline of the brief")
        self.preview.setWordWrap(True)
        self.status = QLabel("Run the analysis in the Impact step first. Each outcome you "
                             "analyse is added to the brief.")
        self.status.setAccessibleName("Brief status")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.set_ready(False)

    def set_ready(self, ready: bool) -> None:
        self.export_button.setEnabled(ready)
        if ready:
            self.status.setText("Ready to export.")

    def show_headlines(self, lines: list[str]) -> None:
        """The results the brief will report, one per outcome analysed (none: empty)."""
        if not lines:
            self.preview.setText("")
            return
        intro = ("Result to be reported:" if len(lines) == 1 else
                 f"{len(lines)} results to be reported (run another outcome in the Impact step "
                 "to add it):")
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        self.preview.setText(f"{intro}<ul>{items}</ul>")

    def set_busy(self, busy: bool) -> None:
        self.export_button.setEnabled(not busy)
        if busy:
            self.status.setText("Writing the brief…")

    def show_exported(self, pdf: str, html: str) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(f"Saved the brief as PDF and HTML:\n{pdf}\n{html}")
