"""Each step of the window, driven offscreen with the fake core (brute-force figures)."""

from __future__ import annotations

import dataclasses

from pilot_eval.ui.help_text import HELP
from pilot_eval.ui.trends_text import trend_sentence
from ui_fakes import fake_outcome, staff_frame, with_pretest

WAIT_MS = 5000
MEDIAN_PILOT, MEDIAN_COMPARISON = 5.0, 3.0  # middle of (4, 5, 9) and (1, 3, 7): staff_frame()


def open_panel(qtbot, window, path):
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS):
        window.open_file(path)


def test_seven_steps_in_order_each_with_its_page_and_help(qtbot, window):
    assert window.steps.step_keys() == ["start", "data", "trends", "impact", "plan",
                                        "retention", "brief"]
    assert window.pages.currentWidget() is window.start_page
    for key in window.steps.step_keys():
        window.steps.select(key)
        assert window.pages.currentWidget() is window.page_for[key]
        assert HELP[key] in window.help_view.toHtml() or \
            HELP[key].split("</h3>")[0].split(">")[-1] in window.help_view.toPlainText()


def test_opening_data_from_start_moves_to_the_data_step(qtbot, window, panel_csv):
    open_panel(qtbot, window, panel_csv)
    assert window.pages.currentWidget() is window.data_page


def test_trends_show_the_reports_pretest_sentence_and_the_charts_table(qtbot, window,
                                                                      panel_csv, fake_core):
    open_panel(qtbot, window, panel_csv)
    original = fake_core.run_report

    def run_report(project, project_file, progress, **extra):
        output = original(project, project_file, progress, **extra)
        read = with_pretest(output.report.outcomes[0], 0.4)
        return type(output)(dataclasses.replace(output.report, outcomes=(read,)), output.charts)

    fake_core.run_report = run_report
    with qtbot.waitSignal(window.result_shown, timeout=WAIT_MS), \
            qtbot.waitSignal(window.controller.result_ready, timeout=WAIT_MS) as blocker:
        window.impact_page.run_button.click()
    page = window.trends_page
    outcome = blocker.args[0].report.outcomes[0]
    assert page.sentence.text() == f"Score: {trend_sentence(outcome)}"
    assert "moved in parallel" in page.sentence.text() and "p = 0.4" in page.sentence.text()
    chart = blocker.args[0].chart("means", "score")
    assert page.table_rows() == [list(row) for row in chart.rows]


def test_trend_sentence_words():
    from pilot_eval.report.outcome import MeanPoint, PilotStart

    base = fake_outcome("score", "Score", 2.0)
    assert "already moving differently" in trend_sentence(with_pretest(base, 0.01))
    unreliable = with_pretest(base, 1e-50, reliable=False, leads=((-2, -1, 1), (-1, 0.5, 1)))
    text = trend_sentence(unreliable)
    assert "No pre-trend test can be read here" in text and "too many restrictions" in text
    assert "1 of the 2 pre-pilot estimates" in text
    one_period = with_pretest(base, None, means=(
        MeanPoint(1, "Jan", "pilot", 1.0, 2), MeanPoint(2, "Feb", "pilot", 2.0, 2)),
        starts=(PilotStart(2, "Feb", 2),))
    assert "Only 1 period of data" in trend_sentence(one_period)


def test_retention_step_runs_through_the_task_runner(qtbot, window, fake_core, tmp_path):
    staff = tmp_path / "staff.csv"
    staff_frame().to_csv(staff, index=False)
    with qtbot.waitSignal(window.controller.retention_ready, timeout=WAIT_MS):
        window.controller.open_staff(str(staff))
    rows = dict(window.retention_page.figure_rows())
    assert rows["Median time in post, pilot teams"] == f"{MEDIAN_PILOT:.1f} months"
    assert rows["Median time in post, comparison teams"] == f"{MEDIAN_COMPARISON:.1f} months"
    assert fake_core.retention_args[0]["pilot_starts_path"] == str(tmp_path / "teams.csv")
    assert window.controller.dirty


def test_method_choice_reaches_the_core_and_is_undoable(qtbot, window, panel_csv, fake_core):
    open_panel(qtbot, window, panel_csv)
    combo = window.impact_page.method
    combo.setCurrentIndex(combo.findData("twfe"))
    assert window.controller.options["estimator"] == "twfe"
    with qtbot.waitSignal(window.controller.result_ready, timeout=WAIT_MS):
        window.impact_page.run_button.click()
    assert fake_core.project.did.estimator == "twfe"
    window.undo_action.trigger()
    assert window.controller.options["estimator"] == "auto"
    assert combo.currentData() == "auto"
    window.redo_action.trigger()
    assert combo.currentData() == "twfe"


