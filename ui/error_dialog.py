"""The error dialog: the message in plain words, where the log is, and "Copy details"."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .error_info import ErrorInfo


class ErrorDialog(QDialog):
    """Shows an :class:`ErrorInfo`; the traceback is only in the copied details."""

    def __init__(self, info: ErrorInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.setWindowTitle(info.title)
        self.setAccessibleName("Error")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        heading = QLabel(f"<b>{info.title}</b>")
        heading.setAccessibleName("Error title")
        self.message = QLabel(info.message)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Error message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(heading)
        layout.addWidget(self.message)
        if info.log_path and not info.expected:
            log = QLabel(f"Log file: {info.log_path}")
            log.setWordWrap(True)
            log.setAccessibleName("Log file location")
            log.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(log)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.copy_button = QPushButton("&Copy details")
        self.copy_button.setAccessibleName("Copy details")
        self.copy_button.setToolTip("Copy the technical details to the clipboard for support")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.accepted.connect(self.accept)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setAccessibleName("Close")
        layout.addWidget(buttons)
        self._details = QPlainTextEdit()  # kept for copying; not shown
        self._details.setPlainText(self.details_text())

    def details_text(self) -> str:
        lines = [self.info.title, "", self.info.message]
        if self.info.log_path:
            lines += ["", f"Log file: {self.info.log_path}"]
        if self.info.details:
            lines += ["", self.info.details]
        return "\n".join(lines)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details_text())
        self.copy_button.setText("Copied")


def show_error(info: ErrorInfo, parent: QWidget | None = None) -> ErrorDialog:
    """Show ``info`` modally (tests patch ``ErrorDialog.exec``) and return the dialog."""
    dialog = ErrorDialog(info, parent)
    dialog.exec()
    return dialog
