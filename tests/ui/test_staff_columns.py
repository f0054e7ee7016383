"""Staff records in the Retention step: column roles, dates, and validation problems listed
with their row and column.

The core tests read the first rows of the demo's staff file (pilot_eval's own demo data, see
resources/demo/README); the expected rows and columns are worked out by hand below.
"""

from __future__ import annotations

import pandas as pd
import pytest
from pilot_eval.ui.retention_core import RetentionView, migrate_staff, retention_here
from ui_fakes import staff_frame

from pilot_eval.demo import demo_path
from pilot_eval.progress import Progress

WAIT_MS = 5000
SMALL_ROWS = 60  # enough spells for the analysis, fast to run
BAD_INDEX = 2  # third data row = spreadsheet row 4 (the header is row 1)
BAD_ROW = BAD_INDEX + 2
DEMO_ROLES = (("staff_id", "staff_id"), ("team", "team"), ("start", "start_date"),
              ("end", "end_date"), ("reason", "leaving_reason"))  # the demo file's header


def run(path, teams=None, **extra):
    """``retention_here`` on the staff records at ``path`` (entry keys in ``extra``)."""
    panel = extra.pop("panel", None)
    staff = {"path": str(path), **({"pilot_starts_path": str(teams)} if teams else {}), **extra}
    return retention_here(staff, {}, Progress(), panel=panel)


@pytest.fixture
def small_staff(tmp_path):
    frame = pd.read_csv(demo_path("staff.csv"), dtype=str).head(SMALL_ROWS)
    path = tmp_path / "staff.csv"
    frame.to_csv(path, index=False)
    return frame, path


def test_guessed_columns_come_back_for_the_form(small_staff):
    frame, path = small_staff
    out = run(path, demo_path("teams.csv"))
    assert out.roles == DEMO_ROLES
    assert out.columns == tuple(frame.columns)
    assert out.report.data.spells == SMALL_ROWS
    assert not any(p.startswith("error") for p in out.problems)


def test_a_spell_ending_before_it_starts_is_listed_with_its_row_and_column(small_staff):
    frame, path = small_staff
    frame.loc[frame.index[BAD_INDEX], "end_date"] = "01/01/1999"  # before every demo start
    frame.to_csv(path, index=False)
    out = run(path, demo_path("teams.csv"))
    assert out.report is None
    errors = [p for p in out.problems if p.startswith("error")]
    assert len(errors) == 1
    assert "column 'end_date'" in errors[0] and f"row {BAD_ROW}" in errors[0]


def test_a_missing_required_column_asks_for_it(small_staff):
    _, path = small_staff
    out = run(path, columns={"team": "team", "start": "start_date"})
    assert out.report is None
    assert out.problems == ("error: choose the staff records' end date column in the form "
                            "(one row per person and post).",)


def open_fake_staff(qtbot, window, tmp_path):
    staff = tmp_path / "staff.csv"
    staff_frame().to_csv(staff, index=False)
    with qtbot.waitSignal(window.controller.retention_ready, timeout=WAIT_MS):
        window.controller.open_staff(str(staff))
    return window.retention_page.staff_form


def test_chosen_columns_and_dates_rerun_the_retention_analysis(qtbot, window, fake_core,
                                                              tmp_path):
    form = open_fake_staff(qtbot, window, tmp_path)
    assert form.isHidden()  # the analysis ran: the form waits behind its button
    window.retention_page.columns_button.click()
    assert not form.isHidden()  # (the step itself is not the current page)
    assert [form.combos["team"].itemText(i) for i in range(form.combos["team"].count())] == [
        "(none)", "arm", "months"]
    form.combos["team"].setCurrentText("arm")
    form.combos["start"].setCurrentText("months")
    form.combos["end"].setCurrentText("months")
    form.extract_date.setText("2024-03-31")
    with qtbot.waitSignal(window.controller.retention_ready, timeout=WAIT_MS):
        form.apply_button.click()
    staff, _, _ = fake_core.retention_args
    assert staff["extract_date"] == "2024-03-31" and "observed_from" not in staff
    assert staff["columns"] == {"team": "arm", "start": "months", "end": "months"}
    assert window.controller.staff["columns"] == staff["columns"]  # saved with the project
    assert form.combos["end"].currentText() == "months"  # the form shows what was used


def test_a_date_that_is_not_iso_is_refused_in_the_form(qtbot, window, fake_core, tmp_path):
    form = open_fake_staff(qtbot, window, tmp_path)
    form.combos["team"].setCurrentText("arm")
    form.combos["start"].setCurrentText("months")
    form.combos["end"].setCurrentText("months")
    form.observed_from.setText("31/03/2024")
    calls = len(fake_core.calls)
    form.apply_button.click()
    assert "YYYY-MM-DD" in form.message.text()
    assert len(fake_core.calls) == calls  # nothing ran


