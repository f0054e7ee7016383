"""The import wizard for the outcome panel and the staff records (a mixin of the window).

Both files go through the same :class:`~pilot_eval.ui.import_dialog.ImportDialog`: the preview is
read in the task runner, and the table (panel) or the chosen read options (staff) are used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .error_info import describe_exception
from .import_dialog import ImportDialog


class ImportFilesMixin:
    """``import_file`` and ``import_staff_file`` for the main window (``self.controller``,
    ``self.undo_stack`` and ``self.show_error`` come from the window)."""

    controller: Any
    undo_stack: Any
    import_dialog: Any = None

    def import_file(self, path: str | Path) -> ImportDialog | None:
        """The import wizard for ``path``: preview, override what was detected, then use."""

        def use(dialog: ImportDialog) -> None:
            self.undo_stack.clear()
            self.controller.use_table(dialog.table, date_format=dialog.chosen_date_format(),
                                      header_row=dialog.chosen_header_row())

        return self._import_dialog(path, use)

    def import_staff_file(self, path: str | Path) -> ImportDialog | None:
        """The same wizard for the staff records; the choices are used by every retention run."""
        return self._import_dialog(path, lambda dialog: self.controller.open_staff(
            str(path), read=dialog.options()), dates=False)

    def _import_dialog(self, path: str | Path, use: Any, *,
                       dates: bool = True) -> ImportDialog | None:
        c = self.controller
        sheets: list[str] = []
        if Path(path).suffix.lower() in (".xlsx", ".xlsm"):
            try:
                sheets = c.core.sheet_names(str(path))
            except Exception as exc:  # a damaged workbook: say so and stop
                self.show_error(describe_exception(exc, title="The file could not be opened"))
                return None
        dialog = ImportDialog(str(path), sheets=sheets, dates=dates, parent=self)
        dialog.load_requested.connect(lambda options: c.preview_file(str(path), options))
        c.preview_ready.connect(dialog.show_table)
        c.preview_failed.connect(dialog.show_problem_info)

        def done(accepted: int) -> None:
            c.preview_ready.disconnect(dialog.show_table)
            c.preview_failed.disconnect(dialog.show_problem_info)
            if accepted and dialog.table is not None:
                use(dialog)
            dialog.deleteLater()

        dialog.finished.connect(done)
        self.import_dialog = dialog
        dialog.open()
        dialog.reload()
        return dialog
