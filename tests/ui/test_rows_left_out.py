"""Rows the analyst leaves out, and title rows above the column names (issue 18's window part):
the checks list offers to leave totals rows out (undoable, kept in the project), and the
import wizard finds the row of column names below a title.  The real core on small CSVs.

References: ``pilot_eval.exclusions.totals_rows`` and ``load_project(...).outcome_data.load()``
(what ``pilot-eval brief`` analyses) for the rows left out; ``load_table(header_row=3)`` for
the titled file.
"""

from __future__ import annotations

import pytest
from pilot_eval.ui.main_window import MainWindow
from pilot_eval.ui.settings import open_settings
from PySide6.QtCore import Qt
from ui_fakes import small_panel

from pilot_eval.io import load_table
from pilot_eval.project import load_project

WAIT_MS = 30_000
TOTAL_ROW = 18  # spreadsheet row of the "Total" line appended to the 16 data rows (rows 2-17)


@pytest.fixture
def window(real_window):
    return real_window  # the real core (conftest)


def idle(qtbot, window):
    qtbot.waitUntil(lambda: not window.controller.runner.running_keys(), timeout=WAIT_MS)


def test_totals_rows_can_be_left_out_undone_and_kept_in_the_project(qtbot, window, documents):
    frame = small_panel()
    frame.loc[len(frame)] = {"team": "Total", "month": 4, "pilot_start": 0, "score": 99.0}
    path = documents / "with_total.csv"
    frame.to_csv(path, index=False)
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS):
        window.open_file(path)
    idle(qtbot, window)
    page, c = window.data_page, window.controller
    totals = [i for i in c.issues if i.code == "totals_rows"]
    assert totals and totals[0].rows == (TOTAL_ROW,)
    assert page.exclude_button.isVisible() and f"{TOTAL_ROW}" in page.exclude_button.text()

    with qtbot.waitSignal(c.issues_changed, timeout=WAIT_MS):
        page.exclude_button.click()
    idle(qtbot, window)
    assert c.excluded == (TOTAL_ROW,)
    assert "Total" not in set(c.table.frame["team"]) and len(c.table.frame) == 16
    assert not any(i.code == "totals_rows" for i in c.issues)
    assert not page.exclude_button.isVisible()
    assert f"row {TOTAL_ROW}" in page.file_label.text()
    assert window.undo_stack.undoText().startswith("Rows left out")

    with qtbot.waitSignal(c.issues_changed, timeout=WAIT_MS):
        window.undo_stack.undo()  # the row comes back
    assert c.excluded == () and "Total" in set(c.table.frame["team"])
    with qtbot.waitSignal(c.issues_changed, timeout=WAIT_MS):
        window.undo_stack.redo()
    idle(qtbot, window)

    target = documents / "left_out.pilot.json"
    assert window.save_project_to(target)
    spec = load_project(target).outcome_data
    assert spec.exclude_rows == (TOTAL_ROW,)
    assert "Total" not in set(spec.load().frame["team"])  # what pilot-eval brief analyses
    assert window.close()

    again = MainWindow(settings=open_settings(documents / "settings2.ini"))
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.controller.issues_changed, timeout=WAIT_MS):
        again.open_file(target)
    idle(qtbot, again)
    assert again.controller.excluded == (TOTAL_ROW,)
    assert "Total" not in set(again.controller.table.frame["team"])
    with qtbot.waitSignal(again.controller.issues_changed, timeout=WAIT_MS):
        again.controller.set_excluded(())  # put back: the raw table is kept
    assert "Total" in set(again.controller.table.frame["team"])
    again.controller.dirty = False
    again.close()


def test_the_import_wizard_finds_the_column_names_below_a_title(qtbot, window, documents):
    path = documents / "titled.csv"
    path.write_text("Outcomes by team, 2024\n\n" + small_panel().to_csv(index=False),
                    encoding="utf-8")
    dialog = window.import_file(path)
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=WAIT_MS)
    assert dialog.header_row.value() == 3
    assert dialog.model.column_names() == ["team", "month", "pilot_start", "score"]
    assert dialog.model.headerData(0, Qt.Orientation.Vertical) == "4"  # the first data row
    assert "column names in row 3" in dialog.detected.text()
    reference = load_table(path, header_row=3)
    assert dialog.table.frame.equals(reference.frame)
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS):
        dialog.accept()
    idle(qtbot, window)
    assert window.controller.header_row == 3
    target = documents / "titled.pilot.json"
    assert window.save_project_to(target)
    spec = load_project(target).outcome_data
    assert spec.header_row == 3 and spec.load().frame.equals(reference.frame)


def test_a_workbook_opened_directly_is_read_below_its_title_and_says_so(qtbot, window,
                                                                         documents):
    import openpyxl

    frame = small_panel()
    book = openpyxl.Workbook()
    book.active.append(["Goals met by team, 2024"])
    book.active.append([])
    book.active.append([])
    book.active.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        book.active.append(list(row))
    path = documents / "titled.xlsx"
    book.save(path)
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS):
        window.open_file(path)
    idle(qtbot, window)
    reference = load_table(path, header_row=4)
    assert window.controller.table.frame.equals(reference.frame)
    assert window.controller.header_row == 4
    assert "(the header is row 4)" in window.data_page.file_label.text()
    first = window.controller.issues[0]
    assert "read from row 4" in first.text and "Goals met by team" in first.text
    target = documents / "titled_book.pilot.json"
    assert window.save_project_to(target)
    assert load_project(target).outcome_data.header_row == 4
