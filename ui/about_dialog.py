"""The About dialog: pilot-eval's version and the versions and licences of what it runs on.

The data comes from ``pilot_eval.about`` (installed distributions' metadata; nothing is looked
up on the network).  The table is a real table, so a screen reader reads it row by row.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pilot_eval.about import AboutInfo, about_info

COLUMNS = ("Package", "Version", "Licence")


class AboutDialog(QDialog):
    """Shows ``AboutInfo``: the app and Python on top, one row per runtime dependency."""

    def __init__(self, info: AboutInfo | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        info = info or about_info()
        self.setWindowTitle("About pilot-eval")
        self.setAccessibleName("About pilot-eval")
        layout = QVBoxLayout(self)
        self.heading = QLabel(
            f"<b>pilot-eval {info.app.version}</b> ({info.app.licence})<br>"
            f"Python {info.python} on {info.platform}<br>"
            "Evaluates empowerment pilots offline: nothing is sent anywhere.")
        self.heading.setAccessibleName("pilot-eval version")
        layout.addWidget(self.heading)
        self.table = QTableWidget(len(info.packages), len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Packages pilot-eval is built with, their versions and "
                                     "licences")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for row, package in enumerate(info.packages):
            for column, text in enumerate((package.name, package.version, package.licence)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        layout.addWidget(self.table)
        note = QLabel("Full licence texts are in THIRD-PARTY-NOTICES.txt beside the program.")
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        layout.addWidget(buttons)
        self.resize(560, 420)
