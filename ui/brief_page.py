"""The Brief step: who the brief is from, and "Export brief…" (PDF plus an HTML twin)."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

#: Quiet time after the last keystroke before page 1 is drawn again.
PREVIEW_DELAY_MS = 400
NO_PREVIEW = "Page 1 of the brief appears here once the Impact step has a result."


class BriefPage(QWidget):
    """Intents: ``export_requested``, ``preview_requested`` (debounced after edits).

    Setters: ``set_ready``, ``set_busy``, ``show_exported``, ``show_preview``.
    """

    export_requested = Signal()
    text_edited = Signal()  # any narrative field changed (unsaved changes)
    preview_requested = Signal()  # the narrative settled: draw page 1 again

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Brief step")
        intro = QLabel("The brief opens with two pages for ministers and council leaders: the "
                       "headline result in one sentence with its 95% range, the chart of pilot "
                       "and comparison teams, and how strong the evidence is; a short annex "
                       "follows. Export saves it as a PDF and an accessible HTML page, with a "
                       "technical report (PDF), the tables (Excel) and results.json.")
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
        self.issue = self._text_box("The issue", "What problem the pilot addressed, in two or "
                                    "three sentences")
        self.recommendation = self._text_box("Recommendation", "What you recommend ministers "
                                             "decide")
        self.decision = QComboBox()
        self.decision.setAccessibleName("For decision or for noting")
        self.decision.addItems(["for noting", "for decision"])
        self.decision.currentIndexChanged.connect(self.text_edited)
        for caption, widget in (("The &issue", self.issue),
                                ("&Recommendation", self.recommendation),
                                ("&Decision", self.decision)):
            label = QLabel(caption)
            label.setBuddy(widget)
            form.addRow(label, widget)
        self.organisation.textEdited.connect(self.text_edited)
        self.author.textEdited.connect(self.text_edited)
        self.export_button = QPushButton("&Export brief…")
        self.export_button.setAccessibleName("Export brief")
        self.export_button.setToolTip("Save the brief as PDF and HTML (Ctrl+E)")
        self.export_button.clicked.connect(self.export_requested)
        self.preview = QTextBrowser()  # what the brief will report: scrolls, never clips
        self.preview.setAccessibleName("What the brief will report")
        self.preview.setOpenLinks(False)
        self.preview.setPlaceholderText("The results the brief reports appear here after the "
                                        "analysis (Impact step).")
        self._headlines: list[str] = []
        self._evidence: list[str] = []
        self.status = QLabel("Run the analysis in the Impact step first. Each outcome you "
                             "analyse is added to the brief.")
        self.status.setAccessibleName("Brief status")
        self.status.setWordWrap(True)
        self.page_preview = QTextBrowser()
        self.page_preview.setAccessibleName("Preview of page 1 of the brief")
        self.page_preview.setOpenLinks(False)
        self.page_preview.setPlaceholderText(NO_PREVIEW)
        self.page_preview.setMinimumWidth(260)
        self.page_preview.zoomOut(2)  # closer to a printed page: more of it in view
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.preview_requested)
        self.text_edited.connect(self._preview_timer.start)
        fields = QWidget()
        layout = QVBoxLayout(fields)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.status, 1)
        layout.addLayout(buttons)
        reported = QLabel("What the brief &reports")
        reported.setBuddy(self.preview)
        layout.addWidget(reported)
        layout.addWidget(self.preview, 1)
        preview_box = QWidget()
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.setContentsMargins(0, 0, 0, 0)
        preview_title = QLabel("Pre&view of page 1")
        preview_title.setBuddy(self.page_preview)
        preview_layout.addWidget(preview_title)
        preview_layout.addWidget(self.page_preview, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(fields)
        splitter.addWidget(preview_box)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 5)
        outer = QVBoxLayout(self)
        outer.addWidget(splitter)
        self.set_ready(False)

    def default_button(self) -> QPushButton:
        return self.export_button

    def _text_box(self, name: str, placeholder: str) -> QPlainTextEdit:
        box = QPlainTextEdit()
        box.setAccessibleName(name)
        box.setPlaceholderText(placeholder)
        box.setTabChangesFocus(True)  # Tab moves on, as in every other field
        box.setFixedHeight(60)
        box.textChanged.connect(self.text_edited)
        return box

    def options(self) -> dict[str, str]:
        """The brief options typed here (``BriefOptions`` keys)."""
        return {"organisation": self.organisation.text(), "author": self.author.text(),
                "issue": self.issue.toPlainText(),
                "recommendation": self.recommendation.toPlainText(),
                "decision": self.decision.currentText()}

    def set_options(self, options: dict) -> None:
        """Fill the fields from a project's brief options (unknown keys are ignored)."""
        self.blockSignals(True)
        try:
            self.organisation.setText(str(options.get("organisation", "")))
            self.author.setText(str(options.get("author", "")))
            self.issue.setPlainText(str(options.get("issue", "")))
            self.recommendation.setPlainText(str(options.get("recommendation", "")))
            index = self.decision.findText(str(options.get("decision", "for noting")))
            self.decision.setCurrentIndex(max(index, 0))
        finally:
            self.blockSignals(False)

    def show_evidence(self, lines: list[str]) -> None:
        """How strong the evidence is for each outcome, and why (one line each)."""
        self._evidence = list(lines)
        self._show_contents()

    def set_ready(self, ready: bool) -> None:
        self.export_button.setEnabled(ready)
        if ready:
            self.status.setText("Ready to export.")

    def show_headlines(self, lines: list[str]) -> None:
        """The results the brief will report, one per outcome of the report (none: empty)."""
        self._headlines = list(lines)
        self._show_contents()

    def reported_text(self) -> str:
        return self.preview.toPlainText()

    def _show_contents(self) -> None:
        lines = self._headlines
        if not lines:
            self.preview.clear()
            return
        intro = ("Result to be reported:" if len(lines) == 1 else
                 f"{len(lines)} results to be reported (choose another outcome in the Data "
                 "step and run to add it):")
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        evidence = "".join(f"<p>{html.escape(line)}</p>" for line in self._evidence)
        heading = "<p><b>How strong the evidence is</b></p>" if evidence else ""
        self.preview.setHtml(f"<p>{intro}</p><ul>{items}</ul>{heading}{evidence}")

    def show_preview(self, page: str) -> None:
        """Page 1 as HTML text from the brief's HTML twin ("" shows the placeholder)."""
        if page:
            self.page_preview.setHtml(page)
        else:
            self.page_preview.clear()

    def show_preview_problem(self, message: str) -> None:
        self.page_preview.setPlainText("The preview could not be drawn: " + message)

    def set_busy(self, busy: bool) -> None:
        self.export_button.setEnabled(not busy)
        if busy:
            self.status.setText("Writing the brief…")

    def show_exported(self, files: tuple[str, ...] | list[str]) -> None:
        """The files written: the brief (PDF, HTML), the technical report, the tables and
        results.json."""
        self.export_button.setEnabled(True)
        folder = Path(files[0]).parent if files else ""
        self.status.setText(f"Saved in {folder}:\n" + ", ".join(Path(f).name for f in files))
