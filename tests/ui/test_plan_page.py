"""The "Plan the next phase" panel: its intents, its bad-entry messages and what it shows."""

from __future__ import annotations

import pandas as pd
import pytest
from pilot_eval.ui.plan_core import run_plan
from pilot_eval.ui.plan_page import PlanPage, parse_counts

from pilot_eval.demo import demo_path

ROLES = {"outcome": "goals_met_pct", "unit": "team", "time": "month", "cohort": "pilot_start"}


@pytest.fixture(scope="module")
def demo_plan():
    frame = pd.read_csv(demo_path("outcomes.csv"))
    return run_plan(frame, ROLES, {"effect": 2.0, "teams": (5, 10, 20), "months": (6, 12),
                                   "reps": 100})


def test_run_emits_the_options(qtbot):
    page = PlanPage()
    qtbot.addWidget(page)
    page.effect.setText("2.5")
    page.teams.setText("8, 16")
    page.staggered.setChecked(True)
    with qtbot.waitSignal(page.run_requested) as signal:
        page.run_button.click()
    assert signal.args[0] == {"teams": (8, 16), "months": (12, 24), "staggered": True,
                              "power": 0.8, "effect": 2.5}


def test_bad_entries_explained_and_nothing_emitted(qtbot):
    page = PlanPage()
    qtbot.addWidget(page)
    page.teams.setText("ten")
    with qtbot.assertNotEmitted(page.run_requested):
        page.run_button.click()
    assert "whole numbers" in page.message.text()
    page.teams.setText("10")
    page.effect.setText("big")
    with qtbot.assertNotEmitted(page.run_requested):
        page.run_button.click()
    assert "not a number" in page.message.text()
    with pytest.raises(ValueError):
        parse_counts("0", "Months")


def test_shows_the_plan_table_sentence_and_chart(qtbot, demo_plan, tmp_path):
    plan, png = demo_plan
    assert png and png.startswith(b"\x89PNG")
    page = PlanPage()
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show_plan(plan, png)
    assert page.sentence.text() == plan["sentence"]
    assert page.table.rowCount() == 6
    first = plan["grid"][0]
    assert page.table.item(0, 3).text() == f"{first['power']:.0%}"
    assert page.chart is not None and page.chart.has_picture()
    page.show_plan({**plan, "effect": None}, None)
    assert page.table.horizontalHeaderItem(3).text() == "Smallest\neffect"
    assert page.chart is None