def test_validation_problems_are_listed_in_the_step(qtbot, window, fake_core, tmp_path):
    problem = "error: the end date is before the start date (column 'end_date', row 4)."
    fake_core.retention_problems = (problem,)
    open_fake_staff(qtbot, window, tmp_path)
    assert window.retention_page.problem_lines()[0] == problem
    assert not window.retention_page.warnings.isHidden()


def test_pilot_starts_from_the_outcome_panel_match_the_teams_file(small_staff):
    # Reference: resources/demo/teams.csv, written by the demo from the same design as the
    # outcome panel's pilot_start column, so both sources must give the same analysis.
    _, path = small_staff
    panel = pd.read_csv(demo_path("outcomes.csv"), dtype=str)
    from_file = run(path, demo_path("teams.csv"))
    from_panel = run(path, pilot_starts_from="panel", panel=(panel, "team", "pilot_start"))
    assert from_panel.problems == from_file.problems
    assert from_panel.report.groups == from_file.report.groups
    assert from_panel.report.data.spells == SMALL_ROWS


def test_choosing_the_panel_as_pilot_start_source_sends_its_columns(qtbot, window, fake_core,
                                                                    tmp_path, panel_csv):
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS):
        window.open_file(panel_csv)
    form = open_fake_staff(qtbot, window, tmp_path)
    form.combos["team"].setCurrentText("arm")
    form.combos["start"].setCurrentText("months")
    form.combos["end"].setCurrentText("months")
    form.starts.setCurrentIndex(form.starts.findData("panel"))
    with qtbot.waitSignal(window.controller.retention_ready, timeout=WAIT_MS):
        form.apply_button.click()
    staff, _, options = fake_core.retention_args
    frame, unit, cohort = options["panel"]
    assert (unit, cohort) == (window.controller.roles["unit"], window.controller.roles["cohort"])
    assert frame is window.controller.table.frame
    assert staff["pilot_starts_from"] == "panel"
    assert window.controller.staff["pilot_starts_from"] == "panel"


def test_the_form_opens_by_itself_when_the_records_could_not_be_analysed(qtbot, window):
    problem = "error: choose the staff records' team column in the form."
    page = window.retention_page
    page.show_staff(RetentionView(columns=("a", "b"), problems=(problem,)), {})
    assert not page.staff_form.isHidden()
    assert page.problem_lines() == [problem]
    assert "need attention" in page.status.text()


def test_read_options_from_the_wizard_reach_the_staff_reader(small_staff, tmp_path):
    # Reference: the same rows written as comma-separated UTF-8 and read by detection.
    frame, path = small_staff
    windows = tmp_path / "staff_semicolon.csv"
    frame.to_csv(windows, index=False, sep=";", encoding="cp1252")
    read = {"delimiter": ";", "encoding": "cp1252"}
    from_wizard = run(windows, demo_path("teams.csv"), read=read)
    reference = run(path, demo_path("teams.csv"))
    assert from_wizard.roles == DEMO_ROLES
    assert from_wizard.report.groups == reference.report.groups


def test_staff_records_go_through_the_import_wizard(qtbot, window, fake_core, tmp_path):
    staff = tmp_path / "staff.csv"
    staff_frame().to_csv(staff, index=False)
    dialog = window.import_staff_file(staff)
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=WAIT_MS)
    assert dialog.model.rowCount() == len(staff_frame())
    assert not dialog.date_format.isEnabled()  # staff dates are checked by the analysis
    dialog.encoding.setCurrentText("utf-8")
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=WAIT_MS)
    with qtbot.waitSignal(window.controller.retention_ready, timeout=WAIT_MS):
        dialog.accept()
    entry, _, _ = fake_core.retention_args
    assert entry["path"] == str(staff) and entry["read"] == {"encoding": "utf-8"}
    assert window.controller.staff["read"] == {"encoding": "utf-8"}  # kept in the project


def test_a_staff_entry_saved_by_an_older_window_is_read_in_the_projects_form(tmp_path):
    old = {"path": str(tmp_path / "staff.csv"), "pilot_starts_file": "teams.csv",
           "pilot_starts_source": "panel", "extract_date": "2025-10-01"}
    assert migrate_staff(old) == {"path": str(tmp_path / "staff.csv"),
                                  "pilot_starts_path": str(tmp_path / "teams.csv"),
                                  "pilot_starts_from": "panel", "extract_date": "2025-10-01"}
    assert migrate_staff({"columns": {}}) is None
