"""The report's planning section on the Plan step (``OutcomeReport.planning``): its sentence
per outcome, the reason when it could not be planned, and the expected effect carried into the
effect field.  Report-shaped objects (the section's own fields), no window for the words."""

from __future__ import annotations

from types import SimpleNamespace

from pilot_eval.estimators import Unavailable
from pilot_eval.ui.plan_page import PlanPage
from pilot_eval.ui.plan_text import expected_effect, planning_lines

SENTENCE = ("An effect of the size expected (3) would need about 20 pilot teams for 12 months "
            "to be detected 8 times in 10; the pilot's design (6 teams, 9 months) would have "
            "detected it about 3 times in 10.")


def report():
    section = SimpleNamespace(sentence=SENTENCE, effect=3.0)
    return SimpleNamespace(outcomes=(
        SimpleNamespace(outcome="goals", label="Goals met", planning=section),
        SimpleNamespace(outcome="cost", label="Cost per case", planning=None),
        SimpleNamespace(outcome="repeat", label="Repeat referrals",
                        planning=Unavailable("too few teams to resample")),
    ))


def test_one_line_per_planned_outcome_and_the_reason_when_not():
    assert planning_lines(report()) == [
        f"Goals met: {SENTENCE}",
        "Repeat referrals: the next phase could not be planned from this run (too few teams "
        "to resample)."]
    assert planning_lines(None) == []
    assert expected_effect(report(), "goals") == 3.0
    assert expected_effect(report(), "cost") is None


def test_the_plan_step_shows_them_and_fills_an_empty_effect(qtbot):
    page = PlanPage()
    qtbot.addWidget(page)
    page.show()
    page.show_from_run(planning_lines(report()), expected_effect(report(), "goals"))
    assert page.from_run.isVisible() and SENTENCE in page.from_run.text()
    assert page.effect.text() == "3"
    page.effect.setText("2.5")
    page.show_from_run(planning_lines(report()), 3.0)
    assert page.effect.text() == "2.5"  # what the analyst typed stays
    page.show_from_run([])
    assert not page.from_run.isVisible()
