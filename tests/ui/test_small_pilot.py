"""Small pilots in the window (issue 15's window part): the small-pilot demo opens from the
Start step into the Documents folder, the Impact step offers synthetic DiD / synthetic control
with a one-line guide and a placebo-runs field (undoable, saved in the project, used by the
run).  The real core.

Reference: ``load_project(...).did.placebo_reps`` (what ``pilot-eval brief`` runs) and the
packaged ``resources/demo/small_pilot/outcomes.csv`` (``pilot_eval.demo_small``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from pilot_eval.ui.did_options import PLACEBO_REPS
from pilot_eval.ui.impact_page import METHOD_GUIDES
from pilot_eval.ui.window_files import SMALL_DEMO_PROJECT

from pilot_eval.analysis import DidOptions
from pilot_eval.demo_small import PROJECT_FILE, small_pilot_project
from pilot_eval.project import load_project

WAIT_MS = 120_000


@pytest.fixture
def window(real_window):
    return real_window  # the real core (conftest)


def test_the_placebo_default_is_the_analysis_default():
    assert DidOptions().placebo_reps == PLACEBO_REPS


def test_the_window_opens_the_small_demo_project_the_command_line_writes():
    assert SMALL_DEMO_PROJECT == PROJECT_FILE


def test_the_small_pilot_demo_opens_from_start_in_documents(qtbot, window, documents):
    c = window.controller
    with qtbot.waitSignal(c.project_changed, timeout=WAIT_MS):
        window.start_page.small_demo_button.click()
    qtbot.waitUntil(lambda: not c.runner.running_keys(), timeout=WAIT_MS)
    project = documents / "pilot-eval" / "small-pilot-demo" / "small-pilot.pilot.json"
    assert Path(c.project_path) == project
    packaged = resources.files("pilot_eval.resources") / "demo" / "small_pilot" / "outcomes.csv"
    copy = project.parent / "data" / "outcomes.csv"
    assert copy.read_bytes() == packaged.read_bytes()
    assert c.roles["unit"] == "team" and c.roles["treatment"] == "pilot"
    assert c.roles["outcome"] == "goals_met_pct"
    saved = load_project(project)  # the project demo_small builds, as the command line's
    reference = small_pilot_project(documents / "reference")
    assert saved.outcomes == reference.outcomes and saved.did == reference.did
    assert saved.outcome_data.columns == reference.outcome_data.columns
    assert c.table.frame["team"].nunique() == 16

    # Impact: the method list offers the small-pilot methods, each with its one-line guide
    impact = window.impact_page
    methods = [impact.method.itemData(i) for i in range(impact.method.count())]
    assert {"synthetic-did", "synthetic-control"} <= set(methods)
    assert "only a few teams" in impact.method.itemText(methods.index("synthetic-did"))
    impact.method.setCurrentIndex(methods.index("synthetic-did"))
    assert impact.method_guide.text() == METHOD_GUIDES["synthetic-did"]
    assert "only a few teams" in impact.method_guide.text()
    placebo = impact.options_row.placebo
    assert placebo.isEnabled() and placebo.value() == PLACEBO_REPS
    impact.method.setCurrentIndex(methods.index("synthetic-control"))
    assert not placebo.isEnabled()  # synthetic control's placebos: one per comparison team
    window.undo_stack.undo()
    assert c.options["estimator"] == "synthetic-did" and placebo.isEnabled()

    # the field: an undoable option, saved in the project
    placebo.setValue(50)
    assert c.options["placebo_reps"] == 50
    window.undo_stack.undo()
    assert c.options.get("placebo_reps", PLACEBO_REPS) == PLACEBO_REPS
    assert placebo.value() == PLACEBO_REPS
    window.undo_stack.redo()
    assert placebo.value() == 50
    target = documents / "small.pilot.json"
    assert window.save_project_to(target)
    saved = load_project(target).did
    assert saved.placebo_reps == 50 and saved.estimator == "synthetic-did"

    # the run heads the results with synthetic DiD
    with qtbot.waitSignal(c.result_ready, timeout=WAIT_MS):
        window.run_action.trigger()
    qtbot.waitUntil(lambda: not c.runner.running_keys(), timeout=WAIT_MS)
    outcome = c.report.outcomes[0]
    assert outcome.headline.estimator == "synthetic-did"
    rows = dict(impact.table_text())
    assert rows["Method"].startswith("Synthetic")
    # the report's synthetic section: how the comparison is built, its units and checks,
    # and the pilot against its synthetic comparison as the chart
    section = outcome.synthetic
    assert section is not None and section.weights
    assert rows["How the comparison is built"] == section.sentence
    top = section.weights[0]
    assert rows["Synthetic comparison made of"].startswith(f"{top.unit} {top.weight:.0%}")
    for check in section.checks:
        assert check.name[:1].upper() + check.name[1:] in rows
    assert impact.chart.title.text() == "Children's plan goals met: the pilot and its synthetic " \
        "comparison"
    assert impact.chart.has_picture()
    table = impact.chart.table_rows()
    assert len(table) == len(section.path.labels)
    assert table[0][0] == section.path.labels[0]