def test_role_changes_undo_and_redo(qtbot, window, panel_csv):
    open_panel(qtbot, window, panel_csv)
    c = window.controller
    before = dict(c.roles)
    combo = window.data_page.roles_form.combos["treatment"]
    combo.setCurrentIndex(combo.findData("score"))  # the flag replaces the start period
    assert c.roles["treatment"] == "score" and c.roles["cohort"] is None
    window.undo_action.trigger()
    assert c.roles == before  # both roles restored at once
    assert window.data_page.roles_form.roles() == before
    window.redo_action.trigger()
    assert c.roles["treatment"] == "score" and c.roles["cohort"] is None


def test_import_wizard_previews_overrides_and_uses_the_table(qtbot, window, panel_csv,
                                                             fake_core):
    dialog = window.import_file(panel_csv)
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=WAIT_MS)
    assert dialog.model.rowCount() == 16 and "16 rows" in dialog.detected.text()
    dialog.delimiter.setCurrentText("Semicolon ;")
    assert dialog.options() == {"delimiter": ";"}
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=WAIT_MS)
    dialog.delimiter.setCurrentText("Detect automatically")
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=WAIT_MS)
    dialog.date_format.setCurrentText("ISO (2024-12-31)")
    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS):
        dialog.accept()
    assert window.controller.table is dialog.table  # read once, not again
    assert window.controller.date_format == "%Y-%m-%d"
    assert window.data_page.model.rowCount() == 16


def test_import_wizard_shows_a_read_error_beside_the_settings(qtbot, window, tmp_path):
    bad = tmp_path / "panel.txt"
    bad.write_text("x", encoding="utf-8")
    dialog = window.import_file(bad)
    qtbot.waitUntil(lambda: "Could not read" in dialog.detected.text(), timeout=WAIT_MS)
    assert not dialog.ok_button.isEnabled()
    assert window.shown_errors == []  # not a modal dialog on top of the wizard
    dialog.reject()


def test_brief_options_reach_the_core(qtbot, window, panel_csv, fake_core, tmp_path):
    open_panel(qtbot, window, panel_csv)
    with qtbot.waitSignal(window.controller.result_ready, timeout=WAIT_MS):
        window.impact_page.run_button.click()
    window.brief_page.issue.setPlainText("Caseloads were too high.")
    window.brief_page.decision.setCurrentText("for decision")
    with qtbot.waitSignal(window.controller.brief_exported, timeout=WAIT_MS):
        window.export_brief_to(tmp_path / "brief.pdf")
    brief = fake_core.brief_project.brief  # the project whose brief text the export uses
    assert (brief["issue"], brief["recommendation"], brief["decision"]) == (
        "Caseloads were too high.", "", "for decision")


def test_typing_a_recommendation_redraws_the_page_one_preview(qtbot, window, panel_csv):
    page = window.brief_page
    assert page.page_preview.toPlainText() == ""  # no result yet: the placeholder shows
    open_panel(qtbot, window, panel_csv)
    with qtbot.waitSignal(window.controller.result_ready, timeout=WAIT_MS):
        window.impact_page.run_button.click()
    qtbot.waitUntil(lambda: "Fake brief: score" in page.page_preview.toPlainText(),
                    timeout=WAIT_MS)
    qtbot.keyClicks(page.recommendation, "Extend the pilot")
    qtbot.waitUntil(lambda: "Recommendation: Extend the pilot" in
                    page.page_preview.toPlainText(), timeout=WAIT_MS)
    assert window.shown_errors == []


def test_validation_item_selects_the_cell_even_when_filtered_out(qtbot, window, panel_csv):
    open_panel(qtbot, window, panel_csv)
    page = window.data_page
    page.filter_text.setText("zzz-no-match")
    assert page.apply_filter() == 0
    item = page.issues.item(0)  # "Warning: row 7 ..." (the missing score)
    page.issues.itemActivated.emit(item)
    index = page.table.currentIndex()
    assert page.model.headerData(index.row(), 2) == "7"
    assert page.model.column_names()[index.column()] == "score"
