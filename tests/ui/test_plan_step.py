"""The "Plan the next phase" step in the window, with the real core on the bundled demo data.

Reference: ``ui.plan_core.run_plan`` called directly on the same frame, roles and options (the
step must show exactly what the planning module computes: same seed, same numbers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pilot_eval.ui.plan_core import run_plan
from pilot_eval.ui.plan_text import planning_lines

from pilot_eval.demo import demo_path
from pilot_eval.role_names import guess_outcome_info

WAIT_MS = 120_000
OPTIONS = {"teams": (10, 20), "months": (12,), "staggered": False, "power": 0.8,
           "effect": 3.0}


@pytest.fixture
def window(real_window):
    return real_window  # the real core (conftest)


def test_the_plan_step_plans_on_the_loaded_data_and_shows_the_curve(qtbot, window):
    page = window.plan_page
    window.steps.select("plan")
    assert window.pages.currentWidget() is page
    with qtbot.waitSignal(window.controller.plan_failed, timeout=WAIT_MS):
        page.run_button.click()  # no data yet: said beside the fields, nothing run
    assert "Open the pilot's data first" in page.message.text()

    with qtbot.waitSignal(window.controller.issues_changed, timeout=WAIT_MS):
        window.open_file(demo_path("outcomes.csv"))
    qtbot.waitUntil(lambda: not window.controller.runner.running_keys(), timeout=WAIT_MS)
    roles = dict(window.controller.roles)
    window.steps.select("plan")
    page.effect.setText("3")
    page.teams.setText("10, 20")
    page.months.setText("12")
    with qtbot.waitSignal(window.controller.plan_ready, timeout=WAIT_MS) as answer:
        page.run_button.click()
    qtbot.waitUntil(lambda: page.run_button.isEnabled(), timeout=WAIT_MS)

    label = guess_outcome_info(roles["outcome"]).label  # the chart and sentence name it
    expected, png = run_plan(pd.read_csv(demo_path("outcomes.csv")), roles,
                             {**OPTIONS, "outcome_label": label})
    shown, shown_png = answer.args[0]
    assert shown["grid"] == expected["grid"]
    assert page.sentence.text() == expected["sentence"]
    assert page.table.rowCount() == 2
    first = expected["grid"][0]
    assert page.table.item(0, 3).text() == f"{first['power']:.0%}"
    assert page.chart is not None and page.chart.has_picture()
    assert shown_png and shown_png.startswith(b"\x89PNG")


def test_enter_on_the_plan_step_presses_plan(qtbot, window):
    window.steps.select("plan")
    window.plan_page.effect.setFocus()
    with qtbot.waitSignal(window.controller.plan_failed, timeout=WAIT_MS):
        assert window.press_enter()


def no_effect_panel() -> pd.DataFrame:
    """24 teams x 12 months, 12 of them piloting from month 7, and no effect: a result whose
    range includes zero, for which the report plans the next phase."""
    rng = np.random.default_rng(20240601)
    rows = []
    for team in range(24):
        start = 7 if team < 12 else 0
        level = rng.normal(60.0, 4.0)
        for month in range(1, 13):
            rows.append({"team": f"T{team:02d}", "month": month, "pilot_start": start,
                         "score": round(level + 0.2 * month + rng.normal(0.0, 2.0), 2)})
    return pd.DataFrame(rows)


def test_the_plan_step_shows_the_runs_planning_section(qtbot, window, documents):
    path = documents / "no_effect.csv"
    no_effect_panel().to_csv(path, index=False)
    c = window.controller
    with qtbot.waitSignal(c.issues_changed, timeout=WAIT_MS):
        window.open_file(path)
    qtbot.waitUntil(lambda: not c.runner.running_keys(), timeout=WAIT_MS)
    with qtbot.waitSignal(window.result_shown, timeout=WAIT_MS):
        window.run_action.trigger()
    outcome = c.report.outcomes[0]
    section = outcome.planning
    assert section is not None  # the range includes zero: the report planned
    text = window.plan_page.from_run.text()
    expected = planning_lines(c.report)
    assert expected and text == "From the last run: " + " ".join(expected)
    if getattr(section, "sentence", None):
        assert section.sentence in text
    window.steps.select("plan")
    assert window.plan_page.from_run.isVisible()


def test_the_plan_entries_are_kept_in_the_project(qtbot, window, documents):
    """Entries typed on the Plan step survive save and reopen; a project whose Plan step was
    never used is written without them, as version 1 (earlier releases open it)."""
    import json

    from pilot_eval.project import load_project
    from pilot_eval.project_plan import PlanEntries

    c, page = window.controller, window.plan_page
    with qtbot.waitSignal(c.issues_changed, timeout=WAIT_MS):
        window.open_file(demo_path("outcomes.csv"))
    qtbot.waitUntil(lambda: not c.runner.running_keys(), timeout=WAIT_MS)
    untouched = documents / "untouched.pilot.json"
    assert window.save_project_to(untouched)
    stored = json.loads(untouched.read_text(encoding="utf-8"))
    assert "plan" not in stored and stored["version"] == 1

    window.steps.select("plan")
    qtbot.keyClicks(page.effect, "2.5")  # typed: the project now has unsaved changes
    assert c.dirty
    page.teams.setText("6, 12")
    page.months.setText("18")
    page.staggered.setChecked(True)
    page.power.setValue(0.9)
    target = documents / "planned.pilot.json"
    assert window.save_project_to(target)
    expected = PlanEntries(effect=2.5, power=0.9, teams=(6, 12), months=(18,), staggered=True)
    assert load_project(target).plan == expected
    assert json.loads(target.read_text(encoding="utf-8"))["version"] == 2

    page.set_entries(None)  # as a new project shows them
    assert page.teams.text() == "10, 20, 40" and page.entries() is None
    with qtbot.waitSignal(c.project_changed, timeout=WAIT_MS):
        window.open_file(target)
    qtbot.waitUntil(lambda: not c.runner.running_keys(), timeout=WAIT_MS)
    assert (page.effect.text(), page.teams.text(), page.months.text()) == ("2.5", "6, 12", "18")
    assert page.staggered.isChecked() and page.power.value() == pytest.approx(0.9)
    assert page.entries() == expected and not c.dirty
